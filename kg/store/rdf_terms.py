"""RDF terms of the embedded store (pyoxigraph), and the readers that build its in-memory indexes from it."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pyoxigraph as ox

from kg.rdf_export import XSD_STRING, Lit, Obj
from kg.store.adjacency import Adjacency
from kg.store.common import Link
from kg.store.label_index import LabelIndex, entry
from ontology.namespace import CLASS_ENTITY, KG, ONTOLOGY_IRI, PROPERTY_RELATION, record_id_for

DEFAULT = ox.DefaultGraph()
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ONTOLOGY_GRAPH = ox.NamedNode(ONTOLOGY_IRI)
PREFIXES: dict[str, str] = {
    "kg": str(KG._NS), "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#", "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#", "schema": "https://schema.org/", "foaf": "http://xmlns.com/foaf/0.1/",
    "time": "http://www.w3.org/2006/time#", "crm": "http://www.cidoc-crm.org/cidoc-crm/",
}
"""Prefixes every SPARQL query may use without declaring them."""


def nn(term: Any) -> ox.NamedNode:
    return term if isinstance(term, ox.NamedNode) else ox.NamedNode(str(term))


K = {name: nn(getattr(KG, name)) for name in (
    "recordId", "name", "alias", "pinyin", "propertiesJson", "subject", "object", "relationType", "evidence",
    "doc", "start", "end", "sentence", "text", "refersTo", "confidence", "component", "timeSpan", "Relation",
    "Document", "Mention",
)}
CLASS_OF = {nn(cls): typ for cls, typ in CLASS_ENTITY.items()}
RELATION_OF = {nn(prop): typ for prop, typ in PROPERTY_RELATION.items()}


@lru_cache(maxsize=262144)
def named_node(value: str) -> ox.NamedNode:
    """NamedNode construction validates the IRI; predicates, classes and hot subjects repeat a lot."""
    return ox.NamedNode(value)


_CACHED_LITERAL_CHARS = 256


def ox_object(obj: Obj) -> ox.NamedNode | ox.Literal:
    if isinstance(obj, Lit) and len(obj.lexical) > _CACHED_LITERAL_CHARS:
        return _literal(obj)  # a document's text, a long sentence: rarely repeated, and the cache would keep it
    return _cached_object(obj)


@lru_cache(maxsize=65536)
def _cached_object(obj: Obj) -> ox.NamedNode | ox.Literal:
    return _literal(obj) if isinstance(obj, Lit) else named_node(obj)


def _literal(obj: Lit) -> ox.Literal:
    return ox.Literal(obj.lexical) if obj.datatype == XSD_STRING else ox.Literal(obj.lexical, datatype=named_node(obj.datatype))


def to_quad(triple: tuple[str, str, Obj]) -> ox.Quad:
    return ox.Quad(named_node(triple[0]), named_node(triple[1]), ox_object(triple[2]), DEFAULT)


def _pattern(store: ox.Store, predicate: ox.NamedNode, obj: ox.NamedNode | None) -> list[Any]:
    """Default-graph quads with this predicate (and object); typed ``Any``: their terms are checked by use."""
    return list(store.quads_for_pattern(None, predicate, obj, DEFAULT))


def read_labels(store: ox.Store) -> LabelIndex:
    """The label index of every entity in the default graph (four predicate scans)."""
    types: dict[str, str] = {}
    for cls, entity_type in CLASS_OF.items():
        for q in _pattern(store, RDF_TYPE, cls):
            types[str(q.subject.value)] = entity_type
    names = {str(q.subject.value): str(q.object.value) for q in _pattern(store, K["name"], None)}
    extra: dict[str, dict[str, list[str]]] = {"alias": {}, "pinyin": {}}
    for kind, values in extra.items():
        for q in _pattern(store, K[kind], None):
            values.setdefault(str(q.subject.value), []).append(str(q.object.value))
    return LabelIndex(entry(record_id_for(iri), types[iri], name, extra["alias"].get(iri, ()),
                            sorted(extra["pinyin"].get(iri, ())))
                      for iri, name in names.items() if iri in types)


def read_adjacency(store: ox.Store) -> Adjacency:
    """The adjacency of every relation in the default graph (three predicate scans)."""
    ends: dict[str, dict[str, str]] = {"subject": {}, "object": {}}
    for end, values in ends.items():
        for q in _pattern(store, K[end], None):
            values[str(q.subject.value)] = record_id_for(str(q.object.value))
    return Adjacency(Link(record_id_for(str(q.subject.value)), RELATION_OF[q.object], ends["subject"][q.subject.value],
                          ends["object"][q.subject.value])
                     for q in _pattern(store, K["relationType"], None)
                     if q.object in RELATION_OF and q.subject.value in ends["subject"] and q.subject.value in ends["object"])
