"""Bulk first load into Neo4j (``kg load --bulk``, :mod:`kg.store.neo4j_bulk`) against the incremental path.

    python -m benchmarks.bulk_bench --entities 100000 --relations 300000

Installs and starts a throw-away Neo4j with ``scripts/neo4j.sh`` (its own ``KG_NEO4J_HOME`` and a free Bolt
port; jars from the Maven cache), as a user has it before a first load, then times exactly what
``kg load --bulk`` does with the records (``benchmarks.graph_gen``) once they are read:

1. ``merge``: records merged by id (:func:`kg.store.neo4j_bulk.read_graph`);
2. ``check``: the database is empty;
3. ``csv_and_stop``: the server stops while the import CSV is written (``csv``: the writing alone);
4. ``import``: ``neo4j-admin database import full``;
5. ``start``: the server starts again;
6. ``schema``: uniqueness constraints and the full-text index, until they are online.

``total`` is all of them, the time a user waits. Then checks that the store counts every entity and relation
and answers entity views like the records say, and, with ``--incremental``, clears the database and times
``Neo4jStore.load`` of the same records on the same server. Writes ``results/bulk.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from api.local_server import free_port
from benchmarks.graph_gen import generate
from kg.ids import record_relation_id
from kg.models import EntityRecord, Record, RelationRecord
from kg.settings import Settings
from kg.store.base import EdgeView, NodeView
from kg.store.common import merge_entities, merge_relations
from kg.store.neo4j_bulk import bulk_load, read_graph
from kg.store.neo4j_store import Neo4jStore

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"


def neo4j(home: Path, port: int, *args: str) -> str:
    env = {**os.environ, "KG_NEO4J_HOME": str(home), "KG_NEO4J_BOLT_PORT": str(port),
           "KG_NEO4J_PYTHON": os.environ.get("KG_NEO4J_PYTHON", sys.executable)}
    done = subprocess.run(["bash", str(ROOT / "scripts" / "neo4j.sh"), *args], env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"scripts/neo4j.sh {' '.join(args)} failed: {(done.stderr or done.stdout).strip()[-800:]}")
    return done.stdout


def views(records: list[Record]) -> tuple[list[NodeView], list[EdgeView]]:
    """Entity and relation views of the records, repeated ids merged as every store merges them on load."""
    entities: dict[str, EntityRecord] = {}
    relations: dict[str, RelationRecord] = {}
    for r in records:
        if isinstance(r, EntityRecord):
            entities[r.id] = merge_entities(entities[r.id], r) if r.id in entities else r
        elif isinstance(r, RelationRecord):
            rid = record_relation_id(r)
            relations[rid] = merge_relations(relations[rid], r) if rid in relations else r
    nodes = [NodeView(id=r.id, type=r.type, name=r.name, aliases=sorted(set(r.aliases)), properties=r.properties)
             for r in entities.values()]
    edges = [EdgeView(id=rid, type=r.type, source=r.source, target=r.target, properties=r.properties,
                      evidence=r.evidence, confidence=r.confidence, component=r.component)
             for rid, r in relations.items()]
    return nodes, edges


def check(store: Neo4jStore, nodes: list[NodeView], edges: list[EdgeView]) -> dict[str, Any]:
    counts = store.counts()
    if counts["entities"] != len(nodes) or counts["relations"] != len(edges):
        raise SystemExit(f"store counts {counts} != {len(nodes)} entities, {len(edges)} relations")
    by_id = {e.id: e for e in edges}
    for node in random.Random(3).sample(nodes, min(50, len(nodes))):
        view = store.get_entity(node.id)
        if view is None or NodeView(**view.model_dump(include=set(NodeView.model_fields))) != node:
            raise SystemExit(f"entity {node.id} reads back as {view}, expected {node}")
        for edge in view.relations:
            want = by_id[edge.id]
            if edge.evidence != sorted(want.evidence, key=lambda e: (e.doc, e.start, e.end)) or \
                    edge.properties != want.properties or edge.confidence != want.confidence:
                raise SystemExit(f"relation {edge.id} reads back as {edge}, expected {want}")
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entities", type=int, default=100_000)
    ap.add_argument("--relations", type=int, default=300_000)
    ap.add_argument("--incremental", action="store_true", help="also time Neo4jStore.load of the same records")
    ap.add_argument("--json-out", type=Path, default=RESULTS / "bulk.json")
    args = ap.parse_args()

    records = list(generate(args.entities, args.relations))
    nodes, edges = views(records)
    rows = len(records)  # as the incremental figures count them (repeated relation ids included)
    result: dict[str, Any] = {"command": "python -m benchmarks.bulk_bench " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in (("entities", args.entities), ("relations", args.relations))),
        "rows": rows, "cpus": os.cpu_count(), "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    with tempfile.TemporaryDirectory(prefix="kg-bulk-") as tmp:
        home, port = Path(tmp) / "neo4j", free_port()
        neo4j(home, port, "install")
        neo4j(home, port, "start")
        try:
            uri = dict(line.split("=", 1) for line in neo4j(home, port, "uri").split())
            settings = Settings(neo4j_uri=uri["KG_NEO4J_URI"], neo4j_user=uri["KG_NEO4J_USER"],
                                neo4j_password=uri["KG_NEO4J_PASSWORD"], batch_size=10_000)
            result["load_average_before_load"] = [round(x, 2) for x in os.getloadavg()]
            t = time.perf_counter()
            graph = read_graph(records)
            merge_s = time.perf_counter() - t
            stats = bulk_load(graph, settings, home=home)
            seconds = {"merge": merge_s, **stats.seconds, "total": merge_s + stats.seconds["total"]}
            result["seconds"] = {k: round(v, 2) for k, v in seconds.items()}
            result["bulk_rows_per_s"] = round(rows / seconds["total"])
            store = Neo4jStore(settings)
            result["counts"] = check(store, nodes, edges)
            if args.incremental:
                store.clear()
                t = time.perf_counter()
                store.load(records)
                result["incremental_seconds"] = round(time.perf_counter() - t, 1)
                result["incremental_rows_per_s"] = round(rows / result["incremental_seconds"])
                check(store, nodes, edges)
            store.close()
        finally:
            neo4j(home, port, "stop")
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
