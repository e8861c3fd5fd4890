"""Pronoun and elided-subject resolution, only where the text makes it clear.

* topic: the person who is the subject of the most recent sentence that opens with a person name
  (optionally after a date and a comma). ``他/她/其`` and sentence-initial kin words (``父亲某某``) refer to it.
  A sentence that opens with another person makes that person the topic; a sentence with no person keeps it.
* pair: ``他们`` refers to the two people of the most recent ``A与B`` / ``A和B`` in this or the previous sentence.
* narrator: ``我`` is resolved only when the document says who the narrator is (``我叫X``, ``我是X``, ``笔者X``).
Anything else resolves to ``None`` — no guessing.
"""

from __future__ import annotations

import re
from itertools import pairwise

from kg.relations.aliases import ALIAS_KINDS
from kg.relations.builder import GraphBuilder
from kg.relations.sentences import Sentence
from kg.relations.types import Span

_LEAD = re.compile(r"^[\s，,、]*$")
_PAIR_GLUE = frozenset({"与", "和", "同", "及"})
_NARRATOR = re.compile(r"(?:我叫|我名叫|我是|笔者|本人)$")
_NARRATOR_ALIAS = re.compile(r"我(?:的)?(原名|本名|曾用名|又名|小名|乳名|学名|谱名)(?:叫|是|为)?$")
_TELLER = re.compile(r"^(?:口述|自述|述|回忆|回忆录)")


class Coref:
    def __init__(self, builder: GraphBuilder) -> None:
        self.b = builder
        self._topic: list[str | None] = []
        self._pair: list[tuple[str, str] | None] = []
        topic: str | None = None
        for s in builder.sentences:
            subj = self.subject(s)
            if subj is not None:
                topic = subj
            self._topic.append(topic)
            self._pair.append(self._find_pair(s))
        self.narrator = self._find_narrator()

    def subject(self, s: Sentence) -> str | None:
        """The person a sentence opens with (a date or place before it and commas are allowed)."""
        pos = s.start
        for m in s.mentions:
            gap = self.b.doc.text[pos:m.start]
            if not _LEAD.match(gap) and not (m.type == "PERSON" and gap in ("在", "于")):
                return None
            if m.type == "PERSON":
                return self.b.candidate_for(m)
            if m.type not in ("DATE", "PLACE"):
                return None
            pos = m.end
        return None

    def _find_pair(self, s: Sentence) -> tuple[str, str] | None:
        people = [m for m in s.mentions if m.type == "PERSON"]
        for a, b in pairwise(people):
            if s.between(a, b) in _PAIR_GLUE:
                return self.b.candidate_for(a), self.b.candidate_for(b)
        return None

    def _find_narrator(self) -> str | None:
        """``我叫X``/``我是X`` (not ``我是X的…``), a heading ``（X口述）`` in the first lines, or ``我原名X``;
        ``我原名X`` with a narrator named elsewhere merges X into the narrator (alias kind from the word)."""
        text = self.b.doc.text
        found: str | None = None
        heading = self.b.sentences[:3]
        for m in self.b.doc.mentions:
            if m.type != "PERSON":
                continue
            named = _NARRATOR.search(text[max(0, m.start - 3):m.start]) and text[m.end:m.end + 1] != "的"
            teller = any(h.start <= m.start < h.end for h in heading) and _TELLER.match(text[m.end:m.end + 3])
            if named or teller:
                found = found or self.b.candidate_for(m)
        for m in self.b.doc.mentions:
            alias = _NARRATOR_ALIAS.search(text[max(0, m.start - 5):m.start]) if m.type == "PERSON" else None
            if alias is None:
                continue
            if found is None:
                found = self.b.candidate_for(m)
            else:
                found = self.b.merge(found, self.b.candidate_for(m), ALIAS_KINDS.get(alias.group(1), "other_name"))
        return self.b.find(found) if found else None

    def topic(self, s: Sentence, before: Span | None = None) -> str | None:
        """The topic person at sentence ``s``; when ``before`` is given, a subject of ``s`` itself counts
        only if it precedes that mention, else the topic carried from earlier sentences."""
        own = self.subject(s)
        if own is not None and (before is None or self._first_person_start(s) < before.start):
            return own
        return self._topic[s.index - 1] if s.index > 0 else None

    def _first_person_start(self, s: Sentence) -> int:
        return min((m.start for m in s.mentions if m.type == "PERSON"), default=s.end)

    def pair(self, s: Sentence) -> tuple[str, str] | None:
        own = self._pair[s.index]
        if own is not None:
            return own
        return self._pair[s.index - 1] if s.index > 0 else None

    def pronoun(self, word: str, s: Sentence, before: Span | None = None) -> list[str]:
        """Resolve a pronoun (他/她/其/他们/我/本人) to candidates; [] when unclear."""
        if word in ("他们", "她们", "二人", "两人"):
            p = self.pair(s)
            return list(p) if p else []
        if word in ("我", "笔者", "本人"):
            return [self.narrator] if self.narrator else []
        if word in ("他", "她", "其", ""):
            t = self.topic(s, before)
            return [t] if t else []
        return []
