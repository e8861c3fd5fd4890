"""Incremental ``kg build``: processed documents are skipped, changed ones re-extracted, and a new
pipeline version re-processes everything, always ending in the same graph.

Two independent proofs that extraction did (not) run: the number of calls to the real NER
pipeline (``ner.pipeline.annotate``, wrapped by a counter, never replaced) and the cache files
written (new names, or rewritten modification times).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import ner.pipeline
from kg.cli import app
from kg.extract import ExtractionCache, extract_paths, pipeline_version
from kg.ids import document_id
from kg.loading import open_stores
from kg.settings import get_settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


class Build:
    """``kg build`` into one data folder, counting real pipeline calls."""

    def __init__(self, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.data_dir = data_dir
        self.monkeypatch = monkeypatch
        self.annotate_calls = 0
        real = ner.pipeline.annotate

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.annotate_calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(ner.pipeline, "annotate", counted)
        monkeypatch.setenv("KG_DATA_DIR", str(data_dir))
        monkeypatch.delenv("KG_NEO4J_URI", raising=False)
        monkeypatch.delenv("KG_PIPELINE_VERSION", raising=False)

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache" / "extract"

    def cache_files(self) -> dict[str, int]:
        """Cache file name → modification time (ns)."""
        return {p.name: p.stat().st_mtime_ns for p in self.cache_dir.glob("*.json")}

    def run(self, corpus: Path, *options: str) -> tuple[dict[str, int], list[str]]:
        """Build; returns the store's counts and sorted entity ids."""
        get_settings.cache_clear()
        pipeline_version.cache_clear()
        self.annotate_calls = 0
        result = CliRunner().invoke(app, ["build", str(corpus), *options])
        assert result.exit_code == 0, (result.stderr, result.exception)
        (store,) = open_stores(get_settings())
        try:
            return store.counts(), sorted(e.id for e in store.all_entities())
        finally:
            store.close()

    def set_version(self, version: str) -> None:
        self.monkeypatch.setenv("KG_PIPELINE_VERSION", version)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in sorted(EXAMPLES.iterdir()):
        if path.suffix in (".txt", ".html"):
            shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture
def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Build]:
    yield Build(tmp_path / "data", monkeypatch)
    get_settings.cache_clear()
    pipeline_version.cache_clear()


def n_documents(corpus: Path) -> int:
    return sum(1 for p in corpus.iterdir() if p.is_file())


def test_second_build_skips_extraction_and_gives_the_same_graph(corpus: Path, build: Build) -> None:
    first = build.run(corpus, "--workers", "1")
    assert build.annotate_calls == n_documents(corpus)
    written = build.cache_files()
    assert len(written) == n_documents(corpus)
    assert first[0]["entities"] > 0 and first[0]["documents"] == n_documents(corpus)

    second = build.run(corpus, "--workers", "1")
    assert build.annotate_calls == 0
    assert build.cache_files() == written  # no file added, none rewritten
    assert second == first

    parallel = build.run(corpus, "--workers", "2")  # worker processes read the same cache
    assert build.cache_files() == written
    assert parallel == first


def test_a_changed_file_alone_is_re_extracted(corpus: Path, build: Build) -> None:
    first_counts, _ = build.run(corpus, "--workers", "1")
    before = build.cache_files()
    changed = corpus / "zhuo-lin.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n1992年，卓琳随邓小平视察深圳。\n", encoding="utf-8")

    counts, ids = build.run(corpus, "--workers", "1")
    assert build.annotate_calls == 1
    after = build.cache_files()
    assert len(set(after) - set(before)) == 1
    assert {name: after[name] for name in before} == before  # the other documents' entries are untouched
    assert counts["documents"] == first_counts["documents"] + 1  # upserts keep the old version's document

    # the cached run's records are exactly those of a run without any cache
    cache = ExtractionCache(build.cache_dir)
    cached = [json.dumps(r.model_dump(exclude_none=True), ensure_ascii=False) for r in extract_paths([corpus], cache=cache)]
    fresh = [json.dumps(r.model_dump(exclude_none=True), ensure_ascii=False) for r in extract_paths([corpus])]
    assert cached == fresh
    new_doc = json.loads(next(line for line in fresh if "zhuo-lin.txt" in line and '"record": "document"' in line))
    assert new_doc["id"] != document_id((EXAMPLES / "zhuo-lin.txt").read_text(encoding="utf-8"))
    assert len(ids) == counts["entities"]


def test_a_new_pipeline_version_re_processes_everything(corpus: Path, build: Build) -> None:
    build.set_version("test-v1")
    first = build.run(corpus, "--workers", "1")
    before = build.cache_files()
    assert pipeline_version() == "test-v1"

    build.set_version("test-v2")
    second = build.run(corpus, "--workers", "1")
    assert pipeline_version() == "test-v2"
    assert build.annotate_calls == n_documents(corpus)
    after = build.cache_files()
    assert len(after) == 2 * n_documents(corpus) and not set(before) & (set(after) - set(before))
    assert second == first

    third = build.run(corpus, "--workers", "2")  # the new version's entries now serve the workers
    assert build.cache_files() == after
    assert third == first
