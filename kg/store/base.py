"""The read/write contract every graph store implements (embedded Oxigraph and Neo4j).

The API and the contract tests talk only to this protocol, so both stores give identical answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from kg.models import Evidence, Record


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NodeView(_View):
    id: str
    type: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    properties: dict[str, Any] = Field(default_factory=dict)


class EdgeView(_View):
    id: str
    type: str
    source: str
    target: str
    properties: dict[str, Any] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)
    confidence: float | None = None
    component: str | None = None


class MentionView(_View):
    doc: str
    start: int
    end: int
    text: str
    sentence: str | None = None
    """The sentence around the mention (from the stored document text)."""
    sentence_start: int | None = None
    """Raw offset of ``sentence`` in the document, so the mention can be highlighted."""


class EntityView(NodeView):
    relations: list[EdgeView] = Field(default_factory=list)
    neighbours: list[NodeView] = Field(default_factory=list)
    """The other end of each relation in ``relations``."""
    mentions: list[MentionView] = Field(default_factory=list)


class Subgraph(_View):
    nodes: list[NodeView] = Field(default_factory=list)
    edges: list[EdgeView] = Field(default_factory=list)


class PathView(_View):
    nodes: list[NodeView]
    edges: list[EdgeView]


class SearchHit(_View):
    entity: NodeView
    score: float
    matched: str
    """The name, alias or pinyin that matched."""


class EventView(_View):
    event: NodeView
    date: str
    """ISO date or interval of the event (``properties.date``)."""
    role: str
    """How the entity relates to the event (the relation type, or ``self``)."""
    participants: list[NodeView] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)


class LoadStats(_View):
    documents: int = 0
    entities: int = 0
    relations: int = 0
    mentions: int = 0
    seconds: float = 0.0


@runtime_checkable
class GraphStore(Protocol):
    """What every store offers. Ordering of every list is deterministic (documented per method)."""

    name: str

    def load(self, records: Iterable[Record], *, documents_text: dict[str, str] | None = None) -> LoadStats:
        """Idempotent upsert (MERGE on ids). ``documents_text`` maps doc id → raw text for evidence."""
        ...

    def flush(self) -> None:
        """Return once everything given to ``load`` is written (a store may write its last batch in the background)."""
        ...

    def clear(self) -> None: ...

    def counts(self) -> dict[str, int]:
        """``{"entities": n, "relations": n, "documents": n, "mentions": n}``."""
        ...

    def get_entity(self, entity_id: str) -> EntityView | None:
        """Entity with relations sorted by (type, source, target, id) and mentions by (doc, start)."""
        ...

    def search(self, query: str, *, entity_type: str | None = None, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        """Name/alias/pinyin search, ranked: exact name > exact alias > prefix > substring, then name."""
        ...

    def neighbours(
        self,
        entity_id: str,
        *,
        depth: int = 1,
        relation_types: list[str] | None = None,
        entity_types: list[str] | None = None,
        limit: int = 200,
    ) -> Subgraph:
        """Nodes within ``depth`` hops (the start included) and the edges among them; sorted by id."""
        ...

    def paths(self, source: str, target: str, *, k: int = 3, max_hops: int = 4) -> list[PathView]:
        """Up to ``k`` shortest paths (undirected), shortest first, ties by node ids."""
        ...

    def events(self, entity_id: str) -> list[EventView]:
        """Dated events linked to the entity (or located in the place), sorted by date then id."""
        ...

    def all_entities(self) -> Iterable[NodeView]: ...

    def all_relations(self) -> Iterable[EdgeView]: ...

    def close(self) -> None: ...
