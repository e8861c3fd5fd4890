"""Word lists shipped in ``ner/lexicons/`` and a longest-match scanner over them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

LEXICON_DIR = Path(__file__).parent / "lexicons"


def read_lexicon(name: str) -> list[str]:
    """Lines of ``ner/lexicons/<name>``, without comments and blanks."""
    path = LEXICON_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"lexicon {path} is missing; reinstall the package (pip install -e .)")
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line.split("\t")[0])
    return out


class TrieMatcher:
    """Longest-match lookup of many literal terms at every position of a text.

    Only positions whose character starts some term are examined, and only the term
    lengths that exist for that first character, so a scan is linear in practice.
    """

    __slots__ = ("_lengths", "_terms")

    def __init__(self, terms: Iterable[str]) -> None:
        self._terms: set[str] = set()
        lengths: dict[str, set[int]] = {}
        for term in terms:
            if term:
                self._terms.add(term)
                lengths.setdefault(term[0], set()).add(len(term))
        self._lengths: dict[str, tuple[int, ...]] = {c: tuple(sorted(ls, reverse=True)) for c, ls in lengths.items()}

    def __contains__(self, term: str) -> bool:
        return term in self._terms

    def __len__(self) -> int:
        return len(self._terms)

    def longest_at(self, text: str, pos: int) -> int:
        """Length of the longest term starting at ``pos`` (0 if none)."""
        lengths = self._lengths.get(text[pos]) if pos < len(text) else None
        if not lengths:
            return 0
        room = len(text) - pos
        for n in lengths:
            if n <= room and text[pos:pos + n] in self._terms:
                return n
        return 0

    def finditer(self, text: str) -> Iterator[tuple[int, int]]:
        """Non-overlapping longest matches, left to right."""
        pos, n = 0, len(text)
        starts = self._lengths
        while pos < n:
            if text[pos] in starts:
                m = self.longest_at(text, pos)
                if m:
                    yield pos, pos + m
                    pos += m
                    continue
            pos += 1


@cache
def surnames() -> frozenset[str]:
    return frozenset(read_lexicon("surnames.txt"))


@cache
def common_surnames() -> frozenset[str]:
    return frozenset(read_lexicon("common_surnames.txt"))


@cache
def titles() -> TrieMatcher:
    return TrieMatcher(read_lexicon("titles.txt"))


@cache
def org_parts() -> tuple[TrieMatcher, frozenset[str]]:
    """All organisation parts, and the subset that may end a name (marked ``*``)."""
    raw = read_lexicon("org_parts.txt")
    parts = [p.rstrip("*") for p in raw]
    enders = frozenset(p.rstrip("*") for p in raw if p.endswith("*"))
    return TrieMatcher(parts), enders


@cache
def event_terms() -> tuple[TrieMatcher, TrieMatcher]:
    """Event heads (suffixes of event phrases) and whole historical event names (``=`` lines)."""
    raw = read_lexicon("event_terms.txt")
    heads = [t for t in raw if not t.startswith("=")]
    names = [t[1:] for t in raw if t.startswith("=")]
    return TrieMatcher(heads), TrieMatcher(names)
