"""Sentence splitting with offsets: split on 。！？； and newlines, keep closing quotes with their sentence."""

from __future__ import annotations

from dataclasses import dataclass

from kg.relations.types import Span

_ENDERS = frozenset("。！？；!?;\n")
_CLOSERS = frozenset("”’」』）)")


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str
    mentions: tuple[Span, ...]

    def local(self, offset: int) -> int:
        return offset - self.start

    def between(self, a: Span, b: Span) -> str:
        """The text strictly between two mentions of this sentence (empty when they touch or overlap)."""
        first, second = (a, b) if a.start <= b.start else (b, a)
        return self.text[self.local(first.end):self.local(second.start)] if first.end < second.start else ""

    def before(self, m: Span, width: int = 1000) -> str:
        return self.text[max(0, self.local(m.start) - width):self.local(m.start)]

    def after(self, m: Span, width: int = 1000) -> str:
        return self.text[self.local(m.end):self.local(m.end) + width]


def split_sentences(text: str, mentions: list[Span] | None = None) -> list[Sentence]:
    """Split ``text`` into sentences; a mention never straddles a boundary (the boundary moves past it)."""
    spans = sorted(mentions or [], key=lambda m: m.start)
    bounds: list[tuple[int, int]] = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        if text[i] in _ENDERS and not any(m.start <= i < m.end - 1 for m in spans):
            j = i + 1
            while j < n and text[j] in _CLOSERS:
                j += 1
            bounds.append((start, j))
            start = j
            i = j
            continue
        i += 1
    if start < n:
        bounds.append((start, n))
    out: list[Sentence] = []
    for s, e in bounds:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s >= e:
            continue
        inside = tuple(m for m in spans if m.start >= s and m.end <= e)
        out.append(Sentence(len(out), s, e, text[s:e], inside))
    return out
