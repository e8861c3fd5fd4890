"""Family-history forms beyond ``A的KIN B``: births, marriages, adoption, birth-order lists, shared parents.

* bearing — ``A与B生有一子，即C`` (``SPOUSE_OF`` A–B, ``PARENT_OF`` A→C and B→C), ``淡氏生B、C、D``, and a
  count followed by a birth-order list in the next sentences (``我母亲淡氏生了五个孩子：老大是大姐，叫B；老二是…；
  老四是我``; ``老四是我`` is the narrator). Children of one bearing statement are ``SIBLING_OF`` each other.
* shared parents (documented rule) — the children of one bearing statement also get as parent (0.7,
  ``properties.basis = "shared_children"``) the other parent the text names: the partner in ``A与B生…``, else a
  person who is ``PARENT_OF`` one of those children in the same document, else the mother's only spouse in the
  document (``邓绍昌先后娶张氏、淡氏…。淡氏生…`` → 邓绍昌 is the father). Never when she has two or more spouses
  and none of the children is linked to one of them.
* marriage — ``A(先后)娶B、C为妻``, ``A嫁给B``, ``A与B系夫妻`` → ``SPOUSE_OF``; ``A与B是兄弟`` → ``SIBLING_OF``;
  ``A入赘B家`` → ``KIN_OF`` (kind 岳家).
* adoption — ``A过继给B`` / ``A出嗣B`` → ``PARENT_OF`` B→A; ``B过继A为子`` → ``PARENT_OF`` B→A (kind 过继).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations, pairwise

from kg.relations.builder import GraphBuilder
from kg.relations.coref import Coref
from kg.relations.kinship import CHILD_WORDS, KIN_WORD
from kg.relations.sentences import Sentence
from kg.relations.types import Span

COMPONENT = "relations.kinship"
_NUM = "[一二三四五六七八九十两\\d]"
_COUNT = rf"(?:{_NUM}+(?:个|位|名)?(?:儿子|女儿|孩子|子女|儿女|男|女|子))"
_BEAR = re.compile(rf"^(?:婚后|先后|共|又|还|曾)?(?:生有|生了|生下|育有|生育了?|养育了?|生)(?!于|在|日|前|活|平|长|产|涯|病)"
                   rf"((?:{_COUNT}|、)*)([，,：:]?)(?:即|名叫|名|叫|取名|分别是|分别为|分别叫|是|为)?")
_PARENT_GLUE = frozenset({"与", "和", "同"})
_CHILD_GLUE = re.compile(r"^(?:[、，,和及与]|以及)$")
_ORDER = re.compile(r"^(?:老[大二三四五六七八九十幺]|长子|次子|三子|四子|五子|幼子|长女|次女|三女|四女|幼女|小女儿|"
                    r"大女儿|小儿子|大儿子|二儿子|三儿子)")
_SIB_WORD = re.compile(r"(大姐|二姐|三姐|大哥|二哥|三哥|小妹|大妹|二妹|小弟|大弟|二弟|三弟|姐姐|哥哥|妹妹|弟弟)")
_WED = re.compile(r"^[，,]?(?:先后|曾|又|再|后|续)?(?:娶|迎娶|续娶|纳|聘娶|续弦)了?$")
_WED_TO = re.compile(r"^[，,]?(?:后来|先后|曾|又|再|后)?(?:嫁给|嫁与|嫁于|许配给|许配与|下嫁)了?$")
_COUPLE = re.compile(r"^(?:同志|二人|两人)?(?:系|是|为|结为|成为|乃)?(?:夫妻|夫妇|伉俪)")
_SIBLINGS = re.compile(r"^(?:系|是|为|乃)?(?:亲|同胞)?(?:兄弟姐妹|兄弟|姐妹|兄妹|姐弟|姊妹)")
_ADOPTED_TO = re.compile(rf"^(?:被|后|幼)?(?:过继给|过继予|过继与|出嗣给|出嗣予|出嗣|过房给)(?:其|他的)?(?:{KIN_WORD})?$")
_BORN_OF = re.compile(rf"^(?:所生|生)(?:的)?({KIN_WORD})")
_ADOPTS = re.compile(r"^过继$")
_FOUNDER = re.compile(r"([\u4e00-\u9fff])氏(?:家族)?(?:入川|入蜀|迁川)?(始祖|先祖|鼻祖|一世祖|远祖)$")
_MEMBER = re.compile(r"([\u4e00-\u9fff])氏(?:家族)?(?:族人|后人|后裔|子孙|后代)$")
_ADOPT_TAIL = re.compile(r"^(?:为|作为|做)(?:子|嗣|嗣子|女|儿子|女儿|养子)")


@dataclass
class _Brood:
    """The children of one bearing statement."""

    parents: list[str]
    sentence: Sentence
    children: list[str] = field(default_factory=list)
    open_list: bool = False  # a count ended the sentence: children follow in birth-order sentences


def _person_list(b: GraphBuilder, s: Sentence, people: list[Span], start: int) -> list[Span]:
    """``people[start]`` and the people joined to it by 、/和/及/，."""
    out = [people[start]]
    for prev, cur in pairwise(people[start:]):
        if not _CHILD_GLUE.match(s.between(prev, cur)) or prev.end >= cur.start:
            break
        out.append(cur)
    return out


class _FamilyPass:
    def __init__(self, b: GraphBuilder, coref: Coref) -> None:
        self.b = b
        self.coref = coref
        self.broods: list[_Brood] = []
        self.founders: dict[str, str] = {}

    def run(self) -> None:
        for s in self.b.sentences:
            people = [m for m in s.mentions if m.type == "PERSON"]
            if self.broods and self.broods[-1].open_list and not self._birth_order(s, people):
                self.broods[-1].open_list = False
            self._bearing(s, people)
            self._marriages(s, people)
            self._clans(s, people)
        self._shared_parents()

    def _clans(self, s: Sentence, people: list[Span]) -> None:
        """``广安邓氏始祖邓鹤轩`` (founder of the lineage), ``邓氏族人邓时敏`` → KIN_OF member → founder (始祖)."""
        for c in people:
            lead = s.before(c, 8)
            if (f := _FOUNDER.search(lead)) and c.text.startswith(f.group(1)):
                founder = self.b.candidate_for(c)
                self.founders.setdefault(f.group(1), founder)
                self.b.set_property(founder, "clan", lead[f.start():f.start() + 2])
            elif (mem := _MEMBER.search(lead)) and mem.group(1) in self.founders and c.text.startswith(mem.group(1)):
                founder = self.founders[mem.group(1)]
                self.b.relate("KIN_OF", self.b.candidate_for(c), founder, s, COMPONENT, 0.7, (c.start, c.end),
                              kind="始祖", direction="target is source's 始祖")

    # --- bearing -----------------------------------------------------------------------------------
    def _bearing(self, s: Sentence, people: list[Span]) -> None:
        for i, p in enumerate(people):
            m = _BEAR.match(s.after(p))
            if m is None:
                continue
            parents = [self.b.candidate_for(p)]
            if i > 0 and s.between(people[i - 1], p) in _PARENT_GLUE:
                parents.insert(0, self.b.candidate_for(people[i - 1]))
                self.b.relate("SPOUSE_OF", parents[0], parents[1], s, COMPONENT, 0.85,
                              (people[i - 1].start, p.end + m.end()))
            brood = _Brood(parents=parents, sentence=s)
            after = p.end + m.end()
            nxt = next((j for j, c in enumerate(people) if c.start >= after), None)
            if nxt is not None and (people[nxt].start == after or
                                    re.fullmatch(r"[，,：:]?(?:即|名叫|名|叫|取名|分别是|分别为|分别叫|是|为)?",
                                                 s.text[s.local(after):s.local(people[nxt].start)])):
                for c in _person_list(self.b, s, people, nxt):
                    brood.children.append(self.b.candidate_for(c))
                    for parent in parents:
                        self.b.relate("PARENT_OF", parent, self.b.candidate_for(c), s, COMPONENT, 0.85,
                                      (p.start, c.end))
            elif m.group(1) and (m.group(2) in ("：", ":") or s.local(after) >= len(s.text) - 1):
                brood.open_list = True
            if brood.children or brood.open_list:
                self.broods.append(brood)
            if brood.open_list:
                self._birth_order(s, people, s.local(p.end) + len(m.group(0)))
            return

    def _birth_order(self, s: Sentence, people: list[Span], start: int = 0) -> bool:
        """``老二是大哥，叫邓先圣`` (from local offset ``start``) after an open brood; False when not such a clause."""
        brood = self.broods[-1]
        text = s.text[start:]
        if _ORDER.match(text) is None:
            return False
        clause = [c for c in people if s.local(c.start) >= start]
        named = [c for c in clause if re.search(r"(?:是|叫|名|为|，)[^，,]{0,3}$|^[^，,]{0,6}$",
                                                 s.text[start:s.local(c.start)])]
        child: str | None = None
        if named:
            child = self.b.candidate_for(named[0])
        elif re.match(r"^[^，,]{0,6}(?:是|就是)我", text) and self.coref.narrator:
            child = self.coref.narrator
        if child is None:
            return True
        self._add_child(brood, child, s)
        sib = _SIB_WORD.search(s.text[start:s.local(named[0].start)] if named else "")
        if sib and self.coref.narrator and self.b.find(self.coref.narrator) != self.b.find(child):
            self.b.relate("SIBLING_OF", self.coref.narrator, child, s, COMPONENT, 0.8, kind=sib.group(1))
        return True

    def _add_child(self, brood: _Brood, child: str, s: Sentence) -> None:
        brood.children.append(child)
        known = set(self.b.related("PARENT_OF"))
        for parent in brood.parents:
            if (self.b.find(parent), self.b.find(child)) not in known:
                self.b.relate("PARENT_OF", parent, child, s, COMPONENT, 0.8)

    # --- marriages and adoption --------------------------------------------------------------------
    def _marriages(self, s: Sentence, people: list[Span]) -> None:
        for i, (a, c) in enumerate(pairwise(people)):
            gap = s.between(a, c)
            if a.end >= c.start:
                continue
            src, tgt = self.b.candidate_for(a), self.b.candidate_for(c)
            tail = s.after(c, 12)
            if _WED.match(gap) or _WED_TO.match(gap):
                for w in _person_list(self.b, s, people, i + 1):
                    self.b.relate("SPOUSE_OF", src, self.b.candidate_for(w), s, COMPONENT, 0.85, (a.start, w.end))
            elif gap in ("与", "和", "同") and (born := _BORN_OF.match(tail)) and born.group(1) in CHILD_WORDS and i > 0 \
                    and re.fullmatch(r"[，,]?(?:是|为|系|乃)", s.between(people[i - 1], a)):
                child = self.b.candidate_for(people[i - 1])  # 邓先芙是邓绍昌与夏伯根所生的女儿
                self.b.relate("SPOUSE_OF", src, tgt, s, COMPONENT, 0.85)
                for parent in (src, tgt):
                    self.b.relate("PARENT_OF", parent, child, s, COMPONENT, 0.85, kind=born.group(1))
            elif gap in ("与", "和", "同") and _COUPLE.match(tail):
                self.b.relate("SPOUSE_OF", src, tgt, s, COMPONENT, 0.85)
            elif gap in ("与", "和", "同") and _SIBLINGS.match(tail):
                self.b.relate("SIBLING_OF", src, tgt, s, COMPONENT, 0.8)
            elif re.match(r"^入赘(?:到|于)?$", gap) and tail.startswith("家"):
                self.b.relate("KIN_OF", src, tgt, s, COMPONENT, 0.7, kind="岳家",
                              direction="target is source's 岳家")
            elif _ADOPTED_TO.match(gap):
                self.b.relate("PARENT_OF", tgt, src, s, COMPONENT, 0.8, kind="过继")
            elif _ADOPTS.match(gap) and _ADOPT_TAIL.match(tail):
                self.b.relate("PARENT_OF", src, tgt, s, COMPONENT, 0.8, kind="过继")

    # --- shared parents ----------------------------------------------------------------------------
    def _shared_parents(self) -> None:
        parent_of = self.b.related("PARENT_OF")
        spouses = self.b.related("SPOUSE_OF")
        for brood in self.broods:
            kids = {self.b.find(c) for c in brood.children}
            own = {self.b.find(p) for p in brood.parents}
            others: set[str] = set()
            if len(own) == 1:
                others = {p for p, c in parent_of if c in kids and p not in own}
                if not others:
                    (mother,) = own
                    mates = {b_ for a_, b_ in spouses if a_ == mother} | {a_ for a_, b_ in spouses if b_ == mother}
                    others = mates if len(mates) == 1 else set()
            for parent in sorted(others):
                for kid in sorted(kids):
                    if (parent, kid) not in parent_of:
                        self.b.relate("PARENT_OF", parent, kid, brood.sentence, COMPONENT, 0.7,
                                      basis="shared_children")
            self._siblings(kids, brood.sentence, 0.75)
        # children of the same two parents named in the document (他们的长女A，长子B…) are siblings
        parents_of: dict[str, set[str]] = {}
        where: dict[str, Sentence] = {}
        for p, c, sent in self.b.related_at("PARENT_OF"):
            parents_of.setdefault(c, set()).add(p)
            where[c] = sent
        by_parents: dict[frozenset[str], set[str]] = {}
        for c, ps in parents_of.items():
            if len(ps) == 2:
                by_parents.setdefault(frozenset(ps), set()).add(c)
        for kids in by_parents.values():
            self._siblings(kids, max((where[k] for k in kids), key=lambda x: x.index), 0.7)

    def _siblings(self, kids: set[str], s: Sentence, conf: float) -> None:
        sibling_pairs = {frozenset(x) for x in self.b.related("SIBLING_OF")}
        for x, y in combinations(sorted(kids, key=lambda k: int(k[1:])), 2):
            if frozenset((x, y)) not in sibling_pairs:
                self.b.relate("SIBLING_OF", x, y, s, COMPONENT, conf)


def extract_family(b: GraphBuilder, coref: Coref) -> None:
    _FamilyPass(b, coref).run()
