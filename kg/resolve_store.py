"""What the cross-document resolver keeps while a corpus streams through it.

Memory holds one small :class:`Member` per document-local person or event candidate, and one per distinct place,
organisation, title, work or date candidate, listing its documents (type, names, properties, and the few relations
resolution reads); everything else of a document — its mentions, their surfaces, the relations with their
evidence sentences — goes to a :class:`DocumentSpool` on disk and is read back one document at a time when the records
are written. Relations repeated across documents are merged by id in a :class:`RelationMerger` (SQLite on disk), so
the resolver's memory grows with the number of candidates only, at about a tenth of what whole ``DocGraph`` objects
cost. Both files are anonymous temporary files in ``TMPDIR``, gone when the resolver is closed or the process ends.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kg.models import Evidence, RelationRecord
from kg.relations.types import Candidate, DocGraph

RESOLUTION_LINKS = frozenset({"PARENT_OF", "SPOUSE_OF", "SIBLING_OF", "KIN_OF", "HOLDS_POSITION", "BORN_IN",
                              "PARTICIPATED_IN", "ORGANISED", "SPOKE_AT"})
"""Relation types resolution reads (kinship, office, birthplace for people; participants for events)."""
_NO_NAMES: tuple[str, ...] = ()
_NO_PROPERTIES: dict[str, Any] = {}
NO_FEATURES: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class DocPeople:
    """What a document names that another document may name too: specific person head names and place names (a
    name no other document has cannot link two documents, so it is left out)."""

    names: frozenset[str]
    aliased: dict[str, tuple[frozenset[str], ...]]
    """For a head name whose every person in the document has aliases too: the names of each (to tell whether one of
    them is someone other than a given person); a name with a person of no alias among them is not here."""
    places: frozenset[str]


@dataclass(slots=True, eq=False)
class Member:
    """One document-local candidate as resolution sees it; compared and hashed by identity."""

    doc: str
    type: str
    name: str
    aliases: tuple[str, ...]
    properties: dict[str, Any]
    """Shared and never mutated: entity properties are built in a new dict."""
    said: tuple[tuple[str, int], ...]
    """For a person: how often each of its names is the surface of one of its mentions."""
    seen_in: list[str] | None = None
    """For a member standing for identical candidates of several documents (places, organisations, titles, works,
    dates: see :class:`Shared`), the document of each; ``doc`` is then the first of them in doc order."""
    parent: Member | None = None
    """Union-find link while resolving; ``None`` for a root."""
    eid: str = ""
    """The resolved entity id, once known."""
    own: frozenset[str] = NO_FEATURES
    """A person's strong features: ``kin:<name>``, ``office:<org id>``, ``born:<place id>``."""
    people: DocPeople | None = None
    """For a person with a specific name: who else and which places its document names."""

    def root(self) -> Member:
        top = self
        while top.parent is not None:
            top = top.parent
        node = self
        while node.parent is not None and node.parent is not top:
            node.parent, node = top, node.parent
        return top

    def occurrences(self) -> list[str]:
        """The document of each candidate this member stands for."""
        return self.seen_in if self.seen_in is not None else [self.doc]

    def union(self, other: Member) -> None:
        a, b = self.root(), other.root()
        if a is not b:
            b.parent = a


@dataclass(slots=True)
class SlimDoc:
    """A document's members (in the order of its graph's candidates) and the relations resolution reads."""

    members: list[Member]
    links: list[tuple[str, Member, Member]] = field(default_factory=list)


SHARED_TYPES = frozenset({"PLACE", "ORG", "TITLE", "WORK", "DATE"})
"""Candidate types resolved by their names alone, so identical candidates of different documents can be one member
(people are told apart by their documents' contexts, events by their participants)."""


class Shared:
    """What a corpus repeats, held once: each property set and name count (a county's code and level, 邓小平 said
    twice), and one member for identical candidates (same type, names and properties) of a ``SHARED_TYPES`` type —
    a county named in a thousand documents is one member listing the thousand documents."""

    def __init__(self) -> None:
        self._properties: dict[str, dict[str, Any]] = {}
        self._said: dict[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...]] = {}
        self._members: dict[tuple[str, str, tuple[str, ...], int], Member] = {}

    def member(self, doc_id: str, c: Candidate, properties: dict[str, Any]) -> Member:
        name, aliases = sys.intern(c.name), tuple(sys.intern(a) for a in c.aliases) or _NO_NAMES
        key = (c.type, name, aliases, id(properties))  # properties are already shared: equal sets, one object
        m = self._members.get(key)
        if m is None:
            m = self._members[key] = Member(doc=doc_id, type=c.type, name=name, aliases=aliases,
                                            properties=properties, said=(), seen_in=[])
        assert m.seen_in is not None
        m.seen_in.append(doc_id)
        m.doc = min(m.doc, doc_id)
        return m

    def properties(self, properties: dict[str, Any]) -> dict[str, Any]:
        if not properties:
            return _NO_PROPERTIES
        # the key keeps the order of the keys, which the entity's properties follow
        return self._properties.setdefault(json.dumps(properties, ensure_ascii=False), properties)

    def said(self, said: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
        return self._said.setdefault(said, said)


def slim(graph: DocGraph, shared: Shared | None = None) -> SlimDoc:
    shared = shared or Shared()
    members = [_member(graph.doc_id, c, shared) for c in graph.candidates]
    by_local = {c.local_id: m for c, m in zip(graph.candidates, members, strict=True)}
    links = [(r.type, by_local[r.source], by_local[r.target]) for r in graph.relations
             if r.type in RESOLUTION_LINKS and r.source in by_local and r.target in by_local]
    return SlimDoc(members, links)


def _member(doc_id: str, c: Candidate, shared: Shared) -> Member:
    if c.type in SHARED_TYPES:
        return shared.member(doc_id, c, shared.properties(c.properties))
    said: tuple[tuple[str, int], ...] = ()
    if c.type == "PERSON":
        names = {c.name, *c.aliases}
        counts = Counter(m.text for m in c.mentions if m.text in names)
        said = shared.said(tuple((sys.intern(n), k) for n, k in sorted(counts.items())))
    return Member(doc=doc_id, type=c.type, name=sys.intern(c.name),
                  aliases=tuple(sys.intern(a) for a in c.aliases) or _NO_NAMES,
                  properties=shared.properties(c.properties), said=said)


class DocumentSpool:
    """What the records need of each document besides its members, appended to an anonymous temporary file as one
    JSON array: its mentions (``[candidate index, raw start, raw end, text, value]``, the text being the original
    surface when known) and its relations (``[type, source index, target index, properties, evidence raw start,
    evidence raw end, sentence, confidence, component]``)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="kg-resolve-")  # noqa: SIM115 - lives as long as the spool
        self._where: dict[str, tuple[int, int]] = {}

    def put(self, graph: DocGraph, surfaces: dict[str, str]) -> None:
        index = {c.local_id: i for i, c in enumerate(graph.candidates)}
        mentions = [[i, m.raw_start, m.raw_end, surfaces.get(f"{m.raw_start}:{m.raw_end}") or m.text, m.value]
                    for i, c in enumerate(graph.candidates) for m in c.mentions]
        relations = [[r.type, index[r.source], index[r.target], r.properties, r.evidence.raw_start,
                      r.evidence.raw_end, r.evidence.sentence, r.confidence, r.component] for r in graph.relations]
        data = json.dumps([mentions, relations], ensure_ascii=False, separators=(",", ":")).encode()
        self._file.seek(0, 2)
        self._where[graph.doc_id] = (self._file.tell(), len(data))
        self._file.write(data)

    def get(self, doc_id: str) -> tuple[list[list[Any]], list[list[Any]]]:
        """The document's mentions and relations, in the order of its graph."""
        offset, length = self._where[doc_id]
        self._file.seek(offset)
        mentions, relations = json.loads(self._file.read(length))
        return mentions, relations

    def close(self) -> None:
        self._file.close()


class RelationMerger:
    """Relations by id, evidence from every document merged in the order added, read back sorted by id.

    The first occurrence of an id gives type, ends and properties; later ones add evidence not seen yet, raise the
    confidence to the highest and fill properties the first lacked.
    """

    def __init__(self) -> None:
        self._db = sqlite3.connect("")  # a private on-disk database in TMPDIR, deleted when closed
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE relation (id TEXT NOT NULL, data TEXT NOT NULL)")
        self._rows: list[tuple[str, str]] = []

    def add(self, rid: str, record: RelationRecord) -> None:
        self._rows.append((rid, record.model_dump_json()))
        if len(self._rows) >= 10_000:
            self._flush()

    def _flush(self) -> None:
        self._db.executemany("INSERT INTO relation VALUES (?, ?)", self._rows)
        self._rows.clear()

    def merged(self) -> Iterator[RelationRecord]:
        self._flush()
        current: RelationRecord | None = None
        current_id = ""
        seen: set[tuple[Any, ...]] = set()
        for rid, data in self._db.execute("SELECT id, data FROM relation ORDER BY id, rowid"):
            if current is not None and rid == current_id:
                _merge_into(current, json.loads(data), seen)
                continue
            if current is not None:
                yield current
            current, current_id = RelationRecord.model_validate_json(data), rid
            seen = {_evidence_key(ev) for ev in current.evidence}
        if current is not None:
            yield current

    def close(self) -> None:
        self._db.close()


def _evidence_key(evidence: Evidence) -> tuple[Any, ...]:
    return evidence.doc, evidence.start, evidence.end, evidence.sentence


def _merge_into(rec: RelationRecord, other: dict[str, Any], seen: set[tuple[Any, ...]]) -> None:
    """Add ``other``'s evidence not in ``seen`` (the keys of ``rec``'s evidence, kept current): a relation said in
    thousands of documents is merged in linear time."""
    for ev in other["evidence"]:
        evidence = Evidence.model_validate(ev)
        key = _evidence_key(evidence)
        if key not in seen:
            seen.add(key)
            rec.evidence.append(evidence)
    rec.confidence = max(rec.confidence or 0.0, other["confidence"] or 0.0)
    for k, v in other["properties"].items():
        rec.properties.setdefault(k, v)
