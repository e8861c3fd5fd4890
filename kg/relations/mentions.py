"""Document-level clean-up of the NER's person mentions before relation extraction.

* propagation — a person name the NER tagged somewhere in the document is also a mention where it occurs
  untagged (``淡氏生邓先烈…`` after ``娶张氏、淡氏``), when the name has three or more characters or is a woman's
  ``某氏`` form, and the occurrence overlaps no other mention and is not inside a longer run of a tagged name.
* clans — ``邓氏`` in ``广安邓氏始祖``, ``邓氏族人``, ``邓氏家族`` names a lineage, not a woman: such a PERSON
  mention is dropped (the lineage is kept as ``clan`` on the founder by :mod:`kg.relations.family`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from kg.relations.types import AnnotatedDoc, Span

_CLAN_TAIL = re.compile(r"^(?:入川|入蜀|迁川|来川)?(?:始祖|先祖|鼻祖|远祖|一世祖|族人|家族|族谱|宗族|宗祠|祠堂|后人|后裔|子孙|"
                        r"族|家谱|世系|宗亲)")
_SHI = re.compile(r"^[\u4e00-\u9fff]{1,2}氏$")


def is_clan(text: str, m: Span) -> bool:
    return m.type == "PERSON" and len(m.text) == 2 and m.text.endswith("氏") and bool(
        _CLAN_TAIL.match(text[m.end:m.end + 4]))


def prepare_mentions(doc: AnnotatedDoc) -> AnnotatedDoc:
    """The document with clan mentions dropped and untagged repeats of tagged person names added."""
    kept = [m for m in doc.mentions if not is_clan(doc.text, m)]
    names = sorted({m.text for m in kept if m.type == "PERSON" and (len(m.text) >= 3 or _SHI.match(m.text))},
                   key=len, reverse=True)
    taken = [(m.start, m.end) for m in kept]
    added: list[Span] = []
    for name in names:
        for hit in re.finditer(re.escape(name), doc.text):
            s, e = hit.start(), hit.end()
            if any(a < e and s < b for a, b in taken):
                continue
            span = Span(start=s, end=e, type="PERSON", text=name)
            if is_clan(doc.text, span):
                continue
            added.append(span)
            taken.append((s, e))
    if not added and len(kept) == len(doc.mentions):
        return doc
    return replace(doc, mentions=sorted(kept + added, key=lambda m: (m.start, -m.end)))
