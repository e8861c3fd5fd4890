"""Hostile load: normal and hostile requests mixed, from many concurrent clients, against a real `kg serve`.

Starts `kg serve` over a built graph on a free loopback port (this machine only), runs ``--concurrency`` clients
for at most ``--duration`` seconds and ``--max-requests`` requests, and counts statuses per request kind. Then it
checks: no 5xx other than the intended 503 (no Neo4j for /cypher) and 504 (time limit), no dropped connections,
the server process still alive and answering, and the graph's facts (counts + sorted entity and relation ids)
unchanged, both as the server sees them and as the store on disk holds them.

    python benchmarks/hostile_load.py --build examples --json-out benchmarks/results/hostile_load.json
    python benchmarks/hostile_load.py --data-dir kg-data --duration 30 --concurrency 20

Exit code 0 when every check passes, 1 otherwise. Prints a Markdown table, then the JSON document.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from api.local_server import ServerStartError, free_port, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent
SPARQL_Q = {"content-type": "application/sparql-query"}
INTENDED_5XX = {503, 504}
Request = tuple[str, str, dict[str, Any]]  # (method, path, httpx keyword arguments)
Kind = tuple[str, bool, list[int], int, Callable[[], Request]]  # (kind, hostile, expected, weight, maker)
Facts = tuple[dict[str, int], list[str], list[str]]


@dataclass
class KindResult:
    kind: str
    hostile: bool
    expected: list[int]
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    unexpected: int = 0
    max_ms: float = 0.0


def store_facts(data_dir: Path) -> Facts:
    """Counts and sorted ids straight from the on-disk store (opened read-only)."""
    from kg.store.rdf_store import OxigraphStore

    store = OxigraphStore(data_dir / "oxigraph", read_only=True)
    try:
        return (store.counts(), sorted(e.id for e in store.all_entities()),
                sorted(r.id for r in store.all_relations()))
    finally:
        store.close()


def served_facts(client: httpx.Client) -> tuple[dict[str, int], list[str]]:
    """Counts and sorted record ids as the server answers them (stats + a SPARQL listing)."""
    counts = client.get("/api/stats").json()["counts"]
    listing = client.get("/sparql", params={"query": "SELECT ?id WHERE { ?x kg:recordId ?id } ORDER BY ?id"})
    listing.raise_for_status()
    return counts, [b["id"]["value"] for b in listing.json()["results"]["bindings"]]


@contextmanager
def kg_serve(data_dir: Path, timeout_s: float) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {**os.environ, "KG_DATA_DIR": str(data_dir), "KG_NEO4J_URI": "", "KG_HOST": "127.0.0.1",
           "KG_PORT": str(port), "KG_WRITE_TOKEN": "hostile-load-write-token", "KG_READ_TOKEN": "",
           "KG_QUERY_TIMEOUT_S": str(timeout_s), "KG_MAX_BODY_KB": "64", "KG_LOG_LEVEL": "WARNING"}
    log = (data_dir / "hostile_load_server.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve"], env=env, cwd=str(ROOT), stdout=log,
                               stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_healthy(base, process, timeout_s=60)
        except ServerStartError as error:
            raise SystemExit(f"{error}; see {log.name}") from None
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()


def workload(names: list[str], ids: list[str]) -> list[Kind]:
    """(kind, hostile, expected statuses, weight, request maker)."""

    def pick_id() -> str:
        return random.choice(ids)

    def update_request() -> Request:
        choices: list[Request] = [
            ("GET", "/sparql", {"params": {"query": random.choice(updates)}}),
            ("POST", "/sparql", {"data": {"update": random.choice(updates)}}),
            ("POST", "/sparql", {"content": random.choice(updates).encode(),
                                 "headers": {"content-type": "application/sparql-update"}})]
        return random.choice(choices)

    def write_request() -> Request:
        choices: list[Request] = [
            ("POST", "/api/reload", {}),
            ("POST", "/api/review", {"json": {"relation_id": "rel:x", "decision": "reject"},
                                     "headers": {"authorization": "Bearer wrong"}})]
        return random.choice(choices)

    exponential = ("SELECT (COUNT(*) AS ?n) WHERE { ?a (!<urn:x:a>)*/(!<urn:x:b>)*/(!<urn:x:c>)* ?b . "
                   "?b (!<urn:x:d>)*/(!<urn:x:e>)* ?c . ?c (!<urn:x:f>)* ?d . ?x ?y ?z }")
    updates = ["INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }", "DELETE WHERE { ?s ?p ?o }", "CLEAR ALL",
               "DROP ALL", "LOAD <http://127.0.0.1:9/x.ttl>", "SELECT * WHERE { ?s ?p ?o } ; DROP ALL"]
    injections = ['per:x" } UNION { ?s ?p ?o', "per:a> . ?s ?p ?o . <x", "per:\x00'\"}", "x" * 300,
                  "MATCH (n) DETACH DELETE n", "per:${jndi:ldap://x}"]
    return [
        ("search", False, [200], 20, lambda: ("GET", "/api/search", {"params": {"q": random.choice(names)}})),
        ("entity", False, [200], 20, lambda: ("GET", f"/api/entities/{pick_id()}", {})),
        ("neighbours", False, [200], 15, lambda: ("GET", f"/api/entities/{pick_id()}/neighbours",
                                                  {"params": {"depth": random.choice([1, 2])}})),
        ("sparql", False, [200], 10, lambda: ("GET", "/sparql", {"params": {"query": (
            f'SELECT ?n WHERE {{ ?e kg:recordId "{pick_id()}" ; kg:name ?n }}')}})),
        ("explorer_page", False, [200], 5, lambda: ("GET", f"/entity/{pick_id()}", {})),
        ("sparql_update", True, [400], 6, update_request),
        ("sparql_federated", True, [400], 3, lambda: ("GET", "/sparql", {"params": {"query": random.choice([
            "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
            "SELECT * FROM <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }"])}})),
        ("sparql_exponential_path", True, [504], 1, lambda: ("GET", "/sparql", {"params": {"query": exponential}})),
        ("sparql_parser_bomb", True, [400], 1, lambda: ("POST", "/sparql", {
            "content": ("SELECT * WHERE " + "{ " * 2000 + "?s ?p ?o" + " }" * 2000).encode(), "headers": SPARQL_Q})),
        ("oversized_body", True, [413], 2, lambda: ("POST", "/sparql", {"content": b"#" * (80 * 1024),
                                                                        "headers": SPARQL_Q})),
        ("rest_injection", True, [404, 422], 6, lambda: ("GET", f"/api/entities/{quote(random.choice(injections), safe='')}",
                                                         {})),
        ("write_without_token", True, [401], 3, write_request),
        ("cypher_write", True, [503], 2, lambda: ("POST", "/cypher", {"json": {
            "query": "CALL { MATCH (n) DETACH DELETE n } RETURN 1"}})),
    ]


async def run_load(base: str, names: list[str], ids: list[str], concurrency: int, duration_s: float,
                   max_requests: int, seed: int) -> tuple[dict[str, KindResult], int, float]:
    random.seed(seed)
    kinds = workload(names, ids)
    results = {k: KindResult(k, hostile, expected) for k, hostile, expected, _, _ in kinds}
    weights = [w for *_, w, _ in kinds]
    sent = 0
    stop_at = time.monotonic() + duration_s
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal sent
        while time.monotonic() < stop_at and sent < max_requests:
            sent += 1
            kind, _, expected, _, make = random.choices(kinds, weights)[0]
            method, path, kwargs = make()
            result = results[kind]
            started = time.monotonic()
            try:
                response = await client.request(method, path, **kwargs)
                result.statuses[response.status_code] += 1
                bad = response.status_code not in expected and (
                    response.status_code >= 500 and response.status_code not in INTENDED_5XX
                    or response.status_code < 400 and result.hostile)
                result.unexpected += int(bad)
            except httpx.TransportError as error:
                result.transport_errors[type(error).__name__] += 1
                result.unexpected += 1
            result.max_ms = max(result.max_ms, (time.monotonic() - started) * 1000)

    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
    return results, sent, time.monotonic() - started


def build_graph(corpus: Path, data_dir: Path) -> None:
    """`kg build` over the corpus's documents (its README and other non-documents left out, as `kg demo` does)."""
    from kg.documents import SUFFIX_FORMATS

    files = sorted(str(p) for p in corpus.iterdir() if p.suffix.lower() in SUFFIX_FORMATS)
    env = {**os.environ, "KG_DATA_DIR": str(data_dir), "KG_NEO4J_URI": "", "KG_LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", "kg.cli", "build", *files, "--workers", "1"], env=env, cwd=str(ROOT),
                   check=True, timeout=3600)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, help="KG_DATA_DIR of a built graph (default: a temp dir, see --build)")
    ap.add_argument("--build", type=Path, help="Build the graph from this corpus first (kg build), e.g. examples")
    ap.add_argument("--duration", type=float, default=60.0, help="Seconds of load (upper bound)")
    ap.add_argument("--max-requests", type=int, default=20000, help="Most requests sent (upper bound)")
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--query-timeout", type=float, default=3.0, help="KG_QUERY_TIMEOUT_S of the server")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json-out", type=Path)
    args = ap.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="kg-hostile-"))
    if args.build:
        build_graph(args.build, data_dir)
    if not (data_dir / "oxigraph").exists():
        raise SystemExit(f"no graph in {data_dir}: pass --build examples or --data-dir of a built graph")
    disk_before = store_facts(data_dir)
    with kg_serve(data_dir, args.query_timeout) as (base, process), httpx.Client(base_url=base, timeout=60) as http:
        seen_before = served_facts(http)
        names = [n for n in (http.get("/api/search", params={"q": q, "limit": 50}).json()["hits"]
                             for q in ("邓", "广安", "四川", "县")) for n in [h["entity"]["name"] for h in n]]
        ids = disk_before[1]
        results, sent, seconds = asyncio.run(run_load(base, names or ["邓"], ids, args.concurrency, args.duration,
                                                      args.max_requests, args.seed))
        alive = process.poll() is None
        healthy = alive and http.get("/healthz").status_code == 200
        seen_after = served_facts(http) if healthy else None
    disk_after = store_facts(data_dir)
    unexpected = {k: r.unexpected for k, r in results.items() if r.unexpected}
    checks = {
        "no_unintended_5xx_or_dropped_connections": not unexpected,
        "server_alive_after_load": alive and healthy,
        "served_facts_unchanged": seen_after == seen_before,
        "stored_facts_unchanged": disk_after == disk_before,
    }
    report = {
        "command": " ".join(["python", "benchmarks/hostile_load.py", *sys.argv[1:]]),
        "concurrency": args.concurrency, "duration_s": round(seconds, 1), "requests": sent,
        "requests_per_s": round(sent / seconds, 1) if seconds else 0.0, "query_timeout_s": args.query_timeout,
        "graph": {"counts": disk_before[0], "entity_ids": len(disk_before[1]), "relation_ids": len(disk_before[2])},
        "kinds": {k: {"hostile": r.hostile, "expected": r.expected, "statuses": dict(sorted(r.statuses.items())),
                      "transport_errors": dict(r.transport_errors), "unexpected": r.unexpected,
                      "max_ms": round(r.max_ms, 1)} for k, r in results.items()},
        "unexpected_by_kind": unexpected, "checks": checks, "ok": all(checks.values()),
    }
    print("| kind | hostile | requests | statuses | unexpected | max ms |\n|---|---|---:|---|---:|---:|")
    for k, r in results.items():
        total = sum(r.statuses.values()) + sum(r.transport_errors.values())
        shown = ", ".join(f"{s}×{n}" for s, n in sorted(r.statuses.items()))
        shown += "".join(f", {e}×{n}" for e, n in r.transport_errors.items())
        print(f"| {k} | {'yes' if r.hostile else 'no'} | {total} | {shown} | {r.unexpected} | {r.max_ms:.0f} |")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    sys.exit(0 if report["ok"] else 1)


if __name__ == "__main__":
    main()
