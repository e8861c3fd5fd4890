"""Unsupervised character clusters for the CRF, learned from raw training text (no labels are read).

Each character seen at least ``--min-count`` times is described by how often every frequent character
appears one and two places to its left and right; the counts are turned into positive PMI, reduced with a
randomised truncated SVD and grouped with spherical k-means (numpy only, fixed seed, so the file is
reproducible). The fine clusters are grouped again into coarse ones. The shipped file was built with::

    python -m ner.clusters --msra /work/shared/data/msra_ner --holdout 2000 --out ner/model/crf.clusters.tsv

(the last 2,000 training sentences, used for choosing settings, are left out). Rare name characters end up
beside frequent ones that occur in the same contexts, which the CRF cannot learn from the labels alone.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ner.corpora import read_corpus

Matrix = npt.NDArray[np.float64]
BOUNDARY = "\x02"


def context_counts(texts: list[str], vocab: list[str], contexts: list[str]) -> Matrix:
    """Rows: ``vocab``; columns: ``contexts`` at offsets -2, -1, +1, +2 (four blocks)."""
    row = {c: i for i, c in enumerate(vocab)}
    col = {c: i for i, c in enumerate(contexts)}
    width = len(contexts)
    pairs: Counter[tuple[int, int]] = Counter()
    for text in texts:
        padded = BOUNDARY * 2 + text + BOUNDARY * 2
        for i, char in enumerate(text, 2):
            r = row.get(char)
            if r is None:
                continue
            for block, offset in enumerate((-2, -1, 1, 2)):
                c = col.get(padded[i + offset])
                if c is not None:
                    pairs[(r, block * width + c)] += 1
    matrix = np.zeros((len(vocab), 4 * width))
    for (r, c), n in pairs.items():
        matrix[r, c] = n
    return matrix


def ppmi(counts: Matrix) -> Matrix:
    total = counts.sum()
    rows = counts.sum(axis=1, keepdims=True)
    cols = counts.sum(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts * total / (rows @ cols))
    return np.where(np.isfinite(pmi) & (pmi > 0), pmi, 0.0)


def truncated_svd(matrix: Matrix, dims: int, rng: np.random.Generator) -> Matrix:
    """Rows of ``U·sqrt(S)`` for the top ``dims`` singular values (randomised range finder)."""
    probe = matrix @ rng.standard_normal((matrix.shape[1], dims + 20))
    for _ in range(3):
        probe, _r = np.linalg.qr(probe)
        probe = matrix @ (matrix.T @ probe)
    basis, _r = np.linalg.qr(probe)
    u_small, sigma, _vt = np.linalg.svd(basis.T @ matrix, full_matrices=False)
    vectors: Matrix = (basis @ u_small[:, :dims]) * np.sqrt(sigma[:dims])
    return vectors


def spherical_kmeans(points: Matrix, k: int, rng: np.random.Generator, rounds: int = 40) -> npt.NDArray[np.int64]:
    unit = points / np.maximum(np.linalg.norm(points, axis=1, keepdims=True), 1e-12)
    # k-means++ seeding on cosine distance
    centres = [unit[int(rng.integers(len(unit)))]]
    distance = 1.0 - unit @ centres[0]
    for _ in range(1, k):
        weights = np.maximum(distance, 0.0) ** 2
        centres.append(unit[int(rng.choice(len(unit), p=weights / weights.sum()))])
        distance = np.minimum(distance, 1.0 - unit @ centres[-1])
    centre_matrix = np.array(centres)
    assign = np.zeros(len(unit), dtype=np.int64)
    for _ in range(rounds):
        assign = np.argmax(unit @ centre_matrix.T, axis=1)
        for j in range(k):
            members = unit[assign == j]
            if len(members):
                mean = members.sum(axis=0)
                centre_matrix[j] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return assign


def build_clusters(
    texts: list[str], *, min_count: int = 2, contexts: int = 1500, dims: int = 80, fine: int = 256,
    coarse: int = 32, seed: int = 0,
) -> dict[str, tuple[int, int]]:
    """char → (fine cluster, coarse cluster) for every char seen at least ``min_count`` times."""
    freq = Counter(char for text in texts for char in text)
    vocab = [c for c, n in sorted(freq.items(), key=lambda item: (-item[1], item[0])) if n >= min_count]
    context_chars = [BOUNDARY, *vocab[:contexts]]
    rng = np.random.default_rng(seed)
    vectors = truncated_svd(ppmi(context_counts(texts, vocab, context_chars)), dims, rng)
    fine_ids = spherical_kmeans(vectors, min(fine, len(vocab)), rng)
    centroids = np.array([vectors[fine_ids == j].mean(axis=0) if np.any(fine_ids == j) else
                          np.zeros(vectors.shape[1]) for j in range(int(fine_ids.max()) + 1)])
    coarse_ids = spherical_kmeans(centroids, min(coarse, len(centroids)), rng)
    return {char: (int(fine_ids[i]), int(coarse_ids[fine_ids[i]])) for i, char in enumerate(vocab)}


def write_clusters(path: Path, clusters: dict[str, tuple[int, int]]) -> None:
    lines = [f"{ord(char):x}\t{f}\t{c}" for char, (f, c) in sorted(clusters.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_clusters(path: Path) -> dict[str, tuple[str, str]]:
    """``char → (fine id, coarse id)`` as strings, from a file of :func:`write_clusters`."""
    clusters: dict[str, tuple[str, str]] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{path} line {lineno} is not 'codepoint TAB fine TAB coarse'; rebuild it "
                             "with `python -m ner.clusters`")
        clusters[chr(int(parts[0], 16))] = (parts[1], parts[2])
    return clusters


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build character clusters from the MSRA training text.")
    parser.add_argument("--msra", type=Path, required=True, help="folder with msra_train_bio")
    parser.add_argument("--holdout", type=int, default=2000, help="leave out the last N training sentences")
    parser.add_argument("--out", type=Path, default=Path("ner/model/crf.clusters.tsv"))
    parser.add_argument("--min-count", type=int, default=2)
    parser.add_argument("--fine", type=int, default=256)
    parser.add_argument("--coarse", type=int, default=32)
    args = parser.parse_args(argv)
    train_path = args.msra / "msra_train_bio"
    if not train_path.is_file():
        sys.exit(f"{train_path} not found; point --msra at the msra_ner folder")
    texts = [text for text, _spans in read_corpus(train_path)]
    if args.holdout:
        texts = texts[: -args.holdout]
    clusters = build_clusters(texts, min_count=args.min_count, fine=args.fine, coarse=args.coarse)
    write_clusters(args.out, clusters)
    print(f"wrote {args.out}: {len(clusters):,} chars from {len(texts):,} sentences", flush=True)


if __name__ == "__main__":
    main()
