"""JSON answers of the read endpoints, serialised once and kept while the store is a snapshot.

The embedded store is served read-only: its answers cannot change until ``POST /api/reload`` opens it again, so
an answer serialised once can be sent again as it is. ``AnswerCache`` keeps the most recently used answers up to
``settings.response_cache_mb``; a reload empties it. A store that can change under the server (Neo4j, which
``kg load`` writes to while the API serves) is never cached.

Routes return the serialised bytes themselves, so FastAPI does not validate and re-encode a model the store
has just built and validated.

The served embedded store's work is CPU-bound Python, so it runs on at most one thread per core: forty threads (the
default pool) contending for the GIL cost measurably more CPU per answer and a longer tail (docs/api.md). Neo4j
answers wait on the network and keep the default pool.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

import anyio.to_thread
from anyio import CapacityLimiter
from pydantic import BaseModel
from starlette.responses import Response

from kg.store.base import GraphStore

if TYPE_CHECKING:
    from api.deps import AppState


class AnswerCache:
    """A thread-safe LRU of serialised answers, bounded by their total size in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._answers: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            body = self._answers.get(key)
            if body is not None:
                self._answers.move_to_end(key)
            return body

    def put(self, key: Hashable, body: bytes) -> None:
        if len(body) > self.max_bytes // 8:  # one huge answer must not flush everything else
            return
        with self._lock:
            old = self._answers.pop(key, None)
            self.size += len(body) - (len(old) if old is not None else 0)
            self._answers[key] = body
            while self.size > self.max_bytes:
                _, evicted = self._answers.popitem(last=False)
                self.size -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self.size = 0

    def __len__(self) -> int:
        return len(self._answers)


def is_snapshot(store: GraphStore) -> bool:
    """True for a store whose answers cannot change while it is open (the embedded store opened read-only)."""
    return bool(getattr(store, "read_only", False))


async def json_answer(state: AppState, key: Hashable, answer: Callable[[GraphStore], BaseModel]) -> Response:
    """``answer(store)`` as JSON: from the cache when the store is a snapshot, else computed in a worker thread.

    Errors raised by ``answer`` (``ApiError`` 404 and the like) propagate and are never cached.
    """
    cache = state.answers  # read before the store: a reload swaps the store first, then the cache
    store = state.store
    if cache is not None:
        body = cache.get(key)
        if body is not None:
            return Response(body, media_type="application/json")
    if is_snapshot(store):
        if state.embedded_threads is None:
            state.embedded_threads = CapacityLimiter(os.cpu_count() or 1)
        model = await anyio.to_thread.run_sync(answer, store, limiter=state.embedded_threads)
    else:
        model = await anyio.to_thread.run_sync(answer, store)
    body = model.__pydantic_serializer__.to_json(model)
    if cache is not None:
        cache.put(key, body)
    return Response(body, media_type="application/json")
