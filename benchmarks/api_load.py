"""Load generator for the REST API: p50/p95 latency and requests/s for search, entity and neighbours.

Runs in its own process against a running server (``kg serve``) on this machine only (loopback addresses);
every phase is bounded by a duration and a request count, and the program stops by itself.

    python benchmarks/api_load.py --base-url http://127.0.0.1:8000 --concurrency 50 --duration 10
    python benchmarks/api_load.py --start-server kg-data      # starts `kg serve` on a free port itself

Ids for the entity/neighbours phases come from ``/api/search`` answers to the ``--queries`` (or ``--ids``).
Prints a Markdown table, then one JSON document (also written to ``--json-out`` if given).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx

from api.local_server import ServerStartError, free_port, wait_until_healthy

DEFAULT_QUERIES = ["王", "李", "张", "刘", "陈", "邓", "广安", "四川", "会议", "县"]


@dataclass
class PhaseResult:
    endpoint: str
    concurrency: int
    requests: int
    errors: int
    error_kinds: dict[str, int]
    seconds: float
    requests_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


def check_loopback(base_url: str) -> None:
    """Refuse any target that is not this machine (127.0.0.0/8, ::1, localhost)."""
    host = urlsplit(base_url).hostname or ""
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise SystemExit(f"cannot resolve {host!r}: {exc}") from exc
    for address in addresses:
        if not ipaddress.ip_address(address.split("%")[0]).is_loopback:
            raise SystemExit(f"{base_url} resolves to {address}, not a loopback address; "
                             "this benchmark only targets servers on this machine")


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


class RawHttpClient:
    """One keep-alive HTTP/1.1 connection per simulated client, on asyncio streams.

    The load generator shares the machine's cores with the server, so it must cost as little CPU per request as
    possible: this client costs about a tenth of ``httpx`` per request (it only sends GETs and reads
    ``Content-Length`` or chunked bodies).
    """

    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.headers = f"Host: {self.host}:{self.port}\r\nAccept: application/json\r\n{auth}\r\n".encode()
        self.timeout = timeout
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> int:
        """The response's status code; the body is read and dropped. Raises OSError/asyncio errors on failure."""
        try:
            return await asyncio.wait_for(self._get(path), self.timeout)
        except BaseException:
            await self.close()
            raise

    async def _get(self, path: str) -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\n" + self.headers)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        if b"transfer-encoding: chunked" in lower:
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            at = lower.find(b"content-length:")
            if at < 0:
                raise ConnectionError("response without Content-Length or chunked body")
            await reader.readexactly(int(lower[at + 15:lower.index(b"\r\n", at)]))
        if b"connection: close" in lower:
            await self.close()
        return status

    async def close(self) -> None:
        if self.streams is not None:
            writer = self.streams[1]
            self.streams = None
            writer.close()
            with suppress(Exception):
                await writer.wait_closed()


async def run_phase(base_url: str, token: str, timeout: float, endpoint: str, paths: list[str], concurrency: int,
                    duration_s: float, max_requests: int) -> PhaseResult:
    latencies: list[float] = []
    errors = 0
    kinds: dict[str, int] = {}
    issued = 0
    began = time.perf_counter()
    deadline = began + duration_s

    async def worker(offset: int) -> None:
        nonlocal errors, issued
        client = RawHttpClient(base_url, token, timeout)
        position = offset
        while time.perf_counter() < deadline and issued < max_requests:
            issued += 1
            path = paths[position % len(paths)]
            position += concurrency
            start = time.perf_counter()
            kind = ""
            try:
                status = await client.get(path)
                if status != 200:
                    kind = f"HTTP {status}"
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
                kind = type(exc).__name__
            latencies.append((time.perf_counter() - start) * 1000.0)
            if kind:
                errors += 1
                kinds[kind] = kinds.get(kind, 0) + 1
        await client.close()

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    return PhaseResult(
        endpoint=endpoint, concurrency=concurrency, requests=len(latencies), errors=errors, error_kinds=kinds,
        seconds=round(elapsed, 3), requests_per_s=round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(statistics.median(ordered), 2) if ordered else 0.0,
        p95_ms=round(percentile(ordered, 0.95), 2), p99_ms=round(percentile(ordered, 0.99), 2),
        max_ms=round(ordered[-1], 2) if ordered else 0.0,
    )


async def discover_ids(client: httpx.AsyncClient, queries: list[str], wanted: int) -> list[str]:
    ids: list[str] = []
    for query in queries:
        response = await client.get("/api/search", params={"q": query, "limit": 50})
        response.raise_for_status()
        for hit in response.json()["hits"]:
            if hit["entity"]["id"] not in ids:
                ids.append(hit["entity"]["id"])
        if len(ids) >= wanted:
            break
    return ids[:wanted]


async def sample_entities(client: httpx.AsyncClient, wanted: int, seed: int) -> list[tuple[str, str]]:
    """``wanted`` (id, name) pairs drawn uniformly from every entity of the graph, through the SPARQL endpoint."""
    found: list[tuple[str, str]] = []
    page = 5000
    while True:
        query = (f"SELECT ?id ?name WHERE {{ ?e kg:name ?name ; kg:recordId ?id }} "
                 f"LIMIT {page} OFFSET {len(found)}")
        response = await client.get("/sparql", params={"query": query}, headers={"accept": "text/csv"})
        response.raise_for_status()
        rows = [line.split(",", 1) for line in response.text.splitlines()[1:] if "," in line]
        found.extend((row[0], row[1]) for row in rows)
        if len(rows) < page:
            break
    return random.Random(seed).sample(found, min(wanted, len(found)))


async def benchmark(args: argparse.Namespace, base_url: str) -> list[PhaseResult]:
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    headers = {"authorization": f"Bearer {args.token}"} if args.token else {}
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=args.timeout, headers=headers) as client:
        (await client.get("/healthz")).raise_for_status()
        queries = list(args.queries)
        if args.ids:
            ids = list(args.ids)
        elif args.distinct:
            sample = await sample_entities(client, args.max_ids, args.seed)
            ids = [entity_id for entity_id, _ in sample]
            queries = list(dict.fromkeys(name.strip('"')[:2] for _, name in sample))
        else:
            ids = await discover_ids(client, args.queries, args.max_ids)
        if not ids:
            raise SystemExit("no entity ids: /api/search found nothing for --queries; pass --ids or other --queries")
        phases = {
            "search": [f"/api/search?q={quote(q)}&limit=20" for q in queries],
            "entity": [f"/api/entities/{quote(i, safe=':')}" for i in ids],
            "neighbours": [f"/api/entities/{quote(i, safe=':')}/neighbours?depth=1&limit=100" for i in ids],
        }
        results = []
        for name in args.endpoints:
            await run_phase(base_url, args.token, args.timeout, name, phases[name][-5:], min(4, args.concurrency),
                            1.0, 20)  # warm-up
            results.append(await run_phase(base_url, args.token, args.timeout, name, phases[name], args.concurrency,
                                           args.duration, args.max_requests))
        return results


def markdown_table(results: list[PhaseResult]) -> str:
    lines = ["| endpoint | clients | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r.endpoint} | {r.concurrency} | {r.requests} | {r.errors} | {r.requests_per_s} | "
                     f"{r.p50_ms} | {r.p95_ms} | {r.p99_ms} | {r.max_ms} |")
    return "\n".join(lines)


@contextmanager
def started_server(data_dir: Path) -> Iterator[str]:
    """`kg serve` over ``data_dir`` in a child process on a free loopback port, stopped afterwards."""
    port = free_port()
    env = {**os.environ, "KG_DATA_DIR": str(data_dir.resolve()), "KG_HOST": "127.0.0.1", "KG_PORT": str(port),
           "KG_NEO4J_URI": os.environ.get("KG_NEO4J_URI", "") if os.environ.get("KG_BENCH_NEO4J") else ""}
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        try:  # the server builds its indexes before it answers
            wait_until_healthy(base, process, timeout_s=300)
        except ServerStartError as error:
            raise SystemExit(f"{error}; is {data_dir} a data dir?") from None
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="running server (loopback only)")
    parser.add_argument("--start-server", type=Path, metavar="DATA_DIR",
                        help="start `kg serve` over this data dir on a free port instead of using --base-url")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint (default 10)")
    parser.add_argument("--max-requests", type=int, default=20000, help="most requests per endpoint")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request timeout in seconds")
    parser.add_argument("--queries", nargs="+", default=DEFAULT_QUERIES, help="search terms")
    parser.add_argument("--ids", nargs="*", default=None, help="entity ids (default: found via /api/search)")
    parser.add_argument("--max-ids", type=int, default=200, help="most ids to discover (with --distinct: to sample)")
    parser.add_argument("--distinct", action="store_true",
                        help="ids sampled uniformly from the whole graph and search terms from their names, so no "
                             "answer repeats while the pool lasts (default: the --queries and the ids they find, "
                             "cycled, as for popular entities); use with --max-ids larger than the requests sent")
    parser.add_argument("--seed", type=int, default=1, help="random seed of --distinct")
    parser.add_argument("--endpoints", nargs="+", default=["search", "entity", "neighbours"],
                        choices=["search", "entity", "neighbours"])
    parser.add_argument("--token", default=os.environ.get("KG_READ_TOKEN", ""), help="read token, if required")
    parser.add_argument("--json-out", type=Path, help="also write the JSON results here")
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= 1000:
        parser.error("--concurrency must be between 1 and 1000")
    if not 0 < args.duration <= 600:
        parser.error("--duration must be between 0 and 600 seconds")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)

    def run(base_url: str) -> None:
        check_loopback(base_url)
        results = asyncio.run(benchmark(args, base_url))
        document = {"base_url": base_url, "concurrency": args.concurrency, "duration_s": args.duration,
                    "results": [asdict(r) for r in results]}
        if args.json_out:
            args.json_out.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(markdown_table(results))
        print(json.dumps(document, ensure_ascii=False, indent=2))

    if args.start_server is not None:
        with started_server(args.start_server) as base:
            run(base)
    else:
        run(args.base_url)


if __name__ == "__main__":
    main()
