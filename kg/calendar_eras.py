"""Reign-era (年号) table, Chinese numerals and lunar-calendar conversion for :mod:`kg.dates`.

Years inside this module are *astronomical* (1 BCE = 0, 2 BCE = -1); the TSV stores historical
years (negative = BCE, no year 0) because that is how reference tables print them.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from lunar_python import Lunar, LunarMonth  # type: ignore[import-untyped]

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
    header_seen = False
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if not header_seen:
            header_seen = True
            continue
        if len(cells) != 6:
            raise ValueError(f"{ERA_TABLE}:{line_no}: expected 6 tab-separated columns, got {len(cells)}; fix the row")
        dynasty, era, trad, emperor, first, last = cells
        rows.append(ReignEra(dynasty, era, trad or era, emperor, historical_to_astronomical(int(first)),
                             historical_to_astronomical(int(last))))
    return tuple(rows)


@lru_cache(maxsize=1)
def eras_by_name() -> dict[str, tuple[ReignEra, ...]]:
    """Era name (simplified or traditional, plus 中华民国/中華民國) -> rows, oldest first."""
    index: dict[str, list[ReignEra]] = {}
    for row in load_eras():
        for name in {row.era, row.traditional}:
            index.setdefault(name, []).append(row)
        if row.dynasty == "中华民国":
            for name in ("中华民国", "中華民國"):
                index.setdefault(name, []).append(row)
    return {name: tuple(sorted(rows, key=lambda r: r.first_year)) for name, rows in index.items()}


def resolve_era(
    name: str, dynasty_prefix: str | None, context_year: int | None
) -> tuple[ReignEra, tuple[ReignEra, ...]] | None:
    """Pick the row for an era name; returns (chosen, other candidates).

    Rule for a name shared by several rows (e.g. 大安 of Liao and Jin, 至元 twice in Yuan): keep only rows of
    the prefixed dynasty; then, with a ``context_year``, the row whose span is nearest to it; otherwise the most
    recent row (local gazetteers are mostly late-imperial). The others are returned so callers can flag them.
    """
    rows = eras_by_name().get(name, ())
    if dynasty_prefix is not None:
        wanted = DYNASTY_PREFIXES.get(dynasty_prefix, ())
        rows = tuple(r for r in rows if r.dynasty in wanted)
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
    if not hits:
        return None
    if near is None:
        return hits[0]
    return min(hits, key=lambda y: (abs(y - near), -y))


def cn_int(text: str) -> int | None:
    """Integer from Arabic or Chinese numerals: '26', '二十六', '廿六', '卅', '一九一一', '二〇二四', '元'."""
    if not text:
        return None
    if text.isascii():
        return int(text) if text.isdigit() else None
    if text == "元":
        return 1
    if all(ch in _CN_DIGITS for ch in text):
        value = 0
        for ch in text:
            value = value * 10 + _CN_DIGITS[ch]
        return value
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
        value = cn_int(text)
    return value if value is not None and 1 <= value <= 12 else None


def day_number(text: str) -> int | None:
    """'初三' 3, '廿九' 29, '三十一' 31, '05' 5; None outside 1..31."""
    value = cn_int(text[1:] if text.startswith("初") else text)
    return value if value is not None and 1 <= value <= 31 else None


def gregorian_days_in_month(year: int, month: int) -> int:
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
