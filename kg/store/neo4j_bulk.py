"""First load of a large corpus into the local Neo4j by ``neo4j-admin database import full`` (``kg load --bulk``).

Only for a Neo4j this project runs (``scripts/neo4j.sh``, home ``KG_NEO4J_HOME`` or ``<repo>/.neo4j``) whose
database is empty: the server is stopped, the records are written as import CSV (:mod:`kg.store.neo4j_csv`,
the graph a transactional load writes) while it stops, imported, the server started again and the store's
schema (uniqueness constraints, full-text index) built; done is reported only once every index is online.
"""

from __future__ import annotations

import itertools
import logging
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import neo4j

from kg.models import Record
from kg.settings import Settings
from kg.store.neo4j_csv import ADMIN_ARRAY_DELIMITER, BulkGraph, ImportDataError, write_import_csv

if TYPE_CHECKING:
    from kg.store.neo4j_store import Neo4jStore

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "neo4j.sh"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
USE_PLAIN = "use plain `kg load`"
SCHEMA_WORKERS = 4
"""Uniqueness constraints created at once (a 2-core server: more only adds lock conflicts)."""
SCHEMA_RETRIES = 50


class BulkLoadError(RuntimeError):
    """Why a bulk load cannot run or failed, in one line a person can act on."""


@dataclass
class BulkStats:
    """Counts as :class:`kg.store.base.LoadStats` gives them, what the store holds after, and seconds per step."""

    records: dict[str, int]
    stored: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    skipped: tuple[int, int] = (0, 0)


@dataclass
class LocalNeo4j:
    """A Neo4j installed and run by ``scripts/neo4j.sh`` from ``home``, answering on ``port``, its databases in
    ``data``."""

    home: Path
    port: int
    data: Path

    def run(self, *args: str) -> str:
        env = {**os.environ, "KG_NEO4J_HOME": str(self.home), "KG_NEO4J_BOLT_PORT": str(self.port)}
        done = subprocess.run(["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            lines = [line for line in (done.stderr or done.stdout).strip().splitlines()
                     if line.strip() and "--verbose" not in line] or ["no output"]
            raise BulkLoadError(f"scripts/neo4j.sh {args[0]} failed: {lines[-1].strip()}")
        return done.stdout


def _conf(home: Path) -> dict[str, str]:
    conf = home / "conf" / "neo4j.conf"
    lines = conf.read_text(encoding="utf-8").splitlines() if conf.is_file() else []
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def local_neo4j(settings: Settings, home: Path | None = None) -> LocalNeo4j:
    """The local server ``settings.neo4j_uri`` points to; :class:`BulkLoadError` when it is not one."""
    home = home or Path(os.environ.get("KG_NEO4J_HOME") or ROOT / ".neo4j")
    if not settings.neo4j_uri:
        raise BulkLoadError("KG_NEO4J_URI is not set; start the local Neo4j with `scripts/neo4j.sh start` and "
                            "export its settings (`eval \"$(scripts/neo4j.sh uri | sed 's/^/export /')\"`)")
    if not SCRIPT.is_file() or not any((home / "lib").glob(".complete-*")):
        raise BulkLoadError(f"no Neo4j installed by scripts/neo4j.sh in {home} (set KG_NEO4J_HOME to its folder); "
                            f"a Neo4j run elsewhere (Docker, Aura) cannot be bulk-imported: {USE_PLAIN}")
    uri = urlparse(settings.neo4j_uri)
    conf = _conf(home)
    port = int(conf["server.bolt.listen_address"].rsplit(":", 1)[1]) if "server.bolt.listen_address" in conf else None
    if uri.hostname not in LOCAL_HOSTS or port is None or (uri.port or 7687) != port:
        raise BulkLoadError(f"KG_NEO4J_URI {settings.neo4j_uri} is not the Neo4j of {home} "
                            f"(bolt://127.0.0.1:{port}); a Neo4j run elsewhere cannot be bulk-imported: {USE_PLAIN}")
    return LocalNeo4j(home, port, Path(conf.get("server.directories.data") or home / "data"))


def _store(settings: Settings) -> Neo4jStore:
    from kg.store.neo4j_store import Neo4jStore

    return Neo4jStore(settings)


def _stored_nodes(settings: Settings) -> int | None:
    """Nodes in the database, or None when the server does not answer (one try, no retries)."""
    store = _store(settings)
    try:
        with store.driver.session(database=settings.neo4j_database) as session:
            return int(session.run("MATCH (n) RETURN count(n) AS n").single(strict=True)["n"])
    except neo4j.exceptions.ServiceUnavailable:
        return None
    except neo4j.exceptions.AuthError:
        raise BulkLoadError(f"{settings.neo4j_uri} refused KG_NEO4J_USER/KG_NEO4J_PASSWORD; export them from "
                            "`scripts/neo4j.sh uri`") from None
    finally:
        store.close()


def ensure_empty(server: LocalNeo4j, settings: Settings) -> None:
    """Refuse unless the target database holds nothing (the server is started to ask when it is down and the
    database has files)."""
    nodes = _stored_nodes(settings)
    if nodes is None:
        if not (server.data / "databases" / settings.neo4j_database).exists():
            return
        server.run("start")
        nodes = _stored_nodes(settings)
    if nodes:
        raise BulkLoadError(f"the Neo4j database {settings.neo4j_database!r} at {settings.neo4j_uri} already holds "
                            f"{nodes:,} nodes; --bulk is only for the first load into an empty database: "
                            f"{USE_PLAIN} to add to it (or `scripts/neo4j.sh reset` to start over)")


def read_graph(records: Iterable[Record], *, review_csv: Path | None = None,
               texts: dict[str, str] | None = None) -> BulkGraph:
    """The records merged by id, with the review decisions applied and document texts read, as ``kg load``
    (:func:`kg.loading.load_records`) does."""
    from kg.loading import document_text

    if review_csv is not None and review_csv.exists():
        from kg.review import apply_review

        records = apply_review(records, review_csv)
    graph = BulkGraph().add_all(records)
    for doc in graph.documents.values():
        text = (texts or {}).get(doc.id) or document_text(doc)
        if text is not None:
            graph.texts[doc.id] = text
    return graph


def _import(server: LocalNeo4j, csv_dir: Path, files_nodes: list[str], files_rels: list[str],
            multiline: list[str], database: str) -> None:
    args = ["import", *(f"--nodes={f}" for f in files_nodes),
            *(f"--relationships={f}" for f in files_rels), f"--array-delimiter={ADMIN_ARRAY_DELIMITER}",
            f"--report-file={csv_dir / 'import.report'}", "--overwrite-destination"]
    if multiline:
        args += ["--multiline-fields-format=v2", f"--multiline-fields={','.join(multiline)}"]
    try:
        server.run(*args, database)
    except BulkLoadError as e:
        raise BulkLoadError(f"neo4j-admin import failed ({e}); the database is unusable until "
                            "`scripts/neo4j.sh reset`") from None


def build_schema(settings: Settings, workers: int = SCHEMA_WORKERS) -> None:
    """The store's schema (:func:`kg.store.cypher.schema_statements`), waited for until every index is online.

    The indexes go first, in one transaction (one population scan, running in the background); the uniqueness
    constraints, each populating and checking its own index before it commits, then run ``workers`` at a time.
    Concurrent schema transactions can deadlock on token locks: the loser is retried after a short pause."""
    from kg.store import cypher

    statements = cypher.schema_statements()
    indexes = [s for s in statements if not s.startswith("CREATE CONSTRAINT")]
    groups = [indexes, *([s] for s in statements if s not in indexes)]
    store = _store(settings)

    def create(group: list[str]) -> None:
        for attempt in itertools.count():
            try:
                with store.driver.session(database=settings.neo4j_database) as session, \
                        session.begin_transaction() as tx:
                    for statement in group:
                        tx.run(statement).consume()
                    tx.commit()
                return
            except neo4j.exceptions.TransientError:
                if attempt >= SCHEMA_RETRIES:
                    raise
                time.sleep(0.05)

    try:
        store.driver.execute_query("RETURN 1", database_=settings.neo4j_database)  # retried until the database is up
        create(groups[0])
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(create, groups[1:]))
        with store.driver.session(database=settings.neo4j_database) as session:
            session.run(*cypher.await_indexes()).consume()
    finally:
        store.close()


def bulk_load(graph: BulkGraph, settings: Settings, *, home: Path | None = None,
              step: Callable[[str], None] = lambda _: None) -> BulkStats:
    """Import ``graph`` (from :func:`read_graph`) into the empty local Neo4j; ``step`` is told each step as it
    begins. Raises :class:`BulkLoadError` (nothing changed) when the target is not a local, empty database.

    The check and the server's stop run while the CSV is written; ``seconds`` holds when each step ended
    (``check``, ``check_and_stop``, ``csv``, ``csv_and_stop``, from the start) and how long the later ones took."""
    server = local_neo4j(settings, home)
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    _store(settings).close()  # the store's modules imported here, not in the thread while the CSV writer forks

    def check_and_stop() -> None:
        ensure_empty(server, settings)
        seconds["check"] = time.perf_counter() - began
        server.run("stop")
        seconds["check_and_stop"] = time.perf_counter() - began

    with tempfile.TemporaryDirectory(prefix="kg-bulk-") as tmp:
        csv_dir = Path(tmp)
        step("checking that the database is empty, stopping Neo4j and writing the import CSV")
        with ThreadPoolExecutor(max_workers=1) as pool:
            stopped = pool.submit(check_and_stop)
            try:
                files = write_import_csv(graph, csv_dir)
            except ImportDataError as e:
                if stopped.exception() is None:
                    server.run("start")
                raise BulkLoadError(str(e)) from None
            seconds["csv"] = time.perf_counter() - began
            stopped.result()  # a database that is not empty stops the load here, nothing changed
        seconds["csv_and_stop"] = time.perf_counter() - began
        step(f"importing {files.counts['entities']:,} entities and {files.counts['relations']:,} relations "
             "with neo4j-admin")
        t = time.perf_counter()
        _import(server, csv_dir, files.nodes, files.relationships, files.multiline, settings.neo4j_database)
        seconds["import"] = time.perf_counter() - t
    step("starting Neo4j")
    t = time.perf_counter()
    server.run("start")
    seconds["start"] = time.perf_counter() - t
    step("building constraints and the full-text index")
    t = time.perf_counter()
    build_schema(settings)
    seconds["schema"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - began
    skipped = graph.orphans()
    if any(skipped):
        log.warning("skipped %d mentions and %d relations whose entities are not in the records", *skipped)
    return BulkStats(records=dict(graph.records), stored=files.counts, seconds=seconds, skipped=skipped)
