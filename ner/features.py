"""Character features for the CRF tagger.

Every feature template is computed for a whole sentence at once with slices and comprehensions over a padded
string, which keeps extraction at several hundred thousand characters per second. The templates:

* ``U{k}`` char unigrams in a window of ``±radius``; ``B{k}`` bigrams of neighbouring chars in the window;
  ``T`` the trigram centred on the char;
* ``K`` the char-class pattern (han/digit/latin/punct/space/other) of the chars at -1, 0, +1;
* ``S`` surname flags (``ner/lexicons/surnames.txt``) for the chars at -2..0 and ``C`` a compound surname
  starting at 0 or -1;
* ``O`` / ``P`` "an organisation / place suffix ends at 0, +1, +2" flags, from :data:`ORG_SUFFIXES` and
  :data:`PLACE_SUFFIXES`; ``H`` "a title or kinship word (主席, 同志, 先生 …) starts at +1" for person names.
  The word lists live in ``ner/lexicons/*.txt`` (one entry per line, ``#`` comments).

Input text is expected already normalised (simplified Chinese, half-width digits and latin letters).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

FeatureSequence = list[tuple[str, ...]]

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"


def _read_lexicon(name: str) -> list[str]:
    path = LEXICON_DIR / name
    if not path.is_file():
        raise FileNotFoundError(
            f"lexicon {path} is missing; reinstall the package or restore ner/lexicons/{name}"
        )
    words: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.strip()
        if word and not word.startswith("#"):
            words.append(word)
    return words


ORG_SUFFIXES: tuple[str, ...] = tuple(_read_lexicon("org_suffixes.txt"))
PLACE_SUFFIXES: tuple[str, ...] = tuple(_read_lexicon("place_suffixes.txt"))
TITLE_WORDS: tuple[str, ...] = tuple(_read_lexicon("title_words.txt"))


@lru_cache(maxsize=1)
def surnames() -> tuple[frozenset[str], frozenset[str]]:
    """(single-char surnames, compound surnames) from ``ner/lexicons/surnames.txt``."""
    words = _read_lexicon("surnames.txt")
    return frozenset(w for w in words if len(w) == 1), frozenset(w for w in words if len(w) >= 2)


_CLASS_CACHE: dict[str, str] = {}


def char_class(char: str) -> str:
    """One-letter class: ``H`` han, ``D`` digit, ``L`` latin, ``P`` punctuation, ``W`` space, ``X`` other."""
    cached = _CLASS_CACHE.get(char)
    if cached is not None:
        return cached
    if "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or "\U00020000" <= char <= "\U0002ffff":
        cls = "H"
    elif char.isdigit():
        cls = "D"
    elif char.isascii() and char.isalpha():
        cls = "L"
    elif char.isspace():
        cls = "W"
    elif unicodedata.category(char).startswith(("P", "S")):
        cls = "P"
    elif char.isalpha():
        cls = "L"
    else:
        cls = "X"
    _CLASS_CACHE[char] = cls
    return cls


def _end_flags(text: str, words: Iterable[str]) -> bytearray:
    """``flags[i] == 1`` when one of ``words`` ends at index ``i`` of ``text``."""
    flags = bytearray(len(text))
    for word in words:
        start = text.find(word)
        size = len(word)
        while start >= 0:
            flags[start + size - 1] = 1
            start = text.find(word, start + 1)
    return flags


def _start_flags(text: str, words: Iterable[str]) -> bytearray:
    flags = bytearray(len(text))
    for word in words:
        start = text.find(word)
        while start >= 0:
            flags[start] = 1
            start = text.find(word, start + 1)
    return flags


def _flag_string(flags: bytearray, left: int, right: int) -> str:
    """Render flags as a ``0/1`` string padded with ``left``/``right`` zeros."""
    return "0" * left + flags.translate(_FLAG_TABLE).decode("ascii") + "0" * right


_FLAG_TABLE = bytes([48, 49]) + bytes(254)


class FeatureExtractor:
    """Turns a sentence into one tuple of feature strings per character."""

    def __init__(self, radius: int = 2, trigrams: bool = True, lexicons: bool = True) -> None:
        if radius < 1 or radius > 4:
            raise ValueError(f"feature window radius must be 1..4, got {radius}")
        self.radius = radius
        self.trigrams = trigrams
        self.lexicons = lexicons
        self._single_surnames, self._compound_surnames = surnames()

    def describe(self) -> dict[str, int | bool]:
        return {"radius": self.radius, "trigrams": self.trigrams, "lexicons": self.lexicons}

    def extract(self, text: str) -> FeatureSequence:
        n = len(text)
        if n == 0:
            return []
        r = self.radius
        padded = "\x02" * r + text + "\x03" * r
        shifted = {k: padded[r + k : r + k + n] for k in range(-r, r + 1)}
        templates: list[list[str]] = [["b"] * n]
        for k in range(-r, r + 1):
            prefix = f"U{k}="
            templates.append([prefix + c for c in shifted[k]])
        for k in range(-r, r):
            prefix = f"B{k}="
            templates.append([prefix + a + b for a, b in zip(shifted[k], shifted[k + 1], strict=True)])
        if self.trigrams:
            templates.append(
                ["T=" + a + b + c for a, b, c in zip(shifted[-1], shifted[0], shifted[1], strict=True)]
            )
        classes = "^" + "".join([char_class(c) for c in text]) + "$"
        templates.append(["K=" + classes[i : i + 3] for i in range(n)])
        if self.lexicons:
            templates.extend(self._lexicon_templates(text, n))
        return list(zip(*templates, strict=True))

    def _lexicon_templates(self, text: str, n: int) -> list[list[str]]:
        single = self._single_surnames
        sur = "00" + "".join(["1" if c in single else "0" for c in text])
        compound = _flag_string(_start_flags(text, self._compound_surnames), 1, 0)
        org = _flag_string(_end_flags(text, ORG_SUFFIXES), 0, 2)
        place = _flag_string(_end_flags(text, PLACE_SUFFIXES), 0, 2)
        title = _flag_string(_start_flags(text, TITLE_WORDS), 0, 1)
        return [
            ["S=" + sur[i : i + 3] for i in range(n)],
            ["C=" + compound[i : i + 2] for i in range(n)],
            ["O=" + org[i : i + 3] for i in range(n)],
            ["P=" + place[i : i + 3] for i in range(n)],
            ["H=" + title[i + 1] for i in range(n)],
        ]
