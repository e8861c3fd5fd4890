"""Response and request models of the REST API (the OpenAPI document is generated from these)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kg.store.base import EdgeView, EventView, NodeView, PathView, SearchHit


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchPage(_Model):
    query: str
    type: str | None = None
    total: int
    """Number of matches (counted up to ``total_cap``)."""
    total_exact: bool
    """False when there are more than ``total_cap`` matches and ``total`` is the cap."""
    limit: int
    offset: int
    hits: list[SearchHit]


class PathsResult(_Model):
    source: NodeView
    target: NodeView
    paths: list[PathView]


class Timeline(_Model):
    entity: NodeView
    events: list[EventView]


class FamilyNode(_Model):
    """One person in a family tree, with the tree continuing through ``parents`` or ``children``."""

    person: NodeView
    generation: int
    """0 is the root person, -1 their parents, +1 their children."""
    relation: str
    """How this person is linked to the node above: parent, child, spouse, sibling, or a KIN_OF kind."""
    evidence: list[str] = Field(default_factory=list)
    spouses: list[NodeView] = Field(default_factory=list)
    parents: list[FamilyNode] = Field(default_factory=list)
    children: list[FamilyNode] = Field(default_factory=list)


class FamilyTree(_Model):
    root: NodeView
    generations: int
    ancestors: list[FamilyNode]
    descendants: list[FamilyNode]
    spouses: list[FamilyNode]
    siblings: list[FamilyNode]
    kin: list[FamilyNode]


class StoryQuote(_Model):
    text: str
    doc: str
    start: int
    end: int


class StoryEvent(_Model):
    event: NodeView
    date: str
    participants: list[NodeView]
    places: list[NodeView]
    organisers: list[NodeView]
    quotes: list[StoryQuote]


class Story(_Model):
    title: str
    entities: list[NodeView]
    events: list[StoryEvent]


class Stats(_Model):
    store: str
    counts: dict[str, int]
    entity_types: dict[str, int]
    relation_types: dict[str, int]


class Health(_Model):
    status: Literal["ok"]
    store: str
    entities: int


class ReviewRequest(_Model):
    """A reviewer's decision about one relation; stored as a row of ``<data_dir>/review.csv`` (see kg.review)."""

    relation_id: str = Field(min_length=1, max_length=200)
    decision: Literal["accept", "reject", "correct", ""]
    """``""`` clears an earlier decision."""
    corrected_type: str | None = Field(default=None, max_length=64)
    corrected_source: str | None = Field(default=None, max_length=200)
    corrected_target: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class ReviewResult(_Model):
    relation_id: str
    decision: str
    stored_in: str
    rows: int
    """Rows now in the review file."""
    relation: EdgeView


class ReloadResult(_Model):
    store: str
    counts: dict[str, int]


class CypherRequest(_Model):
    query: str = Field(min_length=1, max_length=100_000)
    parameters: dict[str, object] = Field(default_factory=dict)


class CypherResult(_Model):
    columns: list[str]
    rows: list[list[object]]
    truncated: bool
