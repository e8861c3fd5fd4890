"""Character-level CRF tagger (python-crfsuite) for PERSON / PLACE / ORG.

The shipped model lives in ``ner/model/crf.crfsuite.gz`` with its feature settings in
``ner/model/crf.meta.json``; it is decompressed into memory on load (``Tagger.open_inmemory``), so no cache
directory is needed. Long texts are tagged per sentence chunk (see :func:`sentence_chunks`).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pycrfsuite
from pydantic import BaseModel, ConfigDict

from ner.clusters import read_clusters
from ner.features import EntityLexicon, FeatureExtractor

Span = tuple[int, int, str]

MODEL_DIR = Path(__file__).resolve().parent / "model"
DEFAULT_MODEL = MODEL_DIR / "crf.crfsuite.gz"
TAGGED_TYPES: tuple[str, ...] = ("PERSON", "PLACE", "ORG")
MAX_CHUNK = 200

_SENTENCE_END = re.compile(r"[。！？；!?;\n]+")
_SOFT_BREAK = "，、：,:）)」』”’》 \t"


class ModelMeta(BaseModel):
    """Feature settings stored beside a model; the tagger must extract the same features it was trained on."""

    model_config = ConfigDict(extra="forbid")

    radius: int = 2
    trigrams: bool = True
    lexicons: bool = True
    scheme: str = "BIOES"
    c1: float = 0.0
    c2: float = 0.0
    max_iterations: int = 0
    entity_lexicon: bool = False
    words: bool = False
    """Word-boundary features from jieba's segmentation (its dictionary ships in the package)."""
    word_context: bool = False
    """Also the words before and after each character's word."""
    word_tags: bool = False
    """Also jieba's dictionary part-of-speech tag of each character's word and of its neighbours."""
    clusters: bool = False
    """Unsupervised character clusters (:mod:`ner.clusters`) read from ``<stem>.clusters.tsv`` beside the model."""
    lexicon_folds: int = 5
    trained_on: list[str] = []
    sentences: int = 0


def _stem(model_path: Path) -> str:
    name = model_path.name
    for suffix in (".crfsuite.gz", ".crfsuite", ".gz"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def meta_path_for(model_path: Path) -> Path:
    """``crf.crfsuite.gz`` / ``crf.crfsuite`` → ``crf.meta.json`` in the same folder."""
    return model_path.with_name(_stem(model_path) + ".meta.json")


def lexicon_path_for(model_path: Path) -> Path:
    """``crf.crfsuite.gz`` → ``crf.lexicon.tsv.gz``: the entity strings seen in training."""
    return model_path.with_name(_stem(model_path) + ".lexicon.tsv.gz")


def clusters_path_for(model_path: Path) -> Path:
    """``crf.crfsuite.gz`` → ``crf.clusters.tsv``: the character clusters the model's features use."""
    return model_path.with_name(_stem(model_path) + ".clusters.tsv")


def spans_to_tags(length: int, spans: Iterable[Span], scheme: str = "BIOES") -> list[str]:
    """Encode spans as per-char tags (``BIO`` or ``BIOES``); overlapping spans keep the first one."""
    tags = ["O"] * length
    for start, end, label in sorted(spans):
        if start < 0 or end > length or end <= start or any(t != "O" for t in tags[start:end]):
            continue
        if scheme == "BIOES" and end - start == 1:
            tags[start] = f"S-{label}"
            continue
        tags[start] = f"B-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{label}"
        if scheme == "BIOES":
            tags[end - 1] = f"E-{label}"
    return tags


def tags_to_spans(tags: Sequence[str]) -> list[Span]:
    """Decode BIO/BIOES tags; an ``I``/``E`` that does not continue an open entity of its type starts one."""
    spans: list[Span] = []
    start = -1
    label = ""
    for i, tag in enumerate(tags):
        prefix, _, kind = tag.partition("-")
        if prefix == "O" or prefix in ("B", "S") or kind != label or start < 0:
            if start >= 0:
                spans.append((start, i, label))
            start, label = (i, kind) if prefix != "O" else (-1, "")
        if prefix in ("E", "S") and start >= 0:
            spans.append((start, i + 1, label))
            start, label = -1, ""
    if start >= 0:
        spans.append((start, len(tags), label))
    return spans


def sentence_chunks(text: str, max_chars: int = MAX_CHUNK) -> list[tuple[int, int]]:
    """Split ``text`` into ``(start, end)`` chunks at 。！？；/newline, then cut chunks longer than ``max_chars``
    after the last soft break (，、： …) in the window, or hard at ``max_chars``. Whitespace-only chunks are
    dropped; the chunks cover every other character exactly once."""
    chunks: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        _cut_long(text, start, match.end(), max_chars, chunks)
        start = match.end()
    _cut_long(text, start, len(text), max_chars, chunks)
    return chunks


def _cut_long(text: str, start: int, end: int, max_chars: int, out: list[tuple[int, int]]) -> None:
    while end - start > max_chars:
        window_end = start + max_chars
        cut = window_end
        for i in range(window_end - 1, start + max_chars // 2, -1):
            if text[i] in _SOFT_BREAK:
                cut = i + 1
                break
        if text[start:cut].strip():
            out.append((start, cut))
        start = cut
    if end > start and text[start:end].strip():
        out.append((start, end))


class CrfTagger:
    """A loaded CRF model: ``tag(text)`` returns ``(start, end, label)`` spans with offsets into ``text``."""

    def __init__(
        self,
        model_bytes: bytes,
        meta: ModelMeta,
        lexicon: EntityLexicon | None = None,
        clusters: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        if meta.entity_lexicon and lexicon is None:
            raise ValueError("this model was trained with entity-lexicon features; pass its lexicon file too")
        if meta.clusters and clusters is None:
            raise ValueError("this model was trained with character-cluster features; pass its clusters too")
        self.meta = meta
        self.extractor = FeatureExtractor(meta.radius, meta.trigrams, meta.lexicons, lexicon, words=meta.words,
                                          word_context=meta.word_context, word_tags=meta.word_tags,
                                          clusters=clusters)
        # CRFsuite reads the model in place and pycrfsuite keeps no reference to the buffer: hold it here,
        # or the tagger reads freed memory (segfaults) once the bytes object is collected.
        self._model_bytes = model_bytes
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(self._model_bytes)

    @classmethod
    def load(cls, path: Path | None = None) -> CrfTagger:
        """Load a model (``.crfsuite`` or gzipped ``.crfsuite.gz``); default: the shipped model."""
        model_path = path or DEFAULT_MODEL
        if not model_path.is_file():
            raise FileNotFoundError(
                f"CRF model {model_path} not found; train one with `python -m ner.train --out {model_path}`"
            )
        raw = model_path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        meta_file = meta_path_for(model_path)
        meta = (
            ModelMeta.model_validate_json(meta_file.read_text("utf-8"))
            if meta_file.is_file()
            else ModelMeta()
        )
        lexicon = None
        if meta.entity_lexicon:
            lexicon_file = _companion(lexicon_path_for(model_path), "entity lexicon", "python -m ner.train")
            lexicon = EntityLexicon.from_text(gzip.decompress(lexicon_file.read_bytes()).decode("utf-8"))
        clusters = None
        if meta.clusters:
            clusters = read_clusters(_companion(clusters_path_for(model_path), "character clusters",
                                                "python -m ner.clusters"))
        return cls(raw, meta, lexicon, clusters)

    def labels(self) -> list[str]:
        return list(self._tagger.labels())

    def tag_sentence(self, sentence: str) -> list[Span]:
        """Tag one short sentence as a single sequence (no chunking)."""
        if not sentence:
            return []
        tags = self._tagger.tag(self.extractor.extract(sentence))
        return tags_to_spans(tags)

    def tag(self, text: str) -> list[Span]:
        """Tag a text of any length, chunked by :func:`sentence_chunks`; spans are sorted by offset."""
        spans: list[Span] = []
        for start, end in sentence_chunks(text):
            for s, e, label in self.tag_sentence(text[start:end]):
                spans.append((start + s, start + e, label))
        return spans

    def tag_many(self, texts: Sequence[str]) -> list[list[Span]]:
        return [self.tag(text) for text in texts]


def write_lexicon(model_path: Path, lexicon: EntityLexicon) -> Path:
    target = lexicon_path_for(model_path)
    target.write_bytes(gzip.compress(lexicon.to_text().encode("utf-8"), compresslevel=9, mtime=0))
    return target


def write_model_meta(model_path: Path, meta: ModelMeta) -> Path:
    target = meta_path_for(model_path)
    target.write_text(json.dumps(meta.model_dump(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target


def _companion(path: Path, what: str, rebuild: str) -> Path:
    """A file the model's meta says it needs beside it; a one-line error naming the command that rebuilds it."""
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path} is missing; rebuild it with `{rebuild}`")
    return path
