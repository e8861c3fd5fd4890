"""China's administrative divisions (GB/T 2260 codes) from ``kg/data/admin_divisions.tsv``.

Looks names up by full name (``洪雅县``) or by short name (``洪雅``, only when unambiguous), and walks the
parent chain county → prefecture → province.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "admin_divisions.tsv"
_SUFFIXES = ("特别行政区", "自治州", "自治县", "自治旗", "地区", "林区", "新区", "省", "市", "县", "区", "旗", "盟")
_LEVELS = {"province": 0, "prefecture": 1, "county": 2}
_ETHNIC = ("壮族", "回族", "维吾尔", "藏族", "蒙古族", "土家族", "苗族", "彝族", "傣族", "朝鲜族")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent_code: str | None


def short_name(name: str) -> str:
    """``洪雅县`` → ``洪雅``; ``广西壮族自治区`` → ``广西``; names of two characters stay whole."""
    for suffix in ("自治区", *_SUFFIXES):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            core = name[: -len(suffix)]
            for ethnic in _ETHNIC:
                if ethnic in core and core.index(ethnic) >= 2:
                    core = core[: core.index(ethnic)]
            return core
    return name


class AdminDivisions:
    def __init__(self, rows: list[Division]) -> None:
        self.by_code = {d.code: d for d in rows}
        self._by_name: dict[str, list[Division]] = {}
        self._by_short: dict[str, list[Division]] = {}
        for d in rows:
            self._by_name.setdefault(d.name, []).append(d)
            self._by_short.setdefault(short_name(d.name), []).append(d)

    @classmethod
    def load(cls, path: Path = DATA_FILE) -> AdminDivisions:
        rows: list[Division] = []
        with path.open(encoding="utf-8") as fh:
            header = fh.readline().rstrip("\n").split("\t")
            if header != ["code", "name", "level", "parent_code"]:
                raise ValueError(f"{path}: header must be code, name, level, parent_code; regenerate the table")
            for line in fh:
                code, name, level, parent = line.rstrip("\n").split("\t")
                rows.append(Division(code, name, level, parent or None))
        return cls(rows)

    def candidates(self, name: str) -> list[Division]:
        """Every division the name can denote: by full name first, else by unambiguous-or-not short name."""
        exact = self._by_name.get(name)
        if exact:
            return list(exact)
        return list(self._by_short.get(name, [])) if len(name) >= 2 else []

    def chain(self, code: str) -> list[Division]:
        """The division and its ancestors, lowest first."""
        out: list[Division] = []
        cur: str | None = code
        while cur and cur in self.by_code:
            out.append(self.by_code[cur])
            cur = self.by_code[cur].parent_code
        return out

    def resolve(self, name: str, context_codes: set[str] | frozenset[str] = frozenset()) -> Division | None:
        """The division ``name`` denotes given the codes of other places in context; None when ambiguous.

        A full name (``洪雅县``) that is unique resolves alone. A short name (``广安``, ``河口``) resolves alone only
        to a province or prefecture; to a county only when a place in context is its ancestor or descendant.
        """
        options = self.candidates(name)
        exact = name in self._by_name
        if len(options) == 1 and (exact or options[0].level != "county"):
            return options[0]
        if not options:
            return None
        fitting = [d for d in options
                   if any(a.code in context_codes for a in self.chain(d.code)[1:])
                   or any(d.code in {a.code for a in self.chain(c)[1:]} for c in context_codes)]
        if len(fitting) == 1:
            return fitting[0]
        # a bare short name (广安) denotes the single highest-level division of that name (广安市, not 广安区)
        top = min(_LEVELS.get(d.level, 9) for d in options)
        highest = [d for d in options if _LEVELS.get(d.level, 9) == top]
        return highest[0] if len(highest) == 1 and name not in self._by_name and top < 2 else None

    def is_ancestor(self, ancestor: str, code: str) -> bool:
        return any(a.code == ancestor for a in self.chain(code)[1:])


@lru_cache(maxsize=1)
def admin_divisions() -> AdminDivisions:
    return AdminDivisions.load()
