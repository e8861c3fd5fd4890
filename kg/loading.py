"""Records → stores (``kg load``) and documents → records → stores (``kg build``).

Every write is an idempotent upsert keyed on ids, so loading the same input twice changes
nothing, and a load killed halfway and run again ends in the graph a clean run gives. Hand
review decisions (``<data_dir>/review.csv``) are applied to the records on every load.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from kg.ids import document_id
from kg.models import DocumentRecord, Record, RelationRecord, parse_record_line
from kg.settings import Settings
from kg.store.base import GraphStore, LoadStats

BATCH_RECORDS = 5000
"""Records per batch, a relation counting once plus once per piece of evidence (a relation said in thousands of
documents carries thousands of sentences)."""
BATCH_TEXT_CHARS = 1_000_000
"""Document text per batch: a batch's texts are held several times over while they are written (as strings, as
N-Triples or Cypher parameters, as bytes), so this bounds a transient of tens of megabytes during a long extraction."""


class RecordsError(ValueError):
    """A line of a records file that is not a valid record; the message names file and line."""


def read_records(stream: TextIO, name: str = "<stdin>") -> Iterator[Record]:
    """Validated records, one per JSON line; anything else stops with the file and line named."""
    lineno = 0
    try:
        for lineno, line in enumerate(stream, 1):
            line = line.strip()
            if not line:
                continue
            try:
                yield parse_record_line(line)
            except (ValueError, TypeError, RecursionError) as e:
                first = (str(e).splitlines() or [type(e).__name__])[0]
                raise RecordsError(f"{name}:{lineno}: not a valid record ({first}); "
                                   "records come from `kg extract` (see docs/records.md)") from None
    except UnicodeDecodeError as e:
        raise RecordsError(f"{name}:{lineno + 1}: not UTF-8 text ({e.reason}); "
                           "records files are UTF-8 JSON Lines written by `kg extract`") from None


def open_stores(settings: Settings) -> list[GraphStore]:
    """The embedded store always; Neo4j too when ``KG_NEO4J_URI`` is set."""
    from kg.store.rdf_store import OxigraphStore

    stores: list[GraphStore] = [OxigraphStore(settings.data_dir / "oxigraph")]
    if settings.uses_neo4j:
        from kg.store.neo4j_store import Neo4jStore

        stores.append(Neo4jStore(settings))
    return stores


def document_text(record: DocumentRecord) -> str | None:
    """The raw text of a document, re-read from its path when the file is still the same."""
    from kg.documents import DocumentError, load_document

    try:
        raw = load_document(Path(record.path))
    except (DocumentError, OSError):
        return None
    return raw.text if document_id(raw.text) == record.id else None


def _batches(records: Iterable[Record], texts: dict[str, str] | None) -> Iterator[tuple[list[Record], dict[str, str]]]:
    """Batches of at most ``BATCH_RECORDS`` records (evidence counted), with the texts of their documents (given or
    re-read from the documents' paths). A batch also ends once its texts reach ``BATCH_TEXT_CHARS``: document records
    come first in a stream, and a large corpus's texts must not all be in memory at once."""
    batch: list[Record] = []
    docs_text: dict[str, str] = {}
    chars = weight = 0
    for rec in records:
        batch.append(rec)
        weight += 1 + len(rec.evidence) if isinstance(rec, RelationRecord) else 1
        if isinstance(rec, DocumentRecord):
            text = (texts or {}).get(rec.id) or document_text(rec)
            if text is not None:
                docs_text[rec.id] = text
                chars += len(text)
        if weight >= BATCH_RECORDS or chars >= BATCH_TEXT_CHARS:
            yield batch, docs_text
            batch, docs_text, chars, weight = [], {}, 0, 0
    if batch:
        yield batch, docs_text


def load_records(
    records: Iterable[Record],
    stores: list[GraphStore],
    *,
    review_csv: Path | None = None,
    texts: dict[str, str] | None = None,
    progress: bool = True,
) -> LoadStats:
    """Write ``records`` into every store in batches; returns what was written."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if review_csv is not None and review_csv.exists():
        from kg.review import apply_review

        records = apply_review(records, review_csv)
    total = LoadStats()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, disable=not progress, transient=True) as bar:
        task = bar.add_task("loading records", total=None)
        for batch, docs_text in _batches(records, texts):
            for store in stores:
                stats = store.load(batch, documents_text=docs_text)
                if store is stores[0]:
                    total.documents += stats.documents
                    total.entities += stats.entities
                    total.relations += stats.relations
                    total.mentions += stats.mentions
                    total.seconds += stats.seconds
            bar.advance(task, len(batch))
        for store in stores:
            store.flush()
    return total
