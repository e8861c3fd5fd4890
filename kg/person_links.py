"""Evidence that two same-named person candidates from different documents are one person.

Each person :class:`~kg.resolve_store.Member` gets its own strong features (a kin name, an office org, a birthplace)
and a reference to its document's :class:`~kg.resolve_store.DocPeople` (the specific person names and the place names
named there that another document names too). The document-level sets are shared by all the document's people, so
memory grows with the number of names, not with people × people — a million-character county gazetteer names
thousands of people in one document — and they are dropped once resolution is over (:func:`forget_contexts`).
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from collections.abc import Mapping

from kg.resolve_store import NO_FEATURES, DocPeople, Member, SlimDoc

_KIN = ("PARENT_OF", "SPOUSE_OF", "SIBLING_OF", "KIN_OF")


def specific(name: str) -> bool:
    """A name specific enough to identify someone across documents (not 某某, 王某, a bare 某氏)."""
    return len(name) >= 2 and "某" not in name and not (len(name) == 2 and name.endswith("氏"))


def names_of(c: Member) -> set[str]:
    return {c.name, *c.aliases}


def person_contexts(docs: Mapping[str, SlimDoc]) -> None:
    """Set ``own`` and ``people`` of every person; offices and birthplaces must already have their ``eid``."""
    person_docs: Counter[str] = Counter()
    place_docs: Counter[str] = Counter()
    for d in docs.values():
        person_docs.update(_people_by_name(d).keys())
        place_docs.update(_place_names(d))
    for doc_id in sorted(docs):
        d = docs[doc_id]
        people = _people_by_name(d)
        named = {name: same for name, same in people.items() if person_docs[name] > 1}
        aliased = {name: tuple(frozenset(names_of(o)) for o in same)
                   for name, same in named.items() if all(o.aliases for o in same)}
        shared = DocPeople(frozenset(named), aliased,
                           frozenset(p for p in _place_names(d) if place_docs[p] > 1))
        for same_name in people.values():
            for m in same_name:
                m.people = shared
        own: dict[Member, set[str]] = defaultdict(set)
        for kind, s, t in d.links:
            if kind in _KIN:
                # every name of the relative counts: 邓小平 in one text is 邓先圣 (原名) in another
                own[s].update("kin:" + n for n in _kin_names(t))
                own[t].update("kin:" + n for n in _kin_names(s))
            elif kind == "HOLDS_POSITION" and t.eid:
                own[s].add("office:" + t.eid)
            elif kind == "BORN_IN" and t.eid:
                own[s].add("born:" + t.eid)
        for m, features in own.items():
            m.own = frozenset(sys.intern(f) for f in features)


def forget_contexts(docs: Mapping[str, SlimDoc]) -> None:
    """Drop what :func:`person_contexts` set, once resolution no longer reads it (182 MB at 50 M characters before
    the contexts kept only shared names)."""
    for d in docs.values():
        for m in d.members:
            if m.type == "PERSON":
                m.own, m.people = NO_FEATURES, None


def _people_by_name(d: SlimDoc) -> dict[str, list[Member]]:
    """The document's people with a specific name, by head name."""
    people: dict[str, list[Member]] = defaultdict(list)
    for m in d.members:
        if m.type == "PERSON" and specific(m.name):
            people[m.name].append(m)
    return people


def _place_names(d: SlimDoc) -> set[str]:
    return {m.name for m in d.members if m.type == "PLACE" and len(m.name) >= 2}


def _kin_names(c: Member) -> set[str]:
    return {n for n in names_of(c) if specific(n)} or {c.name}


def _named_with(doc: DocPeople, c: Member, name: str) -> bool:
    """Does ``c``'s document, which names someone ``name``, name someone else so (not ``c`` itself nor a possible
    alias of ``c``)? Everyone so named has ``name`` as head name, so none is ``c`` when ``c`` is not so called."""
    own = names_of(c)
    if name in own:
        return False
    others = doc.aliased.get(name)
    return others is None or any(not (names & own) for names in others)


def same_person(a: Member, b: Member) -> bool:
    """Two shared names, or a shared kin/office/birthplace, or another person named in both documents
    (two articles that both name 邓小平 together with 卓琳 speak of the same 邓小平), or two shared places."""
    if len(names_of(a) & names_of(b)) >= 2 or a.own & b.own:
        return True
    da, db = a.people, b.people
    if da is None or db is None:
        return False
    for name in da.names & db.names:
        if _named_with(da, a, name) and _named_with(db, b, name):
            return True
    # places named in the same document: weak, so two of them must agree
    return len(da.places & db.places) >= 2
