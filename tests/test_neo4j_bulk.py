"""``kg load --bulk`` (kg.store.neo4j_bulk): the refusals, and against the real Neo4j of ``scripts/neo4j.sh``
(home ``KG_NEO4J_HOME`` or ``.neo4j/``, the suite's server, stopped and started again by the import) that a bulk
load gives exactly the graph ``kg load`` gives of the same records, review decisions applied alike.

Without a server run by ``scripts/neo4j.sh`` the server tests are skipped, except under CI (``CI=true``), where
they fail.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.ids import record_relation_id
from kg.loading import load_records
from kg.models import (
    DocumentRecord,
    EntityRecord,
    Evidence,
    MentionRecord,
    Record,
    RelationRecord,
    parse_record,
)
from kg.settings import Settings
from kg.store.neo4j_bulk import BulkLoadError, bulk_load, local_neo4j, read_graph
from kg.store.neo4j_csv import BulkGraph, ImportDataError, write_import_csv
from kg.store.neo4j_store import Neo4jStore

pytest_plugins = ("neo4j_fixture",)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
NEO4J_HOME = Path(os.environ.get("KG_NEO4J_HOME", ROOT / ".neo4j"))
DENG = "per:50ca077f7c23"
FIRST_DOC = "doc:0db5884f543a050f"


def corpus() -> list[Record]:
    """The mini graph, plus what a real corpus has: the same entity and relation in several records, values
    that need quoting, line breaks, typed and non-scalar properties, mentions and relations of unknown entities."""
    lines = (FIXTURES / "mini_graph.jsonl").read_text(encoding="utf-8").splitlines()
    records = [parse_record(json.loads(line)) for line in lines if line.strip()]
    deng = next(r for r in records if isinstance(r, EntityRecord) and r.id == DENG)
    rel = next(r for r in records if isinstance(r, RelationRecord))
    return [
        *records,
        deng.model_copy(update={"aliases": ["邓小平同志", '"小平"'], "properties": {
            "note": "第一行\n第二行, 含逗号", "empty": "", "rank": 3, "ratio": 0.25, "alive": False,
            "tags": ["a", "b"], "meta": {"k": 1}}}),
        rel.model_copy(update={"evidence": [Evidence(doc=FIRST_DOC, start=0, end=3, sentence="新的句子。")],
                               "confidence": 0.5}),
        EntityRecord(id="per:000000000001", type="PERSON", name="无名", aliases=[]),
        RelationRecord(type="PARENT_OF", source=DENG, target="per:ffffffffffff", evidence=[]),
        MentionRecord(doc=FIRST_DOC, start=1, end=2, text="某", type="PERSON", entity="per:ffffffffffff"),
        DocumentRecord(id="doc:new", path="nowhere.txt", title='a "title"', chars=3),
    ]


def review_file(records: list[Record], folder: Path) -> Path:
    """Accept the first relation, reject the second, correct the type of the third."""
    rels = [r for r in records if isinstance(r, RelationRecord)]
    path = folder / "review.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["relation_id", "decision", "corrected_type"])
        writer.writerow([record_relation_id(rels[0]), "accept", ""])
        writer.writerow([record_relation_id(rels[1]), "reject", ""])
        writer.writerow([record_relation_id(rels[2]), "correct", "KIN_OF"])
    return path


# ---------------------------------------------------------------------------------------------- no server
def test_refuses_without_a_uri_or_a_local_home(tmp_path: Path) -> None:
    with pytest.raises(BulkLoadError, match="KG_NEO4J_URI is not set"):
        local_neo4j(Settings(neo4j_uri=""), tmp_path)
    with pytest.raises(BulkLoadError, match=r"no Neo4j installed .*plain `kg load`"):
        local_neo4j(Settings(neo4j_uri="bolt://127.0.0.1:7687"), tmp_path)


def test_refuses_a_server_that_is_not_the_local_one(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / ".complete-5.26.16").touch()
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "neo4j.conf").write_text("server.bolt.listen_address=127.0.0.1:7699\n", encoding="utf-8")
    for uri in ("neo4j+s://abc.databases.neo4j.io", "bolt://db.example.org:7699", "bolt://127.0.0.1:7687"):
        with pytest.raises(BulkLoadError, match=r"cannot be bulk-imported: use plain `kg load`"):
            local_neo4j(Settings(neo4j_uri=uri), tmp_path)
    assert local_neo4j(Settings(neo4j_uri="bolt://localhost:7699"), tmp_path).port == 7699


def test_cli_refuses_in_one_line(tmp_path: Path) -> None:
    records = tmp_path / "r.jsonl"
    records.write_text("", encoding="utf-8")
    env = {"KG_NEO4J_URI": "neo4j+s://abc.databases.neo4j.io", "KG_NEO4J_HOME": str(tmp_path / "none"),
           "KG_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(app, ["load", "--bulk", str(records)], env=env)
    assert result.exit_code == 2
    assert "plain `kg load`" in result.output and result.output.count("\n") == 1


def test_graph_merges_repeated_ids_as_the_stores_do() -> None:
    graph = BulkGraph().add_all(corpus())
    deng = graph.entities[DENG]
    assert {"邓先圣", "邓希贤", "邓小平同志", '"小平"'} <= set(deng.aliases)
    assert deng.properties["birth_date"] == "1904-08-22" and deng.properties["rank"] == 3
    rel = next(r for r in corpus() if isinstance(r, RelationRecord))
    merged = graph.relations[record_relation_id(rel)]
    assert merged.confidence == 0.5 and len(merged.evidence) == len(rel.evidence) + 1
    assert graph.orphans() == (1, 1)


def test_csv_refuses_what_neo4j_admin_cannot_take(tmp_path: Path) -> None:
    bad_alias = EntityRecord(id="per:1", type="PERSON", name="甲", aliases=["a\x1fb"])
    with pytest.raises(ImportDataError, match="plain `kg load`"):
        write_import_csv(BulkGraph().add_all([bad_alias]), tmp_path)
    bad_key = EntityRecord(id="per:1", type="PERSON", name="甲", properties={"a:b": 1})
    with pytest.raises(ImportDataError, match="plain `kg load`"):
        write_import_csv(BulkGraph().add_all([bad_key]), tmp_path)


# ---------------------------------------------------------------------------------------------- real server
@pytest.fixture
def server(neo4j_driver: object, neo4j_settings: Settings) -> Iterator[Settings]:
    """The suite's server (answering: ``neo4j_driver``), checked to be one ``scripts/neo4j.sh`` runs from
    ``NEO4J_HOME``; emptied before and after."""
    try:
        local_neo4j(neo4j_settings, NEO4J_HOME)
    except BulkLoadError as e:
        from neo4j_fixture import _unavailable

        _unavailable(f"the test server cannot be bulk-imported ({e})")
    _wipe(neo4j_settings)
    yield neo4j_settings
    _wipe(neo4j_settings)


def _query(settings: Settings, query: str) -> list[dict[str, Any]]:
    store = Neo4jStore(settings)
    try:
        rows, _, _ = store.driver.execute_query(query, database_=settings.neo4j_database)
        return [r.data() for r in rows]
    finally:
        store.close()


def _wipe(settings: Settings) -> None:
    from neo4j_fixture import _wipe as wipe

    store = Neo4jStore(settings)
    try:
        store.driver.execute_query("RETURN 1", database_=settings.neo4j_database)  # retried until it answers
        wipe(store.driver, settings.neo4j_database)
    finally:
        store.close()


def _normal(props: dict[str, Any]) -> dict[str, Any]:
    """Stored properties compared as sets where the store unites lists; an empty list as a missing one."""
    return {k: sorted(v) if isinstance(v, list) else v for k, v in props.items() if v != []}


def snapshot(settings: Settings) -> dict[str, Any]:
    """Every node and relationship as stored (labels or type, properties, ends), the store's views, the schema."""
    nodes = _query(settings, "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props ORDER BY n.id")
    rels = _query(settings, "MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS type, b.id AS b, "
                            "properties(r) AS props ORDER BY a, type, b, r.id")
    store = Neo4jStore(settings)
    try:
        entities = [n.model_dump() for n in store.all_entities()]
        views = [store.get_entity(e["id"]).model_dump() for e in entities]  # type: ignore[union-attr]
        relations = [e.model_dump() for e in store.all_relations()]
        counts = store.counts()
        names = sorted(r["name"] for r in store._read("SHOW INDEXES YIELD name, state WHERE state = 'ONLINE'"))
        hits = [h.model_dump() for h in store.search("邓小平")]
    finally:
        store.close()
    return {"nodes": [(sorted(n["labels"]), _normal(n["props"])) for n in nodes],
            "rels": [(r["a"], r["type"], r["b"], _normal(r["props"])) for r in rels],
            "entities": entities, "relations": relations, "views": views, "counts": counts,
            "indexes": names, "search": hits}


def plain_load(settings: Settings, records: list[Record], review: Path | None) -> None:
    store = Neo4jStore(settings)
    try:
        load_records(records, [store], review_csv=review, texts=_texts(), progress=False)
    finally:
        store.close()


def _texts() -> dict[str, str]:
    texts: dict[str, str] = json.loads((FIXTURES / "mini_graph_docs.json").read_text(encoding="utf-8"))
    return texts


@pytest.mark.neo4j
@pytest.mark.slow
def test_bulk_load_gives_the_graph_of_kg_load(server: Settings, tmp_path: Path) -> None:
    records = corpus()
    review = review_file(records, tmp_path)
    plain_load(server, records, review)
    want = snapshot(server)
    _wipe(server)

    steps: list[str] = []
    stats = bulk_load(read_graph(records, review_csv=review, texts=_texts()), server, home=NEO4J_HOME,
                      step=steps.append)
    got = snapshot(server)
    assert want["counts"]["mentions"] > 0 and want["counts"]["documents"] == 3 and len(want["indexes"]) > 20
    assert any("text" in props for _, props in want["nodes"]) and want["search"]
    assert got == want
    assert stats.stored == want["counts"] and stats.skipped == (1, 1)
    assert any("import" in s for s in steps) and set(stats.seconds) >= {"csv", "import", "start", "schema"}
    assert any(r[1] == "KIN_OF" for r in got["rels"])  # the corrected relation
    assert any(r[3].get("p_reviewed") is True for r in got["rels"])

    # a later `kg load` merges into the imported graph exactly as into a loaded one
    more: list[Record] = [EntityRecord(id=DENG, type="PERSON", name="邓小平", aliases=["小平"], properties={"rank": 4}),
            next(r for r in records if isinstance(r, RelationRecord)).model_copy(update={
                "evidence": [Evidence(doc=FIRST_DOC, start=5, end=9, sentence="再一句。")]})]
    plain_load(server, more, review)
    after_bulk = snapshot(server)
    _wipe(server)
    plain_load(server, records, review)
    plain_load(server, more, review)
    assert after_bulk == snapshot(server)


@pytest.mark.neo4j
def test_bulk_load_refuses_a_database_that_is_not_empty(server: Settings) -> None:
    _query(server, "CREATE (:Entity {id: 'per:1', type: 'PERSON', name: '甲'})")
    with pytest.raises(BulkLoadError, match=r"already holds 1 nodes.*plain `kg load`"):
        bulk_load(BulkGraph().add_all(corpus()), server, home=NEO4J_HOME)
    assert _query(server, "MATCH (n) RETURN count(n) AS n") == [{"n": 1}]


def test_records_kinds_are_counted() -> None:
    graph = read_graph(corpus())
    assert graph.records["entities"] == sum(isinstance(r, EntityRecord) for r in corpus())
    assert graph.records["documents"] == sum(isinstance(r, DocumentRecord) for r in corpus())


def _rows(folder: Path) -> list[str]:
    return sorted(line for path in folder.glob("*.csv") for line in path.read_text(encoding="utf-8").splitlines()[1:])


def test_forked_writer_writes_the_same_rows(tmp_path: Path) -> None:
    from benchmarks.graph_gen import generate

    graph = BulkGraph().add_all(generate(8_000, 16_000, seed=5))
    one = write_import_csv(graph, tmp_path / "one", parallel=False)
    two = write_import_csv(graph, tmp_path / "two", parallel=True)
    assert len(two.nodes) > len(one.nodes) and one.counts == two.counts
    assert _rows(tmp_path / "one") == _rows(tmp_path / "two")
