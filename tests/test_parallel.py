"""Parallel and distributed extraction give exactly the records of a single-process run.

The corpus is made in the test from ``examples/``: the example documents, two edited variants
(one in a sub-folder), an image saved as ``.txt`` and a path that does not exist. Every mode must
produce the same JSON lines in the same order, resolve a person mentioned in several documents
to one id, and report the same bad files through ``on_error``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.documents import DocumentError
from kg.extract import extract_paths, pipeline_version
from kg.loading import open_stores
from kg.models import Record
from kg.parallel import extract_paths_dask, extract_paths_parallel
from kg.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PERSON = "邓小平"

Run = tuple[list[str], list[tuple[str, str]]]
"""(records as JSON lines, bad files as (path, reason))."""


def make_corpus(folder: Path) -> list[Path]:
    """Example documents, two variants, one bad file; returns the inputs to pass (incl. a missing path)."""
    folder.mkdir(parents=True)
    for path in sorted(EXAMPLES.iterdir()):
        if path.suffix in (".txt", ".html"):
            shutil.copy(path, folder / path.name)
    bio = (EXAMPLES / "deng-xiaoping-biography.txt").read_text(encoding="utf-8")
    (folder / "deng-xiaoping-biography-2.txt").write_text(
        bio + "\n1997年2月19日，邓小平在北京逝世。\n", encoding="utf-8")
    (folder / "more").mkdir()
    zhuo = (EXAMPLES / "zhuo-lin.txt").read_text(encoding="utf-8")
    (folder / "more" / "zhuo-lin-notes.txt").write_text(
        "卓琳是邓小平的夫人。\n" + zhuo, encoding="utf-8")
    (folder / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    return [folder, folder / "missing.txt"]


def as_lines(records: Iterable[Record]) -> list[str]:
    return [json.dumps(r.model_dump(exclude_none=True), ensure_ascii=False, sort_keys=True) for r in records]


def collect(stream: Callable[[Callable[[DocumentError], None]], Iterator[Record]]) -> Run:
    errors: list[tuple[str, str]] = []
    lines = as_lines(stream(lambda e: errors.append((e.path, e.reason))))
    return lines, errors


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return make_corpus(tmp_path_factory.mktemp("parallel") / "corpus")


@pytest.fixture(scope="module")
def single(inputs: list[Path]) -> Run:
    return collect(lambda on_error: extract_paths(inputs, on_error=on_error))


def check_run(run: Run, reference: Run) -> None:
    lines, errors = run
    ref_lines, ref_errors = reference
    assert len(lines) == len(ref_lines)
    assert lines == ref_lines
    assert errors == ref_errors


def test_single_process_reference_is_meaningful(single: Run, inputs: list[Path]) -> None:
    lines, errors = single
    records = [json.loads(line) for line in lines]
    documents = [r for r in records if r["record"] == "document"]
    assert len(documents) == 15  # 13 examples + 2 variants; the broken and the missing file are skipped
    assert {Path(p).name for p, _ in errors} == {"broken.txt", "missing.txt"}
    assert all(reason for _, reason in errors)
    assert {"mention", "entity", "relation"} <= {r["record"] for r in records}


def person_documents(lines: list[str], name: str) -> dict[str, set[str]]:
    """Entity id → documents mentioning it, for every PERSON entity called ``name``."""
    records = [json.loads(line) for line in lines]
    ids = {r["id"] for r in records if r["record"] == "entity" and r["type"] == "PERSON" and r["name"] == name}
    docs: dict[str, set[str]] = {i: set() for i in ids}
    for r in records:
        if r["record"] == "mention" and r["entity"] in ids:
            docs[r["entity"]].add(r["doc"])
    return docs


def check_cross_document_resolution(lines: list[str]) -> None:
    docs = person_documents(lines, PERSON)
    assert len(docs) == 1, f"{PERSON} resolved to {sorted(docs)}"
    (mentioned_in,) = docs.values()
    assert len(mentioned_in) >= 5
    variant_docs = {json.loads(line)["id"] for line in lines
                    if '"record": "document"' in line and ("-2.txt" in line or "zhuo-lin-notes" in line)}
    assert len(variant_docs) == 2 and variant_docs <= mentioned_in


def test_two_processes_give_the_single_process_records(inputs: list[Path], single: Run) -> None:
    run = collect(lambda on_error: extract_paths_parallel(inputs, workers=2, on_error=on_error))
    check_run(run, single)
    check_cross_document_resolution(run[0])


def test_freeing_the_models_after_the_last_document_changes_no_record(inputs: list[Path], single: Run) -> None:
    import jieba

    from ner.pipeline import default_pipeline

    check_run(collect(lambda on_error: extract_paths(inputs, on_error=on_error, free_models=True)), single)
    assert default_pipeline.cache_info().currsize == 0 and not jieba.dt.initialized and not jieba.dt.FREQ
    check_run(collect(lambda on_error: extract_paths(inputs, on_error=on_error)), single)  # models load again
    assert default_pipeline.cache_info().currsize == 1 and jieba.dt.initialized


def test_what_is_alive_between_documents_is_frozen_and_handed_back_at_the_end() -> None:
    """:func:`kg.extract.settled` freezes after each item is consumed, while the next one is made; exhausted or
    closed early, it leaves nothing frozen (the collector sees everything again)."""
    import gc

    from kg.extract import settled

    seen: list[int] = []

    def items() -> Iterator[int]:
        for i in range(3):
            seen.append(gc.get_freeze_count())  # what was frozen when this item was made
            yield i

    gc.unfreeze()
    assert list(settled(items())) == [0, 1, 2]
    assert seen[0] == 0 and all(n > 0 for n in seen[1:]) and gc.get_freeze_count() == 0
    early = settled(items())
    next(early), next(early)
    assert gc.get_freeze_count() > 0
    early.close()
    assert gc.get_freeze_count() == 0


def test_local_dask_cluster_gives_the_single_process_records(inputs: list[Path], single: Run) -> None:
    run = collect(lambda on_error: extract_paths_dask(inputs, address=None, workers=2, on_error=on_error))
    check_run(run, single)
    check_cross_document_resolution(run[0])


def test_documents_on_different_workers_resolve_to_one_entity(inputs: list[Path], single: Run) -> None:
    from distributed import Client, LocalCluster

    cluster_kw = {"n_workers": 2, "threads_per_worker": 1, "processes": True, "dashboard_address": None}
    with LocalCluster(**cluster_kw) as cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        run = collect(lambda on_error: extract_paths_dask(inputs, address=cluster.scheduler_address,
                                                           workers=2, on_error=on_error))
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert len(executed) == 2 and all(n > 0 for n in executed.values()), executed
    assert sum(executed.values()) >= 15
    check_run(run, single)
    check_cross_document_resolution(run[0])


def test_single_process_resolves_across_documents(single: Run) -> None:
    check_cross_document_resolution(single[0])


def test_workers_ship_the_pinyin_of_the_names_they_found(inputs: list[Path]) -> None:
    """The pinyin written with each entity is worked out by the extracting process and used as it is by the
    process that loads: a form it was told is not worked out again."""
    import kg.pinyin
    from kg.documents import load_document
    from kg.extract import extract_document
    from kg.pinyin import name_pinyin, remember_pinyin

    item = extract_document(load_document(inputs[0] / "deng-xiaoping-biography.txt"))
    names = {c.name for c in item.graph.candidates}
    assert item.pinyin["邓小平"] == ["deng xiao ping", "dengxiaoping"]
    assert set(item.pinyin) <= names and len(item.pinyin) >= 10
    assert all(item.pinyin[n] == name_pinyin(n) for n in item.pinyin)
    told = "邓某某"
    kg.pinyin._KNOWN.pop(told, None)
    try:
        remember_pinyin({told: ["told by a worker"]})
        assert name_pinyin(told) == ["told by a worker"]
    finally:
        kg.pinyin._KNOWN.pop(told, None)
    assert name_pinyin(told) == ["deng mou mou", "dengmoumou"]


# ---------------------------------------------------------------- kg build --cluster ADDRESS


def _start(args: list[str]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "dask", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def dask_pair(tmp_path: Path) -> Iterator[str]:
    """A ``dask scheduler`` and a ``dask worker`` on loopback, as separate processes; yields the address."""
    info = tmp_path / "scheduler.json"
    procs = [_start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(info)])]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() or not info.read_text(encoding="utf-8").strip():
            assert procs[0].poll() is None, "dask scheduler exited"
            assert time.monotonic() < deadline, "dask scheduler did not start within 60 s"
            time.sleep(0.2)
        address = str(json.loads(info.read_text(encoding="utf-8"))["address"])
        assert address.startswith("tcp://127.0.0.1:")
        procs.append(_start(["worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                             "--host", "127.0.0.1"]))
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def build_into(data_dir: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, dict[str, int],
                                                                                            list[str]]:
    """``kg build ARGS`` with ``KG_DATA_DIR=data_dir``; returns exit code, stderr, store counts and entity ids."""
    monkeypatch.setenv("KG_DATA_DIR", str(data_dir))
    monkeypatch.delenv("KG_NEO4J_URI", raising=False)
    get_settings.cache_clear()
    pipeline_version.cache_clear()
    try:
        result = CliRunner().invoke(app, ["build", *args])
        (store,) = open_stores(get_settings())
        try:
            counts = store.counts()
            ids = sorted(e.id for e in store.all_entities())
        finally:
            store.close()
    finally:
        get_settings.cache_clear()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stderr, counts, ids


def test_kg_build_on_a_cluster_address_matches_a_local_build(
        dask_pair: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = make_corpus(tmp_path / "corpus")[:1]  # the folder (with its broken file)
    code, stderr, counts, ids = build_into(tmp_path / "cluster-data", [*map(str, inputs), "--cluster", dask_pair],
                                           monkeypatch)
    assert code == 1, stderr  # one file skipped
    assert "broken.txt" in stderr and "skipped" in stderr
    assert list((tmp_path / "cluster-data" / "cache" / "extract").glob("*.json")), "workers wrote no cache"
    local_code, _, local_counts, local_ids = build_into(tmp_path / "local-data",
                                                        [*map(str, inputs), "--workers", "1"], monkeypatch)
    assert local_code == 1
    assert counts["documents"] == 15 and counts["entities"] > 0 and counts["relations"] > 0
    assert counts == local_counts
    assert ids == local_ids
