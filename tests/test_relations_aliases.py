"""Alias merging, 某氏 women, org second names, prefix-less and abbreviated org names, admin divisions."""

from __future__ import annotations

from kg.admin_divisions import admin_divisions, short_name
from kg.relations import extract_relations
from kg.relations.markup import annotated, parse_markup
from kg.relations.places import split_levels
from kg.relations.types import Candidate, DocGraph


def _by_name(g: DocGraph, name: str) -> Candidate:
    return next(c for c in g.candidates if c.name == name)


def test_original_school_and_courtesy_names_are_one_person() -> None:
    g = extract_relations(annotated("[邓小平|PERSON]，原名[邓先圣|PERSON]，学名[邓希贤|PERSON]，生于广安。"))
    deng = _by_name(g, "邓小平")
    assert deng.aliases == ["邓先圣", "邓希贤"]
    assert deng.properties["alias_kinds"] == {"邓先圣": "original_name", "邓希贤": "school_name"}
    assert len([c for c in g.candidates if c.type == "PERSON"]) == 1


def test_untagged_courtesy_and_art_names_are_read() -> None:
    g = extract_relations(annotated("[苏轼|PERSON]，字子瞻，号东坡居士，[眉山|PLACE]人。"))
    su = _by_name(g, "苏轼")
    assert su.properties["alias_kinds"]["子瞻"] == "courtesy_name"
    assert "子瞻" in su.aliases


def test_two_people_in_one_sentence_are_not_aliases() -> None:
    g = extract_relations(annotated("[邓小平|PERSON]、[卓琳|PERSON]和[邓朴方|PERSON]合影。"))
    assert {c.name for c in g.candidates if c.type == "PERSON"} == {"邓小平", "卓琳", "邓朴方"}
    assert all(not c.aliases for c in g.candidates)


def test_comrade_form_is_the_full_name() -> None:
    g = extract_relations(annotated("[王某某同志|PERSON]讲话。[王某某|PERSON]指出。"))
    assert [c.name for c in g.candidates if c.type == "PERSON"] == ["王某某"]


def test_shi_women_merge_with_fuller_form() -> None:
    g = extract_relations(annotated("母亲[邓淡氏|PERSON]。[淡氏|PERSON]勤劳。"))
    women = [c for c in g.candidates if c.type == "PERSON"]
    assert len(women) == 1 and women[0].name == "邓淡氏" and women[0].aliases == ["淡氏"]


def test_org_second_name_in_parentheses() -> None:
    g = extract_relations(annotated("[眉山市委党史研究室|ORG]（[眉山市地方志编纂中心|ORG]）召开会议。"))
    org = _by_name(g, "眉山市委党史研究室")
    assert org.aliases == ["眉山市地方志编纂中心"]
    assert org.properties["alias_kinds"] == {"眉山市地方志编纂中心": "second_name"}


def test_prefix_less_org_takes_the_place_of_the_document() -> None:
    g = extract_relations(annotated("[眉山市|PLACE][东坡区|PLACE]召开会议。[区委党史研究室|ORG]参加。"))
    assert _by_name(g, "东坡区委党史研究室").aliases == ["区委党史研究室"]


def test_abbreviation_joins_the_full_name_in_the_document() -> None:
    g = extract_relations(annotated("[四川省地方志工作办公室|ORG]召开会议。[省地方志办|ORG]负责人讲话。"))
    orgs = [c for c in g.candidates if c.type == "ORG"]
    assert len(orgs) == 1 and orgs[0].name == "四川省地方志工作办公室" and "省地方志办" in orgs[0].aliases


def test_abbreviation_without_full_name_is_expanded() -> None:
    g = extract_relations(annotated("[洪雅县|PLACE]。[县志办|ORG]召开会议。"))
    assert "洪雅县地方志办公室" in {c.name for c in g.candidates}


def test_historical_place_gets_modern_name() -> None:
    g = extract_relations(annotated("[洪雅县|PLACE][止戈坝|PLACE]（今[止戈镇|PLACE]）。"))
    assert _by_name(g, "止戈坝").properties["modern_name"] == "止戈镇"
    assert _by_name(g, "止戈镇").properties["historical_names"] == ["止戈坝"]


def test_admin_table_codes_and_chain() -> None:
    table = admin_divisions()
    hongya = table.resolve("洪雅县")
    assert hongya is not None and hongya.code == "511423"
    assert [d.name for d in table.chain(hongya.code)] == ["洪雅县", "眉山市", "四川省"]
    assert table.resolve("朝阳区") is None  # Beijing and Changchun both have one
    beijing = table.resolve("北京市")
    assert beijing is not None
    chaoyang = table.resolve("朝阳区", {beijing.code})
    assert chaoyang is not None and chaoyang.code.startswith("11")
    assert short_name("广西壮族自治区") == "广西" and short_name("洪雅县") == "洪雅"


def test_split_levels() -> None:
    assert split_levels("四川省广安县协兴乡牌坊村") == ["四川省", "广安县", "协兴乡", "牌坊村"]
    assert split_levels("延安") == ["延安"]


def test_markup_rejects_bad_brackets() -> None:
    text, spans = parse_markup("[张三|PERSON]到[洪雅县|PLACE]")
    assert text == "张三到洪雅县" and [s.type for s in spans] == ["PERSON", "PLACE"]
    try:
        parse_markup("[张三|NAME]")
    except ValueError as e:
        assert "[text|TYPE]" in str(e)
    else:
        raise AssertionError("bad markup accepted")
