"""Records → RDF: round trips in four syntaxes, SHACL validation, direct + reified relations, streaming."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import PROV

from kg.ids import mention_id
from kg.models import Record, RelationRecord, parse_record
from kg.rdf_export import (
    export_rdf,
    iter_triples,
    record_relation_id,
    records_to_graph,
    serialize_graph,
    write_ntriples,
)
from ontology.namespace import KG, ONTOLOGY_TTL, SHAPES_TTL, iri_for

FIXTURES = Path(__file__).parent / "fixtures"


def mini_records() -> list[Record]:
    lines = (FIXTURES / "mini_graph.jsonl").read_text(encoding="utf-8").splitlines()
    return [parse_record(json.loads(line)) for line in lines if line.strip()]


def mini_texts() -> dict[str, str]:
    texts: dict[str, str] = json.loads((FIXTURES / "mini_graph_docs.json").read_text(encoding="utf-8"))
    return texts


@pytest.fixture(scope="module")
def graph() -> Graph:
    return records_to_graph(mini_records(), mini_texts())


def shacl(data: Graph) -> tuple[bool, str]:
    conforms, _, text = pyshacl.validate(data, shacl_graph=Graph().parse(SHAPES_TTL),
                                         ont_graph=Graph().parse(ONTOLOGY_TTL), inference="rdfs")
    return bool(conforms), str(text)


@pytest.mark.parametrize("fmt", ["turtle", "nt", "json-ld", "xml"])
def test_round_trip_is_isomorphic(graph: Graph, fmt: str) -> None:
    text = serialize_graph(graph, fmt)
    parsed = Graph().parse(data=text, format=fmt)
    assert len(parsed) == len(graph)
    assert isomorphic(graph, parsed)


def test_json_ld_is_compacted_with_the_published_context(graph: Graph) -> None:
    data = json.loads(serialize_graph(graph, "json-ld"))
    assert data["@context"]["kg"] == str(KG._NS)
    nodes = data["@graph"]
    deng = next(n for n in nodes if n["@id"] == "per:50ca077f7c23")
    assert deng["name"] == "邓小平"


def test_export_conforms_to_shapes(graph: Graph) -> None:
    conforms, report = shacl(graph)
    assert conforms, report


DENG = iri_for("per:50ca077f7c23")
BIRTH = iri_for("evt:aadb7d73f870")


def _broken_two_names(g: Graph) -> None:
    g.add((DENG, KG.name, Literal("邓小平二")))


def _broken_offsets(g: Graph) -> None:
    mention = iri_for(mention_id("doc:0db5884f543a050f", 0, 3))
    g.set((mention, KG.start, Literal(9)))


def _broken_negative(g: Graph) -> None:
    mention = iri_for(mention_id("doc:0db5884f543a050f", 0, 3))
    g.set((mention, KG.start, Literal(-1)))


def _broken_confidence(g: Graph) -> None:
    relation = next(g.subjects(RDF.type, KG.Relation))
    g.set((relation, KG.confidence, Literal("1.5", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal"))))


def _broken_date(g: Graph) -> None:
    g.set((BIRTH, KG.date, Literal("光绪三十年")))


def _broken_no_subject(g: Graph) -> None:
    relation = next(g.subjects(RDF.type, KG.Relation))
    g.remove((relation, KG.subject, None))


def _broken_two_classes(g: Graph) -> None:
    g.add((DENG, RDF.type, KG.Place))


@pytest.mark.parametrize("breakage", [_broken_two_names, _broken_offsets, _broken_negative, _broken_confidence,
                                      _broken_date, _broken_no_subject, _broken_two_classes])
def test_broken_graph_fails_validation(graph: Graph, breakage: object) -> None:
    broken = Graph()
    for triple in graph:
        broken.add(triple)
    breakage(broken)  # type: ignore[operator]
    conforms, report = shacl(broken)
    assert not conforms
    assert "Constraint Violation" in report


def test_relation_is_direct_triple_and_reified_node(graph: Graph) -> None:
    rel = next(r for r in mini_records() if isinstance(r, RelationRecord) and r.type == "SPOUSE_OF")
    source, target = iri_for(rel.source), iri_for(rel.target)
    assert (source, KG.spouseOf, target) in graph
    node = iri_for(record_relation_id(rel))
    assert (node, RDF.type, KG.Relation) in graph
    assert (node, KG.subject, source) in graph and (node, KG.object, target) in graph
    assert (node, KG.relationType, KG.spouseOf) in graph
    assert float(graph.value(node, KG.confidence)) == pytest.approx(0.9)
    assert str(graph.value(node, KG.component)) == "fixture"
    evidence = list(graph.objects(node, KG.evidence))
    assert len(evidence) == 1
    ev = evidence[0]
    assert int(graph.value(ev, KG.start)) == rel.evidence[0].start
    assert int(graph.value(ev, KG.end)) == rel.evidence[0].end
    assert str(graph.value(ev, KG.sentence)) == rel.evidence[0].sentence
    doc = iri_for(rel.evidence[0].doc)
    assert (ev, PROV.wasDerivedFrom, doc) in graph and (doc, RDF.type, KG.Document) in graph


def test_holds_position_is_a_position_with_title(graph: Graph) -> None:
    positions = list(graph.subjects(RDF.type, KG.Position))
    assert len(positions) == 1
    assert str(graph.value(positions[0], KG.title)) == "主任"


def test_time_span_of_a_term_of_office() -> None:
    rel = RelationRecord(type="HOLDS_POSITION", source="per:000000000001", target="org:000000000002",
                         properties={"title": "县长", "start_date": "1949", "end_date": "1952-03"})
    g = records_to_graph([rel])
    span = g.value(iri_for(record_relation_id(rel)), KG.timeSpan)
    assert span is not None and (span, RDF.type, KG.TimeSpan) in g
    assert (str(g.value(span, KG.beginDate)), str(g.value(span, KG.endDate))) == ("1949", "1952-03")


def test_entities_carry_names_aliases_pinyin_and_properties(graph: Graph) -> None:
    assert str(graph.value(DENG, KG.name)) == "邓小平"
    assert {str(a) for a in graph.objects(DENG, KG.alias)} == {"邓先圣", "邓希贤"}
    assert {str(p) for p in graph.objects(DENG, KG.pinyin)} == {"deng xiao ping", "dengxiaoping"}
    assert json.loads(str(graph.value(DENG, KG.propertiesJson))) == {"birth_date": "1904-08-22"}
    assert str(graph.value(DENG, KG.birthDate)) == "1904-08-22"
    assert str(graph.value(iri_for("plc:3f3788ad68d3"), KG.adminCode)) == "510000"
    assert str(graph.value(BIRTH, KG.date)) == "1904-08-22"


def test_document_text_is_kept(graph: Graph) -> None:
    texts = mini_texts()
    for doc_id, text in texts.items():
        assert str(graph.value(iri_for(doc_id), KG.text)) == text


def test_sparql_over_export_finds_parents(graph: Graph) -> None:
    rows = graph.query("SELECT ?name WHERE { ?p kg:parentOf ?c . ?c kg:name '邓小平' . ?p kg:name ?name } ORDER BY ?name",
                       initNs={"kg": KG._NS})
    assert [str(r[0]) for r in rows] == sorted(["邓绍昌", "淡氏"])


def test_streaming_ntriples_equals_graph(graph: Graph) -> None:
    out = io.StringIO()
    lines = write_ntriples(mini_records(), out, mini_texts())
    parsed = Graph().parse(data=out.getvalue(), format="nt")
    assert lines == sum(1 for _ in iter_triples(mini_records(), mini_texts()))
    assert isomorphic(parsed, graph)


@pytest.mark.parametrize("fmt", ["turtle", "nt", "json-ld", "xml"])
def test_export_rdf_writes_files(graph: Graph, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"graph.{fmt}"
    written = export_rdf(mini_records(), target, fmt, documents_text=mini_texts())
    parsed = Graph().parse(target, format=fmt)
    assert isomorphic(parsed, graph)
    assert written >= len(graph)


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="turtle, nt, json-ld, xml"):
        export_rdf(mini_records(), tmp_path / "x", "yaml")


def test_no_blank_nodes(graph: Graph) -> None:
    assert all(isinstance(term, (URIRef, Literal)) for triple in graph for term in triple)
