"""Office holding: ``HOLDS_POSITION`` person → org or place, one relation per title (``properties.title``).

Forms handled (title mentions come from the NER as TITLE):
* ``[ORG|PLACE](的)?TITLE(、TITLE)* PERSON(、PERSON)*`` — org before the titles, lists sharing titles.
* ``TITLE PERSON`` with no org before it in the clause: the nearest org earlier in the sentence (lower confidence).
* ``PERSON … (任|历任|官至|以|为|升任|调任|出任|担任|授|拜|迁|除) [ORG|PLACE] TITLE`` — the person before the title.
* Titles that name their own institution (``翰林院编修``, ``太常寺卿``) are split into org + title.
Choice for compound titles after a party committee (``县委副书记、县长某某``): a party title (书记, 副书记,
常委…) goes to the committee; a government head title (县长, 副县长, 市长…) goes to the government body of the
same place when the document names it (``X县人民政府``), otherwise to the place itself (``X县``).
"""

from __future__ import annotations

import re

from kg.admin_divisions import admin_divisions
from kg.relations.builder import GraphBuilder
from kg.relations.coref import Coref
from kg.relations.sentences import Sentence
from kg.relations.types import Span

COMPONENT = "relations.office"
_TITLE_GLUE = frozenset({"、", "兼", "和", ""})
_PERSON_GLUE = frozenset({"、", "和", "及", "与"})
_VERB = re.compile(r"(任|历任|官至|以|为|升任|调任|出任|担任|授|拜|迁|除|是|兼任|改任|转任|累官|擢)[^，。；]{0,2}$")
_GOV_HEAD = re.compile(r"^(副)?(省|市|县|区|州|镇|乡)长$")
_PARTY = re.compile(r"(书记|常委|委员)$")
_ADMIN_END = frozenset("省市县区州旗")
_LEAD_GAP = re.compile(r"^[\s，,]*(?:[^，。]{0,12}[，,])?$")
_INSTITUTION = re.compile(r"^(.{2,}?(?:院|部|寺|府|监|司|馆|局|厅|处|室|署|卫|营|所|中心|委员会))(.+)$")


def _org_before(s: Sentence, m: Span) -> Span | None:
    """The org or place right before a title; ``中国驻俄罗斯大使`` → the sending side (中国), not the host."""
    before = [x for x in s.mentions if x.end <= m.start]
    for k in range(len(before) - 1, -1, -1):
        x = before[k]
        if x.type in ("ORG", "PLACE") and s.between(x, m) in ("", "的", "之"):
            if k > 0 and before[k - 1].type in ("ORG", "PLACE") and s.between(before[k - 1], x) == "驻":
                return before[k - 1]
            return x
        return None
    return None


def _org_target(b: GraphBuilder, s: Sentence, org: Span, title: str) -> str:
    """The holder of ``title`` given the org mention before it (see the module note on 县委副书记、县长)."""
    local = b.candidate_for(org)
    name = b.name(local)
    if _GOV_HEAD.match(title) and name.endswith(("委", "委员会")):
        place = name[: -1] if name.endswith("委") else name[: -3]
        if place.endswith("党"):
            return local
        gov = place + "人民政府"
        if any(b.name(c) == gov for c in b.candidates_of_type("ORG")):
            return b.implied("ORG", gov)
        return b.implied("PLACE", place)
    return local


def _context_org(b: GraphBuilder, s: Sentence, ms: list[Span], i: int) -> tuple[str, float] | None:
    """An org for a bare title: the last org earlier in the sentence with no person between them (0.6), else
    the org that opens the previous sentence (a bulletin's ``X办召开…。主任某某主持``) when this sentence has no
    person before the title (0.5)."""
    for x in reversed(ms[:i]):
        if x.type == "PERSON":
            return None
        if x.type == "ORG":
            return b.candidate_for(x), 0.6
    if s.index == 0 or s.text[s.local(ms[i].start) - 1:s.local(ms[i].start)] in ("（", "("):
        return None  # a byline （记者某某） names no org of the previous sentence
    prev = b.sentences[s.index - 1]
    lead = [x for x in prev.mentions if x.type != "DATE"]
    if lead and lead[0].type == "ORG" and _LEAD_GAP.match(b.doc.text[prev.start:lead[0].start]):
        return b.candidate_for(lead[0]), 0.5
    return None


def _clause_subject(s: Sentence, before: list[Span], title: Span) -> Span:
    """The person before ``任…TITLE``: the last one, but ``A与B等领导X，…，任Z`` → A (B is a companion in an
    earlier clause, the subject of the clause chain is A)."""
    k = len(before) - 1
    if "，" in s.text[s.local(before[k].end):s.local(title.start)] or "," in s.between(before[k], title):
        while k > 0 and s.between(before[k - 1], before[k]) in ("与", "和", "同", "及", "偕"):
            k -= 1
    return before[k]


def _split_title(b: GraphBuilder, title: str) -> tuple[str | None, str]:
    for k in range(len(title) - 2, 1, -1):
        div = admin_divisions().resolve(title[:k]) if title[k - 1] in _ADMIN_END else None
        if div is not None and div.name == title[:k]:
            return b.implied("PLACE", div.name, code=div.code, level=div.level), title[k:]
    m = _INSTITUTION.match(title)
    if m and len(m.group(2)) >= 1:
        return b.implied("ORG", m.group(1)), m.group(2)
    return None, title


def _date_of(b: GraphBuilder, s: Sentence, before: int) -> str | None:
    dates = [m for m in s.mentions if m.type == "DATE" and m.start < before and m.value]
    return dates[-1].value if dates else None


def extract_offices(b: GraphBuilder, coref: Coref) -> None:
    for s in b.sentences:
        ms = list(s.mentions)
        used_titles: set[int] = set()
        sentence_org: str | None = None  # ``X办主任A讲话，党组成员、副主任B出席`` → B's titles are X办's
        for i, m in enumerate(ms):
            if m.type != "TITLE" or i in used_titles:
                continue
            # gather a title chain: TITLE (、TITLE)*
            chain = [i]
            j = i + 1
            while j < len(ms) and ms[j].type == "TITLE" and s.between(ms[j - 1], ms[j]) in _TITLE_GLUE:
                chain.append(j)
                j += 1
            used_titles.update(chain)
            holders: list[Span] = []
            if j < len(ms) and ms[j].type == "PERSON" and s.between(ms[j - 1], ms[j]) in ("", "：", ":"):
                holders.append(ms[j])
                k = j + 1
                while k < len(ms) and ms[k].type == "PERSON" and s.between(ms[k - 1], ms[k]) in _PERSON_GLUE:
                    holders.append(ms[k])
                    k += 1
            confidence = 0.9
            holder_ids: list[str] = [b.candidate_for(h) for h in holders]
            if not holders:
                before = [x for x in ms[:i] if x.type == "PERSON"]
                lead = s.text[: s.local((_org_before(s, m) or m).start)]
                if before and _VERB.search(s.between(before[-1], _org_before(s, m) or m) + "") or (
                        before and _VERB.search(lead)):
                    holder_ids = [b.candidate_for(_clause_subject(s, before, m))]
                    confidence = 0.8
                elif not before and _VERB.search(lead):
                    # a memoir's 我 (resolved only when the document names the narrator), else the topic
                    holder_ids = coref.pronoun("我" if re.search(r"(?:^|[，,])我", lead) else "", s, m)
                    confidence = 0.6
            if not holder_ids:
                continue
            org = _org_before(s, m)
            prev_target: str | None = None
            for t in chain:
                title_span = ms[t]
                title = title_span.text
                own_org = _org_before(s, title_span) if t == i else None
                target: str | None
                conf = confidence
                if own_org is not None:
                    target = _org_target(b, s, own_org, title)
                    sentence_org = b.candidate_for(own_org)
                elif t != i and org is not None:
                    target = _org_target(b, s, org, title)
                    if _PARTY.search(title) and prev_target:
                        target = prev_target
                else:
                    target, title = _split_title(b, title)
                    if target is None:
                        context = _context_org(b, s, ms, i)
                        if context is None and sentence_org is not None and holders and \
                                s.text[s.local(m.start) - 1:s.local(m.start)] in ("，", ","):
                            context = sentence_org, 0.7
                        if context is None:
                            continue
                        target, ctx_conf = context
                        conf = min(conf, ctx_conf)
                prev_target = target
                end = max([h.end for h in holders] + [title_span.end])
                start = min([title_span.start] + ([org.start] if org else []))
                for hid in holder_ids:
                    b.relate("HOLDS_POSITION", hid, target, s, COMPONENT, conf,
                             (start, end) if holders else None, title=title, date=_date_of(b, s, end))
