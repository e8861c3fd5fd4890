"""Record ids: what the models accept always makes a valid IRI, which is what lets the embedded store load its
N-Triples without checking IRIs again; what they refuse is reported with the field and the file's line."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kg.cli import app
from kg.ids import RECORD_ID, is_record_id
from kg.models import EntityRecord, Evidence, MentionRecord, RelationRecord, parse_record_line
from kg.store.rdf_store import OxigraphStore
from ontology.namespace import iri_text

NOT_IDS = ["per:a b", "per:a> . <x", "per:", "per", ":abc", "per:%zz", "per:a#b", "per:a?b", "per:a\nb",
           "per:\x00", "per:\ue000", "per:{x}", "per:a|b", "per:a\\b", "per:`x`", "1per:a", "pe r:a", 'per:"x"']
READABLE = ["per:50ca077f7c23", "doc:deng-bio", "per:邓小平", "plc:广安/协兴", "wrk:%E9%82%93", "org:a.b~c_d",
            "per:𠀀", "evt:1927!$&'()*+,;=:@"]


@settings(max_examples=300, deadline=None)
@given(st.from_regex(RECORD_ID, fullmatch=True))
def test_every_id_the_rule_accepts_makes_an_iri_oxigraph_accepts(record_id: str) -> None:
    assert is_record_id(record_id)
    ox.NamedNode(iri_text(record_id))  # the strict IRI parser: raises ValueError on an invalid IRI


@pytest.mark.parametrize("bad", NOT_IDS)
def test_what_is_not_an_id_is_refused_by_every_id_field(bad: str) -> None:
    assert not is_record_id(bad)
    good = "per:50ca077f7c23"
    makers = [
        lambda v: EntityRecord(id=v, type="PERSON", name="x"),
        lambda v: MentionRecord(doc=v, start=0, end=1, text="x", type="PERSON", entity=good),
        lambda v: MentionRecord(doc="doc:1", start=0, end=1, text="x", type="PERSON", entity=v),
        lambda v: RelationRecord(type="PARENT_OF", source=v, target=good),
        lambda v: RelationRecord(type="PARENT_OF", source=good, target=v),
        lambda v: Evidence(doc=v, start=0, end=1),
    ]
    for make in makers:
        with pytest.raises(ValueError):
            make(bad)


def test_readable_ids_load_and_come_back_by_id(tmp_path: Path) -> None:
    records = [EntityRecord(id=i, type="PERSON", name=f"人{n}") for n, i in enumerate(READABLE)]
    records.append(RelationRecord(type="PARENT_OF", source=READABLE[0], target=READABLE[2],
                                  evidence=[Evidence(doc="doc:deng-bio", start=0, end=4, sentence="父亲邓绍昌")]))
    store = OxigraphStore(tmp_path / "oxigraph")
    try:
        store.load(records)
        for n, record_id in enumerate(READABLE):
            entity = store.get_entity(record_id)
            assert entity is not None and entity.name == f"人{n}", record_id
        assert [(e.source, e.target) for e in store.all_relations()] == [(READABLE[0], READABLE[2])]
    finally:
        store.close()


def test_a_records_file_with_a_bad_id_names_the_line_and_the_field(tmp_path: Path) -> None:
    good = {"record": "entity", "id": "per:1", "type": "PERSON", "name": "甲"}
    bad = {"record": "relation", "type": "PARENT_OF", "source": "per:1", "target": "per:2",
           "evidence": [{"doc": "doc:a b", "start": 0, "end": 1}]}
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in (good, bad)) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["load", str(path)], env={"KG_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code != 0
    assert "records.jsonl:2" in result.output and "evidence.0.doc 'doc:a b' is not an id" in result.output
    with pytest.raises(ValueError, match="type: Input should be 'PERSON'"):
        parse_record_line(json.dumps({**good, "type": "PERSONS"}))
