"""A Neo4j server restarted in the middle of `kg load` (stop, then start: 30–45 s without Bolt here) is survived by
the driver's retries (``neo4j_retry_s``), and `kg load` run again after a hard kill of the server mid-load (SIGKILL of
its JVM, and of the load, then start) ends in the graph a clean load gives.

The server is the suite's own (``scripts/neo4j.sh``, home ``KG_NEO4J_HOME`` or ``.neo4j/``, Bolt port from
``KG_NEO4J_URI``); the tests stop and start it and leave it running. The comparison is on the graph in Neo4j: store
counts, sorted entity ids, sorted relation ids, and every 50th entity and relation with all its properties.
Without a server run by ``scripts/neo4j.sh`` the tests are skipped, except under CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import neo4j
import pytest

from kg.settings import Settings
from kg.store.neo4j_store import Neo4jStore

pytest_plugins = ("neo4j_fixture",)
pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
NEO4J_HOME = Path(os.environ.get("KG_NEO4J_HOME", ROOT / ".neo4j"))
SAMPLE_EVERY = 50
Facts = tuple[dict[str, int], list[str], list[str], list[dict[str, Any]], list[dict[str, Any]]]


def _wipe(driver: neo4j.Driver, settings: Settings) -> None:
    # imported late, here and below: pytest_plugins must load neo4j_fixture first (assertion rewriting)
    from neo4j_fixture import _wipe as wipe

    wipe(driver, settings.neo4j_database)


def _server_env(settings: Settings) -> dict[str, str]:
    port = urlparse(settings.neo4j_uri).port or 7687
    return {**os.environ, "KG_NEO4J_HOME": str(NEO4J_HOME), "KG_NEO4J_BOLT_PORT": str(port)}


def neo4j_sh(command: str, settings: Settings) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(ROOT / "scripts" / "neo4j.sh"), command], env=_server_env(settings),
                          capture_output=True, text=True, timeout=300, check=False)


def _start(settings: Settings, driver: neo4j.Driver) -> None:
    """Start the server and wait until the shared driver answers again (which also drops its dead connections)."""
    started = neo4j_sh("start", settings)
    assert started.returncode == 0, f"scripts/neo4j.sh start failed: {started.stderr}"
    deadline = time.monotonic() + 120
    while True:
        try:
            driver.execute_query("RETURN 1", database_=settings.neo4j_database)
            return
        except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired,
                neo4j.exceptions.TransientError):
            assert time.monotonic() < deadline, "Neo4j did not answer within 120 s of `scripts/neo4j.sh start`"
            time.sleep(1)


def _wait_gone(pid: int) -> None:
    """Wait until a killed process is gone (a dying JVM still counts as running for `scripts/neo4j.sh start`)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        assert time.monotonic() < deadline, f"pid {pid} still exists 60 s after SIGKILL"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def server(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> Iterator[Settings]:
    """The suite's server, checked to be the one ``scripts/neo4j.sh`` controls; running again afterwards."""
    status = neo4j_sh("status", neo4j_settings)
    if status.returncode != 0:
        from neo4j_fixture import _unavailable

        _unavailable(f"{neo4j_settings.neo4j_uri} is not run by scripts/neo4j.sh from {NEO4J_HOME} "
                     "(set KG_NEO4J_HOME), so it cannot be restarted")
    yield neo4j_settings
    if neo4j_sh("status", neo4j_settings).returncode != 0:
        _start(neo4j_settings, neo4j_driver)


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 21,000 records (benchmarks/graph_gen.py): a load of 20–40 s on the 2-core test machine."""
    path = tmp_path_factory.mktemp("restart") / "records.jsonl"
    with path.open("wb") as handle:
        subprocess.run([sys.executable, "-m", "benchmarks.graph_gen", "--entities", "6000", "--relations", "15000",
                        "--seed", "7"], stdout=handle, cwd=ROOT, check=True, timeout=120)
    return path


def _load_env(settings: Settings, data_dir: Path) -> dict[str, str]:
    return {**os.environ, "KG_DATA_DIR": str(data_dir), "KG_LOG_LEVEL": "WARNING",
            "KG_NEO4J_URI": settings.neo4j_uri, "KG_NEO4J_USER": settings.neo4j_user,
            "KG_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
            "KG_NEO4J_DATABASE": settings.neo4j_database}


def start_load(records: Path, settings: Settings, data_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "kg.cli", "load", str(records), "--no-progress"],
                            env=_load_env(settings, data_dir), cwd=data_dir.parent, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    _, stderr = process.communicate(timeout=600)
    return process.returncode, stderr


def facts(settings: Settings) -> Facts:
    store = Neo4jStore(settings)
    try:
        entities = sorted((e.model_dump() for e in store.all_entities()), key=lambda e: str(e["id"]))
        relations = sorted((r.model_dump() for r in store.all_relations()), key=lambda r: str(r["id"]))
        return (store.counts(), [e["id"] for e in entities], [r["id"] for r in relations],
                entities[::SAMPLE_EVERY], relations[::SAMPLE_EVERY])
    finally:
        store.close()


@pytest.fixture(scope="module")
def clean(server: Settings, neo4j_driver: neo4j.Driver, records: Path,
          tmp_path_factory: pytest.TempPathFactory) -> tuple[Facts, float]:
    """The graph of an undisturbed load, and how long that load took."""
    _wipe(neo4j_driver, server)
    began = time.monotonic()
    code, stderr = finish(start_load(records, server, tmp_path_factory.mktemp("clean") / "data"))
    assert code == 0, stderr
    graph = facts(server)
    assert graph[0]["entities"] == len(graph[1]) == 6000 and graph[0]["relations"] == len(graph[2]) > 14000
    return graph, time.monotonic() - began


def test_kg_load_survives_a_neo4j_restart(server: Settings, neo4j_driver: neo4j.Driver, records: Path,
                                          clean: tuple[Facts, float], tmp_path: Path) -> None:
    graph, seconds = clean
    _wipe(neo4j_driver, server)
    load = start_load(records, server, tmp_path / "data")
    time.sleep(min(8.0, seconds / 3))
    assert load.poll() is None, f"the load ended before the restart ({seconds:.0f} s clean)"
    stopped = neo4j_sh("stop", server)
    assert stopped.returncode == 0, stopped.stderr
    assert load.poll() is None, "the load ended while the server was stopping"
    _start(server, neo4j_driver)
    code, stderr = finish(load)
    assert code == 0, f"kg load did not survive the restart: {stderr[-2000:]}"
    assert "will be retried" in stderr, "the load never saw the server go away"
    assert facts(server) == graph


def test_kg_load_rerun_after_a_hard_kill_of_neo4j_ends_like_a_clean_load(
        server: Settings, neo4j_driver: neo4j.Driver, records: Path, clean: tuple[Facts, float],
        tmp_path: Path) -> None:
    graph, seconds = clean
    _wipe(neo4j_driver, server)
    load = start_load(records, server, tmp_path / "data")
    time.sleep(min(8.0, seconds / 3))
    assert load.poll() is None, f"the load ended before the kill ({seconds:.0f} s clean)"
    pid = int((NEO4J_HOME / "run" / "neo4j.pid").read_text(encoding="utf-8").strip())
    os.kill(pid, signal.SIGKILL)
    load.kill()  # the load dies with it (waiting out its retries would only repeat the restart test)
    finish(load)
    _wait_gone(pid)
    _start(server, neo4j_driver)
    code, stderr = finish(start_load(records, server, tmp_path / "data"))
    assert code == 0, stderr
    assert facts(server) == graph
