"""Generate benchmark corpora of a given size from the public texts in ``../shared/data``.

The corpus is written to a temporary folder (never committed): modern news sentences from the
NER corpora and classical gazetteer text, grouped into documents of about 20,000 characters with
hard line breaks every 40 characters, as in text extracted from printed pages.
"""

from __future__ import annotations

import argparse
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DOC_CHARS = 20_000
LINE = 40


def _msra_sentences() -> Iterator[str]:
    for path in sorted((SHARED / "msra_ner").glob("*")):
        if path.suffix in (".md",) or not path.is_file() or "test" in path.name:
            continue
        chars: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t") if "\t" in line else line.split(" ")
            if not line.strip():
                if chars:
                    yield "".join(chars)
                    chars = []
            elif len(parts) == 2 and len(parts[0]) == 1:
                chars.append(parts[0])
        if chars:
            yield "".join(chars)


def _gazetteer_paragraphs() -> Iterator[str]:
    for path in sorted((SHARED / "gazetteer_text").rglob("*")):
        if path.is_file() and path.suffix in (".txt", "") and path.name != "README.md":
            text = re.sub(r"<[^>]+>|¶|#.*", "", path.read_text(encoding="utf-8", errors="replace"))
            for para in re.split(r"\n\s*\n", text):
                para = re.sub(r"\s+", "", para)
                if len(para) > 20:
                    yield para


def source_texts() -> Iterator[str]:
    """Modern and classical text, interleaved 4:1, cycled forever."""
    modern = list(itertools.islice(_msra_sentences(), 200_000))
    classical = list(_gazetteer_paragraphs())
    if not modern:
        raise SystemExit(f"no MSRA text under {SHARED}/msra_ner; the benchmark needs ../shared/data")
    c = itertools.cycle(classical or [""])
    for i, s in enumerate(itertools.cycle(modern)):
        yield s
        if i % 4 == 3:
            yield next(c)


def write_corpus(out: Path, total_chars: int) -> tuple[int, int]:
    """Write documents totalling ``total_chars`` characters; returns (documents, characters)."""
    out.mkdir(parents=True, exist_ok=True)
    written, docs, buf, size = 0, 0, [], 0
    for text in source_texts():
        if written >= total_chars:
            break
        buf.append(text)
        size += len(text)
        written += len(text)
        if size >= DOC_CHARS or written >= total_chars:
            body = "".join(buf)
            lines = [body[i:i + LINE] for i in range(0, len(body), LINE)]
            (out / f"doc{docs:06d}.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
            docs += 1
            buf, size = [], 0
    return docs, written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--chars", type=int, default=1_000_000)
    args = ap.parse_args()
    docs, chars = write_corpus(args.out, args.chars)
    print(f"{docs} documents, {chars:,} characters in {args.out}")


if __name__ == "__main__":
    main()
