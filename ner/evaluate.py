"""Entity-level exact-match evaluation of any span predictor on a gold corpus.

A prediction counts as correct only when start, end and type all equal a gold span. Spans of types outside
``types`` are ignored on both sides. ``types=None`` means "every type that occurs in the gold data".

Command line::

    python -m ner.evaluate /work/shared/data/msra_ner/msra_test_bio --types PERSON PLACE ORG
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ner.corpora import ALL_FORMATS, Span, read_corpus

Predictor = Callable[[list[str]], list[list[tuple[int, int, str]]]]
BATCH = 256


class TypeScore(BaseModel):
    model_config = ConfigDict(extra="forbid")

    precision: float
    recall: float
    f1: float
    support: int
    predicted: int
    correct: int

    @classmethod
    def from_counts(cls, correct: int, predicted: int, support: int) -> TypeScore:
        precision = correct / predicted if predicted else 0.0
        recall = correct / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(
            precision=precision, recall=recall, f1=f1, support=support, predicted=predicted, correct=correct
        )


class EvalReport(BaseModel):
    """Scores of one predictor on one corpus; ``seconds`` is the wall time spent inside the predictor only."""

    model_config = ConfigDict(extra="forbid")

    corpus: str
    types: list[str]
    per_type: dict[str, TypeScore]
    micro: TypeScore
    sentences: int
    chars: int
    seconds: float

    @property
    def chars_per_second(self) -> float:
        return self.chars / self.seconds if self.seconds > 0 else 0.0

    def to_table(self) -> str:
        """A markdown table: one row per type plus the micro average."""
        lines = [
            "| type | precision | recall | F1 | support | predicted | correct |",
            "|---|---|---|---|---|---|---|",
        ]
        rows = [*self.per_type.items(), ("micro", self.micro)]
        for name, score in rows:
            lines.append(
                f"| {name} | {score.precision:.4f} | {score.recall:.4f} | {score.f1:.4f} | {score.support} "
                f"| {score.predicted} | {score.correct} |"
            )
        lines.append("")
        lines.append(
            f"{self.sentences} sentences, {self.chars} chars, {self.seconds:.2f} s "
            f"({self.chars_per_second:,.0f} chars/s in the predictor)"
        )
        return "\n".join(lines)


class Counts:
    """Running correct/predicted/gold counters per type."""

    def __init__(self, types: Iterable[str]) -> None:
        self.correct: dict[str, int] = {t: 0 for t in types}
        self.predicted: dict[str, int] = dict.fromkeys(self.correct, 0)
        self.gold: dict[str, int] = dict.fromkeys(self.correct, 0)

    def add(self, gold: Iterable[Span], predicted: Iterable[Span], types: set[str] | None) -> None:
        gold_set = {s for s in gold if types is None or s[2] in types}
        pred_set = {s for s in predicted if types is None or s[2] in types}
        for span in gold_set:
            self._ensure(span[2])
            self.gold[span[2]] += 1
        for span in pred_set:
            self._ensure(span[2])
            self.predicted[span[2]] += 1
            if span in gold_set:
                self.correct[span[2]] += 1

    def _ensure(self, label: str) -> None:
        if label not in self.correct:
            self.correct[label] = self.predicted[label] = self.gold[label] = 0

    def scores(self, types: Sequence[str]) -> tuple[dict[str, TypeScore], TypeScore]:
        per_type = {
            t: TypeScore.from_counts(self.correct.get(t, 0), self.predicted.get(t, 0), self.gold.get(t, 0))
            for t in types
        }
        micro = TypeScore.from_counts(
            sum(s.correct for s in per_type.values()),
            sum(s.predicted for s in per_type.values()),
            sum(s.support for s in per_type.values()),
        )
        return per_type, micro


def score_spans(
    gold: Sequence[Sequence[Span]], predicted: Sequence[Sequence[Span]], types: Sequence[str] | None = None
) -> tuple[dict[str, TypeScore], TypeScore]:
    """Score aligned lists of gold and predicted spans (one list per sentence)."""
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold sentences but {len(predicted)} predictions; align them first")
    wanted = set(types) if types is not None else None
    counts = Counts(types or [])
    for gold_spans, pred_spans in zip(gold, predicted, strict=True):
        counts.add(gold_spans, pred_spans, wanted)
    chosen = list(types) if types is not None else sorted(t for t, n in counts.gold.items() if n)
    return counts.scores(chosen)


def evaluate_corpus(
    path: Path,
    predictor: Predictor,
    *,
    fmt: str | None = None,
    types: list[str] | None = None,
    limit: int | None = None,
) -> EvalReport:
    """Run ``predictor`` over the sentences of a gold corpus in batches and score it against the gold spans."""
    wanted = set(types) if types is not None else None
    counts = Counts(types or [])
    sentences = chars = 0
    seconds = 0.0
    batch: list[tuple[str, list[Span]]] = []

    def flush() -> None:
        nonlocal seconds
        texts = [text for text, _ in batch]
        started = time.perf_counter()
        predictions = predictor(texts)
        seconds += time.perf_counter() - started
        if len(predictions) != len(texts):
            raise ValueError(
                f"predictor returned {len(predictions)} results for {len(texts)} texts; return one each"
            )
        for (text, gold), pred in zip(batch, predictions, strict=True):
            for start, end, _ in pred:
                if not 0 <= start < end <= len(text):
                    raise ValueError(
                        f"predicted span ({start}, {end}) is outside a text of {len(text)} chars"
                    )
            counts.add(gold, pred, wanted)
        batch.clear()

    for text, gold in read_corpus(path, fmt, limit):
        batch.append((text, gold))
        sentences += 1
        chars += len(text)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    chosen = list(types) if types is not None else sorted(t for t, n in counts.gold.items() if n)
    per_type, micro = counts.scores(chosen)
    return EvalReport(
        corpus=str(path),
        types=chosen,
        per_type=per_type,
        micro=micro,
        sentences=sentences,
        chars=chars,
        seconds=round(seconds, 3),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Evaluate the CRF tagger on a gold NER corpus.")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--format", choices=ALL_FORMATS, default=None, help="default: autodetect")
    parser.add_argument("--types", nargs="+", default=["PERSON", "PLACE", "ORG"])
    parser.add_argument("--model", type=Path, default=None, help="default: the shipped ner/model/ model")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    args = parser.parse_args(argv)
    from ner.crf import CrfTagger

    tagger = CrfTagger.load(args.model)
    report = evaluate_corpus(
        args.corpus, tagger.tag_many, fmt=args.format, types=args.types, limit=args.limit
    )
    print(report.model_dump_json(indent=2) if args.json else report.to_table())


if __name__ == "__main__":
    main()
