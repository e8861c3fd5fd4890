"""The read-only Cypher guard against a real Neo4j: writes refused by every route, timeouts, row caps."""

from __future__ import annotations

import json
from pathlib import Path

import neo4j
import pytest

from kg.models import parse_record
from kg.settings import Settings
from kg.store.cypher_guard import CypherRefused, CypherTimeout, check_lexically, run_readonly_cypher
from kg.store.neo4j_store import Neo4jStore

pytest_plugins = ("neo4j_fixture",)

FIXTURES = Path(__file__).parent / "fixtures"

REFUSED = [
    "CREATE (n:Intruder) RETURN n",
    "MERGE (n:Intruder {id: 1})",
    "MATCH (n) DETACH DELETE n",
    "MATCH (n:Entity) SET n.name = 'x'",
    "MATCH (n:Entity) REMOVE n.name",
    "MATCH (n:Entity) CALL (n) { CREATE (:Intruder) } RETURN count(*)",
    "MATCH (n:Entity) CALL { WITH n CREATE (:Intruder) } RETURN count(*)",
    "FOREACH (x IN [1] | CREATE (:Intruder))",
    "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
    "load\n csv with headers from 'https://example.org/x.csv' AS row RETURN row",
    "CALL dbms.components()",
    "CALL dbms.security.createUser('eve', 'password123', false)",
    "CALL `dbms`.`killQueries`(['1'])",
    "RETURN apoc.version()",
    "CALL apoc.load.json('file:///etc/passwd')",
    "CALL db.createLabel('Intruder')",
    "USE system SHOW USERS",
    "SHOW USERS",
    "CREATE INDEX intruder FOR (n:Intruder) ON (n.x)",
    "MATCH (n) RETURN n; MATCH (m) DETACH DELETE m",
    "MATCH (n RETURN n",
    "",
]


@pytest.fixture
def loaded(neo4j_store: Neo4jStore) -> Neo4jStore:
    lines = (FIXTURES / "mini_graph.jsonl").read_text(encoding="utf-8").splitlines()
    neo4j_store.load([parse_record(json.loads(line)) for line in lines if line.strip()])
    return neo4j_store


@pytest.mark.neo4j
@pytest.mark.parametrize("query", REFUSED)
def test_writes_and_unsafe_calls_are_refused(loaded: Neo4jStore, neo4j_driver: neo4j.Driver,
                                             neo4j_settings: Settings, query: str) -> None:
    before = loaded.counts()
    with pytest.raises(CypherRefused) as refused:
        run_readonly_cypher(neo4j_driver, neo4j_settings.neo4j_database, query, {}, timeout_s=5, row_cap=10)
    assert refused.value.reason
    assert loaded.counts() == before
    assert not loaded._read("MATCH (n:Intruder) RETURN n")


@pytest.mark.neo4j
def test_reads_return_json_values(loaded: Neo4jStore, neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> None:
    columns, rows, truncated = run_readonly_cypher(
        neo4j_driver, neo4j_settings.neo4j_database,
        "MATCH p = (a:Entity {id: $id})-[r:SPOUSE_OF]->(b) RETURN a, r, p, a.name AS name, date('1939-08-01') AS d",
        {"id": "per:50ca077f7c23"}, timeout_s=5, row_cap=10,
    )
    assert columns == ["a", "r", "p", "name", "d"] and not truncated and len(rows) == 1
    node, rel, path, name, day = rows[0]
    assert json.loads(json.dumps(rows)) == rows
    assert node["labels"] == ["Entity", "Person"] and node["properties"]["name"] == name == "邓小平"
    assert rel["type"] == "SPOUSE_OF" and rel["start"] == node["element_id"]
    assert [n["properties"]["name"] for n in path["nodes"]] == ["邓小平", "卓琳"] and day == "1939-08-01"
    _, labels, _ = run_readonly_cypher(neo4j_driver, neo4j_settings.neo4j_database, "CALL db.labels()", None,
                                       timeout_s=5, row_cap=100)
    assert {"Entity", "Person"} <= {row[0] for row in labels}
    _, found, _ = run_readonly_cypher(
        neo4j_driver, neo4j_settings.neo4j_database,
        "CALL db.index.fulltext.queryNodes('entity_names', $q) YIELD node RETURN node.id", {"q": "小平"},
        timeout_s=5, row_cap=100)
    assert ["per:50ca077f7c23"] in found


@pytest.mark.neo4j
def test_row_cap_truncates(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> None:
    columns, rows, truncated = run_readonly_cypher(neo4j_driver, neo4j_settings.neo4j_database,
                                                   "UNWIND range(1, 100000) AS x RETURN x", {}, timeout_s=10, row_cap=25)
    assert columns == ["x"] and truncated and rows == [[i] for i in range(1, 26)]
    _, exact, truncated = run_readonly_cypher(neo4j_driver, neo4j_settings.neo4j_database,
                                              "UNWIND range(1, 25) AS x RETURN x", {}, timeout_s=10, row_cap=25)
    assert len(exact) == 25 and not truncated


@pytest.mark.neo4j
def test_timeout(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> None:
    with pytest.raises(CypherTimeout):
        run_readonly_cypher(neo4j_driver, neo4j_settings.neo4j_database,
                            "UNWIND range(1, 1000000000) AS x WITH x WHERE x % 7 = 10 RETURN count(x)", {},
                            timeout_s=1, row_cap=10)


def test_lexical_checks_ignore_strings_and_comments() -> None:
    check_lexically("RETURN 'LOAD CSV; CALL apoc.x()' AS s // CALL dbms.x()\n")
    check_lexically("/* apoc.nope() */ MATCH (n) WHERE n.name = \"USE system\" RETURN date.truncate('year', date())")
    with pytest.raises(CypherRefused, match="gds.pageRank".lower()):
        check_lexically("RETURN gds.pageRank()")
