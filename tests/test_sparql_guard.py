"""The read-only SPARQL guard: refusals, formats, row cap, and a real time limit (worker killed)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from rdflib import Graph

from kg.models import EntityRecord, Record, RelationRecord, parse_record
from kg.store.rdf_store import OxigraphStore
from kg.store.sparql_guard import (
    TRUNCATED_HEADER,
    SparqlRefused,
    SparqlTimeout,
    check_query,
    run_readonly_sparql,
)

FIXTURES = Path(__file__).parent / "fixtures"
NAMES = "SELECT ?name WHERE { ?e kg:name ?name } ORDER BY ?name"


def mini_records() -> list[Record]:
    lines = (FIXTURES / "mini_graph.jsonl").read_text(encoding="utf-8").splitlines()
    return [parse_record(json.loads(line)) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphStore]:
    s = OxigraphStore(tmp_path_factory.mktemp("guard") / "oxigraph")
    texts = json.loads((FIXTURES / "mini_graph_docs.json").read_text(encoding="utf-8"))
    s.load(mini_records(), documents_text=texts)
    yield s
    s.close()


@pytest.mark.parametrize(("query", "reason"), [
    ("INSERT DATA { <http://a/s> <http://a/p> <http://a/o> }", "read-only"),
    ("DELETE WHERE { ?s ?p ?o }", "read-only"),
    ("LOAD <http://example.org/data.ttl>", "read-only"),
    ("CLEAR DEFAULT", "read-only"),
    ("DROP ALL", "read-only"),
    ("CREATE GRAPH <http://a/g>", "read-only"),
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * WHERE { ?s ?p ?o . OPTIONAL { SERVICE SILENT <http://x/> { ?s ?q ?r } } }", "SERVICE"),
    ("SELECT * FROM <http://example.org/remote> WHERE { ?s ?p ?o }", "not a graph of this store"),
    ("PREFIX ex: <http://example.org/> SELECT * FROM NAMED ex:g WHERE { GRAPH ?g { ?s ?p ?o } }", "not a graph of this store"),
    ("SELECT * WHERE { ?s ?p ", "syntax error"),
    ("SELECT * WHERE { ?s ?p ?o } # " + "x" * 40000, "bytes"),
])
def test_refused(store: OxigraphStore, query: str, reason: str) -> None:
    with pytest.raises(SparqlRefused, match=reason) as caught:
        run_readonly_sparql(store, query, timeout_s=10)
    assert reason in caught.value.reason


def test_check_query_returns_dataset_iris() -> None:
    assert check_query("PREFIX ex: <http://e/> SELECT * FROM ex:a FROM NAMED <http://e/b> WHERE { ?s ?p ?o }") == [
        "http://e/a", "http://e/b"]
    assert check_query(NAMES) == []


def test_own_graph_is_allowed_in_from(store: OxigraphStore) -> None:
    body, _ = run_readonly_sparql(store, "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/gazetteer-kg/ontology> "
                                         "WHERE { ?s a owl:Class }", timeout_s=10)
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) >= 13


def _names(store: OxigraphStore) -> list[str]:
    return sorted(e.name for e in store.all_entities())


def test_select_json_default(store: OxigraphStore) -> None:
    body, content_type = run_readonly_sparql(store, NAMES, timeout_s=10)
    assert content_type == "application/sparql-results+json"
    data = json.loads(body)
    assert data["head"]["vars"] == ["name"]
    assert [b["name"]["value"] for b in data["results"]["bindings"]] == _names(store)


@pytest.mark.parametrize(("accept", "content_type"), [
    ("text/csv", "text/csv"), ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+xml", "application/sparql-results+xml"), ("tsv", "text/tab-separated-values"),
    ("text/html;q=0.9, text/csv;q=0.5", "text/csv"), ("image/png", "application/sparql-results+json"),
])
def test_select_formats(store: OxigraphStore, accept: str, content_type: str) -> None:
    answer = run_readonly_sparql(store, NAMES, accept=accept, timeout_s=10)
    assert answer.content_type.split(";")[0] == content_type
    text = answer.body.decode("utf-8")
    if content_type == "text/csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["name"] and [r[0] for r in rows[1:]] == _names(store)
    elif content_type == "text/tab-separated-values":
        lines = text.strip().split("\n")
        assert lines[0] == "?name" and len(lines) == len(_names(store)) + 1
    elif content_type.endswith("xml"):
        ns = "{http://www.w3.org/2005/sparql-results#}"
        literals = [el.text for el in ElementTree.fromstring(text).iter(f"{ns}literal")]
        assert literals == _names(store)
    else:
        assert len(json.loads(text)["results"]["bindings"]) == len(_names(store))


@pytest.mark.parametrize(("accept", "fmt"), [
    ("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
])
def test_construct_formats(store: OxigraphStore, accept: str, fmt: str) -> None:
    body, content_type = run_readonly_sparql(
        store, "CONSTRUCT { ?c kg:childOf ?p } WHERE { ?p kg:parentOf ?c }", accept=accept, timeout_s=10)
    assert content_type.split(";")[0] == accept
    graph = Graph().parse(data=body.decode("utf-8"), format=fmt)
    assert len(graph) == 4  # four PARENT_OF relations in the fixture


def test_ask_and_describe(store: OxigraphStore) -> None:
    body, _ = run_readonly_sparql(store, "ASK { ?x kg:name '邓小平' }", timeout_s=10)
    assert json.loads(body)["boolean"] is True
    body, content_type = run_readonly_sparql(store, "DESCRIBE <https://w3id.org/gazetteer-kg/id/per/50ca077f7c23>",
                                             timeout_s=10)
    assert content_type.startswith("text/turtle")
    assert len(Graph().parse(data=body.decode("utf-8"), format="turtle")) >= 8


def test_rows_are_capped_and_flagged(store: OxigraphStore) -> None:
    answer = run_readonly_sparql(store, NAMES, row_cap=5, timeout_s=10)
    assert len(json.loads(answer.body)["results"]["bindings"]) == 5
    assert answer.truncated and answer.headers[TRUNCATED_HEADER] == "rows capped at 5"
    whole = run_readonly_sparql(store, NAMES, row_cap=1000, timeout_s=10)
    assert not whole.truncated and whole.headers == {}
    graph = run_readonly_sparql(store, "CONSTRUCT WHERE { ?s ?p ?o }", row_cap=7, accept="nt", timeout_s=10)
    assert graph.truncated and len(Graph().parse(data=graph.body.decode(), format="nt")) == 7


def test_sees_writes_made_after_earlier_queries(tmp_path: Path) -> None:
    s = OxigraphStore(tmp_path / "ox")
    count = "SELECT (COUNT(?e) AS ?n) WHERE { ?e kg:name ?x }"
    first = json.loads(run_readonly_sparql(s, count, timeout_s=10).body)
    s.load([EntityRecord(id="per:000000000001", type="PERSON", name="甲")])
    second = json.loads(run_readonly_sparql(s.path, count, timeout_s=10).body)
    assert int(first["results"]["bindings"][0]["n"]["value"]) == 0
    assert int(second["results"]["bindings"][0]["n"]["value"]) == 1


def test_missing_store_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="kg load"):
        run_readonly_sparql(tmp_path / "nothing", NAMES)


def test_exponential_path_is_cut_off_and_store_stays_readable(tmp_path: Path) -> None:
    s = OxigraphStore(tmp_path / "chain")
    ids = [f"plc:{i:012x}" for i in range(400)]
    s.load([EntityRecord(id=i, type="PLACE", name=f"地{n}") for n, i in enumerate(ids)]
           + [RelationRecord(type="PART_OF", source=a, target=b) for a, b in itertools.pairwise(ids)])
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?a (kg:partOf|^kg:partOf)*/(kg:partOf|^kg:partOf)* ?b }"
    began = time.perf_counter()
    with pytest.raises(SparqlTimeout, match="1 s"):
        run_readonly_sparql(s, query, timeout_s=1.0)
    elapsed = time.perf_counter() - began
    assert 1.0 <= elapsed < 5.0
    body, _ = run_readonly_sparql(s, "SELECT (COUNT(?e) AS ?n) WHERE { ?e a kg:Place }", timeout_s=10)
    assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == 400
    assert s.counts()["entities"] == 400 and s.get_entity(ids[0]) is not None


def test_warm_worker_overhead_is_small(store: OxigraphStore) -> None:
    run_readonly_sparql(store, "ASK { ?s ?p ?o }", timeout_s=10)
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        run_readonly_sparql(store, "ASK { ?s ?p ?o }", timeout_s=10)
        timings.append(time.perf_counter() - began)
    print(f"warm SPARQL guard round trip: median {sorted(timings)[2] * 1000:.1f} ms")
    assert sorted(timings)[2] < 0.5
