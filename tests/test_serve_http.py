"""`kg serve` as a real server process on a free loopback port, queried over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_api_support import DENG, build_store_dir, running_server

from kg.models import EntityRecord
from kg.store.rdf_store import OxigraphStore

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("serve")
    build_store_dir(data_dir)
    with running_server(data_dir, {"KG_WRITE_TOKEN": "serve-test-token"}) as base:
        yield base


def test_search_entity_and_explorer_over_http(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10.0) as http:
        hits = http.get("/api/search", params={"q": "deng xiaoping"}).json()["hits"]
        assert hits[0]["entity"]["id"] == DENG
        entity = http.get(f"/api/entities/{DENG}").json()
        assert entity["name"] == "邓小平" and entity["relations"]
        page = http.get(f"/entity/{DENG}")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "<mark>" in page.text
        missing = http.get("/api/entities/per:nobody")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_sparql_over_http(server: str) -> None:
    query = f'SELECT ?name WHERE {{ ?e kg:recordId "{DENG}" ; kg:name ?name }}'
    response = httpx.post(f"{server}/sparql", content=query.encode(),
                          headers={"content-type": "application/sparql-query", "accept": "text/csv"}, timeout=30.0)
    assert response.status_code == 200, response.text
    assert response.text.splitlines() == ["name", "邓小平"]


def test_writes_need_the_token_over_http(server: str) -> None:
    assert httpx.post(f"{server}/api/reload", timeout=10.0).status_code == 401
    ok = httpx.post(f"{server}/api/reload", headers={"authorization": "Bearer serve-test-token"}, timeout=30.0)
    assert ok.status_code == 200 and ok.json()["counts"]["entities"] == 19


def test_several_serving_processes_answer_and_reload_together(tmp_path: Path) -> None:
    """`kg serve` with KG_SERVE_WORKERS=2: the indexes are saved next to the store for the workers, and after a
    load and one `POST /api/reload` every process answers from the new data (uvicorn replaces them)."""
    build_store_dir(tmp_path)
    added = EntityRecord(id="per:added-later", type="PERSON", name="后来者", aliases=[])
    with running_server(tmp_path, {"KG_WRITE_TOKEN": "tok", "KG_SERVE_WORKERS": "2"}) as base:
        assert (tmp_path / "oxigraph.indexes").is_file()
        with httpx.Client(base_url=base, timeout=10.0) as http:
            assert all(http.get(f"/api/entities/{DENG}").status_code == 200 for _ in range(10))
            store = OxigraphStore(tmp_path / "oxigraph")
            store.load([added])
            store.close()
            ok = http.post("/api/reload", headers={"authorization": "Bearer tok"})
            assert ok.status_code == 200 and ok.json()["counts"]["entities"] == 20
            deadline, streak = time.monotonic() + 120, 0
            while streak < 30 and time.monotonic() < deadline:  # a new connection each time: any process answers
                try:
                    found = httpx.get(f"{base}/api/entities/{added.id}", timeout=10.0).status_code == 200
                except httpx.TransportError:  # a process being replaced
                    found = False
                streak = streak + 1 if found else 0
                time.sleep(0.05)
            assert streak >= 30, "some serving process still answers from the data before the reload"
