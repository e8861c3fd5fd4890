"""Reign-era (年号) table, Chinese numerals, lunar conversion and the date grammar behind :mod:`kg.dates`.

Years inside this module are *astronomical* (1 BCE = 0, 2 BCE = -1); the TSV stores historical
years (negative = BCE, no year 0) because that is how reference tables print them.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

from lunar_python import Lunar, LunarMonth

from kg.models import Precision

ERA_TABLE = "reign_eras.tsv"

DYNASTY_PREFIXES: dict[str, tuple[str, ...]] = {
    "西汉": ("西汉",), "西漢": ("西汉",), "前汉": ("西汉",), "前漢": ("西汉",),
    "东汉": ("东汉",), "東漢": ("东汉",), "后汉": ("东汉",), "後漢": ("东汉",),
    "汉": ("西汉", "东汉"), "漢": ("西汉", "东汉"),
    "隋": ("隋",), "唐": ("唐",),
    "北宋": ("北宋",), "南宋": ("南宋",), "宋": ("北宋", "南宋"),
    "辽": ("辽",), "遼": ("辽",), "金": ("金",), "元": ("元",),
    "大明": ("明",), "明": ("明", "南明"), "南明": ("南明",),
    "大清": ("清",), "前清": ("清",), "清": ("清",), "后金": ("清",), "後金": ("清",),
}
"""Dynasty prefixes accepted before an era name, mapped to the ``dynasty`` values they select."""

BARE_ERA_NEEDS_DYNASTY = frozenset(
    {"太平", "文明", "和平", "大同", "中和", "永康", "建康", "大安", "正大", "天德", "明道", "治平", "甘露",
     "元始", "开成", "大和", "后元", "至和", "延和", "永和", "永平", "建平"}
)
"""Era names that are also everyday words or place names: recognised only after a dynasty prefix."""

GAN = "甲乙丙丁戊己庚辛壬癸"
ZHI = "子丑寅卯辰巳午未申酉戌亥"

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "千": 1000}
_CN_TENS = {"廿": 20, "卅": 30, "卌": 40}
_MONTH_WORDS = {"正": 1, "元": 1, "冬": 11, "腊": 12, "臘": 12}


@dataclass(frozen=True)
class ReignEra:
    dynasty: str
    era: str
    traditional: str
    emperor: str
    first_year: int
    """Astronomical year in which era year 1 (a lunar year) began."""
    last_year: int

    @property
    def label(self) -> str:
        """The era with its dynasty, e.g. ``清光绪``; the Republican count is just ``民国``."""
        return self.era if self.dynasty == "中华民国" else f"{self.dynasty}{self.era}"

    @property
    def is_lunar(self) -> bool:
        """Imperial eras count lunar years; the Republic used the Gregorian calendar."""
        return self.dynasty != "中华民国"

    def year_of(self, era_year: int) -> int | None:
        """Astronomical year of the ``era_year``-th year, or None when the era had no such year."""
        if era_year < 1 or era_year > self.last_year - self.first_year + 1:
            return None
        return self.first_year + era_year - 1


def historical_to_astronomical(year: int) -> int:
    if year == 0:
        raise ValueError("year 0 does not exist in historical numbering; write 1 BCE as -1")
    return year + 1 if year < 0 else year


def iso_year(year: int) -> str:
    """ISO 8601 year text for an astronomical year: 1900 -> '1900', -220 (221 BCE) -> '-0220'."""
    return f"-{-year:04d}" if year < 0 else f"{year:04d}"


@lru_cache(maxsize=1)
def load_eras() -> tuple[ReignEra, ...]:
    """All rows of ``kg/data/reign_eras.tsv`` in file order (astronomical years)."""
    text = resources.files("kg").joinpath("data", ERA_TABLE).read_text(encoding="utf-8")
    rows: list[ReignEra] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if cells[0] == "dynasty":
            continue
        if len(cells) != 6:
            raise ValueError(f"{ERA_TABLE}:{line_no}: expected 6 tab-separated columns, got {len(cells)}; "
                             "fix that row")
        dynasty, era, trad, emperor, first, last = cells
        rows.append(ReignEra(dynasty, era, trad or era, emperor, historical_to_astronomical(int(first)),
                             historical_to_astronomical(int(last))))
    return tuple(rows)


_VARIANT_CHARS = {"曆": "歷厯歴", "啓": "啟", "會": "㑹"}


def _variants(name: str) -> set[str]:
    """Variant spellings common in woodblock-era texts, e.g. 萬厯 beside 萬曆."""
    return {name.replace(char, v) for char, alts in _VARIANT_CHARS.items() if char in name for v in alts}


@lru_cache(maxsize=1)
def eras_by_name() -> dict[str, tuple[ReignEra, ...]]:
    """Era name (simplified or traditional, plus 中华民国/中華民國) -> rows, oldest first."""
    index: dict[str, list[ReignEra]] = {}
    for row in load_eras():
        for name in {row.era, row.traditional, *_variants(row.traditional)}:
            index.setdefault(name, []).append(row)
        if row.dynasty == "中华民国":
            for name in ("中华民国", "中華民國"):
                index.setdefault(name, []).append(row)
    return {name: tuple(sorted(rows, key=lambda r: r.first_year)) for name, rows in index.items()}


def resolve_era(
    name: str, dynasty_prefix: str | None, context_year: int | None, era_year: int | None = None,
    ganzhi: str | None = None) -> tuple[ReignEra, tuple[ReignEra, ...]] | None:
    """Pick the row for an era name; returns (chosen, other candidates).

    Rule for a name shared by several rows (e.g. 大安 of Liao and Jin, 至元 twice in Yuan): keep the rows of
    the prefixed dynasty and (given ``era_year``/``ganzhi``) those that had such a year; then, with a
    ``context_year``, the row nearest to it, otherwise the most recent row (local gazetteers are mostly
    late-imperial).
    The other candidates are returned so callers can flag the ambiguity.
    """
    rows = eras_by_name().get(name, ())
    if dynasty_prefix is not None:
        wanted = DYNASTY_PREFIXES.get(dynasty_prefix, ())
        rows = tuple(r for r in rows if r.dynasty in wanted)
    if era_year is not None:
        rows = tuple(r for r in rows if r.year_of(era_year) is not None)
    if ganzhi is not None:
        rows = tuple(r for r in rows if year_with_ganzhi(ganzhi, r.first_year, r.last_year) is not None)
    if not rows:
        return None
    if context_year is not None:
        def distance(row: ReignEra) -> int:
            return max(row.first_year - context_year, context_year - row.last_year, 0)
        chosen = min(rows, key=lambda r: (distance(r), -r.first_year))
    else:
        chosen = rows[-1]
    return chosen, tuple(r for r in rows if r is not chosen)


def ganzhi_of_year(year: int) -> str:
    """Sexagenary name of an astronomical year (the lunar year starting in it): 1984 -> 甲子."""
    return GAN[(year - 4) % 10] + ZHI[(year - 4) % 12]


def year_with_ganzhi(ganzhi: str, lo: int, hi: int, near: int | None = None) -> int | None:
    """The year in [lo, hi] whose sexagenary name is ``ganzhi`` (nearest to ``near`` when several)."""
    hits = [y for y in range(lo, hi + 1) if ganzhi_of_year(y) == ganzhi]
    return min(hits, key=lambda y: (abs(y - (lo if near is None else near)), -y), default=None)


def cn_int(text: str) -> int | None:
    """Integer from Arabic or Chinese numerals: '26', '二十六', '廿六', '卅', '一九一一', '二〇二四', '元'."""
    if not text:
        return None
    if text.isascii():
        return int(text) if text.isdigit() else None
    if text == "元":
        return 1
    if all(ch in _CN_DIGITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_TENS:
            total += _CN_TENS[ch]
            current = 0
        elif ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


def month_number(text: str) -> int | None:
    """'正' 1, '元' 1, '冬' 11, '腊' 12, '十二' 12, '08' 8; None outside 1..12."""
    value = _MONTH_WORDS.get(text)
    if value is None:
        value = cn_int(text.replace("有", ""))
    return value if value is not None and 1 <= value <= 12 else None


def day_number(text: str) -> int | None:
    """'初三' 3, '廿九' 29, '三十一' 31, '05' 5; None outside 1..31."""
    value = cn_int(text.removeprefix("初"))
    return value if value is not None and 1 <= value <= 31 else None


def gregorian_days_in_month(year: int, month: int) -> int:  # proleptic; years < 1 use a same-cycle proxy
    return calendar.monthrange(year if year >= 1 else 2000 + year % 400, month)[1]


YMD = tuple[int, int, int]


def lunar_month_days(year: int, month: int, leap: bool) -> int | None:
    """Days in a lunar month (29 or 30), or None when that (leap) month does not exist in ``year``."""
    if year < 1:
        return None
    found = LunarMonth.fromYm(year, -month if leap else month)
    return None if found is None else int(found.getDayCount())


def lunar_to_gregorian(year: int, month: int, day: int, leap: bool = False) -> YMD | None:
    """Gregorian (y, m, d) of a Chinese lunar date, or None when the lunar date does not exist."""
    days = lunar_month_days(year, month, leap)
    if days is None or not 1 <= day <= days:
        return None
    solar = Lunar.fromYmd(year, -month if leap else month, day).getSolar()
    return int(solar.getYear()), int(solar.getMonth()), int(solar.getDay())


def iso_ymd(ymd: YMD) -> str:
    return f"{iso_year(ymd[0])}-{ymd[1]:02d}-{ymd[2]:02d}"


# --- Calendar tables and the date grammar (regex sources built from the era table) ----------------

SEASON_MONTHS = {"春": (3, 5), "夏": (6, 8), "秋": (9, 11), "冬": (12, 14)}
LUNAR_SEASON_MONTHS = {"春": (1, 3), "夏": (4, 6), "秋": (7, 9), "冬": (10, 12)}
YMOD_MONTHS = {"上半年": (1, 6, False), "下半年": (7, 12, False), "初": (1, 2, True), "底": (11, 12, True),
               "末": (11, 12, True)}
XUN_DAYS = {"上旬": (1, 10, False), "中旬": (11, 20, False), "下旬": (21, 31, False), "初": (1, 10, True),
            "底": (21, 31, True), "末": (21, 31, True)}
_MOD_WORDS = {"初": "初 初期 前期 早期", "中": "中期 中叶 中葉", "末": "末 末期 后期 後期 晚期",
              "上半": "上半叶 上半葉", "下半": "下半叶 下半葉"}
CENTURY_MODS = {w: r for k, r in {"初": (1, 20), "中": (31, 70), "末": (81, 100), "上半": (1, 50),
                                  "下半": (51, 100)}.items() for w in _MOD_WORDS[k].split()}
DECADE_MODS = {w: r for k, r in {"初": (0, 3), "中": (3, 6), "末": (7, 9), "上半": (0, 4),
                                 "下半": (5, 9)}.items() for w in _MOD_WORDS[k].split()}

def _trie(words: list[str]) -> str:
    """A regex alternation of literal words, factored by first character so matching stays fast."""
    groups: dict[str, list[str]] = {}
    for word in sorted(set(words)):
        groups.setdefault(word[0], []).append(word[1:])
    parts = []
    for head, tails in sorted(groups.items()):
        rest = [t for t in tails if t]
        alt = _trie(rest) if rest else ""
        if rest:
            parts.append(re.escape(head) + (f"(?:{alt})?" if "" in tails else f"(?:{alt})"))
        else:
            parts.append(re.escape(head))
    return "(?:" + "|".join(parts) + ")"


_NAMES = eras_by_name()
PAT_DYN = _trie(list(DYNASTY_PREFIXES))
PAT_ERA_ANY = _trie(list(_NAMES))
PAT_ERA_BARE = _trie([n for n, rows in _NAMES.items() if rows[0].era not in BARE_ERA_NEEDS_DYNASTY])
PAT_CN = "〇零○一二三四五六七八九"
PAT_CONN = r"(?:至|到|——|—|–|－|-|~|～|〜)"
PAT_LUNAR = r"(?:农历|農曆|阴历|陰曆|夏历|夏曆|旧历|舊曆)"
PAT_ERA_HEAD = rf"(?:{PAT_DYN}{PAT_ERA_ANY}|{PAT_ERA_BARE})"
PAT_GANZHI = "[甲乙丙丁戊己庚辛壬癸][子丑寅卯辰巳午未申酉戌亥]"
PAT_ERA_YEAR = rf"(?:(?:元|[一二三四五六七八九十廿卅]{{1,3}}|\d{{1,2}})年|{PAT_GANZHI}年?)"
PAT_PERIOD = r"(?:年间|年間|初年|末年|中叶|中葉|初期|中期|末期|后期|後期|前期|晚期|早期|时期|時期)"
PAT_AR_YEAR = r"(?<![\d.])(?<!近)(?<!约)(?<!約)(?<!达)(?<!逾)(?:1\d{3}|20\d{2})"
PAT_GYEAR = (rf"(?:(?:公元|西元)前?\d{{1,4}}|{PAT_AR_YEAR}|(?<![{PAT_CN}十])[{PAT_CN}]{{4}})年"
             r"(?!历史|歷史|之久)")
PAT_RELY = (r"(?:同年|次年|翌年|当年|當年|是年|是岁|是歲|是歳|其年|本年|今年|去年|前年|明年|上年|该年|該年)"
            r"(?![龄齡级級纪紀])")
PAT_RELM = r"(?:本月|上个月|上個月|下个月|下個月|上月|下月)"
PAT_MONTH = (rf"(?:(?:闰|閏)?(?:正|腊|臘|冬|元|十有?[一二]|(?<![{PAT_CN}十])[一二三四五六七八九十])"
             rf"|(?<!\d)(?:1[0-2]|0?[1-9]))月")
PAT_DAY = (r"(?:初(?:十|[一二三四五六七八九])日?|(?:[二三]十[一二三四五六七八九]?|十[一二三四五六七八九]"
           r"|廿[一二三四五六七八九]?|卅一?)(?:[日号號]|(?![余多几幾個个年岁歲名人日号號〇一二三四五六七八九十]))"
           r"|[一二三四五六七八九十][日号號]|(?:3[01]|[12]\d|0?[1-9])[日号號])")
PAT_DAYRANGE = rf"(?:\d{{1,2}}{PAT_CONN}\d{{1,2}}[日号號])"
PAT_XUN = r"(?:上旬|中旬|下旬|底|末|初(?![步次期中级級等始]))"
PAT_SEASON = r"(?:春|夏|秋|冬)(?:季|天)?"
PAT_YMOD = r"(?:上半年|下半年|底|末|初(?![步次期中级級等始]))"
PAT_CENTURY = (r"(?:上个?世纪|上個?世紀|本世纪|本世紀"
               r"|(?:\d{1,2}|[一二]?十[一二三四五六七八九]?|[一二三四五六七八九])世[纪紀])")
PAT_DEC2 = r"(?:(?<!\d)[1-9]0|(?<![一二三四五六七八九十])[一二三四五六七八九]十)年代"
PAT_DEC4 = r"(?<!\d)(?:1\d|20)\d0年代"
PAT_DECMOD = r"(?:初期|中期|末期|前期|后期|後期|早期|晚期|中叶|中葉|上半叶|上半葉|下半叶|下半葉|初|末)"
PAT_NUMERIC = "|".join(rf"(?<![\d.])(?:1\d{{3}}|20\d{{2}}){sep}(?:1[0-2]|0?[1-9]){sep}"
                       rf"(?:3[01]|[12]\d|0?[1-9])(?!\d)" for sep in ("-", r"\.", "/"))
PAT_MD = rf"{PAT_MONTH}(?:{PAT_DAYRANGE}|{PAT_DAY}|{PAT_XUN})?"
_AFTER_YEAR = rf"(?:[春夏秋冬]?{PAT_MD}|{PAT_SEASON}|{PAT_YMOD})?"
PAT_POINT = (rf"{PAT_LUNAR}?(?:(?:{PAT_ERA_HEAD}{PAT_ERA_YEAR}|{PAT_GYEAR}){PAT_LUNAR}?{_AFTER_YEAR}"
             rf"|{PAT_RELY}{_AFTER_YEAR}|{PAT_RELM}(?:{PAT_DAY}|{PAT_XUN})?|{PAT_GANZHI}年(?:{PAT_MD})?|{PAT_MD})")
PAT_TAIL = (rf"{PAT_CONN}(?:(?:{PAT_ERA_HEAD}{PAT_ERA_YEAR}|{PAT_GYEAR}|{PAT_RELY})"
            rf"(?:{PAT_MONTH}(?:{PAT_DAY})?)?"
            rf"|{PAT_MONTH}(?:{PAT_DAY})?|{PAT_DAY})")
PAT_YEAR_RANGE = rf"{PAT_AR_YEAR}{PAT_CONN}(?:1\d{{3}}|20\d{{2}})年"
PAT_DECADE = rf"(?:{PAT_CENTURY}(?:{PAT_DEC2})?|{PAT_DEC4}|{PAT_DEC2}){PAT_DECMOD}?"
DATE_RE = re.compile(
    rf"{PAT_NUMERIC}|{PAT_DECADE}|{PAT_YEAR_RANGE}|{PAT_ERA_HEAD}{PAT_PERIOD}|{PAT_POINT}(?:{PAT_TAIL})?")
_START_CHARS = "".join(sorted(
    set("0123456789〇零○一二三四五六七八九十廿卅两公西农農阴陰夏旧舊同次翌当當是其本今去前明上下该該")
    | set("闰閏正腊臘冬元" + GAN)
    | {name[0] for name in _NAMES} | {prefix[0] for prefix in DYNASTY_PREFIXES}))
SCAN_RE = re.compile(
    rf"[{_START_CHARS}](?<=(?=(?P<date>(?=[^，。；：、！？\n]{{0,13}}?(?:[年月日号號旬纪紀代叶葉期岁歲歳]|\d[-./]\d|{PAT_GANZHI}))"
    rf"(?:{DATE_RE.pattern}))).)")
"""Finds the next date fast: a one-character prefix scan (done in C) gates the full grammar, which
must reach 年/月/日/号/旬/纪/代/叶/期/岁, a digit-separator-digit or a 干支 within 14 characters."""


def split_era(head: str) -> tuple[str | None, str]:
    """Split 明万历 into (明, 万历); a bare era gives (None, era)."""
    if head in eras_by_name():
        return None, head
    for size in (2, 1):
        if head[:size] in DYNASTY_PREFIXES and head[size:] in eras_by_name():
            return head[:size], head[size:]
    raise ValueError(f"not an era: {head!r}")


class YearSpan(NamedTuple):
    """Astronomical years ``lo``..``hi`` with how they were read (for decades, centuries, era periods)."""

    lo: int
    hi: int
    precision: Precision
    lunar: bool = False
    era: str | None = None
    approximate: bool = False
    alternatives: tuple[str, ...] = ()


_DECADE_PARTS = re.compile(rf"(?P<cent>{PAT_CENTURY})?(?P<dec>{PAT_DEC4}|{PAT_DEC2})?(?P<mod>{PAT_DECMOD})?")
_PERIOD_PARTS = re.compile(rf"(?P<head>{PAT_ERA_HEAD})(?P<period>{PAT_PERIOD})")


def decade_span(text: str, doc_year: int | None) -> YearSpan | None:
    """上世纪80年代 -> 1980..1989 (decade); 20世纪 -> 1901..2000 (century); 80年代初 -> 1980..1983."""
    parts = _DECADE_PARTS.fullmatch(text)
    if parts is None or not text:
        return None
    cent_text, dec_text, mod = parts.group("cent"), parts.group("dec"), parts.group("mod")
    doc_century = (doc_year - 1) // 100 + 1 if doc_year is not None else 21
    century: int | None = None
    if cent_text is not None:
        century = {"上": doc_century - 1, "本": doc_century}.get(cent_text[0]) or cn_int(cent_text[:-2])
        if not century:
            return None
    if dec_text is not None:
        if len(dec_text) == 6:
            start = int(dec_text[:4])
        else:
            start = (century - 1 if century is not None else 19) * 100 + (cn_int(dec_text[:-2]) or 0)
        low, high = DECADE_MODS.get(mod or "", (0, 9))
        precision: Precision = "decade" if mod is None else "interval"
        return YearSpan(start + low, start + high, precision, approximate=bool(mod))
    if century is None:
        return None
    first = (century - 1) * 100
    if mod is None:
        return YearSpan(first + 1, first + 100, "century")
    low, high = CENTURY_MODS[mod]
    return YearSpan(first + low, first + high, "interval", approximate=True)


def era_period_span(text: str, context_year: int | None) -> YearSpan | None:
    """康熙年间 -> the whole era; 乾隆末年/初年/中叶 -> its last/first/middle third (at most 10 years)."""
    parts = _PERIOD_PARTS.fullmatch(text)
    if parts is None:
        return None
    dyn, era = split_era(parts.group("head"))
    picked = resolve_era(era, dyn, context_year)
    if picked is None:
        return None
    row, others = picked
    span = max(1, min(10, (row.last_year - row.first_year + 1) // 3))
    period = parts.group("period")
    lo, hi = row.first_year, row.last_year
    if period[0] in "初前早":
        hi = lo + span - 1
    elif period[0] in "末后後晚":
        lo = hi - span + 1
    elif period[0] == "中":
        lo = (lo + hi - span + 1) // 2
        hi = lo + span - 1
    return YearSpan(lo, hi, "interval", row.is_lunar, row.label, period[0] not in "年时時",
                    tuple(o.label for o in others))
