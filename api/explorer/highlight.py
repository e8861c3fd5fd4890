"""Mark mentions inside evidence sentences: the page renders segments, each escaped, marked ones in <mark>."""

from __future__ import annotations

from dataclasses import dataclass

from kg.models import Evidence
from kg.store.base import MentionView


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool


def spans_of_terms(sentence: str, terms: list[str]) -> list[tuple[int, int]]:
    """Every occurrence of each non-empty term in the sentence."""
    spans: list[tuple[int, int]] = []
    for term in {t for t in terms if t}:
        pos = sentence.find(term)
        while pos >= 0:
            spans.append((pos, pos + len(term)))
            pos = sentence.find(term, pos + 1)
    return spans


def spans_of_mentions(sentence: str, sentence_start: int, doc: str, mentions: list[MentionView]) -> list[tuple[int, int]]:
    """Mentions (raw document offsets) that fall inside a sentence starting at ``sentence_start`` of ``doc``."""
    spans = []
    for m in mentions:
        if m.doc != doc:
            continue
        start, end = m.start - sentence_start, m.end - sentence_start
        if 0 <= start < end <= len(sentence) and sentence[start:end] == m.text:
            spans.append((start, end))
    return spans


def segments(sentence: str, spans: list[tuple[int, int]]) -> list[Segment]:
    """Split the sentence into plain and marked pieces; overlapping spans are merged."""
    merged: list[list[int]] = []
    for start, end in sorted(s for s in spans if 0 <= s[0] < s[1] <= len(sentence)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[Segment] = []
    pos = 0
    for start, end in merged:
        if start > pos:
            out.append(Segment(sentence[pos:start], False))
        out.append(Segment(sentence[start:end], True))
        pos = end
    if pos < len(sentence):
        out.append(Segment(sentence[pos:], False))
    return out


def evidence_segments(ev: Evidence, terms: list[str], mentions: list[MentionView]) -> list[Segment]:
    sentence = ev.sentence or ""
    spans = spans_of_terms(sentence, terms) + spans_of_mentions(sentence, ev.start, ev.doc, mentions)
    return segments(sentence, spans)


def mention_segments(mention: MentionView) -> list[Segment]:
    sentence = mention.sentence or mention.text
    if mention.sentence is None or mention.sentence_start is None:
        return segments(sentence, spans_of_terms(sentence, [mention.text]))
    return segments(sentence, spans_of_mentions(sentence, mention.sentence_start, mention.doc, [mention]))
