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
  The word lists live in ``ner/lexicons/*.txt`` (one entry per line, ``#`` comments);
* optionally ``G*`` jieba word features and tags, and ``Q``/``R`` unsupervised character clusters (:mod:`ner.clusters`).

Input text is expected already normalised (simplified Chinese, half-width digits and latin letters).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise
from operator import add
from pathlib import Path
from typing import Any

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

    def __init__(
        self,
        radius: int = 2,
        trigrams: bool = True,
        lexicons: bool = True,
        entity_lexicon: EntityLexicon | None = None,
        *,
        words: bool = False,
        word_context: bool = False,
        word_tags: bool = False,
        clusters: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        if radius < 1 or radius > 4:
            raise ValueError(f"feature window radius must be 1..4, got {radius}")
        self.radius = radius
        self.trigrams = trigrams
        self.lexicons = lexicons
        self.entity_lexicon = entity_lexicon
        self.words = words
        self.word_context = word_context
        self.word_tags = word_tags
        # the pipeline's text has half-width digits and latin letters, MSRA (where the clusters come from) full-width
        self.clusters = None if clusters is None else {
            **{half: clusters[full] for half, full in _FULL_WIDTH.items() if full in clusters}, **clusters}
        self._single_surnames, self._compound_surnames = surnames()

    def extract(self, text: str, entity_lexicon: EntityLexicon | None = None) -> FeatureSequence:
        """Features per char; ``entity_lexicon`` overrides the extractor's own (used for jackknifed training)."""
        n = len(text)
        if n == 0:
            return []
        r = self.radius
        padded = "\x02" * r + text + "\x03" * r
        shifted = {k: padded[r + k : r + k + n] for k in range(-r, r + 1)}
        templates: list[list[str]] = [["b"] * n]
        for k in range(-r, r + 1):
            templates.append(list(map(f"U{k}=".__add__, shifted[k])))
        for k in range(-r, r):
            templates.append(list(map(f"B{k}=".__add__, map(add, shifted[k], shifted[k + 1]))))
        if self.trigrams:
            trigram = map(add, map(add, shifted[-1], shifted[0]), shifted[1])
            templates.append(list(map("T=".__add__, trigram)))
        classes = "^" + "".join([char_class(c) for c in text]) + "$"
        templates.append(["K=" + classes[i : i + 3] for i in range(n)])
        if self.lexicons:
            templates.extend(self._lexicon_templates(text, n))
        if self.words:
            templates.extend(_word_templates(text, n, self.word_context, self.word_tags))
        if self.clusters is not None:
            templates.extend(_cluster_templates(text, n, self.clusters))
        lexicon = entity_lexicon if entity_lexicon is not None else self.entity_lexicon
        if lexicon is not None:
            templates.append(list(map("X=".__add__, lexicon.match_tags(text))))
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


_NO_CLUSTER = ("-", "-")
_FULL_WIDTH = {chr(code): chr(code + 0xFEE0) for code in range(0x21, 0x7F)}


def _cluster_templates(text: str, n: int, clusters: dict[str, tuple[str, str]]) -> list[list[str]]:
    """Unsupervised clusters (``ner.clusters``) of the chars at -2..+2 (fine), -1..+1 (coarse), and the fine
    pairs (-1, 0) and (0, +1): a rare given-name char shares its cluster with frequent ones."""
    ids = [clusters.get(c, _NO_CLUSTER) for c in text]
    fine = ["^", "^", *(f for f, _c in ids), "$", "$"]
    coarse = ["^", *(c for _f, c in ids), "$"]
    templates = [list(map(f"Q{k}=".__add__, fine[2 + k : 2 + k + n])) for k in range(-2, 3)]
    templates.extend(list(map(f"R{k}=".__add__, coarse[1 + k : 1 + k + n])) for k in (-1, 0, 1))
    pairs = list(map("|".join, pairwise(fine[1 : n + 3])))
    templates.append(list(map("QL=".__add__, pairs[:n])))
    templates.append(list(map("QR=".__add__, pairs[1:])))
    return templates


def _segmenter() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


@lru_cache(maxsize=1)
def _word_tag_table() -> dict[str, str]:
    """jieba's part-of-speech tag per dictionary word (nr person, ns place, nt organisation …), read from the
    dictionary the segmenter uses, as ``jieba.posseg`` reads it (importing that module parses the file once, and
    its ``initialize`` twice more: 0.5 s of each worker's start)."""
    with _segmenter().dt.get_dict_file() as f:
        lines = f.read().decode("utf-8").splitlines()
    table: dict[str, str] = {}
    for line in map(str.strip, lines):
        if line:
            word, _freq, tag = line.split(" ")
            table[word] = tag
    return table


def release_segmenter() -> None:
    """Drop the dictionary tag table and jieba's dictionary (about 100 MB); the next segmentation loads them again
    (jieba re-initialises lazily when ``initialized`` is false)."""
    _word_tag_table.cache_clear()
    import sys

    jieba = sys.modules.get("jieba")
    if jieba is not None:
        jieba.dt.FREQ, jieba.dt.total, jieba.dt.initialized = {}, 0, False


def _word_templates(text: str, n: int, context: bool = False, tags: bool = False) -> list[list[str]]:
    """Where each character sits in jieba's word (B/M/E/S), its neighbours' positions, and the word
    itself when it is two to four characters long: unknown names often come out as one word. With ``tags``,
    also the dictionary tag of the char's word and of the words before and after (``?`` for a word jieba's
    dictionary does not know, often a name)."""
    pos = ["S"] * n
    word_of = [""] * n
    word_index = [0] * n
    before = [""] * n
    after = [""] * n
    words = list(_segmenter().cut(text, HMM=True))
    i = 0
    for index, word in enumerate(words):
        k = len(word)
        if k > 1:
            pos[i] = "B"
            pos[i + k - 1] = "E"
            for j in range(i + 1, i + k - 1):
                pos[j] = "M"
        shown = word if 2 <= k <= 4 else ""
        prev_word = words[index - 1] if index and len(words[index - 1]) <= 4 else ""
        next_word = words[index + 1] if index + 1 < len(words) and len(words[index + 1]) <= 4 else ""
        for j in range(i, i + k):
            word_of[j] = shown
            word_index[j] = index
            before[j] = prev_word
            after[j] = next_word
        i += k
    padded = "^" + "".join(pos) + "$"
    templates = [
        ["G=" + p for p in pos],
        ["G3=" + padded[i : i + 3] for i in range(n)],
        ["GW=" + w for w in word_of],
    ]
    if context:
        # the words around a name say what it is: 记者|叶超, 副县长|李明, 到|县地方志编纂中心
        templates.append(["GP=" + w for w in before])
        templates.append(["GN=" + w for w in after])
    if tags:
        table = _word_tag_table()
        word_tags = ["^", *(table.get(w, "?") for w in words), "$"]
        templates.append(["GT=" + pos[j] + word_tags[word_index[j] + 1] for j in range(n)])
        templates.append(["GTP=" + word_tags[word_index[j]] for j in range(n)])
        templates.append(["GTN=" + word_tags[word_index[j] + 2] for j in range(n)])
    return templates


ENTITY_TYPE_CODES: dict[str, int] = {"PERSON": 0, "PLACE": 1, "ORG": 2}


class EntityLexicon:
    """Known entity strings (2..``max_len`` chars) → type bit mask, matched against every substring.

    ``match_tags`` gives one 3-letter code per char, one letter per type (PERSON, PLACE, ORG):
    ``B``/``I``/``E`` for the position inside the longest known string of that type covering the char, or
    ``O``. Built from training data; during training each fold uses a lexicon without its own sentences.
    """

    def __init__(self, entries: dict[str, int], max_len: int = 8) -> None:
        self.entries = entries
        self.max_len = max_len
        self._prefixes = {word[:k] for word in entries for k in range(2, len(word) + 1)}

    def match_tags(self, text: str) -> list[str]:
        n = len(text)
        entries = self.entries
        prefixes = self._prefixes
        found: list[tuple[int, int, int]] = []
        for i in range(n - 1):
            end = i + 2
            limit = min(n, i + self.max_len)
            while end <= limit:
                piece = text[i:end]
                if piece not in prefixes:
                    break
                mask = entries.get(piece)
                if mask:
                    found.append((end - i, i, mask))
                end += 1
        if not found:
            return ["OOO"] * n
        found.sort()
        codes: dict[int, list[str]] = {}
        for length, start, mask in found:
            for bit in range(3):
                if mask & (1 << bit):
                    for j in range(start, start + length):
                        row = codes.setdefault(j, ["O", "O", "O"])
                        row[bit] = "B" if j == start else "E" if j == start + length - 1 else "I"
        tags = ["OOO"] * n
        for j, row in codes.items():
            tags[j] = "".join(row)
        return tags

    def to_text(self) -> str:
        lines = []
        for word, mask in sorted(self.entries.items()):
            types = ",".join(name for name, bit in ENTITY_TYPE_CODES.items() if mask & (1 << bit))
            lines.append(f"{word}\t{types}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_sentences(
        cls, sentences: Iterable[tuple[str, list[tuple[int, int, str]]]], folds: int = 0, max_len: int = 8
    ) -> tuple[EntityLexicon, list[EntityLexicon]]:
        """The lexicon of every entity string in ``sentences`` and, for ``folds > 1``, one lexicon per fold
        (sentence ``i`` is in fold ``i % folds``) built only from the other folds' sentences."""
        fold_masks: dict[tuple[str, int], int] = {}
        for index, (text, spans) in enumerate(sentences):
            fold_bit = 1 << (index % folds) if folds > 1 else 1
            for start, end, label in spans:
                code = ENTITY_TYPE_CODES.get(label)
                if code is not None and 2 <= end - start <= max_len:
                    key = (text[start:end], code)
                    fold_masks[key] = fold_masks.get(key, 0) | fold_bit
        full: dict[str, int] = {}
        per_fold: list[dict[str, int]] = [{} for _ in range(folds if folds > 1 else 0)]
        for (word, code), in_folds in fold_masks.items():
            full[word] = full.get(word, 0) | (1 << code)
            for fold, entries in enumerate(per_fold):
                if in_folds & ~(1 << fold):
                    entries[word] = entries.get(word, 0) | (1 << code)
        return cls(full, max_len), [cls(entries, max_len) for entries in per_fold]

    @classmethod
    def from_text(cls, text: str, max_len: int = 8) -> EntityLexicon:
        entries: dict[str, int] = {}
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            word, sep, types = line.partition("\t")
            if not sep:
                raise ValueError(
                    f"entity lexicon line {lineno} is not '<string>TAB<types>'; retrain the model"
                )
            mask = 0
            for name in types.split(","):
                mask |= 1 << ENTITY_TYPE_CODES[name]
            entries[word] = mask
        return cls(entries, max_len)
