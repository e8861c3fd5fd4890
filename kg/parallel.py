"""Extraction on several processes (one machine) or on a Dask cluster.

Documents are extracted independently and handed to the single cross-document resolver in
input order, so the records are identical to a single-process run: same entity ids, same
relations, same order. At most ``window`` documents are in flight, so memory stays flat
however long the corpus is.
"""

from __future__ import annotations

import copyreg
import datetime as dt
import gc
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.documents import DocumentError, load_document
from kg.extract import ExtractedDocument, ExtractionCache, extract_document, resolve, settled
from kg.models import Record


@dataclass(frozen=True)
class Shipped:
    """An extracted document as a worker sends it back: its JSON. Rebuilding the pydantic objects from pickle
    costs the coordinator about as much as parsing this JSON, and the JSON can also be written out as it is
    (a saved extraction) without being parsed at all."""

    json: bytes

    @classmethod
    def of(cls, item: ExtractedDocument) -> Shipped:
        return cls(item.model_dump_json().encode("utf-8"))

    def document(self) -> ExtractedDocument:
        return ExtractedDocument.model_validate_json(self.json)


Outcome = Shipped | DocumentError
WORKER_WAIT_S = 60.0
"""How long a run on an existing cluster waits for its first worker before giving up."""


def _reduce_error(e: DocumentError) -> tuple[type[DocumentError], tuple[str, str]]:
    return DocumentError, (e.path, e.reason)


# A bad file's DocumentError travels back from the worker process; pickle's default for exceptions
# re-calls ``DocumentError(message)``, which lacks ``reason`` and breaks the process pool.
copyreg.pickle(DocumentError, _reduce_error)


def extract_file(path: str, doc_date: str | None = None, cache_dir: str | None = None,
                 version: str | None = None, settle: bool = False) -> Outcome:
    """Load and extract one file; a bad file comes back as its DocumentError (never raises).

    ``settle``: in a process that only extracts, first put what it holds (its models) out of the cyclic collector's
    sight, as :func:`kg.extract.settled` does; not in a Dask worker, whose process is not ours."""
    if settle:
        gc.freeze()
    try:
        raw = load_document(Path(path))
    except DocumentError as e:
        return e
    cache = ExtractionCache(Path(cache_dir), version) if cache_dir else None
    date = dt.date.fromisoformat(doc_date) if doc_date else None
    return Shipped.of(extract_document(raw, doc_date=date, cache=cache))


def _expand(paths: Iterable[Path]) -> Iterator[Path | DocumentError]:
    """Expand folders in the same order as :func:`kg.documents.iter_documents` without reading files."""
    from kg.documents import _expand as expand_one  # the loader owns the ordering rule

    for path in paths:
        if path.is_dir():
            yield from expand_one(path, True)
        elif path.exists():
            yield path
        else:
            yield DocumentError(path, "no such file; check the path")  # the loader's words, so every mode agrees


def _ordered(submit: Callable[[str], Any], result: Callable[[Any], Outcome], paths: Iterable[Path],
             window: int) -> Iterator[Outcome]:
    pending: deque[Any] = deque()
    for path in _expand(paths):
        if isinstance(path, DocumentError):
            pending.append(path)
        else:
            pending.append(submit(str(path)))
        while len(pending) >= window:
            head = pending.popleft()
            yield head if isinstance(head, DocumentError) else result(head)
    while pending:
        head = pending.popleft()
        yield head if isinstance(head, DocumentError) else result(head)


def _records(outcomes: Iterable[Outcome], on_error: Callable[[DocumentError], None] | None) -> Iterator[Record]:
    """The coordinator's part: resolution of the documents the workers send, in input order, with the resolver's
    state kept out of the cyclic collector's sight between them (:func:`kg.extract.settled`: every full collection
    would otherwise rescan all of it, which made half of this process's work while the workers extract)."""

    def good() -> Iterator[ExtractedDocument]:
        for item in outcomes:
            if isinstance(item, DocumentError):
                if on_error:
                    on_error(item)
            else:
                yield item.document()

    yield from resolve(settled(good()))


def extract_paths_parallel(
    paths: Iterable[Path],
    *,
    workers: int,
    doc_date: dt.date | None = None,
    on_error: Callable[[DocumentError], None] | None = None,
    cache: ExtractionCache | None = None,
) -> Iterator[Record]:
    """Like :func:`kg.extract.extract_paths`, on ``workers`` local processes."""
    outcomes = extract_outcomes_parallel(paths, workers=workers, doc_date=doc_date, cache=cache)
    yield from _records(outcomes, on_error)


def extract_outcomes_parallel(
    paths: Iterable[Path],
    *,
    workers: int,
    doc_date: dt.date | None = None,
    cache: ExtractionCache | None = None,
) -> Iterator[Outcome]:
    """The extraction stage alone: one outcome per file in input order, ``4 * workers`` in flight;
    the worker processes end when the iterator is exhausted or closed."""
    date = doc_date.isoformat() if doc_date else None
    cdir, version = (str(cache.folder), cache.version) if cache else (None, None)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        def submit(p: str) -> Future[Outcome]:
            return pool.submit(extract_file, p, date, cdir, version, settle=True)

        yield from _ordered(submit, lambda f: f.result(), paths, workers * 4)


def extract_paths_dask(
    paths: Iterable[Path],
    *,
    address: str | None,
    workers: int,
    doc_date: dt.date | None = None,
    on_error: Callable[[DocumentError], None] | None = None,
    cache: ExtractionCache | None = None,
) -> Iterator[Record]:
    """Extraction on a Dask cluster at ``address`` (``tcp://host:8786``), or on a local cluster of
    ``workers`` processes when no address is given. Workers must see the files at the same paths
    (a shared or replicated file system)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:  # pragma: no cover - dask is a core dependency
        raise RuntimeError("Dask is not installed; run: pip install 'dask[distributed]'") from e
    date = doc_date.isoformat() if doc_date else None
    cdir, version = (str(cache.folder), cache.version) if cache else (None, None)
    cluster = None
    if address:
        client = Client(address, timeout=WORKER_WAIT_S)  # type: ignore[no-untyped-call]
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError:
            client.close()  # type: ignore[no-untyped-call]
            raise RuntimeError(f"no Dask worker joined the scheduler at {address} within {WORKER_WAIT_S:.0f} s; "
                               f"start one with: dask worker {address}") from None
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,  # type: ignore[no-untyped-call]
                               dashboard_address=None)
        client = Client(cluster)  # type: ignore[no-untyped-call]
    try:
        n = max(1, sum(client.nthreads().values()))  # type: ignore[no-untyped-call]

        def submit(p: str) -> Any:
            return client.submit(extract_file, p, date, cdir, version, pure=False)

        yield from _records(_ordered(submit, lambda f: f.result(), paths, n * 4), on_error)
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()


__all__ = ["Shipped", "extract_file", "extract_outcomes_parallel", "extract_paths_dask", "extract_paths_parallel"]
