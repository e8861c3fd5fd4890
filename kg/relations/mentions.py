"""Document-level clean-up of the NER's person mentions before relation extraction.

* propagation — a person name the NER tagged somewhere in the document is also a mention where it occurs
  untagged (``淡氏生邓先烈…`` after ``娶张氏、淡氏``), when the name has three or more characters or is a woman's
  ``某氏`` form, and the occurrence overlaps no other mention and does not start a longer name (``邓小平故居``,
  ``邓小平理论``, ``《邓小平文选》``).
* organisations before a title — ``市委党史研究室党组书记、主任张华`` where the NER tagged only the titles: the
  run of text between the previous punctuation and the TITLE becomes an ORG when it ends with an
  institution word (研究室 办 局 委 中心 政府 公司…) and holds no verb or particle; a PLACE mention right before it
  is taken in (``[江苏省|PLACE]文联`` → ``江苏省文联``).
* clans — ``邓氏`` in ``广安邓氏始祖``, ``邓氏族人``, ``邓氏家族`` names a lineage, not a woman: such a PERSON
  mention is dropped (the lineage is kept as ``clan`` on the founder by :mod:`kg.relations.family`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import replace

from kg.relations.types import AnnotatedDoc, Span

_CLAN_TAIL = re.compile(r"^(?:入川|入蜀|迁川|来川)?(?:始祖|先祖|鼻祖|远祖|一世祖|族人|家族|族谱|宗族|宗祠|祠堂|后人|后裔|子孙|"
                        r"族|家谱|世系|宗亲)")
_SHI = re.compile(r"^[\u4e00-\u9fff]{1,2}氏$")
# 邓小平故居, 邓小平理论, 《邓小平文选》: a name inside a longer name is not a mention of the person
_COMPOUND_NEXT = re.compile(r"[故理思纪路街像广号铜文选年研陈旧同]")
_ORG_RUN = re.compile(r"([\u4e00-\u9fff]{0,14}?(?:研究室|办公室|委员会|研究会|中心|政府|公司|集团|银行|协会|学会|大学|学校|中学|"
                      r"小学|医院|法院|检察院|报社|电视台|出版社|纪念馆|陈列馆|博物馆|文联|作协|科协|总工会|室|办|局|厅|委|院|馆|"
                      r"站|所|处|部|社))$")
_NOT_IN_ORG = re.compile(r"[的在到赴由与和及是为任将被对向从了着过把让给]")


def is_clan(text: str, m: Span) -> bool:
    return m.type == "PERSON" and len(m.text) == 2 and m.text.endswith("氏") and bool(
        _CLAN_TAIL.match(text[m.end:m.end + 4]))


def prepare_mentions(doc: AnnotatedDoc) -> AnnotatedDoc:
    """The document with clan mentions dropped and untagged repeats of tagged person names added."""
    kept = [m for m in doc.mentions if not is_clan(doc.text, m)]
    names = sorted({m.text for m in kept if m.type == "PERSON" and (len(m.text) >= 3 or _SHI.match(m.text))},
                   key=len, reverse=True)
    taken = bytearray(len(doc.text) + 1)  # characters already inside a mention
    for m in kept:
        taken[m.start:m.end] = b"\x01" * (m.end - m.start)
    added: list[Span] = []
    for name, s, e in _occurrences(doc.text, names):
        if any(taken[s:e]) or (
                not _SHI.match(name) and (_COMPOUND_NEXT.match(doc.text[e:e + 1]) or doc.text[s - 1:s] in "《“")):
            continue
        span = Span(start=s, end=e, type="PERSON", text=name)
        if is_clan(doc.text, span):
            continue
        added.append(span)
        taken[s:e] = b"\x01" * (e - s)
    kept, added = _orgs_before_titles(doc.text, kept, added)
    if not added and len(kept) == len(doc.mentions):
        return doc
    return replace(doc, mentions=sorted(kept + added, key=lambda m: (m.start, -m.end)))


def _occurrences(text: str, names: list[str]) -> Iterator[tuple[str, int, int]]:
    """Every occurrence of every name: longer names first, then left to right (one pass per name length)."""
    if not names:
        return
    by_length: dict[int, set[str]] = {}
    for name in names:
        by_length.setdefault(len(name), set()).add(name)
    firsts = re.compile("[" + "".join(re.escape(c) for c in sorted({n[0] for n in names})) + "]")
    starts = [m.start() for m in firsts.finditer(text)]
    for length in sorted(by_length, reverse=True):
        wanted = by_length[length]
        for s in starts:
            if text[s:s + length] in wanted:
                yield text[s:s + length], s, s + length


def _orgs_before_titles(text: str, kept: list[Span], added: list[Span]) -> tuple[list[Span], list[Span]]:
    spans = sorted(kept + added, key=lambda m: m.start)
    ends = {m.end: m for m in spans}
    sorted_ends = sorted(m.end for m in spans)
    new: list[Span] = []
    dropped: set[tuple[int, int]] = set()
    for t in spans:
        if t.type != "TITLE" or t.start in ends:
            continue
        k = bisect_right(sorted_ends, t.start)
        floor = sorted_ends[k - 1] if k else 0
        lead = text[max(floor, t.start - 14):t.start]
        run = re.split(r"[，。；、：:（）()“”《》\s,;]", lead)[-1]
        m = _ORG_RUN.search(run)
        start = t.start - len(run)
        place = ends.get(start)
        if m is None or m.group(1) != run or _NOT_IN_ORG.search(run) or len(run) < (2 if place else 3):
            continue
        if place is not None and place.type == "PLACE":
            start = place.start
            dropped.add((place.start, place.end))
        elif start > 0 and text[start - 1] not in "，。；、：:（）()“”《》 \t\n,;":
            continue
        new.append(Span(start=start, end=t.start, type="ORG", text=text[start:t.start]))
    kept = [m for m in kept if (m.start, m.end) not in dropped]
    added = [m for m in added if (m.start, m.end) not in dropped]
    return kept, added + new
