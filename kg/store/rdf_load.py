"""Writing the embedded store: record batches upserted into pyoxigraph, each written on a background thread while
the next one is prepared (pyoxigraph releases the GIL while it loads, so the two overlap).

Mixed into :class:`kg.store.rdf_store.OxigraphStore`, which owns the store, its in-memory indexes and the reads.
At most one batch is in flight: every access to ``store`` waits for it, so any read sees all earlier writes; the one
exception is the per-document look-up of :meth:`RdfLoading._unmentioned`, which is safe without waiting (see there).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.ids import mention_id, record_relation_id
from kg.models import EntityRecord, MentionRecord, Record, RelationRecord
from kg.pinyin import name_pinyin
from kg.rdf_export import Obj, TripleMaker, nt_line
from kg.store import native_memory
from kg.store.adjacency import Adjacency
from kg.store.base import EdgeView, LoadStats, NodeView
from kg.store.common import Link, entity_record, merge_entities, merge_relations, relation_record
from kg.store.label_index import LabelIndex, entry
from kg.store.rdf_terms import DEFAULT, RELATION_OF, K, named_node, nn, to_quad
from ontology.namespace import KG, iri_for

BATCH = 20000
BULK_MIN_QUADS = 20000
BULK_MIN_BYTES = 1 << 20
"""N-Triples this large go through the bulk loader even when they are few lines: a batch of document texts (a million
characters) written in a transaction would sit in RocksDB's memtables, growing the process with the corpus."""


def _write_batch(store: ox.Store, quads: list[ox.Quad], ntriples: bytes, lines: int) -> None:
    """One batch's writes (run on the writer thread; pyoxigraph releases the GIL while it loads): quads of
    subjects already stored, then N-Triples text of new triples (new subjects, document texts), parsed by Oxigraph
    itself (much cheaper than Quad objects); many lines or many bytes through the bulk loader.

    The text is parsed ``lenient``ly (IRIs are not checked again, a tenth of the loader's time): every IRI in it is
    the ontology's own or made from a record id, which the records' models hold to :data:`kg.ids.RECORD_ID`, and
    :func:`kg.rdf_export.nt_line` escapes the literals."""
    if len(quads) >= BULK_MIN_QUADS:
        store.bulk_extend(quads)
    elif quads:
        store.extend(quads)
    if lines >= BULK_MIN_QUADS or len(ntriples) >= BULK_MIN_BYTES:
        store.bulk_load(input=ntriples, format=ox.RdfFormat.N_TRIPLES, lenient=True)
    elif lines:
        store.load(input=ntriples, format=ox.RdfFormat.N_TRIPLES, lenient=True)
    native_memory.release_free_memory()


class RdfLoading:
    """The writing half of the embedded store (``load``, ``flush`` and the upsert rules)."""

    path: Path
    read_only: bool
    _store: ox.Store | None
    _writer: ThreadPoolExecutor | None
    _pending: Future[None] | None
    _fresh: dict[str, set[tuple[int, int]]]
    """Documents of the last batch that had no mention stored when first reached, with the mention spans written
    since: their next mentions need no look-up, even while that batch is still being written."""
    _texts: dict[str, str | None]
    _labels: LabelIndex | None
    _adjacency: Adjacency | None
    _written: set[int] | None
    """For a store empty when opened (or cleared): the ``hash`` of every entity and relation id written since. An id
    not among them has no node yet, so it needs no look-up; an id among them (or a collision) is looked up. Far
    smaller than keeping the label index and adjacency for the same answer (about 50 against 500 bytes an id), which
    is what lets a first load of tens of millions of characters run in flat memory."""

    def _start_writing(self) -> None:
        self._writer, self._pending, self._fresh, self._written = None, None, {}, None

    def _surely_new(self, node_id: str, index: LabelIndex | Adjacency | None) -> bool:
        """True when no node of this id can be stored: none written into a store empty when opened, or none in a
        complete in-memory index."""
        if self._written is not None:
            return hash(node_id) not in self._written
        return index is not None and node_id not in index

    def _node(self, iri: ox.NamedNode, quads: list[Any] | None = None) -> NodeView | None:
        raise NotImplementedError

    def _edge(self, iri: ox.NamedNode, quads: list[Any] | None = None) -> EdgeView | None:
        raise NotImplementedError

    @property
    def store(self) -> ox.Store:
        """The pyoxigraph store, once the batch still being written in the background (if any) is in it."""
        if self._pending is not None:
            self.flush()
        return self._open()

    def _open(self) -> ox.Store:
        """The pyoxigraph store as it is, without waiting for the batch in flight."""
        if self._store is None:
            raise RuntimeError("this OxigraphStore is closed; open a new OxigraphStore(path)")
        return self._store

    def flush(self) -> None:
        """Wait until every record given to ``load`` is in the store; a failed background write raises here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            try:
                pending.result()
            except BaseException:
                self._fresh.clear()  # what it says was written may not be
                raise

    def load(self, records: Iterable[Record], *, documents_text: dict[str, str] | None = None) -> LoadStats:
        if self.read_only:
            raise PermissionError(f"store {self.path} is open read-only; open OxigraphStore(path) to load")
        began = time.perf_counter()
        stats = LoadStats()
        texts = dict(documents_text or {})
        docs: set[str] = set(texts)
        for doc_id in texts:
            self._remove(iri_for(doc_id), K["text"])
            self._texts.pop(doc_id, None)
        maker = TripleMaker(documents_text=texts)
        self._submit([], [nt_line(t) for t in maker.prelude()])
        batch: list[Record] = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                self._load_batch(batch, maker, stats, docs)
                batch = []
        self._load_batch(batch, maker, stats, docs)
        stats.documents = len(docs)
        stats.seconds = time.perf_counter() - began
        return stats

    def _load_batch(self, batch: list[Record], maker: TripleMaker, stats: LoadStats, docs: set[str]) -> None:
        """Upsert one batch: each owned node (entity, relation, mention) is diffed against what is stored, so
        re-loading unchanged records writes nothing; shared nodes (documents, evidence, agents) are add-only."""
        entities: dict[str, EntityRecord] = {}
        relations: dict[str, RelationRecord] = {}
        add: list[ox.Quad] = []
        lines: list[str] = []
        fresh: dict[str, set[tuple[int, int]] | None] = {}
        for rec in batch:
            if isinstance(rec, EntityRecord):
                entities[rec.id] = merge_entities(entities[rec.id], rec) if rec.id in entities else rec
                stats.entities += 1
            elif isinstance(rec, RelationRecord):
                rid = record_relation_id(rec)
                relations[rid] = merge_relations(relations[rid], rec) if rid in relations else rec
                stats.relations += 1
            elif isinstance(rec, MentionRecord):
                stats.mentions += 1
                if rec.doc not in fresh:
                    fresh[rec.doc] = self._fresh[rec.doc] if rec.doc in self._fresh else self._unmentioned(rec.doc)
                spans, where = fresh[rec.doc], (rec.start, rec.end)
                if spans is not None and where not in spans:  # not stored: nothing to diff against
                    spans.add(where)
                    lines.extend(map(nt_line, maker.mention(rec)))
                else:
                    self._sync([ox.NamedNode(iri_for(mention_id(rec.doc, rec.start, rec.end)))], maker.mention(rec),
                               add, lines)
            else:
                docs.add(rec.id)
                for prop in ("path", "date", "sha256", "chars", "title"):
                    self._remove(iri_for(rec.id), nn(getattr(KG, prop)))
                add.extend(to_quad(t) for t in maker.document(rec))
        for ent in entities.values():
            iri = named_node(iri_for(ent.id))
            existing = [] if self._surely_new(ent.id, self._labels) else self._quads(iri, None, None)
            old = self._node(iri, existing) if existing else None
            if old is not None:
                ent = merge_entities(entity_record(old), ent)
            self._sync([iri], maker.entity(ent), add, lines, {iri: existing})
            if self._written is not None:
                self._written.add(hash(ent.id))
            if self._labels is not None:  # built by a read before: kept current
                self._labels.put(entry(ent.id, ent.type, ent.name, ent.aliases, name_pinyin(ent.name)))
        for rid, rel in relations.items():
            iri, span = named_node(iri_for(rid)), named_node(str(iri_for(rid)) + "/time")
            known: dict[ox.NamedNode, list[Any]] = {iri: [], span: []}
            if not self._surely_new(rid, self._adjacency):
                known = {iri: self._quads(iri, None, None)}
            old_edge = self._edge(iri, known[iri]) if known[iri] else None
            if old_edge is not None:
                rel = merge_relations(relation_record(old_edge), rel)
            self._sync([iri, span], maker.relation(rel), add, lines, known)
            if self._written is not None:
                self._written.add(hash(rid))
            if self._adjacency is not None:
                self._adjacency.add(Link(rid, rel.type, rel.source, rel.target))
        self._fresh = {doc: spans for doc, spans in fresh.items() if spans is not None}
        self._submit(add, lines)

    def _submit(self, quads: list[ox.Quad], lines: list[str]) -> None:
        """Queue writes on the writer thread once the batch before them is written (one batch in flight)."""
        if not (quads or lines):
            return
        store = self.store
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oxigraph-load")
        self._pending = self._writer.submit(_write_batch, store, quads, "".join(lines).encode("utf-8"), len(lines))

    def _sync(self, owned: list[ox.NamedNode], triples: Iterable[tuple[str, str, Obj]], add: list[ox.Quad],
              lines: list[str], known: dict[ox.NamedNode, list[Any]] | None = None) -> None:
        """Make the stored triples of the ``owned`` subjects exactly ``triples``' ones; queue the rest to add
        (as N-Triples ``lines`` when none of the owned subjects is stored yet, the common case of a first load)."""
        stored = {s: (known or {}).get(s) for s in owned}
        for subject, quads in stored.items():
            if quads is None:
                stored[subject] = self._quads(subject, None, None)
        if not any(stored.values()):
            lines.extend(map(nt_line, triples))
            return
        wanted: dict[ox.NamedNode, set[ox.Quad]] = {subject: set() for subject in owned}
        for triple in triples:
            quad = to_quad(triple)
            if quad.subject in wanted:
                wanted[quad.subject].add(quad)  # type: ignore[index]
            else:
                add.append(quad)
        for subject, want in wanted.items():
            # direct relation triples (subject kg:parentOf object) belong to the relation, not to the entity
            have = {q for q in stored[subject] or () if q.predicate not in RELATION_OF}
            for quad in have - want:
                self.store.remove(quad)
            add.extend(want - have)

    def _unmentioned(self, doc_id: str) -> set[tuple[int, int]] | None:
        """An empty set of written mention spans when no stored node (mention or evidence) points to this document,
        so none of its mentions is stored (every mention node has its ``kg:doc``): one index look-up instead of one
        per mention. ``None`` otherwise. Asked without waiting for the batch in flight, which holds no mention of a
        document not in ``self._fresh``; an evidence node in flight changes the answer, not the graph written."""
        pointing = self._open().quads_for_pattern(None, K["doc"], named_node(iri_for(doc_id)), DEFAULT)
        return set() if next(iter(pointing), None) is None else None

    def _quads(self, subject: Any, predicate: Any, obj: Any) -> list[Any]:
        """Quads of the default graph matching the pattern (terms typed ``Any``: they are checked by use)."""
        return list(self.store.quads_for_pattern(subject, predicate, obj, DEFAULT))

    def _remove(self, subject: Any, predicate: ox.NamedNode | None = None) -> None:
        for quad in self._quads(nn(subject), predicate, None):
            self.store.remove(quad)
