"""The default NER pipeline and the function that runs it over a whole document."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.language import Language

import ner.components  # noqa: F401  (registers the factories)

CHUNK_CHARS = 2000
_SENTENCE_END = "。！？；\n"


@dataclass(frozen=True, slots=True)
class EntitySpan:
    """A typed mention in normalised-text offsets."""

    start: int
    end: int
    type: str
    value: str | None
    precision: str | None
    component: str


def build_pipeline(*, split_places: bool = True, crf_model: str | None = None, use_crf: bool = True,
                   exclude: tuple[str, ...] = ()) -> Language:
    """A blank Chinese spaCy pipeline with one token per character and the gazetteer components."""
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "gazetteer.char_tokenizer.v1"}}})
    if use_crf:
        nlp.add_pipe("gazetteer_crf", config={"model_path": crf_model})
    nlp.add_pipe("gazetteer_rules", config={"split_places": split_places})
    nlp.add_pipe("gazetteer_merge", config={"exclude": list(exclude)})
    return nlp


@lru_cache(maxsize=4)
def default_pipeline(split_places: bool = True) -> Language:
    return build_pipeline(split_places=split_places)


def release_models() -> None:
    """Free the loaded pipelines (their CRF models and tables) and the segmenter's dictionary, so a process that has
    annotated its last document gives their memory back. Annotating again loads them again."""
    from ner.features import release_segmenter

    default_pipeline.cache_clear()
    release_segmenter()
    gc.collect()


def chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, int]]:
    """Cut ``text`` into pieces of about ``size`` characters, at a sentence end when there is one."""
    n, start = len(text), 0
    while start < n:
        end = min(n, start + size)
        if end < n:
            cut = max(text.rfind(ch, start + size // 2, end) for ch in _SENTENCE_END)
            if cut >= 0:
                end = cut + 1
        yield start, end
        start = end


def annotate(text: str, *, doc_date: dt.date | None = None, nlp: Language | None = None) -> list[EntitySpan]:
    """All mentions in ``text`` (normalised, simplified), chunk by chunk, in order.

    Relative dates are resolved against ``doc_date`` and against the last explicit year seen
    earlier in the same text (同年, 次年).
    """
    nlp = nlp or default_pipeline()
    out: list[EntitySpan] = []
    context_year: int | None = None
    for start, end in chunks(text):
        doc = nlp.make_doc(text[start:end])
        doc._.doc_date = doc_date
        doc._.context_year = context_year
        doc = nlp(doc)
        context_year = doc._.context_year
        for ent in doc.ents:
            out.append(EntitySpan(start + ent.start, start + ent.end, ent.label_, ent._.value, ent._.precision,
                                  ent._.component or "ner"))
    return out


def annotate_many(texts: list[str], *, nlp: Language | None = None) -> list[list[tuple[int, int, str]]]:
    """Predictor for evaluation: ``(start, end, type)`` per text."""
    return [[(m.start, m.end, m.type) for m in annotate(t, nlp=nlp)] for t in texts]
