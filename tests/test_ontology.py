"""The ontology (kg.ttl), its Python terms (ontology.namespace) and the generated docs agree."""

from __future__ import annotations

import json
import re

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kg.models import ENTITY_TYPES, RELATION_TYPES
from ontology.docs import OUTPUT, render
from ontology.namespace import (
    CONTEXT_JSONLD,
    ENTITY_CLASS,
    KG,
    KG_NS,
    NEO4J_LABEL,
    ONTOLOGY_TTL,
    RELATION_PROPERTY,
    SHAPES_TTL,
    iri_for,
    record_id_for,
)

CRM = "http://www.cidoc-crm.org/cidoc-crm/"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
TIME = "http://www.w3.org/2006/time#"


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY_TTL)


def defined_terms(graph: Graph) -> set[str]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    return {str(s) for kind in kinds for s in graph.subjects(RDF.type, kind) if str(s).startswith(KG_NS)}


def python_terms() -> set[str]:
    return {str(KG[name]) for name in KG.__annotations__}


def test_python_terms_equal_ontology_terms_both_ways(onto: Graph) -> None:
    in_ttl, in_python = defined_terms(onto), python_terms()
    assert in_ttl - in_python == set(), "terms in kg.ttl missing from ontology/namespace.py"
    assert in_python - in_ttl == set(), "terms in ontology/namespace.py not defined in kg.ttl"
    assert len(in_ttl) > 60


def test_misspelt_term_raises() -> None:
    with pytest.raises(AttributeError):
        KG.Persn  # noqa: B018


@pytest.mark.parametrize("prop", [RDFS.label, SKOS.definition])
def test_every_term_has_english_and_chinese_text(onto: Graph, prop: URIRef) -> None:
    for term in sorted(defined_terms(onto)):
        langs = {o.language for o in onto.objects(URIRef(term), prop) if isinstance(o, Literal)}
        assert {"en", "zh"} <= langs, f"{term} lacks an en or zh {prop}"


def test_chinese_text_is_chinese(onto: Graph) -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    for term in defined_terms(onto):
        for label in onto.objects(URIRef(term), RDFS.label):
            if isinstance(label, Literal) and label.language == "zh":
                assert han.search(str(label)), f"zh label of {term} has no Chinese: {label}"


def test_mapping_tables_cover_every_record_type() -> None:
    assert set(ENTITY_CLASS) == set(ENTITY_TYPES) == set(NEO4J_LABEL)
    assert set(RELATION_PROPERTY) == set(RELATION_TYPES)
    assert len(set(RELATION_PROPERTY.values())) == len(RELATION_TYPES)


def test_mapping_annotations_match_python(onto: Graph) -> None:
    record_type = {str(o): s for s, o in onto.subject_objects(KG.recordType)}
    neo4j = {s: str(o) for s, o in onto.subject_objects(KG.neo4jName)}
    for typ, cls in ENTITY_CLASS.items():
        assert record_type[typ] == cls
        assert neo4j[cls] == NEO4J_LABEL[typ]
    for typ, prop in RELATION_PROPERTY.items():
        assert record_type[typ] == prop
        assert neo4j[prop] == typ
    assert set(record_type) == set(ENTITY_CLASS) | set(RELATION_PROPERTY)


def test_property_characteristics(onto: Graph) -> None:
    assert (KG.parentOf, OWL.inverseOf, KG.childOf) in onto
    assert (KG.spouseOf, RDF.type, OWL.SymmetricProperty) in onto
    assert (KG.siblingOf, RDF.type, OWL.SymmetricProperty) in onto
    assert (KG.partOf, RDF.type, OWL.TransitiveProperty) in onto
    assert (KG.Position, RDFS.subClassOf, KG.Relation) in onto


@pytest.mark.parametrize(("term", "relation", "external"), [
    (KG.Person, RDFS.subClassOf, CRM + "E21_Person"),
    (KG.Person, RDFS.subClassOf, FOAF + "Person"),
    (KG.Place, RDFS.subClassOf, CRM + "E53_Place"),
    (KG.Organisation, RDFS.subClassOf, CRM + "E74_Group"),
    (KG.Event, RDFS.subClassOf, CRM + "E5_Event"),
    (KG.Work, RDFS.subClassOf, CRM + "E73_Information_Object"),
    (KG.TimeSpan, RDFS.subClassOf, CRM + "E52_Time-Span"),
    (KG.TimeSpan, RDFS.subClassOf, TIME + "ProperInterval"),
    (KG.Date, RDFS.subClassOf, TIME + "Instant"),
    (KG.Document, RDFS.subClassOf, PROV + "Entity"),
    (KG.Mention, RDFS.subClassOf, PROV + "Entity"),
    (KG.name, RDFS.subPropertyOf, FOAF + "name"),
    (KG.name, RDFS.subPropertyOf, str(SKOS.prefLabel)),
    (KG.alias, RDFS.subPropertyOf, str(SKOS.altLabel)),
    (KG.evidence, RDFS.subPropertyOf, PROV + "wasDerivedFrom"),
    (KG.extractedBy, RDFS.subPropertyOf, PROV + "wasAttributedTo"),
    (KG.spouseOf, RDFS.subPropertyOf, SCHEMA + "spouse"),
])
def test_alignment(onto: Graph, term: URIRef, relation: URIRef, external: str) -> None:
    assert (term, relation, URIRef(external)) in onto


def test_external_vocabularies_are_not_redefined(onto: Graph) -> None:
    for subject in set(onto.subjects()):
        if isinstance(subject, URIRef):
            assert str(subject).startswith(KG_NS) or str(subject) == KG_NS.rstrip("#"), \
                f"kg.ttl describes a foreign term {subject}"


def _kg_terms_in(text: str) -> set[str]:
    return {KG_NS + m for m in re.findall(r"\bkg:([A-Za-z][A-Za-z0-9_]*)", text)}


def test_shapes_and_context_use_only_defined_terms(onto: Graph) -> None:
    defined = defined_terms(onto)
    used = _kg_terms_in(SHAPES_TTL.read_text(encoding="utf-8"))
    context = json.loads(CONTEXT_JSONLD.read_text(encoding="utf-8"))["@context"]
    for value in context.values():
        used |= _kg_terms_in(value if isinstance(value, str) else value["@id"])
    assert used and used - defined == set()


def test_shapes_parse() -> None:
    shapes = Graph().parse(SHAPES_TTL)
    assert len(set(shapes.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape")))) >= 6


def test_instance_iris_round_trip() -> None:
    iri = iri_for("per:50ca077f7c23")
    assert str(iri) == "https://w3id.org/gazetteer-kg/id/per/50ca077f7c23"
    assert record_id_for(str(iri)) == "per:50ca077f7c23"
    with pytest.raises(ValueError, match="prefix:local"):
        iri_for("50ca077f7c23")
    with pytest.raises(ValueError, match="not under"):
        record_id_for("http://example.org/x")


def test_generated_docs_are_current(onto: Graph) -> None:
    assert OUTPUT.read_text(encoding="utf-8") == render(onto), "run `python -m ontology.docs`"
