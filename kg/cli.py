"""``kg``: a thin command line over the importable functions of the project."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from kg.settings import get_settings

if TYPE_CHECKING:
    from kg.models import Record

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__, pretty_exceptions_enable=False)
err = Console(stderr=True, soft_wrap=True)  # one error, one line, however narrow the terminal


def _setup_logging() -> None:
    logging.basicConfig(level=get_settings().log_level.upper(), format="%(levelname)s %(name)s: %(message)s")


def _parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO date; write it as YYYY-MM-DD, e.g. 2024-08-12") from None


@app.command()
def extract(
    files: Annotated[list[Path], typer.Argument(help="Documents or folders (.txt .pdf .docx .html).")],
    doc_date: Annotated[str | None, typer.Option(help="The documents' date (YYYY-MM-DD) for relative dates.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write JSON Lines here instead of stdout.")] = None,
    review: Annotated[Path | None, typer.Option(help="Review CSV: written if missing, applied if present.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write a JSON report of skipped files here.")] = None,
) -> None:
    """Extract typed mentions, entities and relations as JSON Lines (see docs/records.md)."""
    from kg.extract import extract_paths
    from kg.review import apply_review, write_review

    _setup_logging()
    skipped: list[dict[str, str]] = []

    def on_error(e: Exception) -> None:
        err.print(f"[red]skipped[/red] {e}", markup=True, highlight=False)
        skipped.append({"path": getattr(e, "path", ""), "reason": getattr(e, "reason", str(e))})

    records: Iterable[Record] = extract_paths(files, doc_date=_parse_date(doc_date), on_error=on_error,
                                                  free_models=True)
    if review is not None:
        if review.exists():
            records = apply_review(records, review)
        else:
            records = list(records)
            write_review(records, review)
            err.print(f"review file written: {review} (edit the decision column, then run again with --review)")
    out = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        for record in records:
            out.write(json.dumps(record.model_dump(exclude_none=True), ensure_ascii=False) + "\n")
    finally:
        if output:
            out.close()
    if report:
        report.write_text(json.dumps({"skipped": skipped}, ensure_ascii=False, indent=2), encoding="utf-8")
    if skipped:
        err.print(f"{len(skipped)} file(s) skipped")
        raise typer.Exit(code=1)


@app.command("eval")
def evaluate(
    gold: Annotated[list[Path], typer.Argument(help="Gold files: char BIO/BIOES/BMES, or CLUENER-style JSON lines.")],
    fmt: Annotated[str | None, typer.Option("--format", help="Force the format (bio, jsonl, pd).")] = None,
    types: Annotated[str, typer.Option(help="Comma-separated types to score.")] = "PERSON,PLACE,ORG",
    limit: Annotated[int | None, typer.Option(help="Score only the first N sentences.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the report as JSON here.")] = None,
    crf_only: Annotated[bool, typer.Option(help="Score the statistical model alone, without the domain rules.")] = False,
    split_places: Annotated[bool, typer.Option(help="Split composite place names into administrative levels "
                                                     "(the corpora annotate them as one span).")] = False,
    unseen_only: Annotated[Path | None, typer.Option(
        help="Score only sentences that do not occur in this corpus (e.g. the model's training set).")] = None,
) -> None:
    """Precision, recall and F1 per type against gold corpora."""
    from ner.evaluate import evaluate_corpus
    from ner.pipeline import annotate_many, build_pipeline

    if crf_only:
        from ner.crf import CrfTagger

        tagger = CrfTagger.load()

        def predictor(texts: list[str]) -> list[list[tuple[int, int, str]]]:
            return tagger.tag_many(texts)
    else:
        scored = set(types.split(","))
        # types the corpus does not annotate are switched off, so they cannot hide nested names
        nlp = build_pipeline(split_places=split_places,
                             exclude=tuple(t for t in ("WORK", "EVENT", "TITLE") if t not in scored))

        def predictor(texts: list[str]) -> list[list[tuple[int, int, str]]]:
            return annotate_many(texts, nlp=nlp)

    import tempfile

    from ner.corpora import read_corpus
    from ner.train import write_bio

    seen = {text for text, _ in read_corpus(unseen_only)} if unseen_only else set()
    reports = {}
    for path in gold:
        with tempfile.TemporaryDirectory() as tmp:
            if seen:
                kept = [(t, s) for t, s in read_corpus(path, fmt=fmt, limit=limit) if t not in seen]
                typer.echo(f"{path}: {len(kept)} sentences not in {unseen_only}")
                path = Path(tmp) / "unseen.bio"
                write_bio(path, kept)
            rep = evaluate_corpus(path, predictor, fmt=None if seen else fmt, types=types.split(","),
                                  limit=None if seen else limit)
        typer.echo(f"\n## {path}\n")
        typer.echo(rep.to_table())
        reports[str(path)] = json.loads(rep.model_dump_json())
    if json_out:
        json_out.write_text(json.dumps(reports, ensure_ascii=False, indent=2), encoding="utf-8")


@app.command()
def load(
    files: Annotated[list[Path], typer.Argument(help="JSON Lines from `kg extract` ('-' for stdin).")],
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    bulk: Annotated[bool, typer.Option(help="First load of a large corpus into the empty local Neo4j "
                                            "(scripts/neo4j.sh) by neo4j-admin import, several times faster; "
                                            "the embedded store is not written.")] = False,
) -> None:
    """Load extraction output into the stores (embedded RDF store; Neo4j too when configured)."""
    from kg.loading import RecordsError, load_records, open_stores, read_records

    _setup_logging()
    cfg = get_settings()
    if bulk:
        _bulk_load(files, progress=progress)
        return
    stores = open_stores(cfg)
    try:
        for path in files:
            stream = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
            try:
                stats = load_records(read_records(stream, str(path)), stores,
                                     review_csv=cfg.data_dir / "review.csv", progress=progress)
            except RecordsError as e:
                err.print(f"[red]error[/red] {e}", highlight=False)
                raise typer.Exit(code=2) from None
            finally:
                if stream is not sys.stdin:
                    stream.close()
            err.print(f"{path}: {stats.documents} documents, {stats.entities} entities, "
                      f"{stats.relations} relations, {stats.mentions} mentions")
    finally:
        for store in stores:
            store.close()


def _bulk_load(files: list[Path], *, progress: bool) -> None:
    import contextlib
    import itertools
    import time

    from kg.loading import RecordsError, read_records
    from kg.store.neo4j_bulk import BulkLoadError, bulk_load, local_neo4j, read_graph

    cfg = get_settings()
    try:
        local_neo4j(cfg)  # refuse before reading the records
        began = time.perf_counter()
        streams = [sys.stdin if str(p) == "-" else p.open(encoding="utf-8") for p in files]
        try:
            with err.status("reading the records") if progress else contextlib.nullcontext() as status:
                records = itertools.chain.from_iterable(read_records(s, str(p)) for p, s in zip(files, streams))
                graph = read_graph(records, review_csv=cfg.data_dir / "review.csv")
                read_s = time.perf_counter() - began
                stats = bulk_load(graph, cfg, step=status.update if status else lambda _: None)
        finally:
            for stream in streams:
                if stream is not sys.stdin:
                    stream.close()
    except (RecordsError, BulkLoadError) as e:
        err.print(f"[red]error[/red] {e}", highlight=False)
        raise typer.Exit(code=2) from None
    rec, stored, sec = stats.records, stats.stored, stats.seconds
    err.print(f"bulk: {rec['documents']} documents, {rec['entities']} entities, {rec['relations']} relations, "
              f"{rec['mentions']} mentions → Neo4j holds {stored['entities']} entities, {stored['relations']} "
              f"relations, {stored['documents']} documents, {stored['mentions']} mentions; "
              f"{read_s + sec['total']:.1f} s (reading {read_s:.1f}, CSV and server stop {sec['csv_and_stop']:.1f}, "
              f"import {sec['import']:.1f}, server start {sec['start']:.1f}, schema {sec['schema']:.1f})")


def build_graph(files: list[Path], *, doc_date: dt.date | None = None, workers: int | None = None,
                cluster: str | None = None, use_dask: bool = False, progress: bool = True) -> int:
    """Documents → extraction → stores. Returns the number of files skipped."""
    from kg.loading import load_records, open_stores

    cfg = get_settings()
    skipped: list[str] = []

    def on_error(e: Exception) -> None:
        err.print(f"[red]skipped[/red] {e}", highlight=False)
        skipped.append(str(e))

    from kg.extract import ExtractionCache

    cache = ExtractionCache(cfg.data_dir / "cache" / "extract")
    n = workers or cfg.effective_workers()
    if cluster or use_dask:
        from kg.parallel import extract_paths_dask

        records = extract_paths_dask(files, address=cluster, workers=n, doc_date=doc_date, on_error=on_error,
                                      cache=cache)
    elif n > 1:
        from kg.parallel import extract_paths_parallel

        records = extract_paths_parallel(files, workers=n, doc_date=doc_date, on_error=on_error, cache=cache)
    else:
        from kg.extract import extract_paths

        records = extract_paths(files, doc_date=doc_date, on_error=on_error, cache=cache, free_models=True)
    stores = open_stores(cfg)
    try:
        stats = load_records(records, stores, review_csv=cfg.data_dir / "review.csv", progress=progress)
    finally:
        for store in stores:
            store.close()
    err.print(f"built: {stats.documents} documents, {stats.entities} entities, {stats.relations} relations"
              f" → {', '.join(s.name for s in stores)}")
    return len(skipped)


@app.command()
def build(
    files: Annotated[list[Path], typer.Argument(help="Documents or folders.")],
    doc_date: Annotated[str | None, typer.Option(help="The documents' date (YYYY-MM-DD).")] = None,
    workers: Annotated[int | None, typer.Option(help="Extraction processes (default: all cores).")] = None,
    cluster: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786.")] = None,
    dask: Annotated[bool, typer.Option("--dask", help="Use a local Dask cluster (implied by --cluster).")] = False,
) -> None:
    """Extract from documents and load the result into the stores in one go."""
    _setup_logging()
    if build_graph(files, doc_date=_parse_date(doc_date), workers=workers, cluster=cluster, use_dask=dask):
        raise typer.Exit(code=1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (KG_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (KG_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Serving processes (KG_SERVE_WORKERS).")] = None,
) -> None:
    """Serve the REST API, SPARQL and Cypher endpoints and the explorer."""
    from api.app import serve as serve_app

    _setup_logging()
    cfg = get_settings()
    if host:
        cfg.host = host
    if port:
        cfg.port = port
    if workers:
        cfg.serve_workers = workers
    serve_app(cfg)


@app.command()
def demo(
    corpus: Annotated[Path, typer.Option(help="Folder of example documents.")] = Path("examples"),
    port: Annotated[int | None, typer.Option(help="Port to serve on.")] = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Build the demo graph and stop.")] = False,
) -> None:
    """Build the graph from the example corpus and serve the explorer (the README's main job)."""
    _setup_logging()
    if not corpus.is_dir():
        raise typer.BadParameter(f"{corpus} is not a folder; run `kg demo` from the repository root "
                                 "or pass --corpus")
    from kg.documents import SUFFIX_FORMATS

    build_graph(sorted(p for p in corpus.iterdir() if p.suffix.lower() in SUFFIX_FORMATS), workers=1)
    if no_serve:
        return
    cfg = get_settings()
    if port:
        cfg.port = port
    err.print(f"explorer: http://{cfg.host}:{cfg.port}/   API docs: http://{cfg.host}:{cfg.port}/docs")
    from api.app import serve as serve_app

    serve_app(cfg)


@app.command()
def export(
    out: Annotated[Path, typer.Argument(help="Output file (or folder for neo4j-admin CSV).")],
    fmt: Annotated[str, typer.Option("--format", help="turtle, nt, json-ld, graphml or neo4j-admin-csv.")] = "turtle",
) -> None:
    """Export the whole graph for other tools."""
    from kg.loading import open_stores

    cfg = get_settings()
    store = open_stores(cfg)[0]
    try:
        if fmt in ("turtle", "nt", "json-ld"):
            from kg.rdf_export import export_rdf

            export_rdf(store, out, fmt)
        elif fmt == "graphml":
            from kg.export_formats import export_graphml

            export_graphml(store, out)
        elif fmt == "neo4j-admin-csv":
            from kg.export_formats import export_neo4j_admin_csv

            export_neo4j_admin_csv(store, out)
        else:
            raise typer.BadParameter(f"unknown format {fmt!r}; use turtle, nt, json-ld, graphml or neo4j-admin-csv")
    finally:
        store.close()
    err.print(f"wrote {out}")


@app.command()
def settings() -> None:
    """Print every setting with its environment variable, default and meaning."""
    from kg.settings import settings_table_markdown

    typer.echo(settings_table_markdown())


def main() -> None:
    """Entry point: expected failures end as one line a person can act on (exit code 2);
    ``KG_LOG_LEVEL=DEBUG`` shows the traceback."""
    try:
        app(standalone_mode=True)
    except KeyboardInterrupt:
        err.print("interrupted; re-run the same command to finish (loads are idempotent)")
        sys.exit(130)
    except Exception as e:
        if get_settings().log_level.upper() == "DEBUG":
            raise
        message = " ".join(str(e).split()) or type(e).__name__
        err.print(f"[red]error:[/red] {message}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
