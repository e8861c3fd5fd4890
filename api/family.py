"""Family trees from PARENT_OF / SPOUSE_OF / SIBLING_OF / KIN_OF edges, read through ``GraphStore.neighbours``."""

from __future__ import annotations

from dataclasses import dataclass, field

from api.schemas import FamilyNode, FamilyTree
from kg.store.base import EdgeView, GraphStore, NodeView

FAMILY_RELATIONS = ["PARENT_OF", "SPOUSE_OF", "SIBLING_OF", "KIN_OF"]


@dataclass
class _Kin:
    parents: list[tuple[NodeView, EdgeView]] = field(default_factory=list)
    children: list[tuple[NodeView, EdgeView]] = field(default_factory=list)
    spouses: list[tuple[NodeView, EdgeView]] = field(default_factory=list)
    siblings: list[tuple[NodeView, EdgeView]] = field(default_factory=list)
    kin: list[tuple[NodeView, EdgeView]] = field(default_factory=list)


def _sentences(edge: EdgeView) -> list[str]:
    seen: list[str] = []
    for ev in edge.evidence:
        if ev.sentence and ev.sentence not in seen:
            seen.append(ev.sentence)
    return seen


class _FamilyReader:
    """Reads each person's direct family once (memoised) through the store protocol."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.cache: dict[str, _Kin] = {}

    def kin_of(self, person_id: str) -> _Kin:
        if person_id in self.cache:
            return self.cache[person_id]
        sub = self.store.neighbours(person_id, depth=1, relation_types=FAMILY_RELATIONS,
                                    entity_types=["PERSON"], limit=200)
        nodes = {n.id: n for n in sub.nodes}
        kin = _Kin()
        for edge in sorted(sub.edges, key=lambda e: (e.type, e.source, e.target, e.id)):
            if person_id not in (edge.source, edge.target) or edge.source == edge.target:
                continue
            other_id = edge.target if edge.source == person_id else edge.source
            other = nodes.get(other_id)
            if other is None:
                continue
            if edge.type == "PARENT_OF":
                (kin.children if edge.source == person_id else kin.parents).append((other, edge))
            elif edge.type == "SPOUSE_OF":
                kin.spouses.append((other, edge))
            elif edge.type == "SIBLING_OF":
                kin.siblings.append((other, edge))
            elif edge.type == "KIN_OF":
                kin.kin.append((other, edge))
        self.cache[person_id] = kin
        return kin

    def spouses(self, person_id: str) -> list[NodeView]:
        return _unique([n for n, _ in self.kin_of(person_id).spouses])

    def ancestors(self, person_id: str, generation: int, limit: int, path: frozenset[str]) -> list[FamilyNode]:
        if -generation > limit:
            return []
        out = []
        for parent, edge in _unique_pairs(self.kin_of(person_id).parents):
            if parent.id in path:
                continue
            out.append(FamilyNode(
                person=parent, generation=generation, relation="parent", evidence=_sentences(edge),
                spouses=self.spouses(parent.id),
                parents=self.ancestors(parent.id, generation - 1, limit, path | {parent.id})))
        return out

    def descendants(self, person_id: str, generation: int, limit: int, path: frozenset[str]) -> list[FamilyNode]:
        if generation > limit:
            return []
        out = []
        for child, edge in _unique_pairs(self.kin_of(person_id).children):
            if child.id in path:
                continue
            out.append(FamilyNode(
                person=child, generation=generation, relation="child", evidence=_sentences(edge),
                spouses=self.spouses(child.id),
                children=self.descendants(child.id, generation + 1, limit, path | {child.id})))
        return out


def _unique(nodes: list[NodeView]) -> list[NodeView]:
    seen: dict[str, NodeView] = {}
    for node in nodes:
        seen.setdefault(node.id, node)
    return sorted(seen.values(), key=lambda n: n.id)


def _unique_pairs(pairs: list[tuple[NodeView, EdgeView]]) -> list[tuple[NodeView, EdgeView]]:
    seen: dict[str, tuple[NodeView, EdgeView]] = {}
    for node, edge in pairs:
        seen.setdefault(node.id, (node, edge))
    return [seen[k] for k in sorted(seen)]


def build_family_tree(store: GraphStore, root: NodeView, generations: int) -> FamilyTree:
    """The root's ancestors and descendants up to ``generations`` levels, plus spouses, siblings and kin.

    Siblings are the SIBLING_OF partners and the other children of the root's parents.
    """
    reader = _FamilyReader(store)
    own = reader.kin_of(root.id)
    path = frozenset({root.id})
    spouses = [FamilyNode(person=n, generation=0, relation="spouse", evidence=_sentences(e))
               for n, e in _unique_pairs(own.spouses)]
    sibling_pairs = list(own.siblings)
    for parent, _ in own.parents:
        for child, edge in reader.kin_of(parent.id).children:
            if child.id != root.id:
                sibling_pairs.append((child, edge))
    siblings = [FamilyNode(person=n, generation=0, relation="sibling", evidence=_sentences(e))
                for n, e in _unique_pairs(sibling_pairs)]
    kin = [FamilyNode(person=n, generation=0, relation=str(e.properties.get("kind") or "kin"),
                      evidence=_sentences(e))
           for n, e in _unique_pairs(own.kin)]
    return FamilyTree(
        root=root, generations=generations,
        ancestors=reader.ancestors(root.id, -1, generations, path),
        descendants=reader.descendants(root.id, 1, generations, path),
        spouses=spouses, siblings=siblings, kin=kin,
    )
