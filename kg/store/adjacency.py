"""An in-memory adjacency list of the embedded store's relations (id, type and ends only).

Reading a relation's triples from the on-disk store costs one RocksDB seek per subject, so walking the graph
through the store would cost a seek per relation touched; the walk uses this index instead and reads only the
relations and entities it answers with. Built from the store on first use (three predicate scans), kept current
by ``load``; about 200 bytes per relation.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from kg.store.common import Link


class Adjacency:
    """Entity id → its links, sorted by relation id; a relation is added once (its ends never change)."""

    def __init__(self, links: Iterable[Link] = ()) -> None:
        self._links: dict[str, list[Link]] = {}
        self._known: set[str] = set()
        self._unsorted: set[str] = set()
        for link in links:
            self.add(link)

    @classmethod
    def from_sorted(cls, links: Iterable[Link]) -> Adjacency:
        """From distinct relations in ascending id order (as :meth:`all_links` gives them), without sorting."""
        made = cls()
        by_end = made._links
        for link in links:
            made._known.add(link.id)
            by_end.setdefault(link.source, []).append(link)
            if link.target != link.source:
                by_end.setdefault(link.target, []).append(link)
        return made

    def all_links(self) -> list[Link]:
        """Every relation once, by id."""
        return sorted({link for found in self._links.values() for link in found})

    def __len__(self) -> int:
        return len(self._known)

    def __contains__(self, relation_id: object) -> bool:
        return relation_id in self._known

    def add(self, link: Link) -> None:
        if link.id in self._known:
            return
        link = Link(sys.intern(link.id), link.type, sys.intern(link.source), sys.intern(link.target))
        self._known.add(link.id)
        for end in {link.source, link.target}:
            self._links.setdefault(end, []).append(link)
            self._unsorted.add(end)

    def links(self, entity_id: str) -> list[Link]:
        found = self._links.get(entity_id)
        if found is None:
            return []
        if entity_id in self._unsorted:
            found.sort()
            self._unsorted.discard(entity_id)
        return list(found)
