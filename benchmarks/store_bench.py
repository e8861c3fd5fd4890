"""Load rate and query latency of each store on a synthetic graph.

    python -m benchmarks.store_bench --entities 100000 --relations 300000

Loads the graph from `benchmarks.graph_gen` into the embedded Oxigraph store (a temporary
folder) and into Neo4j when ``KG_NEO4J_URI`` is set (the database is cleared first!), then
times 2-hop neighbourhoods, shortest paths (k=1, at most 4 hops), searches (the first two characters of a
name) and entity views. Writes ``results/stores.json`` with the load average of the machine before and after
each store (the figures depend on it), and the Neo4j batch size (``KG_BATCH_SIZE``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.graph_gen import generate
from kg.models import EntityRecord, Record, RelationRecord
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


def connected_pairs(records: list[Record], ids: list[str], n: int) -> list[tuple[str, str]]:
    """``n`` (source, target) pairs joined by a path of at most 4 hops: the ends of random 4-step walks."""
    adjacent: dict[str, list[str]] = {}
    for r in records:
        if isinstance(r, RelationRecord):
            adjacent.setdefault(r.source, []).append(r.target)
            adjacent.setdefault(r.target, []).append(r.source)
    rnd = random.Random(11)
    pairs: list[tuple[str, str]] = []
    while len(pairs) < n:
        source = here = rnd.choice(ids)
        for _ in range(4):
            here = rnd.choice(adjacent.get(here) or [here])
        if here != source:
            pairs.append((source, here))
    return pairs


def bench(store: GraphStore, args: argparse.Namespace) -> dict[str, object]:
    records = list(generate(args.entities, args.relations))
    ids = [r.id for r in records if isinstance(r, EntityRecord) and r.type == "PERSON"]
    names = [r.name for r in records if isinstance(r, EntityRecord)]
    rows = len(records)
    load_at_load = os.getloadavg()
    t = time.perf_counter()
    store.load(records)
    load_s = time.perf_counter() - t
    rnd = random.Random(7)
    hop2: list[float] = []
    paths: list[float] = []
    search: list[float] = []
    entity: list[float] = []
    load_before = os.getloadavg()
    for _ in range(args.queries):
        timed(lambda: store.neighbours(rnd.choice(ids), depth=2, limit=200), hop2)
    for _ in range(max(10, args.queries // 4)):
        timed(lambda: store.paths(rnd.choice(ids), rnd.choice(ids), k=1, max_hops=4), paths)
    walks = connected_pairs(records, ids, max(10, args.queries // 4))
    linked: list[float] = []
    for source, target in walks:
        timed(functools.partial(store.paths, source, target, k=1, max_hops=4), linked)
    for _ in range(args.queries):
        timed(lambda: store.search(rnd.choice(names)[:2], limit=20), search)
    for _ in range(args.queries):
        timed(lambda: store.get_entity(rnd.choice(ids)), entity)
    return {"store": store.name, "rows": rows, "load_seconds": round(load_s, 1),
            "rows_per_s": round(rows / load_s), "neighbours_2hop": percentiles(hop2),
            "shortest_path": percentiles(paths), "shortest_path_connected": percentiles(linked), "search": percentiles(search), "entity": percentiles(entity),
            "counts": store.counts(), "load_average_at_load": [round(x, 2) for x in load_at_load],
            "load_average_at_queries": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--entities", type=int, default=100_000)
    ap.add_argument("--relations", type=int, default=300_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--stores", default="oxigraph,neo4j")
    args = ap.parse_args()
    results = []
    settings = Settings()
    began = [round(x, 2) for x in os.getloadavg()]
    if "oxigraph" in args.stores:
        from kg.store.rdf_store import OxigraphStore

        with tempfile.TemporaryDirectory() as tmp:
            embedded = OxigraphStore(Path(tmp) / "oxigraph")
            results.append(bench(embedded, args))
            embedded.close()
        write_results(args, settings, began, results)
    if "neo4j" in args.stores and settings.uses_neo4j:
        from kg.store.neo4j_store import Neo4jStore

        server = Neo4jStore(settings)
        server.clear()
        results.append(bench(server, args))
        server.close()
        write_results(args, settings, began, results)


def write_results(args: argparse.Namespace, settings: Settings, began: list[float], results: list[dict[str, object]]) -> None:
    """Print the last result and (re)write ``results/stores.json`` with all so far."""
    print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    RESULTS.mkdir(exist_ok=True)
    summary = {"entities": args.entities, "relations": args.relations, "cpus": os.cpu_count(),
               "load_average_at_start": began, "neo4j_batch_size": settings.batch_size, "results": results}
    (RESULTS / "stores.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
