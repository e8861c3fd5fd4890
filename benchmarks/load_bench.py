"""The load into the embedded store alone: time, records/s, peak memory and a digest of the stored graph.

    python -m benchmarks.corpus /tmp/c10m --chars 10000000
    python -m benchmarks.load_bench /tmp/c10m        # resolves once into /tmp/c10m.records.jsonl, then loads it

The records are resolved once from the saved extraction (``benchmarks.resolve_bench``) and kept next to the corpus,
so loader changes can be compared on the same input: the graph digest (SHA-256 of the sorted N-Quads of the store)
must not change. Each run loads into a new, empty store in a temporary folder, with ``kg.loading.load_records``
as ``kg load`` does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

from benchmarks.resolve_bench import saved_extraction
from benchmarks.scale_bench import MemorySampler


def saved_records(corpus: Path, workers: int) -> Path:
    out = corpus.with_name(corpus.name + ".records.jsonl")
    if not out.exists():
        from kg.extract import ExtractedDocument, resolve

        extracted = saved_extraction(corpus, workers)
        partial = out.with_suffix(".partial")
        with extracted.open(encoding="utf-8") as f, partial.open("w", encoding="utf-8") as w:
            for record in resolve(ExtractedDocument.model_validate_json(line) for line in f):
                w.write(record.model_dump_json(exclude_none=True) + "\n")
        partial.rename(out)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path, help="folder written by benchmarks.corpus")
    ap.add_argument("--workers", type=int, default=2, help="processes for the one-off extraction")
    args = ap.parse_args()
    records = saved_records(args.corpus, args.workers)
    from kg.loading import load_records, read_records
    from kg.store.rdf_store import OxigraphStore

    with tempfile.TemporaryDirectory(prefix="kg-load-bench-") as tmp:
        store = OxigraphStore(Path(tmp) / "oxigraph")
        try:
            began, cpu = time.perf_counter(), time.process_time()
            with MemorySampler() as memory, records.open(encoding="utf-8") as f:
                stats = load_records(read_records(f, str(records)), [store], progress=False)
            seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
            quads = sorted(str(q) for q in store.store.quads_for_pattern(None, None, None, None))
        finally:
            store.close()
    rows = stats.documents + stats.entities + stats.relations + stats.mentions
    print(json.dumps({"records": rows, "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1),
                      "records_per_s": round(rows / seconds), "peak_rss_mb": round(memory.peak_self / 2**20),
                      "quads": len(quads), "graph_sha256": hashlib.sha256("\n".join(quads).encode()).hexdigest(),
                      "load_average": os.getloadavg()}, indent=2))


if __name__ == "__main__":
    main()
