"""Alias merging inside one document.

* ``A，原名B，字C，号D`` (also 又名 曾用名 学名 乳名 小名 别名 本名 笔名 化名 谱名 讳 名): B, C, D become aliases of A
  with ``alias_kinds`` {name: kind}; an alias the NER did not tag (``字子瞻``) is read up to the next punctuation.
* Women recorded as ``某氏``: ``邓淡氏`` and ``淡氏`` in one document are one person (the fuller form is the head).
* An organisation's second name in parentheses ``X（Y）``: one entity, Y an alias of kind ``second_name``.
"""

from __future__ import annotations

import re
from itertools import pairwise

from kg.relations.builder import GraphBuilder
from kg.relations.types import Span

COMPONENT = "relations.aliases"
ALIAS_KINDS: dict[str, str] = {
    "原名": "original_name", "本名": "original_name", "又名": "other_name", "曾用名": "former_name",
    "学名": "school_name", "乳名": "milk_name", "小名": "milk_name", "别名": "other_name",
    "字": "courtesy_name", "号": "art_name", "别号": "art_name", "笔名": "pen_name", "化名": "pseudonym",
    "谱名": "genealogy_name", "讳": "taboo_name", "名": "given_name", "改名": "later_name",
    "更名": "later_name", "改名为": "later_name", "即": "same_as", "就是": "same_as", "也就是": "same_as",
    "亦即": "same_as",
}
_KEY = "|".join(sorted(ALIAS_KINDS, key=len, reverse=True))
_PAREN = r"(?:[（(][^（）()]{0,30}[）)])?"
_LATER = r"(?:又|亦|一|后来又|后来|后又|后|其后|再)"
_GAP = re.compile(rf"^{_PAREN}[，,、\s]*{_LATER}?(?:{_KEY})(?:为|是|叫)?$")
_UNTAGGED = re.compile(rf"[，,]\s*{_LATER}?({_KEY})(?:为|是|叫)?([\u4e00-\u9fff]{{2,3}})(?=[，,。；;、）)\s]|$)")


def merge_aliases(b: GraphBuilder) -> None:
    _person_aliases(b)
    _shi_women(b)
    _org_second_names(b)


def _kind_of(gap: str) -> str:
    core = re.sub(rf"^{_PAREN}", "", gap).strip("，, 、\t")
    core = re.sub(rf"^{_LATER}", "", core)
    core = core if core in ALIAS_KINDS else core.rstrip("为是叫")
    return ALIAS_KINDS.get(core, "other_name")


def _person_aliases(b: GraphBuilder) -> None:
    for s in b.sentences:
        people = [m for m in s.mentions if m.type == "PERSON"]
        head: Span | None = None
        for prev, cur in zip([None, *people], people):
            gap = s.between(prev, cur) if prev is not None else s.before(cur)[-4:]
            if head is not None and prev is not None and _GAP.match(gap):
                b.merge(b.candidate_for(head), b.candidate_for(cur), _kind_of(gap))
            else:
                head = cur
        if not people:
            continue
        # aliases the NER left untagged, right after the head person or after a tagged alias
        first = people[0]
        tail_start = b.find(b.candidate_for(first))
        for m in _UNTAGGED.finditer(s.text):
            abs_start = s.start + m.start(2)
            if abs_start < first.end or any(x.start <= abs_start < x.end for x in s.mentions):
                continue
            if any(x.type == "PERSON" and first.end < x.start < abs_start and
                   b.find(b.candidate_for(x)) != tail_start for x in people):
                break
            cand = b.get(tail_start)
            alias = m.group(2)
            if alias not in cand.names:
                cand.names.append(alias)
                cand.alias_kinds[alias] = ALIAS_KINDS[m.group(1)]


def _shi_women(b: GraphBuilder) -> None:
    women = [c for c in b.candidates_of_type("PERSON") if b.name(c).endswith("氏")]
    for full in women:
        for short in women:
            fn, sn = b.name(full), b.name(short)
            if b.find(full) != b.find(short) and len(fn) == len(sn) + 1 and fn.endswith(sn) and len(sn) >= 2:
                b.merge(full, short, "maiden_surname_form")


def _org_second_names(b: GraphBuilder) -> None:
    for s in b.sentences:
        orgs = [m for m in s.mentions if m.type == "ORG"]
        for a, c in pairwise(orgs):
            if s.between(a, c) in ("（", "(") and s.after(c, 1) in ("）", ")"):
                b.merge(b.candidate_for(a), b.candidate_for(c), "second_name")
