"""The document contexts that tell same-named people apart: kept small, equal to the rule read pair by pair."""

from __future__ import annotations

import random

import pytest

from kg.person_links import forget_contexts, names_of, person_contexts, same_person, specific
from kg.resolve_store import Member, SlimDoc

PEOPLE = ["邓小平", "邓希贤", "卓琳", "张三", "李四", "王某", "邓氏", "毛泽东"]
PLACES = ["广安", "协兴", "四川", "北京", "重庆"]


def _slim_doc(doc_id: str, rng: random.Random) -> SlimDoc:
    members = []
    for _ in range(rng.randint(1, 6)):
        name = rng.choice(PEOPLE)
        aliases = tuple(sorted(set(rng.sample(PEOPLE, rng.choice([0, 0, 1, 2]))) - {name}))
        members.append(Member(doc=doc_id, type="PERSON", name=name, aliases=aliases, properties={}, said=()))
    members += [Member(doc=doc_id, type="PLACE", name=p, aliases=(), properties={}, said=())
                for p in rng.sample(PLACES, rng.randint(0, 3))]
    return SlimDoc(members)


def _same_person_as_stated(a: Member, b: Member, docs: dict[str, SlimDoc]) -> bool:
    """The rule of ``same_person`` over the documents' whole member lists (no filtering, no precomputed sets)."""
    if len(names_of(a) & names_of(b)) >= 2 or a.own & b.own:
        return True
    if not (specific(a.name) and specific(b.name)):
        return False

    def named_with(c: Member, name: str) -> bool:
        return any(o is not c and o.name == name and not (names_of(o) & names_of(c))
                   for o in docs[c.doc].members if o.type == "PERSON" and specific(o.name))

    def heads(doc: str) -> set[str]:
        return {m.name for m in docs[doc].members if m.type == "PERSON" and specific(m.name)}

    if any(named_with(a, n) and named_with(b, n) for n in heads(a.doc) & heads(b.doc)):
        return True
    places = [{m.name for m in docs[d].members if m.type == "PLACE" and len(m.name) >= 2} for d in (a.doc, b.doc)]
    return len(places[0] & places[1]) >= 2


@pytest.mark.parametrize("seed", range(20))
def test_same_person_on_the_kept_contexts_equals_the_rule_over_whole_documents(seed: int) -> None:
    rng = random.Random(seed)
    docs = {f"doc:{i:02d}": _slim_doc(f"doc:{i:02d}", rng) for i in range(8)}
    person_contexts(docs)
    people = [m for d in docs.values() for m in d.members if m.type == "PERSON"]
    pairs = [(a, b) for a in people for b in people if a.doc != b.doc]
    assert [same_person(a, b) for a, b in pairs] == [_same_person_as_stated(a, b, docs) for a, b in pairs]
    assert any(same_person(a, b) for a, b in pairs) and not all(same_person(a, b) for a, b in pairs)


def test_a_document_context_keeps_only_names_another_document_has() -> None:
    rng = random.Random(7)
    docs = {"doc:a": _slim_doc("doc:a", rng), "doc:b": _slim_doc("doc:b", rng)}
    docs["doc:a"].members.append(Member(doc="doc:a", type="PERSON", name="独有人名", aliases=(), properties={},
                                        said=()))
    docs["doc:a"].members.append(Member(doc="doc:a", type="PLACE", name="独有地名", aliases=(), properties={},
                                        said=()))
    person_contexts(docs)
    context = docs["doc:a"].members[-2].people
    assert context is not None
    assert "独有人名" not in context.names and "独有地名" not in context.places
    heads_b = {m.name for m in docs["doc:b"].members if m.type == "PERSON" and specific(m.name)}
    heads_a = {m.name for m in docs["doc:a"].members if m.type == "PERSON" and specific(m.name)}
    assert context.names == frozenset(heads_a & heads_b)
    forget_contexts(docs)
    assert all(m.people is None and not m.own for d in docs.values() for m in d.members)
