"""`kg serve` as a real server process on a free loopback port, queried over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_api_support import DENG, build_store_dir, running_server

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
