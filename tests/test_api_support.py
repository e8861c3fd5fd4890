"""Shared helpers for the API tests: a real on-disk Oxigraph store loaded with the fixture graph.

(Named ``test_api_*`` so it sits with the API tests; it holds no tests itself.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import SecretStr

from api.app import create_app
from api.local_server import free_port, wait_until_healthy
from kg.models import Record, parse_record
from kg.settings import Settings
from kg.store.rdf_store import OxigraphStore

FIXTURES = Path(__file__).parent / "fixtures"
DENG = "per:50ca077f7c23"
ZHUOLIN = "per:aa367ec2fc3d"
FATHER = "per:323bd41c4f68"
MOTHER = "per:df06a026857f"
SON = "per:3227c0b8f439"
VILLAGE = "plc:dd7bbd1098a6"
PROVINCE = "plc:3f3788ad68d3"
MEETING_CHAIR = "per:00fa24b9b8f0"
HOSTILE_IMG = "per:0000000000a1"
HOSTILE_SCRIPT = "per:0000000000a2"


def read_records(path: Path) -> list[Record]:
    with path.open(encoding="utf-8") as handle:
        return [parse_record(json.loads(line)) for line in handle if line.strip()]


def fixture_records(*, hostile: bool = True) -> list[Record]:
    records = read_records(FIXTURES / "mini_graph.jsonl")
    if hostile:
        records += read_records(FIXTURES / "api" / "hostile_names.jsonl")
    return records


def build_store_dir(data_dir: Path, *, hostile: bool = True) -> Path:
    """Load the fixture graph into ``data_dir/oxigraph`` (where ``kg serve`` looks) and close it."""
    docs: dict[str, str] = json.loads((FIXTURES / "mini_graph_docs.json").read_text(encoding="utf-8"))
    store = OxigraphStore(data_dir / "oxigraph")
    store.load(fixture_records(hostile=hostile), documents_text=docs)
    store.close()
    return data_dir / "oxigraph"


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"data_dir": data_dir, "query_timeout_s": 5.0, "query_row_cap": 1000,
                              "max_body_kb": 64, "neo4j_uri": ""}
    for key in ("write_token", "read_token"):
        if key in overrides:
            overrides[key] = SecretStr(overrides[key])
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def make_app(data_dir: Path, **overrides: Any) -> FastAPI:
    """An app over the fixture store in ``data_dir`` (built on first use), opened the way ``kg serve`` opens it."""
    if not (data_dir / "oxigraph").exists():
        build_store_dir(data_dir)
    return create_app(make_settings(data_dir, **overrides))


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response has the one error shape of the API; returns its ``error`` object."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) == {"status", "code", "message", "detail"}, error
    assert error["status"] == status
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error


@contextmanager
def running_server(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """`kg serve` in a child process on a free loopback port over the store in ``data_dir``; yields its base URL."""
    port = free_port()
    full_env = {**os.environ, "KG_DATA_DIR": str(data_dir), "KG_NEO4J_URI": "", "KG_HOST": "127.0.0.1",
                "KG_PORT": str(port), "KG_WRITE_TOKEN": "", "KG_READ_TOKEN": "", "KG_LOG_LEVEL": "WARNING",
                **(env or {})}
    log = (data_dir / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve"], env=full_env, stdout=log,
                               stderr=subprocess.STDOUT, cwd=str(data_dir))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
