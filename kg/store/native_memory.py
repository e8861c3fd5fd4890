"""Keeping a long load's resident memory near what it holds, on glibc (Linux).

RocksDB (inside pyoxigraph) and its bulk loader allocate and free large buffers from several threads. glibc gives
each contending thread its own malloc arena (up to eight per core) and keeps freed pages in them, so a process
loading tens of millions of characters grows by hundreds of megabytes it no longer uses. Two calls bound that:
:func:`limit_arenas` when a store is opened for writing (it must come before the process's other threads first
allocate: set at the first load instead, it left the peak where it was), :func:`release_free_memory` after each
written batch. The cap costs little where threads mostly wait for the GIL or the disk.
Elsewhere (macOS, musl) both do nothing: those allocators return memory on their own terms.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import platform

M_ARENA_MAX = -8
"""``mallopt`` parameter number of ``M_ARENA_MAX`` in glibc's ``malloc.h``."""
ARENAS = 2
"""Arenas for the whole process: one for the thread preparing batches, one for the threads writing them."""


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
    except OSError:
        return None
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None
    libc.mallopt.argtypes, libc.mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    libc.malloc_trim.argtypes, libc.malloc_trim.restype = [ctypes.c_size_t], ctypes.c_int
    return libc


@functools.cache
def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas (once per process; arenas made before stay). True when the cap was set."""
    libc = _glibc()
    return libc is not None and libc.mallopt(M_ARENA_MAX, arenas) == 1


def release_free_memory() -> bool:
    """Give the free pages of every malloc arena back to the system. True when some were released."""
    libc = _glibc()
    return libc is not None and libc.malloc_trim(0) == 1
