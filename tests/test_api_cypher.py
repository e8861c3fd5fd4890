"""``POST /cypher`` against a real Neo4j server (started by scripts/neo4j.sh; required in CI)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_api_support import DENG, FIXTURES, assert_error, fixture_records, make_settings

from api.app import create_app

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    uri = os.environ.get("KG_NEO4J_URI", "")
    if not uri:
        if os.environ.get("CI") == "true":
            pytest.fail("KG_NEO4J_URI is not set in CI: start Neo4j with scripts/neo4j.sh (scripts/test.sh does)")
        pytest.skip("no Neo4j server: run `bash scripts/neo4j.sh start` and export `bash scripts/neo4j.sh uri`")
    from kg.store.neo4j_store import Neo4jStore

    data_dir: Path = tmp_path_factory.mktemp("cypher")
    settings = make_settings(data_dir, neo4j_uri=uri, neo4j_user=os.environ.get("KG_NEO4J_USER", "neo4j"),
                             neo4j_password=os.environ.get("KG_NEO4J_PASSWORD", ""), query_row_cap=3,
                             query_timeout_s=2.0)
    store = Neo4jStore(settings)
    docs = json.loads((FIXTURES / "mini_graph_docs.json").read_text(encoding="utf-8"))
    store.load(fixture_records(), documents_text=docs)  # idempotent upsert: other data in the database is kept
    with TestClient(create_app(settings, store)) as c:
        yield c


def test_read_query_with_parameters(client: TestClient) -> None:
    response = client.post("/cypher", json={"query": "MATCH (e:Entity {id: $id}) RETURN e.name AS name",
                                            "parameters": {"id": DENG}})
    assert response.status_code == 200, response.text
    assert response.json() == {"columns": ["name"], "rows": [["邓小平"]], "truncated": False}


def test_rest_api_answers_from_neo4j(client: TestClient) -> None:
    assert client.get("/healthz").json()["store"] == "neo4j"
    body = client.get("/api/search", params={"q": "deng xiaoping"}).json()
    assert body["hits"][0]["entity"]["id"] == DENG


def test_row_cap(client: TestClient) -> None:
    body = client.post("/cypher", json={"query": "UNWIND range(1, 10) AS x RETURN x"}).json()
    assert body["rows"] == [[1], [2], [3]] and body["truncated"] is True


@pytest.mark.parametrize("query", [
    "CREATE (n:Evil) RETURN n",
    "MATCH (n) DETACH DELETE n",
    f"MATCH (e:Entity {{id: '{DENG}'}}) SET e.name = 'x' RETURN e",
    "CALL dbms.security.createUser('x', 'y', false)",
])
def test_writes_are_refused(client: TestClient, query: str) -> None:
    assert_error(client.post("/cypher", json={"query": query}), 400, "query_refused")
    still = client.post("/cypher", json={"query": "MATCH (e:Entity {id: $id}) RETURN e.name",
                                         "parameters": {"id": DENG}})
    assert still.json()["rows"] == [["邓小平"]]


def test_invalid_cypher_is_400(client: TestClient) -> None:
    assert_error(client.post("/cypher", json={"query": "MATCH (n RETURN n"}), 400, "query_refused")


def test_time_limit_is_504(client: TestClient) -> None:
    slow = "UNWIND range(1, 1000000000) AS x WITH x WHERE x % 7 = 123456789 RETURN count(x)"
    assert_error(client.post("/cypher", json={"query": slow}), 504, "timeout")
