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


MAX_SENTENCE = 400
"""Longer runs without a sentence end (unpunctuated classical text, tables) are cut at a comma."""
_SOFT = frozenset("，、：,:")


def split_sentences(text: str, mentions: list[Span] | None = None) -> list[Sentence]:
    """Split ``text`` into sentences; a mention never straddles a boundary (the boundary moves past it).

    Linear in the text and the mentions: ``covered[i]`` says whether a mention continues past ``i``.
    """
    spans = sorted(mentions or [], key=lambda m: m.start)
    n = len(text)
    covered = bytearray(n + 1)
    for m in spans:
        covered[m.start:max(m.start, m.end - 1)] = b"\x01" * max(0, m.end - 1 - m.start)
    bounds: list[tuple[int, int]] = []
    start = 0
    last_soft = -1
    i = 0
    while i < n:
        ch = text[i]
        if ch in _SOFT and not covered[i]:
            last_soft = i
        if (ch in _ENDERS and not covered[i]) or (i - start >= MAX_SENTENCE and not covered[i]):
            j = i + 1
            if ch not in _ENDERS and last_soft > start:
                j = last_soft + 1
            while j < n and text[j] in _CLOSERS:
                j += 1
            bounds.append((start, j))
            start = j
            i = j
            last_soft = -1
            continue
        i += 1
    if start < n:
        bounds.append((start, n))
    out: list[Sentence] = []
    k = 0
    for s, e in bounds:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        while k < len(spans) and spans[k].start < s:
            k += 1
        inside = []
        j = k
        while j < len(spans) and spans[j].start < e:
            if spans[j].end <= e:
                inside.append(spans[j])
            j += 1
        if s >= e:
            continue
        out.append(Sentence(len(out), s, e, text[s:e], tuple(inside)))
    return out
