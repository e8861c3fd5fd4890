"""Access to the shared state of one app: its settings and its (reloadable) graph store."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from anyio import CapacityLimiter
from fastapi import Request

from api.answers import AnswerCache, is_snapshot
from api.errors import ApiError
from kg.settings import Settings
from kg.store.base import GraphStore

StoreFactory = Callable[[Settings], GraphStore]
SUPERVISOR_ENV = "KG_SERVE_SUPERVISOR_PID"
"""Set by ``kg serve`` for its worker processes (not a setting): the process id of their supervisor."""


@dataclass
class AppState:
    """The graph store the app answers from, swapped atomically by ``POST /api/reload``."""

    settings: Settings
    store: GraphStore
    factory: StoreFactory | None = None
    stats_cache: dict[str, Any] | None = None
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    answers: AnswerCache | None = None
    """Serialised answers of ``store``; replaced only after the store is (``api.answers`` relies on the order)."""
    embedded_threads: CapacityLimiter | None = None
    """Threads that may work on the embedded store at once (made on first use, inside the event loop)."""

    def __post_init__(self) -> None:
        self._renew_answers()

    def _renew_answers(self) -> None:
        mb = self.settings.response_cache_mb
        self.answers = AnswerCache(mb * 1024 * 1024) if mb > 0 and is_snapshot(self.store) else None

    def reload(self) -> GraphStore:
        """Close the store and open it again (new data written by ``kg load`` becomes visible)."""
        if self.factory is None:
            raise ApiError(409, "this app was given a fixed store and cannot reload it; start it with `kg serve`")
        with self.lock:
            if not self.closed:
                self.store.close()
            self.store = self.factory(self.settings)
            warm = getattr(self.store, "warm", None)
            if callable(warm):
                warm()
            self.closed = False
            self.stats_cache = None
            self._renew_answers()
            return self.store

    @staticmethod
    def replace_workers() -> bool:
        """In one of several ``kg serve`` processes: have uvicorn's supervisor replace every one of them (SIGHUP),
        each replacement opening the store anew. True if asked."""
        if os.environ.get(SUPERVISOR_ENV) != str(os.getppid()):
            return False
        os.kill(os.getppid(), signal.SIGHUP)
        return True

    def start(self) -> None:
        """At app start-up: reopen the store if an earlier shutdown closed it, and build the store's
        in-memory indexes before the first request instead of during it."""
        if self.closed and self.factory is not None:
            self.reload()
        warm = getattr(self.store, "warm", None)
        if callable(warm):
            warm()

    def shutdown(self) -> None:
        with self.lock:
            if not self.closed:
                self.store.close()
                self.closed = True


async def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.kg
    return state


async def get_store(request: Request) -> GraphStore:
    state: AppState = request.app.state.kg
    return state.store


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings
