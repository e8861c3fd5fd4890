"""kg.store.native_memory: glibc's freed pages really go back to the system."""

from __future__ import annotations

import platform
import threading

import psutil
import pytest

from kg.store import native_memory

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim and mallopt are glibc's")


@glibc_only
def test_limit_arenas_is_set_once() -> None:
    assert native_memory.limit_arenas() is True
    assert native_memory.limit_arenas() is True  # cached: a second store in the process changes nothing


@glibc_only
def test_release_free_memory_returns_freed_pages() -> None:
    process = psutil.Process()
    kept: list[bytes] = []

    def churn() -> None:  # a writer thread's pattern: many mid-sized buffers, a few outliving the rest
        blocks = [bytes(2000) for _ in range(100_000)]
        kept.extend(blocks[::100])

    worker = threading.Thread(target=churn)
    worker.start()
    worker.join()
    held = process.memory_info().rss
    native_memory.release_free_memory()
    released = held - process.memory_info().rss
    assert len(kept) == 1000
    assert released > 50 * 2**20, f"only {released / 2**20:.0f} MB of ~190 MB freed went back"


def test_nothing_happens_without_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    native_memory._glibc.cache_clear()
    native_memory.limit_arenas.cache_clear()
    monkeypatch.setattr(platform, "system", lambda: "Darwin")
    try:
        assert native_memory.release_free_memory() is False
        assert native_memory.limit_arenas() is False
    finally:
        native_memory._glibc.cache_clear()
        native_memory.limit_arenas.cache_clear()
