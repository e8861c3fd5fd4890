"""The Neo4j store: :class:`kg.store.base.GraphStore` over a Neo4j 5 server reached by Bolt.

All Cypher lives in :mod:`kg.store.cypher`. Writes go in batches of ``settings.batch_size`` through managed
transactions (``execute_write``), so transient errors are retried by the driver; each batch is one ``UNWIND``
statement per kind (and label or relationship type) that merges into what is stored in Cypher (aliases and
evidence united, properties merged key by key), with no read-back. Neighbourhoods and shortest paths are one
query each; reads answer exactly like the embedded store through the shared rules of :mod:`kg.store.common`.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import neo4j
from neo4j import GraphDatabase, ManagedTransaction

from kg.ids import mention_id, record_relation_id
from kg.models import (
    DocumentRecord,
    EntityRecord,
    MentionRecord,
    Record,
    RelationRecord,
)
from kg.settings import Settings, get_settings
from kg.store import cypher
from kg.store.base import (
    EdgeView,
    EntityView,
    EventView,
    LoadStats,
    MentionView,
    NodeView,
    PathView,
    SearchHit,
    Subgraph,
)
from kg.store.common import (
    SCORES,
    GraphWalk,
    Link,
    link_of,
    merge_entities,
    merge_relations,
    normalise_query,
    rank_match,
    sentence_around,
)
from kg.store.neo4j_rows import edge_view, entity_row, lucene_phrase, node_view, relation_row

log = logging.getLogger(__name__)

_HAN_ONLY = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]{2,}$")
PREFETCH_NODES = 5000
"""Most nodes whose relations one walk loads ahead, level by level, before falling back to one at a time."""
INCOMPLETE_COMMIT_RETRIES = 3
"""Times a batch is written again after its commit was cut off (the driver retries every other transient error)."""


_Step = tuple[cypher.Statement, cypher.Statement | None, dict[str, Record] | None]
"""A statement that merges, the same write as a ``CREATE`` for ids not stored yet (or None), and the records it
writes when some may have to wait for their entities."""


class _Batches:
    """Records of one load, grouped by kind; relation and mention rows keyed by id (later ones merged in)."""

    def __init__(self) -> None:
        self.documents: dict[str, DocumentRecord] = {}
        self.entities: dict[str, EntityRecord] = {}
        self.mentions: dict[str, MentionRecord] = {}
        self.relations: dict[str, RelationRecord] = {}

    def __len__(self) -> int:
        return len(self.documents) + len(self.entities) + len(self.mentions) + len(self.relations)

    def add(self, rec: Record) -> None:
        if isinstance(rec, DocumentRecord):
            self.documents[rec.id] = rec
        elif isinstance(rec, EntityRecord):
            old = self.entities.get(rec.id)
            self.entities[rec.id] = merge_entities(old, rec) if old else rec
        elif isinstance(rec, MentionRecord):
            self.mentions[mention_id(rec.doc, rec.start, rec.end)] = rec
        else:
            rid = record_relation_id(rec)
            old_rel = self.relations.get(rid)
            self.relations[rid] = merge_relations(old_rel, rec) if old_rel else rec


class Neo4jStore:
    """GraphStore over Neo4j (``KG_NEO4J_URI`` / ``_USER`` / ``_PASSWORD`` / ``_DATABASE``)."""

    name = "neo4j"

    def __init__(self, settings: Settings | None = None, *, driver: neo4j.Driver | None = None) -> None:
        self.settings = settings or get_settings()
        if not self.settings.neo4j_uri:
            raise ValueError("KG_NEO4J_URI is empty; set it (e.g. from `scripts/neo4j.sh uri`) to use the Neo4j store")
        self.database = self.settings.neo4j_database
        self.batch_size = max(1, self.settings.batch_size)
        self._owns_driver = driver is None
        self.driver = driver or GraphDatabase.driver(
            self.settings.neo4j_uri,
            auth=(self.settings.neo4j_user, self.settings.neo4j_password.get_secret_value()),
            notifications_min_severity="OFF",
            max_transaction_retry_time=self.settings.neo4j_retry_s,
        )
        self._schema_ready = False
        self._creating = False

    def __repr__(self) -> str:
        return f"Neo4jStore(uri={self.settings.neo4j_uri!r}, user={self.settings.neo4j_user!r}, database={self.database!r})"

    # ------------------------------------------------------------------------------------------ plumbing
    def _read(self, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        records, _, _ = self.driver.execute_query(query, params or {}, database_=self.database,
                                                  routing_=neo4j.RoutingControl.READ)
        return [r.data() for r in records]

    def _write(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return [r.data() for r in tx.run(query, params)]

        with self.driver.session(database=self.database) as session:
            return session.execute_write(work)

    def ensure_schema(self) -> None:
        """Create the constraints and the full-text index (idempotent) and wait until they are online."""
        if self._schema_ready:
            return
        with self.driver.session(database=self.database) as session:
            for statement in cypher.schema_statements():
                session.run(statement).consume()
            query, params = cypher.await_indexes()
            session.run(query, params).consume()
        self._schema_ready = True

    def close(self) -> None:
        """Close the driver if this store opened it (a driver passed in stays open for its owner)."""
        if self._owns_driver:
            self.driver.close()

    # ------------------------------------------------------------------------------------------ writing
    def flush(self) -> None:
        """Nothing to wait for: every ``load`` batch is committed before it returns."""
    def load(self, records: Iterable[Record], *, documents_text: dict[str, str] | None = None) -> LoadStats:
        began = time.perf_counter()
        self.ensure_schema()
        self._creating = True
        stats = LoadStats()
        texts = dict(documents_text or {})
        docs: set[str] = set(texts)
        for chunk in _chunks([{"id": k, "text": v} for k, v in sorted(texts.items())], self.batch_size):
            self._write(*cypher.set_document_texts(chunk))
        pending = _Batches()
        deferred = _Batches()
        # one writer thread: the next batch is prepared in Python while the server writes this one
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="neo4j-load")
        in_flight: Future[None] | None = None

        def submit(batch: _Batches) -> None:
            nonlocal in_flight
            steps = self._prepare(batch)
            if in_flight is not None:
                in_flight.result()
            in_flight = writer.submit(self._run, steps, deferred)

        try:
            for rec in records:
                pending.add(rec)
                if isinstance(rec, DocumentRecord):
                    docs.add(rec.id)
                elif isinstance(rec, EntityRecord):
                    stats.entities += 1
                elif isinstance(rec, MentionRecord):
                    stats.mentions += 1
                else:
                    stats.relations += 1
                if len(pending) >= self.batch_size:
                    submit(pending)
                    pending = _Batches()
            submit(pending)
            if in_flight is not None:
                in_flight.result()
        finally:
            writer.shutdown(wait=True, cancel_futures=True)
        missing = _Batches()
        self._run(self._prepare(deferred), missing)
        if missing.mentions or missing.relations:
            log.warning("skipped %d mentions and %d relations whose entities are not in the store",
                        len(missing.mentions), len(missing.relations))
        stats.documents = len(docs)
        stats.seconds = time.perf_counter() - began
        return stats

    def _prepare(self, batch: _Batches) -> list[_Step]:
        """The statements of one batch, in order: documents, entities, then mentions and relations (so their ends
        exist); a mention or relation step keeps its records, to retry those whose ends are not stored yet."""
        steps: list[_Step] = []
        if batch.documents:
            rows = [{"id": d.id, "props": {k: getattr(d, k) for k in ("path", "date", "sha256", "chars", "title")}}
                    for d in batch.documents.values()]
            steps.append((cypher.upsert_documents(rows), None, None))
        by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for ent in batch.entities.values():
            by_type[ent.type].append(entity_row(ent))
        steps.extend((cypher.upsert_entities(entity_type, rows), cypher.create_entities(entity_type, rows), None)
                     for entity_type, rows in sorted(by_type.items()))
        if batch.mentions:
            rows = [{"id": mid, "entity": m.entity, "doc": m.doc,
                     "props": {"id": mid, **m.model_dump(exclude={"record"}, exclude_none=True)}}
                    for mid, m in batch.mentions.items()]
            steps.append((cypher.upsert_mentions(rows), cypher.create_mentions(rows), dict(batch.mentions)))
        relations: dict[str, dict[str, RelationRecord]] = defaultdict(dict)
        for rid, rel in batch.relations.items():
            relations[rel.type][rid] = rel
        for rel_type, group in sorted(relations.items()):
            rows = [relation_row(rid, rel) for rid, rel in group.items()]
            records: dict[str, Record] = dict(group)
            steps.append((cypher.upsert_relations(rel_type, rows), cypher.create_relations(rel_type, rows), records))
        return steps

    def _run(self, steps: list[_Step], deferred: _Batches) -> None:
        """Write the steps in one transaction (one commit per batch, retried as a whole on transient errors);
        mentions and relations not written (ends missing) go to ``deferred``.

        While nothing of the load was found stored already, the batch is first tried with ``CREATE``; an id that
        exists fails it on a uniqueness constraint (the transaction rolls back, nothing is half-written), and it
        and the rest of the load run with ``MERGE``. Either way the stored graph is the same."""
        if not steps:
            return

        results: list[list[dict[str, Any]]] | None = None
        for attempt in range(INCOMPLETE_COMMIT_RETRIES + 1):
            try:
                results = self._write_batch(steps)
                break
            except neo4j.exceptions.IncompleteCommit:
                # the connection dropped during COMMIT (a server restart): the batch may or may not be stored,
                # and the driver does not retry that; writing it again is safe (a stored CREATE batch fails on
                # the constraints and is merged instead)
                if attempt == INCOMPLETE_COMMIT_RETRIES:
                    raise
                log.warning("commit of a batch was cut off; writing it again")
        assert results is not None
        for (_, _, records), written in zip(steps, results, strict=True):
            if records is not None:
                done = {r["id"] for r in written}
                for key, rec in records.items():
                    if key in done:
                        continue
                    if isinstance(rec, MentionRecord):
                        deferred.mentions[key] = rec
                    elif isinstance(rec, RelationRecord):
                        deferred.relations[key] = rec

    def _write_batch(self, steps: list[_Step]) -> list[list[dict[str, Any]]]:
        """One transaction of the steps' ``CREATE`` statements while the load is creating, else of their merges."""
        def statements(create: bool) -> Callable[[ManagedTransaction], list[list[dict[str, Any]]]]:
            chosen = [(new or merge) if create else merge for merge, new, _ in steps]
            return lambda tx: [[r.data() for r in tx.run(query, params)] for query, params in chosen]

        with self.driver.session(database=self.database) as session:
            if self._creating:
                try:
                    return session.execute_write(statements(create=True))
                except neo4j.exceptions.ConstraintError:
                    self._creating = False
            return session.execute_write(statements(create=False))

    def clear(self) -> None:
        query, params = cypher.delete_all_batch(max(self.batch_size, 1000))
        while self._write(query, params)[0]["deleted"]:
            pass

    # ------------------------------------------------------------------------------------------ reading helpers
    def walk(self) -> tuple[GraphWalk, _Around]:
        """The shared walk over a fresh cache of what this call reads (calls never share one: the API is
        multi-threaded and the graph may change between calls)."""
        around = _Around(self)
        return GraphWalk(around.links, around.node, around.edges.get), around

    def document_text(self, doc_id: str) -> str | None:
        rows = self._read(*cypher.document_texts([doc_id]))
        return rows[0]["text"] if rows else None

    def _mentions(self, entity_id: str) -> list[MentionView]:
        rows = self._read(*cypher.entity_mentions(entity_id))
        texts = {r["id"]: r["text"] for r in self._read(*cypher.document_texts(sorted({r["doc"] for r in rows})))}
        views = []
        for row in rows:
            text = texts.get(row["doc"])
            sentence, sentence_start = sentence_around(text, row["start"], row["end"]) if text is not None else (None, None)
            views.append(MentionView(doc=row["doc"], start=row["start"], end=row["end"], text=row["text"] or "",
                                     sentence=sentence, sentence_start=sentence_start))
        return sorted(views, key=lambda v: (v.doc, v.start, v.end))

    # ------------------------------------------------------------------------------------------ GraphStore reads
    def counts(self) -> dict[str, int]:
        return {key: int(self._read(query)[0]["n"]) for key, query in cypher.count_queries().items()}

    def get_entity(self, entity_id: str) -> EntityView | None:
        around = _Around(self)
        node = around.node(entity_id)
        if node is None:
            return None
        relations = sorted(around.adjacent(entity_id), key=lambda e: (e.type, e.source, e.target, e.id))
        neighbours = [n for n in (around.node(e.target if e.source == entity_id else e.source) for e in relations)
                      if n is not None]
        return EntityView(**node.model_dump(), relations=relations, neighbours=neighbours,
                          mentions=self._mentions(entity_id))

    def search(self, query: str, *, entity_type: str | None = None, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        needle = normalise_query(query)
        if not needle:
            return []
        if _HAN_ONLY.match(needle):  # the CJK bigram index finds every name/alias containing a Han string
            rows = self._read(*cypher.fulltext_candidates(lucene_phrase(needle), entity_type))
        else:  # one Han character, Latin or pinyin text: bigrams cannot answer substrings, so scan
            rows = self._read(*cypher.substring_candidates(needle, entity_type))
        ranked: list[tuple[int, str, str, str]] = []
        for row in rows:
            labels = [("name", row["name"])] + [("alias", a) for a in row["aliases"] or []]
            labels += [("pinyin", p) for p in row["pinyin"] or []]
            matching = [(kind, label) for kind, label in labels if needle in label.lower()]
            if matching:
                rank, matched = rank_match(needle, matching)
                ranked.append((rank, row["name"], row["id"], matched))
        ranked.sort()
        page = ranked[offset:offset + limit]
        nodes = {r["node"]["id"]: node_view(r["node"]) for r in self._read(*cypher.nodes_by_ids([p[2] for p in page]))}
        return [SearchHit(entity=nodes[i], score=SCORES[rank], matched=matched)
                for rank, _, i, matched in page if i in nodes]

    def neighbours(self, entity_id: str, *, depth: int = 1, relation_types: list[str] | None = None,
                   entity_types: list[str] | None = None, limit: int = 200) -> Subgraph:
        """One query (:func:`kg.store.cypher.neighbourhood`), the same walk as :meth:`GraphWalk.neighbours`."""
        if limit < 1:
            return Subgraph()
        hops = min(max(depth, 0), cypher.MAX_DEPTH)
        rows = self._read(*cypher.neighbourhood(entity_id, hops, relation_types, entity_types, limit))
        if not rows:
            return Subgraph()
        nodes = sorted((node_view(n) for n in rows[0]["nodes"]), key=lambda n: n.id)
        edges = sorted((edge_view(e) for e in rows[0]["edges"]), key=lambda e: e.id)
        return Subgraph(nodes=nodes, edges=edges)

    def paths(self, source: str, target: str, *, k: int = 3, max_hops: int = 4) -> list[PathView]:
        """All shortest paths in one query (``allShortestPaths``); only when they are fewer than ``k`` and longer
        ones may exist, the bounded breadth-first walk of :class:`GraphWalk` (one query per hop) adds them."""
        walk, around = self.walk()
        if k < 1 or max_hops < 1 or source == target or max_hops > cypher.MAX_DEPTH:
            return walk.paths(source, target, k=k, max_hops=max_hops)
        found: dict[tuple[str, ...], PathView] = {}
        for row in self._read(*cypher.shortest_paths(source, target, max_hops)):
            nodes, edges = [node_view(n) for n in row["nodes"]], [edge_view(e) for e in row["edges"]]
            key = tuple(n.id for n in nodes)
            old = found.get(key)
            if old is not None:  # parallel relations: keep the smallest id between each pair
                edges = [min(a, b, key=lambda e: e.id) for a, b in zip(old.edges, edges, strict=True)]
            found[key] = PathView(nodes=nodes, edges=edges)
        if found and (len(found) >= k or len(next(iter(found))) - 1 >= max_hops):
            return [found[key] for key in sorted(found)[:k]]
        if not found:
            return []
        around.prefetch_levels(target, max_hops)
        return walk.paths(source, target, k=k, max_hops=max_hops)

    def events(self, entity_id: str) -> list[EventView]:
        walk, around = self.walk()
        around.prefetch_levels(entity_id, 2)
        return walk.events(entity_id)

    def all_entities(self) -> Iterator[NodeView]:
        with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
            for record in session.run(cypher.all_entities()):
                yield node_view(record["node"])

    def all_relations(self) -> Iterator[EdgeView]:
        with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
            for record in session.run(cypher.all_relations()):
                yield edge_view(record["edge"])


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class _Around:
    """Relations and nodes one call has read, keyed by entity id; filled a whole level at a time."""

    def __init__(self, store: Neo4jStore) -> None:
        self.store = store
        self.adjacency: dict[str, list[EdgeView]] = {}
        self.nodes: dict[str, NodeView | None] = {}
        self.edges: dict[str, EdgeView] = {}

    def node(self, entity_id: str) -> NodeView | None:
        if entity_id not in self.nodes:
            rows = self.store._read(*cypher.nodes_by_ids([entity_id]))
            self.nodes[entity_id] = node_view(rows[0]["node"]) if rows else None
        return self.nodes[entity_id]

    def links(self, entity_id: str) -> list[Link]:
        return [link_of(e) for e in self.adjacent(entity_id)]

    def adjacent(self, entity_id: str) -> list[EdgeView]:
        if entity_id not in self.adjacency:
            self.prefetch([entity_id])
        return self.adjacency[entity_id]

    def prefetch(self, ids: list[str]) -> list[str]:
        """Load the relations (and other ends) of ``ids`` in one query; returns the ids of the other ends."""
        todo = [i for i in ids if i not in self.adjacency]
        for i in todo:
            self.adjacency[i] = []
        seen: set[tuple[str, str]] = set()
        others: set[str] = set()
        for chunk in _chunks(todo, self.store.batch_size):
            for row in self.store._read(*cypher.adjacent_edges(chunk)):
                edge = edge_view(row["edge"])
                if (row["id"], edge.id) not in seen:
                    seen.add((row["id"], edge.id))
                    self.adjacency[row["id"]].append(edge)
                    self.edges[edge.id] = edge
                other = node_view(row["node"])
                self.nodes[other.id] = other
                others.add(other.id)
        for i in todo:
            self.adjacency[i].sort(key=lambda e: e.id)
        return sorted(others)

    def prefetch_levels(self, start: str, hops: int) -> None:
        """Load relations breadth-first from ``start``, one query per hop, up to ``PREFETCH_NODES`` nodes."""
        level, loaded = [start], 0
        for _ in range(max(hops, 0)):
            if not level or loaded + len(level) > PREFETCH_NODES:
                break
            loaded += len(level)
            level = [o for o in self.prefetch(level) if o not in self.adjacency]
