"""Toneless pinyin forms of Chinese names, for search (邓小平 → ["deng xiao ping", "dengxiaoping"])."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1 << 20)
def _forms(name: str) -> tuple[str, ...]:
    if not _HAN.search(name):
        return ()
    syllables = [s.strip().lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore") if s.strip()]
    if not syllables:
        return ()
    spaced = " ".join(syllables)
    joined = "".join(syllables)
    return (spaced, joined) if spaced != joined else (spaced,)


def name_pinyin(name: str) -> list[str]:
    """Spaced and unspaced toneless pinyin of the Han characters of ``name``; ``[]`` when it has none."""
    return list(_forms(name))
