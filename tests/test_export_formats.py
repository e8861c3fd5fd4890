"""GraphML and neo4j-admin CSV exports; the CSV is imported by the real `neo4j-admin database import full`."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import networkx as nx
import pytest
from lxml import etree

from kg.export_formats import NODE_HEADER, RELATIONSHIP_HEADER, export_graphml, export_neo4j_admin_csv
from kg.models import EntityRecord, RelationRecord, parse_record
from kg.store.rdf_store import OxigraphStore

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parent.parent
NEO4J_LIB = Path(os.environ.get("KG_NEO4J_HOME", ROOT / ".neo4j")) / "lib"


@pytest.fixture
def store(tmp_path: Path) -> OxigraphStore:
    s = OxigraphStore(tmp_path / "oxigraph")
    lines = (FIXTURES / "mini_graph.jsonl").read_text(encoding="utf-8").splitlines()
    s.load([parse_record(json.loads(line)) for line in lines if line.strip()])
    return s


def fixture_counts() -> tuple[int, int]:
    records = [parse_record(json.loads(line)) for line in
               (FIXTURES / "mini_graph.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return (sum(isinstance(r, EntityRecord) for r in records), sum(isinstance(r, RelationRecord) for r in records))


def test_graphml_is_valid_and_loads_in_networkx(store: OxigraphStore, tmp_path: Path) -> None:
    path = tmp_path / "graph.graphml"
    counts = export_graphml(store, path)
    entities, relations = fixture_counts()
    assert counts == {"nodes": entities, "edges": relations}
    root = etree.parse(str(path)).getroot()
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    assert {k.get("attr.name") for k in root.findall("g:key[@for='node']", ns)} == {"type", "name", "aliases", "properties"}
    graph = nx.read_graphml(path)
    assert graph.number_of_nodes() == entities and graph.number_of_edges() == relations
    deng = graph.nodes["per:50ca077f7c23"]
    assert deng["name"] == "邓小平" and deng["aliases"] == "邓先圣;邓希贤" and deng["type"] == "PERSON"
    assert json.loads(deng["properties"]) == {"birth_date": "1904-08-22"}
    spouse = [d for _, _, d in graph.edges(data=True) if d["type"] == "SPOUSE_OF"]
    assert len(spouse) == 1 and spouse[0]["confidence"] == 0.9


def test_neo4j_admin_csv_headers(store: OxigraphStore, tmp_path: Path) -> None:
    counts = export_neo4j_admin_csv(store, tmp_path)
    with (tmp_path / "entities.csv").open(encoding="utf-8") as fh:
        nodes = list(csv.reader(fh))
    with (tmp_path / "relations.csv").open(encoding="utf-8") as fh:
        rels = list(csv.reader(fh))
    assert nodes[0] == NODE_HEADER and rels[0] == RELATIONSHIP_HEADER
    assert {"id:ID", ":LABEL"} <= set(nodes[0]) and {":START_ID", ":END_ID", ":TYPE"} <= set(rels[0])
    assert counts == {"nodes": len(nodes) - 1, "relationships": len(rels) - 1} == dict(
        zip(("nodes", "relationships"), fixture_counts()))
    deng = next(r for r in nodes if r[0] == "per:50ca077f7c23")
    assert deng[1] == "Entity;Person" and deng[4] == "邓先圣;邓希贤"
    ids = {r[0] for r in nodes[1:]}
    assert all(r[0] in ids and r[1] in ids and re.fullmatch(r"[A-Z_]+", r[2]) for r in rels[1:])


def test_neo4j_admin_import_accepts_the_csv(store: OxigraphStore, tmp_path: Path) -> None:
    java = shutil.which("java")
    if not list(NEO4J_LIB.glob("neo4j-import-tool-*.jar")):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("no Neo4j installation in .neo4j/lib; run `bash scripts/neo4j.sh install`", pytrace=False)
        pytest.skip("no Neo4j installation in .neo4j/lib (run `bash scripts/neo4j.sh install`); headers checked above")
    assert java is not None
    export_neo4j_admin_csv(store, tmp_path / "csv")
    home = tmp_path / "home"
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "neo4j.conf").write_text("server.memory.pagecache.size=32m\n", encoding="utf-8")
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    done = subprocess.run(
        [java, "-Xmx512m", "-cp", f"{NEO4J_LIB}/*", "org.neo4j.server.startup.Neo4jAdminCommand",
         "database", "import", "full", f"--nodes={tmp_path / 'csv' / 'entities.csv'}",
         f"--relationships={tmp_path / 'csv' / 'relations.csv'}", "--threads=1", "neo4j"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    entities, relations = fixture_counts()
    assert re.search(rf"Imported:\s*{entities} nodes\s*{relations} relationships", done.stdout), done.stdout[-2000:]


def test_neo4j_store_reads_evidence_and_properties_of_an_admin_import() -> None:
    """A relationship imported from the CSV (JSON columns) reads back as the one the store writes itself."""
    from kg.models import Evidence
    from kg.store.neo4j_rows import edge_view

    evidence = [Evidence(doc="doc:b", start=5, end=9, sentence="邓小平；卓琳"), Evidence(doc="doc:a", start=1, end=2)]
    row = {"id": "rel:1", "type": "SPOUSE_OF", "source": "per:1", "target": "per:2", "confidence": 0.9,
           "component": "x", "properties_json": json.dumps({"since": "1939"}),
           "evidence_json": json.dumps([e.model_dump(exclude_none=True) for e in evidence], ensure_ascii=False)}
    view = edge_view(row)
    assert view.properties == {"since": "1939"}
    assert view.evidence == sorted(evidence, key=lambda e: (e.doc, e.start, e.end))
    native = edge_view({**row, "evidence_json": None, "evidence": [e.model_dump_json() for e in evidence]})
    assert native == view
