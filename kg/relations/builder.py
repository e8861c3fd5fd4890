"""Collects document-local candidates and relations while the extraction passes run, then emits a DocGraph."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from kg.relations.sentences import Sentence, split_sentences
from kg.relations.types import (
    AnnotatedDoc,
    Candidate,
    DocGraph,
    LocalEvidence,
    LocalMention,
    LocalRelation,
    MentionType,
    Span,
)

_RELATION_KEY_PROPS = ("title", "kind")


def normalise_name(mtype: str, surface: str) -> str:
    """The name a mention contributes: ``张三同志`` → ``张三``; whitespace removed."""
    name = "".join(surface.split())
    if mtype == "PERSON" and name.endswith("同志") and len(name) >= 4:
        name = name[:-2]
    return name


@dataclass
class _Cand:
    type: MentionType
    names: list[str]
    alias_kinds: dict[str, str] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    mentions: list[Span] = field(default_factory=list)


class GraphBuilder:
    def __init__(self, doc: AnnotatedDoc) -> None:
        self.doc = doc
        self.sentences: list[Sentence] = split_sentences(doc.text, doc.mentions)
        self.sentence_starts: list[int] = [x.start for x in self.sentences]
        self._cands: dict[str, _Cand] = {}
        self._parent: dict[str, str] = {}
        self._by_name: dict[tuple[str, str], str] = {}
        self._by_span: dict[tuple[int, int, str], str] = {}
        self._relations: list[LocalRelation] = []
        self._by_type: dict[str, list[LocalRelation]] = {}
        for m in doc.mentions:
            self.candidate_for(m)

    # --- candidates -------------------------------------------------------------------------------
    def _new(self, mtype: MentionType, name: str) -> str:
        local_id = f"c{len(self._cands)}"
        self._cands[local_id] = _Cand(type=mtype, names=[name])
        self._parent[local_id] = local_id
        self._by_name[(mtype, name)] = local_id
        return local_id

    def candidate_for(self, m: Span) -> str:
        key = (m.start, m.end, m.type)
        if key in self._by_span:
            return self.find(self._by_span[key])
        name = normalise_name(m.type, m.value if m.type == "DATE" and m.value else m.text)
        local_id = self._by_name.get((m.type, name)) or self._new(m.type, name)
        local_id = self.find(local_id)
        self._cands[local_id].mentions.append(m)
        self._by_span[key] = local_id
        return local_id

    def implied(self, mtype: MentionType, name: str, **properties: Any) -> str:
        """A candidate that no mention names (an event, a parent place); one per (type, name)."""
        local_id = self.find(self._by_name.get((mtype, name)) or self._new(mtype, name))
        for k, v in properties.items():
            self._cands[local_id].properties.setdefault(k, v)
        return local_id

    def find(self, local_id: str) -> str:
        while self._parent[local_id] != local_id:
            self._parent[local_id] = self._parent[self._parent[local_id]]
            local_id = self._parent[local_id]
        return local_id

    def get(self, local_id: str) -> _Cand:
        return self._cands[self.find(local_id)]

    def name(self, local_id: str) -> str:
        return self.get(local_id).names[0]

    def rename(self, local_id: str, name: str, alias_kind: str = "short") -> None:
        """Make ``name`` the head name; the previous head becomes an alias of kind ``alias_kind``."""
        cand = self.get(local_id)
        if cand.names[0] == name:
            return
        old = cand.names[0]
        cand.names = [name] + [n for n in cand.names if n != name]
        cand.alias_kinds.setdefault(old, alias_kind)
        cand.alias_kinds.pop(name, None)
        self._by_name[(cand.type, name)] = self.find(local_id)

    def merge(self, head: str, other: str, alias_kind: str) -> str:
        """Merge ``other`` into ``head``: ``head``'s name stays canonical, ``other``'s names become aliases."""
        a, b = self.find(head), self.find(other)
        if a == b:
            return a
        ca, cb = self._cands[a], self._cands[b]
        for n in cb.names:
            if n not in ca.names:
                ca.names.append(n)
                ca.alias_kinds.setdefault(n, cb.alias_kinds.get(n, alias_kind))
        for k, v in cb.properties.items():
            ca.properties.setdefault(k, v)
        ca.mentions.extend(cb.mentions)
        self._parent[b] = a
        for n in ca.names:
            self._by_name[(ca.type, n)] = a
        return a

    def set_property(self, local_id: str, key: str, value: Any) -> None:
        self.get(local_id).properties.setdefault(key, value)

    # --- relations --------------------------------------------------------------------------------
    def relate(self, rel_type: str, source: str, target: str, sentence: Sentence, component: str,
               confidence: float, span: tuple[int, int] | None = None, **properties: Any) -> None:
        start, end = span if span else (sentence.start, sentence.end)
        raw_start, raw_end = self.doc.raw_span(start, end)
        relation = LocalRelation(
            type=rel_type, source=source, target=target,
            properties={k: v for k, v in properties.items() if v is not None},
            evidence=LocalEvidence(start=start, end=end, raw_start=raw_start, raw_end=raw_end,
                                   sentence=sentence.text),
            confidence=confidence, component=component)
        self._relations.append(relation)
        self._by_type.setdefault(rel_type, []).append(relation)

    def relations_of(self, rel_type: str) -> list[LocalRelation]:
        """A copy of the list of relations of ``rel_type`` recorded so far."""
        return list(self._by_type.get(rel_type, ()))

    def related(self, rel_type: str) -> list[tuple[str, str]]:
        """(source, target) root ids of the relations of ``rel_type`` recorded so far."""
        return [(self.find(r.source), self.find(r.target)) for r in self._by_type.get(rel_type, ())]

    def related_at(self, rel_type: str) -> list[tuple[str, str, Sentence]]:
        """(source, target, evidence sentence) of the relations of ``rel_type`` recorded so far."""
        by_start = {x.start: x for x in self.sentences}
        out = []
        for r in self._by_type.get(rel_type, ()):
            sent = by_start.get(r.evidence.start) or self.sentence_at(r.evidence.start)
            out.append((self.find(r.source), self.find(r.target), sent))
        return out

    def sentence_at(self, offset: int) -> Sentence:
        """The sentence holding text offset ``offset`` (the first sentence if none does)."""
        i = bisect_right(self.sentence_starts, offset) - 1
        return self.sentences[i] if i >= 0 and offset < self.sentences[i].end else self.sentences[0]

    def candidates_of_type(self, mtype: str) -> list[str]:
        return sorted({self.find(k) for k, c in self._cands.items() if c.type == mtype and self.find(k) == k},
                      key=lambda k: int(k[1:]))

    # --- output -----------------------------------------------------------------------------------
    def build(self) -> DocGraph:
        roots = [k for k in self._cands if self.find(k) == k]
        candidates: list[Candidate] = []
        for k in roots:
            c = self._cands[k]
            props = dict(c.properties)
            if c.alias_kinds:
                props["alias_kinds"] = {n: c.alias_kinds[n] for n in c.names[1:] if n in c.alias_kinds}
            mentions = []
            for m in sorted(c.mentions, key=lambda m: (m.start, m.end)):
                rs, re_ = self.doc.raw_span(m.start, m.end)
                mentions.append(LocalMention(start=m.start, end=m.end, raw_start=rs, raw_end=re_,
                                             text=m.text, value=m.value))
            candidates.append(Candidate(local_id=k, type=c.type, name=c.names[0], aliases=c.names[1:],
                                        properties=props, mentions=mentions))
        best: dict[tuple[str, str, str, str], LocalRelation] = {}
        for r in self._relations:
            src, tgt = self.find(r.source), self.find(r.target)
            if src == tgt:
                continue
            if r.type in ("SPOUSE_OF", "SIBLING_OF") and int(src[1:]) > int(tgt[1:]):
                src, tgt = tgt, src
            key = (r.type, src, tgt, "|".join(str(r.properties.get(p, "")) for p in _RELATION_KEY_PROPS))
            rel = r.model_copy(update={"source": src, "target": tgt})
            if key not in best or rel.confidence > best[key].confidence:
                best[key] = rel
        return DocGraph(doc_id=self.doc.doc_id, doc_date=self.doc.doc_date, candidates=candidates,
                        relations=list(best.values()))
