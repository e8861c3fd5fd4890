"""Domain rules for gazetteer text: works in 《》, office titles, organisation names built from
known parts, events, women recorded as 某氏, names after titles and kin words, and splitting of
composite place names into administrative levels.

Every finder takes the normalised simplified text and returns ``Candidate`` spans; the
``gazetteer_merge`` component decides between overlapping candidates by priority, then length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ner import lexicon

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_IS_CJK = re.compile(f"[{CJK}]")
_PUNCT = set("，。、；：？！“”‘’「」『』（）()《》〈〉【】[]—…·,.;:?!\"' \n\t")


@dataclass(frozen=True, slots=True)
class Candidate:
    start: int
    end: int
    label: str
    priority: int
    component: str
    value: str | None = None
    precision: str | None = None


# Priorities: higher wins when candidates overlap; equal priority → longer wins.
PRIORITY = {
    "date": 100, "work_bracketed": 95, "event_named": 85, "work_plain": 75, "org_chain": 70,
    "event_phrase": 65, "crf": 60, "place_split": 61, "admin_place": 59, "person_rule": 55, "title": 50,
}

_WORK_BRACKETS = re.compile(r"《([^《》\n]{1,80})》")
_WORK_SUFFIX = re.compile(r"(?:年鉴|县志|市志|区志|府志|州志|通志|镇志|乡志|村志|家谱|族谱|宗谱|志)(?:（\d{4}(?:[—–-]\d{4})?）)?")
_WORK_NOT_AFTER = set("办编工馆社书愿士向气")


def find_works(text: str, places: list[tuple[int, int]]) -> list[Candidate]:
    """Titles inside 《》 (the span is the title without brackets), and unbracketed
    gazetteers/yearbooks named after a place (广安市志, 眉山年鉴（2024）)."""
    out = [Candidate(m.start(1), m.end(1), "WORK", PRIORITY["work_bracketed"], "rules.work")
           for m in _WORK_BRACKETS.finditer(text)]
    for start, end in places:
        m = _WORK_SUFFIX.match(text, end)
        if not m:
            continue
        if m.end() < len(text) and text[m.end()] in _WORK_NOT_AFTER:
            continue
        if start > 0 and text[start - 1] == "《":
            continue
        out.append(Candidate(start, m.end(), "WORK", PRIORITY["work_plain"], "rules.work"))
    return out


_TITLE_MODIFIERS = ("常务副", "代理", "署理", "副", "署", "前", "原", "首任", "兼", "首席", "实习", "名誉", "执行",
                    "营销", "策划", "技术", "财务", "艺术", "行政")


def find_titles(text: str) -> list[Candidate]:
    """Office titles from the lexicon, with modifiers (副, 常务副, 代理, 署…) included."""
    out = []
    org_parts = lexicon.org_parts()[0]
    for start, end in lexicon.titles().finditer(text):
        inner = org_parts.longest_at(text, start)
        # 翰林院编修: a title that names its institution stays one title (not 党组书记)
        priority = PRIORITY["org_chain"] + 2 if 3 <= inner < end - start else PRIORITY["title"]
        for mod in _TITLE_MODIFIERS:
            if start >= len(mod) and text[start - len(mod):start] == mod:
                start -= len(mod)
                break
        out.append(Candidate(start, end, "TITLE", priority, "rules.title"))
    return out


_ADMIN_PREFIX = set("省市县区州乡镇")
_NAMED_AFTER_PERSON = ("故居", "故里", "纪念")
_STANDALONE_ORGS = {"吏部", "户部", "礼部", "兵部", "刑部", "工部", "中共", "内阁", "政协", "国务院", "翰林院",
                    "国子监", "军机处", "总理衙门", "大理寺", "太常寺", "光禄寺", "鸿胪寺", "太仆寺", "都察院",
                    "通政司", "詹事府", "中共中央"}


def find_orgs(text: str, places: list[tuple[int, int]], persons: list[tuple[int, int]] = ()) -> list[Candidate]:  # type: ignore[assignment]
    """Organisation names: [中共] [place…] part part … ending in a part that can end a name.

    A chain without a place before it takes a single administrative character as its
    prefix (县地方志编纂中心, 市志办, 区委党史研究室): the resolver later expands those.
    """
    matcher, enders = lexicon.org_parts()
    place_end = {e: s for s, e in places}
    place_start = {s: e for s, e in places}
    place_end_minus_one = {e - 1: s for s, e in places if text[e - 1] in _ADMIN_PREFIX}
    out: list[Candidate] = []
    pos, n = 0, len(text)
    while pos < n:
        m = matcher.longest_at(text, pos)
        if not m:
            pos += 1
            continue
        chain_start, cur, last_end, last_part, n_parts = pos, pos, pos, "", 0
        titles = lexicon.titles()
        while cur < n:
            k = matcher.longest_at(text, cur)
            if k and cur > chain_start and titles.longest_at(text, cur) > k:
                break  # 党组书记, 党委书记: a title, not part of the name
            if k:
                last_part = text[cur:cur + k]
                cur += k
                n_parts += 1
                if last_part in enders:
                    last_end = cur
                continue
            if cur in place_start:
                # a place inside a chain: 中共广安市委
                nxt = place_start[cur]
                if matcher.longest_at(text, nxt) or (nxt - 1 in place_end_minus_one):
                    cur = nxt
                    continue
            break
        if last_end <= chain_start:
            pos += m
            continue
        start = chain_start
        # 眉山市 + 市委: the place's last character is the chain's first
        if chain_start in place_end_minus_one and text[chain_start] in _ADMIN_PREFIX:
            start = place_end_minus_one[chain_start]
        while start in place_end:
            start = place_end[start]
        person_end = {e: s for s, e in persons}
        if start == chain_start and start in person_end and text.startswith(_NAMED_AFTER_PERSON, start):
            start = person_end[start]  # 邓小平故居陈列馆, 朱德纪念馆
        if start >= 2 and text[start - 2:start] == "中共":
            start -= 2
        elif (start == chain_start and start > 0 and text[start - 1] in _ADMIN_PREFIX and (start - 1) not in place_end
              and not _in_common_word(text, start - 1)):
            start -= 1
        name = text[start:last_end]
        # a lone generic part (委员会, 出版社) names nothing; a proper one (国务院, 兵部) does
        named = start < chain_start or n_parts >= 2 or name in _STANDALONE_ORGS
        if named and len(name) >= 3:
            out.append(Candidate(start, last_end, "ORG", PRIORITY["org_chain"], "rules.org"))
        elif named and name in _STANDALONE_ORGS:
            # 中共, 兵部: alone they yield to a longer statistical span (中共川东临时工作委员会)
            out.append(Candidate(start, last_end, "ORG", PRIORITY["crf"] - 2, "rules.org"))
        pos = last_end
    return out


# words ending in an administrative character that name no place: 上市公司, 乡镇纪委, 市县政府
_NOT_ADMIN_PREFIX = {"上市", "城市", "都市", "超市", "门市", "股市", "城镇", "集镇", "村镇", "社区", "地区", "山区",
                     "郊区", "军区", "小区", "园区", "景区", "城区", "辖区", "灾区", "牧区", "林区", "矿区", "老区", "新区",
                     "特区", "城乡", "下乡", "老乡", "家乡", "故乡", "乡县"}


def _in_common_word(text: str, pos: int) -> bool:
    """The administrative character at ``pos`` is part of a word (上市, 乡镇, 市县) rather than a prefix."""
    return text[pos + 1:pos + 2] in _ADMIN_PREFIX or (pos > 0 and (
        text[pos - 1] in _ADMIN_PREFIX or text[pos - 1:pos + 1] in _NOT_ADMIN_PREFIX))


_EVENT_TRIGGER = re.compile(r"(?:组织召开|主持召开|召开|举办|举行|参加|出席|列席|承办|筹备|组织开展|开展|主持)")
_EVENT_GENERIC = re.compile(rf"召开([{CJK}]{{1,14}}?会)(?=[，。；、,\s]|$)")


_PARTY_ORG = re.compile(rf"(?:中共|中国共产党)[{CJK}]{{1,10}}?(?:工作委员会|委员会|特委|工委|党委|总支|支部|省委|市委|县委|区委|地委)")
_ORG_BODY_STOP = set("在于的和与及召开举行组织是为了从到向对由被把将")


def find_party_orgs(text: str) -> list[Candidate]:
    """Party committees with a name the part lexicon does not know: 中共川东临时工作委员会."""
    out = []
    parts = lexicon.org_parts()[0]
    for m in _PARTY_ORG.finditer(text):
        if not any(c in _ORG_BODY_STOP for c in m.group()[2:]):
            end = m.end()
            while k := parts.longest_at(text, end):  # 中共广安市委 + 宣传部
                end += k
            out.append(Candidate(m.start(), end, "ORG", PRIORITY["org_chain"] + 1, "rules.org"))
    return out


def find_events(text: str) -> list[Candidate]:
    """Named historical events (辛亥革命) and event phrases ending in an event head (…会议, …座谈会)
    whose left edge is a trigger verb (召开, 举办, 参加…) or punctuation."""
    heads, names = lexicon.event_terms()
    out = [Candidate(s, e, "EVENT", PRIORITY["event_named"], "rules.event") for s, e in names.finditer(text)]
    for s, e in heads.finditer(text):
        left = max(0, s - 20)
        window = text[left:s]
        start = s
        trig = None
        for mt in _EVENT_TRIGGER.finditer(window):
            trig = mt
        cut = max((i for i, c in enumerate(window) if c in _PUNCT or c == "的"), default=-1)
        if trig is not None and trig.end() > cut:
            start = left + trig.end()
        elif cut >= 0:
            start = left + cut + 1
        else:
            start = left if left == 0 else s
        if e - start >= 3 and (start < s or (s > 0 and text[s - 1] in "》”")):
            out.append(Candidate(start, e, "EVENT", PRIORITY["event_phrase"], "rules.event"))
    for mg in _EVENT_GENERIC.finditer(text):
        if mg.end(1) - mg.start(1) >= 3:
            out.append(Candidate(mg.start(1), mg.end(1), "EVENT", PRIORITY["event_phrase"] - 1, "rules.event"))
    return out


_NAME_STOP = set("到在于和与及等的是了被把将对从向兼")
_NAME_STOP_WORDS = ("主持", "出席", "参加", "陪同", "带队", "率队", "调研", "讲话", "指出", "介绍", "表示", "同志",
                    "先生", "女士", "一行", "任职", "担任", "同时", "为首")
_KIN_BEFORE = re.compile(
    r"(?:父亲|母亲|之父|之母|之子|之女|之妻|妻子|夫人|丈夫|儿子|女儿|长子|次子|三子|四子|幼子|长女|次女|三女|幼女|"
    r"哥哥|姐姐|弟弟|妹妹|大哥|二哥|大姐|二姐|祖父|祖母|曾祖父|曾祖母|外祖父|外祖母|先祖|始祖|叫|名叫|原名|又名|学名|"
    r"乳名|小名|曾用名|别名|本名|表弟|表兄|表哥|表姐|表妹|堂弟|堂兄|堂哥|堂姐|堂妹|舅父|舅舅|姑父|姑母|叔父|叔叔|伯父|伯母|"
    r"婶婶|岳父|岳母|继母|继父|养父|养母|孙子|孙女|外孙|侄子|侄女|外甥|儿媳|女婿|兄长|长兄|胞弟|胞兄|高祖|远祖|世孙|"
    r"老大|老二|老三|老四|老五|小妹|小弟|三弟|四弟|三妹|二妹|长孙|次孙)"
)
_KIN_END = re.compile(r"(?:母亲|祖母|曾祖母|外祖母|继母|生母|嫡母|庶母|妻|娶|配|继配|夫人|之母|之妻)$")
_SHORT_KIN = re.compile(r"(?:(?<=[，、；。与及其,\n])|^)(?:父|母|兄|弟|姊|妹|姐|子|女|妻|夫|孙|侄)")
_KIN_WORDS = {"女童", "子女", "父母", "妻子", "夫妻", "夫人", "母亲", "父亲", "兄弟", "姐妹", "姊妹", "子孙", "孙子",
              "女士", "女性", "子弟", "弟子", "女儿", "儿子", "子弹", "女工", "女子", "父老", "母校", "夫妇", "妹妹",
              "弟弟", "姐姐", "女婿", "侄子", "孙女", "女排", "女足", "女将", "子公", "母公"}
_SHI_LIST = re.compile(rf"、([{CJK}]{{1,2}}氏)(?![族家宗祠谱])")
_COURTESY = re.compile(r"(?:[，,；]字|[，,；]号|别号|自号)")


def _name_after(text: str, pos: int, *, need_surname: bool, max_len: int = 3) -> int:
    """End of a plausible personal name starting at ``pos`` (0 if none); a guessed name must start
    with a common surname."""
    if pos >= len(text):
        return 0
    sn = lexicon.common_surnames()
    if need_surname:
        if text[pos:pos + 2] in sn and len(text[pos:pos + 2]) == 2:
            max_len += 1
        elif text[pos] not in sn:
            return 0
    end = pos
    while end < len(text) and end - pos < max_len:
        c = text[end]
        if c in _PUNCT or c in _NAME_STOP or not _IS_CJK.match(c):
            break
        if end > pos and any(text.startswith(w, end) for w in _NAME_STOP_WORDS):
            break
        end += 1
    if end - pos < (2 if need_surname else 1):
        return 0
    return end


_WOMAN_SHI = re.compile(rf"([{CJK}]{{1,3}})氏(?![族家宗祠谱始先后世祖一])")
_PLACEHOLDER = re.compile("某某?(?![县市省区乡镇村地处些种个人年月日天位家部单事])")


def find_persons(text: str, titles: list[Candidate]) -> list[Candidate]:
    """Names the statistical model tends to miss in this genre: women recorded as 某氏,
    placeholder names (王某某), names right after an office title or a kin word, courtesy names
    after 字/号, and further names in a list after 、."""
    sn = lexicon.surnames()
    out: list[Candidate] = []
    p = PRIORITY["person_rule"]
    for m in _WOMAN_SHI.finditer(text):
        pre = m.group(1)
        # take the longest tail of the prefix made of surnames: 邓淡氏, 淡氏, 欧阳氏
        common = lexicon.common_surnames()
        for k in range(len(pre), 0, -1):
            tail = pre[-k:]
            # 邓淡氏 (husband's and own surname), 欧阳氏; one character may be any surname
            if tail in sn or (k > 1 and all(ch in common for ch in tail)) or (k == 1 and tail in sn):
                start = m.end(1) - k
                if start > 0 and text[start - 1] in "姓某":
                    break
                out.append(Candidate(start, m.end(), "PERSON", PRIORITY["crf"] + 2, "rules.person"))
                break
        else:
            # a rare surname is still a woman's name right after a kin word: 母亲淡氏, 娶戴氏
            kin = _KIN_END.search(text, 0, m.end(1) - 1)
            if kin is not None and kin.end() == m.end(1) - 1:
                out.append(Candidate(m.end(1) - 1, m.end(), "PERSON", PRIORITY["crf"] + 2, "rules.person"))
    for m in _PLACEHOLDER.finditer(text):
        s = m.start()
        if s >= 2 and text[s - 2:s] in sn:
            out.append(Candidate(s - 2, m.end(), "PERSON", p + 1, "rules.person"))
        elif s >= 1 and text[s - 1] in sn:
            out.append(Candidate(s - 1, m.end(), "PERSON", p + 1, "rules.person"))
    for t in titles:
        end = t.end + 2 if text.startswith("某某", t.end) else _name_after(text, t.end, need_surname=True)
        if end:
            out.append(Candidate(t.end, end, "PERSON", p, "rules.person"))
    for m in _KIN_BEFORE.finditer(text):
        end = _name_after(text, m.end(), need_surname=True)
        if end:
            out.append(Candidate(m.end(), end, "PERSON", p, "rules.person"))
    for m in _SHORT_KIN.finditer(text):
        # classical and terse kin: 父苏洵，弟苏辙 (not 女童, 子女, 夫人 …)
        if text[m.start():m.end() + 1] in _KIN_WORDS:
            continue
        end = _name_after(text, m.end(), need_surname=True)
        if end and (end >= len(text) or text[end] in "，,。；、同等为"):
            out.append(Candidate(m.end(), end, "PERSON", p, "rules.person"))
    for c in [c for c in out if text[c.end - 1] == "氏"]:
        pos = c.end
        while (more := _SHI_LIST.match(text, pos)) is not None:
            # 娶张氏、淡氏、萧氏: once one woman is named 某氏, the list goes on
            out.append(Candidate(more.start(1), more.end(1), "PERSON", PRIORITY["crf"] + 2, "rules.person"))
            pos = more.end()
    for m in _COURTESY.finditer(text):
        end = _name_after(text, m.end(), need_surname=False, max_len=4)
        if end and (end >= len(text) or text[end] in "，,。；、"):
            out.append(Candidate(m.end(), end, "PERSON", p, "rules.person.alias"))
    return out


def extend_person_lists(text: str, persons: list[tuple[int, int]]) -> list[Candidate]:
    """党组成员甲、乙、丙: names after 、 that follow a known person and start with a surname."""
    out = []
    for _s, e in persons:
        pos = e
        while pos < len(text) and text[pos] == "、":
            end = _name_after(text, pos + 1, need_surname=True)
            if not end:
                break
            out.append(Candidate(pos + 1, end, "PERSON", PRIORITY["person_rule"], "rules.person.list"))
            pos = end
    return out


_ADMIN_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "街道", "社区", "地区",
                   "省", "市", "县", "区", "州", "府", "厅", "乡", "镇", "村", "盟", "旗", "堡", "场")


def split_place(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a composite place name into administrative levels: 四川省广安县协兴乡牌坊村 →
    四川省 | 广安县 | 协兴乡 | 牌坊村. A piece must keep at least two characters on each side."""
    pieces: list[tuple[int, int]] = []
    cur = start
    i = start + 2
    while i < end:
        cut = 0
        for suf in _ADMIN_SUFFIXES:
            if text.startswith(suf, i - len(suf) + 1) and i - len(suf) + 1 >= cur + 1:
                cut = i + 1
                break
        if cut and end - cut >= 2 and cut - cur >= 2:
            pieces.append((cur, cut))
            cur = cut
            i = cut + 2
            continue
        i += 1
    pieces.append((cur, end))
    return pieces


_PLACE_TAIL = re.compile(rf"[{CJK}]{{1,4}}?(?:街道|社区|乡|镇|村|坝|寨|堡|屯)")
_PLACE_SUFFIX = re.compile("(?:县|州|府|厅|郡)(?![长官学志衙署城委])")
_PLACE_TAIL_STOP = set("的在于和与及等是了人从到为由被把对向出生任工作") | _PUNCT
# a lower level is named, not counted or generic: 中国农村, 一个村, 全乡
_PLACE_TAIL_NOT_FIRST = set("一二三四五六七八九十两几个各每全本该此这那某其")
_GENERIC_PLACE_WORDS = {"农村", "乡村", "山村", "渔村", "城乡", "家乡", "故乡", "老乡", "下乡", "水乡", "他乡", "异乡",
                        "城镇", "乡镇", "集镇", "村镇", "村寨", "山寨", "新村", "城堡", "城村"}


def extend_places(text: str, places: list[tuple[int, int]]) -> list[Candidate]:
    """Historical names and lower levels written after a known place: 广安 + 县 (广安县),
    广安县 + 协兴乡 + 牌坊村."""
    out: list[Candidate] = []
    for start, end in places:
        m = _PLACE_SUFFIX.match(text, end)
        if m and text[end - 1] not in "县州府省市区":
            end = m.end()
            out.append(Candidate(start, end, "PLACE", PRIORITY["place_split"] + 1, "rules.place"))
        while True:
            t = _PLACE_TAIL.match(text, end)
            if (not t or any(c in _PLACE_TAIL_STOP for c in text[end:t.end()])
                    or text[end] in _PLACE_TAIL_NOT_FIRST or text[end:t.end()] in _GENERIC_PLACE_WORDS):
                break
            out.append(Candidate(end, t.end(), "PLACE", PRIORITY["place_split"], "rules.place"))
            end = t.end()
    return out


_RULER_BEFORE_DATE = re.compile(rf"(?:[宋辽金元明清唐汉晋隋周]|南宋|北宋|西汉|东汉)[{CJK}]{{1,2}}[祖宗帝]$")


def ruler_prefix(text: str, date_start: int) -> int:
    """Start of a ruler's temple name written before a reign-era date (宋仁宗嘉祐二年, 清高宗乾隆
    十年): the name belongs to the date, not to a person mentioned in the sentence."""
    m = _RULER_BEFORE_DATE.search(text, max(0, date_start - 5), date_start)
    return m.start() if m else date_start
