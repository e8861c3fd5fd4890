"""Kinship: ``PARENT_OF`` (parent → child), ``SPOUSE_OF``, ``SIBLING_OF``, ``KIN_OF`` (``properties.kind`` and
``properties.direction`` = "target is source's KIND").

Forms: ``A的父亲B``, ``A之子B``, ``A第十二世孙B``, ``B为A之孙``, ``A与B结婚``, elided subjects (``父亲邓绍昌，
母亲淡氏`` after a sentence about A), pronouns (``其长子B``, ``他们的女儿B``), ``邓家先祖邓鹤轩`` (the topic person
of the same surname), and first-person memoirs (``我母亲…``, ``大姐，叫B``) when the narrator is known.
"""

from __future__ import annotations

import re
from itertools import pairwise

from kg.relations.builder import GraphBuilder
from kg.relations.coref import Coref
from kg.relations.sentences import Sentence
from kg.relations.types import Span

COMPONENT = "relations.kinship"
_PARENT = {"父亲", "父", "母亲", "母", "生父", "生母", "爸爸", "妈妈", "亲生父亲", "亲生母亲"}
_CHILD = {"儿子", "子", "长子", "次子", "三子", "四子", "五子", "幼子", "独子", "女儿", "女", "长女", "次女", "三女",
          "四女", "幼女", "小女儿", "大女儿", "小儿子", "大儿子", "二儿子", "三儿子", "独女", "孩子", "老大", "老二",
          "老三", "老四", "老五", "养子", "养女", "继子", "继女", "义子", "义女", "嗣子", "嗣女"}
_SPOUSE = {"妻", "妻子", "夫人", "丈夫", "夫", "元配", "原配", "爱人", "老伴", "配", "继室"}
_SIBLING = {"哥哥", "兄", "长兄", "胞兄", "弟", "弟弟", "胞弟", "姐姐", "姐", "妹", "妹妹", "大哥", "二哥", "三哥",
            "大姐", "二姐", "三姐", "大妹", "小妹", "小弟", "四弟", "三弟", "二弟", "兄长", "兄弟姐妹", "兄弟", "姐妹",
            "兄妹", "姐弟", "姊妹", "同胞兄弟", "胞姐", "胞妹"}
_OTHER = {"祖父", "祖母", "外祖父", "外祖母", "爷爷", "奶奶", "外公", "外婆", "曾祖父", "曾祖母", "高祖", "先祖", "始祖",
          "舅父", "舅舅", "舅母", "叔父", "叔叔", "伯父", "伯伯", "姑母", "姑姑", "姨母", "表弟", "表兄", "表哥",
          "表姐", "表妹", "堂兄", "堂弟", "堂姐", "堂妹", "孙", "孙子", "孙女", "侄", "侄子", "侄女", "外孙",
          "外孙女", "继母", "继父", "养父", "养母", "岳父", "岳母", "公公", "婆婆", "儿媳", "女婿", "嫂子", "弟媳",
          "曾孙", "玄孙", "后裔", "后代", "后人", "后嗣", "裔孙", "长孙", "孙媳", "外甥",
          "外甥女", "姑父", "姨父", "伯母", "婶婶", "婶母", "公婆", "远祖", "鼻祖", "一世祖", "入川始祖"}
_GENERATION = r"第[一二三四五六七八九十百零〇\d]+(?:世|代)(?:孙|祖)"
_ALL = sorted(_PARENT | _CHILD | _SPOUSE | _SIBLING | _OTHER, key=len, reverse=True)
KIN_WORD = rf"(?:{_GENERATION}|{'|'.join(_ALL)})"
_ORDINAL = r"(?:第[一二三四五六七八九十\d]+(?:位|任|个|房)?)"
_FORWARD = re.compile(rf"^(?:和|及|与|携)?(?:的|之)?{_ORDINAL}?({KIN_WORD})(?:原名|本名)?(?:是|叫|名叫|为|有|包括|，|：)?$")
_REVERSE = re.compile(r"^[，,]?(?:为|是|系|乃)[^，。；,;的]{0,20}$")
_REVERSE_TAIL = re.compile(rf"^(?:的|之)?{_ORDINAL}?({KIN_WORD})")
CHILD_WORDS = frozenset(_CHILD)
ORDINAL = _ORDINAL
_CLAUSE_VERB = re.compile(r"^(?:是|为|系|乃)")
_LIST_ITEM = re.compile(rf"^[，,、；]{_ORDINAL}?{KIN_WORD}$")
_LIST_GLUE = frozenset({"、", "和", "及", "与"})
_LIST_NEXT = re.compile(rf"^[、，,和及]({KIN_WORD})(?:是|叫|名叫|为|：)?$")
_ELIDED = re.compile(rf"(?:^|[，,：:])(他们|她们|其|他|她|我|我的|他的|她的|他们的)?(?:老[大二三四五六七八九十]是)?({KIN_WORD})(?:，?(?:是|叫|名叫|为)|，)?$")
_MARRY = re.compile(r"^(?:在[^，。]{0,12})?(?:结婚|成婚|完婚|结为夫妻|喜结连理)")
_FAMILY = re.compile(r"([\u4e00-\u9fff])(?:家|氏)(先祖|始祖|祖上)$")


def _relate_kin(b: GraphBuilder, a: str, word: str, other: str, s: Sentence, span: tuple[int, int],
                conf: float) -> None:
    """``other`` is ``a``'s ``word``."""
    if word in _PARENT:
        b.relate("PARENT_OF", other, a, s, COMPONENT, conf, span, kind=word)
    elif word in _CHILD:
        b.relate("PARENT_OF", a, other, s, COMPONENT, conf, span, kind=word)
    elif word in _SPOUSE:
        b.relate("SPOUSE_OF", a, other, s, COMPONENT, conf, span)
    elif word in _SIBLING:
        b.relate("SIBLING_OF", a, other, s, COMPONENT, conf, span, kind=word)
    else:
        b.relate("KIN_OF", a, other, s, COMPONENT, conf, span, kind=word,
                 direction=f"target is source's {word}")


def extract_kinship(b: GraphBuilder, coref: Coref) -> None:
    for s in b.sentences:
        people = [m for m in s.mentions if m.type == "PERSON"]
        chain: tuple[Span, str] | None = None  # (anchor, kin word) of the last forward relation: 的弟弟B、C
        consumed = -1  # end of the kin word read by a reverse form (A是B的长女，C…: 长女 is not C's)
        for a, c in pairwise(people):
            gap = s.between(a, c)
            if chain is not None and a.end < c.start:
                nxt = _LIST_NEXT.match(gap)
                if gap in _LIST_GLUE or nxt:
                    chain = (chain[0], nxt.group(1) if nxt else chain[1])
                    _relate_kin(b, b.candidate_for(chain[0]), chain[1], b.candidate_for(c), s,
                                (chain[0].start, c.end), 0.85)
                    continue
            chain = None
            gap = s.between(a, c)
            titles = [t for t in s.mentions if t.type == "TITLE" and t.start == a.end and t.end <= c.start]
            if titles:  # 江主席的夫人王冶坪, 叶利钦总统和夫人奈娜
                gap = s.text[s.local(titles[0].end):s.local(c.start)]
                gap = gap[1:] if gap[:1] in ("和", "及") and gap[1:] in _SPOUSE else gap
            fwd = _FORWARD.match(gap)
            if fwd and (a.end < consumed or (gap.endswith(("，", ",")) and _CLAUSE_VERB.match(s.after(c, 2)))):
                fwd = None
            if fwd and a.end < c.start:
                _relate_kin(b, b.candidate_for(a), fwd.group(1), b.candidate_for(c), s, (a.start, c.end), 0.9)
                chain = (a, fwd.group(1))
                continue
            rev = _REVERSE.match(gap)
            tail = _REVERSE_TAIL.match(s.after(c, 8))
            if rev is not None and tail is not None:
                _relate_kin(b, b.candidate_for(c), tail.group(1), b.candidate_for(a), s,
                            (a.start, c.end + tail.end()), 0.85)
                consumed = c.end + tail.end()
                continue
            if gap in ("与", "和", "同") and _MARRY.match(s.after(c, 20)):
                b.relate("SPOUSE_OF", b.candidate_for(a), b.candidate_for(c), s, COMPONENT, 0.9)
        inherited = ""
        for prev, c in zip([None, *people], people):
            gap = s.between(prev, c) if prev is not None else ""
            keep = inherited if prev is not None and _LIST_ITEM.match(gap) else ""
            inherited = _elided(b, coref, s, c, keep)


def _elided(b: GraphBuilder, coref: Coref, s: Sentence, c: Span, inherited: str = "") -> str:
    """Kin word before ``c`` with an elided or pronoun anchor; returns the pronoun used, so that a list
    ``他们的长女A，长子B，次女C`` gives B and C the same anchor (``inherited``)."""
    lead = s.before(c)
    fam = _FAMILY.search(lead)
    if fam:
        topic = coref.topic(s, c)
        if topic and b.name(topic).startswith(fam.group(1)) and topic != b.find(b.candidate_for(c)):
            _relate_kin(b, topic, fam.group(2), b.candidate_for(c), s, (c.start - len(fam.group(0)), c.end), 0.7)
        return ""
    m = _ELIDED.search(lead)
    if m is None:
        return ""
    word = m.group(2)
    pronoun = (m.group(1) or "").removesuffix("的") or inherited
    if pronoun == "" and "我" in lead:
        pronoun = "我"
    anchors = coref.pronoun(pronoun, s, c)
    word_start = c.start - len(m.group(0)) + (1 if m.group(0)[:1] in "，,：:" else 0)
    if pronoun in ("他们", "她们") and word in _CHILD:
        for parent in anchors:
            _relate_kin(b, parent, word, b.candidate_for(c), s, (word_start, c.end), 0.8)
        return pronoun
    if len(anchors) == 1:
        conf = 0.75 if pronoun else 0.7
        _relate_kin(b, anchors[0], word, b.candidate_for(c), s, (word_start, c.end), conf)
    return pronoun
