"""Serialised answers of the read-only embedded store are kept until a reload, and only for such a store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from test_api_support import DENG, build_store_dir, make_app, running_server

from api.answers import AnswerCache, is_snapshot
from api.app import create_app
from api.deps import AppState
from kg.models import EntityRecord
from kg.store.rdf_store import OxigraphStore

WRITE = {"authorization": "Bearer w-token-1"}


def test_cache_evicts_least_recently_used_answers_beyond_its_size() -> None:
    cache = AnswerCache(max_bytes=800)
    for n in range(8):
        cache.put(("entity", n), bytes(100))
    assert len(cache) == 8 and cache.size == 800
    assert cache.get(("entity", 0)) == bytes(100)  # 0 is now the most recently used
    cache.put(("entity", 8), bytes(100))
    assert cache.get(("entity", 1)) is None and cache.get(("entity", 0)) is not None
    assert cache.size == 800
    cache.put(("entity", 0), bytes(50))  # replacing an answer counts its new size only
    assert cache.size == 750
    cache.put("huge", bytes(101))  # more than an eighth of the cache: served, not kept
    assert cache.get("huge") is None
    cache.clear()
    assert len(cache) == 0 and cache.size == 0


def test_only_a_read_only_embedded_store_is_a_snapshot(tmp_path: Path) -> None:
    writable = OxigraphStore(tmp_path / "oxigraph")
    writable.close()
    reader = OxigraphStore(tmp_path / "oxigraph", read_only=True)
    try:
        assert is_snapshot(reader) and not is_snapshot(OxigraphStore.__new__(OxigraphStore))
        app = create_app(store=reader)
        state: AppState = app.state.kg
        assert state.answers is not None
    finally:
        reader.close()


def test_answers_stay_those_of_the_snapshot_until_reload(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, write_token="w-token-1")) as c:
        state: AppState = c.app.state.kg  # type: ignore[attr-defined]
        assert state.answers is not None
        urls = [f"/api/entities/{DENG}", f"/api/entities/{DENG}/neighbours", "/api/search?q=邓",
                f"/api/entities/{DENG}/timeline", f"/api/entities/{DENG}/family"]
        first = [c.get(url) for url in urls]
        assert all(r.status_code == 200 for r in first), [r.text for r in first]
        assert len(state.answers) == len(urls)
        again = [c.get(url) for url in urls]
        assert [r.content for r in again] == [r.content for r in first]
        assert all(r.headers["content-type"] == "application/json" for r in again)

        writer = OxigraphStore(tmp_path / "oxigraph")  # what `kg load` does while the server runs
        writer.load([EntityRecord(id=DENG, type="PERSON", name="邓小平", aliases=["邓老爷子"])])
        writer.close()
        assert "邓老爷子" not in c.get(f"/api/entities/{DENG}").json()["aliases"]  # still the snapshot
        assert c.post("/api/reload", headers=WRITE).status_code == 200
        assert len(state.answers) == 0
        assert "邓老爷子" in c.get(f"/api/entities/{DENG}").json()["aliases"]
        assert c.get("/api/search", params={"q": "邓老爷子"}).json()["total"] == 1


def test_errors_are_not_kept_and_a_zero_size_turns_the_cache_off(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path)) as c:
        state: AppState = c.app.state.kg  # type: ignore[attr-defined]
        assert state.answers is not None
        assert c.get("/api/entities/per:000000000000").status_code == 404
        assert len(state.answers) == 0
    with TestClient(make_app(tmp_path, response_cache_mb=0)) as c:
        assert c.app.state.kg.answers is None  # type: ignore[attr-defined]
        assert c.get(f"/api/entities/{DENG}").status_code == 200


def test_load_generator_against_a_real_server_in_both_modes(tmp_path: Path) -> None:
    build_store_dir(tmp_path)
    root = Path(__file__).resolve().parents[1]
    with running_server(tmp_path) as base:
        cached = httpx.get(f"{base}/api/entities/{DENG}").content
        assert httpx.get(f"{base}/api/entities/{DENG}").content == cached
        for extra in ([], ["--distinct", "--max-ids", "50"]):
            out = tmp_path / "load.json"
            done = subprocess.run([sys.executable, "benchmarks/api_load.py", "--base-url", base, "--concurrency", "4",
                                   "--duration", "0.5", "--max-requests", "40", "--json-out", str(out), *extra],
                                  cwd=root, capture_output=True, text=True, timeout=120, check=False)
            assert done.returncode == 0, done.stderr[-2000:]
            results = json.loads(out.read_text(encoding="utf-8"))["results"]
            assert [r["endpoint"] for r in results] == ["search", "entity", "neighbours"]
            for r in results:
                assert r["errors"] == 0 and 0 < r["requests"] <= 40, r
                assert 0 < r["p50_ms"] <= r["p95_ms"] <= r["max_ms"]
