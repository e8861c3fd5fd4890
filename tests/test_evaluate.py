"""Corpus readers on tiny hand-made fixtures and the evaluation arithmetic, with counts worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from ner.corpora import (
    CorpusFormatError,
    decode_tags,
    detect_format,
    map_label,
    read_corpus,
)
from ner.evaluate import EvalReport, TypeScore, evaluate_corpus, score_spans

FIXTURES = Path(__file__).parent / "fixtures" / "ner"


def entity_strings(path: Path, fmt: str | None = None) -> list[list[tuple[str, str]]]:
    return [[(text[s:e], label) for s, e, label in spans] for text, spans in read_corpus(path, fmt)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("msra_tab.bio", "bio"),
        ("pd_space.bio", "bio"),
        ("renmin_fragments.bmes", "bmes"),
        ("tiny.bioes", "bioes"),
        ("cluener.json", "cluener"),
        ("sighan_wordtag.txt", "wordtag"),
    ],
)
def test_detect_format(name: str, expected: str) -> None:
    assert detect_format(FIXTURES / name) == expected


def test_tab_separated_bio() -> None:
    assert entity_strings(FIXTURES / "msra_tab.bio") == [
        [("邓小平", "PERSON"), ("四川省", "PLACE"), ("广安县", "PLACE")],
        [("眉山市委党史研究室", "ORG")],
        [("北京", "PLACE")],
    ]


def test_space_separated_bio_keeps_single_char_entity() -> None:
    assert entity_strings(FIXTURES / "pd_space.bio") == [
        [("美国", "PLACE"), ("克林顿", "PERSON"), ("中国", "PLACE")],
        [("胡", "PERSON"), ("新华社", "ORG")],
    ]


def test_peoples_daily_bmes_fragments() -> None:
    sentences = list(read_corpus(FIXTURES / "renmin_fragments.bmes"))
    assert [text for text, _ in sentences] == ["国务院", "张勇在先后战胜阎森和小将郭璞浩", "和毅繁（普米族）"]
    assert entity_strings(FIXTURES / "renmin_fragments.bmes") == [
        [("国务院", "ORG")],
        [("张勇", "PERSON"), ("阎森", "PERSON"), ("郭璞浩", "PERSON")],
        [("和毅繁", "PERSON")],
    ]


def test_bioes_single_tag() -> None:
    assert entity_strings(FIXTURES / "tiny.bioes") == [[("王", "PERSON"), ("上海", "PLACE")]]


def test_cluener_inclusive_ends_and_label_map() -> None:
    sentences = list(read_corpus(FIXTURES / "cluener.json"))
    assert len(sentences) == 3
    first = [(sentences[0][0][s:e], label) for s, e, label in sentences[0][1]]
    assert sorted(first) == sorted(
        [("浙商银行", "ORG"), ("叶老桂", "PERSON"), ("博士", "TITLE"), ("叶老桂", "PERSON")]
    )
    assert sentences[1][1] == []  # "game" is not a project type and is dropped
    third = {(sentences[2][0][s:e], label) for s, e, label in sentences[2][1]}
    assert third == {("彭小军", "PERSON"), ("台湾", "PLACE"), ("发卡模式", "WORK")}


def test_sighan_word_tag_format() -> None:
    assert entity_strings(FIXTURES / "sighan_wordtag.txt") == [
        [("中共中央", "ORG"), ("中国致公党十一大", "ORG")],
        [],
        [("北京", "PLACE"), ("江泽民", "PERSON")],
    ]


def test_limit_and_label_map() -> None:
    assert len(list(read_corpus(FIXTURES / "msra_tab.bio", limit=2))) == 2
    assert map_label("nr") == "PERSON" and map_label("LOC") == "PLACE" and map_label("government") == "ORG"
    assert map_label("position") == "TITLE" and map_label("book") == "WORK"
    assert map_label("game") is None and map_label("movie") is None and map_label("scene") is None


def test_lenient_decoding_of_broken_sequences() -> None:
    text, spans = decode_tags(list("甲乙丙丁"), ["I-PER", "I-LOC", "E-LOC", "O"])
    assert text == "甲乙丙丁"
    assert spans == [(0, 1, "PERSON"), (1, 3, "PLACE")]


def test_reader_errors_are_explicit(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("这是一行没有标签的文字\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match="fmt="):
        detect_format(bad)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        list(read_corpus(tmp_path / "missing.bio"))
    with pytest.raises(CorpusFormatError, match="unknown corpus format"):
        list(read_corpus(FIXTURES / "msra_tab.bio", fmt="conll"))


LEXICON = {"邓小平": "PERSON", "四川省广安县": "PLACE", "北京": "PLACE", "眉山市": "PLACE", "研究室": "ORG"}


def lexicon_predictor(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    """A real (if naive) predictor: every occurrence of a lexicon word is an entity."""
    results: list[list[tuple[int, int, str]]] = []
    for text in texts:
        spans = []
        for word, label in LEXICON.items():
            start = text.find(word)
            while start >= 0:
                spans.append((start, start + len(word), label))
                start = text.find(word, start + 1)
        results.append(spans)
    return results


def test_evaluate_corpus_counts_by_hand() -> None:
    # gold: PERSON 邓小平; PLACE 四川省, 广安县, 北京; ORG 眉山市委党史研究室
    # predicted: PERSON 邓小平 (right); PLACE 四川省广安县 (wrong boundary), 北京 (right), 眉山市 (wrong);
    # ORG 研究室 (wrong boundary)
    report = evaluate_corpus(FIXTURES / "msra_tab.bio", lexicon_predictor)
    assert report.types == ["ORG", "PERSON", "PLACE"]
    assert report.sentences == 3 and report.chars == 13 + 13 + 8
    person, place, org = report.per_type["PERSON"], report.per_type["PLACE"], report.per_type["ORG"]
    assert (person.correct, person.predicted, person.support) == (1, 1, 1)
    assert person.f1 == 1.0
    assert (place.correct, place.predicted, place.support) == (1, 3, 3)
    assert place.precision == pytest.approx(1 / 3) and place.recall == pytest.approx(1 / 3)
    assert place.f1 == pytest.approx(1 / 3)
    assert (org.correct, org.predicted, org.support) == (0, 1, 1) and org.f1 == 0.0
    assert (report.micro.correct, report.micro.predicted, report.micro.support) == (2, 5, 5)
    assert report.micro.f1 == pytest.approx(0.4)


def test_evaluate_corpus_type_filter() -> None:
    report = evaluate_corpus(FIXTURES / "msra_tab.bio", lexicon_predictor, types=["PERSON", "ORG"])
    assert list(report.per_type) == ["PERSON", "ORG"]
    assert (report.micro.correct, report.micro.predicted, report.micro.support) == (1, 2, 2)
    assert report.micro.precision == pytest.approx(0.5)


def test_report_table_and_json_round_trip() -> None:
    report = evaluate_corpus(FIXTURES / "msra_tab.bio", lexicon_predictor, limit=1)
    table = report.to_table()
    assert table.splitlines()[0].startswith("| type | precision")
    assert "| micro |" in table and "| PLACE | 0.0000 | 0.0000 |" in table
    assert EvalReport.model_validate_json(report.model_dump_json()) == report


def test_score_spans_precision_recall_differ() -> None:
    gold = [[(0, 2, "PERSON"), (3, 5, "PLACE")], [(0, 4, "ORG")]]
    predicted = [[(0, 2, "PERSON"), (3, 5, "PERSON"), (6, 8, "PLACE")], []]
    per_type, micro = score_spans(gold, predicted)
    assert per_type["PERSON"] == TypeScore(
        precision=0.5, recall=1.0, f1=2 / 3, support=1, predicted=2, correct=1
    )
    assert per_type["PLACE"].correct == 0 and per_type["ORG"].recall == 0.0
    assert (micro.correct, micro.predicted, micro.support) == (1, 3, 3)


def test_predictor_contract_is_checked() -> None:
    with pytest.raises(ValueError, match="one each"):
        evaluate_corpus(FIXTURES / "msra_tab.bio", lambda texts: [])
    with pytest.raises(ValueError, match="outside a text"):
        evaluate_corpus(FIXTURES / "msra_tab.bio", lambda texts: [[(0, 999, "PERSON")] for _ in texts])
