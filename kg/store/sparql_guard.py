"""Read-only SPARQL for the public endpoint: refuse what is unsafe, enforce a real time limit, cap rows.

pyoxigraph has no query timeout, so each query runs in a worker process that opens the store read-only
(``Store.read_only``, a fresh view per query) and is killed when the time limit passes; a small pool keeps
warm workers so a query does not pay for a Python start-up. Refusals raise :class:`SparqlRefused` (HTTP 400),
time-outs :class:`SparqlTimeout` (HTTP 504).
"""

from __future__ import annotations

import atexit
import json
import os
import socket
import subprocess
import sys
import threading
import time
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from typing_extensions import Self

if TYPE_CHECKING:
    from kg.store.rdf_store import OxigraphStore

TRUNCATED_HEADER = "X-KG-Truncated"
MAX_QUERY_BYTES = 32 * 1024
RESULT_TYPES: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON, "application/json": ox.QueryResultsFormat.JSON,
    "json": ox.QueryResultsFormat.JSON, "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML, "xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV, "csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV, "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE, "turtle": ox.RdfFormat.TURTLE, "ttl": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES, "nt": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD, "json-ld": ox.RdfFormat.JSON_LD, "jsonld": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML, "rdfxml": ox.RdfFormat.RDF_XML,
}


class SparqlRefused(ValueError):
    """The query is not allowed or not valid (HTTP 400); ``reason`` says why and what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SparqlTimeout(TimeoutError):
    """The query ran past the time limit and was stopped (HTTP 504)."""


class SparqlAnswer(tuple[bytes, str]):
    """``(body, content_type)``; ``headers`` holds extra response headers (``X-KG-Truncated`` when capped)."""

    headers: dict[str, str]

    def __new__(cls, body: bytes, content_type: str, headers: dict[str, str]) -> Self:
        answer = super().__new__(cls, (body, content_type))
        answer.headers = headers
        return answer

    @property
    def body(self) -> bytes:
        return self[0]

    @property
    def content_type(self) -> str:
        return self[1]

    @property
    def truncated(self) -> bool:
        return TRUNCATED_HEADER in self.headers


def _accepted(accept: str) -> list[str]:
    """Media types of an Accept header (or a short name like ``csv``), best first."""
    ranked = []
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip().lower() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranked.append((-q, position, media))
    return [media for _, _, media in sorted(ranked)]


def negotiate(accept: str, table: dict[str, Any], default: Any) -> Any:
    for media in _accepted(accept):
        if media in table:
            return table[media]
    return default


def _iris_of(term: Any, prologue: list[Any]) -> str:
    from kg.store.rdf_store import PREFIXES

    if getattr(term, "name", "") == "pname":
        prefix = term.get("prefix") or ""
        declared = {d["prefix"] or "": str(d["iri"]) for d in prologue if getattr(d, "name", "") == "PrefixDecl"}
        base = declared.get(prefix, PREFIXES.get(prefix, ""))
        return base + (term.get("localname") or "")
    return str(term)


def _walk(node: Any) -> Any:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _walk(value)


MAX_NESTING = 32
_RACED_WITH_WRITER = ("No such file or directory", "Corruption")
_PARSE_LOCK = threading.Lock()


def _nesting(query: str) -> int:
    """Deepest nesting of (), {} and [] outside strings, IRIs and comments (an upper bound is enough)."""
    depth = deepest = 0
    quote = ""
    for ch in query:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")}]":
            depth = max(0, depth - 1)
    return deepest


def check_query(query: str, *, max_query_bytes: int = MAX_QUERY_BYTES) -> list[str]:
    """Refuse updates, SERVICE, oversized and invalid queries; return the FROM / FROM NAMED IRIs (checked
    against the store's own graphs by the worker)."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    size = len(query.encode("utf-8"))
    if size > max_query_bytes:
        raise SparqlRefused(f"query is {size} bytes; the limit is {max_query_bytes} bytes: shorten it")
    depth = _nesting(query)
    if depth > MAX_NESTING:
        raise SparqlRefused(f"query nests brackets {depth} deep; the limit is {MAX_NESTING}: flatten it")
    # pyparsing keeps parser state in module globals: one parse at a time
    with _PARSE_LOCK:
        try:
            tree = parseQuery(query)
        except RecursionError:
            raise SparqlRefused("query is too deeply nested to parse: flatten it") from None
        except ParseException as error:
            try:
                parseUpdate(query)
            except (ParseException, RecursionError):
                raise SparqlRefused(
                    f"SPARQL syntax error at line {error.lineno}, column {error.col}: {error.msg}") from None
            raise SparqlRefused("updates (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ...) are not allowed: "
                                "this endpoint is read-only; use `kg load` to change the graph") from None
    prologue, body = list(tree[0]), tree[1]
    for node in _walk(body):
        if getattr(node, "name", "") == "ServiceGraphPattern":
            raise SparqlRefused("SERVICE (federated query) is not allowed: query only this graph")
    # CompValue.get() returns the key itself when it is missing, so test membership explicitly
    clauses = body["datasetClause"] if "datasetClause" in body else []  # noqa: SIM401
    return [_iris_of(c["default"] if "default" in c else c["named"], prologue) for c in clauses]


def _term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                            "predicate": _term_json(term.predicate), "object": _term_json(term.object)}}
    out: dict[str, Any] = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        out["datatype"] = term.datatype.value
    return out


def _bytes(data: bytes | None) -> bytes:
    """pyoxigraph serialisers return bytes when given no output file."""
    if data is None:
        raise RuntimeError("pyoxigraph returned no bytes from serialize(); upgrade pyoxigraph to 0.5")
    return data


def _execute(path: str, query: str, accept: str, row_cap: int, dataset: list[str],
             prefixes: dict[str, str]) -> tuple[bytes, str, bool]:
    """Runs in the worker process, which imports nothing but pyoxigraph (a fast start)."""
    store = ox.Store.read_only(path)
    allowed = {g.value for g in store.named_graphs()}
    unknown = sorted(set(dataset) - allowed)
    if unknown:
        raise SparqlRefused(f"FROM <{unknown[0]}> is not a graph of this store; remote graphs are not loaded. "
                            f"Known graphs: {', '.join(sorted(allowed))}")
    try:
        result = store.query(query, prefixes=prefixes)
    except SyntaxError as error:
        raise SparqlRefused(f"SPARQL syntax error: {error}") from None
    if isinstance(result, ox.QueryBoolean):
        fmt = negotiate(accept, RESULT_TYPES, ox.QueryResultsFormat.JSON)
        return _bytes(result.serialize(format=fmt)), fmt.media_type, False
    if isinstance(result, ox.QuerySolutions):
        fmt = negotiate(accept, RESULT_TYPES, ox.QueryResultsFormat.JSON)
        names = [v.value for v in result.variables]
        rows = list(islice(result, row_cap + 1))
        document = {"head": {"vars": names}, "results": {"bindings": [
            {name: _term_json(row[name]) for name in names if row[name] is not None} for row in rows[:row_cap]]}}
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        if fmt != ox.QueryResultsFormat.JSON:
            capped = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            assert isinstance(capped, ox.QuerySolutions)
            body = _bytes(capped.serialize(format=fmt))
        return body, fmt.media_type, len(rows) > row_cap
    rdf_fmt = negotiate(accept, GRAPH_TYPES, ox.RdfFormat.TURTLE)
    triples = list(islice(result, row_cap + 1))
    body = _bytes(ox.serialize(triples[:row_cap], format=rdf_fmt,
                               prefixes=prefixes if rdf_fmt == ox.RdfFormat.TURTLE else None))
    return body, rdf_fmt.media_type, len(triples) > row_cap


def _worker_main(conn: Connection) -> None:
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            conn.send(("ok", *_execute(*job)))
        except SparqlRefused as refused:
            conn.send(("refused", refused.reason))
        except Exception as error:  # noqa: BLE001 - any failure goes back to the caller as a RuntimeError
            conn.send(("error", f"{type(error).__name__}: {error}"))


def serve_socket(fd: int) -> None:
    """Entry point of a worker process: answer jobs on the inherited socket ``fd`` until it closes."""
    _worker_main(Connection(fd))


Worker = tuple[subprocess.Popen[bytes], Connection]
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class WorkerPool:
    """Keeps ``size`` warm worker processes; a worker that runs past the time limit is killed and replaced.

    Workers are plain ``python -c`` subprocesses talking over a socket pair, so they work from any caller
    (no ``if __name__ == "__main__"`` guard needed, unlike multiprocessing's spawn)."""

    def __init__(self, size: int = 1) -> None:
        self.size = size
        self._idle: list[Worker] = []
        self._lock = threading.Lock()

    def _spawn(self) -> Worker:
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
        # workers ignore Ctrl-C (the parent stops them), so an interrupted `kg serve` prints no worker tracebacks
        code = ("import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); "
                f"from kg.store.sparql_guard import serve_socket; serve_socket({theirs.fileno()})")
        process = subprocess.Popen([sys.executable, "-c", code], pass_fds=[theirs.fileno()], env=env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        theirs.close()
        return process, Connection(ours.detach())

    def warm(self) -> None:
        with self._lock:
            while len(self._idle) < self.size:
                self._idle.append(self._spawn())

    def run(self, job: tuple[str, str, str, int, list[str], dict[str, str]], timeout_s: float) -> tuple[Any, ...]:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        process, conn = worker if worker is not None else self._spawn()
        try:
            conn.send(job)
            ready = conn.poll(timeout_s)
            reply = conn.recv() if ready else None
        except (EOFError, OSError, BrokenPipeError):
            self._kill(process, conn)
            raise RuntimeError("the SPARQL worker process died; see the server log, then retry") from None
        if reply is None:
            self._kill(process, conn)
            self.warm()
            raise SparqlTimeout(f"query stopped after {timeout_s:g} s (KG_QUERY_TIMEOUT_S): narrow it or add a LIMIT")
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append((process, conn))
                process = None  # type: ignore[assignment]
        if process is not None:
            self._kill(process, conn)
        return tuple(reply)

    @staticmethod
    def _kill(process: subprocess.Popen[bytes], conn: Connection) -> None:
        process.kill()
        process.wait(5)
        conn.close()

    def shutdown(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for process, conn in idle:
            self._kill(process, conn)


_POOL = WorkerPool(size=2)
atexit.register(_POOL.shutdown)


def run_readonly_sparql(
    store_path_or_store: str | Path | OxigraphStore,
    query: str,
    *,
    timeout_s: float | None = None,
    row_cap: int | None = None,
    accept: str = "",
    max_query_bytes: int = MAX_QUERY_BYTES,
) -> SparqlAnswer:
    """Run a read-only query; ``accept`` is an Accept header or a short name (json, xml, csv, tsv, turtle, nt,
    json-ld). Returns ``(body, content_type)`` with ``.headers`` (``X-KG-Truncated`` when rows were capped)."""
    from kg.settings import get_settings
    from kg.store.rdf_store import PREFIXES, OxigraphStore

    settings = get_settings()
    timeout = settings.query_timeout_s if timeout_s is None else timeout_s
    cap = settings.query_row_cap if row_cap is None else row_cap
    path = store_path_or_store.path if isinstance(store_path_or_store, OxigraphStore) else Path(store_path_or_store)
    dataset = check_query(query, max_query_bytes=max_query_bytes)
    if not path.exists():
        raise FileNotFoundError(f"no Oxigraph store at {path}; run `kg load` first or set KG_DATA_DIR")
    for attempt in range(3):
        status, *rest = _POOL.run((str(path), query, accept, cap, dataset, PREFIXES), timeout)
        # a read-only view opened while the writer compacts can miss a just-deleted file: open a new view
        if status != "error" or not any(w in str(rest[0]) for w in _RACED_WITH_WRITER) or attempt == 2:
            break
        time.sleep(0.05 * (attempt + 1))
    if status == "refused":
        raise SparqlRefused(str(rest[0]))
    if status == "error":
        raise RuntimeError(f"SPARQL query failed: {rest[0]}")
    body, content_type, truncated = rest
    headers = {TRUNCATED_HEADER: f"rows capped at {cap}"} if truncated else {}
    return SparqlAnswer(bytes(body), str(content_type), headers)
