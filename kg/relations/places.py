"""Places and organisations' places.

* Admin hierarchy: adjacent place mentions (``广安市`` ``广安区``) and one mention holding several levels
  (``四川省广安县协兴乡牌坊村``, split at 省/市/县/区/乡/镇/村…) give ``PART_OF`` child → parent; every place
  found in ``kg/data/admin_divisions.tsv`` gets ``properties.code``/``level`` and ``PART_OF`` its table parent.
* Historical names: ``止戈坝（今止戈镇）`` → the old place gets ``properties.modern_name``, the modern one
  ``properties.historical_names``, and the modern one takes the ``PART_OF`` of the context.
* Organisations: prefix-less names (``区委党史研究室``, ``县地方志编纂中心``) and abbreviations (``省地方志办``,
  ``市志办``) are completed from the document's places and full org names; then ``LOCATED_IN`` the place
  their name starts with (``洪雅县人民政府`` → ``洪雅县``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from itertools import pairwise

from kg.admin_divisions import admin_divisions
from kg.relations.builder import GraphBuilder
from kg.relations.sentences import Sentence
from kg.relations.types import Span

COMPONENT = "relations.places"
_LEVEL_SPLIT = re.compile(r"(.+?(?:特别行政区|自治区|自治州|自治县|街道|社区|省|市|县|区|州|旗|乡|镇|村|坝|场|铺|里))")
_LEVEL_CHARS = "省市州县区旗镇乡"
_ABBREVIATIONS = (("地方志办", "地方志办公室"), ("志办", "地方志办公室"), ("党史办", "党史研究室"),
                  ("史志办", "史志办公室"), ("政府办", "人民政府办公室"))


def split_levels(name: str) -> list[str]:
    """``四川省广安县协兴乡牌坊村`` → [四川省, 广安县, 协兴乡, 牌坊村]; a name that does not split stays whole."""
    parts = _LEVEL_SPLIT.findall(name)
    if len(parts) < 2 or "".join(parts) != name or any(len(p) < 2 for p in parts):
        return [name]
    return list(parts)


def link_places(b: GraphBuilder) -> None:
    table = admin_divisions()
    codes: dict[str, str] = {}
    for s in b.sentences:
        places = [m for m in s.mentions if m.type == "PLACE"]
        for m in places:
            parts = split_levels(m.text)
            if len(parts) > 1:
                local = b.candidate_for(m)
                b.rename(local, parts[-1], "full_address")
                chain = [b.implied("PLACE", p) for p in parts[:-1]] + [local]
                for child, parent in zip(chain[1:], chain):
                    b.relate("PART_OF", child, parent, s, COMPONENT, 0.9, (m.start, m.end))
        for a, c in pairwise(places):
            gap = s.between(a, c)
            if (a.end == c.start or gap in ("", " ")) and _nests(a.text, c.text):
                b.relate("PART_OF", b.candidate_for(c), b.candidate_for(a), s, COMPONENT, 0.85, (a.start, c.end))
            elif gap in ("（今", "(今") and s.after(c, 1) in ("）", ")"):
                old, new = b.candidate_for(a), b.candidate_for(c)
                b.set_property(old, "modern_name", b.name(new))
                b.get(new).properties.setdefault("historical_names", []).append(b.name(old))
                for r in b.relations_of("PART_OF"):
                    if b.find(r.source) == b.find(old):
                        b.relate("PART_OF", new, r.target, s, COMPONENT, 0.8, (a.start, c.end + 1))
    context: set[str] = set()
    for local in b.candidates_of_type("PLACE"):
        options = table.candidates(b.name(local))
        if len(options) == 1:
            context.add(options[0].code)
    for local in b.candidates_of_type("PLACE"):
        div = table.resolve(b.name(local), context)
        if div is None:
            continue
        codes[local] = div.code
        b.set_property(local, "code", div.code)
        b.set_property(local, "level", div.level)
        cand = b.get(local)
        if cand.names[0] != div.name:
            b.rename(local, div.name, "short")
        if div.parent_code and cand.mentions:
            up = table.by_code[div.parent_code]
            parent_local = b.implied("PLACE", up.name, code=up.code, level=up.level)
            first = cand.mentions[0]
            s = _sentence_of(b, first)
            b.relate("PART_OF", local, parent_local, s, COMPONENT, 0.95, (first.start, first.end),
                     basis="admin_divisions")
    for local in b.candidates_of_type("PLACE"):
        div_code = b.get(local).properties.get("code")
        if div_code and not b.get(local).mentions:
            for d in table.chain(str(div_code))[1:2]:
                b.relate("PART_OF", local, b.implied("PLACE", d.name, code=d.code, level=d.level),
                         b.sentences[0], COMPONENT, 0.95, basis="admin_divisions")


_RANKS = (("特别行政区", 1), ("自治区", 1), ("自治州", 2), ("自治县", 3), ("街道", 4), ("社区", 5), ("国", 0),
          ("省", 1), ("市", 2), ("州", 2), ("盟", 2), ("地区", 2), ("县", 3), ("区", 3), ("旗", 3), ("乡", 4),
          ("镇", 4), ("村", 5))
_LEVEL_RANK = {"province": 1, "prefecture": 2, "county": 3}


def _rank(name: str) -> int | None:
    div = admin_divisions().resolve(name)
    if div is not None:
        return _LEVEL_RANK[div.level]
    return next((r for suffix, r in _RANKS if name.endswith(suffix) and len(name) > len(suffix)), None)


def _nests(parent: str, child: str) -> bool:
    """Adjacent place names nest (``眉山市东坡区``, ``洪雅县止戈坝``) — not a list of peers (``中美``)."""
    if len(parent) < 2 or len(child) < 2:
        return False
    rp, rc = _rank(parent), _rank(child)
    return rp is not None and (rc is None or rc > rp)


def _sentence_of(b: GraphBuilder, m: Span) -> Sentence:
    return b.sentence_at(m.start)


def _context_place(b: GraphBuilder, level_char: str) -> str | None:
    """The document's most mentioned place whose name ends with ``level_char`` (ties: first mentioned)."""
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for m in b.doc.mentions:
        if m.type == "PLACE":
            for part in split_levels(m.text):
                if part.endswith(level_char):
                    counts[part] += 1
                    first.setdefault(part, m.start)
        elif m.type == "ORG":
            for p in _place_prefixes(m.text):
                if p.endswith(level_char):
                    counts[p] += 1
                    first.setdefault(p, m.start)
    if not counts:
        return None
    return min(counts, key=lambda p: (-counts[p], first[p]))


def _place_prefixes(org: str) -> list[str]:
    return [org[:i + 1] for i in range(1, min(len(org) - 1, 12)) if org[i] in _LEVEL_CHARS]


def _is_subsequence(short: str, full: str) -> bool:
    it = iter(full)
    return all(ch in it for ch in short)


def complete_orgs(b: GraphBuilder) -> None:
    full_names = [b.name(c) for c in b.candidates_of_type("ORG")]
    context_places: dict[str, str | None] = {}
    for local in b.candidates_of_type("ORG"):
        name = b.name(local)
        if len(name) >= 3 and name[0] in _LEVEL_CHARS and not admin_divisions().candidates(name[:2]):
            if name[0] not in context_places:
                context_places[name[0]] = _context_place(b, name[0])
            place = context_places[name[0]]
            if place is not None:
                b.rename(local, place + name[1:], "prefix_less")
                name = place + name[1:]
        for short, long in _ABBREVIATIONS:
            if name.endswith(short) and not name.endswith(long):
                stem = name[: -len(short)]
                matches = [f for f in full_names if f != name and f.startswith(stem) and
                           _is_subsequence(name[len(stem):], f[len(stem):])]
                if len(matches) == 1:
                    other = b.implied("ORG", matches[0])
                    b.merge(other, local, "abbreviation")
                else:
                    expanded = "地方志工作办公室" if long == "地方志办公室" and stem.endswith("省") else long
                    b.rename(local, stem + expanded, "abbreviation")
                break
    _bare_generic_orgs(b)


_INSTITUTION_END = ("馆", "院", "中心", "研究室", "办公室", "纪念馆", "陈列馆")


def _bare_generic_orgs(b: GraphBuilder) -> None:
    """``陈列馆馆长陈明`` in a text about ``邓小平故居陈列馆``: a short org name (≤ 4 characters) that ends
    exactly one fuller org name of the document is that org."""
    orgs = b.candidates_of_type("ORG")
    names = {b.name(o) for o in orgs}
    # the NER sometimes tags an institution as a PLACE (陈列馆): same name or short form of a document org
    institutions = [p for p in b.candidates_of_type("PLACE") if b.name(p).endswith(_INSTITUTION_END)]
    by_suffix: dict[str, list[str]] = defaultdict(list)
    for o in orgs:
        org_name = b.name(o)
        for k in range(1, min(len(org_name), 5)):
            by_suffix[org_name[-k:]].append(o)
    for local in orgs + institutions:
        name = b.name(local)
        if name in names and local in institutions:
            b.merge(b.implied("ORG", name), local, "short")
            continue
        if len(name) > 4:
            continue
        fuller = {b.find(o) for o in by_suffix.get(name, ()) if b.name(o) != name and b.name(o).endswith(name)}
        if len(fuller) == 1:
            b.merge(fuller.pop(), local, "short")


def locate_orgs(b: GraphBuilder) -> None:
    table = admin_divisions()
    places = {b.name(p): p for p in b.candidates_of_type("PLACE")}
    for local in b.candidates_of_type("ORG"):
        cand = b.get(local)
        name = cand.names[0]
        target: str | None = None
        known = [name[:k] for k in range(1, len(name) + 1) if name[:k] in places]
        for prefix in sorted(_place_prefixes(name) + known, key=len, reverse=True):
            if len(prefix) < 2:
                continue
            if prefix in places:
                target = places[prefix]
            elif table.candidates(prefix) and prefix not in ("市委", "县委", "区委", "省委"):
                div = table.resolve(prefix, {str(b.get(p).properties.get("code")) for p in places.values()})
                if div is not None:
                    target = b.implied("PLACE", div.name, code=div.code, level=div.level)
            if target:
                break
        if target is None or not cand.mentions:
            continue
        m = cand.mentions[0]
        b.relate("LOCATED_IN", local, target, _sentence_of(b, m), COMPONENT, 0.9, (m.start, m.end))


def run(b: GraphBuilder) -> None:
    complete_orgs(b)
    link_places(b)
    locate_orgs(b)
