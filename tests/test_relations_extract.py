"""Relation extraction on real-form sentences: positives and negatives for every relation type."""

from __future__ import annotations

from typing import Any

import pytest

from kg.relations import extract_relations
from kg.relations.markup import annotated, has_relation, named_relations

Case = tuple[str, str, str, str, dict[str, Any]]

POSITIVE: list[Case] = [
    # HOLDS_POSITION
    ("[洪雅县人民政府|ORG][副县长|TITLE][张三|PERSON]到[县地方志编纂中心|ORG]调研指导。",
     "HOLDS_POSITION", "张三", "洪雅县人民政府", {"title": "副县长"}),
    ("[洪雅县委|ORG][副书记|TITLE]、[县长|TITLE][李四|PERSON]出席会议。",
     "HOLDS_POSITION", "李四", "洪雅县委", {"title": "副书记"}),
    ("[洪雅县委|ORG][副书记|TITLE]、[县长|TITLE][李四|PERSON]出席会议。",
     "HOLDS_POSITION", "李四", "洪雅县", {"title": "县长"}),
    ("[眉山市地方志办公室|ORG][党组书记|TITLE]、[主任|TITLE][王五|PERSON]讲话。",
     "HOLDS_POSITION", "王五", "眉山市地方志办公室", {"title": "主任"}),
    ("[眉山市地方志办公室|ORG][党组书记|TITLE]、[主任|TITLE][王五|PERSON]讲话。",
     "HOLDS_POSITION", "王五", "眉山市地方志办公室", {"title": "党组书记"}),
    ("[眉山市地方志办公室|ORG][党组成员|TITLE][赵甲|PERSON]、[钱乙|PERSON]参加会议。",
     "HOLDS_POSITION", "钱乙", "眉山市地方志办公室", {"title": "党组成员"}),
    ("[邓小平故居陈列馆|ORG][馆长|TITLE][孙丙|PERSON]介绍了情况。",
     "HOLDS_POSITION", "孙丙", "邓小平故居陈列馆", {"title": "馆长"}),
    ("[李朝|PERSON]历任[仁和县|PLACE][知县|TITLE]。", "HOLDS_POSITION", "李朝", "仁和县", {"title": "知县"}),
    ("[何某|PERSON]以[户部|ORG][员外郎|TITLE]之职入蜀。", "HOLDS_POSITION", "何某", "户部", {"title": "员外郎"}),
    ("[周某|PERSON]官至[翰林院编修|TITLE]。", "HOLDS_POSITION", "周某", "翰林院", {"title": "编修"}),
    # PARENT_OF
    ("[邓小平|PERSON]的父亲[邓绍昌|PERSON]是当地乡绅。", "PARENT_OF", "邓绍昌", "邓小平", {}),
    ("[邓绍昌|PERSON]之子[邓小平|PERSON]。", "PARENT_OF", "邓绍昌", "邓小平", {}),
    ("[邓小平|PERSON]，[1904年|DATE=1904]生。父亲[邓绍昌|PERSON]，母亲[淡氏|PERSON]。",
     "PARENT_OF", "淡氏", "邓小平", {"kind": "母亲"}),
    ("[邓小平|PERSON]与[卓琳|PERSON]结婚。他们的女儿[邓榕|PERSON]。", "PARENT_OF", "卓琳", "邓榕", {}),
    ("[王某|PERSON]迁居[成都|PLACE]。其长子[王甲|PERSON]亦为官。", "PARENT_OF", "王某", "王甲", {"kind": "长子"}),
    # SPOUSE_OF
    ("[1939年8月|DATE=1939-08]，[邓小平|PERSON]与[卓琳|PERSON]在[延安|PLACE]结婚。", "SPOUSE_OF", "邓小平", "卓琳", {}),
    ("[邓绍昌|PERSON]的妻子[淡氏|PERSON]。", "SPOUSE_OF", "邓绍昌", "淡氏", {}),
    ("[张某|PERSON]和[李某|PERSON]成婚于[洪雅县|PLACE]。", "SPOUSE_OF", "张某", "李某", {}),
    # SIBLING_OF
    ("[邓小平|PERSON]的弟弟[邓垦|PERSON]。", "SIBLING_OF", "邓小平", "邓垦", {"kind": "弟弟"}),
    ("[邓先烈|PERSON]之兄[邓先修|PERSON]。", "SIBLING_OF", "邓先烈", "邓先修", {"kind": "兄"}),
    ("我叫[邓林|PERSON]。我母亲生了五个孩子：老大是大姐，叫[邓甲|PERSON]。", "SIBLING_OF", "邓林", "邓甲",
     {"kind": "大姐"}),
    # KIN_OF
    ("[邓小平|PERSON]的祖母[戴氏|PERSON]。", "KIN_OF", "邓小平", "戴氏", {"kind": "祖母"}),
    ("[邓鹤轩|PERSON]第十二世孙[邓时敏|PERSON]。", "KIN_OF", "邓鹤轩", "邓时敏", {"kind": "第十二世孙"}),
    ("[邓小平|PERSON]出生在广安。邓家先祖[邓鹤轩|PERSON]自江西入蜀。", "KIN_OF", "邓小平", "邓鹤轩", {"kind": "先祖"}),
    ("[邓小平|PERSON]的继母[夏伯根|PERSON]。", "KIN_OF", "邓小平", "夏伯根", {"kind": "继母"}),
    ("[邓时敏|PERSON]为[邓鹤轩|PERSON]之孙。", "KIN_OF", "邓鹤轩", "邓时敏", {"kind": "孙"}),
    # PART_OF
    ("[四川省广安县协兴乡牌坊村|PLACE]", "PART_OF", "牌坊村", "协兴乡", {}),
    ("[四川省广安县协兴乡牌坊村|PLACE]", "PART_OF", "协兴乡", "广安县", {}),
    ("[眉山市|PLACE][东坡区|PLACE]位于成都平原。", "PART_OF", "东坡区", "眉山市", {}),
    ("[洪雅县|PLACE]位于四川盆地西南边缘。", "PART_OF", "洪雅县", "眉山市", {}),
    ("[洪雅县|PLACE][止戈坝|PLACE]（今[止戈镇|PLACE]）。", "PART_OF", "止戈镇", "洪雅县", {}),
    # LOCATED_IN
    ("[洪雅县人民政府|ORG]印发通知。", "LOCATED_IN", "洪雅县人民政府", "洪雅县", {}),
    ("[广安市地方志办公室|ORG]召开会议。", "LOCATED_IN", "广安市地方志办公室", "广安市", {}),
    ("[四川省地方志工作办公室|ORG]发文。", "LOCATED_IN", "四川省地方志工作办公室", "四川省", {}),
    # events
    (("[2024年8月3日|DATE=2024-08-03]，[广安市地方志办公室|ORG]召开[全体干部职工会议|EVENT]，"
      "[主任|TITLE][王某某|PERSON]主持会议。"), "ORGANISED", "广安市地方志办公室", "广安市地方志办公室全体干部职工会议", {}),
    ("[2024年5月|DATE=2024-05]，[洪雅县志办|ORG]举办[业务培训班|EVENT]。", "ORGANISED", "洪雅县地方志办公室",
     "洪雅县地方志办公室业务培训班", {}),
    ("[眉山市档案馆|ORG]召开[年度工作会议|EVENT]。", "ORGANISED", "眉山市档案馆", "眉山市档案馆年度工作会议", {}),
    ("[市委党史研究室|ORG]在[东坡区|PLACE]召开[座谈会|EVENT]。", "HAPPENED_AT", "市委党史研究室座谈会", "东坡区", {}),
    (("[2024年8月3日|DATE=2024-08-03]，[广安市地方志办公室|ORG]召开[全体干部职工会议|EVENT]，"
      "[主任|TITLE][王某某|PERSON]主持会议。"), "SPOKE_AT", "王某某", "广安市地方志办公室全体干部职工会议", {}),
    ("[眉山市档案馆|ORG]召开[年度工作会议|EVENT]。[馆长|TITLE][刘某|PERSON]作报告。", "SPOKE_AT", "刘某",
     "眉山市档案馆年度工作会议", {}),
    ("[2023年|DATE=2023]，[洪雅县人民政府|ORG]召开[座谈会|EVENT]，[李某|PERSON]致辞。", "SPOKE_AT", "李某",
     "洪雅县人民政府座谈会", {}),
    ("[2024年3月|DATE=2024-03]，[洪雅县人民政府|ORG][副县长|TITLE][张三|PERSON]到[县地方志编纂中心|ORG]调研指导。",
     "PARTICIPATED_IN", "张三", "张三调研指导", {}),
    ("[2024年3月|DATE=2024-03]，[洪雅县人民政府|ORG][副县长|TITLE][张三|PERSON]到[县地方志编纂中心|ORG]调研指导。",
     "PARTICIPATED_IN", "洪雅县地方志编纂中心", "张三调研指导", {}),
    ("[2024年|DATE=2024]，[省地方志办|ORG]召开[座谈会|EVENT]，[洪雅县志办|ORG]参加会议。", "PARTICIPATED_IN",
     "洪雅县地方志办公室", "省地方志工作办公室座谈会", {}),
    ("[洪雅县人民政府|ORG]印发《[洪雅县志编纂方案|WORK]》。", "ISSUED", "洪雅县人民政府", "洪雅县志编纂方案", {}),
    ("[2022年|DATE=2022]，[四川省地方志工作办公室|ORG]发布《[四川年鉴|WORK]》。", "ISSUED", "四川省地方志工作办公室",
     "四川年鉴", {}),
    ("[广安市地方志办公室|ORG]编印《[广安市志|WORK]》。", "ISSUED", "广安市地方志办公室", "广安市志", {}),
    ("[邓小平|PERSON]，[1904年8月22日|DATE=1904-08-22]生于[四川省广安县协兴乡牌坊村|PLACE]。", "BORN_IN",
     "邓小平", "牌坊村", {}),
    ("[刘某|PERSON]出生于[洪雅县|PLACE]。", "BORN_IN", "刘某", "洪雅县", {}),
    ("[苏轼|PERSON]生于[眉山|PLACE]。", "BORN_IN", "苏轼", "眉山市", {}),
    ("[邓小平|PERSON]于[1997年2月19日|DATE=1997-02-19]在[北京|PLACE]逝世。", "DIED_IN", "邓小平", "北京市", {}),
    ("[张某|PERSON]病故于[洪雅县|PLACE]。", "DIED_IN", "张某", "洪雅县", {}),
    ("[苏轼|PERSON]卒于[常州|PLACE]。", "DIED_IN", "苏轼", "常州市", {}),
    ("[邓鹤轩|PERSON]从[江西|PLACE]迁居[广安|PLACE]。", "MIGRATED_TO", "邓鹤轩", "广安市", {}),
    ("[邓鹤轩|PERSON]从[江西|PLACE]迁居[广安|PLACE]。", "MIGRATED_FROM", "邓鹤轩", "江西省", {}),
    ("[苏某|PERSON]由[眉山|PLACE]移居[常州|PLACE]。", "MIGRATED_FROM", "苏某", "眉山市", {}),
    ("[何某|PERSON]以[户部|ORG][员外郎|TITLE]之职入蜀。", "MIGRATED_TO", "何某", "蜀", {}),
    ("[王某|PERSON]自[湖北|PLACE]迁入[洪雅县|PLACE]。", "MIGRATED_FROM", "王某", "湖北省", {}),
    ("[王某|PERSON]自[湖北|PLACE]迁入[洪雅县|PLACE]。", "MIGRATED_TO", "王某", "洪雅县", {}),
    ("[1939年8月|DATE=1939-08]，[邓小平|PERSON]与[卓琳|PERSON]在[延安|PLACE]结婚。", "HAPPENED_AT",
     "邓小平与卓琳结婚", "延安市", {}),
    ("[刘某|PERSON]出生于[洪雅县|PLACE]。", "HAPPENED_AT", "刘某出生", "洪雅县", {}),
]

NEGATIVE: list[Case] = [
    # a title far from a person, with another person in between, is not theirs
    ("[张三|PERSON]会见了[洪雅县人民政府|ORG][副县长|TITLE][李四|PERSON]。", "HOLDS_POSITION", "张三",
     "洪雅县人民政府", {}),
    ("[张三|PERSON]和[李四|PERSON]参观了[邓小平故居陈列馆|ORG]。", "HOLDS_POSITION", "张三", "邓小平故居陈列馆", {}),
    ("[张三|PERSON]看望了[县长|TITLE]的母亲。", "HOLDS_POSITION", "张三", "县长", {}),
    # kin words not linking the two names
    ("[邓小平|PERSON]会见了[卓琳|PERSON]的父亲。", "PARENT_OF", "卓琳", "邓小平", {}),
    ("[邓小平|PERSON]和[卓琳|PERSON]参加会议。", "PARENT_OF", "邓小平", "卓琳", {}),
    ("[王某|PERSON]的父亲是农民，[李某|PERSON]是教师。", "PARENT_OF", "李某", "王某", {}),
    ("[邓小平|PERSON]与[卓琳|PERSON]在[延安|PLACE]工作。", "SPOUSE_OF", "邓小平", "卓琳", {}),
    ("[张某|PERSON]参加了[李某|PERSON]的婚礼。", "SPOUSE_OF", "张某", "李某", {}),
    ("[张某|PERSON]的同事[李某|PERSON]。", "SPOUSE_OF", "张某", "李某", {}),
    ("[张某|PERSON]与[李某|PERSON]是同学。", "SIBLING_OF", "张某", "李某", {}),
    ("[张某|PERSON]的学生[李某|PERSON]。", "SIBLING_OF", "张某", "李某", {}),
    ("他的大姐叫[邓甲|PERSON]。", "SIBLING_OF", "邓林", "邓甲", {}),
    ("[张某|PERSON]的老师[李某|PERSON]。", "KIN_OF", "张某", "李某", {}),
    ("[邓小平|PERSON]出生在广安。王家先祖[王某|PERSON]自江西入蜀。", "KIN_OF", "邓小平", "王某", {}),
    ("[张某|PERSON]和[李某|PERSON]是朋友。", "KIN_OF", "张某", "李某", {}),
    # places not nested
    ("[洪雅县|PLACE]与[丹棱县|PLACE]相邻。", "PART_OF", "丹棱县", "洪雅县", {}),
    ("[成都|PLACE]、[重庆|PLACE]两地。", "PART_OF", "重庆市", "成都市", {}),
    ("[洪雅县|PLACE]位于四川盆地。", "PART_OF", "洪雅县", "四川盆地", {}),
    ("[洪雅县人民政府|ORG]派员赴[丹棱县|PLACE]。", "LOCATED_IN", "洪雅县人民政府", "丹棱县", {}),
    ("[国务院|ORG]发文。", "LOCATED_IN", "国务院", "国", {}),
    ("[四川大学|ORG]在[成都|PLACE]。", "LOCATED_IN", "四川大学", "四川省", {}),
    ("[张三|PERSON]在[洪雅县|PLACE]召开的会议上讲话。", "ORGANISED", "张三", "洪雅县", {}),
    ("[张三|PERSON]参加[座谈会|EVENT]。", "ORGANISED", "张三", "座谈会", {}),
    ("[张三|PERSON]听取了[座谈会|EVENT]情况。", "ORGANISED", "张三", "座谈会", {}),
    ("[张三|PERSON]参加[座谈会|EVENT]。", "SPOKE_AT", "张三", "座谈会", {}),
    ("[张三|PERSON]阅读了[李四|PERSON]的讲话。", "SPOKE_AT", "张三", "座谈会", {}),
    ("[李四|PERSON]主张召开[座谈会|EVENT]。", "SPOKE_AT", "李四", "座谈会", {}),
    ("[张三|PERSON]生于[洪雅县|PLACE]。", "PARTICIPATED_IN", "洪雅县", "张三出生", {}),
    ("[张三|PERSON]写了一篇文章。", "PARTICIPATED_IN", "张三", "张三出生", {}),
    ("[张三|PERSON]的研究。", "PARTICIPATED_IN", "张三", "研究", {}),
    ("[张三|PERSON]阅读了《[洪雅县志|WORK]》。", "ISSUED", "张三", "洪雅县志", {}),
    ("[洪雅县人民政府|ORG]收到《[四川年鉴|WORK]》。", "ISSUED", "洪雅县人民政府", "四川年鉴", {}),
    ("《[广安市志|WORK]》由[李某|PERSON]保存。", "ISSUED", "李某", "广安市志", {}),
    ("[张三|PERSON]到[洪雅县|PLACE]工作。", "BORN_IN", "张三", "洪雅县", {}),
    ("[张三|PERSON]的儿子生于[洪雅县|PLACE]。", "BORN_IN", "张三", "丹棱县", {}),
    ("[张三|PERSON]在[洪雅县|PLACE]调研。", "BORN_IN", "张三", "洪雅县", {}),
    ("[张三|PERSON]在[洪雅县|PLACE]调研。", "DIED_IN", "张三", "洪雅县", {}),
    ("[张三|PERSON]悼念[李四|PERSON]。", "DIED_IN", "张三", "李四", {}),
    ("[张三|PERSON]回到[洪雅县|PLACE]。", "DIED_IN", "张三", "洪雅县", {}),
    ("[张三|PERSON]到[洪雅县|PLACE]调研。", "MIGRATED_TO", "张三", "洪雅县", {}),
    ("[张三|PERSON]在[洪雅县|PLACE]出生。", "MIGRATED_TO", "张三", "洪雅县", {}),
    ("[张三|PERSON]从[成都|PLACE]到[洪雅县|PLACE]调研。", "MIGRATED_FROM", "张三", "成都市", {}),
    ("[张三|PERSON]在[洪雅县|PLACE]出生。", "MIGRATED_FROM", "张三", "洪雅县", {}),
    ("[张三|PERSON]从[洪雅县|PLACE]出发。", "MIGRATED_TO", "张三", "洪雅县", {}),
    ("[张三|PERSON]自幼生活在[洪雅县|PLACE]。", "MIGRATED_FROM", "张三", "洪雅县", {}),
    ("[张三|PERSON]看望[洪雅县|PLACE]群众。", "HAPPENED_AT", "张三看望", "洪雅县", {}),
    ("[张三|PERSON]写了[洪雅县|PLACE]的历史。", "HAPPENED_AT", "张三", "洪雅县", {}),
    ("[张三|PERSON]回忆[洪雅县|PLACE]的会议。", "HAPPENED_AT", "会议", "洪雅县", {}),
]


@pytest.mark.parametrize(("marked", "rel", "source", "target", "props"), POSITIVE,
                         ids=[f"{c[1]}-{i}" for i, c in enumerate(POSITIVE)])
def test_extracts(marked: str, rel: str, source: str, target: str, props: dict[str, Any]) -> None:
    g = extract_relations(annotated(marked))
    assert has_relation(g, rel, source, target, **props), named_relations(g)


@pytest.mark.parametrize(("marked", "rel", "source", "target", "props"), NEGATIVE,
                         ids=[f"{c[1]}-{i}" for i, c in enumerate(NEGATIVE)])
def test_does_not_extract(marked: str, rel: str, source: str, target: str, props: dict[str, Any]) -> None:
    g = extract_relations(annotated(marked))
    assert not has_relation(g, rel, source, target, **props), named_relations(g)


def test_every_relation_type_has_three_positives_and_three_negatives() -> None:
    types = {c[1] for c in POSITIVE}
    for t in types:
        assert sum(c[1] == t for c in POSITIVE) >= 3, t
        assert sum(c[1] == t for c in NEGATIVE) >= 3, (t, "negatives")


def test_evidence_and_provenance() -> None:
    g = extract_relations(annotated("[邓小平|PERSON]的父亲[邓绍昌|PERSON]是当地乡绅。第二句。"))
    rel = next(r for r in g.relations if r.type == "PARENT_OF")
    assert rel.component == "relations.kinship"
    assert 0.0 < rel.confidence <= 1.0
    assert rel.evidence.sentence == "邓小平的父亲邓绍昌是当地乡绅。"
    assert "邓小平的父亲邓绍昌" == "邓小平的父亲邓绍昌是当地乡绅。"[rel.evidence.start:rel.evidence.end]


def test_dated_event_links_every_named_party() -> None:
    g = extract_relations(annotated(
        "[2024年8月3日|DATE=2024-08-03]，[广安市地方志办公室|ORG]召开[全体干部职工会议|EVENT]，"
        "[主任|TITLE][王某某|PERSON]主持会议，[李某|PERSON]参加。"))
    ev = next(c for c in g.candidates if c.type == "EVENT")
    assert ev.properties["date"] == "2024-08-03" and ev.properties["kind"] == "meeting"
    linked = {s for t, s, o, _ in named_relations(g) if o == ev.name}
    assert linked == {"广安市地方志办公室", "王某某", "李某"}
