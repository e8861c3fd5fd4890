"""Evidence that two same-named person candidates from different documents are one person.

Each candidate gets a :class:`PersonContext`: its own strong features (a kin name, an office org, a birthplace)
and a reference to its document's :class:`DocPeople` (the specific person names and the place names named there).
The document-level sets are shared by all the document's people, so memory grows with the number of names, not
with people × people — a million-character county gazetteer names thousands of people in one document.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from kg.relations.types import Candidate, DocGraph

Ref = tuple[str, str]  # (doc id, local id)
_KIN = ("PARENT_OF", "SPOUSE_OF", "SIBLING_OF", "KIN_OF")


def specific(name: str) -> bool:
    """A name specific enough to identify someone across documents (not 某某, 王某, a bare 某氏)."""
    return len(name) >= 2 and "某" not in name and not (len(name) == 2 and name.endswith("氏"))


def names_of(c: Candidate) -> set[str]:
    return {c.name, *c.aliases}


@dataclass(frozen=True)
class DocPeople:
    people: dict[str, list[Candidate]]
    """Specific person names of the document → the candidates so named."""
    places: frozenset[str]


@dataclass
class PersonContext:
    own: set[str] = field(default_factory=set)
    """``kin:<name>``, ``office:<org id>``, ``born:<place id>``."""
    doc: DocPeople | None = None
    """Set for people with a specific name: who else and which places their document names."""


def person_contexts(docs: Mapping[str, DocGraph], ids: Mapping[Ref, str]) -> dict[Ref, PersonContext]:
    contexts: dict[Ref, PersonContext] = defaultdict(PersonContext)
    for doc_id in sorted(docs):
        g = docs[doc_id]
        kin_names = {c.local_id: {n for n in names_of(c) if specific(n)} or {c.name} for c in g.candidates}
        people: dict[str, list[Candidate]] = defaultdict(list)
        for c in g.candidates:
            if c.type == "PERSON" and specific(c.name):
                people[c.name].append(c)
        shared = DocPeople(dict(people), frozenset(c.name for c in g.candidates
                                                   if c.type == "PLACE" and len(c.name) >= 2))
        for same_name in people.values():
            for c in same_name:
                contexts[(doc_id, c.local_id)].doc = shared
        for r in g.relations:
            s, t = (doc_id, r.source), (doc_id, r.target)
            if r.type in _KIN:
                # every name of the relative counts: 邓小平 in one text is 邓先圣 (原名) in another
                contexts[s].own.update("kin:" + n for n in kin_names[r.target])
                contexts[t].own.update("kin:" + n for n in kin_names[r.source])
            elif r.type == "HOLDS_POSITION" and t in ids:
                contexts[s].own.add("office:" + ids[t])
            elif r.type == "BORN_IN" and t in ids:
                contexts[s].own.add("born:" + ids[t])
    return contexts


def _named_with(doc: DocPeople, c: Candidate, name: str) -> bool:
    """Does ``c``'s document name someone else called ``name`` (not ``c`` itself nor a possible alias of ``c``)?"""
    own = names_of(c)
    return any(o.local_id != c.local_id and not (names_of(o) & own) for o in doc.people.get(name, ()))


def same_person(a: Candidate, ctx_a: PersonContext, b: Candidate, ctx_b: PersonContext) -> bool:
    """Two shared names, or a shared kin/office/birthplace, or another person named in both documents
    (two articles that both name 邓小平 together with 卓琳 speak of the same 邓小平), or two shared places."""
    if len(names_of(a) & names_of(b)) >= 2 or ctx_a.own & ctx_b.own:
        return True
    da, db = ctx_a.doc, ctx_b.doc
    if da is None or db is None:
        return False
    for name in da.people.keys() & db.people.keys():
        if _named_with(da, a, name) and _named_with(db, b, name):
            return True
    # places named in the same document: weak, so two of them must agree
    common = 0
    for place in da.places if len(da.places) <= len(db.places) else db.places:
        if place in da.places and place in db.places:
            common += 1
            if common >= 2:
                return True
    return False
