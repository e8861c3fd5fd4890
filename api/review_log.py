"""Review decisions posted to the API, kept in ``<data_dir>/review.csv`` in the format of :mod:`kg.review`.

The row of the relation is created or updated (other rows are kept); ``kg`` applies the file on its next run.
"""

from __future__ import annotations

import csv
import json
import threading
from pathlib import Path

from api.deps import AppState
from api.errors import ApiError
from api.schemas import ReviewRequest, ReviewResult
from kg.ids import is_record_id
from kg.models import RELATION_TYPES
from kg.review import COLUMNS, ReviewRow, read_review
from kg.store.base import EdgeView, GraphStore

REVIEW_FILE = "review.csv"
_write_lock = threading.Lock()


def find_relation(store: GraphStore, relation_id: str) -> EdgeView | None:
    """The relation with this id (a scan of ``all_relations``: reviews are rare)."""
    for edge in store.all_relations():
        if edge.id == relation_id:
            return edge
    return None


def _row_for(store: GraphStore, edge: EdgeView, decision: ReviewRequest) -> ReviewRow:
    source = store.get_entity(edge.source)
    target = store.get_entity(edge.target)
    evidence = edge.evidence[0] if edge.evidence else None
    return ReviewRow(
        relation_id=edge.id, decision=decision.decision, type=edge.type,
        source_id=edge.source, source_name=source.name if source else "",
        target_id=edge.target, target_name=target.name if target else "",
        properties_json=json.dumps(edge.properties, ensure_ascii=False, sort_keys=True),
        confidence="" if edge.confidence is None else f"{edge.confidence:.2f}",
        doc=evidence.doc if evidence else "", sentence=(evidence.sentence or "") if evidence else "",
        corrected_type=decision.corrected_type or "", corrected_source=decision.corrected_source or "",
        corrected_target=decision.corrected_target or "", note=decision.note or "",
    )


def _validate(decision: ReviewRequest) -> None:
    if decision.corrected_type and decision.corrected_type not in RELATION_TYPES:
        raise ApiError(422, f"corrected_type {decision.corrected_type!r} is not a relation type; use one of "
                            + ", ".join(RELATION_TYPES), detail={"allowed": list(RELATION_TYPES)})
    for name, value in (("corrected_source", decision.corrected_source), ("corrected_target", decision.corrected_target)):
        if value and not is_record_id(value):
            raise ApiError(422, f"{name} {value!r} is not an entity id (e.g. per:50ca077f7c23)")
    corrections = (decision.corrected_type, decision.corrected_source, decision.corrected_target)
    if decision.decision == "correct" and not any(corrections):
        raise ApiError(422, "decision 'correct' needs corrected_type, corrected_source or corrected_target")
    if decision.decision != "correct" and any(corrections):
        raise ApiError(422, "corrected_* fields only go with decision 'correct'")


def _write_rows(path: Path, rows: list[ReviewRow]) -> None:
    rows.sort(key=lambda x: (x.decision != "", x.confidence or "9", x.relation_id))
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([getattr(row, column) for column in COLUMNS])
    tmp.replace(path)


def record_review(state: AppState, decision: ReviewRequest) -> ReviewResult:
    """Upsert the relation's row in the review file; 404 for an unknown relation id."""
    _validate(decision)
    store = state.store
    edge = find_relation(store, decision.relation_id)
    if edge is None:
        raise ApiError(404, f"no relation with id {decision.relation_id!r}; relation ids are listed by "
                            "GET /api/entities/{id}", detail={"relation_id": decision.relation_id})
    path = state.settings.data_dir / REVIEW_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with _write_lock:
        try:
            rows = read_review(path) if path.exists() else {}
        except ValueError as exc:
            raise ApiError(409, f"cannot update {path}: {exc}") from exc
        rows[edge.id] = _row_for(store, edge, decision)
        _write_rows(path, list(rows.values()))
    return ReviewResult(relation_id=edge.id, decision=decision.decision, stored_in=str(path), rows=len(rows),
                        relation=edge)
