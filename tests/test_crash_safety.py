"""Crash safety of the embedded store: `kg load` and `kg build` killed with SIGKILL at random points, then run
again to completion, end in the same graph as a clean run; the store opens after every kill.

The comparison is on the graph's facts: store counts, sorted entity ids and sorted relation ids
(OxigraphStore.all_entities / all_relations). Neo4j restarts mid-load: tests/test_neo4j_restart.py.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg.store.rdf_store import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
KILLS = 5
Facts = tuple[dict[str, int], list[str], list[str]]


def facts(data_dir: Path) -> Facts:
    store = OxigraphStore(data_dir / "oxigraph")
    try:
        return (store.counts(), sorted(e.id for e in store.all_entities()),
                sorted(r.id for r in store.all_relations()))
    finally:
        store.close()


def _env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "KG_DATA_DIR": str(data_dir), "KG_NEO4J_URI": "", "KG_LOG_LEVEL": "WARNING",
            "KG_WORKERS": "1"}


def run_to_completion(args: list[str], data_dir: Path, cwd: Path) -> float:
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "kg.cli", *args], env=_env(data_dir), cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - start


def kill_at(args: list[str], data_dir: Path, cwd: Path, delay_s: float) -> bool:
    """Start the command and SIGKILL it after ``delay_s``; True when it was still running (really killed)."""
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", *args], env=_env(data_dir), cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        process.wait(timeout=delay_s)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return True
    finally:
        if process.stderr is not None:
            process.stderr.close()


def crash_and_recover(args: list[str], data_dir: Path, cwd: Path, clean_seconds: float, seed: int) -> list[float]:
    """Kill the command KILLS times at random moments within a clean run's duration, checking the store opens
    after each kill, then run it to completion. Returns the delays that really interrupted it."""
    rnd = random.Random(seed)
    interrupted: list[float] = []
    for _ in range(KILLS):
        delay = rnd.uniform(0.3, max(0.5, clean_seconds * 0.95))
        if kill_at(args, data_dir, cwd, delay):
            interrupted.append(round(delay, 2))
        if (data_dir / "oxigraph").exists():
            facts(data_dir)  # the embedded store opens (and answers) after a SIGKILL
    run_to_completion(args, data_dir, cwd)
    return interrupted


@pytest.fixture(scope="module")
def big_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few thousand records from benchmarks/graph_gen.py's ``generate`` (run as a module: benchmarks/ is not
    an installed package)."""
    path = tmp_path_factory.mktemp("crash") / "big.jsonl"
    with path.open("wb") as handle:
        subprocess.run([sys.executable, "-m", "benchmarks.graph_gen", "--entities", "1000", "--relations", "2600",
                        "--seed", "7"], stdout=handle, cwd=ROOT, check=True, timeout=120)
    assert sum(1 for line in path.open(encoding="utf-8") if json.loads(line)) > 3000
    return path


def test_kg_load_killed_five_times_ends_like_a_clean_run(big_jsonl: Path, tmp_path: Path) -> None:
    args = ["load", str(big_jsonl), "--no-progress"]
    # kills are timed on the faster of two runs: a first, cold run can outlast every later one
    clean_seconds = min(run_to_completion(args, tmp_path / run, tmp_path) for run in ("cold", "clean"))
    clean = facts(tmp_path / "clean")
    assert clean[0]["entities"] == len(clean[1]) > 900 and clean[0]["relations"] == len(clean[2]) > 2000
    interrupted = crash_and_recover(args, tmp_path / "crashed", tmp_path, clean_seconds, seed=11)
    assert len(interrupted) >= 3, f"only {interrupted} of the kills interrupted a {clean_seconds:.1f} s load"
    assert facts(tmp_path / "crashed") == clean


def test_kg_build_killed_five_times_ends_like_a_clean_run(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("deng-shaochang.txt", "huaying-uprising.txt", "deng-memorial-hall.html"):
        shutil.copy(ROOT / "examples" / name, corpus / name)
    args = ["build", str(corpus), "--workers", "1"]
    # kills are timed on the faster of two runs: a first, cold run can outlast every later one
    clean_seconds = min(run_to_completion(args, tmp_path / run, tmp_path) for run in ("cold", "clean"))
    clean = facts(tmp_path / "clean")
    assert clean[0]["entities"] > 10 and clean[0]["relations"] > 5
    interrupted = crash_and_recover(args, tmp_path / "crashed", tmp_path, clean_seconds, seed=5)
    assert interrupted, f"no kill interrupted a {clean_seconds:.1f} s build"
    assert facts(tmp_path / "crashed") == clean
