"""Train the character CRF, deterministically, and print held-out and test scores.

The shipped model was built with (clusters from ``python -m ner.clusters``; see ``ner/model/README.md``)::

    python -m ner.train --msra /work/shared/data/msra_ner --words --word-tags \
        --clusters ner/model/crf.clusters.tsv --iterations 300 --out ner/model/crf.crfsuite.gz

Tuning uses ``--holdout N`` (the last N training sentences are kept out of training and scored), never the
test set. Extra training corpora (any format of :mod:`ner.corpora`) can be added with ``--extra PATH``.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pycrfsuite

from ner.clusters import read_clusters
from ner.corpora import Sentence, read_corpus
from ner.crf import (
    TAGGED_TYPES,
    CrfTagger,
    ModelMeta,
    clusters_path_for,
    spans_to_tags,
    write_lexicon,
    write_model_meta,
)
from ner.evaluate import EvalReport, evaluate_corpus
from ner.features import EntityLexicon, FeatureExtractor


class ProgressTrainer(pycrfsuite.Trainer):  # type: ignore[misc]
    """Prints one short line every ``every`` L-BFGS iterations instead of CRFsuite's full log."""

    every = 10

    def on_start(self, log: str) -> None:
        print("  crfsuite: generating features", flush=True)

    def on_featgen_progress(self, log: str, percent: float) -> None:
        return None

    def on_featgen_end(self, log: str) -> None:
        lines = [line.strip() for line in log.splitlines() if line.strip()]
        print("  crfsuite: " + "; ".join(lines), flush=True)

    def on_prepared(self, log: str) -> None:
        print("  crfsuite: L-BFGS " + ", ".join(line.strip() for line in log.splitlines()[2:5]), flush=True)

    def on_iteration(self, log: str, info: dict[str, Any]) -> None:
        num = int(info.get("num", 0))
        if num == 1 or num % self.every == 0:
            print(
                f"  iteration {num:4d}  loss {float(info.get('loss', 0.0)):14.2f}  "
                f"active features {int(info.get('active_features', 0)):9d}  "
                f"{float(info.get('time', 0.0)):.2f}s/it",
                flush=True,
            )

    def on_optimization_end(self, log: str) -> None:
        print(
            "  crfsuite: " + " ".join(line.strip() for line in log.splitlines() if line.strip()), flush=True
        )

    def on_end(self, log: str) -> None:
        return None


def load_training(paths: list[Path], limit: int | None) -> list[Sentence]:
    sentences: list[Sentence] = []
    for path in paths:
        for text, spans in read_corpus(path, limit=limit):
            kept = [s for s in spans if s[2] in TAGGED_TYPES]
            sentences.append((text, kept))
    return sentences


def train_model(
    sentences: list[Sentence], out: Path, meta: ModelMeta, *, verbose: bool = True, clusters: Path | None = None
) -> tuple[Path, float]:
    """Train on ``sentences`` and write the model (gzipped when ``out`` ends in ``.gz``) plus its meta file and,
    with ``clusters``, a copy of that cluster file beside it."""
    if meta.clusters and clusters is None:
        raise ValueError("meta.clusters is set: pass the cluster file built by `python -m ner.clusters`")
    extractor = FeatureExtractor(meta.radius, meta.trigrams, meta.lexicons, words=meta.words,
                                 word_context=meta.word_context, word_tags=meta.word_tags,
                                 clusters=read_clusters(clusters) if clusters is not None else None)
    trainer = ProgressTrainer(verbose=verbose)
    started = time.perf_counter()
    full_lexicon: EntityLexicon | None = None
    fold_lexicons: list[EntityLexicon] = []
    if meta.entity_lexicon:
        full_lexicon, fold_lexicons = EntityLexicon.from_sentences(sentences, meta.lexicon_folds)
        if verbose:
            print(
                f"  entity lexicon: {len(full_lexicon.entries):,} strings, {meta.lexicon_folds} folds",
                flush=True,
            )
    for index, (text, spans) in enumerate(sentences, 1):
        fold_lexicon = fold_lexicons[(index - 1) % len(fold_lexicons)] if fold_lexicons else full_lexicon
        features = extractor.extract(text, fold_lexicon)
        trainer.append(features, spans_to_tags(len(text), spans, meta.scheme))
        if verbose and index % 10000 == 0:
            print(f"  features for {index:,} sentences", flush=True)
    trainer.set_params(
        {
            "c1": meta.c1,
            "c2": meta.c2,
            "max_iterations": meta.max_iterations,
            "feature.possible_transitions": True,
        }
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.name.endswith(".gz"):
        with tempfile.TemporaryDirectory() as tmp:
            raw_path = Path(tmp) / "model.crfsuite"
            trainer.train(str(raw_path))
            out.write_bytes(gzip.compress(raw_path.read_bytes(), compresslevel=9, mtime=0))
    else:
        trainer.train(str(out))
    write_model_meta(out, meta)
    if clusters is not None and clusters.resolve() != clusters_path_for(out).resolve():
        shutil.copyfile(clusters, clusters_path_for(out))
    if full_lexicon is not None:
        write_lexicon(out, full_lexicon)
    return out, time.perf_counter() - started


def report(title: str, result: EvalReport) -> None:
    print(f"\n## {title}\n\n{result.to_table()}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the character CRF NER model.")
    parser.add_argument(
        "--msra", type=Path, required=True, help="folder with msra_train_bio and msra_test_bio"
    )
    parser.add_argument(
        "--extra", type=Path, action="append", default=[], help="extra training corpus (repeat)"
    )
    parser.add_argument("--out", type=Path, default=Path("ner/model/crf.crfsuite.gz"))
    parser.add_argument(
        "--limit", type=int, default=None, help="use only the first N MSRA training sentences"
    )
    parser.add_argument(
        "--holdout", type=int, default=2000, help="keep the last N training sentences for scoring"
    )
    parser.add_argument("--c1", type=float, default=0.05)
    parser.add_argument("--c2", type=float, default=0.01)
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--radius", type=int, default=2)
    parser.add_argument("--no-trigrams", action="store_true")
    parser.add_argument("--no-lexicons", action="store_true")
    parser.add_argument("--words", action="store_true", help="add word-boundary features from jieba")
    parser.add_argument("--word-context", action="store_true", help="with --words: also the neighbouring words")
    parser.add_argument("--word-tags", action="store_true", help="with --words: jieba's dictionary word tags")
    parser.add_argument(
        "--entity-lexicon", action="store_true", help="jackknifed lexicon of training entities"
    )
    parser.add_argument(
        "--clusters", type=Path, default=None, help="character cluster file from `python -m ner.clusters`"
    )
    parser.add_argument("--no-test", action="store_true", help="score only the held-out sentences")
    parser.add_argument("--scheme", choices=["BIO", "BIOES"], default="BIOES")
    parser.add_argument("--test", type=Path, action="append", default=[], help="extra test corpora to score")
    args = parser.parse_args(argv)

    if (args.word_tags or args.word_context) and not args.words:
        sys.exit("--word-tags and --word-context need --words")
    train_path = args.msra / "msra_train_bio"
    test_path = args.msra / "msra_test_bio"
    for path in (train_path, test_path, *args.extra, *([args.clusters] if args.clusters else [])):
        if not path.is_file():
            sys.exit(f"{path} not found; point --msra at the msra_ner folder and --extra at existing files")
    sentences = load_training([train_path], args.limit)
    held_out: list[Sentence] = []
    if args.holdout:
        sentences, held_out = sentences[: -args.holdout], sentences[-args.holdout :]
    sentences += load_training(args.extra, None)
    meta = ModelMeta(
        radius=args.radius,
        trigrams=not args.no_trigrams,
        lexicons=not args.no_lexicons,
        entity_lexicon=args.entity_lexicon,
        words=args.words,
        word_context=args.word_context,
        word_tags=args.word_tags,
        clusters=args.clusters is not None,
        scheme=args.scheme,
        c1=args.c1,
        c2=args.c2,
        max_iterations=args.iterations,
        trained_on=[str(train_path), *map(str, args.extra)],
        sentences=len(sentences),
    )
    print(
        f"training on {len(sentences):,} sentences ({sum(len(t) for t, _ in sentences):,} chars); {meta}",
        flush=True,
    )
    out, seconds = train_model(sentences, args.out, meta, clusters=args.clusters)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB) in {seconds:.0f} s", flush=True)

    tagger = CrfTagger.load(out)
    if held_out:
        with tempfile.TemporaryDirectory() as tmp:
            dev_file = Path(tmp) / "holdout.bio"
            write_bio(dev_file, held_out)
            report(
                f"held-out ({len(held_out)} training sentences)", evaluate_corpus(dev_file, tagger.tag_many)
            )
    if args.no_test:
        return
    types = list(TAGGED_TYPES)
    report(f"test: {test_path}", evaluate_corpus(test_path, tagger.tag_many, types=types))
    for extra_test in args.test:
        report(f"test: {extra_test}", evaluate_corpus(extra_test, tagger.tag_many, types=types))


def write_bio(path: Path, sentences: list[Sentence]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for text, spans in sentences:
            for char, tag in zip(text, spans_to_tags(len(text), spans, "BIO"), strict=True):
                handle.write(f"{char}\t{tag}\n")
            handle.write("\n")


if __name__ == "__main__":
    main()
