"""The embedded store's in-memory indexes (labels, adjacency) saved in a file next to it.

Reading them from the store scans every entity's labels and every relation's ends: 30-50 s for 100,000 entities
and 300,000 relations on the 2-core test machine, in every serving process. A read-only store that had to read
them writes them to ``<store>.indexes`` (``marshal`` of plain tuples, no code), stamped with a fingerprint of the
store's files (names, sizes, modification times) taken before the store was opened; the next process that opens
the unchanged store reads the file in a few seconds. Any write to the store changes its files, so the stamp no
longer matches and the indexes are read from the store again.
"""

from __future__ import annotations

import logging
import marshal
import os
from pathlib import Path
from typing import Any

from kg.store.adjacency import Adjacency
from kg.store.common import Link
from kg.store.label_index import LabelEntry, LabelIndex

FORMAT = 1
_UNSTAMPED = ("LOG", "LOCK")
"""RocksDB's log and lock files change when the store is merely opened."""

Stamp = list[tuple[str, int, int]]
log = logging.getLogger(__name__)


def index_path(store_dir: Path) -> Path:
    return store_dir.with_name(store_dir.name + ".indexes")


def fingerprint(store_dir: Path) -> Stamp:
    found = []
    for item in os.scandir(store_dir):
        if not item.name.startswith(_UNSTAMPED):
            info = item.stat()
            found.append((item.name, info.st_size, info.st_mtime_ns))
    return sorted(found)


def save(store_dir: Path, stamp: Stamp, labels: LabelIndex, adjacency: Adjacency) -> None:
    """Write the file (atomically); a data dir that cannot be written only costs the next start its speed."""
    entries = [tuple(item) for item in labels.entries()]
    links = [tuple(link) for link in adjacency.all_links()]
    path = index_path(store_dir)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        with partial.open("wb") as out:
            marshal.dump((FORMAT, stamp), out)
            marshal.dump((entries, links), out)
        os.replace(partial, path)
    except OSError as error:
        log.warning("could not save the store's indexes to %s (%s); the next start reads them from the store",
                    path, error)
        partial.unlink(missing_ok=True)


def is_current(store_dir: Path) -> bool:
    """True if the file exists and was made from the store as it is now (only its first bytes are read)."""
    return _read(store_dir, fingerprint(store_dir), header_only=True) is not None


def load(store_dir: Path, stamp: Stamp) -> tuple[LabelIndex, Adjacency] | None:
    """The saved indexes if the file exists and was made from the store as it was at ``stamp``, else None."""
    data = _read(store_dir, stamp, header_only=False)
    if data is None:
        return None
    labels = LabelIndex(LabelEntry(*item) for item in data[0])
    return labels, Adjacency.from_sorted(Link(*link) for link in data[1])


def _read(store_dir: Path, stamp: Stamp, *, header_only: bool) -> Any:
    try:
        with index_path(store_dir).open("rb") as saved:
            if marshal.load(saved) != (FORMAT, stamp):
                return None
            return True if header_only else marshal.load(saved)
    except (OSError, ValueError, EOFError, TypeError):
        return None
