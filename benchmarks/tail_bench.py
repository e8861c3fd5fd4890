"""What a ``kg build`` runs once, after its last document: cross-document resolution streamed into the embedded store.

    python -m benchmarks.corpus /tmp/c1m --chars 1000000
    python -m benchmarks.tail_bench /tmp/c1m --repeat 3        # extracts once into /tmp/c1m.extracted.jsonl

As in a build, the documents are first handed to a resolver and their records (with the texts) loaded into a new
store; then the part measured, ``load_records(resolver.records())`` into that store — what ``after_last_document_s``
of ``benchmarks.scale_bench`` times inside whole builds, here without the extraction around it. Each repeat gets a
new resolver and a new store. Reported per repeat: wall seconds; CPU seconds of the main thread (resolution, the
records, their N-Triples text) and of the whole process (with the writer thread in Oxigraph's bulk loader and
RocksDB's own threads); CPU seconds stolen by the hypervisor meanwhile; and a digest of the stored graph, which a
change that only makes this faster must not change.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import psutil

from benchmarks.load_bench import graph_digest
from benchmarks.resolve_bench import saved_extraction
from benchmarks.scale_bench import corpus_chars


def one_run(extracted: Path) -> dict[str, float | int | str]:
    from kg.extract import ExtractedDocument
    from kg.loading import load_records
    from kg.pinyin import remember_pinyin
    from kg.resolve import Resolver
    from kg.store.rdf_store import OxigraphStore

    resolver = Resolver()
    documents = []
    with extracted.open(encoding="utf-8") as f:
        for line in f:
            item = ExtractedDocument.model_validate_json(line)
            documents.append(item.document)
            resolver.add(item.graph, item.surfaces)
            remember_pinyin(item.pinyin)
    with tempfile.TemporaryDirectory(prefix="kg-tail-bench-") as tmp:
        store = OxigraphStore(Path(tmp) / "oxigraph")
        try:
            load_records(documents, [store], progress=False)  # texts re-read from the corpus files, as in a build
            store.flush()
            steal = psutil.cpu_times().steal
            began, main_cpu, all_cpu = time.perf_counter(), time.thread_time(), time.process_time()
            stats = load_records(resolver.records(), [store], progress=False)
            store.flush()
            seconds = time.perf_counter() - began
            main_cpu, all_cpu = time.thread_time() - main_cpu, time.process_time() - all_cpu
            stolen = psutil.cpu_times().steal - steal
            quads, digest = graph_digest(store)
        finally:
            store.close()
            resolver.close()
    return {"seconds": round(seconds, 2), "main_thread_cpu_s": round(main_cpu, 2), "process_cpu_s": round(all_cpu, 2),
            "steal_s": round(stolen, 2), "records": stats.entities + stats.relations + stats.mentions,
            "quads": quads, "graph_sha256": digest}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path, help="folder written by benchmarks.corpus")
    ap.add_argument("--workers", type=int, default=2, help="processes for the one-off extraction")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, help="also write the result here (JSON)")
    args = ap.parse_args()
    extracted = saved_extraction(args.corpus, args.workers)
    runs = [one_run(extracted) for _ in range(max(1, args.repeat))]
    report = {"corpus": str(args.corpus), "documents": sum(1 for _ in extracted.open(encoding="utf-8")),
              "chars": corpus_chars(sorted(p for p in args.corpus.iterdir() if p.is_file())),
              "runs": runs, "load_average": os.getloadavg()}
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
