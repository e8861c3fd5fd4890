"""Safe output: hostile strings are escaped in reflected pages, error pages and every export format; XML inside
documents is parsed without entity expansion (XXE, billion laughs); the Neo4j password never leaks.

Stored hostile names on the explorer's entity/search/path pages are covered by tests/test_api_explorer.py.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import neo4j
import pytest
from fastapi.testclient import TestClient
from lxml import etree
from rdflib import Graph, Literal
from test_api_support import HOSTILE_IMG, HOSTILE_SCRIPT, build_store_dir, free_port, make_app

from kg.documents import DocumentError, load_document
from kg.export_formats import export_graphml, export_neo4j_admin_csv
from kg.rdf_export import export_rdf
from kg.settings import Settings
from kg.store.rdf_store import OxigraphStore

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(2)</script>"
SECRET = "Neo4j-S3cret-pw-7c1e"
HTML = {"accept": "text/html"}

pytest_plugins = ("neo4j_fixture",)


class TagScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.handlers += [f"{name}={value}" for name, value in attrs if name.startswith("on") and "alert" in (value or "")]
        self.tags += [f"{tag}[{name}]" for name, value in attrs if "alert" in (value or "") and name != "value"]


def assert_inert(page: str) -> None:
    """No injected markup: the hostile strings are not there raw, no <img>, no attribute (other than a form
    field's value) carrying the payload, no event handler running it."""
    assert IMG not in page and SCRIPT not in page and "<script>alert" not in page
    scan = TagScan()
    scan.feed(page)
    assert "img" not in scan.tags and not scan.handlers, (scan.tags, scan.handlers)
    assert not any("[" in tag for tag in scan.tags), scan.tags


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with TestClient(make_app(tmp_path_factory.mktemp("safe")), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("payload", [IMG, SCRIPT, '"><svg onload=alert(3)>', "'-alert(4)-'"])
def test_reflected_input_is_escaped_on_pages_and_error_pages(client: TestClient, payload: str) -> None:
    pages = [
        client.get("/", params={"q": payload}, headers=HTML),
        client.get("/", params={"q": payload, "type": payload[:16]}, headers=HTML),
        client.get(f"/entity/{quote(payload, safe='')}", headers=HTML),  # 404 page quoting the id
        client.get("/path", params={"source": payload, "target": "邓小平"}, headers=HTML),
        client.get("/path", params={"source": "邓小平", "target": payload}, headers=HTML),
        client.get("/", params={"q": payload * 60}, headers=HTML),  # 422 page quoting the input
    ]
    for response in pages:
        assert response.status_code < 500, response.text[:300]
        assert response.headers["content-type"].startswith("text/html"), response.headers["content-type"]
        assert_inert(response.text)
        assert "<svg" not in response.text


def test_json_error_bodies_quote_input_as_json_strings(client: TestClient) -> None:
    response = client.get(f"/api/entities/{quote(IMG, safe='')}")
    assert response.status_code == 404 and response.headers["content-type"].startswith("application/json")
    assert json.loads(response.text)["error"]["detail"]["id"] == IMG
    assert response.headers.get("x-content-type-options", "nosniff") == "nosniff"


def _hostile_store(tmp_path: Path) -> OxigraphStore:
    build_store_dir(tmp_path)
    return OxigraphStore(tmp_path / "oxigraph", read_only=True)


def test_graphml_export_keeps_hostile_names_as_text(tmp_path: Path) -> None:
    store = _hostile_store(tmp_path)
    try:
        counts = export_graphml(store, tmp_path / "g.graphml")
    finally:
        store.close()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.parse(str(tmp_path / "g.graphml"), parser).getroot()
    ns = {"g": root.nsmap[None]}
    assert len(root.findall(".//g:node", ns)) == counts["nodes"] > 5
    names = {n.get("id"): n.findtext("g:data[@key='n_name']", namespaces=ns) for n in root.findall(".//g:node", ns)}
    assert names[HOSTILE_IMG] == IMG and names[HOSTILE_SCRIPT] == SCRIPT
    assert not root.findall(".//img") and not root.findall(".//script")
    raw = (tmp_path / "g.graphml").read_text(encoding="utf-8")
    assert IMG not in raw and SCRIPT not in raw


@pytest.mark.parametrize(("fmt", "rdflib_format"), [("turtle", "turtle"), ("nt", "nt"), ("json-ld", "json-ld")])
def test_rdf_exports_round_trip_hostile_names(tmp_path: Path, fmt: str, rdflib_format: str) -> None:
    store = _hostile_store(tmp_path)
    out = tmp_path / f"g.{fmt}"
    try:
        export_rdf(store, out, fmt)
    finally:
        store.close()
    graph = Graph().parse(str(out), format=rdflib_format)
    literals = {str(o) for o in graph.objects() if isinstance(o, Literal)}
    assert IMG in literals and SCRIPT in literals
    assert any(str(o).startswith("<img src=x onerror=alert(1)>是邓小平的叔父") for o in literals)


def test_neo4j_admin_csv_keeps_hostile_names_in_one_field(tmp_path: Path) -> None:
    store = _hostile_store(tmp_path)
    try:
        export_neo4j_admin_csv(store, tmp_path / "csv")
    finally:
        store.close()
    cells = []
    for path in (tmp_path / "csv").glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert len({len(row) for row in rows}) == 1, path  # quotes/commas in names did not break the columns
        cells += [cell for row in rows for cell in row]
    assert IMG in cells and SCRIPT in cells


# ---------------------------------------------------------------- XML inside documents: no entity expansion

def _docx_with(path: Path, document_xml: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>'))
        archive.writestr("word/document.xml", document_xml)
    return path


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def test_docx_external_entity_is_not_resolved(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("TOP-SECRET-XXE-CONTENT", encoding="utf-8")
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>'
           f"<w:document {W}><w:body><w:p><w:r><w:t>邓小平&xxe;广安</w:t></w:r></w:p></w:body></w:document>")
    path = _docx_with(tmp_path / "xxe.docx", xml)
    try:
        text = load_document(path).text
    except DocumentError as error:
        text = str(error)
    assert "TOP-SECRET-XXE-CONTENT" not in text


def test_docx_billion_laughs_is_refused_or_not_expanded(tmp_path: Path) -> None:
    entities = '<!ENTITY a0 "哈哈哈哈哈哈哈哈哈哈">' + "".join(
        f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE d [{entities}]>'
           f"<w:document {W}><w:body><w:p><w:r><w:t>邓小平&a9;</w:t></w:r></w:p></w:body></w:document>")
    path = _docx_with(tmp_path / "laughs.docx", xml)
    start = time.monotonic()
    try:
        text = load_document(path).text
    except DocumentError as error:
        text = str(error)
    assert time.monotonic() - start < 10
    assert len(text) < 100_000


def test_html_entities_and_doctype_tricks_stay_text(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("TOP-SECRET-HTML-XXE", encoding="utf-8")
    page = (f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]><html><body><p>邓小平&xxe;'
            "&lt;script&gt;广安</p></body></html>")
    path = tmp_path / "p.html"
    path.write_text(page, encoding="utf-8")
    text = load_document(path).text
    assert "TOP-SECRET-HTML-XXE" not in text and "邓小平" in text


# ---------------------------------------------------------------- secrets never shown

def _kg(args: list[str], env_extra: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KG_NEO4J_PASSWORD": SECRET, "KG_DATA_DIR": str(cwd / "data"), **env_extra}
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)


def test_password_not_in_kg_settings_output(tmp_path: Path) -> None:
    done = _kg(["settings"], {}, tmp_path)
    assert done.returncode == 0 and "KG_NEO4J_PASSWORD" in done.stdout
    assert SECRET not in done.stdout + done.stderr


def test_password_not_in_errors_or_debug_logs_when_neo4j_is_unreachable(tmp_path: Path) -> None:
    records = tmp_path / "r.jsonl"
    records.write_text('{"record": "entity", "id": "per:0000000000b1", "type": "PERSON", "name": "邓小平"}\n',
                       encoding="utf-8")
    unreachable = f"bolt://127.0.0.1:{free_port()}"
    for level in ("WARNING", "DEBUG"):
        done = _kg(["load", str(records), "--no-progress"], {"KG_NEO4J_URI": unreachable, "KG_LOG_LEVEL": level},
                   tmp_path)
        assert done.returncode != 0
        assert SECRET not in done.stdout + done.stderr, level


def test_password_not_in_api_bodies_pages_or_stats(tmp_path: Path) -> None:
    app = make_app(tmp_path, neo4j_password=SECRET)
    with TestClient(app, raise_server_exceptions=False) as c:
        bodies = [c.get(url, headers=headers).text for url, headers in (
            ("/api/stats", {}), ("/", HTML), ("/api/entities/nope", {}), ("/cypher", {}), ("/docs", HTML),
            ("/openapi.json", {}), ("/healthz", {}), ("/entity/nope", HTML))]
        bodies.append(c.post("/cypher", json={"query": "RETURN 1"}).text)  # 503 without Neo4j: names the setting
        assert all(SECRET not in body for body in bodies)
    assert SECRET not in repr(app.state.settings) and SECRET not in str(app.state.settings.model_dump())


@pytest.mark.neo4j
def test_password_not_in_wrong_credentials_error(tmp_path: Path, neo4j_settings: Settings,
                                                neo4j_driver: neo4j.Driver) -> None:
    """A real Neo4j (tests/neo4j_fixture.py) refusing SECRET as the password: the error must not echo it."""
    records = tmp_path / "r.jsonl"
    records.write_text('{"record": "entity", "id": "per:0000000000b2", "type": "PERSON", "name": "卓琳"}\n',
                       encoding="utf-8")
    done = _kg(["load", str(records), "--no-progress"],
               {"KG_NEO4J_URI": neo4j_settings.neo4j_uri, "KG_LOG_LEVEL": "DEBUG"}, tmp_path)
    assert done.returncode != 0
    assert SECRET not in done.stdout + done.stderr
