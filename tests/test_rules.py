"""Domain rules and the rules-only spaCy pipeline on real-form gazetteer sentences."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from ner import rules
from ner.lexicon import TrieMatcher
from ner.pipeline import annotate, build_pipeline, chunks


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    return build_pipeline(use_crf=False)


def typed(text: str, nlp, doc_date: dt.date | None = None) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(m.type, text[m.start:m.end]) for m in annotate(text, nlp=nlp, doc_date=doc_date)}


def test_trie_matcher_takes_longest_match() -> None:
    m = TrieMatcher(["书记", "党组书记", "党组"])
    assert list(m.finditer("党组书记张三")) == [(0, 4)]
    assert m.longest_at("某党组成员", 1) == 2
    assert m.longest_at("", 0) == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("把《眉山年鉴（2024）》打造为精品年鉴", {("WORK", "眉山年鉴（2024）")}),
        ("印发《关于加强市县综合年鉴编纂工作的通知》", {("WORK", "关于加强市县综合年鉴编纂工作的通知")}),
        ("编纂出版广安年鉴（2023）", {("WORK", "广安年鉴（2023）")}),
    ],
)
def test_works(nlp, text: str, expected: set[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
    assert expected <= typed(text, nlp)


def test_unbracketed_work_needs_a_place_and_not_an_office() -> None:
    text = "广安市志办召开会议"
    assert not [c for c in rules.find_works(text, [(0, 3)]) if c.label == "WORK"]


@pytest.mark.parametrize(
    ("text", "org"),
    [
        ("8月3日，眉山市委党史研究室召开全体干部职工会", "眉山市委党史研究室"),
        ("洪雅县人民政府副县长李明到县地方志编纂中心调研指导", "洪雅县人民政府"),
        ("洪雅县人民政府副县长李明到县地方志编纂中心调研指导", "县地方志编纂中心"),
        ("省地方志办党组书记、主任刘志强出席会议", "省地方志办"),
        ("同日，东坡区委党史研究室组织召开评审会", "东坡区委党史研究室"),
        ("中共广安市委宣传部印发通知", "中共广安市委宣传部"),
        ("四川省地方志工作办公室在成都召开会议", "四川省地方志工作办公室"),
    ],
)
def test_organisations(nlp, text: str, org: str) -> None:  # type: ignore[no-untyped-def]
    assert ("ORG", org) in typed(text, nlp)


def test_title_after_org_part_is_not_swallowed(nlp) -> None:  # type: ignore[no-untyped-def]
    found = typed("市委党史研究室党组书记、主任张华带队", nlp)
    assert {("ORG", "市委党史研究室"), ("TITLE", "党组书记"), ("TITLE", "主任"), ("PERSON", "张华")} <= found


@pytest.mark.parametrize(
    ("text", "title"),
    [("洪雅县人民政府副县长李明", "副县长"), ("历任某县知县", "知县"), ("授翰林院编修", "翰林院编修"),
     ("以兵部员外郎之职入蜀", "员外郎"), ("某纪念馆馆长陈明", "馆长"), ("常务副县长王五", "常务副县长")],
)
def test_titles(nlp, text: str, title: str) -> None:  # type: ignore[no-untyped-def]
    assert ("TITLE", title) in typed(text, nlp)


@pytest.mark.parametrize(
    ("text", "person"),
    [("母亲淡氏", "淡氏"), ("娶戴氏为妻", "戴氏"), ("其祖母邓淡氏", "邓淡氏"), ("主任王某某主持会议", "王某某"),
     ("副县长某某到县调研", "某某"), ("父亲邓绍昌，字文明；", "邓绍昌"), ("父亲邓绍昌，字文明；", "文明"),
     ("苏轼，字子瞻，号东坡居士，眉州眉山人", "东坡居士"), ("党组成员张三、李四出席", "李四")],
)
def test_person_rules(nlp, text: str, person: str) -> None:  # type: ignore[no-untyped-def]
    assert ("PERSON", person) in typed(text, nlp)


@pytest.mark.parametrize("text", ["张氏宗祠始建于清代", "姓氏源流", "陈氏家族"])
def test_clan_words_are_not_women(nlp, text: str) -> None:  # type: ignore[no-untyped-def]
    assert not any(t == "PERSON" for t, _ in typed(text, nlp))


@pytest.mark.parametrize(
    ("text", "event"),
    [("眉山市委党史研究室召开全体干部职工会，通报情况", "全体干部职工会"),
     ("在成都召开2023年全省地方志工作会议。", "全省地方志工作会议"),
     ("1929年12月11日，邓小平领导百色起义", "百色起义"),
     ("组织召开《东坡区志》评审会。", "评审会")],
)
def test_events(nlp, text: str, event: str) -> None:  # type: ignore[no-untyped-def]
    assert ("EVENT", event) in typed(text, nlp)


def test_places_split_and_extended(nlp) -> None:  # type: ignore[no-untyped-def]
    found = typed("邓小平，四川省广安县协兴乡牌坊村人。", nlp)
    assert {("PLACE", "四川省"), ("PLACE", "广安县"), ("PLACE", "协兴乡"), ("PLACE", "牌坊村")} <= found


def test_split_place_keeps_two_characters_each_side() -> None:
    assert rules.split_place("四川省广安县协兴乡牌坊村", 0, 12) == [(0, 3), (3, 6), (6, 9), (9, 12)]
    assert rules.split_place("市中区", 0, 3) == [(0, 3)]
    assert rules.split_place("新市镇", 0, 3) == [(0, 3)]


def test_dates_carry_iso_values_and_resolve_against_document_date(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "8月8日至9日，张华带队赴东坡区调研。"
    dates = [m for m in annotate(text, nlp=nlp, doc_date=dt.date(2024, 8, 12)) if m.type == "DATE"]
    assert [(d.value, d.precision) for d in dates] == [("2024-08-08/2024-08-09", "interval")]


def test_context_year_carries_across_chunks(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "1938年，邓绍昌被害。" + "这是一段很长的文字。" * 300 + "次年，家人迁居。"
    dates = [m for m in annotate(text, nlp=nlp) if m.type == "DATE"]
    assert dates[0].value == "1938"
    assert dates[-1].value == "1939"


def test_chunks_cover_text_exactly() -> None:
    text = "甲乙丙。" * 2000
    pieces = list(chunks(text, 500))
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
    assert all(text[e - 1] == "。" for _, e in pieces)
