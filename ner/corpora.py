"""Readers for gold NER corpora, yielding ``(text, spans)`` with project entity types.

Supported formats (``detect_format`` tells them apart from the first lines of a file):

* ``bio`` / ``bioes`` / ``bmes`` — one character and its tag per line, TAB or SPACE separated, a blank line
  between sentences. Tags may use ``-`` or ``_`` between prefix and type (``B-PER``, ``B_nr``). MSRA,
  People's Daily (zjy-ucas, BIO) and the People's Daily 1998 fragments (BMES with ``nr/ns/nt``) are all this
  family; one decoder handles every scheme (B starts, I/M continue, E continues and closes, S is a single).
* ``cluener`` — JSON lines ``{"text": ..., "label": {type: {entity: [[start, end_inclusive], ...]}}}``.
* ``wordtag`` — the original SIGHAN 2006 MSRA test format: ``segment/tag`` separated by spaces, one sentence
  per line, tags ``nr/ns/nt/o``.

Spans are ``(start, end, label)`` with ``end`` exclusive (Python slice convention), so
``text[start:end]`` is the entity string. Labels are mapped with :data:`LABEL_MAP`; labels outside the map
(CLUENER ``game``, ``movie``, ``scene``) are dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

Span = tuple[int, int, str]
Sentence = tuple[str, list[Span]]
CorpusFormat = Literal["bio", "bioes", "bmes", "cluener", "wordtag"]
CHAR_FORMATS: frozenset[str] = frozenset({"bio", "bioes", "bmes"})
ALL_FORMATS: tuple[str, ...] = ("bio", "bioes", "bmes", "cluener", "wordtag")

#: Source label (lower-cased) → project entity type. Anything else is dropped.
LABEL_MAP: dict[str, str] = {
    "per": "PERSON",
    "nr": "PERSON",
    "name": "PERSON",
    "person": "PERSON",
    "loc": "PLACE",
    "ns": "PLACE",
    "address": "PLACE",
    "place": "PLACE",
    "gpe": "PLACE",
    "org": "ORG",
    "nt": "ORG",
    "organization": "ORG",
    "government": "ORG",
    "company": "ORG",
    "book": "WORK",
    "work": "WORK",
    "position": "TITLE",
    "title": "TITLE",
}


class CorpusFormatError(ValueError):
    """A corpus file does not match the format it was read as."""


def map_label(raw: str) -> str | None:
    """Map a source label (``PER``, ``nr``, ``address`` …) to a project type, or ``None`` to drop it."""
    return LABEL_MAP.get(raw.strip().lower())


def _split_tag(tag: str) -> tuple[str, str]:
    """``B-PER`` → (``B``, ``PER``); ``O`` → (``O``, ``""``)."""
    if tag in ("O", "o"):
        return "O", ""
    if len(tag) >= 3 and tag[1] in "-_":
        return tag[0].upper(), tag[2:]
    return tag, ""


def decode_tags(tokens: list[str], tags: list[str]) -> Sentence:
    """Turn per-token tags of any B/I/O/E/S/M scheme into ``(text, spans)`` with mapped labels.

    Lenient like conlleval: an ``I``/``M``/``E`` whose type differs from the open entity starts a new one.
    """
    pieces: list[str] = []
    spans: list[Span] = []
    offset = 0
    open_start = -1
    open_type = ""

    def close(end: int) -> None:
        nonlocal open_start, open_type
        if open_start >= 0:
            label = map_label(open_type)
            if label is not None and end > open_start:
                spans.append((open_start, end, label))
        open_start, open_type = -1, ""

    for token, tag in zip(tokens, tags, strict=True):
        prefix, etype = _split_tag(tag)
        start, end = offset, offset + len(token)
        if prefix == "O":
            close(start)
        elif prefix in ("B", "S"):
            close(start)
            open_start, open_type = start, etype
        elif prefix in ("I", "M", "E"):
            if open_start < 0 or etype != open_type:
                close(start)
                open_start, open_type = start, etype
        else:
            raise CorpusFormatError(f"unknown tag {tag!r}: expected O or B/I/M/E/S-<type>")
        if prefix in ("E", "S"):
            close(end)
        pieces.append(token)
        offset = end
    close(offset)
    return "".join(pieces), spans


def _split_char_line(line: str, path: Path, lineno: int) -> tuple[str, str]:
    if len(line) >= 3 and line[1] in "\t " and not line[2].isspace():
        return line[0], line[2:].strip()
    parts = line.rsplit(None, 1)
    if len(parts) != 2:
        raise CorpusFormatError(
            f"{path}:{lineno}: expected '<char><TAB or SPACE><tag>', got {line!r}; pass fmt='cluener' or 'wordtag' "
            "if the file is in another format"
        )
    return parts[0], parts[1]


def read_char_tagged(path: Path) -> Iterator[Sentence]:
    """Read a char-per-line BIO/BIOES/BMES file (TAB or SPACE separated, blank line between sentences)."""
    tokens: list[str] = []
    tags: list[str] = []
    with path.open(encoding="utf-8-sig") as handle:
        for lineno, raw in enumerate(handle, 1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                if tokens:
                    yield decode_tags(tokens, tags)
                    tokens, tags = [], []
                continue
            token, tag = _split_char_line(line, path, lineno)
            tokens.append(token)
            tags.append(tag)
    if tokens:
        yield decode_tags(tokens, tags)


def read_cluener(path: Path) -> Iterator[Sentence]:
    """Read CLUENER2020 JSON lines; converts the inclusive span end to an exclusive one."""
    with path.open(encoding="utf-8-sig") as handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                text = str(record["text"])
                labels: dict[str, dict[str, list[list[int]]]] = record.get("label") or {}
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise CorpusFormatError(
                    f"{path}:{lineno}: not a CLUENER record with 'text' and 'label' ({exc}); check the format"
                ) from exc
            spans: list[Span] = []
            for raw_type, entities in labels.items():
                label = map_label(raw_type)
                if label is None:
                    continue
                for positions in entities.values():
                    for start, end_inclusive in positions:
                        spans.append((int(start), int(end_inclusive) + 1, label))
            yield text, sorted(set(spans))


def read_wordtag(path: Path) -> Iterator[Sentence]:
    """Read the SIGHAN word/tag format (``中共中央/nt 致/o``), one sentence per line."""
    with path.open(encoding="utf-8-sig") as handle:
        for lineno, line in enumerate(handle, 1):
            segments = line.split()
            if not segments:
                continue
            tokens: list[str] = []
            tags: list[str] = []
            for segment in segments:
                word, slash, tag = segment.rpartition("/")
                if not slash or not word:
                    raise CorpusFormatError(f"{path}:{lineno}: segment {segment!r} is not 'text/tag'")
                tokens.append(word)
                tags.append("O" if tag.lower() == "o" else f"S-{tag}")
            yield decode_tags(tokens, tags)


def detect_format(path: Path) -> CorpusFormat:
    """Guess the corpus format from the first 2,000 non-blank lines of ``path``."""
    prefixes: set[str] = set()
    seen = 0
    with path.open(encoding="utf-8-sig") as handle:
        for line in handle:
            stripped = line.strip()
            if not stripped:
                continue
            if seen == 0 and stripped.startswith("{"):
                return "cluener"
            seen += 1
            body = line.rstrip("\r\n")
            if not (len(body) >= 3 and body[1] in "\t "):
                if "/" in stripped:
                    return "wordtag"
                raise CorpusFormatError(
                    f"{path}: cannot detect the format from line {stripped[:40]!r}; pass fmt= one of {ALL_FORMATS}"
                )
            prefixes.add(_split_tag(body[2:].strip())[0])
            if seen >= 2000:
                break
    if seen == 0:
        raise CorpusFormatError(f"{path}: file is empty; give a non-empty corpus file")
    if "M" in prefixes:
        return "bmes"
    if prefixes & {"E", "S"}:
        return "bioes"
    return "bio"


def read_corpus(path: Path, fmt: str | None = None, limit: int | None = None) -> Iterator[Sentence]:
    """Read any supported corpus; ``fmt=None`` autodetects. ``limit`` caps the number of sentences."""
    if not path.is_file():
        raise FileNotFoundError(f"corpus file {path} does not exist; check the path")
    chosen = fmt or detect_format(path)
    if chosen in CHAR_FORMATS:
        sentences = read_char_tagged(path)
    elif chosen == "cluener":
        sentences = read_cluener(path)
    elif chosen == "wordtag":
        sentences = read_wordtag(path)
    else:
        raise CorpusFormatError(f"unknown corpus format {chosen!r}; use one of {ALL_FORMATS}")
    for count, sentence in enumerate(sentences):
        if limit is not None and count >= limit:
            return
        yield sentence
