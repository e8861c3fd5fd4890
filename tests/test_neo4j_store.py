"""The Neo4j store against a real Neo4j 5.26 server (scripts/neo4j.sh): schema, loading, search, walks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kg.ids import record_relation_id
from kg.models import (
    DocumentRecord,
    EntityRecord,
    Evidence,
    MentionRecord,
    Record,
    RelationRecord,
    parse_record,
)
from kg.store import cypher
from kg.store.neo4j_store import Neo4jStore

pytest_plugins = ("neo4j_fixture",)

pytestmark = pytest.mark.neo4j

FIXTURES = Path(__file__).parent / "fixtures"
DENG = "per:50ca077f7c23"
ZHUO = "per:aa367ec2fc3d"
FATHER = "per:323bd41c4f68"
MARRIAGE = "evt:13e2a40fa6db"
FIRST_DOC = "doc:0db5884f543a050f"


def mini_records() -> list[Record]:
    lines = (FIXTURES / "mini_graph.jsonl").read_text(encoding="utf-8").splitlines()
    return [parse_record(json.loads(line)) for line in lines if line.strip()]


def mini_texts() -> dict[str, str]:
    texts: dict[str, str] = json.loads((FIXTURES / "mini_graph_docs.json").read_text(encoding="utf-8"))
    return texts


def expected_counts(records: list[Record]) -> dict[str, int]:
    return {
        "entities": len({r.id for r in records if isinstance(r, EntityRecord)}),
        "relations": len({record_relation_id(r) for r in records if isinstance(r, RelationRecord)}),
        "documents": len({r.id for r in records if isinstance(r, DocumentRecord)}),
        "mentions": len({(r.doc, r.start, r.end) for r in records if isinstance(r, MentionRecord)}),
    }


def dump(store: Neo4jStore) -> dict[str, Any]:
    entities = [n.model_dump() for n in store.all_entities()]
    return {
        "entities": entities,
        "relations": [e.model_dump() for e in store.all_relations()],
        "views": [store.get_entity(n["id"]).model_dump() for n in entities],  # type: ignore[union-attr]
    }


def test_constraints_and_fulltext_index_exist(neo4j_store: Neo4jStore) -> None:
    rows = neo4j_store._read(cypher.show_constraints())
    unique = {(tuple(r["labelsOrTypes"]), tuple(r["properties"])) for r in rows if "UNIQUENESS" in r["type"]}
    for label in ("Entity", "Document", "Mention", "PARENT_OF", "HOLDS_POSITION"):
        assert ((label,), ("id",)) in unique
    index = {r["name"]: r for r in neo4j_store._read(cypher.show_fulltext_indexes())}[cypher.FULLTEXT_INDEX]
    assert index["labelsOrTypes"] == ["Entity"] and set(index["properties"]) == {"name", "aliases", "pinyin"}
    assert index["options"]["indexConfig"]["fulltext.analyzer"] == "cjk"


def test_load_mini_graph(neo4j_store: Neo4jStore) -> None:
    records = mini_records()
    stats = neo4j_store.load(records, documents_text=mini_texts())
    assert neo4j_store.counts() == expected_counts(records)
    assert stats.entities == sum(isinstance(r, EntityRecord) for r in records)
    assert stats.relations == sum(isinstance(r, RelationRecord) for r in records)
    labels = neo4j_store._read("MATCH (e:Entity {id: $id}) RETURN labels(e) AS labels", {"id": DENG})
    assert sorted(labels[0]["labels"]) == ["Entity", "Person"]
    props = neo4j_store._read("MATCH (e:Entity {id: $id}) RETURN e.p_birth_date AS b, e.pinyin AS p", {"id": DENG})
    assert props == [{"b": "1904-08-22", "p": ["deng xiao ping", "dengxiaoping"]}]


def test_relations_arrive_before_their_entities(neo4j_store: Neo4jStore) -> None:
    """Relations and mentions whose entities come later in the input are written at the end of the load."""
    records = mini_records()
    reordered = [r for r in records if not isinstance(r, EntityRecord)] + [r for r in records if isinstance(r, EntityRecord)]
    neo4j_store.load(reordered, documents_text=mini_texts())
    assert neo4j_store.counts() == expected_counts(records)


def test_load_twice_is_idempotent(neo4j_store: Neo4jStore) -> None:
    neo4j_store.load(mini_records(), documents_text=mini_texts())
    first_counts, first = neo4j_store.counts(), dump(neo4j_store)
    neo4j_store.load(mini_records(), documents_text=mini_texts())
    assert neo4j_store.counts() == first_counts
    assert dump(neo4j_store) == first


def test_repeated_ids_in_later_batches_fall_back_from_create_to_merge(neo4j_store: Neo4jStore) -> None:
    """A fresh load writes with CREATE; a later batch of the same load that repeats stored ids fails on the
    uniqueness constraints, rolls back whole and is merged instead: the graph equals a load without repeats."""
    records = mini_records()
    neo4j_store.load(records, documents_text=mini_texts())
    expected_counts_, expected = neo4j_store.counts(), dump(neo4j_store)
    neo4j_store.clear()
    small = Neo4jStore(neo4j_store.settings.model_copy(update={"batch_size": 3}), driver=neo4j_store.driver)
    small.load(records + records[::-1], documents_text=mini_texts())
    assert small._creating is False  # the fallback really happened
    assert neo4j_store.counts() == expected_counts_
    assert dump(neo4j_store) == expected


def test_new_documents_merge_into_the_graph(neo4j_store: Neo4jStore) -> None:
    records, texts = mini_records(), mini_texts()
    first_doc = "doc:0db5884f543a050f"

    def in_first(r: Record) -> bool:
        if isinstance(r, DocumentRecord):
            return r.id == first_doc
        if isinstance(r, MentionRecord):
            return r.doc == first_doc
        if isinstance(r, RelationRecord):
            return all(e.doc == first_doc for e in r.evidence)
        return True

    neo4j_store.load([r for r in records if in_first(r)], documents_text={first_doc: texts[first_doc]})
    before = neo4j_store.counts()
    neo4j_store.load([r for r in records if not in_first(r) or isinstance(r, EntityRecord)], documents_text=texts)
    assert neo4j_store.counts() == expected_counts(records)
    assert before["documents"] == 1 and before["relations"] < expected_counts(records)["relations"]
    extra_alias = EntityRecord(id=DENG, type="PERSON", name="邓小平", aliases=["小平"], properties={"note": "x"})
    neo4j_store.load([extra_alias])
    deng = neo4j_store.get_entity(DENG)
    assert deng is not None
    assert deng.aliases == ["小平", "邓先圣", "邓希贤"]
    assert deng.properties == {"birth_date": "1904-08-22", "note": "x"}


def test_fulltext_search(neo4j_store: Neo4jStore) -> None:
    neo4j_store.load(mini_records(), documents_text=mini_texts())
    hits = neo4j_store.search("小平")
    assert hits[0].entity.id == DENG and hits[0].matched == "邓小平"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    alias = neo4j_store.search("邓希贤")
    assert alias[0].entity.id == DENG and alias[0].matched == "邓希贤" and alias[0].score == 0.9
    exact = neo4j_store.search("邓小平")
    assert exact[0].entity.id == DENG and exact[0].score == 1.0
    assert exact[1].entity.name.startswith("邓小平") and exact[1].score == 0.7
    assert neo4j_store.search("xiaoping")[0].entity.id == DENG
    assert [h.entity.type for h in neo4j_store.search("邓", entity_type="EVENT")] == ["EVENT", "EVENT"]
    assert neo4j_store.search("邓", limit=2, offset=1) == neo4j_store.search("邓")[1:3]
    assert neo4j_store.search("不存在的名字") == []
    raw = neo4j_store._read(*cypher.fulltext_candidates("小平", None))
    assert DENG in {r["id"] for r in raw}  # the cjk analyzer splits 邓小平 into bigrams


def test_entity_view_and_neighbours(neo4j_store: Neo4jStore) -> None:
    neo4j_store.load(mini_records(), documents_text=mini_texts())
    deng = neo4j_store.get_entity(DENG)
    assert deng is not None
    keys = [(r.type, r.source, r.target, r.id) for r in deng.relations]
    assert keys == sorted(keys) and len(keys) == 6
    assert [n.id for n in deng.neighbours] == [r.target if r.source == DENG else r.source for r in deng.relations]
    assert [(m.start, m.sentence_start) for m in deng.mentions] == [(0, 0), (6, 0), (12, 0), (60, 52)]
    assert deng.mentions[3].sentence == "1939年8月，邓小平与卓琳在延安结婚。"
    one = neo4j_store.neighbours(DENG, depth=1)
    assert [n.id for n in one.nodes] == sorted({DENG} | {n.id for n in deng.neighbours})
    two = neo4j_store.neighbours(DENG, depth=2, relation_types=["PARENT_OF"])
    assert {n.name for n in two.nodes} == {"邓小平", "邓绍昌", "淡氏", "卓琳", "邓朴方"}
    assert all(e.type == "PARENT_OF" for e in two.edges)
    assert len(neo4j_store.neighbours(DENG, depth=2, limit=3).nodes) == 3


def test_paths_and_events(neo4j_store: Neo4jStore) -> None:
    neo4j_store.load(mini_records(), documents_text=mini_texts())
    village, zhuo_lin = "plc:dd7bbd1098a6", "per:aa367ec2fc3d"
    paths = neo4j_store.paths(zhuo_lin, village, k=3, max_hops=4)
    assert paths and [n.id for n in paths[0].nodes] == [zhuo_lin, DENG, "evt:aadb7d73f870", village]
    assert [len(p.edges) for p in paths] == sorted(len(p.edges) for p in paths)
    assert neo4j_store.paths(zhuo_lin, village, max_hops=2) == []
    events = neo4j_store.events(DENG)
    assert [(e.date, e.role) for e in events] == [("1904-08-22", "PARTICIPATED_IN"), ("1939-08", "PARTICIPATED_IN")]
    assert [p.id for p in events[1].participants] == sorted([DENG, zhuo_lin])
    assert [e.role for e in neo4j_store.events(MARRIAGE)] == ["self"]


def test_clear_and_password_never_shown(neo4j_store: Neo4jStore) -> None:
    neo4j_store.load(mini_records(), documents_text=mini_texts())
    neo4j_store.clear()
    assert neo4j_store.counts() == {"entities": 0, "relations": 0, "documents": 0, "mentions": 0}
    secret = neo4j_store.settings.neo4j_password.get_secret_value()
    assert secret and secret not in repr(neo4j_store) and secret not in str(neo4j_store.settings)


def test_only_allow_listed_labels_and_types() -> None:
    with pytest.raises(ValueError, match="unknown relation type"):
        cypher.upsert_relations("KNOWS]->() DETACH DELETE (", [])
    with pytest.raises(ValueError, match="unknown entity type"):
        cypher.upsert_entities("Person:Admin", [])


def test_reload_unites_evidence_and_properties_in_cypher(neo4j_store: Neo4jStore) -> None:
    neo4j_store.load(mini_records(), documents_text=mini_texts())
    again = [Evidence(doc=FIRST_DOC, start=52, end=72, sentence="重载的句子。"), Evidence(doc=FIRST_DOC, start=60, end=66)]
    neo4j_store.load([RelationRecord(type="SPOUSE_OF", source=DENG, target=ZHUO, evidence=again,
                                     properties={"note": "y", "since": 1939})])
    neo4j_store.load([RelationRecord(type="SPOUSE_OF", source=DENG, target=ZHUO, evidence=[
        Evidence(doc=FIRST_DOC, start=60, end=66)], confidence=0.5, properties={"since": [1939, 1940]})])
    deng = neo4j_store.get_entity(DENG)
    assert deng is not None
    (spouse,) = [r for r in deng.relations if r.type == "SPOUSE_OF"]
    assert [(e.start, e.end, e.sentence) for e in spouse.evidence] == [(52, 72, "重载的句子。"), (60, 66, None)]
    assert spouse.properties == {"note": "y", "since": [1939, 1940]} and spouse.confidence == 0.5
    assert spouse.component == "fixture"
    stored = neo4j_store._read("MATCH ()-[r:SPOUSE_OF {id: $id}]->() RETURN r.p_note AS note, r.p_since AS since, "
                               "r.pj_since AS json, size(r.evidence_keys) AS keys", {"id": spouse.id})
    assert stored == [{"note": "y", "since": None, "json": "[1939, 1940]", "keys": 2}]
    assert neo4j_store.counts()["relations"] == expected_counts(mini_records())["relations"]


@pytest.mark.parametrize(("depth", "relation_types", "entity_types", "limit"), [
    (0, None, None, 200), (1, None, None, 200), (2, None, None, 5), (3, ["PARENT_OF", "SPOUSE_OF"], None, 200),
    (2, None, ["PERSON", "EVENT"], 200), (2, ["NOT_A_TYPE"], None, 200), (3, None, None, 1),
])
def test_one_query_neighbourhood_equals_the_shared_walk(neo4j_store: Neo4jStore, depth: int,
                                                        relation_types: list[str] | None,
                                                        entity_types: list[str] | None, limit: int) -> None:
    neo4j_store.load(mini_records(), documents_text=mini_texts())
    fast = neo4j_store.neighbours(DENG, depth=depth, relation_types=relation_types, entity_types=entity_types,
                                  limit=limit)
    walked = neo4j_store.walk()[0].neighbours(DENG, depth=depth, relation_types=relation_types,
                                         entity_types=entity_types, limit=limit)
    assert fast == walked and len(fast.nodes) <= limit
    assert neo4j_store.neighbours("per:ffffffffffff").nodes == []


def test_shortest_paths_query_equals_the_shared_walk(neo4j_store: Neo4jStore) -> None:
    records = mini_records() + [RelationRecord(type="KIN_OF", source=ZHUO, target=DENG, properties={"kind": "x"})]
    neo4j_store.load(records, documents_text=mini_texts())
    ids = sorted(n.id for n in neo4j_store.all_entities())
    for source in (DENG, ZHUO, FATHER):
        for target in ids:
            for k, max_hops in ((1, 4), (2, 3), (4, 5)):
                fast = neo4j_store.paths(source, target, k=k, max_hops=max_hops)
                assert fast == neo4j_store.walk()[0].paths(source, target, k=k, max_hops=max_hops), (source, target, k)
