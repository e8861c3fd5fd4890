"""Input and output contracts of relation extraction.

Input: an :class:`AnnotatedDoc` (normalised simplified text + typed mentions from the NER).
Output: a :class:`DocGraph` of document-local entity candidates and relations, with evidence offsets
both in the normalised text and in the raw text (so the resolver never needs the text again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MentionType = Literal["PERSON", "PLACE", "ORG", "EVENT", "DATE", "WORK", "TITLE"]


def identity_span(start: int, end: int) -> tuple[int, int]:
    """The raw-offset mapping of a document whose normalised text is its raw text."""
    return start, end


class Span(BaseModel):
    """One typed mention in the normalised text; ``end`` is exclusive. ``value`` is ISO for DATE."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    type: MentionType
    text: str
    value: str | None = None


@dataclass
class AnnotatedDoc:
    doc_id: str
    text: str
    mentions: list[Span]
    doc_date: str | None = None
    raw_span: Callable[[int, int], tuple[int, int]] = field(default=identity_span)

    def __post_init__(self) -> None:
        for m in self.mentions:
            if m.end > len(self.text) or m.start >= m.end or self.text[m.start:m.end] != m.text:
                raise ValueError(
                    f"mention {m.text!r} [{m.start},{m.end}) does not match the text of {self.doc_id}; "
                    "give offsets into the normalised text"
                )
        self.mentions = sorted(self.mentions, key=lambda m: (m.start, -m.end))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LocalMention(_Model):
    start: int
    end: int
    raw_start: int
    raw_end: int
    text: str
    value: str | None = None


class Candidate(_Model):
    """A document-local entity: a group of mentions (possibly none, for implied entities)."""

    local_id: str
    type: MentionType
    name: str
    aliases: list[str] = Field(default_factory=list)
    properties: dict[str, Any] = Field(default_factory=dict)
    mentions: list[LocalMention] = Field(default_factory=list)


class LocalEvidence(_Model):
    start: int
    end: int
    raw_start: int
    raw_end: int
    sentence: str


class LocalRelation(_Model):
    type: str
    source: str
    target: str
    properties: dict[str, Any] = Field(default_factory=dict)
    evidence: LocalEvidence
    confidence: float = Field(ge=0.0, le=1.0)
    component: str


class DocGraph(_Model):
    doc_id: str
    doc_date: str | None = None
    candidates: list[Candidate] = Field(default_factory=list)
    relations: list[LocalRelation] = Field(default_factory=list)

    def candidate(self, local_id: str) -> Candidate:
        for c in self.candidates:
            if c.local_id == local_id:
                return c
        raise KeyError(f"no candidate {local_id!r} in {self.doc_id}")
