"""Typed records at the boundary between extraction and the graph.

These are the JSON Lines records that ``kg extract`` prints and ``kg load`` reads.
Their shape is a public contract (see docs/records.md): add optional fields only.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from kg.ids import RECORD_ID

EntityType = Literal["PERSON", "PLACE", "ORG", "EVENT", "DATE", "WORK", "TITLE"]
ENTITY_TYPES: tuple[str, ...] = ("PERSON", "PLACE", "ORG", "EVENT", "DATE", "WORK", "TITLE")

RelationType = Literal[
    "HOLDS_POSITION",
    "PARENT_OF",
    "SPOUSE_OF",
    "SIBLING_OF",
    "KIN_OF",
    "ALIAS_OF",
    "PART_OF",
    "LOCATED_IN",
    "PARTICIPATED_IN",
    "ORGANISED",
    "SPOKE_AT",
    "ISSUED",
    "BORN_IN",
    "DIED_IN",
    "MIGRATED_TO",
    "MIGRATED_FROM",
    "HAPPENED_AT",
    "MENTIONS",
]
RELATION_TYPES: tuple[str, ...] = RelationType.__args__  # type: ignore[attr-defined]

RecordId = Annotated[str, Field(pattern=f"^(?:{RECORD_ID})$")]
"""An id (``per:50ca077f7c23``) or a reference to one: :data:`kg.ids.RECORD_ID`, checked where records come in."""

Precision = Literal["year", "month", "day", "interval", "decade", "century"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class DocumentRecord(_Record):
    record: Literal["document"] = "document"
    id: RecordId
    path: str
    date: str | None = None
    """The document's own date (ISO), found in the text or given with ``--doc-date``."""
    sha256: str | None = None
    chars: int | None = None
    title: str | None = None


class MentionRecord(_Record):
    record: Literal["mention"] = "mention"
    doc: RecordId
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    """``start``/``end`` are offsets in the raw decoded text of ``doc``; ``end`` is exclusive."""
    text: str
    """The surface with whitespace removed (original characters, not converted)."""
    type: EntityType
    entity: RecordId
    value: str | None = None
    """Normalised value: ISO 8601 for DATE, simplified form for names."""
    precision: Precision | None = None
    component: str | None = None
    confidence: float | None = None


class EntityRecord(_Record):
    record: Literal["entity"] = "entity"
    id: RecordId
    type: EntityType
    name: str
    aliases: list[str] = Field(default_factory=list)
    properties: dict[str, Any] = Field(default_factory=dict)


class Evidence(_Record):
    doc: RecordId
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    sentence: str | None = None


class RelationRecord(_Record):
    record: Literal["relation"] = "relation"
    type: RelationType
    source: RecordId
    target: RecordId
    properties: dict[str, Any] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)
    confidence: float | None = None
    component: str | None = None


Record = DocumentRecord | MentionRecord | EntityRecord | RelationRecord


def parse_record(data: dict[str, Any]) -> Record:
    """Validate one JSON object as a record; raises ``ValueError`` naming the bad field."""
    kind = data.get("record")
    model: type[_Record]
    if kind == "document":
        model = DocumentRecord
    elif kind == "mention":
        model = MentionRecord
    elif kind == "entity":
        model = EntityRecord
    elif kind == "relation":
        model = RelationRecord
    else:
        raise ValueError(f"unknown record kind {kind!r}; expected document, mention, entity or relation")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise ValueError(_first_problem(e)) from None


def _first_problem(e: ValidationError) -> str:
    """The first thing wrong with a record, in one line that names the field."""
    error = e.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "record"
    if error["type"] == "string_pattern_mismatch":  # only ids have a pattern
        return (f"{where} {error['input']!r} is not an id: prefix:local, the local part made of characters an IRI "
                "path may hold (no spaces, no <>\"{}|\\^`#?) (e.g. per:50ca077f7c23)")
    return f"{where}: {error['msg']}"


_RECORD_JSON: TypeAdapter[Record] = TypeAdapter(Annotated[Record, Field(discriminator="record")])


def parse_record_line(line: str) -> Record:
    """One JSON Lines record, parsed and validated in one pass by pydantic (a quarter less time than ``json.loads``
    and :func:`parse_record`); anything it refuses goes the slow way, which raises the error a person can act on."""
    try:
        return _RECORD_JSON.validate_json(line)
    except ValidationError:
        data = json.loads(line)
        if not isinstance(data, dict):
            raise TypeError(f"a JSON {type(data).__name__}, not an object") from None
        return parse_record(data)
