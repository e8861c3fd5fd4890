"""Load rate and query latency of each store on a synthetic graph.

    python -m benchmarks.store_bench --entities 100000 --relations 300000

Loads the graph from `benchmarks.graph_gen` into the embedded Oxigraph store (a temporary
folder) and into Neo4j when ``KG_NEO4J_URI`` is set (the database is cleared first!), then
times 2-hop neighbourhoods, shortest paths and searches. Writes ``results/stores.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.graph_gen import generate
from kg.models import EntityRecord
from kg.settings import Settings
from kg.store.base import GraphStore

RESULTS = Path(__file__).parent / "results"


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100) if len(ordered) > 1 else ordered * 99
    return {"p50_ms": round(q[49] * 1000, 2), "p95_ms": round(q[94] * 1000, 2), "n": len(ordered)}


def timed(fn: Callable[[], object], repeat: list[float]) -> None:
    t = time.perf_counter()
    fn()
    repeat.append(time.perf_counter() - t)


def bench(store: GraphStore, args: argparse.Namespace) -> dict[str, object]:
    records = list(generate(args.entities, args.relations))
    ids = [r.id for r in records if isinstance(r, EntityRecord) and r.type == "PERSON"]
    names = [r.name for r in records if isinstance(r, EntityRecord)]
    rows = len(records)
    t = time.perf_counter()
    store.load(records)
    load_s = time.perf_counter() - t
    rnd = random.Random(7)
    hop2: list[float] = []
    paths: list[float] = []
    search: list[float] = []
    for _ in range(args.queries):
        timed(lambda: store.neighbours(rnd.choice(ids), depth=2, limit=200), hop2)
    for _ in range(max(10, args.queries // 4)):
        timed(lambda: store.paths(rnd.choice(ids), rnd.choice(ids), k=1, max_hops=4), paths)
    for _ in range(args.queries):
        timed(lambda: store.search(rnd.choice(names)[:2], limit=20), search)
    return {"store": store.name, "rows": rows, "load_seconds": round(load_s, 1),
            "rows_per_s": round(rows / load_s), "neighbours_2hop": percentiles(hop2),
            "shortest_path": percentiles(paths), "search": percentiles(search), "counts": store.counts()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--entities", type=int, default=100_000)
    ap.add_argument("--relations", type=int, default=300_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--stores", default="oxigraph,neo4j")
    args = ap.parse_args()
    results = []
    settings = Settings()
    if "oxigraph" in args.stores:
        from kg.store.rdf_store import OxigraphStore

        with tempfile.TemporaryDirectory() as tmp:
            store = OxigraphStore(Path(tmp) / "oxigraph")
            results.append(bench(store, args))
            store.close()
    if "neo4j" in args.stores and settings.uses_neo4j:
        from kg.store.neo4j_store import Neo4jStore

        store = Neo4jStore(settings)
        store.clear()
        results.append(bench(store, args))
        store.close()
    for r in results:
        print(json.dumps(r, ensure_ascii=False))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "stores.json"
    out.write_text(json.dumps({"entities": args.entities, "relations": args.relations, "results": results},
                              ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
