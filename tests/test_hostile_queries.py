"""Hostile queries against the API: every SPARQL update form on every route, federation and remote datasets,
parser bombs, oversized bodies, injection through REST parameters, hidden Cypher writes, and token checks.

After each attack the graph must be unchanged and the next normal request must be answered correctly.
Basic cases (three update forms, one SERVICE, one 413, one 504) are in tests/test_api_sparql.py and
tests/test_api_errors.py; the guard's unit tests are in tests/test_sparql_guard.py / tests/test_cypher_guard.py.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import neo4j
import pytest
from fastapi.testclient import TestClient
from test_api_support import (
    DENG,
    FIXTURES,
    ZHUOLIN,
    assert_error,
    fixture_records,
    make_app,
    make_settings,
    running_server,
)

from api.app import create_app
from kg.settings import Settings
from kg.store.base import GraphStore

pytest_plugins = ("neo4j_fixture",)

DENG_NAME = f'SELECT ?name WHERE {{ ?e kg:recordId "{DENG}" ; kg:name ?name }}'
SPARQL_Q = {"content-type": "application/sparql-query"}
SPARQL_U = {"content-type": "application/sparql-update"}

UPDATES = [
    "INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }",
    "DELETE DATA { <urn:x:s> <urn:x:p> <urn:x:o> }",
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 'pwned' } WHERE { ?s ?p ?o }",
    "WITH <urn:x:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "INSERT { GRAPH <urn:x:g> { ?s ?p ?o } } WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:9/evil.ttl>",
    "LOAD SILENT <file:///etc/passwd> INTO GRAPH <urn:x:g>",
    "CLEAR ALL", "CLEAR SILENT DEFAULT", "DROP ALL", "DROP GRAPH <urn:x:g>",
    "CREATE GRAPH <urn:x:g>", "ADD DEFAULT TO <urn:x:g>", "MOVE DEFAULT TO <urn:x:g>", "COPY DEFAULT TO <urn:x:g>",
    "PREFIX kg: <https://w3id.org/gazetteer-kg/ontology#>\n# a comment\ndelete where { ?e kg:name ?n }",
    "INSERT DATA { <urn:x:a> <urn:x:b> 1 } ; DELETE WHERE { ?s ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } ; DROP ALL",
]
FEDERATED = [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * where { ?s ?p ?o . filter exists { service <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE SILENT <http://x.invalid/> { ?s ?p ?o } } } }",
    "SELECT * WHERE { BIND(<http://x.invalid/> AS ?e) SERVICE ?e { ?s ?p ?o } }",
    "ASK FROM <http://127.0.0.1:9/remote.ttl> { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "DESCRIBE ?s FROM <http://x.invalid/g> WHERE { ?s ?p ?o }",
]
EXPONENTIAL = ("SELECT (COUNT(*) AS ?n) WHERE { ?a (!<urn:x:a>)*/(!<urn:x:b>)*/(!<urn:x:c>)* ?b . "
               "?b (!<urn:x:d>)*/(!<urn:x:e>)* ?c . ?c (!<urn:x:f>)* ?d . ?x ?y ?z }")
# REST parameters that try to break out of a SPARQL/Cypher string or IRI, or are just hostile bytes
INJECTIONS = [
    f'{DENG}" }} UNION {{ ?s ?p ?o', f"{DENG}'}}) DETACH DELETE n //", "per:a> . ?s ?p ?o . <x", "per:x'\"}{",
    '"}; DROP ALL; #', "per:\x00", "per:%00", "per:\u202e\u0000\ufeff", "per:" + "邓" * 199, "x" * 5000,
    "per:../../etc/passwd", "per:${jndi:ldap://x}", "MATCH (n) DETACH DELETE n", "?s ?p ?o",
]


def snapshot(store: GraphStore) -> tuple[dict[str, int], list[str], list[str]]:
    """The graph's facts: counts, sorted entity ids, sorted relation ids."""
    return (store.counts(), sorted(e.id for e in store.all_entities()),
            sorted(r.id for r in store.all_relations()))


def assert_healthy(client: TestClient | httpx.Client) -> None:
    """The next normal request is answered correctly."""
    response = client.get("/sparql", params={"query": DENG_NAME})
    assert response.status_code == 200, response.text
    assert [b["name"]["value"] for b in response.json()["results"]["bindings"]] == ["邓小平"]
    assert client.get(f"/api/entities/{DENG}").json()["name"] == "邓小平"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = make_app(tmp_path_factory.mktemp("hostile"), query_timeout_s=3.0, max_body_kb=64)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def before(client: TestClient) -> tuple[dict[str, int], list[str], list[str]]:
    facts = snapshot(client.app.state.kg.store)  # type: ignore[attr-defined]
    assert facts[0]["entities"] > 5 and facts[1] and facts[2]
    return facts


def _unchanged(client: TestClient, before: tuple[dict[str, int], list[str], list[str]]) -> None:
    assert snapshot(client.app.state.kg.store) == before  # type: ignore[attr-defined]
    assert_healthy(client)


@pytest.mark.parametrize("update", UPDATES)
def test_every_update_form_is_refused_on_every_route(client: TestClient, before: Any, update: str) -> None:
    for response in (
        client.get("/sparql", params={"query": update}),
        client.get("/sparql", params={"update": update}),
        client.post("/sparql", content=update.encode(), headers=SPARQL_Q),
        client.post("/sparql", content=update.encode(), headers=SPARQL_U),
        client.post("/sparql", data={"query": update}),
        client.post("/sparql", data={"update": update}),
        client.post("/sparql", data={"query": DENG_NAME, "update": update}),
    ):
        error = assert_error(response, 400)
        assert error["code"] in ("update_refused", "query_refused"), error
    _unchanged(client, before)


@pytest.mark.parametrize("query", FEDERATED)
def test_federation_and_remote_datasets_are_refused(client: TestClient, before: Any, query: str) -> None:
    error = assert_error(client.get("/sparql", params={"query": query}), 400, "query_refused")
    assert "SERVICE" in error["message"] or "not a graph of this store" in error["message"], error
    assert_error(client.post("/sparql", content=query.encode(), headers=SPARQL_Q), 400, "query_refused")
    _unchanged(client, before)


def test_exponential_property_path_is_cut_by_the_time_limit(client: TestClient, before: Any) -> None:
    error = assert_error(client.get("/sparql", params={"query": EXPONENTIAL}), 504, "timeout")
    assert "time limit" in error["message"]
    _unchanged(client, before)


@pytest.mark.parametrize("depth", [10, 30])
def test_moderately_nested_groups_are_answered(client: TestClient, depth: int) -> None:
    query = "SELECT ?name WHERE " + "{ " * depth + f'?e kg:recordId "{DENG}" ; kg:name ?name' + " }" * depth
    response = client.post("/sparql", content=query.encode(), headers=SPARQL_Q)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{ " * 60 + "?s ?p ?o" + " }" * 60,
    "SELECT * WHERE " + "{ " * 5000 + "?s ?p ?o" + " }" * 5000,
    "SELECT * WHERE { ?s " + "(" * 300 + "<urn:x:p>" + ")*" * 300 + " ?o }",
    "ASK { FILTER(" + "(" * 2000 + "1" + ")" * 2000 + ") }",
], ids=["groups60", "groups5000", "paths300", "parens2000"])
def test_parser_bombs_are_400_not_500(client: TestClient, before: Any, query: str) -> None:
    response = client.post("/sparql", content=query.encode(), headers=SPARQL_Q)
    assert_error(response, 400, "query_refused")
    _unchanged(client, before)


def test_parser_bombs_leave_the_server_answering(client: TestClient, before: Any) -> None:
    """Whatever status a parser bomb gets today, it must not take the endpoint down or change the graph."""
    for depth in (60, 5000):
        query = "SELECT * WHERE " + "{ " * depth + "?s ?p ?o" + " }" * depth
        response = client.post("/sparql", content=query.encode(), headers=SPARQL_Q)
        assert response.status_code in (400, 500)
        assert response.json()["error"]["status"] == response.status_code
    _unchanged(client, before)


def _chunks(total: int) -> Iterator[bytes]:
    for _ in range(total // 4096):
        yield b"#" * 4096


@pytest.mark.parametrize(("method", "path", "headers"), [
    ("POST", "/sparql", SPARQL_Q),
    ("POST", "/sparql", {"content-type": "application/x-www-form-urlencoded"}),
    ("POST", "/cypher", {"content-type": "application/json"}),
    ("POST", "/api/review", {"content-type": "application/json"}),
    ("PUT", "/api/search", {"content-type": "application/json"}),
])
def test_oversized_bodies_are_413_with_and_without_length(client: TestClient, before: Any, method: str, path: str,
                                                          headers: dict[str, str]) -> None:
    big = b"x" * (65 * 1024)
    assert_error(client.request(method, path, content=big, headers=headers), 413)
    streamed = client.request(method, path, content=_chunks(128 * 1024), headers=headers)  # chunked, no length
    assert_error(streamed, 413)
    lying = client.request(method, path, content=big, headers={**headers, "content-length": "10"})
    assert lying.status_code < 500
    _unchanged(client, before)


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_through_rest_parameters_is_4xx_and_changes_nothing(client: TestClient, before: Any,
                                                                        value: str) -> None:
    quoted = quote(value, safe="")
    for url in (f"/api/entities/{quoted}", f"/api/entities/{quoted}/neighbours",
                f"/api/entities/{quoted}/timeline", f"/api/entities/{quoted}/family", f"/entity/{quoted}"):
        response = client.get(url)
        assert 400 <= response.status_code < 500, (url, response.status_code, response.text[:200])
    for path, params in (("/api/paths", {"source": value, "target": DENG}), ("/api/paths", {"source": DENG,
                         "target": value}), ("/api/story", {"ids": f"{DENG},{value}"}),
                         ("/api/entities/" + DENG + "/neighbours", {"relation": value}),
                         ("/api/entities/" + DENG + "/neighbours", {"type": value})):
        response = client.get(path, params=params)
        assert 400 <= response.status_code < 500, (path, params, response.status_code, response.text[:200])
    search = client.get("/api/search", params={"q": value})
    assert search.status_code in (200, 422), search.text[:200]
    if search.status_code == 200:
        assert all(hit["entity"]["id"] in before[1] for hit in search.json()["hits"])
    page = client.get("/search", params={"q": value[:200]})
    assert page.status_code < 500
    _unchanged(client, before)


def test_injected_id_never_matches_a_real_entity(client: TestClient) -> None:
    """A quote-breaking suffix on a real id must not turn into a query that returns that entity (or all)."""
    for value in (f'{DENG}" || true || "', f"{DENG}> ?p ?o . ?s <x", f"{DENG}' OR '1'='1"):
        assert_error(client.get(f"/api/entities/{quote(value, safe='')}"), 404)
    story = client.get("/api/story", params={"ids": f'{ZHUOLIN}" }} ?s ?p ?o {{ "'})
    assert_error(story, 404)


# ---------------------------------------------------------------- tokens (adds to tests/test_api_write.py)

def test_write_tokens_are_not_accepted_in_other_places(tmp_path: Path) -> None:
    token = "w-secret-7"
    with TestClient(make_app(tmp_path, write_token=token, read_token="r-secret-7")) as c:
        reload = "/api/reload"
        assert_error(c.post(reload, headers={"authorization": "Bearer r-secret-7"}), 401)  # read token cannot write
        assert_error(c.post(reload, headers={"authorization": f"Basic {token}"}), 401)
        assert_error(c.post(reload, headers={"authorization": f"Bearer {token}x"}), 401)
        assert_error(c.post(reload, headers={"authorization": f"Bearer {token[:-1]}"}), 401)
        assert_error(c.post(reload, headers={"authorization": "Bearer "}), 401)
        assert_error(c.post(f"{reload}?token={token}&access_token={token}"), 401)
        c.cookies.set("kg_read_token", token)
        assert_error(c.post(reload), 401)  # the explorer cookie never authorises a write
        c.cookies.clear()
        assert_error(c.post("/cypher", json={"query": "RETURN 1"}), 401)  # reads need the read token too
        assert_error(c.get("/api/stats"), 401)
        assert c.post(reload, headers={"authorization": f"bearer {token}"}).status_code == 200


def test_writes_are_403_without_a_configured_token_whatever_is_sent(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path)) as c:
        for headers in ({}, {"authorization": "Bearer "}, {"authorization": "Bearer anything"}):
            assert_error(c.post("/api/reload", headers=headers), 403)
            assert_error(c.post("/api/review", json={"relation_id": "rel:x", "decision": "accept"},
                                headers=headers), 403)
        assert not (tmp_path / "review.csv").exists()


# ---------------------------------------------------------------- over real HTTP (`kg serve` in a child process)

def test_hostile_requests_over_http_leave_the_server_answering(tmp_path: Path) -> None:
    make_app(tmp_path)  # builds the fixture store in tmp_path/oxigraph
    with running_server(tmp_path, {"KG_QUERY_TIMEOUT_S": "3", "KG_MAX_BODY_KB": "64"}) as base, \
            httpx.Client(base_url=base, timeout=30, follow_redirects=True) as http:
        stats = http.get("/api/stats").json()["counts"]
        for update in UPDATES[:6] + ["LOAD <file:///etc/passwd>", "CLEAR ALL"]:
            assert http.get("/sparql", params={"query": update}).status_code == 400
            assert http.post("/sparql", data={"update": update}).status_code == 400
            assert http.post("/sparql", content=update.encode(), headers=SPARQL_U).status_code == 400
        for query in FEDERATED:
            assert http.get("/sparql", params={"query": query}).status_code == 400
        assert http.get("/sparql", params={"query": EXPONENTIAL}).status_code == 504
        assert http.post("/sparql", content=b"#" * (65 * 1024), headers=SPARQL_Q).status_code == 413
        deep = "SELECT * WHERE " + "{ " * 5000 + "?s ?p ?o" + " }" * 5000
        # on its own connection: today this is a 500, after which uvicorn drops the keep-alive connection
        assert httpx.post(f"{base}/sparql", content=deep.encode(), headers=SPARQL_Q).status_code in (400, 500)
        for value in INJECTIONS:
            assert 400 <= http.get(f"/api/entities/{quote(value, safe='')}").status_code < 500
        raw = http.get("/api/entities/per:%00%27%22%7D").status_code  # raw percent-encoded NUL and quotes
        assert 400 <= raw < 500
        assert_healthy(http)
        assert http.get("/api/stats").json()["counts"] == stats


async def _burst(base: str, query: str, n: int) -> list[int | str]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        answers = await asyncio.gather(*(http.get("/sparql", params={"query": query}) for _ in range(n)),
                                       return_exceptions=True)
    return [a.status_code if isinstance(a, httpx.Response) else type(a).__name__ for a in answers]


def test_concurrent_first_sparql_queries_on_a_fresh_server_all_succeed(tmp_path: Path) -> None:
    make_app(tmp_path)
    with running_server(tmp_path) as base:
        statuses = [status for _ in range(2) for status in asyncio.run(_burst(base, DENG_NAME, 20))]
        assert statuses == [200] * 40, statuses
        assert httpx.get(f"{base}/sparql", params={"query": DENG_NAME}).status_code == 200


# ---------------------------------------------------------------- Cypher (real Neo4j via tests/neo4j_fixture.py)

HIDDEN_CYPHER_WRITES = [
    "CALL { MATCH (n:Entity) DETACH DELETE n } RETURN 1",
    "MATCH (n:Entity) WITH n LIMIT 1 CALL { WITH n SET n.name = 'pwned' } RETURN 1",
    "UNWIND [1] AS x CALL (x) { MERGE (:Intruder {x: x}) } RETURN x",
    "/* harmless */ MATCH (n) RETURN n // \n ; CREATE (:Intruder)",
    "EXPLAIN CREATE (:Intruder)",
    "PROFILE MATCH (n:Entity) DETACH DELETE n",
    "LoAd CsV FROM 'http://127.0.0.1:9/x.csv' AS row CREATE (:Intruder {r: row})",
    "CALL apoc.cypher.runWrite('CREATE (:Intruder)', {})",
    "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {})",
    "RETURN apoc.cypher.runFirstColumnSingle('MATCH (n) DETACH DELETE n RETURN 1', {})",
    "CALL dbms.setConfigValue('db.logs.query.enabled', 'OFF')",
    "CALL `db`.`clearQueryCaches`()",
    "CALL db . createProperty('x')",
    "CALL db.index.fulltext.createNodeIndex('x', ['Entity'], ['name'])",
    "MATCH (n:Entity) FOREACH (m IN [n] | SET m.name = 'pwned')",
    "CREATE CONSTRAINT intruder FOR (n:Intruder) REQUIRE n.x IS UNIQUE",
    "DROP INDEX intruder IF EXISTS",
    "STOP DATABASE neo4j",
    "MATCH (n:Entity) CALL { WITH n DELETE n } IN TRANSACTIONS OF 1 ROWS RETURN 1",
]


@pytest.fixture
def cypher_client(neo4j_settings: Settings, neo4j_driver: neo4j.Driver, tmp_path: Path) -> Iterator[TestClient]:
    """An app over the fixture graph in the real Neo4j (``neo4j_driver`` waits for the server, or skips/fails)."""
    from kg.store.neo4j_store import Neo4jStore

    settings = make_settings(tmp_path, neo4j_uri=neo4j_settings.neo4j_uri, neo4j_user=neo4j_settings.neo4j_user,
                             neo4j_password=neo4j_settings.neo4j_password.get_secret_value(),
                             neo4j_database=neo4j_settings.neo4j_database, query_timeout_s=3.0)
    store = Neo4jStore(settings)
    docs = json.loads((FIXTURES / "mini_graph_docs.json").read_text(encoding="utf-8"))
    store.load(fixture_records(), documents_text=docs)
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.neo4j
def test_hidden_cypher_writes_are_refused_and_change_nothing(cypher_client: TestClient) -> None:
    store = cypher_client.app.state.kg.store  # type: ignore[attr-defined]
    before = snapshot(store)
    for query in HIDDEN_CYPHER_WRITES:
        response = cypher_client.post("/cypher", json={"query": query})
        assert response.status_code == 400, (query, response.status_code, response.text[:300])
    for value in INJECTIONS[:6]:
        response = cypher_client.post("/cypher", json={"query": "MATCH (n:Entity {id: $id}) RETURN n.name",
                                                       "parameters": {"id": value}})
        assert response.status_code == 200 and response.json()["rows"] == [], value
    assert snapshot(store) == before
    ok = cypher_client.post("/cypher", json={"query": "MATCH (n:Entity {id: $id}) RETURN n.name AS name",
                                             "parameters": {"id": DENG}})
    assert ok.status_code == 200 and ok.json()["rows"] == [["邓小平"]], ok.text
