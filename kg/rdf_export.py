"""Records → RDF (the ``kg:`` ontology): an rdflib Graph, a streaming N-Triples writer, and ``export_rdf``.

Every relation becomes a direct triple (``id:per/a kg:parentOf id:per/b``) PLUS a reified ``kg:Relation`` node
carrying subject, object, relation type, properties, confidence, component and its evidence (``kg:Mention``
nodes derived from the ``kg:Document``). The triples are produced once, as plain tuples, and turned into rdflib
terms, pyoxigraph terms (the embedded store) or N-Triples lines.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import PROV

from kg.ids import mention_id, record_relation_id
from kg.models import DocumentRecord, EntityRecord, MentionRecord, Record, RelationRecord
from kg.pinyin import name_pinyin
from kg.store.base import GraphStore
from ontology.namespace import (
    CONTEXT_JSONLD,
    ENTITY_CLASS,
    KG,
    RELATION_PROPERTY,
    TIME_SPAN_KEYS,
    WELL_KNOWN_KEYS,
    agent_iri,
    iri_text,
)

XSD_STRING = str(XSD.string)
XSD_INTEGER = str(XSD.integer)
XSD_DECIMAL = str(XSD.decimal)
RDF_JSON = str(RDF.JSON)
RDF_TYPE = str(RDF.type)
_KG: dict[str, str] = {name: str(getattr(KG, name)) for name in KG.__annotations__}
"""Every ``kg:`` term as a string, by local name (a misspelled name is a KeyError); built once: each ``KG.x``
makes a new rdflib term, and a load makes millions of triples."""
_DERIVED_FROM = str(PROV.wasDerivedFrom)
ISO_DATE = re.compile(r"^-?\d{4}(-\d{2}(-\d{2})?)?(/-?\d{4}(-\d{2}(-\d{2})?)?)?$")
"""ISO 8601 year, month or day, optionally an interval ``start/end`` (the same pattern as shapes.ttl)."""

FORMATS: dict[str, str] = {
    "turtle": "turtle", "ttl": "turtle", "nt": "nt", "ntriples": "nt", "n-triples": "nt",
    "json-ld": "json-ld", "jsonld": "json-ld", "xml": "xml", "rdfxml": "xml", "rdf/xml": "xml",
}


class Lit(NamedTuple):
    """A literal: lexical form and datatype IRI."""

    lexical: str
    datatype: str = XSD_STRING


Obj = str | Lit
"""An object is an IRI (``str``) or a literal."""
Triple = tuple[str, str, Obj]


def evidence_id(doc: str, start: int, end: int) -> str:
    """Evidence spans get their own ids (``evd:``) so they never collide with entity mentions (``men:``)."""
    return "evd:" + mention_id(doc, start, end).partition(":")[2]


def _scalar(value: Any) -> Lit | None:
    if isinstance(value, bool):
        return Lit("true" if value else "false", str(XSD.boolean))
    if isinstance(value, int):
        return Lit(str(value), XSD_INTEGER)
    if isinstance(value, float):
        return _decimal(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return Lit(value)
    return None


def _decimal(value: float) -> Lit:
    return Lit(format(Decimal(repr(float(value))), "f"), XSD_DECIMAL)


@dataclass
class TripleMaker:
    """Turns records into triples; remembers documents and agents already described (for streaming)."""

    documents_text: dict[str, str] = field(default_factory=dict)
    with_pinyin: bool = True
    _docs: set[str] = field(default_factory=set)
    _agents: set[str] = field(default_factory=set)

    def prelude(self) -> Iterator[Triple]:
        """Documents known only by their text (``documents_text``)."""
        for doc_id in sorted(self.documents_text):
            yield from self._document_node(doc_id)
            yield (iri_text(doc_id), _KG["text"], Lit(self.documents_text[doc_id]))

    def triples(self, record: Record) -> Iterator[Triple]:
        if isinstance(record, EntityRecord):
            yield from self.entity(record)
        elif isinstance(record, RelationRecord):
            yield from self.relation(record)
        elif isinstance(record, MentionRecord):
            yield from self.mention(record)
        else:
            yield from self.document(record)

    def _document_node(self, doc_id: str) -> Iterator[Triple]:
        if doc_id in self._docs:
            return
        self._docs.add(doc_id)
        d = iri_text(doc_id)
        yield (d, RDF_TYPE, _KG["Document"])
        yield (d, _KG["recordId"], Lit(doc_id))

    def _agent(self, component: str) -> Iterator[Triple]:
        a = str(agent_iri(component))
        if component not in self._agents:
            self._agents.add(component)
            yield (a, RDF_TYPE, str(PROV.SoftwareAgent))
            yield (a, str(RDFS.label), Lit(component))

    def document(self, rec: DocumentRecord) -> Iterator[Triple]:
        yield from self._document_node(rec.id)
        d = iri_text(rec.id)
        yield (d, _KG["path"], Lit(rec.path))
        if rec.date:
            yield (d, _KG["date"], Lit(rec.date))
        if rec.sha256:
            yield (d, _KG["sha256"], Lit(rec.sha256))
        if rec.chars is not None:
            yield (d, _KG["chars"], Lit(str(rec.chars), XSD_INTEGER))
        if rec.title:
            yield (d, _KG["title"], Lit(rec.title))

    def _properties(self, node: str, properties: dict[str, Any]) -> Iterator[Triple]:
        yield (node, _KG["propertiesJson"], Lit(json.dumps(properties, ensure_ascii=False, sort_keys=True), RDF_JSON))
        for key, prop in WELL_KNOWN_KEYS.items():
            lit = _scalar(properties[key]) if key in properties else None
            if lit is not None:
                yield (node, str(prop), Lit(lit.lexical))

    def entity(self, rec: EntityRecord) -> Iterator[Triple]:
        e = iri_text(rec.id)
        yield (e, RDF_TYPE, str(ENTITY_CLASS[rec.type]))
        yield (e, _KG["recordId"], Lit(rec.id))
        yield (e, _KG["name"], Lit(rec.name))
        for alias in sorted(set(rec.aliases)):
            yield (e, _KG["alias"], Lit(alias))
        if self.with_pinyin:
            for form in name_pinyin(rec.name):
                yield (e, _KG["pinyin"], Lit(form))
        yield from self._properties(e, rec.properties)
        if rec.type == "DATE" and "date" not in rec.properties and ISO_DATE.match(rec.name):
            yield (e, _KG["date"], Lit(rec.name))

    def _span(self, node: str, doc: str, start: int, end: int) -> Iterator[Triple]:
        yield from self._document_node(doc)
        d = iri_text(doc)
        yield (node, RDF_TYPE, _KG["Mention"])
        yield (node, _KG["doc"], d)
        yield (node, _DERIVED_FROM, d)
        yield (node, _KG["start"], Lit(str(start), XSD_INTEGER))
        yield (node, _KG["end"], Lit(str(end), XSD_INTEGER))

    def _provenance(self, node: str, confidence: float | None, component: str | None) -> Iterator[Triple]:
        if confidence is not None:
            yield (node, _KG["confidence"], _decimal(confidence))
        if component:
            yield (node, _KG["component"], Lit(component))
            yield from self._agent(component)
            yield (node, _KG["extractedBy"], str(agent_iri(component)))

    def mention(self, rec: MentionRecord) -> Iterator[Triple]:
        m = iri_text(mention_id(rec.doc, rec.start, rec.end))
        yield from self._span(m, rec.doc, rec.start, rec.end)
        yield (m, _KG["text"], Lit(rec.text))
        yield (m, _KG["refersTo"], iri_text(rec.entity))
        if rec.value is not None:
            yield (m, _KG["value"], Lit(rec.value))
        if rec.precision is not None:
            yield (m, _KG["precision"], Lit(rec.precision))
        yield from self._provenance(m, rec.confidence, rec.component)

    def relation(self, rec: RelationRecord) -> Iterator[Triple]:
        rid = record_relation_id(rec)
        r = iri_text(rid)
        s, t, p = iri_text(rec.source), iri_text(rec.target), str(RELATION_PROPERTY[rec.type])
        yield (s, p, t)
        yield (r, RDF_TYPE, _KG["Relation"])
        if rec.type == "HOLDS_POSITION":
            yield (r, RDF_TYPE, _KG["Position"])
        yield (r, _KG["recordId"], Lit(rid))
        yield (r, _KG["subject"], s)
        yield (r, _KG["object"], t)
        yield (r, _KG["relationType"], p)
        yield from self._properties(r, rec.properties)
        span = {key: rec.properties[key] for key in TIME_SPAN_KEYS if isinstance(rec.properties.get(key), str)}
        if span:
            ts = r + "/time"
            yield (r, _KG["timeSpan"], ts)
            yield (ts, RDF_TYPE, _KG["TimeSpan"])
            for key, value in sorted(span.items()):
                yield (ts, str(TIME_SPAN_KEYS[key]), Lit(value))
        yield from self._provenance(r, rec.confidence, rec.component)
        for ev in rec.evidence:
            v = iri_text(evidence_id(ev.doc, ev.start, ev.end))
            yield (r, _KG["evidence"], v)
            yield from self._span(v, ev.doc, ev.start, ev.end)
            if ev.sentence is not None:
                yield (v, _KG["sentence"], Lit(ev.sentence))


def iter_triples(records: Iterable[Record], documents_text: dict[str, str] | None = None) -> Iterator[Triple]:
    maker = TripleMaker(documents_text=dict(documents_text or {}))
    yield from maker.prelude()
    for record in records:
        yield from maker.triples(record)


def to_rdflib(obj: Obj) -> URIRef | Literal:
    if isinstance(obj, Lit):
        return Literal(obj.lexical, datatype=None if obj.datatype == XSD_STRING else URIRef(obj.datatype))
    return URIRef(obj)


def records_to_graph(records: Iterable[Record], documents_text: dict[str, str] | None = None) -> Graph:
    """All records as one rdflib Graph with the usual prefixes bound."""
    graph = new_graph()
    for s, p, o in iter_triples(records, documents_text):
        graph.add((URIRef(s), URIRef(p), to_rdflib(o)))
    return graph


def new_graph() -> Graph:
    graph = Graph()
    for prefix, ns in load_context()["@context"].items():
        if isinstance(ns, str) and ns.endswith(("#", "/")):
            graph.bind(prefix, ns, override=True)
    return graph


_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def nt_line(triple: Triple) -> str:
    s, p, o = triple
    if not isinstance(o, Lit):
        return f"<{s}> <{p}> <{o}> .\n"
    lexical = o.lexical
    if "\\" in lexical or '"' in lexical or "\n" in lexical or "\r" in lexical:  # looking costs a tenth of translate
        lexical = lexical.translate(_NT_ESCAPES)
    if o.datatype == XSD_STRING:
        return f'<{s}> <{p}> "{lexical}" .\n'
    return f'<{s}> <{p}> "{lexical}"^^<{o.datatype}> .\n'


def write_ntriples(records: Iterable[Record], out: TextIO, documents_text: dict[str, str] | None = None) -> int:
    """Stream N-Triples without building a graph in memory; returns the number of lines written."""
    n = 0
    for triple in iter_triples(records, documents_text):
        out.write(nt_line(triple))
        n += 1
    return n


def load_context() -> dict[str, Any]:
    """The JSON-LD context published as ``ontology/context.jsonld`` (served by the API at /context.jsonld)."""
    data: dict[str, Any] = json.loads(CONTEXT_JSONLD.read_text(encoding="utf-8"))
    return data


def serialize_graph(graph: Graph, fmt: str) -> str:
    """Serialise with the project's prefixes; JSON-LD is compacted with ``ontology/context.jsonld``."""
    kind = normalise_format(fmt)
    if kind == "json-ld":
        return graph.serialize(format="json-ld", context=load_context()["@context"], auto_compact=True)
    return graph.serialize(format=kind)


def normalise_format(fmt: str) -> str:
    try:
        return FORMATS[fmt.lower()]
    except KeyError:
        raise ValueError(f"unknown RDF format {fmt!r}; use one of turtle, nt, json-ld, xml") from None


def _store_records(store: GraphStore) -> Iterator[Record]:
    for node in store.all_entities():
        yield EntityRecord(id=node.id, type=node.type, name=node.name,
                           aliases=node.aliases, properties=node.properties)
    for edge in store.all_relations():
        yield RelationRecord(type=edge.type, source=edge.source, target=edge.target,
                             properties=edge.properties, evidence=edge.evidence,
                             confidence=edge.confidence, component=edge.component)


def export_rdf(
    store_or_records: GraphStore | Iterable[Record],
    path: str | Path,
    fmt: str = "turtle",
    *,
    documents_text: dict[str, str] | None = None,
) -> int:
    """Write the graph to ``path`` as turtle, nt, json-ld or xml; returns the number of triples written.

    The embedded Oxigraph store is dumped natively (everything it holds, mentions included); any other
    ``GraphStore`` is exported from its entities and relations; records are exported as given.
    """
    kind = normalise_format(fmt)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    dump = getattr(store_or_records, "export_native", None)
    if dump is not None and kind in ("nt", "turtle"):
        return int(dump(target, kind))
    records: Iterable[Record]
    if isinstance(store_or_records, GraphStore):
        records = _store_records(store_or_records)
    else:
        records = store_or_records
    if kind == "nt":
        with target.open("w", encoding="utf-8") as out:
            return write_ntriples(records, out, documents_text)
    graph = records_to_graph(records, documents_text)
    target.write_text(serialize_graph(graph, kind), encoding="utf-8")
    return len(graph)

