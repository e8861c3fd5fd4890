"""Reflow raw document text and map every normalised offset back to the raw text.

``normalize(raw)`` returns a :class:`NormalizedText`:

* ``text`` has exactly the characters of ``raw`` in the same order, except that whitespace runs are
  removed or replaced by one ``" "`` / ``"\\n"`` and ignorable characters (zero-width, BOM, soft
  hyphen) are dropped. No other character is changed (no width folding in ``text``).
* ``simplified`` has the same length as ``text``: traditional characters mapped one-for-one to simplified
  ones and full-width digits, letters and ASCII symbols folded to half-width (CJK punctuation such as
  ，。、（）《》 is kept).
* ``raw_offset(i)`` / ``raw_span(start, end)`` map back to ``raw``, so that
  ``compact(raw[rs:re]) == compact(text[start:end])``.

The reflow rules are listed in docs/input.md. Everything runs in linear time: whitespace runs are found by
one regular expression, a single space between two non-CJK characters is copied without a Python-level step,
and the offset map is stored as one (text offset, raw offset) pair per contiguous piece.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path

IGNORABLE = "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
"""Soft hyphen, zero-width space/joiners, direction marks, word joiner, invisible operators and BOM."""

_IGN = "\u00ad\u200b-\u200f\u2060-\u2064\ufeff"
_CJK = (
    "\u2e80-\u2fdf\u2ff0-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3200-\u33ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe10-\ufe1f\ufe30-\ufe4f\uff00-\uff0f\uff1a-\uff20"
    "\uff3b-\uff40\uff5b-\uffef\U00020000-\U0003ffff"
)
"""Han, kana, hangul, CJK and full-width punctuation. Full-width digits and letters count as Latin."""

# Every alternative starts by consuming a gap character, so the scanner skips other text quickly.
# A lone space between two non-CJK characters is not matched at all: it is kept as it is.
_GAP = re.compile(
    rf"([\s{_IGN}]{{2,}}|[^\S ])|[{_IGN}]| (?=[{_CJK}]|\Z)| (?<=[{_CJK}] )| (?<=\A )"
)
_BREAK_CHARS = "\n\r\f\v\x1c\x1d\x1e\x85\u2028\u2029"
"""Line breaks, as for ``str.splitlines`` (``\r\n`` is two of them; they fall in one gap anyway)."""
_BREAK = re.compile(f"[{_BREAK_CHARS}]")
_SPACE = re.compile(r"\s")
_IGNORABLE_ONLY = re.compile(f"[{_IGN}]+")
_COMPACT = re.compile(rf"[\s{_IGN}]+")
_CJK_CHAR = re.compile(f"[{_CJK}]")

SENTENCE_FINAL = frozenset("。！？；：…”」』.!?;:．｡")
"""A line ending in one of these may end a paragraph."""
CONTINUATION_START = frozenset("，、。；：！？）》〉」』”’…—·,.;:!?)]}％%")
"""A line starting with one of these always continues the previous line."""
_NEW_PARAGRAPH = re.compile(
    r"(?:第[0-9０-９一二三四五六七八九十百千零〇两]+[章节節编編卷篇部条條款回目]"
    r"|[一二三四五六七八九十百]+[、．.]"
    r"|[（(][0-9０-９一二三四五六七八九十]+[)）]"
    r"|[0-9０-９]{1,3}[、．.](?![0-9０-９])"
    r"|[0-9０-９〇零一二三四五六七八九十]{1,4}\s*[年月]"
    r"|[●○■□◆◇▲△★☆•※【〔［]"
    r"|附[录錄件]|注[:：]|按[:：])"
)
_HEADING = re.compile(
    r"(?:第[0-9０-９一二三四五六七八九十百千零〇两]+[章节節编編卷篇部]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])"
    r"[^，。；！？,;!?]{0,24}"
)
_MIN_LINES_FOR_STATS = 4
_MIN_LINE_ENDS_PER_LINE = 3


def compact(s: str) -> str:
    """``s`` without whitespace and ignorable characters: the equality used by the offset map."""
    return _COMPACT.sub("", s)


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """Traditional → simplified (first OpenCC candidate, single characters only) + width folding."""
    import opencc

    source = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        key, _, values = line.partition("\t")
        first = values.split(" ", 1)[0].strip()
        if len(key) == 1 and len(first) == 1 and key != first:
            table[ord(key)] = first
    for kept in KEPT_TRADITIONAL:
        table.pop(ord(kept), None)
    for code in range(0xFF01, 0xFF5F):
        char = chr(code)
        if char not in FULL_WIDTH_KEPT:
            table[code] = chr(code - 0xFEE0)
    return table


KEPT_TRADITIONAL = "乾"
"""Kept as is: 乾 is also a simplified character (乾隆, 乾坤); OpenCC's first candidate 干 would break era names."""
FULL_WIDTH_KEPT = "！＂＇（），：；？［］｛｝"
"""Full-width punctuation used as Chinese punctuation; not folded in ``simplified``."""


def to_simplified(text: str) -> str:
    """Character-for-character traditional → simplified and full-width → half-width (same length)."""
    return text.translate(_t2s_table())


class NormalizedText:
    """Reflowed text with a piecewise offset map back to the raw text (see module docstring)."""

    __slots__ = ("_raw_starts", "_text_starts", "raw", "simplified", "text")

    def __init__(self, raw: str, text: str, simplified: str, text_starts: array[int], raw_starts: array[int]) -> None:
        self.raw = raw
        self.text = text
        self.simplified = simplified
        self._text_starts = text_starts
        self._raw_starts = raw_starts

    def __len__(self) -> int:
        return len(self.text)

    def __repr__(self) -> str:
        return f"NormalizedText(raw={len(self.raw)} chars, text={len(self.text)} chars)"

    def raw_offset(self, i: int) -> int:
        """Raw offset of the character at ``text[i]`` (an inserted space/newline maps to its gap's start)."""
        if not 0 <= i < len(self.text):
            raise IndexError(f"offset {i} outside the normalised text (0..{len(self.text) - 1})")
        k = bisect_right(self._text_starts, i) - 1
        return self._raw_starts[k] + (i - self._text_starts[k])

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw ``(start, end)`` (end exclusive) of ``text[start:end]``."""
        if not 0 <= start <= end <= len(self.text):
            raise IndexError(f"span {start}:{end} outside the normalised text (0..{len(self.text)})")
        if start == end:
            pos = self.raw_offset(start) if start < len(self.text) else (
                self.raw_offset(start - 1) + 1 if start else 0)
            return pos, pos
        return self.raw_offset(start), self.raw_offset(end - 1) + 1

    def offsets(self) -> array[int]:
        """The full map as one raw offset per text character (materialised on demand)."""
        out: array[int] = array("q")
        bounds = [*self._text_starts[1:], len(self.text)]
        for t0, r0, t1 in zip(self._text_starts, self._raw_starts, bounds):
            out.extend(range(r0, r0 + (t1 - t0)))
        return out

    @property
    def paragraphs(self) -> list[tuple[int, int]]:
        """``(start, end)`` in ``text`` of each paragraph (text between kept line breaks)."""
        spans: list[tuple[int, int]] = []
        start = 0
        for match in re.finditer("\n", self.text):
            spans.append((start, match.start()))
            start = match.end()
        if start < len(self.text) or not spans:
            spans.append((start, len(self.text)))
        return spans


class _LineStats:
    """Document-level layout facts that make the break decisions robust."""

    __slots__ = ("indent_informative", "per_line", "typical")

    def __init__(self, lengths: list[int], finals: int, indented: int) -> None:
        n = len(lengths)
        self.typical = sorted(lengths)[int(0.8 * (n - 1))] if n >= _MIN_LINES_FOR_STATS else 0
        # One paragraph per line: most line ends are sentence ends.
        self.per_line = n >= _MIN_LINE_ENDS_PER_LINE and finals >= 0.6 * n
        # Indentation says "new paragraph" only if not every line is indented.
        self.indent_informative = indented <= 0.5 * max(n, 1)

    def short(self, length: int) -> bool | None:
        """Did this line end early? ``None`` when the document has too few or too short lines to tell."""
        if self.typical < 8:
            return None
        return length < 0.75 * self.typical


def _indented(lead: str) -> bool:
    return "\u3000" in lead or "\t" in lead or lead.count(" ") + lead.count("\xa0") >= 2


def _join(p: str, n: str) -> str:
    return "" if _CJK_CHAR.match(p) or _CJK_CHAR.match(n) else " "


def _break_choice(raw: str, s: int, e: int, line_start: int, lead_start: int, stats: _LineStats) -> str:
    """Replacement for a whitespace gap raw[s:e] that contains a line break; the next line's
    indentation is raw[lead_start:e]."""
    p, n = raw[s - 1], raw[e]
    if p == "-" and n.islower():
        return ""  # a hyphenated word broken across lines: keep the hyphen, no space
    if n in CONTINUATION_START:
        return _join(p, n)
    indented = stats.indent_informative and _indented(raw[lead_start:e])
    short = stats.short(s - line_start)
    new_paragraph = _NEW_PARAGRAPH.match(raw, e, min(len(raw), e + 12)) is not None
    if p in SENTENCE_FINAL:
        keep = indented or short is True or stats.per_line or new_paragraph
    else:  # a heading line, or a line that ended early before an indented/new-paragraph line
        heading = short is not False and _HEADING.fullmatch(raw, line_start, s) is not None
        # continuation lines of a hard-wrapped paragraph are never indented, so an indented
        # line after an unfinished one starts a paragraph (a title or header line came before)
        title = (s - line_start <= 30 and raw.count("\n", s, e) >= 2 and _indented(raw[lead_start:e]))
        keep = heading or indented or title or (short is True and new_paragraph)
    return "\n" if keep else _join(p, n)


def _last_break_end(raw: str, s: int, e: int) -> int:
    """Position just after the last line break in raw[s:e] (there is one)."""
    for i in range(e - 1, s - 1, -1):
        if raw[i] in _BREAK_CHARS:
            return i + 1
    return s


def normalize(raw: str) -> NormalizedText:
    """Reflow ``raw`` (see module docstring and docs/input.md) in linear time."""
    size = len(raw)
    # Pass 1: find the gaps; decide those without a line break; collect line statistics.
    gaps: list[tuple[int, int, str | None, int, int]] = []
    lengths: list[int] = []
    finals = indented = 0
    line_start = 0
    for match in _GAP.finditer(raw):
        s, e = match.span()
        if match.lastindex is None:  # a lone ignorable, or a lone space next to CJK or at an end
            gaps.append((s, e, "", 0, 0))
            continue
        if s == 0 or e == size:
            gaps.append((s, e, "", 0, 0))
            if s == 0:
                line_start = e
                indented += _indented(match.group())
            continue
        if _BREAK.search(raw, s, e) is None:
            same_line = "" if _IGNORABLE_ONLY.fullmatch(raw, s, e) else _join(raw[s - 1], raw[e])
            gaps.append((s, e, same_line, 0, 0))
            continue
        lead_start = _last_break_end(raw, s, e)
        gaps.append((s, e, None, line_start, lead_start))
        lengths.append(s - line_start)
        finals += raw[s - 1] in SENTENCE_FINAL
        indented += _indented(raw[lead_start:e])
        line_start = e
    stats = _LineStats(lengths, finals, indented)

    # Pass 2: build the text and the piecewise offset map (one entry per contiguous piece).
    pieces: list[str] = []
    text_starts: array[int] = array("q")
    raw_starts: array[int] = array("q")
    last_t = out = pos = 0
    last_r = -2  # forces the first piece to open a segment
    for s, e, choice, start_of_line, lead_start in gaps:
        if s > pos:
            if out - last_t != pos - last_r:
                last_t, last_r = out, pos
                text_starts.append(out)
                raw_starts.append(pos)
            pieces.append(raw[pos:s])
            out += s - pos
        kept = _break_choice(raw, s, e, start_of_line, lead_start, stats) if choice is None else choice
        if kept:
            at = s
            if raw[s] != kept:  # map the kept space/newline to a raw space/line break of the gap
                found = (_BREAK if kept == "\n" else _SPACE).search(raw, s, e)
                at = found.start() if found else s
            if out - last_t != at - last_r:
                last_t, last_r = out, at
                text_starts.append(out)
                raw_starts.append(at)
            pieces.append(kept)
            out += 1
        pos = e
    if size > pos:
        if out - last_t != pos - last_r:
            text_starts.append(out)
            raw_starts.append(pos)
        pieces.append(raw[pos:])
    text = "".join(pieces)
    return NormalizedText(raw, text, to_simplified(text), text_starts, raw_starts)
