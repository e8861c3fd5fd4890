"""Helpers shared by the notebooks: build (or find) the demo graph, and run ``kg serve`` on it.

``open_demo_graph()`` builds the example corpus (``examples/``) with the project's own ``kg build``
function into a temporary data folder — or into ``KG_DATA_DIR`` when the caller set it — and
``DemoServer`` runs ``kg serve`` on that folder on a free loopback port. Both clean up after
themselves: explicitly with ``close()`` / ``stop()``, and at interpreter exit (also when a notebook
cell fails and the kernel shuts down) through ``atexit``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from api.local_server import ServerStartError, free_port, wait_until_healthy
from kg.documents import SUFFIX_FORMATS
from kg.settings import Settings, get_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = REPO_ROOT / "examples"
SERVER_START_TIMEOUT_S = 60.0


def corpus_files(corpus: Path = EXAMPLES) -> list[Path]:
    """The documents of ``corpus`` that ``kg build`` reads (``README.md`` and other file types left out)."""
    if not corpus.is_dir():
        raise FileNotFoundError(f"no example corpus at {corpus}; run the notebook from a clone of the repository")
    return sorted(p for p in corpus.iterdir() if p.is_file() and p.suffix.lower() in SUFFIX_FORMATS)


@dataclass
class DemoGraph:
    """A data folder holding the demo graph; ``temporary`` folders are deleted by ``close()``."""

    data_dir: Path
    temporary: bool
    built: bool
    skipped: int = 0
    _previous_env: str | None = None
    _closed: bool = field(default=False, repr=False)

    @property
    def settings(self) -> Settings:
        """Settings pointing at this data folder (Neo4j settings still come from the environment)."""
        return Settings(data_dir=self.data_dir)

    def env(self) -> dict[str, str]:
        """The environment for a ``kg`` subprocess that must use this data folder."""
        return {**os.environ, "KG_DATA_DIR": str(self.data_dir)}

    def close(self) -> None:
        """Delete the folder if it is temporary and restore ``KG_DATA_DIR``; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._previous_env is None:
            os.environ.pop("KG_DATA_DIR", None)
        else:
            os.environ["KG_DATA_DIR"] = self._previous_env
        get_settings.cache_clear()
        if self.temporary:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def open_demo_graph(corpus: Path = EXAMPLES) -> DemoGraph:
    """Build the demo graph with ``kg build``'s function and return where it lives.

    With ``KG_DATA_DIR`` set and already holding a store, that store is used as it is; with
    ``KG_DATA_DIR`` set but empty, the corpus is built into it (and kept); otherwise into a
    temporary folder that ``close()`` deletes. Neo4j is loaded too when ``KG_NEO4J_URI`` is set
    (loads are idempotent MERGEs, so other data in that database is left alone).
    """
    from kg.cli import build_graph

    given = os.environ.get("KG_DATA_DIR")
    if given:
        data_dir, temporary = Path(given).resolve(), False
    else:
        data_dir, temporary = Path(tempfile.mkdtemp(prefix="kg-demo-")), True
    graph = DemoGraph(data_dir=data_dir, temporary=temporary, built=False, _previous_env=given)
    atexit.register(graph.close)
    os.environ["KG_DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()  # build_graph reads the settings singleton
    if not (data_dir / "oxigraph").exists():
        graph.skipped = build_graph(corpus_files(corpus), workers=1, progress=False)
        graph.built = True
    return graph


class DemoServer:
    """``kg serve`` in a subprocess on a free loopback port, stopped by ``stop()`` or at interpreter exit."""

    def __init__(self, graph: DemoGraph) -> None:
        self.graph = graph
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._log_dir = Path(tempfile.mkdtemp(prefix="kg-serve-log-"))
        self.log_path = self._log_dir / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None
        atexit.register(self.stop)  # removes the log folder even if the server is never started

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "kg.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]

    def start(self) -> str:
        """Start the server and wait until ``/healthz`` answers; returns the base URL."""
        log = self.log_path.open("wb")
        try:
            self.process = subprocess.Popen(self.command, env=self.graph.env(), cwd=REPO_ROOT,
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        finally:
            log.close()
        # Reap the server as soon as it ends: a dead but unreaped child (a zombie) would make the Jupyter
        # kernel wait at shutdown until it is killed, and then no atexit clean-up would run.
        threading.Thread(target=self.process.wait, name=f"reap-kg-serve-{self.port}", daemon=True).start()
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self.base_url

    def _wait_healthy(self) -> None:
        assert self.process is not None
        try:
            wait_until_healthy(self.base_url, self.process, SERVER_START_TIMEOUT_S)
        except ServerStartError as error:
            raise ServerStartError(f"{error}: {self.log_tail()}") from None

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the server printed (to explain a failure)."""
        if not self.log_path.exists():
            return "(no server log)"
        return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def stop(self) -> int | None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s); returns its exit code. Safe to call twice."""
        process, self.process = self.process, None
        if process is None:
            shutil.rmtree(self._log_dir, ignore_errors=True)
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        shutil.rmtree(self._log_dir, ignore_errors=True)
        return process.returncode
