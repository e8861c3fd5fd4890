"""The load into the embedded store alone: time, records/s, peak memory and a digest of the stored graph.

    python -m benchmarks.corpus /tmp/c10m --chars 10000000
    python -m benchmarks.load_bench /tmp/c10m        # resolves once into /tmp/c10m.records.jsonl, then loads it

The records are resolved once from the saved extraction (``benchmarks.resolve_bench``) and kept next to the corpus,
so loader changes can be compared on the same input: the graph digest (SHA-256 of the sorted N-Quads of the store)
must not change. Each run loads into a new, empty store in a temporary folder, with ``kg.loading.load_records``
as ``kg load`` does.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import TextIO

from benchmarks.resolve_bench import corpus_arguments, saved, saved_extraction
from benchmarks.scale_bench import MemorySampler
from kg.store.rdf_store import OxigraphStore


def saved_records(corpus: Path, workers: int) -> Path:
    def write(f: TextIO) -> None:
        from kg.extract import ExtractedDocument, resolve

        with saved_extraction(corpus, workers).open(encoding="utf-8") as extracted:
            records = resolve(ExtractedDocument.model_validate_json(line) for line in extracted)
            f.writelines(record.model_dump_json(exclude_none=True) + "\n" for record in records)

    return saved(corpus.with_name(corpus.name + ".records.jsonl"), write)


def graph_digest(store: OxigraphStore) -> tuple[int, str]:
    """Quads in the store and the SHA-256 of their sorted N-Quads: equal for equal graphs."""
    quads = sorted(str(q) for q in store.store.quads_for_pattern(None, None, None, None))
    return len(quads), hashlib.sha256("\n".join(quads).encode()).hexdigest()


def main() -> None:
    args = corpus_arguments(__doc__)
    records = saved_records(args.corpus, args.workers)
    from kg.loading import load_records, read_records

    with tempfile.TemporaryDirectory(prefix="kg-load-bench-") as tmp:
        store = OxigraphStore(Path(tmp) / "oxigraph")
        try:
            began, cpu = time.perf_counter(), time.process_time()
            with MemorySampler() as memory, records.open(encoding="utf-8") as f:
                stats = load_records(read_records(f, str(records)), [store], progress=False)
            seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
            quads, digest = graph_digest(store)
        finally:
            store.close()
    rows = stats.documents + stats.entities + stats.relations + stats.mentions
    print(json.dumps({"records": rows, "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1),
                      "records_per_s": round(rows / seconds), "peak_rss_mb": round(memory.peak_self / 2**20),
                      "quads": quads, "graph_sha256": digest,
                      "load_average": os.getloadavg()}, indent=2))


if __name__ == "__main__":
    main()
