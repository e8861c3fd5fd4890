"""What the resolver keeps: members in memory, documents spooled to disk, relations merged on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg.extract import ExtractedDocument, resolve
from kg.models import DocumentRecord, EntityRecord, Evidence, RelationRecord
from kg.relations.types import Candidate, DocGraph, LocalEvidence, LocalMention, LocalRelation
from kg.resolve import Resolver
from kg.resolve_store import DocumentSpool, Member, RelationMerger, Shared, slim


def _relation(source: str, target: str, doc: str, confidence: float, **properties: object) -> RelationRecord:
    return RelationRecord(type="HOLDS_POSITION", source=source, target=target, properties=dict(properties),
                          evidence=[Evidence(doc=doc, start=1, end=5, sentence=f"{doc} 的句子")],
                          confidence=confidence, component="office")


def test_relation_merger_merges_evidence_in_order_and_sorts_by_id() -> None:
    merger = RelationMerger()
    try:
        merger.add("rel:b", _relation("p:1", "o:1", "doc:1", 0.5, title="县长"))
        merger.add("rel:a", _relation("p:2", "o:2", "doc:1", 0.9))
        merger.add("rel:b", _relation("p:1", "o:1", "doc:2", 0.8, title="副县长", start="1950"))
        merger.add("rel:b", _relation("p:1", "o:1", "doc:1", 0.4))  # the same evidence again
        out = list(merger.merged())
    finally:
        merger.close()
    assert [r.source for r in out] == ["p:2", "p:1"]
    merged = out[1]
    assert [e.doc for e in merged.evidence] == ["doc:1", "doc:2"]
    assert merged.confidence == 0.8
    assert merged.properties == {"title": "县长", "start": "1950"}  # the first wins, later ones fill gaps


def _graph(doc_id: str) -> DocGraph:
    person = Candidate(local_id="c0", type="PERSON", name="邓小平", aliases=["邓希贤"], mentions=[
        LocalMention(start=0, end=3, raw_start=10, raw_end=13, text="邓小平"),
        LocalMention(start=9, end=12, raw_start=20, raw_end=24, text="邓希贤")])
    org = Candidate(local_id="c1", type="ORG", name="广安县委")
    rel = LocalRelation(type="HOLDS_POSITION", source="c0", target="c1", properties={"title": "书记"},
                        evidence=LocalEvidence(start=0, end=8, raw_start=10, raw_end=18, sentence="邓小平任广安县委书记"),
                        confidence=0.9, component="office")
    return DocGraph(doc_id=doc_id, candidates=[person, org], relations=[rel])


def test_spool_gives_back_mentions_with_surfaces_and_relations_by_index() -> None:
    spool = DocumentSpool()
    try:
        spool.put(_graph("doc:a"), {"20:24": "鄧希賢"})
        spool.put(_graph("doc:b"), {})
        mentions_b, _ = spool.get("doc:b")
        mentions_a, relations_a = spool.get("doc:a")
    finally:
        spool.close()
    assert mentions_a == [[0, 10, 13, "邓小平", None], [0, 20, 24, "鄧希賢", None]]
    assert mentions_b[1][3] == "邓希贤"
    assert relations_a == [["HOLDS_POSITION", 0, 1, {"title": "书记"}, 10, 18, "邓小平任广安县委书记", 0.9, "office"]]


def test_members_keep_what_resolution_reads() -> None:
    doc = slim(_graph("doc:a"))
    person, org = doc.members
    assert person.said == (("邓小平", 1), ("邓希贤", 1)) and org.said == ()  # sorted by name
    assert doc.links == [("HOLDS_POSITION", person, org)]
    assert person.properties is org.properties  # one shared empty dict, never mutated


def test_members_share_repeated_property_sets_and_name_counts_but_keep_key_order() -> None:
    shared = Shared()
    a, b = slim(_graph("doc:a"), shared), slim(_graph("doc:b"), shared)
    assert a.members[0].said is b.members[0].said
    county = {"code": "511623", "level": "county"}
    first = shared.properties(dict(county))
    assert shared.properties(dict(county)) is first
    reordered = shared.properties({"level": "county", "code": "511623"})
    assert reordered is not first and list(reordered) == ["level", "code"]  # entity properties follow key order


def test_union_find_on_members() -> None:
    a, b, c = (Member(doc="d", type="ORG", name=n, aliases=(), properties={}, said=()) for n in "abc")
    b.union(c)
    a.union(b)
    assert a.root() is b.root() is c.root()
    assert c.parent is a.root()  # the path was compressed


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_resolution_closes_its_temporary_files_even_when_stopped_early(tmp_path: Path) -> None:
    items = [ExtractedDocument(document=DocumentRecord(id=doc_id, path=str(tmp_path / doc_id)),
                               graph=_graph(doc_id), surfaces={}) for doc_id in ("doc:a", "doc:b")]
    before = _open_files()
    records = resolve(items)
    assert sum(1 for _ in records) == 2 + 2 + 4 + 1  # documents, entities, mentions, one merged relation
    assert _open_files() == before
    records = resolve(items)
    next(records), next(records), next(records)
    records.close()
    assert _open_files() == before


def test_a_document_added_twice_counts_once() -> None:
    once, twice = Resolver(), Resolver()
    once.add(_graph("doc:a"))
    twice.add(_graph("doc:a"))
    twice.add(_graph("doc:a"))
    try:
        assert [r.model_dump_json() for r in once.records()] == [r.model_dump_json() for r in twice.records()]
    finally:
        once.close()
        twice.close()


def test_identical_places_and_organisations_of_several_documents_are_one_member() -> None:
    shared = Shared()
    docs = {d: slim(_graph(d), shared) for d in ("doc:c", "doc:a", "doc:b")}  # any order of arrival
    orgs = {id(doc.members[1]) for doc in docs.values()}
    assert len(orgs) == 1  # 广安县委 three times: one member
    org = docs["doc:a"].members[1]
    assert org.doc == "doc:a" and org.occurrences() == ["doc:c", "doc:a", "doc:b"]
    people = {id(doc.members[0]) for doc in docs.values()}
    assert len(people) == 3 and docs["doc:b"].members[0].occurrences() == ["doc:b"]  # people stay per document


def test_a_shared_member_counts_every_document_it_stands_for() -> None:
    resolver = Resolver()
    for doc_id in ("doc:b", "doc:a", "doc:c"):
        resolver.add(_graph(doc_id))
    try:
        org = next(r for r in resolver.records() if isinstance(r, EntityRecord) and r.type == "ORG")
    finally:
        resolver.close()
    assert org.properties["documents"] == 3


def test_a_resolver_gives_its_records_once_and_then_takes_no_documents() -> None:
    resolver = Resolver()
    for doc_id in ("doc:a", "doc:b"):
        resolver.add(_graph(doc_id))
    try:
        first = list(resolver.records())
        assert first
        with pytest.raises(RuntimeError, match="new Resolver"):
            list(resolver.records())
        with pytest.raises(RuntimeError, match="new Resolver"):
            resolver.add(_graph("doc:c"))
    finally:
        resolver.close()
