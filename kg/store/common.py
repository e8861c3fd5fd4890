"""Store-independent logic shared by both graph stores (embedded Oxigraph and Neo4j).

Record merging on re-load, search ranking, mention sentences and the graph walk (neighbourhoods, paths, events)
live here once; each store only supplies data, so both give identical answers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from kg.models import EntityRecord, RelationRecord
from kg.store.base import EdgeView, EventView, NodeView, PathView, Subgraph

EVENT_PARTICIPATION = ("ORGANISED", "PARTICIPATED_IN", "SPOKE_AT")


def merge_entities(old: EntityRecord, new: EntityRecord) -> EntityRecord:
    """Re-loading an entity: aliases are united, properties merged (new values win)."""
    return EntityRecord(id=new.id, type=new.type, name=new.name, aliases=sorted(set(old.aliases) | set(new.aliases)),
                        properties={**old.properties, **new.properties})


def merge_relations(old: RelationRecord, new: RelationRecord) -> RelationRecord:
    """Re-loading a relation: evidence united by span (a new one with a sentence wins), properties merged."""
    seen = {(e.doc, e.start, e.end): e for e in old.evidence}
    for ev in new.evidence:
        if ev.sentence is not None or (ev.doc, ev.start, ev.end) not in seen:
            seen[(ev.doc, ev.start, ev.end)] = ev
    return RelationRecord(type=new.type, source=new.source, target=new.target,
                          properties={**old.properties, **new.properties},
                          evidence=[seen[key] for key in sorted(seen)],
                          confidence=new.confidence if new.confidence is not None else old.confidence,
                          component=new.component or old.component)


def entity_record(node: NodeView) -> EntityRecord:
    return EntityRecord(id=node.id, type=node.type, name=node.name,
                        aliases=node.aliases, properties=node.properties)


def relation_record(edge: EdgeView) -> RelationRecord:
    return RelationRecord(type=edge.type, source=edge.source, target=edge.target,
                          properties=edge.properties, evidence=edge.evidence,
                          confidence=edge.confidence, component=edge.component)


def normalise_query(query: str) -> str:
    """A search query as both stores compare it: trimmed, lower-cased, inner whitespace collapsed."""
    return " ".join(query.strip().lower().split())


SCORES = {0: 1.0, 1: 0.9, 2: 0.7, 3: 0.5}
"""Search scores: exact name, exact alias or pinyin, prefix, substring."""


def rank_match(needle: str, labels: list[tuple[str, str]]) -> tuple[int, str]:
    """Best (rank, matched label) of an entity's labels (``(kind, label)`` with kind name/alias/pinyin)."""
    order = {"name": 0, "alias": 1, "pinyin": 2}
    best: tuple[int, int, str] | None = None
    for kind, label in labels:
        low = label.lower()
        if low == needle:
            rank = 0 if kind == "name" else 1
        elif low.startswith(needle):
            rank = 2
        else:
            rank = 3
        candidate = (rank, order[kind], label)
        if best is None or candidate < best:
            best = candidate
    assert best is not None
    return best[0], best[2]


SENTENCE_END = "。！？!?\n"
CLOSERS = "”’」』）)》\"'"


def sentence_around(text: str, start: int, end: int) -> tuple[str, int]:
    """The sentence holding ``text[start:end]`` and its raw offset: the span between the sentence-final
    punctuation (。！？!? or a newline) before ``start`` and the first one at or after ``end`` (with any
    closing quotes after it), whitespace trimmed."""
    begin = max(text.rfind(ch, 0, start) for ch in SENTENCE_END) + 1
    stop = len(text)
    for i in range(max(end, begin), len(text)):
        if text[i] in SENTENCE_END:
            stop = i + 1
            while stop < len(text) and text[stop] in CLOSERS:
                stop += 1
            break
    while begin < start and text[begin].isspace():
        begin += 1
    return text[begin:stop].rstrip(), begin


class GraphWalk:
    """Neighbourhoods, paths and events over an adjacency function (store-agnostic, deterministic)."""

    def __init__(self, adjacent: Callable[[str], list[EdgeView]], node: Callable[[str], NodeView | None]) -> None:
        self._adjacent_source = adjacent
        self._node_source = node

    @property
    def adjacent(self) -> Callable[[str], list[EdgeView]]:
        return self._adjacent_source

    @property
    def node(self) -> Callable[[str], NodeView | None]:
        return self._node_source

    def memoised(self) -> GraphWalk:
        """A walk that asks the store once per entity (for one call: the store may change between calls)."""
        adjacency: dict[str, list[EdgeView]] = {}
        nodes: dict[str, NodeView | None] = {}

        def adjacent(entity_id: str) -> list[EdgeView]:
            if entity_id not in adjacency:
                adjacency[entity_id] = self._adjacent_source(entity_id)
            return adjacency[entity_id]

        def node(entity_id: str) -> NodeView | None:
            if entity_id not in nodes:
                nodes[entity_id] = self._node_source(entity_id)
            return nodes[entity_id]

        return GraphWalk(adjacent, node)

    def neighbours(self, entity_id: str, *, depth: int, relation_types: list[str] | None,
                   entity_types: list[str] | None, limit: int) -> Subgraph:
        """Breadth-first by hop, ids ascending within a hop, until ``limit`` nodes; excluded types are not crossed."""
        start = self.node(entity_id)
        if start is None or limit < 1:
            return Subgraph()
        nodes = {entity_id: start}
        edges: dict[str, EdgeView] = {}
        frontier = [entity_id]
        for _ in range(max(depth, 0)):
            found: dict[str, NodeView] = {}
            for current in frontier:
                for edge in self._edges(current, relation_types):
                    other = edge.target if edge.source == current else edge.source
                    if other in nodes or other in found:
                        continue
                    view = self.node(other)
                    if view is not None and (not entity_types or view.type in entity_types):
                        found[other] = view
            frontier = []
            for other in sorted(found):
                if len(nodes) >= limit:
                    break
                nodes[other] = found[other]
                frontier.append(other)
            if not frontier:
                break
        for current in nodes:
            for edge in self._edges(current, relation_types):
                if edge.source in nodes and edge.target in nodes:
                    edges[edge.id] = edge
        return Subgraph(nodes=[nodes[k] for k in sorted(nodes)], edges=[edges[k] for k in sorted(edges)])

    def _edges(self, entity_id: str, relation_types: list[str] | None) -> list[EdgeView]:
        return [e for e in self.adjacent(entity_id) if not relation_types or e.type in relation_types]

    def paths(self, source: str, target: str, *, k: int, max_hops: int) -> list[PathView]:
        """Up to ``k`` shortest simple paths (undirected), shortest first, ties by the node id sequence;
        between two consecutive nodes the edge with the smallest id is used."""
        src, dst = self.node(source), self.node(target)
        if src is None or dst is None or k < 1:
            return []
        if source == target:
            return [PathView(nodes=[src], edges=[])]
        adjacency: dict[str, dict[str, EdgeView]] = {}

        def links(n: str) -> dict[str, EdgeView]:
            if n not in adjacency:
                best: dict[str, EdgeView] = {}
                for e in self.adjacent(n):
                    other = e.target if e.source == n else e.source
                    if other != n and (other not in best or e.id < best[other].id):
                        best[other] = e
                adjacency[n] = best
            return adjacency[n]

        dist = {target: 0}
        level = [target]
        for hop in range(1, max_hops + 1):
            level = [o for n in level for o in links(n) if o not in dist]
            for o in level:
                dist.setdefault(o, hop)
            level = sorted(set(level))
        if source not in dist:
            return []
        found: list[list[str]] = []
        for length in range(dist[source], max_hops + 1):
            batch: list[list[str]] = []
            stack = [[source]]
            while stack:
                path = stack.pop()
                left = length - (len(path) - 1)
                if path[-1] == target:
                    if left == 0:
                        batch.append(path)
                    continue
                for nxt in links(path[-1]):
                    if nxt not in path and dist.get(nxt, max_hops + 1) <= left - 1:
                        stack.append(path + [nxt])
            found.extend(sorted(batch))
            if len(found) >= k:
                break
        views = []
        for path in found[:k]:
            nodes = [self.node(n) for n in path]
            views.append(PathView(nodes=[n for n in nodes if n is not None],
                                  edges=[links(a)[b] for a, b in itertools.pairwise(path)]))
        return views

    def events(self, entity_id: str) -> list[EventView]:
        """The entity itself if it is a dated event (role ``self``), and every dated event linked to it by a
        relation (role = relation type; one view per relation), sorted by (date, event id, role)."""
        me = self.node(entity_id)
        if me is None:
            return []
        views = []
        if me.type == "EVENT" and me.properties.get("date"):
            views.append(EventView(event=me, date=str(me.properties["date"]), role="self",
                                   participants=self._participants(entity_id)))
        for edge in self.adjacent(entity_id):
            other = edge.target if edge.source == entity_id else edge.source
            event = self.node(other) if other != entity_id else None
            if event is not None and event.type == "EVENT" and event.properties.get("date"):
                views.append(EventView(event=event, date=str(event.properties["date"]), role=edge.type,
                                       participants=self._participants(other), evidence=edge.evidence))
        return sorted(views, key=lambda v: (v.date, v.event.id, v.role))

    def _participants(self, event_id: str) -> list[NodeView]:
        """Entities that organised, took part in or spoke at the event, by id."""
        ids = {e.source if e.target == event_id else e.target
               for e in self.adjacent(event_id) if e.type in EVENT_PARTICIPATION}
        return [n for n in (self.node(i) for i in sorted(ids)) if n is not None]
