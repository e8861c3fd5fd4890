"""Find and normalise Chinese date expressions, modern and classical (see docs/dates.md).

Public API: :func:`find_date_spans`, :func:`normalise_date`, :func:`find_document_date`, :class:`DateValue`.
Text is expected to be normalised upstream (full-width digits made half-width, spaces removed).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from kg import calendar_eras as ce
from kg.models import Precision

__all__ = ["DateValue", "find_date_spans", "find_document_date", "normalise_date"]

Calendar = Literal["gregorian", "chinese-lunar"]


class DateValue(BaseModel):
    """A normalised date: ISO 8601 ``value`` (a year, month, day or an ``a/b`` interval)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str
    precision: Precision
    calendar: Calendar = "gregorian"
    """``chinese-lunar`` when the text counted lunar years/months and the value was converted."""
    era: str | None = None
    """Reign era with dynasty as resolved, e.g. ``清光绪``; ``民国`` for Republican years."""
    approximate: bool = False
    alternatives: tuple[str, ...] = ()
    """Other eras the bare era name could mean (e.g. ``辽大安`` when ``大安`` was read as Jin's)."""


_FULLWIDTH = str.maketrans("０１２３４５６７８９－．／～", "0123456789-./~")
_FULLWIDTH_RE = re.compile("[０-９－．／～]")


def find_date_spans(text: str) -> list[tuple[int, int]]:
    """Non-overlapping ``(start, end)`` offsets (end exclusive) of date expressions, left to right.

    Leftmost match wins; at one start the grammar's first alternative that matches is taken, and each
    alternative is greedy, so 2023年12月至2024年1月 is one span, not two.
    """
    if _FULLWIDTH_RE.search(text):  # one character for one: offsets are unchanged
        text = text.translate(_FULLWIDTH)
    spans: list[tuple[int, int]] = []
    pos = 0
    while (found := ce.SCAN_RE.search(text, pos)) is not None:
        spans.append(found.span("date"))
        pos = spans[-1][1]
    return spans


@dataclass
class _Point:
    lunar: bool = False
    dyn: str | None = None
    era: str | None = None
    era_year: int | None = None
    ganzhi: str | None = None
    year_text: str | None = None
    rel_year: str | None = None
    rel_month: str | None = None
    month: int | None = None
    leap: bool = False
    day: int | None = None
    day_end: int | None = None
    xun: str | None = None
    season: str | None = None
    ymod: str | None = None


@dataclass(frozen=True)
class _Resolved:
    lo: str
    hi: str
    lo_key: tuple[int, int, int]
    hi_key: tuple[int, int, int]
    precision: Precision
    lunar: bool
    era: str | None
    approximate: bool
    alternatives: tuple[str, ...]
    year: int
    month: int | None


class _Cursor:
    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def take(self, pattern: str) -> str | None:
        found = re.compile(pattern).match(self.text, self.pos)
        if found is None or found.end() == self.pos:
            return None
        self.pos = found.end()
        return found.group(0)


def _parse_month_day(cur: _Cursor, point: _Point, allow_xun: bool = True) -> None:
    month = cur.take(ce.PAT_MONTH)
    if month is not None:
        point.leap, body = month[0] in "闰閏", month[:-1].lstrip("闰閏")
        point.month = ce.month_number(body)
        point.lunar = point.lunar or point.leap or body in ("正", "冬", "腊", "臘")
    day_range = cur.take(ce.PAT_DAYRANGE) if month is not None else None
    if day_range is not None:
        first, second = re.findall(r"\d+", day_range)
        point.day, point.day_end = int(first), int(second)
        return
    day = cur.take(ce.PAT_DAY)
    if day is not None:
        point.lunar = point.lunar or day.startswith("初")
        point.day = ce.day_number(day.rstrip("日号號"))
    elif month is not None and allow_xun:
        point.xun = cur.take(ce.PAT_XUN)


def _parse_point(cur: _Cursor, tail: bool) -> _Point | None:
    point = _Point(lunar=not tail and cur.take(ce.PAT_LUNAR) is not None)
    start = cur.pos
    head = cur.take(ce.PAT_ERA_HEAD)
    era_year = cur.take(ce.PAT_ERA_YEAR) if head is not None else None
    if head is not None and era_year is not None:
        point.dyn, point.era = ce.split_era(head)
        if era_year[0] in ce.GAN:
            point.ganzhi = era_year[:2]
        else:
            point.era_year = ce.cn_int(era_year[:-1])
    else:
        cur.pos = start
        point.year_text = cur.take(ce.PAT_GYEAR)
    if point.era is None and point.year_text is None:
        point.rel_year = cur.take(ce.PAT_RELY)
    if point.era is None and point.year_text is None and not tail:
        if point.rel_year is None:
            point.rel_month = cur.take(ce.PAT_RELM)
        if point.rel_year is None and point.rel_month is None:
            ganzhi = cur.take(ce.PAT_GANZHI + "年")
            point.ganzhi = ganzhi[:2] if ganzhi else None
    has_year = point.era is not None or point.year_text is not None or point.rel_year is not None
    point.lunar = (cur.take(ce.PAT_LUNAR) is not None if has_year and not tail else False) or point.lunar
    if point.rel_month is not None:
        day = cur.take(ce.PAT_DAY)
        point.day = ce.day_number(day.rstrip("日号號")) if day else None
        point.xun = cur.take(ce.PAT_XUN) if day is None else None
        return point
    if has_year and not tail:
        cur.take(rf"[春夏秋冬](?={ce.PAT_MONTH})")  # 二年夏六月: the season adds nothing to the month
    _parse_month_day(cur, point, allow_xun=not tail)
    if point.month is None and point.day is None and has_year and not tail:
        point.season = cur.take(ce.PAT_SEASON)
        point.ymod = cur.take(ce.PAT_YMOD) if point.season is None else None
    nothing = not has_year and point.ganzhi is None and point.month is None and point.day is None
    return None if nothing else point


_REL_DOC_YEARS = {"今年": 0, "本年": 0, "去年": -1, "上年": -1, "前年": -2, "明年": 1}
_REL_CTX_YEARS = {**dict.fromkeys(("同年", "当年", "當年", "是年", "是岁", "是歲", "是歳", "其年", "该年",
                                    "該年"), 0), "次年": 1, "翌年": 1}


@dataclass(frozen=True)
class _Year:
    year: int
    lunar: bool
    era: str | None = None
    approximate: bool = False
    alternatives: tuple[str, ...] = ()


def _gregorian_year(text: str) -> int | None:
    value = ce.cn_int(re.sub("^(公元|西元)前?", "", text.rstrip("年")))
    return None if not value else (1 - value if "前" in text else value)


def _resolve_year(p: _Point, doc: datetime.date | None, ctx: int | None,
                  base: _Resolved | None) -> _Year | None:
    if p.era is not None:
        picked = ce.resolve_era(p.era, p.dyn, ctx, p.era_year, p.ganzhi)
        if picked is None:
            return None
        row, others = picked
        if p.ganzhi is not None:
            year = ce.year_with_ganzhi(p.ganzhi, row.first_year, row.last_year, ctx)
        else:
            year = row.year_of(p.era_year or 0)
        alts = tuple(o.label for o in others)
        twice = p.ganzhi is not None and ctx is None and row.last_year - row.first_year >= 60  # 康熙壬寅
        return None if year is None else _Year(year, row.is_lunar or p.lunar, row.label, twice, alts)
    if p.year_text is not None:
        year = _gregorian_year(p.year_text)
        return None if year is None else _Year(year, p.lunar)
    if p.rel_year is not None:
        if p.rel_year in _REL_DOC_YEARS:
            ref = doc.year if doc is not None else None
            offset = _REL_DOC_YEARS[p.rel_year]
        else:
            doc_year = doc.year if doc is not None and p.rel_year in ("当年", "當年") else None
            ref = base.year if base is not None else (ctx if ctx is not None else doc_year)
            offset = _REL_CTX_YEARS[p.rel_year]
        return None if ref is None else _Year(ref + offset, p.lunar)
    if base is not None:
        return _Year(base.year, base.lunar or p.lunar, base.era)
    ref = ctx if ctx is not None else (doc.year if doc is not None else None)
    if ref is None:
        return None
    if p.ganzhi is not None:
        year = ce.year_with_ganzhi(p.ganzhi, ref - 59, ref + 59, ref)
        return None if year is None else _Year(year, True, None, True)
    if ctx is None and doc is not None and p.month is not None and p.month - doc.month > 6:
        ref -= 1  # a bare month-day far after the document's date is last year's (e.g. 12月 in January)
    return _Year(ref, p.lunar)


def _day_res(y: _Year, lo: tuple[int, int, int], hi: tuple[int, int, int], precision: Precision,
             approximate: bool, month: int | None) -> _Resolved:
    def iso(key: tuple[int, int, int]) -> str:
        if precision == "year":
            return ce.iso_year(key[0])
        if precision in ("day", "interval") and key[2]:
            return ce.iso_ymd(key)
        return f"{ce.iso_year(key[0])}-{key[1]:02d}"
    return _Resolved(iso(lo), iso(hi), lo, hi, precision, y.lunar, y.era, approximate or y.approximate,
                     y.alternatives, y.year, month)


def _resolve_point(p: _Point, doc: datetime.date | None, ctx: int | None,
                   base: _Resolved | None = None) -> _Resolved | None:
    if p.rel_month is not None:
        if doc is None:
            return None
        shift = 0 if p.rel_month == "本月" else (-1 if p.rel_month.startswith("上") else 1)
        index = doc.year * 12 + doc.month - 1 + shift
        p.month, doc_year = index % 12 + 1, index // 12
        y: _Year | None = _Year(doc_year, False)
    else:
        y = _resolve_year(p, doc, ctx, base)
    if y is None:
        return None
    if p.month is None and p.day is not None and base is not None:
        p.month, p.leap = base.month, False
    if p.month is None:
        return _year_only(p, y)
    if y.lunar:
        return _lunar_month(p, y)
    days = ce.gregorian_days_in_month(y.year, p.month)
    if p.day is not None:
        last = p.day_end if p.day_end is not None else p.day
        if not 1 <= p.day <= last <= days:
            return None
        prec: Precision = "day" if last == p.day else "interval"
        return _day_res(y, (y.year, p.month, p.day), (y.year, p.month, last), prec, False, p.month)
    if p.xun is not None:
        first, end, approx = ce.XUN_DAYS[p.xun]
        lo, hi = (y.year, p.month, first), (y.year, p.month, min(end, days))
        return _day_res(y, lo, hi, "interval", approx, p.month)
    return _day_res(y, (y.year, p.month, 0), (y.year, p.month, 0), "month", False, p.month)


def _year_only(p: _Point, y: _Year) -> _Resolved | None:
    if p.day is not None:
        return None
    if p.season is not None:
        table = ce.LUNAR_SEASON_MONTHS if y.lunar else ce.SEASON_MONTHS
        first, last = table[p.season[0]]
        if y.lunar:
            return _lunar_span(y, first, 1, False, last, 0, False, False)  # 春 = months 1-3 exactly
        lo, hi = (y.year, first, 0), (y.year + (last - 1) // 12, (last - 1) % 12 + 1, 0)
        return _day_res(y, lo, hi, "interval", True, None)
    if p.ymod is not None:
        first, last, approx = ce.YMOD_MONTHS[p.ymod]
        if y.lunar:
            return _lunar_span(y, first, 1, False, last, 0, False, approx)
        return _day_res(y, (y.year, first, 0), (y.year, last, 0), "interval", approx, None)
    return _day_res(y, (y.year, 0, 0), (y.year, 0, 0), "year", False, None)


def _lunar_span(y: _Year, m1: int, d1: int, leap1: bool, m2: int, d2: int, leap2: bool,
                approx: bool) -> _Resolved | None:
    """Gregorian days from lunar (m1, d1) to (m2, d2) of lunar year ``y.year``; d2 == 0 means month end."""
    if d2 == 0:
        d2 = ce.lunar_month_days(y.year, m2, leap2) or 0
    lo = ce.lunar_to_gregorian(y.year, m1, d1, leap1)
    hi = ce.lunar_to_gregorian(y.year, m2, d2, leap2)
    if lo is None or hi is None:
        year_only = _Year(y.year, True, y.era, True, y.alternatives)  # no lunar tables before 1 CE
        return _day_res(year_only, (y.year, 0, 0), (y.year, 0, 0), "year", True, None) if y.year < 1 else None
    lunar_y = _Year(y.year, True, y.era, y.approximate, y.alternatives)
    prec: Precision = "day" if lo == hi else "interval"
    return _day_res(lunar_y, lo, hi, prec, approx, m1)


def _lunar_month(p: _Point, y: _Year) -> _Resolved | None:
    assert p.month is not None
    if p.day is not None:
        return _lunar_span(y, p.month, p.day, p.leap, p.month, p.day_end or p.day, p.leap, False)
    if p.xun is not None:
        first, end, approx = ce.XUN_DAYS[p.xun]
        days = ce.lunar_month_days(y.year, p.month, p.leap) or 0
        return _lunar_span(y, p.month, first, p.leap, p.month, min(end, days), p.leap, approx)
    return _lunar_span(y, p.month, 1, p.leap, p.month, 0, p.leap, False)


def _years(span: ce.YearSpan) -> DateValue:
    lo, hi = ce.iso_year(span.lo), ce.iso_year(span.hi)
    return DateValue(value=lo if lo == hi else f"{lo}/{hi}", precision=span.precision,
                     calendar="chinese-lunar" if span.lunar else "gregorian", era=span.era,
                     approximate=span.approximate, alternatives=span.alternatives)


def _point_interval(text: str, doc: datetime.date | None, ctx: int | None) -> DateValue | None:
    cur = _Cursor(text)
    first = _parse_point(cur, tail=False)
    second = _parse_point(cur, tail=True) if first and cur.take(ce.PAT_CONN) is not None else None
    if first is None or cur.pos != len(text):
        return None
    a = _resolve_point(first, doc, ctx)
    if a is None:
        return None
    if second is None:
        return DateValue(value=a.lo if a.lo == a.hi else f"{a.lo}/{a.hi}", precision=a.precision,
                         calendar="chinese-lunar" if a.lunar else "gregorian",
                         era=a.era, approximate=a.approximate, alternatives=a.alternatives)
    second_copy = _Point(**vars(second))
    b = _resolve_point(second, doc, ctx, base=a)
    if b is not None and b.hi_key < a.lo_key and second.era is None and second.year_text is None:
        later = _Resolved(**{**vars(a), "year": a.year + 1})
        b = _resolve_point(second_copy, doc, ctx, base=later)
    if b is None or b.hi_key < a.lo_key:
        return None
    return DateValue(value=f"{a.lo}/{b.hi}", precision="interval",
                     calendar="chinese-lunar" if a.lunar or b.lunar else "gregorian", era=a.era,
                     approximate=a.approximate or b.approximate, alternatives=a.alternatives)


def normalise_date(text: str, *, doc_date: datetime.date | None = None,
                   context_year: int | None = None) -> DateValue | None:
    """Normalise one date expression (the whole ``text``, e.g. a span from :func:`find_date_spans`).

    ``doc_date`` anchors relative forms (今年, 本月, a bare 8月3日); ``context_year`` is the year of the last
    explicit date before the expression and resolves 同年/次年/是年. Returns None when the text is not a date
    or cannot be resolved (unknown era year, relative form without its anchor, impossible day).
    """
    s = re.sub(r"\s+", "", text.translate(_FULLWIDTH))
    if not s or ce.DATE_RE.fullmatch(s) is None:
        return None
    if (numeric := re.fullmatch(ce.PAT_NUMERIC, s)) is not None:
        y, m, d = (int(x) for x in re.split(r"[-./]", numeric.group(0)))
        valid = d <= ce.gregorian_days_in_month(y, m)
        return DateValue(value=f"{y:04d}-{m:02d}-{d:02d}", precision="day") if valid else None
    if (years := re.fullmatch(ce.PAT_YEAR_RANGE, s)) is not None:
        lo, hi = int(years.group(0)[:4]), int(years.group(0)[-5:-1])
        return _years(ce.YearSpan(lo, hi, "interval")) if lo <= hi else None
    if re.fullmatch(ce.PAT_DECADE, s) is not None:
        span = ce.decade_span(s, doc_date.year if doc_date is not None else None)
        return None if span is None else _years(span)
    if (span := ce.era_period_span(s, context_year)) is not None:
        return _years(span)
    return _point_interval(s, doc_date, context_year)


_DOC_LABEL_RE = re.compile(r"(?:发布|發布|发文|發文|印发|印發|成文|更新|出版|刊发|刊發)?"
                           r"(?:时间|時間|日期)[：:]")
_DOC_EDGE = 200
_LINE_END_RE = re.compile(r"[ \t　）)】」]*(?:(?:星期|周|週)[一二三四五六日天])?[ \t　）)】」]*(?:\n|$)")


def find_document_date(text: str) -> datetime.date | None:
    """The document's own date: a labelled date (发布时间：…) first, else the latest full Y-M-D near an edge.

    Rule: (1) the first ``发布时间/发布日期/日期/时间：`` label followed by a full year-month-day; otherwise
    (2) the latest year-month-day in the first or last 200 characters that ends its line (a header, dateline
    or signature such as ``……办公室　2024年8月12日``; a date opening a sentence is an event, not the document's).
    Relative forms, lunar (reign-era) dates and dates without a day are not used; an issue number such as
    ``（2024年第8期）`` gives no day and therefore no document date.
    """
    def as_date(span_text: str) -> datetime.date | None:
        value = normalise_date(span_text)
        if value is None or value.precision != "day" or value.calendar != "gregorian":
            return None
        return datetime.date.fromisoformat(value.value)

    for label in _DOC_LABEL_RE.finditer(text):
        rest = text[label.end():label.end() + 40].lstrip()
        spans = find_date_spans(rest)
        if spans and spans[0][0] == 0 and (found := as_date(rest[:spans[0][1]])) is not None:
            return found
    edges = [(0, min(len(text), _DOC_EDGE)), (max(0, len(text) - _DOC_EDGE), len(text))]
    dates = [d for lo, hi in edges for s, e in find_date_spans(text[lo:hi])
             if _LINE_END_RE.match(text, lo + e) and (d := as_date(text[lo + s:lo + e])) is not None]
    return max(dates, default=None)
