"""``kg``: a thin command line over the importable functions of the project."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from kg.settings import get_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
err = Console(stderr=True)


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
    doc_date: Annotated[Optional[str], typer.Option(help="The documents' date (YYYY-MM-DD) for relative dates.")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write JSON Lines here instead of stdout.")] = None,
    review: Annotated[Optional[Path], typer.Option(help="Review CSV: written if missing, applied if present.")] = None,
    report: Annotated[Optional[Path], typer.Option(help="Write a JSON report of skipped files here.")] = None,
) -> None:
    """Extract typed mentions, entities and relations as JSON Lines (see docs/records.md)."""
    from kg.extract import extract_paths
    from kg.review import apply_review, write_review

    _setup_logging()
    skipped: list[dict[str, str]] = []

    def on_error(e: Exception) -> None:
        err.print(f"[red]skipped[/red] {e}", markup=True, highlight=False)
        skipped.append({"path": getattr(e, "path", ""), "reason": getattr(e, "reason", str(e))})

    records = list(extract_paths(files, doc_date=_parse_date(doc_date), on_error=on_error))
    if review is not None:
        if review.exists():
            records = apply_review(records, review)
        else:
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
    fmt: Annotated[Optional[str], typer.Option("--format", help="Force the format (bio, jsonl, pd).")] = None,
    types: Annotated[str, typer.Option(help="Comma-separated types to score.")] = "PERSON,PLACE,ORG",
    limit: Annotated[Optional[int], typer.Option(help="Score only the first N sentences.")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Also write the report as JSON here.")] = None,
    crf_only: Annotated[bool, typer.Option(help="Score the statistical model alone, without the domain rules.")] = False,
    split_places: Annotated[bool, typer.Option(help="Split composite place names into administrative levels "
                                                     "(the corpora annotate them as one span).")] = False,
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
        nlp = build_pipeline(split_places=split_places)

        def predictor(texts: list[str]) -> list[list[tuple[int, int, str]]]:
            return annotate_many(texts, nlp=nlp)

    reports = {}
    for path in gold:
        rep = evaluate_corpus(path, predictor, fmt=fmt, types=types.split(","), limit=limit)
        typer.echo(f"\n## {path}\n")
        typer.echo(rep.to_table())
        reports[str(path)] = json.loads(rep.model_dump_json())
    if json_out:
        json_out.write_text(json.dumps(reports, ensure_ascii=False, indent=2), encoding="utf-8")


@app.command()
def settings() -> None:
    """Print every setting with its environment variable, default and meaning."""
    from kg.settings import settings_table_markdown

    typer.echo(settings_table_markdown())


def main() -> None:
    app()


if __name__ == "__main__":
    main()
