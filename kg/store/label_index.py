"""An in-memory index of entity labels (name, aliases, pinyin) for substring search in the embedded store.

All labels are lower-cased into one newline-separated string; a search is ``str.find`` over it (C speed, a few
milliseconds for 100,000 entities) and a bisection from each hit to its label. The index is built from the store
on the first search and kept current by every ``load``; :mod:`kg.store.common` ranks what it finds, so the
answers are those of a SPARQL ``CONTAINS(LCASE(?label), needle)`` scan.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Iterable
from typing import NamedTuple

from kg.store.common import rank_match

LABEL_KINDS = ("name", "alias", "pinyin")
_RECENT_SEARCHES = 64


class LabelEntry(NamedTuple):
    entity_id: str
    entity_type: str
    name: str
    labels: tuple[tuple[str, str], ...]
    """``(kind, label)`` with kind one of :data:`LABEL_KINDS`."""


class Candidate(NamedTuple):
    """One entity found by a search, in ranking order: (rank, name, id), and the label that matched."""

    rank: int
    name: str
    entity_id: str
    matched: str


def entry(entity_id: str, entity_type: str, name: str, aliases: Iterable[str], pinyin: Iterable[str]) -> LabelEntry:
    labels = [("name", name)] + [("alias", a) for a in sorted(set(aliases))] + [("pinyin", p) for p in pinyin]
    return LabelEntry(entity_id, entity_type, name, tuple(labels))


class LabelIndex:
    """Entity id → :class:`LabelEntry`, with the search string rebuilt lazily after changes."""

    def __init__(self, entries: Iterable[LabelEntry] = ()) -> None:
        self._entries: dict[str, LabelEntry] = {e.entity_id: e for e in entries}
        self._blob: str | None = None
        self._starts: list[int] = []
        self._owners: list[tuple[LabelEntry, int]] = []
        self._recent: dict[tuple[str, str | None], list[Candidate]] = {}
        """The last searches' results (a page and its total come from one scan); emptied by any change."""
        self._recent_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._entries

    def get(self, entity_id: str) -> LabelEntry | None:
        return self._entries.get(entity_id)

    def put(self, item: LabelEntry) -> None:
        self._entries[item.entity_id] = item
        self._blob = None
        self._recent = {}

    def clear(self) -> None:
        self._entries.clear()
        self._blob = None
        self._recent = {}

    def _build(self) -> str:
        parts: list[str] = []
        starts: list[int] = []
        owners: list[tuple[LabelEntry, int]] = []
        at = 0
        for item in self._entries.values():
            for i, (_, label) in enumerate(item.labels):
                low = label.lower()
                starts.append(at)
                owners.append((item, i))
                parts.append(low)
                at += len(low) + 1
        self._starts, self._owners = starts, owners
        self._blob = "\n".join(parts)
        return self._blob

    def search(self, needle: str, entity_type: str | None = None) -> list[Candidate]:
        """Entities with a label containing ``needle`` (already normalised: lower-case, no newline), ranked by
        :func:`kg.store.common.rank_match` then name then id."""
        recent = self._recent  # before the blob: a change empties a new dict, so a stale result lands in the old
        blob = self._blob if self._blob is not None else self._build()
        if not needle or "\n" in needle:
            return []
        key = (needle, entity_type)
        if key in recent:
            return recent[key]
        found: dict[str, list[tuple[str, str]]] = {}
        entries: dict[str, LabelEntry] = {}
        pos = blob.find(needle)
        while pos >= 0:
            slot = bisect_right(self._starts, pos) - 1
            item, i = self._owners[slot]
            if entity_type is None or item.entity_type == entity_type:
                found.setdefault(item.entity_id, []).append(item.labels[i])
                entries[item.entity_id] = item
            following = slot + 1
            if following >= len(self._starts):
                break
            pos = blob.find(needle, self._starts[following])
        ranked = []
        for entity_id, labels in found.items():
            rank, matched = rank_match(needle, labels)
            ranked.append(Candidate(rank, entries[entity_id].name, entity_id, matched))
        ranked.sort()
        with self._recent_lock:
            if len(recent) >= _RECENT_SEARCHES:
                recent.pop(next(iter(recent)), None)
            recent[key] = ranked
        return ranked
