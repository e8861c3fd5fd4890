"""Store-agnostic contract: every GraphStore gives the same answers as the embedded Oxigraph store.

Runs on the Oxigraph store always, and on the Neo4j store (``kg.store.neo4j_store.Neo4jStore``) when
``tests/neo4j_fixture.py`` is importable: its fixture whose name starts with "neo4j" and holds "store"
(``neo4j_store``) gives the store; those cases are marked ``neo4j`` (skipped without a server, failed under CI).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kg.ids import record_relation_id
from kg.models import Record, RelationRecord, parse_record
from kg.store.base import GraphStore
from kg.store.rdf_store import OxigraphStore

FIXTURES = Path(__file__).parent / "fixtures"
DENG, ZHUO, FATHER, YANAN, VILLAGE = ("per:50ca077f7c23", "per:aa367ec2fc3d", "per:323bd41c4f68",
                                      "plc:3ac554226294", "plc:dd7bbd1098a6")


def mini_records() -> list[Record]:
    lines = (FIXTURES / "mini_graph.jsonl").read_text(encoding="utf-8").splitlines()
    return [parse_record(json.loads(line)) for line in lines if line.strip()]


def mini_texts() -> dict[str, str]:
    texts: dict[str, str] = json.loads((FIXTURES / "mini_graph_docs.json").read_text(encoding="utf-8"))
    return texts


def _neo4j_fixture_name() -> str | None:
    try:
        module = importlib.import_module("neo4j_fixture")
    except ImportError:
        return None
    names = [name for name in vars(module) if name.startswith("neo4j")]
    for name in names:  # the fixture and the fixtures it depends on become visible to this module
        globals()[name] = getattr(module, name)
    stores = [name for name in names if "store" in name and not isinstance(getattr(module, name), type)]
    return stores[0] if stores else None


NEO4J_FIXTURE = _neo4j_fixture_name()
STORES: list[Any] = ["oxigraph"]
if NEO4J_FIXTURE is not None:
    STORES.append(pytest.param("neo4j", marks=pytest.mark.neo4j))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphStore]:
    s = OxigraphStore(tmp_path_factory.mktemp("reference") / "oxigraph")
    s.load(mini_records(), documents_text=mini_texts())
    yield s
    s.close()


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    if request.param == "oxigraph":
        s: GraphStore = OxigraphStore(tmp_path / "oxigraph")
    else:
        from kg.store.neo4j_store import Neo4jStore

        assert NEO4J_FIXTURE is not None
        s = request.getfixturevalue(NEO4J_FIXTURE)
        assert isinstance(s, Neo4jStore)
        s.clear()
    s.load(mini_records(), documents_text=mini_texts())
    yield s
    if request.param == "oxigraph":
        s.close()


def same(store: GraphStore, reference: GraphStore, ask: Callable[[GraphStore], Any]) -> Any:
    """Ask both stores; the answers (as plain data) must be identical."""
    mine, theirs = ask(store), ask(reference)
    dump = (lambda x: [i.model_dump() for i in x]) if isinstance(mine, list) else (lambda x: x and x.model_dump())
    assert dump(mine) == dump(theirs)
    return mine


def test_store_is_a_graph_store(store: GraphStore) -> None:
    assert isinstance(store, GraphStore)
    assert store.counts() == {"entities": 17, "relations": 16, "documents": 2, "mentions": 17}


def test_entity_lookup(store: GraphStore, reference: GraphStore) -> None:
    entity = same(store, reference, lambda s: s.get_entity(DENG))
    assert entity.name == "邓小平" and entity.aliases == ["邓先圣", "邓希贤"]
    assert entity.properties == {"birth_date": "1904-08-22"}
    expected = sorted((r.type, r.source, r.target, record_relation_id(r)) for r in mini_records()
                      if isinstance(r, RelationRecord) and DENG in (r.source, r.target))
    assert [(r.type, r.source, r.target, r.id) for r in entity.relations] == expected
    assert [m.start for m in entity.mentions] == [0, 6, 12, 60]
    assert entity.mentions[3].sentence == "1939年8月，邓小平与卓琳在延安结婚。" and entity.mentions[3].sentence_start == 52
    assert store.get_entity("per:ffffffffffff") is None


@pytest.mark.parametrize("query", ["邓小平", "邓希贤", "邓", "dengxiaoping", "deng xiao", "延安"])
def test_search(store: GraphStore, reference: GraphStore, query: str) -> None:
    hits = same(store, reference, lambda s: s.search(query))
    assert hits, f"no hit for {query}"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_search_with_type_and_paging(store: GraphStore, reference: GraphStore) -> None:
    people = same(store, reference, lambda s: s.search("邓", entity_type="PERSON", limit=2, offset=1))
    assert len(people) == 2 and all(h.entity.type == "PERSON" for h in people)


@pytest.mark.parametrize(("depth", "relation_types", "entity_types", "limit"), [
    (1, None, None, 200), (2, None, None, 200), (3, ["PARENT_OF"], None, 200), (2, None, ["PERSON"], 200), (2, None, None, 4),
])
def test_neighbours(store: GraphStore, reference: GraphStore, depth: int, relation_types: list[str] | None,
                    entity_types: list[str] | None, limit: int) -> None:
    sub = same(store, reference, lambda s: [s.neighbours(DENG, depth=depth, relation_types=relation_types,
                                                         entity_types=entity_types, limit=limit)])[0]
    assert [n.id for n in sub.nodes] == sorted(n.id for n in sub.nodes) and DENG in {n.id for n in sub.nodes}
    assert [e.id for e in sub.edges] == sorted(e.id for e in sub.edges)
    assert len(sub.nodes) <= limit


def test_paths(store: GraphStore, reference: GraphStore) -> None:
    paths = same(store, reference, lambda s: s.paths(FATHER, YANAN, k=3, max_hops=5))
    assert [n.id for n in paths[0].nodes] == [FATHER, DENG, "evt:13e2a40fa6db", YANAN]
    assert same(store, reference, lambda s: s.paths(VILLAGE, "plc:3f3788ad68d3", k=2, max_hops=4))[0].edges[0].type == "PART_OF"


@pytest.mark.parametrize("entity", [DENG, ZHUO, YANAN, VILLAGE, "evt:cb452c7bead7", "org:153bd2f16cab"])
def test_dated_events(store: GraphStore, reference: GraphStore, entity: str) -> None:
    events = same(store, reference, lambda s: s.events(entity))
    assert [(e.date, e.event.id) for e in events] == sorted((e.date, e.event.id) for e in events)
    assert all(e.date == e.event.properties["date"] for e in events)


def test_all_entities_and_relations(store: GraphStore, reference: GraphStore) -> None:
    same(store, reference, lambda s: list(s.all_entities()))
    relations = same(store, reference, lambda s: list(s.all_relations()))
    assert [r.id for r in relations] == sorted(record_relation_id(r) for r in mini_records() if isinstance(r, RelationRecord))


def test_loading_twice_is_idempotent(store: GraphStore, reference: GraphStore) -> None:
    store.load(mini_records(), documents_text=mini_texts())
    assert store.counts() == reference.counts()
    same(store, reference, lambda s: s.get_entity(DENG))
