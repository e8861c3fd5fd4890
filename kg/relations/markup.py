"""Bracket markup for hand-made annotated sentences: ``[洪雅县人民政府|ORG][副县长|TITLE][张三|PERSON]到…``.

A DATE may carry its ISO value: ``[1904年8月22日|DATE=1904-08-22]``. Used by tests and by the evaluator's
gold-ish annotator; the real NER produces the same :class:`Span` objects.
"""

from __future__ import annotations

import re
from typing import Any

from kg.relations.types import AnnotatedDoc, DocGraph, Span

_TOKEN = re.compile(r"\[([^\[\]|]+)\|(PERSON|PLACE|ORG|EVENT|DATE|WORK|TITLE)(?:=([^\]]+))?\]")


def parse_markup(marked: str) -> tuple[str, list[Span]]:
    """Return the plain text and its spans; raises ``ValueError`` on a bracket that is not ``[text|TYPE]``."""
    out: list[str] = []
    spans: list[Span] = []
    pos = 0
    length = 0
    for m in _TOKEN.finditer(marked):
        plain = marked[pos:m.start()]
        if "[" in plain or "]" in plain:
            raise ValueError(f"bad markup near {plain!r}: write mentions as [text|TYPE]")
        out.append(plain)
        length += len(plain)
        surface = m.group(1)
        spans.append(Span(start=length, end=length + len(surface), type=m.group(2),
                          text=surface, value=m.group(3)))
        out.append(surface)
        length += len(surface)
        pos = m.end()
    tail = marked[pos:]
    if "[" in tail or "]" in tail:
        raise ValueError(f"bad markup near {tail!r}: write mentions as [text|TYPE]")
    out.append(tail)
    return "".join(out), spans


def annotated(marked: str, doc_id: str = "doc:test", doc_date: str | None = None) -> AnnotatedDoc:
    text, spans = parse_markup(marked)
    return AnnotatedDoc(doc_id=doc_id, text=text, mentions=spans, doc_date=doc_date)


def named_relations(graph: DocGraph) -> list[tuple[str, str, str, dict[str, Any]]]:
    """The relations of a DocGraph as (type, source name, target name, properties), for tests and debugging."""
    names = {c.local_id: c.name for c in graph.candidates}
    return [(r.type, names[r.source], names[r.target], r.properties) for r in graph.relations]


def has_relation(graph: DocGraph, rel_type: str, source: str, target: str, **props: Any) -> bool:
    return any(t == rel_type and s == source and o == target and all(p.get(k) == v for k, v in props.items())
               for t, s, o, p in named_relations(graph))
