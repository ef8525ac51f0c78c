"""Which language an article is in, so that a feed we cannot read says so.

Most articles are told by their letters and words, in microseconds: a Latin-script text
full of English function words is English; in Arabic script the letters only Pashto
(ټ ډ ړ ږ ښ ګ ڼ ې ۍ ځ څ) or only Urdu (ٹ ڈ ڑ ں ے) write decide those two, and پ چ ژ گ,
which Arabic never writes, mark Persian. Anything else goes to `langid`, whose model
ships inside the package (nothing is downloaded) but takes about five seconds to load,
so it is loaded only when needed. langid alone reads short Pashto passages as Persian.
Persian is one code, `fa`, for Dari and Iranian Persian alike.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# letters one of these languages writes and the others (and Persian, Arabic) do not
PASHTO_LETTERS = frozenset("ټډړږښګڼېۍځڅ")
URDU_LETTERS = frozenset("ٹڈڑںے")
PERSIAN_LETTERS = frozenset("پچژگ")  # Persian, Pashto and Urdu write them; Arabic does not
ENGLISH_WORDS = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "that",
        "for",
        "on",
        "was",
        "with",
        "said",
        "by",
        "as",
        "at",
        "from",
        "it",
        "were",
        "have",
        "has",
    ]
)
ENGLISH_SHARE = 0.12  # English prose: about a quarter of its words are these
MIN_DISTINCT_LETTERS = 3  # a borrowed name carries one or two; a text in the language many
SAMPLE_CHARS = 4000  # enough to be sure; long articles are not read whole for this
MIN_LETTERS = 20  # a headline fragment or a test stub: too short to tell
NAMES = {
    "en": "English",
    "fa": "Persian (Dari/Farsi)",
    "ps": "Pashto",
    "ur": "Urdu",
    "ar": "Arabic",
    "ru": "Russian",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
    "tr": "Turkish",
    "zh": "Chinese",
    "hi": "Hindi",
    "uz": "Uzbek",
    "tg": "Tajik",
}


@dataclass(frozen=True)
class Language:
    """A language code (ISO 639-1) with how sure the model is (0..1)."""

    code: str
    confidence: float

    @property
    def name(self) -> str:
        return NAMES.get(self.code, self.code)


def language_name(code: str | None) -> str:
    return NAMES.get(code or "", code or "unknown")


@functools.cache
def load_langid() -> Any:
    """langid's model, decoded once per process (about 5 s), like spaCy's models."""
    from langid.langid import LanguageIdentifier as Langid
    from langid.langid import model

    return Langid.from_modelstring(model, norm_probs=True)


class LanguageIdentifier:
    """Letters and words first; langid's model only for what they cannot tell."""

    def __init__(self, load: Callable[[], Any] = load_langid) -> None:
        self._load = load

    def identify(self, text: str) -> Language | None:
        """The text's language, or None when there is too little to tell it by."""
        sample = text[:SAMPLE_CHARS]
        if sum(c.isalpha() for c in sample) < MIN_LETTERS:
            return None
        quick = by_letters(sample) or by_words(sample) or by_script_words(sample)
        if quick is not None:
            return Language(quick, 1.0)
        code, confidence = self._load().classify(sample)
        return Language(str(code), round(float(confidence), 3))


def by_letters(text: str, at_least: int = MIN_DISTINCT_LETTERS) -> str | None:
    """`ps`, `ur` or `fa` when an Arabic-script text writes `at_least` of the letters only
    that language uses (Pashto and Urdu first: they write Persian's letters too)."""
    pashto = sum(c in PASHTO_LETTERS for c in text)
    urdu = sum(c in URDU_LETTERS for c in text)
    if max(pashto, urdu) >= at_least:
        return "ps" if pashto >= urdu else "ur"
    if sum(c in PERSIAN_LETTERS for c in text) >= at_least:
        return "fa"
    return None


def arabic_script(text: str) -> bool:
    """Most of the text's letters are Arabic script (Dari, Persian, Pashto, Urdu)."""
    sample = text[:SAMPLE_CHARS]
    arabic = sum("\u0600" <= c <= "\u06ff" or "\ufb50" <= c <= "\ufeff" for c in sample)
    latin = sum(c.isascii() and c.isalpha() for c in sample)
    return arabic > latin


# function words one of the Arabic-script languages writes often and the others rarely
# (Arabic ي and ك read as Persian ی and ک: Afghan sites write either)
SCRIPT_WORDS = {
    "fa": frozenset({"است", "را", "از", "این", "برای", "شد", "کرد", "کردند", "میگوید", "اند"}),
    "ps": frozenset({"د", "په", "کی", "چی", "ته", "دی", "شوی", "کړی", "وایی", "لپاره"}),
    "ur": frozenset({"کے", "میں", "ہے", "نے", "سے", "کا", "کی", "ہیں", "گیا", "کیا"}),
}
SCRIPT_SHARE = 0.08


def by_script_words(text: str) -> str | None:
    """`fa`, `ps` or `ur` for an Arabic-script text whose function words clearly say
    which (a Dari text in Arabic letters has too few of Persian's own to tell by them)."""
    words = text.replace("ي", "ی").replace("ك", "ک").split()
    if len(words) < 5:
        return None
    shares = {
        code: sum(w in table for w in words) / len(words) for code, table in SCRIPT_WORDS.items()
    }
    best, second = sorted(shares.values(), reverse=True)[:2]
    if best < SCRIPT_SHARE or best < 2 * second:
        return None
    return max(shares, key=lambda code: shares[code])


def by_words(text: str) -> str | None:
    """`en` for Latin-script prose with English's function words, else None."""
    words = [w.lower() for w in text.split() if w.isalpha()]
    if len(words) < 5:
        return None
    share = sum(w in ENGLISH_WORDS for w in words) / len(words)
    return "en" if share >= ENGLISH_SHARE else None


def unread_note(counts: Mapping[str, int], read: Iterable[str]) -> str | None:
    """A feed's warning when most of its new entries are in languages the extractor does
    not read (their events are not extracted), else None."""
    readable = set(read)
    total = sum(counts.values())
    unread = {code: n for code, n in counts.items() if code not in readable}
    if not total or sum(unread.values()) * 2 < total:
        return None
    parts = ", ".join(
        f"{n} in {language_name(code)} ({code})"
        for code, n in sorted(unread.items(), key=lambda item: -item[1])
    )
    return f"{parts} of {total} new entries: a language not read yet, no events extracted"
