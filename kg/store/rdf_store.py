"""The embedded store: the RDF graph of ``kg.rdf_export`` in an on-disk pyoxigraph (RocksDB) store.

Implements :class:`kg.store.base.GraphStore` with the same answers and orderings as the Neo4j store; also
offers ``sparql()`` for the endpoint and ``rdflib_graph()``, an rdflib view (the oxrdflib "Oxigraph" store
plugin), so the data is usable from rdflib. The ontology is kept in the named graph
``https://w3id.org/gazetteer-kg/ontology``; instance data in the default graph.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg.models import Evidence
from kg.settings import get_settings
from kg.store import index_file, native_memory
from kg.store.adjacency import Adjacency
from kg.store.base import (
    EdgeView,
    EntityView,
    EventView,
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
    normalise_query,
    sentence_around,
)
from kg.store.label_index import LabelIndex
from kg.store.rdf_load import RdfLoading
from kg.store.rdf_terms import (
    CLASS_OF,
    DEFAULT,
    ONTOLOGY_GRAPH,
    PREFIXES,
    RDF_TYPE,
    RELATION_OF,
    K,
    named_node,
    nn,
    read_adjacency,
    read_labels,
)
from ontology.namespace import ENTITY_CLASS, ONTOLOGY_TTL, iri_for, record_id_for

__all__ = ["PREFIXES", "OxigraphStore"]


_NODE_FIELDS = (RDF_TYPE, K["name"], K["alias"], K["propertiesJson"], K["recordId"])


class OxigraphStore(RdfLoading):
    """GraphStore over an on-disk pyoxigraph store (default ``settings.data_dir / "oxigraph"``)."""

    name = "oxigraph"

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else get_settings().data_dir / "oxigraph"
        self._start_writing()
        self.read_only = read_only
        if read_only:
            if not self.path.exists():
                raise FileNotFoundError(f"no Oxigraph store at {self.path}; run `kg load` first or set KG_DATA_DIR")
            self._stamp: index_file.Stamp | None = index_file.fingerprint(self.path)  # before the store is read
            self._store: ox.Store | None = ox.Store.read_only(str(self.path))
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            self._stamp = None
            native_memory.limit_arenas()  # before RocksDB starts its threads
            self._store = ox.Store(str(self.path))
            self._ensure_ontology()
        self._texts: dict[str, str | None] = {}
        self._labels: LabelIndex | None = None
        self._adjacency: Adjacency | None = None
        self._index_lock = threading.Lock()  # concurrent first requests build each index once
        if next(iter(self.store.quads_for_pattern(None, K["recordId"], None, DEFAULT)), None) is None:
            self._written, self._stamp = set(), None  # empty store: every node a load writes is new until written
        self.walk = GraphWalk(self._links, self._node_by_id, self._edge_by_id)

    def _ensure_ontology(self) -> None:
        if not self.store.contains_named_graph(ONTOLOGY_GRAPH):
            self.store.load(path=str(ONTOLOGY_TTL), format=ox.RdfFormat.TURTLE, to_graph=ONTOLOGY_GRAPH)

    # ------------------------------------------------------------------ writing: kg.store.rdf_load
    def clear(self) -> None:
        self.store.clear()
        self._texts.clear()
        self._fresh.clear()
        self._labels, self._adjacency, self._written = None, None, set()
        self._ensure_ontology()

    def close(self) -> None:
        try:
            if self._store is not None and not self.read_only:
                self.store.flush()
        finally:
            if self._writer is not None:
                self._writer.shutdown()
            self._writer, self._pending, self._store = None, None, None

    # ------------------------------------------------------------------ reading helpers
    def _values(self, subject: ox.NamedNode, predicate: ox.NamedNode) -> list[Any]:
        return [q.object for q in self._quads(subject, predicate, None)]

    def _one(self, subject: ox.NamedNode, predicate: ox.NamedNode) -> str | None:
        values = self._values(subject, predicate)
        return str(values[0].value) if values else None

    def _node(self, iri: ox.NamedNode, quads: list[Any] | None = None) -> NodeView | None:
        if quads is None:  # only the node's own fields: a hub also has thousands of relation shortcut triples
            quads = [q for p in _NODE_FIELDS for q in self._quads(iri, p, None)]
        types, name, aliases, props, rid = [], None, [], {}, None
        for q in quads:
            p, o = q.predicate, q.object
            if p == RDF_TYPE and o in CLASS_OF:
                types.append(CLASS_OF[o])
            elif p == K["name"]:
                name = o.value
            elif p == K["alias"]:
                aliases.append(o.value)
            elif p == K["propertiesJson"]:
                props = json.loads(o.value)
            elif p == K["recordId"]:
                rid = o.value
        if not types or name is None or rid is None:
            return None
        return NodeView(id=rid, type=types[0], name=name, aliases=sorted(aliases), properties=props)

    def _node_by_id(self, entity_id: str) -> NodeView | None:
        """From the label index (name, type, aliases) and the properties, when the index is built."""
        known = self._labels.get(entity_id) if self._labels is not None else None
        if known is None:
            return self._node(nn(iri_for(entity_id)))
        props = self._one(nn(iri_for(entity_id)), K["propertiesJson"])
        return NodeView(id=entity_id, type=known.entity_type, name=known.name,
                        aliases=[label for kind, label in known.labels if kind == "alias"],
                        properties=json.loads(props) if props else {})

    def _edge(self, iri: ox.NamedNode, quads: list[Any] | None = None) -> EdgeView | None:
        fields: dict[str, Any] = {}
        evidence: list[Evidence] = []
        for q in quads if quads is not None else self._quads(iri, None, None):
            p, o = q.predicate, q.object
            if p == K["recordId"]:
                fields["id"] = o.value
            elif p == K["subject"]:
                fields["source"] = record_id_for(o.value)
            elif p == K["object"]:
                fields["target"] = record_id_for(o.value)
            elif p == K["relationType"] and o in RELATION_OF:
                fields["type"] = RELATION_OF[o]
            elif p == K["propertiesJson"]:
                fields["properties"] = json.loads(o.value)
            elif p == K["confidence"]:
                fields["confidence"] = float(o.value)
            elif p == K["component"]:
                fields["component"] = o.value
            elif p == K["evidence"]:
                evidence.append(self._evidence(o))
        if not {"id", "source", "target", "type"} <= fields.keys():
            return None
        evidence.sort(key=lambda e: (e.doc, e.start, e.end))
        return EdgeView(evidence=evidence, **fields)

    def _evidence(self, node: ox.NamedNode) -> Evidence:
        values = {q.predicate: q.object.value for q in self._quads(node, None, None)}
        return Evidence(doc=record_id_for(values.get(K["doc"], "")), start=int(values.get(K["start"], 0)),
                        end=int(values.get(K["end"], 0)), sentence=values.get(K["sentence"]))

    def _edge_by_id(self, relation_id: str) -> EdgeView | None:
        return self._edge(named_node(iri_for(relation_id)))

    def _links(self, entity_id: str) -> list[Link]:
        return self.adjacency().links(entity_id)

    def adjacency(self) -> Adjacency:
        """The in-memory adjacency (:mod:`kg.store.adjacency`), read from the store when first needed."""
        if self._adjacency is None:
            with self._index_lock:
                self._from_file()
                if self._adjacency is None:
                    self._adjacency = read_adjacency(self.store)
        return self._adjacency

    def _from_file(self) -> None:
        """A read-only store's indexes from the file saved next to it (:mod:`kg.store.index_file`), once, if it
        was made from the store as it is (called under the index lock)."""
        if self._stamp is not None and self._labels is None and self._adjacency is None:
            saved = index_file.load(self.path, self._stamp)
            if saved is not None:
                self._labels, self._adjacency = saved
                self._stamp = None  # nothing to save

    def document_text(self, doc_id: str) -> str | None:
        if doc_id not in self._texts:
            if len(self._texts) > 256:
                self._texts.clear()
            self._texts[doc_id] = self._one(nn(iri_for(doc_id)), K["text"])
        return self._texts[doc_id]

    def _mentions(self, iri: ox.NamedNode) -> list[MentionView]:
        views = []
        for q in self._quads(None, K["refersTo"], iri):
            m = q.subject
            doc = record_id_for(self._one(m, K["doc"]) or "")
            start, end = int(self._one(m, K["start"]) or 0), int(self._one(m, K["end"]) or 0)
            text = self.document_text(doc)
            sentence, sentence_start = sentence_around(text, start, end) if text is not None else (None, None)
            views.append(MentionView(doc=doc, start=start, end=end, text=self._one(m, K["text"]) or "",
                                     sentence=sentence, sentence_start=sentence_start))
        return sorted(views, key=lambda v: (v.doc, v.start, v.end))

    # ------------------------------------------------------------------ GraphStore reads
    def counts(self) -> dict[str, int]:
        classes = " ".join(f"<{c}>" for c in ENTITY_CLASS.values())
        queries = {
            "entities": f"SELECT (COUNT(?x) AS ?n) WHERE {{ VALUES ?c {{ {classes} }} ?x a ?c }}",
            "relations": "SELECT (COUNT(?x) AS ?n) WHERE { ?x a kg:Relation }",
            "documents": "SELECT (COUNT(?x) AS ?n) WHERE { ?x a kg:Document }",
            "mentions": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x kg:refersTo ?e }",
        }
        return {key: int(self._select(q)[0]["n"].value) for key, q in queries.items()}

    def get_entity(self, entity_id: str) -> EntityView | None:
        iri = nn(iri_for(entity_id))
        node = self._node(iri)
        if node is None:
            return None
        edges = (self._edge_by_id(link.id) for link in self._links(entity_id))
        relations = sorted((e for e in edges if e is not None), key=lambda e: (e.type, e.source, e.target, e.id))
        neighbours = []
        for edge in relations:
            other = self._node_by_id(edge.target if edge.source == entity_id else edge.source)
            if other is not None:
                neighbours.append(other)
        return EntityView(**node.model_dump(), relations=relations, neighbours=neighbours, mentions=self._mentions(iri))

    def search_count(self, query: str, *, entity_type: str | None = None) -> int:
        """How many entities ``search`` would rank, without reading any of them."""
        needle = normalise_query(query)
        return len(self.labels().search(needle, entity_type)) if needle else 0

    def search(self, query: str, *, entity_type: str | None = None, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        """Through the label index (:mod:`kg.store.label_index`), built from the store on the first search."""
        needle = normalise_query(query)
        if not needle:
            return []
        hits = []
        for found in self.labels().search(needle, entity_type)[offset:offset + limit]:
            node = self._node_by_id(found.entity_id)
            if node is not None:
                hits.append(SearchHit(entity=node, score=SCORES[found.rank], matched=found.matched))
        return hits

    def labels(self) -> LabelIndex:
        """The label index, read from the store when first needed (kept current by ``load``)."""
        if self._labels is None:
            with self._index_lock:
                self._from_file()
                if self._labels is None:
                    self._labels = read_labels(self.store)
        return self._labels

    def warm(self) -> None:
        """Build the in-memory indexes now (the server calls this at start-up); a read-only store that had to
        read them from the store saves them next to it for the next process."""
        labels, adjacency = self.labels(), self.adjacency()
        with self._index_lock:
            stamp, self._stamp = self._stamp, None
        if stamp is not None:
            index_file.save(self.path, stamp, labels, adjacency)
        labels.build()

    def neighbours(self, entity_id: str, *, depth: int = 1, relation_types: list[str] | None = None,
                   entity_types: list[str] | None = None, limit: int = 200) -> Subgraph:
        return self.walk.memoised().neighbours(entity_id, depth=depth, relation_types=relation_types,
                                    entity_types=entity_types, limit=limit)

    def paths(self, source: str, target: str, *, k: int = 3, max_hops: int = 4) -> list[PathView]:
        return self.walk.memoised().paths(source, target, k=k, max_hops=max_hops)

    def events(self, entity_id: str) -> list[EventView]:
        return self.walk.memoised().events(entity_id)

    def all_entities(self) -> Iterator[NodeView]:
        values = " ".join(f"<{c}>" for c in ENTITY_CLASS.values())
        rows = self._select(f"SELECT ?x WHERE {{ VALUES ?c {{ {values} }} ?x a ?c ; kg:recordId ?id }} ORDER BY ?id")
        for row in rows:
            node = self._node(row["x"])
            if node is not None:
                yield node

    def all_relations(self) -> Iterator[EdgeView]:
        for row in self._select("SELECT ?x WHERE { ?x a kg:Relation ; kg:recordId ?id } ORDER BY ?id"):
            edge = self._edge(row["x"])
            if edge is not None:
                yield edge

    # ------------------------------------------------------------------ RDF access
    def sparql(self, query: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run SPARQL in-process (no time limit: the HTTP endpoint goes through ``kg.store.sparql_guard``)."""
        return self.store.query(query, prefixes=PREFIXES)

    def _select(self, query: str) -> list[Any]:
        result = self.sparql(query)
        if not isinstance(result, ox.QuerySolutions):
            raise TypeError(f"expected a SELECT query, got {type(result).__name__}")
        return list(result)

    def rdflib_graph(self) -> Graph:
        """The default graph as an rdflib ``Graph`` backed by this store (oxrdflib): usable from rdflib."""
        from oxrdflib import OxigraphStore as RdflibOxigraphStore

        return Graph(store=RdflibOxigraphStore(store=self.store), identifier=DATASET_DEFAULT_GRAPH_ID)

    def export_native(self, path: Path, kind: str) -> int:
        """Dump the default graph as N-Triples or Turtle straight from the store; returns the triple count."""
        fmt = ox.RdfFormat.N_TRIPLES if kind == "nt" else ox.RdfFormat.TURTLE
        self.store.dump(output=str(path), format=fmt, from_graph=DEFAULT,
                        prefixes=None if kind == "nt" else dict(PREFIXES))
        return int(self._select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"].value)
