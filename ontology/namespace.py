"""The ``kg:`` vocabulary as Python terms, the record-type mappings and the id ↔ IRI rules.

``KG.Persn`` raises ``AttributeError`` (``_fail = True``), so a typo is caught at once; a test checks that
the terms here are exactly the terms defined in ``ontology/kg.ttl``.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

ONTOLOGY_IRI = "https://w3id.org/gazetteer-kg/ontology"
KG_NS = ONTOLOGY_IRI + "#"
ID_NS = "https://w3id.org/gazetteer-kg/id/"
ONTOLOGY_DIR = Path(__file__).resolve().parent
ONTOLOGY_TTL = ONTOLOGY_DIR / "kg.ttl"
SHAPES_TTL = ONTOLOGY_DIR / "shapes.ttl"
CONTEXT_JSONLD = ONTOLOGY_DIR / "context.jsonld"

ID = Namespace(ID_NS)
CRM = Namespace("http://www.cidoc-crm.org/cidoc-crm/")
SCHEMA = Namespace("https://schema.org/")


class KG(DefinedNamespace):
    """Every class and property of the gazetteer KG ontology."""

    _fail = True
    _NS = Namespace(KG_NS)

    # annotation properties
    recordType: URIRef
    neo4jName: URIRef
    # classes
    Entity: URIRef
    Person: URIRef
    Place: URIRef
    Organisation: URIRef
    Event: URIRef
    Work: URIRef
    Date: URIRef
    Title: URIRef
    Document: URIRef
    Mention: URIRef
    Relation: URIRef
    Position: URIRef
    TimeSpan: URIRef
    # relation properties
    holdsPosition: URIRef
    parentOf: URIRef
    childOf: URIRef
    spouseOf: URIRef
    siblingOf: URIRef
    kinOf: URIRef
    aliasOf: URIRef
    partOf: URIRef
    locatedIn: URIRef
    participatedIn: URIRef
    organised: URIRef
    spokeAt: URIRef
    issued: URIRef
    bornIn: URIRef
    diedIn: URIRef
    migratedTo: URIRef
    migratedFrom: URIRef
    happenedAt: URIRef
    mentions: URIRef
    # reification, evidence, provenance
    subject: URIRef
    object: URIRef
    relationType: URIRef
    evidence: URIRef
    doc: URIRef
    refersTo: URIRef
    timeSpan: URIRef
    extractedBy: URIRef
    # datatype properties
    recordId: URIRef
    name: URIRef
    alias: URIRef
    pinyin: URIRef
    date: URIRef
    precision: URIRef
    kind: URIRef
    title: URIRef
    role: URIRef
    confidence: URIRef
    component: URIRef
    start: URIRef
    end: URIRef
    sentence: URIRef
    text: URIRef
    value: URIRef
    adminCode: URIRef
    birthDate: URIRef
    deathDate: URIRef
    beginDate: URIRef
    endDate: URIRef
    path: URIRef
    sha256: URIRef
    chars: URIRef
    propertiesJson: URIRef


ENTITY_CLASS: dict[str, URIRef] = {
    "PERSON": KG.Person,
    "PLACE": KG.Place,
    "ORG": KG.Organisation,
    "EVENT": KG.Event,
    "DATE": KG.Date,
    "WORK": KG.Work,
    "TITLE": KG.Title,
}
"""Record entity type → OWL class (the ``kg:recordType`` annotations in kg.ttl say the same)."""

CLASS_ENTITY: dict[URIRef, str] = {cls: typ for typ, cls in ENTITY_CLASS.items()}

NEO4J_LABEL: dict[str, str] = {
    "PERSON": "Person", "PLACE": "Place", "ORG": "Organisation", "EVENT": "Event",
    "DATE": "Date", "WORK": "Work", "TITLE": "Title",
}
"""Record entity type → Neo4j node label (the ``kg:neo4jName`` annotations in kg.ttl)."""

RELATION_PROPERTY: dict[str, URIRef] = {
    "HOLDS_POSITION": KG.holdsPosition,
    "PARENT_OF": KG.parentOf,
    "SPOUSE_OF": KG.spouseOf,
    "SIBLING_OF": KG.siblingOf,
    "KIN_OF": KG.kinOf,
    "ALIAS_OF": KG.aliasOf,
    "PART_OF": KG.partOf,
    "LOCATED_IN": KG.locatedIn,
    "PARTICIPATED_IN": KG.participatedIn,
    "ORGANISED": KG.organised,
    "SPOKE_AT": KG.spokeAt,
    "ISSUED": KG.issued,
    "BORN_IN": KG.bornIn,
    "DIED_IN": KG.diedIn,
    "MIGRATED_TO": KG.migratedTo,
    "MIGRATED_FROM": KG.migratedFrom,
    "HAPPENED_AT": KG.happenedAt,
    "MENTIONS": KG.mentions,
}
"""Record relation type → OWL property; the Neo4j relationship type is the record type itself."""

PROPERTY_RELATION: dict[URIRef, str] = {prop: typ for typ, prop in RELATION_PROPERTY.items()}

WELL_KNOWN_KEYS: dict[str, URIRef] = {
    "date": KG.date,
    "precision": KG.precision,
    "kind": KG.kind,
    "title": KG.title,
    "role": KG.role,
    "code": KG.adminCode,
    "admin_code": KG.adminCode,
    "birth_date": KG.birthDate,
    "death_date": KG.deathDate,
}
"""Record ``properties`` keys that also get their own datatype property (all keys are kept in kg:propertiesJson)."""

TIME_SPAN_KEYS: dict[str, URIRef] = {"start_date": KG.beginDate, "end_date": KG.endDate}
"""Relation ``properties`` keys that make a kg:TimeSpan node (a term of office)."""


def iri_for(record_id: str) -> URIRef:
    """``per:50ca077f7c23`` → ``https://w3id.org/gazetteer-kg/id/per/50ca077f7c23``."""
    return URIRef(iri_text(record_id))


def iri_text(record_id: str) -> str:
    """:func:`iri_for` as a plain string (what triples are made of; no rdflib term to build)."""
    prefix, sep, local = record_id.partition(":")
    if not sep or not prefix or not local or "/" in prefix:
        raise ValueError(f"record id {record_id!r} is not of the form prefix:local (e.g. per:50ca077f7c23)")
    return f"{ID_NS}{prefix}/{local}"


def record_id_for(iri: str) -> str:
    """The inverse of :func:`iri_for`."""
    if not iri.startswith(ID_NS):
        raise ValueError(f"IRI {iri!r} is not under {ID_NS}; only instance IRIs map back to record ids")
    prefix, sep, local = iri[len(ID_NS):].partition("/")
    if not sep:
        raise ValueError(f"IRI {iri!r} has no prefix/local part after {ID_NS}")
    return f"{prefix}:{local}"


def agent_iri(component: str) -> URIRef:
    """The prov:SoftwareAgent node of an extraction component."""
    from urllib.parse import quote

    return URIRef(f"{ID_NS}agent/{quote(component, safe='')}")
