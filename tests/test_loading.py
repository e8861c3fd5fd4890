"""How ``kg load`` cuts a record stream into batches (pure logic; the stores' loads have their own tests)."""

from __future__ import annotations

from kg import loading
from kg.loading import _batches
from kg.models import EntityRecord, Evidence, Record, RelationRecord


def _relation(n: int, evidence: int) -> RelationRecord:
    return RelationRecord(type="KIN_OF", source="person:a", target=f"person:{n}", properties={},
                          evidence=[Evidence(doc=f"doc:{i}", start=0, end=4, sentence="某句") for i in range(evidence)])


def test_a_batch_counts_each_piece_of_evidence(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(loading, "BATCH_RECORDS", 10)
    records: list[Record] = [EntityRecord(id=f"person:{n}", type="PERSON", name=f"张{n}") for n in range(4)]
    records += [_relation(1, 3), _relation(2, 8), _relation(3, 0), _relation(4, 0)]
    sizes = [[len(r.evidence) if isinstance(r, RelationRecord) else "e" for r in batch]
             for batch, _ in _batches(records, {})]
    # 4 entities + a relation with 3 pieces of evidence = 8; the next relation (9 more) ends the batch at 17
    assert sizes == [["e", "e", "e", "e", 3, 8], [0, 0]]
    assert sum(len(batch) for batch, _ in _batches(records, {})) == len(records)
