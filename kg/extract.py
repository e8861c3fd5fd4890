"""Documents → normalised text → mentions → relations → resolved records (the ``kg extract`` job).

Each document is read, normalised and annotated on its own (this is the part that runs in
parallel); only the compact per-document graphs go on to cross-document resolution.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import re
from collections.abc import Callable, Generator, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from kg.documents import DocumentError, RawDocument, iter_documents
from kg.ids import document_id
from kg.models import DocumentRecord, Record
from kg.normalize import normalize
from kg.pinyin import name_pinyin, remember_pinyin
from kg.relations import extract_relations
from kg.relations.types import AnnotatedDoc, DocGraph, Span

_WS = re.compile(r"\s+")

T = TypeVar("T")

CODE_VERSION = "0.1.0"
"""Bump when extraction code changes its output; the processed-document cache keys on it."""


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    """Code version + a hash of the shipped model and lexicons (``KG_PIPELINE_VERSION`` overrides)."""
    from kg.settings import get_settings

    if get_settings().pipeline_version:
        return get_settings().pipeline_version
    h = hashlib.sha256(CODE_VERSION.encode())
    root = Path(__file__).resolve().parents[1] / "ner"
    for path in sorted([*root.glob("lexicons/*.txt"), *root.glob("model/*")]):
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return f"{CODE_VERSION}+{h.hexdigest()[:10]}"


class ExtractionCache:
    """Processed documents by content hash and pipeline version: a re-run skips them, and a new
    pipeline version re-processes them. Writes are atomic (temp file + rename)."""

    def __init__(self, folder: Path, version: str | None = None) -> None:
        self.folder = folder
        self.version = version or pipeline_version()
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, raw: RawDocument, doc_date: dt.date | None) -> Path:
        key = hashlib.sha256(f"{raw.sha256}|{raw.path}|{self.version}|{doc_date}".encode()).hexdigest()[:32]
        return self.folder / f"{key}.json"

    def get(self, raw: RawDocument, doc_date: dt.date | None) -> ExtractedDocument | None:
        path = self._path(raw, doc_date)
        try:
            return ExtractedDocument.model_validate_json(path.read_bytes())
        except (OSError, ValueError):
            return None

    def put(self, raw: RawDocument, doc_date: dt.date | None, item: ExtractedDocument) -> None:
        path = self._path(raw, doc_date)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(item.model_dump_json(), encoding="utf-8")
        os.replace(tmp, path)


class ExtractedDocument(BaseModel):
    """What extraction keeps of one document: its record, its graph and the mention surfaces."""

    model_config = ConfigDict(extra="forbid")
    document: DocumentRecord
    graph: DocGraph
    surfaces: dict[str, str]
    """``"start:end"`` (raw offsets) → the original surface with whitespace removed."""
    pinyin: dict[str, list[str]] = Field(default_factory=dict)
    """Each candidate's name with Han characters → its toneless pinyin (:func:`kg.pinyin.name_pinyin`), worked
    out here, in parallel, so that the single process loading the entities does not have to."""


def extract_document(raw: RawDocument, *, doc_date: dt.date | None = None,
                     cache: ExtractionCache | None = None) -> ExtractedDocument:
    """Normalise, annotate and relate one document (from ``cache`` when it was processed before)."""
    if cache is not None:
        hit = cache.get(raw, doc_date)
        if hit is not None:
            return hit
        item = extract_document(raw, doc_date=doc_date)
        cache.put(raw, doc_date, item)
        return item
    from kg.dates import find_document_date
    from ner.pipeline import annotate

    norm = normalize(raw.text)
    date = doc_date or find_document_date(norm.simplified)
    doc_id = document_id(raw.text)
    spans = annotate(norm.simplified, doc_date=date)
    mentions = [Span(start=s.start, end=s.end, type=s.type, text=norm.simplified[s.start:s.end],
                     value=s.value) for s in spans]
    adoc = AnnotatedDoc(doc_id=doc_id, text=norm.simplified, mentions=mentions,
                        doc_date=date.isoformat() if date else None, raw_span=norm.raw_span)
    graph = extract_relations(adoc)
    surfaces = {}
    for s in spans:
        rs, re_ = norm.raw_span(s.start, s.end)
        surfaces[f"{rs}:{re_}"] = _WS.sub("", raw.text[rs:re_])
    record = DocumentRecord(id=doc_id, path=raw.path, date=date.isoformat() if date else None,
                            sha256=raw.sha256, chars=len(raw.text), title=raw.title)
    pinyin = {c.name: forms for c in graph.candidates if (forms := name_pinyin(c.name))}
    return ExtractedDocument(document=record, graph=graph, surfaces=surfaces, pinyin=pinyin)


def resolve(extracted: Iterable[ExtractedDocument]) -> Generator[Record, None, None]:
    """Cross-document resolution; yields document records first, then the resolved graph.

    Only a small summary of each document stays in memory (:mod:`kg.resolve_store`); the rest waits on disk.
    """
    from kg.resolve import Resolver

    resolver = Resolver()
    try:
        for item in extracted:
            yield item.document
            resolver.add(item.graph, item.surfaces)
            remember_pinyin(item.pinyin)
        yield from resolver.records()
    finally:
        resolver.close()


def settled(items: Iterable[T]) -> Iterator[T]:
    """``items``, with everything alive once one is consumed put out of the cyclic collector's sight (``gc.freeze``)
    while the next is made, and handed back at the end.

    Between documents the process holds long-lived state and little garbage: the loaded models and what the resolver
    keeps of each document so far. Each full collection would otherwise rescan all of it, more of it with every
    document (measured in one process at ten million characters: 101 full collections, 14 of 243 s). Objects frozen
    are still freed when their last reference goes; only reference cycles that became garbage wait for the end
    (a few dozen objects in a million characters).
    """
    try:
        for item in items:
            yield item
            gc.freeze()
    finally:
        gc.unfreeze()


def extract_paths(
    paths: Iterable[Path],
    *,
    doc_date: dt.date | None = None,
    on_error: Callable[[DocumentError], None] | None = None,
    on_document: Callable[[RawDocument], None] | None = None,
    cache: ExtractionCache | None = None,
    free_models: bool = False,
) -> Iterator[Record]:
    """``kg extract``: every readable document, resolved across the whole batch.

    Unreadable files are reported through ``on_error`` and skipped; the batch goes on. ``free_models``: give the NER
    models' memory back once the last document is extracted, before resolution writes its records (for a process
    that extracts nothing more, as ``kg build`` and ``kg extract``).
    """

    def documents() -> Iterator[ExtractedDocument]:
        for item in iter_documents(paths):
            if isinstance(item, DocumentError):
                if on_error:
                    on_error(item)
                continue
            if on_document:
                on_document(item)
            yield extract_document(item, doc_date=doc_date, cache=cache)

    def extracted() -> Iterator[ExtractedDocument]:
        yield from settled(documents())  # handed back to the collector before the models are released
        if free_models:
            from kg.store.native_memory import release_free_memory
            from ner.pipeline import release_models

            release_models()
            release_free_memory()  # the models' pages, before resolution and the load take their own

    yield from resolve(extracted())
