"""Cross-document resolution alone: time, peak memory and a digest of the records, on a saved extraction.

    python -m benchmarks.corpus /tmp/c10m --chars 10000000
    python -m benchmarks.resolve_bench /tmp/c10m                 # extracts once into /tmp/c10m.extracted.jsonl

The saved documents are streamed into resolution as the workers would deliver them, so ``peak_rss_mb`` is what the
resolver holds (plus the interpreter and the reading of the records' JSON).

The extraction (2 processes) is saved next to the corpus as JSON lines of ``ExtractedDocument`` and reused, so
resolver changes can be compared on the same input: the SHA-256 of the records must not change.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from kg.documents import DocumentError
from kg.extract import ExtractedDocument, resolve
from kg.parallel import extract_outcomes_parallel


def saved(out: Path, write: Callable[[TextIO], None]) -> Path:
    """``out``, written once by ``write`` (through a partial file, so an interrupted run leaves nothing behind)."""
    if not out.exists():
        partial = out.with_suffix(".partial")
        with partial.open("w", encoding="utf-8") as f:
            write(f)
        partial.rename(out)
    return out


def saved_extraction(corpus: Path, workers: int) -> Path:
    def write(f: TextIO) -> None:
        files = sorted(p for p in corpus.iterdir() if p.is_file())
        for outcome in extract_outcomes_parallel(files, workers=workers):
            if not isinstance(outcome, DocumentError):
                f.write(outcome.json.decode("utf-8") + "\n")

    return saved(corpus.with_name(corpus.name + ".extracted.jsonl"), write)


def corpus_arguments(doc: str | None) -> argparse.Namespace:
    """The command line of the benchmarks on a saved corpus: its folder and the processes of the one-off extraction."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path, help="folder written by benchmarks.corpus")
    ap.add_argument("--workers", type=int, default=2, help="processes for the one-off extraction")
    return ap.parse_args()


def main() -> None:
    args = corpus_arguments(__doc__)
    saved = saved_extraction(args.corpus, args.workers)
    documents, chars = 0, 0

    def streamed() -> Iterator[ExtractedDocument]:  # read as resolution consumes them, as from the workers
        nonlocal documents, chars
        with saved.open(encoding="utf-8") as f:
            for line in f:
                item = ExtractedDocument.model_validate_json(line)
                documents += 1
                chars += item.document.chars or 0
                yield item

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    began, cpu = time.perf_counter(), time.process_time()
    digest = hashlib.sha256()
    records = 0
    for record in resolve(streamed()):
        digest.update(record.model_dump_json(exclude_none=True).encode() + b"\n")
        records += 1
    seconds = time.perf_counter() - began
    print(json.dumps({"documents": documents, "chars": chars, "records": records,
                      "resolution_seconds": round(seconds, 1), "cpu_seconds": round(time.process_time() - cpu, 1),
                      "chars_per_s": round(chars / seconds), "peak_rss_mb_before": round(before),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                      "records_sha256": digest.hexdigest(), "load_average": os.getloadavg()}, indent=2))

if __name__ == "__main__":
    main()
