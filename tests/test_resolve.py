"""Corpus resolution: merging across documents, namesakes, stable ids, worker merge."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from kg.ids import entity_id
from kg.models import EntityRecord, MentionRecord, RelationRecord
from kg.relations import extract_relations
from kg.relations.markup import annotated
from kg.relations.types import DocGraph
from kg.resolve import Resolver, ResolverState

CORPUS: dict[str, str] = json.loads(
    (Path(__file__).parent / "fixtures" / "relations" / "corpus.json").read_text(encoding="utf-8"))


def _graphs(doc_ids: list[str]) -> list[DocGraph]:
    return [extract_relations(annotated(CORPUS[d], d)) for d in doc_ids]


def _records(doc_ids: list[str]) -> list[str]:
    r = Resolver()
    r.add_all(_graphs(doc_ids))
    return [rec.model_dump_json() for rec in r.records()]


def _entities(doc_ids: list[str]) -> list[EntityRecord]:
    r = Resolver()
    r.add_all(_graphs(doc_ids))
    return [e for e in r.records() if isinstance(e, EntityRecord)]


def test_person_merges_across_documents_by_shared_alias() -> None:
    people = [e for e in _entities(["doc:deng-bio", "doc:deng-family"]) if e.name == "邓小平"]
    assert len(people) == 1
    assert people[0].id == entity_id("PERSON", "邓小平")
    assert {"邓先圣", "邓希贤"} <= set(people[0].aliases)
    assert people[0].properties["documents"] == 2


def test_namesakes_without_evidence_stay_apart() -> None:
    wang = [e for e in _entities(["doc:bulletin", "doc:bulletin2", "doc:namesake"]) if e.name == "王某某"]
    assert len(wang) == 2
    merged = next(e for e in wang if e.properties["documents"] == 2)  # same office in both bulletins
    other = next(e for e in wang if e.properties["documents"] == 1)
    assert merged.id == entity_id("PERSON", "王某某")
    assert other.id == entity_id("PERSON", "王某某#doc:namesake")
    assert "no shared alias" in str(other.properties["disambiguation"])


def test_ids_do_not_depend_on_document_order() -> None:
    ids = list(CORPUS)
    expected = _records(ids)
    rng = random.Random(7)
    for _ in range(3):
        rng.shuffle(ids)
        assert _records(ids) == expected


def test_worker_states_merge_to_the_same_records() -> None:
    ids = list(CORPUS)
    whole = _records(ids)
    a = Resolver()
    a.add_all(_graphs(ids[1::2]))
    worker = ResolverState(docs={g.doc_id: g for g in _graphs(ids[0::2])})
    worker.merge(ResolverState(docs={g.doc_id: g for g in _graphs(ids[2::2])}))  # overlapping shares count once
    a.merge(ResolverState.model_validate_json(worker.model_dump_json()))  # documents cross processes as JSON
    a.merge(ResolverState(docs={g.doc_id: g for g in _graphs(ids[1:3])}))
    assert [r.model_dump_json() for r in a.records()] == whole


def test_state_of_another_version_is_refused() -> None:
    with pytest.raises(ValueError, match="re-run extraction"):
        Resolver().merge(ResolverState(version=1))


def test_adding_a_document_keeps_existing_ids() -> None:
    before = {e.name: e.id for e in _entities(["doc:deng-bio", "doc:bulletin"])}
    after = {e.name: e.id for e in _entities(["doc:deng-bio", "doc:bulletin", "doc:party"])}
    assert all(after[n] == i for n, i in before.items())


def test_org_second_name_and_abbreviation_resolve_to_one_entity() -> None:
    orgs = [e for e in _entities(["doc:party", "doc:party2"]) if e.type == "ORG"]
    centre = [e for e in orgs if "眉山市地方志编纂中心" in {e.name, *e.aliases}]
    assert len(centre) == 1
    assert "眉山市委党史研究室" in {centre[0].name, *centre[0].aliases}


def test_mentions_and_evidence_use_raw_offsets() -> None:
    text = CORPUS["doc:bulletin"]
    doc = annotated(text, "doc:bulletin")
    doc.raw_span = lambda s, e: (s + 100, e + 100)  # e.g. a header of 100 chars removed by normalisation
    r = Resolver()
    r.add(extract_relations(doc))
    recs = list(r.records())
    mention = next(m for m in recs if isinstance(m, MentionRecord) and m.text == "王某某")
    assert (mention.start, mention.end) == (doc.text.index("王某某") + 100, doc.text.index("王某某") + 103)
    rel = next(x for x in recs if isinstance(x, RelationRecord) and x.type == "HOLDS_POSITION")
    assert rel.evidence[0].start >= 100 and rel.evidence[0].sentence and "王某某" in rel.evidence[0].sentence


def test_events_are_keyed_by_kind_date_and_participants() -> None:
    events = [e for e in _entities(list(CORPUS)) if e.type == "EVENT"]
    meeting = next(e for e in events if e.name == "广安市地方志办公室全体干部职工会议")
    assert meeting.properties["date"] == "2024-08-03" and meeting.properties["kind"] == "meeting"
    assert len({e.id for e in events}) == len(events)
