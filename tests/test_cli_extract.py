"""The `kg extract` contract: JSON Lines records, raw offsets, stable ids, bad files skipped."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kg.cli import app
from kg.documents import load_document
from kg.models import parse_record

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
runner = CliRunner()


def run_extract(*args: str) -> tuple[int, list[dict], str]:  # type: ignore[type-arg]
    result = runner.invoke(app, ["extract", *args])
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.stderr


@pytest.fixture(scope="module")
def bulletin_records() -> list[dict]:  # type: ignore[type-arg]
    code, records, err = run_extract(str(EXAMPLES / "meishan-bulletin-2024-08.txt"))
    assert code == 0, err
    return records


def test_every_line_is_a_valid_record_and_references_resolve(bulletin_records) -> None:  # type: ignore[no-untyped-def]
    parsed = [parse_record(r) for r in bulletin_records]
    kinds = [p.record for p in parsed]
    assert kinds[0] == "document" and {"mention", "entity"} <= set(kinds)
    entity_ids = {p.id for p in parsed if p.record == "entity"}
    for p in parsed:
        if p.record == "mention":
            assert p.entity in entity_ids
        if p.record == "relation":
            assert p.source in entity_ids and p.target in entity_ids


def test_mention_offsets_point_into_the_raw_text(bulletin_records) -> None:  # type: ignore[no-untyped-def]
    raw = load_document(EXAMPLES / "meishan-bulletin-2024-08.txt").text
    mentions = [r for r in bulletin_records if r["record"] == "mention"]
    assert mentions
    for m in mentions:
        assert re.sub(r"\s", "", raw[m["start"]:m["end"]]) == m["text"]


def test_bulletin_genre_is_understood(bulletin_records) -> None:  # type: ignore[no-untyped-def]
    doc = bulletin_records[0]
    assert doc["date"] == "2024-08-12"
    mentions = {(m["type"], m["text"]) for m in bulletin_records if m["record"] == "mention"}
    # a title broken over two printed lines, and an organisation broken inside its suffix
    assert ("WORK", "眉山年鉴（2024）") in mentions
    assert ("ORG", "县地方志编纂中心") in mentions or any(t == "ORG" and x.endswith("县地方志编纂中心") for t, x in mentions)
    assert ("PERSON", "李明") in mentions and ("TITLE", "副县长") in mentions
    dates = {m["text"]: m.get("value") for m in bulletin_records if m["record"] == "mention" and m["type"] == "DATE"}
    assert dates["8月3日"] == "2024-08-03"
    assert dates["8月8日至9日"] == "2024-08-08/2024-08-09"


def test_ids_are_stable_across_runs(bulletin_records) -> None:  # type: ignore[no-untyped-def]
    _, again, _ = run_extract(str(EXAMPLES / "meishan-bulletin-2024-08.txt"))
    assert again == bulletin_records


def test_bad_files_are_skipped_with_one_line_errors(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "zhuo-lin.txt", tmp_path / "good.txt")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 8)
    report = tmp_path / "report.json"
    code, records, err = run_extract(str(tmp_path), "--report", str(report))
    assert code == 1
    assert any(r["record"] == "mention" and r["text"] == "卓琳" for r in records)
    skipped = json.loads(report.read_text(encoding="utf-8"))["skipped"]
    assert sorted(Path(s["path"]).name for s in skipped) == ["binary.txt", "empty.txt"]
    for line in err.splitlines():
        if "skipped" in line and ".txt" in line:
            assert "\n" not in line


def test_doc_date_option_is_validated() -> None:
    result = runner.invoke(app, ["extract", str(EXAMPLES / "zhuo-lin.txt"), "--doc-date", "12/08/2024"])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output


def test_encodings_give_the_same_mentions(tmp_path: Path) -> None:
    text = (EXAMPLES / "zhuo-lin.txt").read_text(encoding="utf-8")
    (tmp_path / "gb.txt").write_bytes(text.encode("gb18030"))
    _, a, _ = run_extract(str(EXAMPLES / "zhuo-lin.txt"))
    _, b, _ = run_extract(str(tmp_path / "gb.txt"))
    strip = lambda rs: [{k: v for k, v in r.items() if k not in ("path", "sha256")} for r in rs]
    assert strip(a) == strip(b)


SENTENCES = ["洪雅县人民政府副县长李明到县地方志编纂中心调研指导。", "把《眉山年鉴（2024）》打造为精品年鉴。",
             "邓小平，原名邓先圣，四川省广安县协兴乡牌坊村人。", "清光绪二十六年五月二十九日，知县王某到任。"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=4), st.data())
def test_raw_spans_survive_any_line_breaking(tmp_path: Path, parts: list[str], data: st.DataObject) -> None:
    text = "".join(parts)
    out = []
    for ch in text:
        out.append(ch)
        out.append(data.draw(st.sampled_from(["", "", "", "\n", "\n\n", " ", "\r\n"])))
    raw = "".join(out)
    path = tmp_path / "doc.txt"
    path.write_text(raw, encoding="utf-8")
    code, records, err = run_extract(str(path))
    assert code == 0, err
    decoded = load_document(path).text
    for m in (r for r in records if r["record"] == "mention"):
        assert re.sub(r"\s", "", decoded[m["start"]:m["end"]]) == m["text"]
