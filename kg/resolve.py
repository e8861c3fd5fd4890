"""Corpus-level entity resolution: DocGraphs → ``kg.models`` records with stable ids.

Rules (docs/relations.md has the long form):

* State is per document (``ResolverState.docs``: doc id → DocGraph, which holds names, raw offsets and evidence
  sentences, never whole texts). ``merge`` is a union by doc id, so workers can each resolve a share and the
  results merge; ``records()`` sorts everything by doc id first, so order and sharding do not change the output.
* PLACE: one entity per admin code (key ``code:511423``), else per name. ORG, WORK, TITLE: per name, and an org's
  second name in parentheses links two names. DATE: per ISO value.
* PERSON: a document's candidates with a common name are the same person only with supporting evidence — two
  shared names (``邓小平``/``邓希贤``), or a shared kin name, office org, birthplace. Otherwise they stay apart.
* Canonical name of a merged entity: the name used as head (not as an alias: ``X，原名Y`` → X) in most documents;
  ties → the lexicographically smallest. The id is ``entity_id(type, canonical)``. Namesakes: the group with most
  documents (ties: smallest first doc id) keeps the bare name; each other gets key ``name#<its first doc id>`` and
  ``properties.disambiguation``. Adding documents changes an existing id only when it changes which name is
  canonical or which namesake group is largest.
* EVENT: key ``kind|date|participants`` (participants = sorted resolved ids of PARTICIPATED_IN/ORGANISED sources),
  else ``name|doc``.
* Relations: ``relation_id(type, source, target, title-or-kind)``; evidence from all documents is merged.
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kg.ids import entity_id, relation_id, relation_key
from kg.models import EntityRecord, Evidence, MentionRecord, RelationRecord
from kg.person_links import forget_contexts, names_of, person_contexts, same_person
from kg.relations.types import DocGraph
from kg.resolve_store import NO_FEATURES, DocumentSpool, Member, RelationMerger, Shared, SlimDoc, slim

_EVENT_LINKS = ("PARTICIPATED_IN", "ORGANISED", "SPOKE_AT")
_SYMMETRIC = ("SPOUSE_OF", "SIBLING_OF")
STATE_VERSION = 2
"""Of :class:`ResolverState`; a state of another version is refused."""


class ResolverState(BaseModel):
    """Documents as they travel between processes (workers → the resolving process): a union by doc id."""

    model_config = ConfigDict(extra="forbid")
    version: int = STATE_VERSION
    docs: dict[str, DocGraph] = Field(default_factory=dict)
    surfaces: dict[str, dict[str, str]] = Field(default_factory=dict)
    """Doc id → ``"start:end"`` (raw offsets) → the original surface of a mention."""

    def merge(self, other: ResolverState) -> None:
        _check_version(other)
        for doc_id, g in other.docs.items():
            if doc_id not in self.docs:
                self.docs[doc_id] = g
                if doc_id in other.surfaces:
                    self.surfaces[doc_id] = other.surfaces[doc_id]


def _check_version(state: ResolverState) -> None:
    if state.version != STATE_VERSION:
        raise ValueError(f"resolver state version {state.version} is not {STATE_VERSION}; re-run extraction")


class Resolver:
    """Documents in (any order; a document added twice counts once), resolved records out.

    Only a :class:`~kg.resolve_store.Member` per candidate stays in memory; the rest of each document waits in a
    temporary file until ``records()`` (:mod:`kg.resolve_store`). ``close()`` removes it (so does the process's end).
    """

    def __init__(self, state: ResolverState | None = None) -> None:
        self._docs: dict[str, SlimDoc] = {}
        self._spool = DocumentSpool()
        self._shared = Shared()
        self._notes: dict[str, str] = {}
        self._names: dict[str, str] = {}
        """Entity id → canonical name, as resolution chose it (so the records need not work it out again)."""
        self._spent = False
        if state is not None:
            self.merge(state)

    def add(self, graph: DocGraph, surfaces: dict[str, str] | None = None) -> None:
        """Add one document; ``surfaces`` (``"start:end"`` → original text) become the mentions' ``text``."""
        self._check_unspent()
        if graph.doc_id in self._docs:
            return
        self._spool.put(graph, surfaces or {})
        self._docs[graph.doc_id] = slim(graph, self._shared)

    def add_all(self, graphs: Iterable[DocGraph]) -> None:
        for g in graphs:
            self.add(g)

    def merge(self, state: ResolverState) -> None:
        """Add the documents a worker shipped."""
        _check_version(state)
        for doc_id, g in state.docs.items():
            self.add(g, state.surfaces.get(doc_id))

    def close(self) -> None:
        self._spool.close()

    def _check_unspent(self) -> None:
        if self._spent:
            raise RuntimeError("this Resolver has given its records and kept only their ids; "
                               "resolve more documents with a new Resolver")

    # --- resolution -----------------------------------------------------------------------------
    def _members(self) -> Iterator[Member]:
        """Every member once, in doc order (a shared member where its first document is)."""
        seen: set[int] = set()
        for doc_id in sorted(self._docs):
            for m in self._docs[doc_id].members:
                if m.seen_in is None:
                    yield m
                elif id(m) not in seen and m.doc == doc_id:
                    seen.add(id(m))
                    yield m

    def resolve(self) -> dict[str, list[Member]]:
        """Set every member's ``eid``; returns the members of each entity id."""
        self._check_unspent()
        self._notes, self._names = {}, {}
        groups: dict[str, list[Member]] = defaultdict(list)
        by_name: dict[tuple[str, str], Member] = {}
        for c in self._members():
            c.parent, c.eid, c.own, c.people = None, "", NO_FEATURES, None
            if c.type in ("PERSON", "EVENT"):
                continue
            kinds = c.properties.get("alias_kinds", {})
            keys = {c.name} | {a for a in c.aliases if kinds.get(a) == "second_name"}
            if c.type == "PLACE" and c.properties.get("code"):
                keys = {"code:" + str(c.properties["code"])}
            for k in keys:
                if (c.type, k) in by_name:
                    by_name[(c.type, k)].union(c)
                else:
                    by_name[(c.type, k)] = c
        components: dict[Member, list[Member]] = defaultdict(list)
        for c in self._members():
            if c.type not in ("PERSON", "EVENT"):
                components[c.root()].append(c)
        for members in components.values():
            name = _canonical(members)
            code = next((m.properties.get("code") for m in members if m.properties.get("code")), None)
            key = f"code:{code}" if code else name
            eid = entity_id(members[0].type, key)
            for c in members:
                c.eid = eid
            self._names[eid] = "" if eid in groups else name  # two components, one id: worked out from both
            groups[eid].extend(members)
        self._resolve_people(groups)
        self._resolve_events(groups)
        return groups

    def _resolve_people(self, groups: dict[str, list[Member]]) -> None:
        people = [c for c in self._members() if c.type == "PERSON"]
        person_contexts(self._docs)
        by_name: dict[str, list[Member]] = defaultdict(list)
        for c in people:
            for n in names_of(c):
                by_name[n].append(c)
        for members in by_name.values():
            _link_namesakes(members)
        del by_name
        forget_contexts(self._docs)
        components: dict[Member, list[Member]] = defaultdict(list)
        for c in people:
            components[c.root()].append(c)
        by_canonical: dict[str, list[list[Member]]] = defaultdict(list)
        for members in components.values():
            by_canonical[_canonical(members)].append(members)
        for name, comps in by_canonical.items():
            comps.sort(key=lambda m: (-len({c.doc for c in m}), min(c.doc for c in m)))
            for rank, members in enumerate(comps):
                first_doc = min(c.doc for c in members)
                key = name if rank == 0 else f"{name}#{first_doc}"
                eid = entity_id("PERSON", key)
                if len(comps) > 1:
                    note = ("namesakes: no shared alias, kin, office or birthplace links the "
                            f"{len(comps)} records named {name}; this one first appears in {first_doc}")
                    self._notes[eid] = note
                for c in members:
                    c.eid = eid
                self._names[eid] = "" if eid in groups else name
                groups[eid].extend(members)

    def _resolve_events(self, groups: dict[str, list[Member]]) -> None:
        for doc_id in sorted(self._docs):
            d = self._docs[doc_id]
            sources: dict[int, set[str]] = defaultdict(set)
            for kind, s, t in d.links:
                if kind in _EVENT_LINKS and s.eid:
                    sources[id(t)].add(s.eid)
            for c in d.members:
                if c.type != "EVENT":
                    continue
                parts = sorted(sources.get(id(c), ()))
                kind, date = c.properties.get("kind", ""), c.properties.get("date", "")
                key = f"{kind}|{date}|{'+'.join(parts)}" if (date or parts) else f"{c.name}|{doc_id}"
                c.eid = entity_id("EVENT", key)
                groups[c.eid].append(c)

    # --- records --------------------------------------------------------------------------------
    def records(self) -> Iterator[EntityRecord | MentionRecord | RelationRecord]:
        """Entities (by id), then mentions (by doc, offset), then relations (by id); deterministic. Once the entities
        are out the resolver keeps only each candidate's type and entity id: it gives its records once."""
        self._check_unspent()
        with _long_lived_frozen():
            yield from self._records()

    def _records(self) -> Iterator[EntityRecord | MentionRecord | RelationRecord]:
        with _collector_paused():
            groups = self.resolve()
        for eid in sorted(groups):
            entity = _entity(eid, groups[eid], self._names.get(eid))
            if eid in self._notes:
                entity.properties["disambiguation"] = self._notes[eid]
            yield entity
        del groups
        resolved = self._spend()
        relations = RelationMerger()
        try:
            for doc_id in sorted(resolved):
                mentions, rels = self._spool.get(doc_id)
                types, eids = resolved.pop(doc_id)
                for i, start, end, text, value in mentions:
                    yield MentionRecord(doc=doc_id, start=start, end=end, text=text, type=types[i], entity=eids[i],
                                        value=value)
                _relations(doc_id, rels, eids, relations)
            yield from relations.merged()
        finally:
            relations.close()

    def _spend(self) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
        """Each document's candidate types and entity ids, all the mentions and relations need; the members go
        (a candidate then costs two references instead of a member object, its links and its share of the names)."""
        self._spent = True
        docs, self._docs, self._shared = self._docs, {}, Shared()
        resolved: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        for doc_id in list(docs):
            members = docs.pop(doc_id).members
            resolved[doc_id] = tuple(m.type for m in members), tuple(m.eid for m in members)
        return resolved


def _relations(doc_id: str, rels: list[list[Any]], eids: tuple[str, ...], out: RelationMerger) -> None:
    for kind, s, t, properties, start, end, sentence, confidence, component in rels:
        src, tgt = eids[s], eids[t]
        if src == tgt:
            continue
        if kind in _SYMMETRIC:
            src, tgt = sorted((src, tgt))
        rid = relation_id(kind, src, tgt, relation_key(kind, properties))
        out.add(rid, RelationRecord(type=kind, source=src, target=tgt, properties=properties,
                                    evidence=[Evidence(doc=doc_id, start=start, end=end, sentence=sentence)],
                                    confidence=confidence, component=component))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Resolution allocates millions of objects and makes no reference cycles; Python's cyclic collector would
    meanwhile rescan every held DocGraph each time it runs, which makes resolution grow with the square of the
    corpus. It is paused for the duration (measured: 40% less time at 3 million characters)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _long_lived_frozen() -> Iterator[None]:
    """While records stream out (and are loaded, when the loader is their consumer), the objects alive when they start
    — the resolver's state above all — are moved out of the cyclic collector's sight; each full collection would
    otherwise rescan them all (measured: 0.35 s of the 4 s after the last document of a million characters). They
    are handed back afterwards, and the garbage among them is collected as usual."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _link_namesakes(members: list[Member]) -> None:
    """Unite the candidates sharing a name that ``same_person`` links, pair by pair across documents.

    The result is that of testing every pair, but a pair already united (directly or through others) is not
    tested again: each new candidate is tested against the groups formed so far, one member of a group at a
    time, and a group it has joined is skipped. A name mentioned in thousands of documents about one person
    costs about one test per document instead of one per pair.
    """
    groups: list[list[Member]] = []
    for c in members:
        joined: list[int] = []
        for index, group in enumerate(groups):
            if c.root() is group[0].root():
                joined.append(index)
                continue
            for other in group:
                if other.doc != c.doc and same_person(other, c):
                    other.union(c)
                    joined.append(index)
                    break
        merged = [m for index in joined for m in groups[index]] + [c]
        groups = [g for index, g in enumerate(groups) if index not in joined] + [merged]


def _canonical(members: list[Member]) -> str:
    """The head name in most documents (ties: the smallest string); for a person, first the name the
    corpus mentions most: 邓小平 rather than 邓先圣 even where one text says 邓先圣即邓小平."""
    heads: Counter[str] = Counter()
    said: Counter[str] = Counter()
    for c in members:
        heads[c.name] += len(c.occurrences())
    for c in members:
        said.update(dict(c.said))
    return min(heads.keys() | said.keys(), key=lambda n: (-said[n], -heads[n], n))


def _entity(eid: str, members: list[Member], name: str | None = None) -> EntityRecord:
    name = name or _canonical(members)
    aliases: set[str] = set()
    props: dict[str, Any] = {}
    alias_kinds: dict[str, str] = {}
    for c in sorted(members, key=lambda m: m.doc):
        aliases |= names_of(c)
        for k, v in c.properties.items():
            if k == "alias_kinds":
                for a, kind in v.items():
                    alias_kinds.setdefault(a, kind)
            else:
                props.setdefault(k, v)
    aliases.discard(name)
    if alias_kinds:
        props["alias_kinds"] = {a: alias_kinds[a] for a in sorted(alias_kinds) if a in aliases}
    props["documents"] = len({doc for c in members for doc in c.occurrences()})
    return EntityRecord(id=eid, type=members[0].type, name=name, aliases=sorted(aliases), properties=props)
