"""The copy of an article's text the extractor matches words in.

Published text sometimes hides a word from plain matching: a zero-width space or a soft
hyphen inside "Taliban", a Cyrillic "а" or a Greek omicron that looks like the Latin
letter, fullwidth letters. `normalize_for_matching` returns a normalised copy:

1. Unicode NFKC (fullwidth and compatibility forms, ligatures);
2. zero-width and other invisible format characters removed (zero-width space and joiner,
   word joiner, byte-order mark, soft hyphen, Mongolian vowel separator, bidi controls);
   a zero-width non-joiner only between two Latin letters, since Persian spelling needs it;
3. look-alike letters of `data/lexicon/confusables.yaml` folded to the Latin letter they
   imitate, but only inside a word that also has a Latin letter, or in a word made
   entirely of look-alikes when the text is mostly Latin: Russian, Greek and Arabic-script
   words stay as they are.

With it comes the way back: every normalised character knows the span of the original
it came from, so a span found in the copy maps to the span of the published text.
Text with none of these characters (nearly all news) takes a fast path: the same string
and an identity mapping.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.extraction.lexicon import PROJECT_ROOT, LexiconError

DEFAULT_CONFUSABLES_PATH = PROJECT_ROOT / "data" / "lexicon" / "confusables.yaml"
SUPPORTED_VERSION = 1

ZWNJ = "\u200c"
# Always removed: invisible in print, never needed to read an English word.
INVISIBLE = frozenset(
    "\u200b\u200d"  # zero-width space, zero-width joiner
    "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible math operators
    "\ufeff"  # byte-order mark / zero-width no-break space
    "\u00ad"  # soft hyphen
    "\u180e"  # Mongolian vowel separator
    "\u200e\u200f"  # left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # bidi isolates
)
# Latin letters: ASCII, Latin-1, Latin Extended-A/B, IPA, Latin Extended Additional
LATIN_RANGES = "A-Za-z\u00aa\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02af\u1e00-\u1eff"
_LATIN_LETTER = re.compile(f"[{LATIN_RANGES}]")
_NOT_LETTER = re.compile(r"[\W\d_]+")
_NOT_LATIN_LETTER = re.compile(f"[^{LATIN_RANGES}]+")
_NON_ASCII_RUN = re.compile(r"[\x00-\x7f]?[^\x00-\x7f]+")  # with the character before it
_JOINABLE_ZWNJ = re.compile(f"(?<=[{LATIN_RANGES}]){ZWNJ}+(?=[{LATIN_RANGES}])")
_INVISIBLE_RE = re.compile("[" + "".join(sorted(INVISIBLE)) + "]")
_CODE_POINT = re.compile(r"U\+([0-9A-Fa-f]{4,6})")


@dataclass(frozen=True)
class Confusables:
    """Validated look-alike characters: each folds to one ASCII letter."""

    table: dict[str, str]
    source: str

    @functools.cached_property
    def special(self) -> re.Pattern[str]:
        """Any character that makes normalisation do more than NFKC."""
        chars = sorted(INVISIBLE | {ZWNJ} | set(self.table))
        return re.compile("[" + "".join(re.escape(c) for c in chars) + "]")

    @functools.cached_property
    def keys(self) -> re.Pattern[str]:
        """Any look-alike (nothing when the table is empty)."""
        if not self.table:
            return re.compile(r"(?!x)x")
        return re.compile("[" + "".join(re.escape(c) for c in sorted(self.table)) + "]")


@dataclass(frozen=True)
class NormalizedText:
    """A normalised copy of `original` and the way back to it.

    `offsets[i]` is the offset in `original` where normalised character `i` comes from
    (`offsets[len(text)] == len(original)`), `ends[i]` where its source ends (a character
    NFKC expands, such as a ligature, gives several normalised characters one source)."""

    text: str
    original: str
    offsets: Sequence[int]
    ends: Sequence[int]

    @property
    def identity(self) -> bool:
        """True when nothing changed (offsets are the same in both texts)."""
        return self.text is self.original

    def to_original(self, offset: int) -> int:
        """The original offset of a normalised start offset."""
        return self.offsets[max(0, min(offset, len(self.text)))]

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the normalised span [start, end): from the start of its
        first character's source to the end of its last one's, so characters removed
        inside the span are inside the original span and those around it are not."""
        if self.identity:
            return start, end
        n = len(self.text)
        start = max(0, min(start, n))
        end = max(start, min(end, n))
        a = self.offsets[start]
        return (a, self.ends[end - 1]) if end > start else (a, a)


def identity(text: str) -> NormalizedText:
    """The fast path: nothing to normalise."""
    n = len(text)
    return NormalizedText(text, text, range(n + 1), range(1, n + 1))


def normalize_for_matching(text: str, confusables: Confusables | None = None) -> NormalizedText:
    """The text to match words in, with the mapping back to `text` (see the module)."""
    if text.isascii():
        return identity(text)
    table = confusables or default_confusables()
    invisible = _INVISIBLE_RE.search(text)
    nfkc = unicodedata.is_normalized("NFKC", text)
    if not invisible and nfkc and not table.special.search(text):
        return identity(text)
    n = len(text)
    offsets: Sequence[int]
    ends: Sequence[int]
    if invisible or not nfkc:
        chars, offsets, ends = _nfkc_without_invisible(text)
        normalised = "".join(chars)
    else:  # only look-alikes or a ZWNJ: one character for one so far
        normalised, offsets, ends = text, range(n), range(1, n + 1)
    if table.keys.search(normalised):
        normalised = _fold(normalised, table)
    if ZWNJ in normalised:
        normalised, offsets, ends = _drop_latin_zwnj(normalised, offsets, ends)
    if normalised == text:
        return identity(text)
    return NormalizedText(normalised, text, [*offsets, n], ends)


def _nfkc_without_invisible(text: str) -> tuple[list[str], list[int], list[int]]:
    """NFKC of the text without invisible characters, with each output character's source
    span. Stretches NFKC leaves alone are copied; the rest is normalised cluster by
    cluster (a character with its combining marks and the characters that compose with
    it)."""
    parts: list[str] = []
    offsets: list[int] = []
    ends: list[int] = []
    done = 0
    for run in _NON_ASCII_RUN.finditer(text):
        a, b = run.span()
        if _INVISIBLE_RE.search(run.group()) or not unicodedata.is_normalized("NFKC", run.group()):
            if a > done:
                parts.append(text[done:a])
                offsets.extend(range(done, a))
                ends.extend(range(done + 1, a + 1))
            _clusters(text, a, b, parts, offsets, ends)
            done = b
    if done < len(text):
        parts.append(text[done:])
        offsets.extend(range(done, len(text)))
        ends.extend(range(done + 1, len(text) + 1))
    return parts, offsets, ends


def _clusters(
    text: str, a: int, b: int, parts: list[str], offsets: list[int], ends: list[int]
) -> None:
    cluster: list[str] = []
    start = end = a

    def flush() -> None:
        if cluster:
            raw = "".join(cluster)
            out = raw if raw.isascii() else _nfkc(raw)
            parts.append(out)
            offsets.extend([start] * len(out))
            ends.extend([end] * len(out))

    for j in range(a, b):
        char = text[j]
        if char in INVISIBLE:
            continue
        if cluster and _joins(cluster[-1], char):
            cluster.append(char)
            end = j + 1
            continue
        flush()
        cluster = [char]
        start, end = j, j + 1
    flush()


@functools.lru_cache(maxsize=8192)
def _nfkc(chars: str) -> str:
    return unicodedata.normalize("NFKC", chars)


@functools.lru_cache(maxsize=8192)
def _joins(before: str, char: str) -> bool:
    """Whether `char` belongs to the cluster ending in `before`: a combining mark, or a
    character NFKC composes with the one before it (Hangul jamo, some Indic vowels)."""
    if unicodedata.combining(char):
        return True
    if char.isascii():
        return False
    return _nfkc(before + char) != _nfkc(before) + _nfkc(char)


def _fold(text: str, table: Confusables) -> str:
    """Look-alikes folded in the words that qualify (one character for one: the mapping
    does not change). In mostly Latin text every word with a look-alike is looked at;
    otherwise only words with a Latin letter can qualify, and only those are looked at."""
    chars = list(text)
    mostly_latin = _mostly_latin(text)
    hits = table.keys if mostly_latin else _LATIN_LETTER
    for start, end in _words_around(text, hits.finditer(text)):
        letters = [c for c in text[start:end] if c.isalpha()]
        if not any(c in table.table for c in letters):
            continue
        if any(c not in table.table and _LATIN_LETTER.match(c) for c in letters) or (
            mostly_latin and all(c in table.table for c in letters)
        ):
            for i in range(start, end):
                chars[i] = table.table.get(chars[i], chars[i])
    return "".join(chars)


def _words_around(text: str, hits: Iterator[re.Match[str]]) -> Iterator[tuple[int, int]]:
    """The span of the word around each hit, each word once."""
    end = -1
    for hit in hits:
        if hit.start() < end:
            continue
        start = hit.start()
        while start > 0 and _word_char(text[start - 1]):
            start -= 1
        end = hit.end()
        while end < len(text) and _word_char(text[end]):
            end += 1
        yield start, end


def _word_char(char: str) -> bool:
    return char.isalnum() or char == ZWNJ or unicodedata.combining(char) != 0


def _mostly_latin(text: str) -> bool:
    """More than half the letters are Latin (a quick answer for text that is nearly all
    ASCII, a count otherwise)."""
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if non_ascii * 10 < len(text):
        return True
    letters = len(_NOT_LETTER.sub("", text))
    latin = len(_NOT_LATIN_LETTER.sub("", text))
    return letters > 0 and 2 * latin > letters


def _drop_latin_zwnj(
    text: str, offsets: Sequence[int], ends: Sequence[int]
) -> tuple[str, Sequence[int], Sequence[int]]:
    """A zero-width non-joiner between two Latin letters is a trick, not spelling."""
    drop = [i for m in _JOINABLE_ZWNJ.finditer(text) for i in range(m.start(), m.end())]
    if not drop:
        return text, offsets, ends
    gone = set(drop)
    keep = [i for i in range(len(text)) if i not in gone]
    return (
        "".join(text[i] for i in keep),
        [offsets[i] for i in keep],
        [ends[i] for i in keep],
    )


def _fail(source: str, problem: str) -> LexiconError:
    return LexiconError(f"{source}: {problem}")


def _character(source: str, key: str, raw: Any) -> str:
    text = str(raw)
    code = _CODE_POINT.fullmatch(text)
    if code:
        value = int(code.group(1), 16)
        if value > 0x10FFFF:
            raise _fail(source, f"{key}: {text} is not a code point")
        return chr(value)
    if len(text) != 1:
        raise _fail(source, f"{key}: a key is one character or U+XXXX, not {text!r}")
    return text


def load_confusables(path: Path | None = None) -> Confusables:
    """Read and validate a confusables file (errors name the file and the key)."""
    path = path or DEFAULT_CONFUSABLES_PATH
    source = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(source, f"cannot read confusables: {exc}") from exc
    if not isinstance(data, dict):
        raise _fail(source, "top level must be a mapping")
    unknown = sorted(set(data) - {"version", "confusables"})
    if unknown:
        raise _fail(source, f"unknown keys {unknown} (allowed: ['confusables', 'version'])")
    if data.get("version") != SUPPORTED_VERSION:
        raise _fail(source, f"unsupported version {data.get('version')!r}")
    groups = data.get("confusables")
    if not isinstance(groups, dict) or not groups:
        raise _fail(source, "'confusables' must map group names to {character: letter}")
    table: dict[str, str] = {}
    for group, entries in groups.items():
        if not isinstance(entries, dict):
            raise _fail(source, f"confusables.{group}: must map characters to letters")
        for raw, letter in entries.items():
            key = f"confusables.{group}.{raw}"
            char = _character(source, key, raw)
            if char.isascii() or char in INVISIBLE or char == ZWNJ:
                raise _fail(source, f"{key}: must be a visible non-ASCII character")
            if _nfkc(char) != char:
                raise _fail(source, f"{key}: NFKC already turns it into {_nfkc(char)!r}")
            if not (
                isinstance(letter, str)
                and len(letter) == 1
                and letter.isascii()
                and letter.isalpha()
            ):
                raise _fail(source, f"{key}: must fold to one ASCII letter, not {letter!r}")
            if table.get(char, letter) != letter:
                raise _fail(source, f"{key}: already folds to {table[char]!r}")
            table[char] = letter
    return Confusables(table=table, source=source)


@functools.lru_cache(maxsize=1)
def default_confusables() -> Confusables:
    """The project's confusables, loaded once per process."""
    return load_confusables()
