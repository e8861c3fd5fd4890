"""Scaling benchmark: corpus size × worker processes → wall time, characters/s and peak memory per stage.

    python -m benchmarks.scale_bench --sizes 1000000 10000000 50000000 --workers 1 2
    python -m benchmarks.scale_bench --sizes 1000000 --workers 1 2 --repeat 3 --out R.json   # medians of 3

Corpora are generated from ``../shared/data`` by :mod:`benchmarks.corpus` into a temporary folder
(deleted afterwards, never committed). Each (size, workers) configuration runs in a fresh Python
subprocess, so its peak memory is its own. Stages, timed separately:

* ``extraction``: files → :class:`~kg.extract.ExtractedDocument` (normalisation, NER, relations),
  in-process for 1 worker, on a process pool otherwise (:func:`kg.parallel.extract_outcomes_parallel`),
  written as JSON lines;
* ``resolution``: the single cross-document pass (:func:`kg.extract.resolve`), streamed from that file into a
  records file (as ``kg extract`` writes it);
* ``load``: the records file streamed into the embedded Oxigraph store (:func:`kg.loading.load_records`, as
  ``kg load`` does).

A second fresh subprocess per configuration measures the production path as ``streaming``
(extraction streamed into resolution, records loaded in batches, as ``kg build`` does); skip it
with ``--no-streaming``, or measure it alone with ``--kg-build-only`` (half the time; results in the report's
``builds``). ``cpu_seconds`` (user + system, workers included) is robust to a busy
machine, wall time is not: the 1-, 5- and 15-minute load average is recorded with each run.

Memory: ``peak_rss_mb`` is the coordinating process's resident set, ``peak_workers_rss_mb`` the sum
over its worker processes (shared copy-on-write pages count once per process, so it is an upper
bound), both sampled every 0.1 s during the stage; ``max_rss_mb`` is ``getrusage`` (self and the
largest child) at the end. Results go to ``benchmarks/results/scale.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import psutil
from pydantic import BaseModel, ConfigDict

from benchmarks.calibrate import Calibration, calibrate

RESULTS = Path(__file__).parent / "results"
SAMPLE_S = 0.1


class StageResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float
    chars_per_s: float
    cpu_seconds: float
    """User + system time of this process and of its finished worker processes."""
    peak_rss_mb: float
    peak_workers_rss_mb: float
    after_last_document_s: float | None = None
    """``kg build`` only: seconds from the last document's arrival to the end — cross-document resolution and the
    rest of the load, which run once, in one process, whatever the number of workers."""
    steal_s: float | None = None
    """CPU seconds the hypervisor gave to other guests while this stage ran (all cores, ``/proc/stat``; ``None``
    where not reported): on a shared virtual machine, the part of a slow run that was not the code's doing."""


class RunResult(BaseModel):
    """One configuration: corpus size × worker processes."""

    model_config = ConfigDict(extra="forbid")
    size: int
    chars: int
    documents: int
    workers: int
    seconds: float
    chars_per_s: float
    stages: dict[str, StageResult]
    records: dict[str, int]
    records_sha256: str
    """Digest of the records as JSON lines: equal for every worker count on the same code."""
    code: str
    """Git commit of the measured code (``+dirty`` when kg/ or ner/ had uncommitted changes)."""
    extracted_json_mb: float = 0.0
    """Size of the extracted documents as JSON (what the extraction cache stores)."""
    store_counts: dict[str, int]
    max_rss_mb: float
    max_child_rss_mb: float
    streaming: StageResult | None = None
    """The production path (what ``kg build`` does: extraction streamed into resolution, then the
    load), measured in its own fresh subprocess."""
    load_average: tuple[float, float, float]
    """1-, 5- and 15-minute load average when the configuration ended (the machine may be shared)."""


class BuildRun(BaseModel):
    """One ``kg build`` (the production path alone, ``--kg-build-only``): corpus size × worker processes."""

    model_config = ConfigDict(extra="forbid")
    size: int
    chars: int
    documents: int
    workers: int
    code: str
    kg_build: StageResult
    load_average: tuple[float, float, float]
    calibration: Calibration | None = None
    """What a second process could gain on the machine just before this run (:mod:`benchmarks.calibrate`)."""


class Report(BaseModel):
    model_config = ConfigDict(extra="forbid")
    machine: str
    cpus: int
    python: str
    command: str
    runs: list[RunResult]
    builds: list[BuildRun] = []
    """``--kg-build-only`` measurements (no stage-by-stage run)."""


class MemorySampler:
    """Peak resident memory of this process and of the sum of its descendants, between start and stop."""

    def __init__(self) -> None:
        self.me = psutil.Process()
        self.peak_self = 0
        self.peak_children = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        self.peak_self = max(self.peak_self, self.me.memory_info().rss)
        total = 0
        for child in self.me.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                continue
        self.peak_children = max(self.peak_children, total)

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_S):
            self._sample()

    def __enter__(self) -> Self:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _steal() -> float | None:
    return getattr(psutil.cpu_times(), "steal", None)


@contextmanager
def stage(name: str, chars: int, out: dict[str, StageResult]) -> Iterator[None]:
    start, cpu, steal = time.perf_counter(), _cpu(), _steal()
    with MemorySampler() as mem:
        yield
    seconds, stolen = time.perf_counter() - start, _steal()
    out[name] = StageResult(seconds=round(seconds, 3), chars_per_s=round(chars / seconds),
                            cpu_seconds=round(_cpu() - cpu, 2), peak_rss_mb=round(mem.peak_self / 2**20, 1),
                            peak_workers_rss_mb=round(mem.peak_children / 2**20, 1),
                            steal_s=None if steal is None or stolen is None else round(stolen - steal, 2))


def run_streaming(corpus: Path, workers: int) -> StageResult:
    """``kg build`` without the command line: records stream from extraction into the store."""
    from kg.extract import extract_paths
    from kg.loading import load_records
    from kg.models import DocumentRecord, Record
    from kg.parallel import extract_paths_parallel
    from kg.store.rdf_store import OxigraphStore

    files = sorted(p for p in corpus.iterdir() if p.is_file())
    chars = corpus_chars(files)
    out: dict[str, StageResult] = {}
    last_document = end = 0.0

    def watched(records: Iterator[Record]) -> Iterator[Record]:
        nonlocal last_document
        for record in records:
            if isinstance(record, DocumentRecord):  # a document's record comes as it reaches the resolver
                last_document = time.perf_counter()
            yield record

    with tempfile.TemporaryDirectory(prefix="kg-scale-store-") as tmp:
        store = OxigraphStore(Path(tmp) / "oxigraph")
        try:
            with stage("streaming", chars, out):
                records = (extract_paths(files, free_models=True) if workers <= 1
                           else extract_paths_parallel(files, workers=workers))
                load_records(watched(records), [store], progress=False)
                end = time.perf_counter()
        finally:
            store.close()
    return out["streaming"].model_copy(update={"after_last_document_s": round(end - last_document, 3)})


def corpus_chars(files: list[Path]) -> int:
    """Decoded characters of every file (any encoding or format the loader reads)."""
    from kg.documents import load_document

    return sum(len(load_document(p).text) for p in files)


def code_version() -> str:
    """The checkout's commit, ``+dirty`` when the pipeline's sources have uncommitted changes."""
    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain", "--", "kg", "ner") else "")


def run_one(corpus: Path, size: int, workers: int) -> RunResult:
    """Measure one configuration in this process (call it in a fresh subprocess).

    Stages hand over through files, as ``kg extract`` and ``kg load`` do, so no stage holds the corpus in memory:
    extraction writes the extracted documents as JSON lines, resolution streams them into records (JSON lines),
    the load streams the records into the store.
    """
    code = code_version()  # before the pipeline is imported
    from kg.documents import DocumentError, iter_documents
    from kg.extract import ExtractedDocument, extract_document, resolve
    from kg.loading import load_records, read_records
    from kg.parallel import Shipped, extract_outcomes_parallel
    from kg.store.rdf_store import OxigraphStore

    files = sorted(p for p in corpus.iterdir() if p.is_file())
    chars = corpus_chars(files)
    stages: dict[str, StageResult] = {}
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(prefix="kg-scale-run-") as tmp:
        extracted_path, records_path = Path(tmp) / "extracted.jsonl", Path(tmp) / "records.jsonl"
        extracted = 0
        with stage("extraction", chars, stages), extracted_path.open("wb") as saved:
            if workers <= 1:
                outcomes: Iterator[Shipped | DocumentError] = (
                    raw if isinstance(raw, DocumentError) else Shipped.of(extract_document(raw))
                    for raw in iter_documents(files))
            else:
                outcomes = extract_outcomes_parallel(files, workers=workers)
            for outcome in outcomes:
                if not isinstance(outcome, DocumentError):
                    saved.write(outcome.json + b"\n")
                    extracted += 1
        if extracted != len(files):
            raise SystemExit(f"{len(files) - extracted} corpus file(s) could not be read; regenerate the corpus")

        def documents() -> Iterator[ExtractedDocument]:
            with extracted_path.open(encoding="utf-8") as f:
                for line in f:
                    yield ExtractedDocument.model_validate_json(line)

        with stage("resolution", chars, stages), records_path.open("w", encoding="utf-8") as out:
            for rec in resolve(documents()):
                line = rec.model_dump_json(exclude_none=True)
                counts[rec.record] = counts.get(rec.record, 0) + 1
                digest.update(line.encode() + b"\n")
                out.write(line + "\n")
        store = OxigraphStore(Path(tmp) / "oxigraph")
        try:
            with stage("load", chars, stages), records_path.open(encoding="utf-8") as f:
                load_records(read_records(f, str(records_path)), [store], progress=False)
            store_counts = store.counts()
        finally:
            store.close()
        extracted_json_mb = extracted_path.stat().st_size / 2**20
    seconds = sum(s.seconds for s in stages.values())
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return RunResult(size=size, chars=chars, documents=len(files), workers=workers, seconds=round(seconds, 3),
                     chars_per_s=round(chars / seconds), stages=stages, records=counts, store_counts=store_counts,
                     records_sha256=digest.hexdigest(), code=code,
                     extracted_json_mb=round(extracted_json_mb, 1),
                     max_rss_mb=round(own, 1), max_child_rss_mb=round(child, 1), load_average=os.getloadavg())


def _child(corpus: Path, size: int, workers: int, mode: str) -> str:
    root = Path(__file__).resolve().parents[1]
    cmd = [sys.executable, "-m", "benchmarks.scale_bench", "--child", str(corpus), "--size", str(size),
           "--workers", str(workers), "--mode", mode]
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        why = ("killed by signal 9, most likely out of memory; run this size on a machine with more RAM"
               if done.returncode == -9 else done.stderr.strip()[-2000:])
        raise SystemExit(f"configuration size={size} workers={workers} ({mode}) failed: {why}")
    return done.stdout.strip().splitlines()[-1]


def run_in_subprocess(corpus: Path, size: int, workers: int, streaming: bool) -> RunResult:
    """The staged measurement, then (optionally) the streaming one, each in a fresh interpreter."""
    result = RunResult.model_validate_json(_child(corpus, size, workers, "stages"))
    if streaming:
        result.streaming = StageResult.model_validate_json(_child(corpus, size, workers, "streaming"))
        result.load_average = os.getloadavg()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000, 50_000_000],
                    help="corpus sizes in characters")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker process counts")
    ap.add_argument("--out", type=Path, default=RESULTS / "scale.json")
    ap.add_argument("--no-streaming", action="store_true",
                    help="skip the second, end-to-end streaming measurement of each configuration")
    ap.add_argument("--kg-build-only", action="store_true",
                    help="measure only the production path (`kg build`), not the stages: half the time at 50 M")
    ap.add_argument("--repeat", type=int, default=1,
                    help="measure every configuration this many times, worker counts interleaved (a shared "
                         "machine's speed drifts by 10%% over minutes; the summary takes the median)")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--mode", choices=["stages", "streaming"], default="stages", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        if args.mode == "streaming":
            print(run_streaming(args.child, args.workers[0]).model_dump_json())
        else:
            print(run_one(args.child, args.size, args.workers[0]).model_dump_json())
        return

    from benchmarks.corpus import write_corpus

    runs: list[RunResult] = []
    builds: list[BuildRun] = []

    def save() -> None:  # after every configuration, so a failure at a large size keeps the smaller ones
        report = Report(machine=f"{platform.processor() or platform.machine()}, {platform.system()}",
                        cpus=os.cpu_count() or 1, python=platform.python_version(),
                        command="python -m benchmarks.scale_bench " + " ".join(sys.argv[1:]), runs=runs,
                        builds=builds)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")

    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="kg-scale-corpus-") as tmp:
            docs, chars = write_corpus(Path(tmp), size)
            print(f"corpus: {docs} documents, {chars:,} characters", file=sys.stderr)
            decoded = corpus_chars(sorted(Path(tmp).iterdir())) if args.kg_build_only else 0
            for workers in [w for _ in range(max(1, args.repeat)) for w in args.workers]:
                if args.kg_build_only:
                    machine = calibrate()
                    built = StageResult.model_validate_json(_child(Path(tmp), size, workers, "streaming"))
                    builds.append(BuildRun(size=size, chars=decoded, documents=docs,
                                           workers=workers, code=code_version(), kg_build=built,
                                           load_average=os.getloadavg(), calibration=machine))
                    print(f"size={size:,} workers={workers}: kg build {built.seconds:.1f} s "
                          f"({built.after_last_document_s:.1f} after the last document, {built.steal_s} s stolen), "
                          f"{built.chars_per_s:,.0f} chars/s, {built.peak_rss_mb:.0f}+{built.peak_workers_rss_mb:.0f} MB; "
                          f"load average {builds[-1].load_average[0]:.2f}; machine ceiling {machine.ceiling:.2f}×",
                          file=sys.stderr)
                    save()
                    continue
                result = run_in_subprocess(Path(tmp), size, workers, not args.no_streaming)
                same_code = [r for r in runs if r.size == size and r.code == result.code]
                if any(r.records_sha256 != result.records_sha256 for r in same_code):
                    print(f"WARNING: size={size:,} workers={workers} gave different records than "
                          f"workers={same_code[0].workers} on the same code ({result.code})", file=sys.stderr)
                runs.append(result)
                print(f"size={size:,} workers={workers}: {result.seconds:.1f} s, {result.chars_per_s:,.0f} chars/s, "
                      + ", ".join(f"{k} {v.seconds:.1f} s / {v.peak_rss_mb:.0f}+{v.peak_workers_rss_mb:.0f} MB"
                                  for k, v in result.stages.items())
                      + (f"; streaming {result.streaming.seconds:.1f} s / {result.streaming.peak_rss_mb:.0f}"
                         f"+{result.streaming.peak_workers_rss_mb:.0f} MB" if result.streaming else "")
                      + f"; load average {result.load_average[0]:.2f}", file=sys.stderr)
                save()
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
