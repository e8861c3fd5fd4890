"""The evaluator on a small self-made data folder (same formats as the shared data sets)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.relations.evaluate import evaluate, read_source
from kg.relations.types import Span

FIX = Path(__file__).parent / "fixtures" / "relations"


def test_goldish_mentions_from_both_formats() -> None:
    text, spans = read_source(FIX / "data", "msra_ner/original_format/testright1.txt", 1)
    assert text == "邓小平的父亲邓绍昌，１９０４年生于四川省广安县。"
    assert [(s.text, s.type) for s in spans if s.type != "DATE"] == [
        ("邓小平", "PERSON"), ("邓绍昌", "PERSON"), ("四川省", "PLACE"), ("广安县", "PLACE")]
    assert [s.value for s in spans if s.type == "DATE"] == ["1904"]
    text, spans = read_source(FIX / "data", "cluener2020/dev.json", 1)
    assert [(text[s.start:s.end], s.type) for s in spans][:3] == [
        ("洪雅县人民政府", "ORG"), ("副县长", "TITLE"), ("张三", "PERSON")]


def test_scores_per_type() -> None:
    result = evaluate(FIX / "gold.jsonl", FIX / "data")
    assert result["HOLDS_POSITION"]["tp"] == 3 and result["HOLDS_POSITION"]["fn"] == 0
    assert result["PARENT_OF"]["recall"] == 1.0
    assert result["PART_OF"]["tp"] == 1
    assert result["ALL"]["tp"] == 5 and result["ALL"]["fn"] == 0


def test_pluggable_annotator_is_used() -> None:
    def persons_only(text: str) -> list[Span]:
        out = []
        for name in ("邓小平", "邓绍昌", "张三", "李四", "王五"):
            if name in text:
                i = text.index(name)
                out.append(Span(start=i, end=i + len(name), type="PERSON", text=name))
        return out

    result = evaluate(FIX / "gold.jsonl", FIX / "data", annotate=persons_only)
    assert result["HOLDS_POSITION"]["tp"] == 0  # no TITLE/ORG mentions: no office can be found
    assert result["PARENT_OF"]["tp"] == 1


def test_missing_data_folder_says_what_to_pass(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="--data"):
        evaluate(FIX / "gold.jsonl", tmp_path)


def test_char_per_line_bio_sentences_by_number() -> None:
    text, spans = read_source(FIX / "data", "peoples_daily_ner/example.dev", 2)
    assert text == "李四的妻子王五。"
    assert [(s.text, s.type) for s in spans] == [("李四", "PERSON"), ("王五", "PERSON")]
    with pytest.raises(ValueError, match="no sentence 3"):
        read_source(FIX / "data", "peoples_daily_ner/example.dev", 3)
