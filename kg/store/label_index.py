"""An in-memory index of entity labels (name, aliases, pinyin) for substring search in the embedded store.

Every label is lower-cased and listed under each character and each pair of adjacent characters it holds; a
search reads the shortest list among the needle's characters (one character) or pairs (longer needles) and keeps
the labels that contain the needle, so a query touches only its candidates, not all 100,000 entities' labels.
The lists are built on the first search (or by ``warm``) and rebuilt after a ``load`` changed the entries;
:mod:`kg.store.common` ranks what is found, so the answers are those of a SPARQL
``CONTAINS(LCASE(?label), needle)`` scan.
"""

from __future__ import annotations

import threading
from array import array
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


class _Lists(NamedTuple):
    grams: dict[str, array[int]]
    """Character or pair of characters → the slots of the labels holding it, ascending."""
    lows: list[str]
    """Slot → lower-cased label."""
    owners: list[tuple[LabelEntry, int]]
    """Slot → the entry and the index of the label in its ``labels``."""


class LabelIndex:
    """Entity id → :class:`LabelEntry`, with the character and pair lists rebuilt lazily after changes."""

    def __init__(self, entries: Iterable[LabelEntry] = ()) -> None:
        self._entries: dict[str, LabelEntry] = {e.entity_id: e for e in entries}
        self._lists: _Lists | None = None
        self._recent: dict[tuple[str, str | None], list[Candidate]] = {}
        """The last searches' results (a page and its total come from one scan); emptied by any change."""
        self._recent_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._entries

    def entries(self) -> list[LabelEntry]:
        return list(self._entries.values())

    def get(self, entity_id: str) -> LabelEntry | None:
        return self._entries.get(entity_id)

    def put(self, item: LabelEntry) -> None:
        self._entries[item.entity_id] = item
        self._lists = None
        self._recent = {}

    def clear(self) -> None:
        self._entries.clear()
        self._lists = None
        self._recent = {}

    def build(self) -> _Lists:
        """The character and pair lists (made now if a change dropped them)."""
        if self._lists is not None:
            return self._lists
        lows: list[str] = []
        owners: list[tuple[LabelEntry, int]] = []
        lists: dict[str, list[int]] = {}
        for item in self._entries.values():
            for i, (_, label) in enumerate(item.labels):
                low = label.lower()
                slot = len(lows)
                lows.append(low)
                owners.append((item, i))
                for gram in {*low, *(low[j:j + 2] for j in range(len(low) - 1))}:
                    found = lists.get(gram)
                    if found is None:
                        lists[gram] = [slot]
                    else:
                        found.append(slot)
        built = _Lists({gram: array("i", slots) for gram, slots in lists.items()}, lows, owners)
        self._lists = built
        return built

    @staticmethod
    def _slots(lists: _Lists, needle: str) -> Iterable[int]:
        """Slots of the labels containing ``needle``, ascending."""
        keys = needle if len(needle) == 1 else [needle[j:j + 2] for j in range(len(needle) - 1)]
        shortest = min((lists.grams.get(key, array("i")) for key in keys), key=len)
        if len(needle) <= 2:
            return shortest
        lows = lists.lows
        return (slot for slot in shortest if needle in lows[slot])

    def search(self, needle: str, entity_type: str | None = None) -> list[Candidate]:
        """Entities with a label containing ``needle`` (already normalised: lower-case, no newline), ranked by
        :func:`kg.store.common.rank_match` then name then id."""
        recent = self._recent  # before the lists: a change empties a new dict, so a stale result lands in the old
        lists = self.build()
        owners = lists.owners
        if not needle or "\n" in needle:
            return []
        key = (needle, entity_type)
        if key in recent:
            return recent[key]
        found: dict[str, list[tuple[str, str]]] = {}
        entries: dict[str, LabelEntry] = {}
        for slot in self._slots(lists, needle):
            item, i = owners[slot]
            if entity_type is None or item.entity_type == entity_type:
                found.setdefault(item.entity_id, []).append(item.labels[i])
                entries[item.entity_id] = item
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
