"""One spelling for Dari, Persian, Pashto and Urdu text before matching.

The same word reaches us in several spellings: Arabic ي and ك for Persian ی and ک,
Urdu ہ ھ ے and Pashto ې ۍ ګ for Persian ه ی گ, a zero-width non-joiner inside a word or
not, Persian, Arabic or Latin digits, short-vowel marks or none. Matching reads a folded
copy in which each of these has one form; every folded character remembers where it
came from, so evidence is quoted from the text as published.

The folds are for matching only: Pashto ړ and Persian ر are different letters, but a
place name written with either is the same place.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

ZWNJ = "\u200c"
# letter variants folded to the Persian letter most spellings use
LETTER_FOLDS = {
    "ي": "ی",  # Arabic yeh
    "ى": "ی",  # alef maksura
    "ې": "ی",  # Pashto
    "ۍ": "ی",  # Pashto
    "ے": "ی",  # Urdu yeh barree
    "ۓ": "ی",
    "ئ": "ی",
    "ك": "ک",  # Arabic kaf
    "ګ": "گ",  # Pashto gaf
    "ہ": "ه",  # Urdu heh goal
    "ھ": "ه",  # Urdu do-chashmi heh
    "ۀ": "ه",
    "ۂ": "ه",
    "ة": "ه",
    "ۃ": "ه",
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ؤ": "و",
    "ټ": "ت",  # Pashto retroflexes and Urdu ones to the nearest Persian letter
    "ٹ": "ت",
    "ډ": "د",
    "ڈ": "د",
    "ړ": "ر",
    "ڑ": "ر",
    "ږ": "ژ",
    "ښ": "ش",
    "ڼ": "ن",
    "ں": "ن",
    "څ": "چ",
    "ځ": "ز",
    "،": ",",
    "؛": ";",
    "؟": "?",
    "۔": ".",
    "«": '"',
    "»": '"',
    "“": '"',
    "”": '"',
}
DIGITS = {chr(base + i): str(i) for base in (0x0660, 0x06F0) for i in range(10)}
# characters dropped: joiners, marks, the elongation stroke
DROPPED = frozenset({ZWNJ, "\u200d", "\u200b", "\u200e", "\u200f", "\u00ad", "\u0640", "\ufeff"})


@dataclass(frozen=True)
class FoldedText:
    """A folded copy of `original`; `origin[i]` is where folded character i came from."""

    original: str
    text: str
    origin: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that folded[start:end] came from."""
        if start >= end:
            at = self.origin[start] if start < len(self.origin) else len(self.original)
            return at, at
        return self.origin[start], self.origin[end - 1] + 1


def fold_char(char: str) -> str:
    """The folded form of one character ('' when it is dropped)."""
    if char in DROPPED or unicodedata.category(char) == "Mn":
        return ""
    if char in DIGITS:
        return DIGITS[char]
    if char in LETTER_FOLDS:
        return LETTER_FOLDS[char]
    compat = unicodedata.normalize("NFKC", char)
    if compat != char:  # presentation forms, ligatures, wide characters
        return "".join(fold_char(c) for c in compat)
    return char


def fold(text: str) -> FoldedText:
    """The folded copy of a text with its map back to the original."""
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = fold_char(char)
        pieces.append(folded)
        origin.extend([index] * len(folded))
    return FoldedText(text, "".join(pieces), tuple(origin))


def fold_word(text: str) -> str:
    """A lexicon or gazetteer entry folded the way texts are, spaces made single."""
    return " ".join(fold(text).text.split())
