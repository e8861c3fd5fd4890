"""The server-rendered explorer: pages, highlighted evidence, local assets only, and escaping of hostile names."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_api_support import DENG, FATHER, HOSTILE_IMG, HOSTILE_SCRIPT, SON, make_app

from api.explorer.highlight import Segment, segments

HOSTILE = ("<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>", "</script><script>alert(2)</script>")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data_dir: Path = tmp_path_factory.mktemp("explorer")
    with TestClient(make_app(data_dir)) as c:
        yield c


class _Scan(HTMLParser):
    """Collects tags, script bodies and external references of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def _scan(html: str) -> _Scan:
    scan = _Scan()
    scan.feed(html)
    return scan


def test_search_page_lists_hits(client: TestClient) -> None:
    page = client.get("/", params={"q": "deng xiaoping"}).text
    assert f'href="/entity/{DENG.replace(":", "%3A")}"' in page or f'href="/entity/{DENG}"' in page
    assert "邓小平" in page
    empty = client.get("/", params={"q": "查无此人"}).text
    assert 'id="results-empty"' in empty
    home = client.get("/").text
    assert "19 个实体" in home


def test_entity_page_has_network_evidence_timeline_family(client: TestClient) -> None:
    response = client.get(f"/entity/{DENG}")
    assert response.status_code == 200
    page = response.text
    scan = _scan(page)
    data = json.loads(next(s for s in scan.scripts if '"nodes"' in s))
    assert data["root"] == DENG
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    assert labels[DENG] == "邓小平" and labels[FATHER] == "邓绍昌"
    colours = {n["id"]: n["color"] for n in data["nodes"]}
    assert colours[DENG] == data["colours"]["PERSON"] and colours[DENG] != colours["evt:13e2a40fa6db"]
    assert {(e["from"], e["to"]) for e in data["edges"]} >= {(FATHER, DENG), (DENG, SON)}
    assert "<mark>邓小平</mark>与<mark>卓琳</mark>在延安结婚" in page
    assert 'id="timeline"' in page and "1904-08-22" in page
    assert 'id="family"' in page and "邓朴方" in page


def test_pages_load_nothing_from_other_hosts(client: TestClient) -> None:
    for url in ("/", f"/entity/{DENG}", "/path"):
        for tag, attrs in _scan(client.get(url).text).tags:
            for attr in ("src", "href"):
                value = attrs.get(attr) or ""
                assert not re.match(r"^(https?:)?//", value), (url, tag, value)
    assert client.get("/vendor/vis/vis-network.min.js").status_code == 200
    assert client.get("/static/explorer.js").status_code == 200
    assert client.get("/static/explorer.css").status_code == 200


@pytest.mark.parametrize("entity_id", [HOSTILE_IMG, HOSTILE_SCRIPT, DENG])
def test_hostile_names_are_escaped_everywhere(client: TestClient, entity_id: str) -> None:
    page = client.get(f"/entity/{entity_id}").text
    for hostile in HOSTILE:
        assert hostile not in page
    scan = _scan(page)
    assert not any(tag == "img" for tag, _ in scan.tags)
    scripts = [attrs for tag, attrs in scan.tags if tag == "script"]
    assert len(scripts) == 3  # vis-network, the JSON data island, explorer.js: nothing injected
    data_island = next(s for s in scan.scripts if '"nodes"' in s)
    assert "</" not in data_island and "<" not in data_island
    names = {n["label"] for n in json.loads(data_island)["nodes"]}
    assert "<img src=x onerror=alert(1)>" in names  # shown as text, decoded only by JSON.parse


def test_hostile_names_in_search_and_path_pages(client: TestClient) -> None:
    for page in (client.get("/", params={"q": "<img src=x onerror=alert(1)>"}).text,
                 client.get("/", params={"q": "script"}).text,
                 client.get("/path", params={"source": HOSTILE_SCRIPT, "target": DENG}).text):
        for hostile in HOSTILE:
            assert hostile not in page
        assert not any(tag == "img" for tag, _ in _scan(page).tags)
    path_page = client.get("/path", params={"source": HOSTILE_SCRIPT, "target": DENG}).text
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in path_page


def test_path_page_resolves_names_and_shows_hops(client: TestClient) -> None:
    page = client.get("/path", params={"source": "邓绍昌", "target": "邓朴方"}).text
    assert 'id="paths"' in page
    assert "<mark>邓朴方</mark>" in page
    missing = client.get("/path", params={"source": "查无此人", "target": "邓朴方"}).text
    assert "找不到起点" in missing


def test_highlight_segments_merge_overlaps() -> None:
    assert segments("邓小平与卓琳", [(0, 3), (1, 2), (4, 6)]) == [
        Segment("邓小平", True), Segment("与", False), Segment("卓琳", True)]
    assert segments("abc", []) == [Segment("abc", False)]
    assert segments("abc", [(2, 9)]) == [Segment("abc", False)]  # out-of-range spans are ignored
