"""Toneless pinyin forms of Chinese names, for search (邓小平 → ["deng xiao ping", "dengxiaoping"]).

Forms are remembered per process. Extraction works them out for the names it finds, where the work runs in
parallel (:attr:`kg.extract.ExtractedDocument.pinyin`), and the process that resolves and loads is told them
(:func:`remember_pinyin`), so writing an entity's ``kg:pinyin`` costs it a look-up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from pypinyin import Style, lazy_pinyin

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_KNOWN: dict[str, tuple[str, ...]] = {}
KNOWN_MAX = 1 << 20
"""Names remembered at most (some 300 bytes each; the 50 M-character benchmark corpus has about 100,000); beyond
that, new names are worked out each time."""


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
    forms = _KNOWN.get(name)
    if forms is None:
        forms = _forms(name)
        if len(_KNOWN) < KNOWN_MAX:
            _KNOWN[name] = forms
    return list(forms)


def remember_pinyin(forms: Mapping[str, Sequence[str]]) -> None:
    """Take the forms another process worked out with :func:`name_pinyin` (name → forms)."""
    room = KNOWN_MAX - len(_KNOWN)
    for name, value in forms.items():
        if room <= 0:
            break
        if name not in _KNOWN:
            _KNOWN[name] = tuple(value)
            room -= 1
