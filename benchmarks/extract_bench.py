"""End-to-end extraction benchmark: files → normalisation → NER → relations → resolution.

    python -m benchmarks.extract_bench --chars 1000000            # corpus generated from ../shared/data
    python -m benchmarks.extract_bench --corpus DIR               # any folder of documents

Prints characters per second and peak memory (RSS of this process and its children), and
writes ``benchmarks/results/extract.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import write_corpus

RESULTS = Path(__file__).parent / "results"


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def run(corpus: Path, workers: int) -> dict[str, object]:
    from kg.extract import extract_paths
    from kg.parallel import extract_paths_parallel

    load_before = os.getloadavg()[0]
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    chars = sum(len(p.read_text(encoding="utf-8")) for p in files)
    start = time.perf_counter()
    if workers <= 1:
        stream = extract_paths(files)
    else:
        stream = extract_paths_parallel(files, workers=workers)
    counts: dict[str, int] = {}
    for rec in stream:
        counts[rec.record] = counts.get(rec.record, 0) + 1
    seconds = time.perf_counter() - start
    return {
        "documents": len(files), "chars": chars, "workers": workers, "seconds": round(seconds, 2),
        "chars_per_s": round(chars / seconds), "peak_rss_mb": round(peak_rss_mb(), 1), "records": counts,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_1m_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--chars", type=int, default=1_000_000)
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", type=Path, default=RESULTS / "extract.json")
    args = ap.parse_args()
    if args.corpus:
        result = run(args.corpus, args.workers)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            write_corpus(Path(tmp), args.chars)
            result = run(Path(tmp), args.workers)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
