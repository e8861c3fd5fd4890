"""Evaluate relation extraction against ``eval/relations_gold.jsonl``.

The gold file stores only references to public sentences in ``/work/shared/data`` (file + 1-based line) and the
expected relations by name; the text is read from the data folder at evaluation time. Mentions come from a
pluggable ``annotate(text) -> list[Span]``; the default, :func:`goldish_annotator`, uses the datasets' own gold
entity tags (MSRA nr/ns/nt, CLUENER name/company/government/organization/position/address/book) plus a title
lexicon and a date pattern for what the tags lack. The real NER plugs in with ``--annotator module:function``.

Run: ``python -m kg.relations.evaluate [--data /work/shared/data] [--annotator ner.pipeline:annotate]``
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kg.relations import extract_relations
from kg.relations.types import AnnotatedDoc, DocGraph, Span

Annotator = Callable[[str], list[Any]]
GOLD_FILE = Path(__file__).resolve().parents[2] / "eval" / "relations_gold.jsonl"
_SYMMETRIC = {"SPOUSE_OF", "SIBLING_OF"}
_CLUENER_TYPES = {"name": "PERSON", "company": "ORG", "government": "ORG", "organization": "ORG",
                  "position": "TITLE", "address": "PLACE", "book": "WORK"}
_BIO_TYPES = {"PER": "PERSON", "LOC": "PLACE", "ORG": "ORG"}
_MSRA_TYPES = {"nr": "PERSON", "ns": "PLACE", "nt": "ORG"}
TITLES = sorted(["主席", "副主席", "总理", "副总理", "部长", "副部长", "部长助理", "主任", "副主任", "书记", "副书记",
                 "总书记", "省长", "副省长", "市长", "副市长", "县长", "副县长", "局长", "副局长", "厂长", "院长",
                 "副院长", "校长", "副校长", "总经理", "副总经理", "董事长", "大使", "秘书长", "副秘书长", "常委",
                 "司令员", "政委", "会长", "副会长", "理事长", "社长", "主编", "总编辑", "馆长", "所长", "行长",
                 "经理", "团长", "队长", "处长", "科长", "乡长", "镇长", "村长", "委员长", "副委员长", "特别助理",
                 "主任委员", "党组书记", "总裁", "首相", "外长", "州长", "总督", "总统", "副总统", "国务卿", "议长", "总干事"],
                key=len, reverse=True)
_TITLE_RE = re.compile("|".join(TITLES))
_DATE_RE = re.compile(r"([0-9０-９]{4})年(?:([0-9０-９]{1,2})月(?:([0-9０-９]{1,2})日)?)?")


class GoldRelation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str
    source: str
    target: str
    title: str | None = None


class GoldItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    line: int = Field(ge=1)
    """1-based line; for the char-per-line files ``peoples_daily_ner/example.*`` the 1-based sentence number."""
    relations: list[GoldRelation]
    note: str | None = None
    split: Literal["dev", "heldout"] = "dev"
    """``dev``: sentences looked at while building the rules; ``heldout``: labelled before the system was run."""


def _digits(s: str) -> str:
    return s.translate(str.maketrans("０１２３４５６７８９", "0123456789"))


def date_spans(text: str, taken: list[Span]) -> list[Span]:
    out = []
    for m in _DATE_RE.finditer(text):
        if any(t.start < m.end() and m.start() < t.end for t in taken):
            continue
        value = "-".join(f"{int(_digits(g)):02d}" if i else _digits(g) for i, g in enumerate(m.groups()) if g)
        out.append(Span(start=m.start(), end=m.end(), type="DATE", text=m.group(0), value=value))
    return out


def title_spans(text: str, taken: list[Span]) -> list[Span]:
    return [Span(start=m.start(), end=m.end(), type="TITLE", text=m.group(0)) for m in _TITLE_RE.finditer(text)
            if not any(t.start < m.end() and m.start() < t.end for t in taken)]


def _bio_sentence(path: Path, number: int) -> tuple[str, list[Span]]:
    """Sentence ``number`` (1-based, blank-line separated) of a char-per-line BIO file (``char TAG``)."""
    sentence: list[tuple[str, str]] = []
    seen = 0
    with path.open(encoding="utf-8") as fh:
        for row in fh:
            row = row.rstrip("\n")
            if row.strip():
                ch, _, tag = row.partition(" ")
                sentence.append((ch, tag or "O"))
                continue
            if sentence:
                seen += 1
                if seen == number:
                    break
                sentence = []
    if seen != number and not (seen + 1 == number and sentence):
        raise ValueError(f"{path} has no sentence {number}; check the gold reference")
    text = "".join(ch for ch, _ in sentence)
    spans: list[Span] = []
    start = -1
    kind = ""
    for i, (_, tag) in enumerate([*sentence, ("", "O")]):
        if start >= 0 and not tag.startswith("I-"):
            spans.append(Span(start=start, end=i, type=kind, text=text[start:i]))
            start = -1
        if tag.startswith("B-") and tag[2:] in _BIO_TYPES:
            start, kind = i, _BIO_TYPES[tag[2:]]
    return text, spans


def read_source(data: Path, source: str, line: int) -> tuple[str, list[Span]]:
    """The sentence text and its gold-ish mentions for one reference."""
    path = data / source
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; pass --data pointing at the shared data folder")
    spans: list[Span] = []
    if "peoples_daily_ner/example." in source:
        text, spans = _bio_sentence(path, line)
        spans += title_spans(text, spans)
        spans += date_spans(text, spans)
        return text, sorted(spans, key=lambda s: s.start)
    raw = path.read_text(encoding="utf-8").splitlines()[line - 1]
    if source.endswith(".json"):
        item = json.loads(raw)
        text = item["text"]
        for label, entities in item.get("label", {}).items():
            mtype = _CLUENER_TYPES.get(label)
            for surface, offsets in entities.items() if mtype else []:
                for start, end in offsets:
                    s, e = start, end + 1
                    if mtype == "WORK" and surface.startswith("《") and surface.endswith("》"):
                        s, e = s + 1, e - 1
                    spans.append(Span(start=s, end=e, type=mtype, text=text[s:e]))
    else:
        parts: list[str] = []
        pos = 0
        for token in raw.split():
            word, _, tag = token.rpartition("/")
            if tag in _MSRA_TYPES:
                spans.append(Span(start=pos, end=pos + len(word), type=_MSRA_TYPES[tag], text=word))
            parts.append(word)
            pos += len(word)
        text = "".join(parts)
        spans += title_spans(text, spans)
    spans += date_spans(text, spans)
    return text, sorted(spans, key=lambda s: s.start)


def _as_span(text: str, m: Any) -> Span:
    """Accept any span-like object with start/end/type (and value), e.g. ``ner.pipeline.EntitySpan``."""
    if isinstance(m, Span):
        return m
    return Span(start=m.start, end=m.end, type=m.type, text=text[m.start:m.end], value=getattr(m, "value", None))


def _names(g: DocGraph, local_id: str) -> set[str]:
    c = g.candidate(local_id)
    return {c.name, *c.aliases}


def _matches(g: DocGraph, gold: GoldRelation) -> bool:
    for r in g.relations:
        if r.type != gold.type or (gold.title and r.properties.get("title") != gold.title):
            continue
        src, tgt = _names(g, r.source), _names(g, r.target)
        if (gold.source in src and gold.target in tgt) or (
                gold.type in _SYMMETRIC and gold.source in tgt and gold.target in src):
            return True
    return False


def evaluate(gold_path: Path, data: Path, annotate: Annotator | None = None,
             types: set[str] | None = None, split: str | None = None) -> dict[str, dict[str, float]]:
    """P/R/F1 per relation type (and ``ALL``); only the relation types that occur in the gold are scored."""
    items = [GoldItem.model_validate_json(x) for x in gold_path.read_text(encoding="utf-8").splitlines() if x.strip()]
    items = [it for it in items if split is None or it.split == split]
    scored = types or {r.type for it in items for r in it.relations}
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    for n, it in enumerate(items):
        text, goldish = read_source(data, it.source, it.line)
        mentions = [_as_span(text, m) for m in annotate(text)] if annotate else goldish
        g = extract_relations(AnnotatedDoc(doc_id=f"gold:{n}", text=text, mentions=mentions))
        for gr in it.relations:
            if _matches(g, gr):
                tp[gr.type] += 1
            else:
                fn[gr.type] += 1
        for r in g.relations:
            if r.type not in scored:
                continue
            src, tgt = _names(g, r.source), _names(g, r.target)
            hit = any(gr.type == r.type and (not gr.title or gr.title == r.properties.get("title")) and (
                (gr.source in src and gr.target in tgt) or
                (r.type in _SYMMETRIC and gr.source in tgt and gr.target in src)) for gr in it.relations)
            if not hit and r.properties.get("basis") != "admin_divisions":  # table knowledge, not text
                fp[r.type] += 1
    out: dict[str, dict[str, float]] = {}
    for t in sorted(scored) + ["ALL"]:
        a = sum(tp.values()) if t == "ALL" else tp[t]
        b = sum(fp.values()) if t == "ALL" else fp[t]
        c = sum(fn.values()) if t == "ALL" else fn[t]
        prec = a / (a + b) if a + b else 0.0
        rec = a / (a + c) if a + c else 0.0
        out[t] = {"tp": a, "fp": b, "fn": c, "precision": round(prec, 3), "recall": round(rec, 3),
                  "f1": round(2 * prec * rec / (prec + rec), 3) if prec + rec else 0.0}
    return out


def _load_annotator(spec: str) -> Annotator:
    module, _, func = spec.partition(":")
    if not func:
        raise ValueError(f"--annotator {spec!r}: write it as package.module:function")
    fn: Annotator = getattr(importlib.import_module(module), func)
    return fn


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Relation extraction P/R/F1 against eval/relations_gold.jsonl")
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    ap.add_argument("--gold", type=Path, default=GOLD_FILE)
    ap.add_argument("--annotator", default="", help="package.module:function giving list[Span] for a text")
    ap.add_argument("--split", choices=["dev", "heldout"], default=None, help="score one split only")
    args = ap.parse_args(argv)
    result = evaluate(args.gold, args.data, _load_annotator(args.annotator) if args.annotator else None,
                      split=args.split)
    print(f"{'type':16} {'tp':>4} {'fp':>4} {'fn':>4} {'P':>6} {'R':>6} {'F1':>6}")
    for t, m in result.items():
        print(f"{t:16} {m['tp']:>4} {m['fp']:>4} {m['fn']:>4} {m['precision']:>6} {m['recall']:>6} {m['f1']:>6}")


if __name__ == "__main__":
    main()
