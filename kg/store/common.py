"""Store-independent logic shared by both graph stores (embedded Oxigraph and Neo4j).

Record merging on re-load, search ranking, mention sentences and the graph walk (neighbourhoods, paths, events)
live here once; each store only supplies data, so both give identical answers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import NamedTuple, TypeVar

from kg.models import EntityRecord, RelationRecord
from kg.store.base import EdgeView, EventView, NodeView, PathView, Subgraph

EVENT_PARTICIPATION = ("ORGANISED", "PARTICIPATED_IN", "SPOKE_AT")
_T = TypeVar("_T")


def _memo(look_up: Callable[[str], _T]) -> Callable[[str], _T]:
    answers: dict[str, _T] = {}

    def cached(key: str) -> _T:
        if key not in answers:
            answers[key] = look_up(key)
        return answers[key]

    return cached


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


def shortest_distance(source: str, target: str, max_hops: int, links: Callable[[str], dict[str, Link]]) -> int | None:
    """Hops of a shortest undirected path (``None`` beyond ``max_hops``): breadth-first from both ends, always
    growing the smaller frontier, so a missing path costs two half-depth searches rather than one full one."""
    if source == target:
        return 0
    seen = ({source: 0}, {target: 0})
    frontiers = ([source], [target])
    for hops in range(1, max_hops + 1):
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        mine, other = seen[side], seen[1 - side]
        grown: list[str] = []
        best: int | None = None
        for n in frontiers[side]:
            for o in links(n):
                if o in other:
                    length = mine[n] + 1 + other[o]
                    best = length if best is None else min(best, length)
                elif o not in mine:
                    mine[o] = mine[n] + 1
                    grown.append(o)
        if best is not None:
            return best if best <= max_hops else None
        if not grown:
            return None
        frontiers = (grown, frontiers[1]) if side == 0 else (frontiers[0], grown)
    return None


class Link(NamedTuple):
    """A relation as the walk needs it; the full :class:`EdgeView` is read only for the edges answered."""

    id: str
    type: str
    source: str
    target: str

    def other(self, entity_id: str) -> str:
        return self.target if self.source == entity_id else self.source


def link_of(edge: EdgeView) -> Link:
    return Link(edge.id, edge.type, edge.source, edge.target)


class GraphWalk:
    """Neighbourhoods, paths and events over three store look-ups (store-agnostic, deterministic): the links of
    an entity (sorted by id), a node by id and an edge by id."""

    def __init__(self, links: Callable[[str], list[Link]], node: Callable[[str], NodeView | None],
                 edge: Callable[[str], EdgeView | None]) -> None:
        self.links = links
        self.node = node
        self.edge = edge

    def memoised(self) -> GraphWalk:
        """A walk that asks the store once per entity (for one call: the store may change between calls)."""
        return GraphWalk(_memo(self.links), _memo(self.node), _memo(self.edge))

    def _edges(self, ids: Iterable[str]) -> list[EdgeView]:
        return [e for e in (self.edge(i) for i in sorted(ids)) if e is not None]

    def neighbours(self, entity_id: str, *, depth: int, relation_types: list[str] | None,
                   entity_types: list[str] | None, limit: int) -> Subgraph:
        """Breadth-first by hop, ids ascending within a hop, until ``limit`` nodes; excluded types are not crossed."""
        start = self.node(entity_id)
        if start is None or limit < 1:
            return Subgraph()
        nodes = {entity_id: start}
        edges: set[str] = set()
        frontier = [entity_id]
        for _ in range(max(depth, 0)):
            reached = {link.other(current) for current in frontier for link in self._typed(current, relation_types)}
            frontier = []
            # views are read in id order only until the limit is reached (a hub's other neighbours are never read)
            for other in sorted(reached - nodes.keys()):
                if len(nodes) >= limit:
                    break
                view = self.node(other)
                if view is not None and (not entity_types or view.type in entity_types):
                    nodes[other] = view
                    frontier.append(other)
            if not frontier:
                break
        for current in nodes:
            edges.update(link.id for link in self._typed(current, relation_types)
                         if link.source in nodes and link.target in nodes)
        return Subgraph(nodes=[nodes[k] for k in sorted(nodes)], edges=self._edges(edges))

    def _typed(self, entity_id: str, relation_types: list[str] | None) -> list[Link]:
        return [e for e in self.links(entity_id) if not relation_types or e.type in relation_types]

    def paths(self, source: str, target: str, *, k: int, max_hops: int) -> list[PathView]:
        """Up to ``k`` shortest simple paths (undirected), shortest first, ties by the node id sequence;
        between two consecutive nodes the edge with the smallest id is used."""
        src, dst = self.node(source), self.node(target)
        if src is None or dst is None or k < 1:
            return []
        if source == target:
            return [PathView(nodes=[src], edges=[])]
        adjacency: dict[str, dict[str, Link]] = {}

        def links(n: str) -> dict[str, Link]:
            if n not in adjacency:
                best: dict[str, Link] = {}
                for e in self.links(n):
                    other = e.other(n)
                    if other != n and (other not in best or e.id < best[other].id):
                        best[other] = e
                adjacency[n] = best
            return adjacency[n]

        shortest = shortest_distance(source, target, max_hops, links)
        if shortest is None:
            return []
        dist = {target: 0}
        level = [target]
        radius = 0
        found: list[list[str]] = []
        for length in range(shortest, max_hops + 1):
            while radius < length:  # distances to the target, as far as paths of this length need them
                radius += 1
                level = sorted({o for n in level for o in links(n) if o not in dist})
                for o in level:
                    dist[o] = radius
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
            edges = [self.edge(links(a)[b].id) for a, b in itertools.pairwise(path)]
            views.append(PathView(nodes=[n for n in nodes if n is not None], edges=[e for e in edges if e is not None]))
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
        for link in self.links(entity_id):
            other = link.other(entity_id)
            event = self.node(other) if other != entity_id else None
            edge = self.edge(link.id) if event is not None and event.type == "EVENT" else None
            if event is not None and edge is not None and event.properties.get("date"):
                views.append(EventView(event=event, date=str(event.properties["date"]), role=edge.type,
                                       participants=self._participants(other), evidence=edge.evidence))
        return sorted(views, key=lambda v: (v.date, v.event.id, v.role))

    def _participants(self, event_id: str) -> list[NodeView]:
        """Entities that organised, took part in or spoke at the event, by id."""
        ids = {e.source if e.target == event_id else e.target
               for e in self.links(event_id) if e.type in EVENT_PARTICIPATION}
        return [n for n in (self.node(i) for i in sorted(ids)) if n is not None]
