"""A review file people can edit (UTF-8 with BOM so Excel shows Chinese), and applying its decisions.

``write_review(records, path)`` writes one row per relation with its evidence; a reviewer fills ``decision``:
``accept`` (confidence 1.0, ``properties.reviewed = true``), ``reject`` (removed), ``correct`` (replaced by
``corrected_type``/``corrected_source``/``corrected_target``, each blank = unchanged), or leaves it blank.
``apply_review(records, path)`` applies the decisions on every later run; rows are keyed by ``relation_id``
(stable across runs), so a decision survives re-extraction. Rewriting the file keeps existing decisions.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from kg.ids import is_record_id, record_relation_id
from kg.models import RELATION_TYPES, EntityRecord, Record, RelationRecord

COLUMNS = ("relation_id", "decision", "type", "source_id", "source_name", "target_id", "target_name",
           "properties_json", "confidence", "doc", "sentence", "corrected_type", "corrected_source",
           "corrected_target", "note")
DECISIONS = ("", "accept", "reject", "correct")


class ReviewRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    relation_id: str
    decision: str = ""
    type: str = ""
    source_id: str = ""
    source_name: str = ""
    target_id: str = ""
    target_name: str = ""
    properties_json: str = "{}"
    confidence: str = ""
    doc: str = ""
    sentence: str = ""
    corrected_type: str = ""
    corrected_source: str = ""
    corrected_target: str = ""
    note: str = ""


def read_review(path: Path) -> dict[str, ReviewRow]:
    """Rows by relation id; raises ``ValueError`` naming the line of a bad decision or missing column."""
    out: dict[str, ReviewRow] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("relation_id", "decision") if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {missing}; regenerate it with write_review")
        for line, row in enumerate(reader, start=2):
            data = {k: (v or "").strip() for k, v in row.items() if k in COLUMNS}
            rev = ReviewRow(**data)
            rev.decision = rev.decision.lower()
            if rev.decision not in DECISIONS:
                raise ValueError(f"{path}:{line}: decision {rev.decision!r} must be accept, reject, correct or blank")
            if rev.decision == "correct" and rev.corrected_type and rev.corrected_type not in RELATION_TYPES:
                raise ValueError(f"{path}:{line}: corrected_type {rev.corrected_type!r} is not a relation type")
            for column in ("corrected_source", "corrected_target"):
                if getattr(rev, column) and not is_record_id(getattr(rev, column)):
                    raise ValueError(f"{path}:{line}: {column} {getattr(rev, column)!r} is not an entity id "
                                     "(e.g. per:50ca077f7c23); copy it from the source_id or target_id column")
            out[rev.relation_id] = rev
    return out


def write_review(records: Iterable[Record], path: Path) -> int:
    """Write every relation (lowest confidence first) keeping decisions already in ``path``; returns the rows."""
    recs = list(records)
    names = {r.id: r.name for r in recs if isinstance(r, EntityRecord)}
    previous = read_review(path) if path.exists() else {}
    rows: list[ReviewRow] = []
    seen: set[str] = set()
    for r in recs:
        if not isinstance(r, RelationRecord):
            continue
        rid = record_relation_id(r)
        seen.add(rid)
        ev = r.evidence[0] if r.evidence else None
        row = ReviewRow(relation_id=rid, type=r.type, source_id=r.source, source_name=names.get(r.source, ""),
                        target_id=r.target, target_name=names.get(r.target, ""),
                        properties_json=json.dumps(r.properties, ensure_ascii=False, sort_keys=True),
                        confidence="" if r.confidence is None else f"{r.confidence:.2f}",
                        doc=ev.doc if ev else "", sentence=(ev.sentence or "") if ev else "")
        old = previous.get(rid)
        if old is not None:
            row = row.model_copy(update={k: getattr(old, k) for k in (
                "decision", "corrected_type", "corrected_source", "corrected_target", "note")})
        rows.append(row)
    rows.extend(old for rid, old in previous.items() if rid not in seen and old.decision)
    rows.sort(key=lambda x: (x.decision != "", x.confidence or "9", x.relation_id))
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([getattr(row, c) for c in COLUMNS])
    return len(rows)


def apply_review(records: Iterable[Record], review_csv: Path) -> Iterator[Record]:
    """Apply the decisions of ``review_csv`` to ``records`` (other records pass through unchanged), lazily.

    The file is read (and a bad row reported) at the call, before any record is consumed.
    """
    decisions = read_review(review_csv)

    def reviewed() -> Iterator[Record]:
        for r in records:
            if not isinstance(r, RelationRecord):
                yield r
                continue
            rev = decisions.get(record_relation_id(r))
            if rev is None or rev.decision == "":
                yield r
            elif rev.decision == "accept":
                yield r.model_copy(update={"confidence": 1.0, "properties": {**r.properties, "reviewed": True}})
            elif rev.decision == "correct":
                yield r.model_copy(update={
                    "type": rev.corrected_type or r.type,
                    "source": rev.corrected_source or r.source,
                    "target": rev.corrected_target or r.target,
                    "confidence": 1.0,
                    "properties": {**r.properties, "reviewed": True, "corrected_from": record_relation_id(r)},
                })

    return reviewed()
