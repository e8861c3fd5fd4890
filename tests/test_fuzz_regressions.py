"""Fuzzing the input-facing functions with Hypothesis, and replaying every crash input ever found.

Targets: ``kg.normalize.normalize``, ``kg.dates.find_date_spans`` / ``normalise_date``, ``kg.documents.decode_text``
/ ``load_document`` (random bytes under every supported suffix), ``kg.models.parse_record`` (random JSON), and
``kg load`` reading a records file. A found crash is saved under tests/fixtures/fuzz/ as ``<target>--<name>.<ext>``
and replayed by :func:`test_replay_fuzz_corpus`. ``FUZZ_EXAMPLES`` raises the example count for a long hunt.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.dates import find_date_spans, normalise_date
from kg.documents import SUFFIX_FORMATS, DocumentError, RawDocument, decode_text, load_document
from kg.models import parse_record, parse_record_line
from kg.normalize import normalize

CORPUS = Path(__file__).parent / "fixtures" / "fuzz"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture])
SUFFIXES = sorted(SUFFIX_FORMATS)

# text that looks like gazetteer prose: hanzi numerals and date words mixed with anything
DATE_BITS = ["年", "月", "日", "初", "十", "廿", "卅", "元", "正", "闰", "腊", "冬", "光绪", "民国", "公元前", "世纪",
             "年代", "至", "—", "〇", "一", "二", "九", "零", "百", "千", "万", "今年", "去年", "本月", "上旬", "春",
             "甲子", "1904", "8", "22", "-", "/", ".", " ", "\n", "\u3000", "\r\n"]
GAZETTEER_TEXT = st.lists(st.one_of(st.sampled_from(DATE_BITS), st.text(max_size=4)), max_size=40).map("".join)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20)
RECORD_KEYS = ["record", "id", "type", "name", "aliases", "properties", "doc", "start", "end", "text", "entity",
               "source", "target", "evidence", "confidence", "component", "path", "sha256", "chars", "date", "value"]
RECORDISH = st.fixed_dictionaries(
    {"record": st.sampled_from(["document", "mention", "entity", "relation", "x"])},
    optional={key: JSON for key in RECORD_KEYS[1:]})


# ---------------------------------------------------------------- invariants (shared by fuzzing and replay)

def check_normalize(raw: str) -> None:
    norm = normalize(raw)
    assert len(norm.simplified) == len(norm.text)
    for start in range(0, len(norm.text), max(1, len(norm.text) // 7)):
        for end in (start, min(len(norm.text), start + 3), len(norm.text)):
            rs, re_ = norm.raw_span(start, end)
            assert 0 <= rs <= re_ <= len(raw), (start, end, rs, re_)


def check_dates(text: str) -> None:
    spans = find_date_spans(text)
    last = 0
    for start, end in spans:
        assert last <= start < end <= len(text), spans
        last = end
        normalise_date(text[start:end], doc_date=dt.date(2024, 8, 3))
    normalise_date(text)
    normalise_date(text, context_year=1904)


def check_decode(data: bytes) -> None:
    try:
        text, encoding = decode_text(data, "fuzz.txt")
    except DocumentError as error:
        assert "\n" not in str(error) and str(error).startswith("fuzz.txt: ")
        return
    assert isinstance(text, str) and encoding


def check_load(data: bytes, suffix: str, folder: Path) -> None:
    path = folder / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        doc = load_document(path)
    except DocumentError as error:
        assert "\n" not in str(error) and str(error).startswith(f"{path}: "), str(error)
        return
    assert isinstance(doc, RawDocument) and doc.text.strip()


def check_parse_record(data: Any) -> None:
    """``parse_record`` refuses with a ValueError or gives a record; the loader's one-pass ``parse_record_line``
    on the same object as JSON text gives the same record, or refuses too."""
    line = json.dumps(data)
    try:
        expected = parse_record(data)
    except ValueError as error:  # pydantic's ValidationError is a ValueError: the documented failure
        assert str(error)
        with pytest.raises(ValueError):
            parse_record_line(line)
        return
    assert parse_record_line(line) == expected


def check_kg_load(line: bytes, folder: Path) -> None:
    """`kg load` on a records file with this line: loads it or ends with a one-line error naming file:line."""
    path = folder / "records.jsonl"
    path.write_bytes(line + b"\n")
    env = {**os.environ, "KG_DATA_DIR": str(folder / "data"), "KG_NEO4J_URI": "", "KG_LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-m", "kg.cli", "load", str(path), "--no-progress"], env=env,
                          capture_output=True, timeout=120, check=False)
    stderr = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr
    if done.returncode != 0:
        assert f"{path}:1:" in " ".join(stderr.split()), stderr


# ---------------------------------------------------------------- Hypothesis

@FUZZ
@given(st.text() | GAZETTEER_TEXT)
def test_fuzz_normalize(raw: str) -> None:
    check_normalize(raw)


@FUZZ
@given(GAZETTEER_TEXT | st.text(max_size=30))
def test_fuzz_dates(text: str) -> None:
    check_dates(text)


@FUZZ
@given(st.binary(max_size=400) | st.text(max_size=100).map(lambda t: t.encode("gb18030", "replace")))
def test_fuzz_decode_text(data: bytes) -> None:
    check_decode(data)


@FUZZ
@given(data=st.binary(max_size=600), suffix=st.sampled_from(SUFFIXES), prefix=st.sampled_from(
    [b"", b"%PDF-1.4\n", b"PK\x03\x04", b"<html><meta charset=utf-8>", b"\xef\xbb\xbf", b"\xff\xfe"]))
def test_fuzz_load_document(tmp_path: Path, data: bytes, suffix: str, prefix: bytes) -> None:
    check_load(prefix + data + (b"\n%%EOF\n" if prefix.startswith(b"%PDF") else b""), suffix, tmp_path)


@FUZZ
@given(JSON | RECORDISH)
def test_fuzz_parse_record(data: Any) -> None:
    if isinstance(data, dict):
        check_parse_record(data)


# ---------------------------------------------------------------- replay of saved crash inputs

def _loader(suffix: str, folder: Path) -> Callable[[bytes], None]:
    return lambda data: check_load(data, suffix, folder)


def _replayers(folder: Path) -> dict[str, Callable[[bytes], None]]:
    return {
        "normalize": lambda b: check_normalize(b.decode("utf-8")),
        "dates": lambda b: check_dates(b.decode("utf-8")),
        "decode_text": check_decode,
        "parse_record": lambda b: check_parse_record(json.loads(b)),
        "kg_load": lambda b: check_kg_load(b, folder),
        **{f"load_document{suffix}": _loader(suffix, folder) for suffix in SUFFIXES},
    }


CORPUS_FILES = sorted(p for p in CORPUS.glob("*--*") if p.is_file())
KNOWN_BUGS: dict[str, str] = {}  # corpus files whose bug is not fixed yet: "<file name>": "what is wrong, where"


def test_corpus_is_not_empty_and_every_file_has_a_target(tmp_path: Path) -> None:
    targets = _replayers(tmp_path)
    assert CORPUS_FILES, f"no crash inputs in {CORPUS}"
    for path in CORPUS_FILES:
        assert path.name.split("--", 1)[0] in targets, path.name


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[p.name])) if p.name in KNOWN_BUGS else p
    for p in CORPUS_FILES], ids=[p.name for p in CORPUS_FILES])
def test_replay_fuzz_corpus(path: Path, tmp_path: Path) -> None:
    target = path.name.split("--", 1)[0]
    _replayers(tmp_path)[target](path.read_bytes())
