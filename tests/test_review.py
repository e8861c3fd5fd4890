"""Review file round trip: write, edit as a person would, apply on a later run."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from kg.ids import record_relation_id
from kg.models import Record, RelationRecord
from kg.relations import extract_relations
from kg.relations.markup import annotated
from kg.resolve import Resolver
from kg.review import COLUMNS, apply_review, write_review

CORPUS: dict[str, str] = json.loads(
    (Path(__file__).parent / "fixtures" / "relations" / "corpus.json").read_text(encoding="utf-8"))


def _records() -> list[Record]:
    r = Resolver()
    for d in ("doc:deng-bio", "doc:bulletin"):
        r.add(extract_relations(annotated(CORPUS[d], d)))
    return list(r.records())


def _edit(path: Path, decide: dict[str, dict[str, str]]) -> None:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row.update(decide.get(row["relation_id"], {}))
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        w.writeheader()
        w.writerows(rows)


def test_review_round_trip(tmp_path: Path) -> None:
    records = _records()
    rels = [r for r in records if isinstance(r, RelationRecord)]
    path = tmp_path / "review.csv"
    assert write_review(records, path) == len(rels)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
    spouse = next(r for r in rels if r.type == "SPOUSE_OF")
    born = next(r for r in rels if r.type == "BORN_IN")
    office = next(r for r in rels if r.type == "HOLDS_POSITION")
    _edit(path, {
        record_relation_id(spouse): {"decision": "accept"},
        record_relation_id(born): {"decision": "reject", "note": "wrong village"},
        record_relation_id(office): {"decision": "correct", "corrected_type": "PARTICIPATED_IN"},
    })
    # a later run extracts the same records again; decisions still apply
    again = apply_review(_records(), path)
    again_rels = {record_relation_id(r): r for r in again if isinstance(r, RelationRecord)}
    assert record_relation_id(born) not in again_rels
    assert again_rels[record_relation_id(spouse)].confidence == 1.0
    assert again_rels[record_relation_id(spouse)].properties["reviewed"] is True
    corrected = [r for r in again_rels.values() if r.properties.get("corrected_from") == record_relation_id(office)]
    assert len(corrected) == 1 and corrected[0].type == "PARTICIPATED_IN"
    assert len(again_rels) == len(rels) - 1
    # rewriting the file keeps the decisions
    write_review(_records(), path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        kept = {row["relation_id"]: row for row in csv.DictReader(fh)}
    assert kept[record_relation_id(born)]["decision"] == "reject"
    assert kept[record_relation_id(born)]["note"] == "wrong village"
    assert kept[record_relation_id(spouse)]["sentence"] == "1939年8月，邓小平与卓琳在延安结婚。"


def test_bad_decision_is_reported_with_line(tmp_path: Path) -> None:
    records = _records()
    path = tmp_path / "review.csv"
    write_review(records, path)
    first = next(r for r in records if isinstance(r, RelationRecord))
    _edit(path, {record_relation_id(first): {"decision": "maybe"}})
    with pytest.raises(ValueError, match=r"review.csv:\d+: decision 'maybe'"):
        apply_review(records, path)


def test_a_corrected_id_that_is_no_id_is_reported_with_line(tmp_path: Path) -> None:
    records = _records()
    path = tmp_path / "review.csv"
    write_review(records, path)
    first = next(r for r in records if isinstance(r, RelationRecord))
    _edit(path, {record_relation_id(first): {"decision": "correct", "corrected_source": "per:a b"}})
    with pytest.raises(ValueError, match=r"review.csv:\d+: corrected_source 'per:a b' is not an entity id"):
        apply_review(records, path)
