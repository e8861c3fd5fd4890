"""spaCy pipeline components, registered in one place with their default configs.

The pipeline works on normalised, simplified text with one token per character, so token
indices equal character offsets:

    gazetteer_crf    statistical PERSON/PLACE/ORG (char CRF trained on public gold corpora)
    gazetteer_rules  domain rules: dates, 《》 works, titles, organisation chains, events, names
    gazetteer_merge  picks one label per character span → ``doc.ents`` with ``span._.value``
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry
from spacy.vocab import Vocab

from ner import lexicon
from ner.rules import (
    PRIORITY,
    Candidate,
    extend_person_lists,
    extend_places,
    find_events,
    find_orgs,
    find_party_orgs,
    find_persons,
    find_titles,
    find_works,
    ruler_prefix,
    split_place,
)

CANDIDATES = "gazetteer_candidates"
TEXT = "gazetteer_text"
_EDGE_PUNCT = set("，。、；：？！“”‘’「」『』（）()《》〈〉【】[]—…·,.;:?!\"' \n\t")

for _attr in ("value", "precision", "component"):
    if not Span.has_extension(_attr):
        Span.set_extension(_attr, default=None)
for _attr in ("doc_date", "context_year"):
    if not Doc.has_extension(_attr):
        Doc.set_extension(_attr, default=None)


class CharTokenizer:
    """One token per character and no whitespace tokens lost: ``doc.text == text`` always."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        doc = Doc(self.vocab, words=list(text), spaces=[False] * len(text))
        doc.user_data[TEXT] = text  # Doc.text joins every token again on each access
        return doc

    def to_bytes(self, **_: Any) -> bytes:
        return b""

    def from_bytes(self, _data: bytes, **_: Any) -> CharTokenizer:
        return self

    def to_disk(self, _path: Path, **_: Any) -> None:
        return None

    def from_disk(self, _path: Path, **_: Any) -> CharTokenizer:
        return self


@registry.tokenizers("gazetteer.char_tokenizer.v1")  # type: ignore[untyped-decorator]
def create_char_tokenizer() -> Any:
    def make(nlp: Language) -> CharTokenizer:
        return CharTokenizer(nlp.vocab)

    return make


def _text(doc: Doc) -> str:
    text: str = doc.user_data.get(TEXT) or doc.text
    return text


def _candidates(doc: Doc) -> list[Candidate]:
    found: list[Candidate] = doc.user_data.setdefault(CANDIDATES, [])
    return found


class CrfComponent:
    def __init__(self, model_path: str | None) -> None:
        from ner.crf import CrfTagger

        self.tagger = CrfTagger.load(Path(model_path) if model_path else None)

    def __call__(self, doc: Doc) -> Doc:
        found = _candidates(doc)
        text = _text(doc)
        for start, end, label in self.tagger.tag(text):
            # the model sometimes takes a bracket or comma at an edge: 叶超）; a bracket closed inside the
            # name stays: 《集邮》杂志
            while start < end and text[start] in _EDGE_PUNCT and not _closed_within(text, start, end):
                start += 1
            while end > start and text[end - 1] in _EDGE_PUNCT and not _opened_within(text, start, end):
                end -= 1
            if end > start:
                found.append(Candidate(start, end, label, PRIORITY["crf"], "crf"))
        return doc


@Language.factory("gazetteer_crf", default_config={"model_path": None})
def make_crf(nlp: Language, name: str, model_path: str | None) -> CrfComponent:
    return CrfComponent(model_path)


_PAIRS = {"《": "》", "（": "）", "(": ")", "“": "”", "「": "」", "『": "』", "【": "】", "〈": "〉"}
_CLOSING = {close: open_ for open_, close in _PAIRS.items()}


def _closed_within(text: str, start: int, end: int) -> bool:
    close = _PAIRS.get(text[start])
    return close is not None and close in text[start + 1:end - 1]


def _opened_within(text: str, start: int, end: int) -> bool:
    open_ = _CLOSING.get(text[end - 1])
    return open_ is not None and open_ in text[start:end - 1]


class RulesComponent:
    def __init__(self, split_places: bool, admin_places: bool) -> None:
        self.split_places = split_places
        self.admin = _admin_matcher() if admin_places else None

    def __call__(self, doc: Doc) -> Doc:
        from kg.dates import find_date_spans, normalise_date

        text = _text(doc)
        found = _candidates(doc)
        places = [(c.start, c.end) for c in found if c.label == "PLACE"]
        if self.admin is not None:
            for s, e in self.admin.finditer(text):
                places.append((s, e))
                found.append(Candidate(s, e, "PLACE", PRIORITY["admin_place"], "rules.place"))
        if self.split_places:
            for c in [c for c in found if c.label == "PLACE"]:
                pieces = split_place(text, c.start, c.end)
                if len(pieces) > 1:
                    for s, e in pieces:
                        found.append(Candidate(s, e, "PLACE", PRIORITY["place_split"], "rules.place"))
                        places.append((s, e))
        places = sorted(set(places))
        tails = extend_places(text, places)
        found.extend(tails)
        places = sorted(set(places) | {(c.start, c.end) for c in tails})
        doc_date = _as_date(doc._.doc_date)
        context_year = doc._.context_year
        for s, e in find_date_spans(text):
            value = normalise_date(text[s:e], doc_date=doc_date, context_year=context_year)
            if value is None:
                continue
            year = _year_of(value.value)
            if year is not None and value.precision in ("year", "month", "day", "interval"):
                context_year = year
            s = ruler_prefix(text, s)
            found.append(Candidate(s, e, "DATE", PRIORITY["date"], "rules.date", value.value, value.precision))
        doc._.context_year = context_year
        titles = find_titles(text)
        found.extend(titles)
        found.extend(find_works(text, places))
        found.extend(find_orgs(text, places, [(c.start, c.end) for c in found if c.label == "PERSON"]))
        found.extend(find_party_orgs(text))
        found.extend(find_events(text))
        found.extend(find_persons(text, titles))
        return doc


@Language.factory("gazetteer_rules", default_config={"split_places": True, "admin_places": True})
def make_rules(nlp: Language, name: str, split_places: bool, admin_places: bool) -> RulesComponent:
    return RulesComponent(split_places, admin_places)


class MergeComponent:
    """Chooses among overlapping candidates: higher priority first, then the longer span.

    ``exclude`` drops whole types first — for scoring against corpora that do not annotate them
    (MSRA has no WORK, EVENT or TITLE, and names inside 《》 titles are annotated there)."""

    def __init__(self, exclude: list[str]) -> None:
        self.exclude = set(exclude)

    def __call__(self, doc: Doc) -> Doc:
        found = _trim_model_spans(_text(doc), [c for c in _candidates(doc) if c.label not in self.exclude])
        statistical_orgs = [c for c in found if c.component == "crf" and c.label == "ORG"]
        if statistical_orgs:
            # an organisation rule never cuts into a longer name the model read whole
            found = [c for c in found if not (c.component == "rules.org" and any(
                o.start < c.end and c.start < o.end and o.end - o.start >= c.end - c.start
                and not (c.start <= o.start and o.end <= c.end) for o in statistical_orgs))]
        paired = _paired_single_names(found)
        found = [c for c in found if c.label != "PERSON" or c.end - c.start >= 2 or _addressed(_text(doc), c.end)
                 or (c.start, c.end) in paired]
        chosen = select(found, len(doc))
        persons = [(c.start, c.end) for c in chosen if c.label == "PERSON"]
        extra = extend_person_lists(_text(doc), persons)
        if extra:
            chosen = select(chosen + extra, len(doc))
        spans = []
        for c in chosen:
            span = Span(doc, c.start, c.end, label=c.label)
            span._.value = c.value
            span._.precision = c.precision
            span._.component = c.component
            spans.append(span)
        doc.set_ents(spans, default="unmodified")
        del doc.user_data[CANDIDATES]
        return doc


@Language.factory("gazetteer_merge", default_config={"exclude": []})
def make_merge(nlp: Language, name: str, exclude: list[str]) -> MergeComponent:
    return MergeComponent(exclude)


_TRIMMABLE = {"EVENT", "ORG", "WORK"}


def select(candidates: list[Candidate], length: int) -> list[Candidate]:
    taken = bytearray(length)
    chosen = []
    for c in sorted(candidates, key=lambda c: (-c.priority, -(c.end - c.start), c.start, c.label)):
        if c.end <= c.start or c.end > length:
            continue
        if any(taken[c.start:c.end]):
            # 2023年全省地方志工作会议: an event or organisation phrase keeps its head when a
            # stronger span (a date, a place) took its first characters
            head = c.start
            while head < c.end and taken[head]:
                head += 1
            if c.label not in _TRIMMABLE or c.end - head < 3 or any(taken[head:c.end]):
                continue
            c = Candidate(head, c.end, c.label, c.priority, c.component, c.value, c.precision)
        taken[c.start:c.end] = b"\x01" * (c.end - c.start)
        chosen.append(c)
    chosen.sort(key=lambda c: c.start)
    return chosen


_NAME_TAIL = set("于在和与的是等及")
_NOT_IN_NAMES = ("调研", "召开", "出席", "参加", "视察", "考察", "始祖", "先祖", "陪同", "主持")


def _trim_model_spans(text: str, found: list[Candidate]) -> list[Candidate]:
    """Cut a statistical span where an office title begins (市委党史研究室|党组书记), and a name
    that took a following preposition (邓垦于1915年)."""
    title_starts = sorted(c.start for c in found if c.label == "TITLE")
    out = []
    for c in found:
        if c.component == "crf":
            start, end = c.start, c.end
            cut = next((t for t in title_starts if start < t < end), None)
            if cut is not None:
                end = cut
            if c.label == "PERSON" and end - start >= 3 and text[end - 1] in _NAME_TAIL:
                end -= 1
            if end <= start or (end - start < 2 and (start, end) != (c.start, c.end)):
                continue
            if c.label == "ORG" and any(w in text[start:end] for w in _NOT_IN_NAMES):
                continue  # 仁寿县调研二轮: a clause, not a name
            if (start, end) != (c.start, c.end):
                c = Candidate(start, end, c.label, c.priority, c.component, c.value, c.precision)
        out.append(c)
    return out


_ADDRESS = ("主席", "总理", "书记", "部长", "委员长", "老", "公", "先生", "女士", "同志", "总", "省长", "市长",
            "小姐", "太太", "大娘", "大妈", "大爷", "大伯", "大叔", "大婶", "大嫂", "阿姨", "师傅", "老师",
            "局长", "县长", "厂长", "校长", "处长", "科长", "所长", "院长", "经理", "主任", "教授", "医生", "大夫")


def _addressed(text: str, end: int) -> bool:
    """A one-character name is only a name with a form of address after it: 江主席, 邓老, 包公, 陈小姐."""
    return text.startswith(_ADDRESS, end)


def _paired_single_names(found: list[Candidate]) -> set[tuple[int, int]]:
    """One-character model names written side by side (马列主义, 马恩): each is a name."""
    single = {c.start for c in found if c.label == "PERSON" and c.component == "crf" and c.end - c.start == 1}
    return {(s, s + 1) for s in single if s - 1 in single or s + 1 in single}


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _year_of(iso: str) -> int | None:
    head = iso.split("/")[0]
    sign = -1 if head.startswith("-") else 1
    digits = head.lstrip("-").split("-")[0]
    return sign * int(digits) if digits.isdigit() else None


def _admin_matcher() -> lexicon.TrieMatcher:
    """Administrative divisions from the GB/T 2260 table: full names of three or more characters
    (四川省, 广安市, 洪雅县), and short names of provinces and prefectures (四川, 广安, 眉山)."""
    from kg.admin_divisions import admin_divisions, short_name

    names: set[str] = set()
    for d in admin_divisions().by_code.values():
        if d.name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            continue
        if len(d.name) >= 3:
            names.add(d.name)
        if d.level in ("province", "prefecture") and len(short_name(d.name)) >= 2:
            names.add(short_name(d.name))
    return lexicon.TrieMatcher(names)
