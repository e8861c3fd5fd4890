"""Events: EVENT candidates with ``properties.kind``/``date`` and their links.

Triggers (in the sentence): 召开/举办/举行/主办 + EVENT (meeting, ``ORGANISED`` by the subject), 调研/调研指导/赴…调研
(research_trip), 检查/督查/视察 (inspection), 印发/发布/出版/颁布《WORK》 (issuing, ``ISSUED``), 生于/出生 (birth,
``BORN_IN``), 逝世/病故/去世/卒 (death, ``DIED_IN``), 结婚 (marriage), 入蜀/迁居/迁入/迁至/移居 (migration,
``MIGRATED_TO``/``MIGRATED_FROM``), 任命/调任 (appointment). 主持/讲话/致辞/发言 give ``SPOKE_AT``; every other
person/org of a sentence with a dated event gets ``PARTICIPATED_IN``. ``HAPPENED_AT`` the place in the sentence.
The date is the sentence's DATE mention (ISO value). A later ``会议`` refers to the last meeting of the document.
"""

from __future__ import annotations

import datetime as dt
import re

from kg.relations.builder import GraphBuilder
from kg.relations.coref import Coref
from kg.relations.kinship import KIN_WORD, ORDINAL
from kg.relations.sentences import Sentence
from kg.relations.types import Span

COMPONENT = "relations.events"
_TRIGGERS: tuple[tuple[str, str], ...] = (
    (r"生于|出生于|出生在|出生|诞生于|诞生", "birth"),
    (r"逝世|病故|病逝|去世|卒于|卒|殁于|牺牲", "death"),
    (r"结婚|成婚|完婚|结为夫妻", "marriage"),
    (r"入蜀|迁居|迁入|迁至|迁往|移居|徙居|定居", "migration"),
    (r"被任命为|任命|调任", "appointment"),
    (r"印发|发布|出版|颁布|编印", "issuing"),
    (r"调研指导|调研|考察", "research_trip"),
    (r"检查|督查|视察|督导", "inspection"),
)
_EVENT_WORD = {"birth": "出生", "death": "逝世", "marriage": "结婚", "appointment": "任职"}
_MEETING_WORDS = ("会议", "会", "座谈会", "培训班", "论坛", "研讨会", "仪式", "活动", "典礼")
_ORGANISE = re.compile(r"(召开|举办|举行|主办|组织|开展)[^，。]{0,4}$")
_SPEAK = re.compile(r"^(?:(?:出席|参加|到会|莅临)[^，。；]{0,6}?并|在会上|在会议上|会上)?(?:作了?|做了?)?(?:交流|典型|书面|表态|"
                    r"动员|总结)?(主持|讲话|致辞|发言|报告|作报告|传达)")
_ATTEND = re.compile(r"(参加|出席|参会|列席|陪同|随同|参与)")
_SAME_DAY = re.compile(r"^(同日|当日|同天|当天|同月|是日|次日)")
_KIN_HEAD = re.compile(rf"^(?:的|之){ORDINAL}?{KIN_WORD}$")


def _kind_of_event_name(name: str) -> str:
    if any(w in name for w in ("调研",)):
        return "research_trip"
    if any(w in name for w in ("检查", "督查", "视察")):
        return "inspection"
    return "meeting"


def _date(s: Sentence, previous: str | None = None) -> str | None:
    """The sentence's DATE value; ``同日``/``当天``/``同月`` (no DATE) → ``previous`` (the last date before it),
    ``次日`` → the day after a full ``previous`` date."""
    for m in s.mentions:
        if m.type == "DATE" and m.value:
            return m.value
    same = _SAME_DAY.match(s.text)
    if same is None or previous is None:
        return None
    if same.group(1) == "次日":
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", previous):
            return None
        return (dt.date.fromisoformat(previous) + dt.timedelta(days=1)).isoformat()
    if same.group(1) == "同月":
        return previous[:7]
    return previous


def _place_after(s: Sentence, pos: int, words: str = "于|在|到|赴|至|往|入|居") -> Span | None:
    for m in s.mentions:
        if m.type == "PLACE" and m.start >= pos and re.search(rf"({words})$", s.text[:s.local(m.start)]):
            return m
    return None


def _place_in(s: Sentence) -> Span | None:
    for m in s.mentions:
        if m.type == "PLACE" and re.search(r"(在|于|到|赴)$", s.text[:s.local(m.start)]):
            return m
    return None


_DIRECTION = re.compile(r"^(?:[东西南北中]部|境内|)$")


def _most_specific(s: Sentence, place: Span | None) -> Span | None:
    """``西班牙南部马拉加`` → 马拉加: follow places that come right after (or after a direction word)."""
    while place is not None:
        nxt = next((m for m in s.mentions if m.type == "PLACE" and m.start >= place.end), None)
        if nxt is None or not _DIRECTION.match(s.between(place, nxt)):
            break
        place = nxt
    return place


class _EventPass:
    def __init__(self, b: GraphBuilder, coref: Coref) -> None:
        self.b = b
        self.coref = coref
        self.last_meeting: str | None = None
        self._met_in = -2
        self.previous_date: str | None = None

    def run(self) -> None:
        for s in self.b.sentences:
            linked: set[str] = set()
            self.date = _date(s, self.previous_date)
            self.previous_date = self.date or self.previous_date
            events = self._mention_events(s, linked) + self._trigger_events(s, linked)
            if not events:
                if self.last_meeting and ("会" in s.text or self._met_in == s.index - 1):
                    events = [(self.last_meeting, s.start)]
                    self._speakers(s, self.last_meeting, linked)
                continue
            for ev, _pos in events:
                props = self.b.get(ev).properties
                if props.get("date") and props.get("kind") not in ("birth", "death"):
                    for m in s.mentions:
                        if m.type in ("PERSON", "ORG"):
                            local = self.b.find(self.b.candidate_for(m))
                            if local not in linked:
                                self.b.relate("PARTICIPATED_IN", local, ev, s, COMPONENT, 0.6)
                                linked.add(local)

    def _event(self, name: str, kind: str, s: Sentence, date: str | None) -> str:
        ev = self.b.implied("EVENT", name, kind=kind)
        if date:
            self.b.set_property(ev, "date", date)
        place = _place_in(s)
        if place is not None and kind not in ("birth", "death"):  # those link the most specific place
            self.b.relate("HAPPENED_AT", ev, self.b.candidate_for(place), s, COMPONENT, 0.75)
        return ev

    def _mention_events(self, s: Sentence, linked: set[str]) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        for m in s.mentions:
            if m.type != "EVENT":
                continue
            ev = self.b.candidate_for(m)
            kind = _kind_of_event_name(m.text)
            self.b.set_property(ev, "kind", kind)
            date = self.date or (self.b.doc.doc_date if s.index == 0 else None)
            if date:
                self.b.set_property(ev, "date", date)
            before = s.text[: s.local(m.start)]
            for w in sorted((x for x in s.mentions if x.type in ("WORK", "DATE") and x.end <= m.start),
                            key=lambda x: -x.start):
                before = before[:s.local(w.start)].rstrip("《") + before[s.local(w.end):].lstrip("》")
            organiser = [x for x in s.mentions if x.end <= m.start and x.type in ("ORG", "PERSON")]
            if _ORGANISE.search(before) and organiser:
                org = self.b.find(self.b.candidate_for(organiser[0]))
                self.b.relate("ORGANISED", org, ev, s, COMPONENT, 0.85, (organiser[0].start, m.end))
                linked.add(org)
                if m.text.startswith(tuple(_MEETING_WORDS)) or not any(
                        m.text.startswith(p) for p in (self.b.name(org)[:2],)):
                    self.b.rename(ev, self.b.name(org) + m.text, "generic")
            place = _place_in(s)
            if place is not None and (kind != "meeting" or place.end <= m.start):
                self.b.relate("HAPPENED_AT", ev, self.b.candidate_for(place), s, COMPONENT, 0.75)
            if kind == "meeting":
                self.last_meeting = self.b.find(ev)
                self._met_in = s.index
            self._speakers(s, ev, linked)
            out.append((ev, m.start))
        return out

    def _speakers(self, s: Sentence, ev: str, linked: set[str]) -> None:
        """Speakers and attendees; a list ``甲、乙出席会议`` shares the verb of its last member."""
        ms = [m for m in s.mentions if m.type in ("PERSON", "ORG")]
        for i, m in enumerate(ms):
            last = m
            for nxt in ms[i + 1:]:
                if nxt.type != m.type or s.between(last, nxt) not in ("、", "和", "及", "与", "，"):
                    break
                last = nxt
            after = s.after(last, 16)
            p = self.b.find(self.b.candidate_for(m))
            if _SPEAK.match(after):
                rel = "SPOKE_AT" if m.type == "PERSON" else "PARTICIPATED_IN"
                self.b.relate(rel, p, ev, s, COMPONENT, 0.8, (m.start, last.end + 2))
                linked.add(p)
            elif _ATTEND.match(after[:2]) or _ATTEND.search(s.after(m, 4)):
                self.b.relate("PARTICIPATED_IN", p, ev, s, COMPONENT, 0.8)
                linked.add(p)

    def _subject(self, s: Sentence, pos: int) -> list[Span]:
        """The people/orgs before ``pos`` in the clause, joined by 与/和/、."""
        before = [m for m in s.mentions if m.end <= pos and m.type in ("PERSON", "ORG")]
        return before

    def _trigger_events(self, s: Sentence, linked: set[str]) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        for pattern, kind in _TRIGGERS:
            for t in re.finditer(pattern, s.text):
                pos = s.start + t.start()
                if any(m.start <= pos < m.end for m in s.mentions):
                    continue
                subj = self._subject(s, pos)
                people = [m for m in subj if m.type == "PERSON"]
                chosen = people[-2:] if kind == "marriage" else (people[:1] or subj[:1])
                if kind != "marriage" and chosen and chosen[0].type == "PERSON":  # 邓垦的长子邓英淘，…生于
                    k = people.index(chosen[0])
                    while k + 1 < len(people) and _KIN_HEAD.match(s.between(people[k], people[k + 1])):
                        k += 1
                    chosen = [people[k]]
                actors = [self.b.find(self.b.candidate_for(m)) for m in chosen]
                if not actors and kind in ("birth", "death"):  # 出生于香港的李国能
                    after = [m for m in s.mentions if m.type == "PERSON" and m.start > pos and
                             s.text[s.local(m.start) - 1:s.local(m.start)] == "的" and
                             not re.search(r"[，。；]", s.text[s.local(pos):s.local(m.start)])]
                    actors = [self.b.find(self.b.candidate_for(m)) for m in after[:1]]
                if not actors and kind in ("birth", "death", "migration"):
                    actors = self.coref.pronoun("", s)
                if not actors:
                    continue
                date = self.date
                if kind == "marriage" and len(actors) == 2:
                    name = f"{self.b.name(actors[0])}与{self.b.name(actors[1])}结婚"
                else:
                    name = f"{self.b.name(actors[0])}{_EVENT_WORD.get(kind, t.group(0))}"
                ev = self._event(name, kind, s, date)
                for a in actors:
                    self.b.relate("PARTICIPATED_IN", a, ev, s, COMPONENT, 0.85)
                    linked.add(a)
                self._kind_links(s, kind, actors, ev, pos, t.end() + s.start)
                out.append((ev, pos))
                break
        return out

    def _kind_links(self, s: Sentence, kind: str, actors: list[str], ev: str, pos: int, end: int) -> None:
        b = self.b
        if kind in ("birth", "death"):
            place = _place_after(s, end, "于|在") or _place_in(s)
            place = _most_specific(s, place)
            if place is not None:
                rel = "BORN_IN" if kind == "birth" else "DIED_IN"
                b.relate(rel, actors[0], b.candidate_for(place), s, COMPONENT, 0.85)
                b.relate("HAPPENED_AT", ev, b.candidate_for(place), s, COMPONENT, 0.8)
        elif kind == "migration":
            dest = _place_after(s, end - 4)
            if dest is not None:
                b.relate("MIGRATED_TO", actors[0], b.candidate_for(dest), s, COMPONENT, 0.8)
            for m in s.mentions:
                if m.type == "PLACE" and re.search(r"(从|自|由)$", s.text[:s.local(m.start)]):
                    b.relate("MIGRATED_FROM", actors[0], b.candidate_for(m), s, COMPONENT, 0.8)
            if "蜀" in s.text[s.local(pos):s.local(end)]:
                b.relate("MIGRATED_TO", actors[0], b.implied("PLACE", "蜀"), s, COMPONENT, 0.7)
        elif kind == "issuing":
            works = [m for m in s.mentions if m.type == "WORK" and m.start >= end - 1]
            for w in works[:3]:
                b.relate("ISSUED", actors[0], b.candidate_for(w), s, COMPONENT, 0.85)
        elif kind in ("research_trip", "inspection"):
            for m in s.mentions:
                if m.type in ("ORG", "PLACE") and m.start >= pos - 20 and re.search(
                        r"(到|赴|至|深入)$", s.text[:s.local(m.start)]):
                    rel = "HAPPENED_AT" if m.type == "PLACE" else "PARTICIPATED_IN"
                    src, tgt = (ev, b.candidate_for(m)) if rel == "HAPPENED_AT" else (b.candidate_for(m), ev)
                    b.relate(rel, src, tgt, s, COMPONENT, 0.75)


def extract_events(b: GraphBuilder, coref: Coref) -> None:
    _EventPass(b, coref).run()
