"""SPARQL 1.1 Protocol endpoint (GET, POST direct, POST form), negotiation, refusals, limits; context and ontology."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from test_api_support import DENG, assert_error, make_app

NAMES = "SELECT ?name WHERE { ?e kg:recordId ?id ; kg:name ?name } ORDER BY ?name"
DENG_NAME = f'SELECT ?name WHERE {{ ?e kg:recordId "{DENG}" ; kg:name ?name }}'
CONSTRUCT = f'CONSTRUCT {{ ?e kg:name ?name }} WHERE {{ ?e kg:recordId "{DENG}" ; kg:name ?name }}'


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data_dir: Path = tmp_path_factory.mktemp("sparql")
    with TestClient(make_app(data_dir, query_row_cap=5, max_body_kb=8)) as c:
        yield c


def _names(response_json: dict[str, Any]) -> list[str]:
    return [b["name"]["value"] for b in response_json["results"]["bindings"]]


def test_get_query_returns_sparql_json(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": DENG_NAME})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert _names(response.json()) == ["邓小平"]


def test_post_direct_and_form_give_the_same_answer(client: TestClient) -> None:
    direct = client.post("/sparql", content=DENG_NAME.encode(), headers={"content-type": "application/sparql-query"})
    form = client.post("/sparql", data={"query": DENG_NAME})
    assert direct.status_code == form.status_code == 200, (direct.text, form.text)
    assert _names(direct.json()) == _names(form.json()) == ["邓小平"]


@pytest.mark.parametrize(("accept", "expected"), [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/html;q=0.9, text/csv;q=0.5", "text/csv"),
    ("application/json", "application/sparql-results+json"),
])
def test_select_content_negotiation(client: TestClient, accept: str, expected: str) -> None:
    response = client.get("/sparql", params={"query": DENG_NAME}, headers={"accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(expected)
    assert "邓小平" in response.text


def test_csv_parses_to_rows(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": DENG_NAME, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [["name"], ["邓小平"]]


@pytest.mark.parametrize(("how", "expected", "rdflib_format"), [
    ({"headers": {"accept": "text/turtle"}}, "text/turtle", "turtle"),
    ({"params": {"format": "nt"}}, "application/n-triples", "nt"),
    ({"headers": {"accept": "application/ld+json"}}, "application/ld+json", "json-ld"),
])
def test_construct_negotiation_parses_as_rdf(client: TestClient, how: dict[str, dict[str, str]], expected: str,
                                             rdflib_format: str) -> None:
    params = {"query": CONSTRUCT, **how.get("params", {})}
    response = client.get("/sparql", params=params, headers=how.get("headers", {}))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(expected)
    graph = Graph().parse(data=response.text, format=rdflib_format)
    assert {str(o) for o in graph.objects()} == {"邓小平"}


def test_row_cap_truncates_and_says_so(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": NAMES})
    assert response.status_code == 200
    assert len(_names(response.json())) == 5
    assert "x-kg-truncated" in response.headers


def test_ask_query(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": f'ASK {{ ?e kg:recordId "{DENG}" }}'})
    assert response.json()["boolean"] is True


@pytest.mark.parametrize("update", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "CLEAR ALL",
])
def test_updates_are_refused_everywhere(client: TestClient, update: str) -> None:
    assert_error(client.get("/sparql", params={"query": update}), 400)
    assert_error(client.post("/sparql", content=update.encode(),
                             headers={"content-type": "application/sparql-query"}), 400)
    assert_error(client.post("/sparql", data={"update": update}), 400, "update_refused")
    assert_error(client.post("/sparql", content=update.encode(),
                             headers={"content-type": "application/sparql-update"}), 400, "update_refused")
    assert_error(client.get("/sparql", params={"update": update}), 400, "update_refused")
    # the data did not change
    still = client.get("/sparql", params={"query": DENG_NAME})
    assert _names(still.json()) == ["邓小平"]


def test_missing_and_malformed_queries_are_400(client: TestClient) -> None:
    assert_error(client.get("/sparql"), 400, "missing_query")
    assert_error(client.post("/sparql", content=b"format=json",
                             headers={"content-type": "application/x-www-form-urlencoded"}), 400, "missing_query")
    error = assert_error(client.get("/sparql", params={"query": "SELEKT ?x WHERE {"}), 400, "query_refused")
    assert "syntax" in error["message"].lower()
    assert_error(client.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }"}),
                 400, "query_refused")


def test_unsupported_format_and_media_types(client: TestClient) -> None:
    assert_error(client.get("/sparql", params={"query": DENG_NAME, "format": "pdf"}), 400)
    assert_error(client.get("/sparql", params={"query": DENG_NAME}, headers={"accept": "image/png"}), 406)
    assert_error(client.post("/sparql", content=b"{}", headers={"content-type": "application/json"}), 415)


def test_body_size_limit_is_413(client: TestClient) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } # " + "x" * (9 * 1024)
    error = assert_error(client.post("/sparql", content=big.encode(),
                                     headers={"content-type": "application/sparql-query"}), 413)
    assert "KG_MAX_BODY_KB" in error["message"]
    assert_error(client.get("/sparql", params={"query": big}), 413)


def test_time_limit_is_504(tmp_path: Path) -> None:
    slow = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }")
    with TestClient(make_app(tmp_path, query_timeout_s=3.0)) as c:
        error = assert_error(c.get("/sparql", params={"query": slow}), 504, "timeout")
        assert "time limit" in error["message"]
        # the endpoint still answers after a killed query
        assert _names(c.get("/sparql", params={"query": DENG_NAME}).json()) == ["邓小平"]


def test_context_and_ontology_are_served(client: TestClient) -> None:
    context = client.get("/context.jsonld")
    assert context.status_code == 200
    assert context.headers["content-type"].startswith("application/ld+json")
    assert "@context" in json.loads(context.text)
    onto = client.get("/ontology")
    assert onto.status_code == 200 and onto.headers["content-type"].startswith("text/turtle")
    assert len(Graph().parse(data=onto.text, format="turtle")) > 10
