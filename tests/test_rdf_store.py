"""The embedded Oxigraph store: idempotent loads, entity views, search, walks, persistence, RDF access."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.models import EntityRecord, Evidence, MentionRecord, Record, RelationRecord, parse_record
from kg.rdf_export import export_rdf, records_to_graph
from kg.store import index_file
from kg.store.base import GraphStore
from kg.store.common import Link, rank_match, sentence_around, shortest_distance
from kg.store.label_index import LabelIndex, entry
from kg.store.rdf_store import OxigraphStore
from kg.store.rdf_terms import read_adjacency, read_labels

FIXTURES = Path(__file__).parent / "fixtures"
DENG, ZHUO, FATHER, SON, YANAN = "per:50ca077f7c23", "per:aa367ec2fc3d", "per:323bd41c4f68", "per:3227c0b8f439", "plc:3ac554226294"


def mini_records() -> list[Record]:
    lines = (FIXTURES / "mini_graph.jsonl").read_text(encoding="utf-8").splitlines()
    return [parse_record(json.loads(line)) for line in lines if line.strip()]


def mini_texts() -> dict[str, str]:
    texts: dict[str, str] = json.loads((FIXTURES / "mini_graph_docs.json").read_text(encoding="utf-8"))
    return texts


@pytest.fixture
def store(tmp_path: Path) -> Iterator[OxigraphStore]:
    s = OxigraphStore(tmp_path / "oxigraph")
    s.load(mini_records(), documents_text=mini_texts())
    yield s
    s.close()


def quad_count(store: OxigraphStore) -> int:
    return len(store.store)


def test_is_a_graph_store(store: OxigraphStore) -> None:
    assert isinstance(store, GraphStore)


def test_counts_match_the_records(store: OxigraphStore) -> None:
    records = mini_records()
    assert store.counts() == {
        "entities": sum(r.record == "entity" for r in records),
        "relations": sum(r.record == "relation" for r in records),
        "documents": sum(r.record == "document" for r in records),
        "mentions": sum(r.record == "mention" for r in records),
    }


def test_loading_twice_changes_nothing(store: OxigraphStore) -> None:
    before, counts = quad_count(store), store.counts()
    stats = store.load(mini_records(), documents_text=mini_texts())
    assert stats.entities == counts["entities"] and stats.seconds >= 0
    assert quad_count(store) == before and store.counts() == counts


def test_reload_unions_aliases_and_merges_evidence(store: OxigraphStore) -> None:
    store.load([EntityRecord(id=DENG, type="PERSON", name="邓小平", aliases=["小平"], properties={"death_date": "1997-02-19"}),
                RelationRecord(type="SPOUSE_OF", source=DENG, target=ZHUO,
                               evidence=[Evidence(doc="doc:0db5884f543a050f", start=60, end=66)], confidence=0.8)])
    entity = store.get_entity(DENG)
    assert entity is not None
    assert entity.aliases == ["小平", "邓先圣", "邓希贤"]
    assert entity.properties == {"birth_date": "1904-08-22", "death_date": "1997-02-19"}
    spouse = [r for r in entity.relations if r.type == "SPOUSE_OF"]
    assert len(spouse) == 1
    assert [(e.start, e.end) for e in spouse[0].evidence] == [(52, 72), (60, 66)]
    assert spouse[0].confidence == pytest.approx(0.8)
    assert store.counts()["relations"] == 16


def test_same_entity_twice_in_one_load_is_merged(tmp_path: Path) -> None:
    s = OxigraphStore(tmp_path / "ox")
    s.load([EntityRecord(id="per:000000000001", type="PERSON", name="甲", aliases=["乙"]),
            EntityRecord(id="per:000000000001", type="PERSON", name="甲", aliases=["丙"])])
    node = s.get_entity("per:000000000001")
    assert node is not None and node.aliases == ["丙", "乙"] and s.counts()["entities"] == 1


def test_get_entity_orders_relations_and_neighbours(store: OxigraphStore) -> None:
    entity = store.get_entity(DENG)
    assert entity is not None and entity.name == "邓小平" and entity.type == "PERSON"
    keys = [(r.type, r.source, r.target, r.id) for r in entity.relations]
    assert keys == sorted(keys) and len(keys) == 6
    others = [r.target if r.source == DENG else r.source for r in entity.relations]
    assert [n.id for n in entity.neighbours] == others


def test_mentions_carry_their_sentence(store: OxigraphStore) -> None:
    entity = store.get_entity(DENG)
    assert entity is not None
    text = mini_texts()["doc:0db5884f543a050f"]
    assert [(m.doc, m.start) for m in entity.mentions] == sorted((m.doc, m.start) for m in entity.mentions)
    assert len(entity.mentions) == 4
    for m in entity.mentions:
        assert m.sentence is not None and m.sentence_start is not None
        assert text[m.sentence_start:m.sentence_start + len(m.sentence)] == m.sentence
        assert m.sentence_start <= m.start < m.end <= m.sentence_start + len(m.sentence)
        assert text[m.start:m.end] == m.text
    assert entity.mentions[-1].sentence == "1939年8月，邓小平与卓琳在延安结婚。"


def test_a_reloaded_mention_replaces_what_was_stored_and_a_new_document_is_written_whole(
        store: OxigraphStore) -> None:
    # a document with mentions stored is diffed mention by mention; one with none is written without look-ups
    old = next(r for r in mini_records() if isinstance(r, MentionRecord) and r.entity == DENG)
    moved = old.model_copy(update={"entity": ZHUO, "text": "卓琳"})
    new_doc = MentionRecord(doc="doc:00000000000000aa", start=0, end=3, text="邓小平", type="PERSON", entity=DENG)
    before = store.counts()
    store.load([moved, new_doc, new_doc])
    assert store.counts()["mentions"] == before["mentions"] + 1
    deng, zhuo = store.get_entity(DENG), store.get_entity(ZHUO)
    assert deng is not None and zhuo is not None
    assert (old.doc, old.start) not in {(m.doc, m.start) for m in deng.mentions}
    assert (old.doc, old.start, "卓琳") in {(m.doc, m.start, m.text) for m in zhuo.mentions}
    assert ("doc:00000000000000aa", 0) in {(m.doc, m.start) for m in deng.mentions}


@pytest.mark.parametrize(("text", "start", "end", "sentence", "offset"), [
    ("甲。乙丙丁。戊", 2, 3, "乙丙丁。", 2),
    ("他说：“来吧！”然后走了。", 3, 5, "他说：“来吧！”", 0),
    ("第一行\n  第二行没有句号", 6, 8, "第二行没有句号", 6),
    ("无标点", 0, 1, "无标点", 0),
    ("A? B!", 3, 4, "B!", 3),
])
def test_sentence_around(text: str, start: int, end: int, sentence: str, offset: int) -> None:
    assert sentence_around(text, start, end) == (sentence, offset)


def test_search_ranks_exact_name_alias_prefix_substring(store: OxigraphStore) -> None:
    hits = store.search("邓小平")
    assert hits[0].entity.id == DENG and hits[0].score == 1.0 and hits[0].matched == "邓小平"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert {h.entity.name for h in hits[1:]} == {"邓小平出生", "邓小平与卓琳结婚"}
    alias = store.search("邓希贤")
    assert [(h.entity.id, h.matched, h.score) for h in alias] == [(DENG, "邓希贤", 0.9)]
    substring = store.search("小平")
    assert substring[0].score == 0.5 and substring[0].entity.name == "邓小平"


@pytest.mark.parametrize("query", ["dengxiaoping", "deng xiao ping", "Deng  Xiao Ping"])
def test_search_by_pinyin(store: OxigraphStore, query: str) -> None:
    hits = store.search(query)
    assert hits[0].entity.id == DENG and hits[0].score == 0.9


def test_search_filters_and_pages(store: OxigraphStore) -> None:
    everything = store.search("邓")
    people = store.search("邓", entity_type="PERSON")
    assert {h.entity.type for h in people} == {"PERSON"} and len(people) < len(everything)
    assert store.search("邓", limit=2, offset=1) == everything[1:3]
    assert store.search("   ") == [] and store.search("不存在的名字") == []


def test_neighbours_depth_and_filters(store: OxigraphStore) -> None:
    one = store.neighbours(DENG)
    assert [n.id for n in one.nodes] == sorted(n.id for n in one.nodes)
    assert {n.id for n in one.nodes} == {DENG, FATHER, "per:df06a026857f", ZHUO, SON, "evt:aadb7d73f870", "evt:13e2a40fa6db"}
    ids = {n.id for n in one.nodes}
    assert all(e.source in ids and e.target in ids for e in one.edges)
    assert len(one.edges) == 8  # 6 of Deng's relations + Zhuo's marriage participation + Zhuo parent of the son
    two = store.neighbours(DENG, depth=2)
    assert {YANAN, "plc:dd7bbd1098a6"} <= {n.id for n in two.nodes}
    family = store.neighbours(DENG, depth=3, relation_types=["PARENT_OF"])
    assert {n.id for n in family.nodes} == {DENG, FATHER, "per:df06a026857f", SON, ZHUO}
    people = store.neighbours(DENG, depth=2, entity_types=["PERSON"])
    assert {n.type for n in people.nodes} == {"PERSON"}
    assert len(store.neighbours(DENG, depth=2, limit=3).nodes) == 3
    assert store.neighbours("per:ffffffffffff").nodes == []


def test_paths_are_shortest_first_and_connected(store: OxigraphStore) -> None:
    paths = store.paths(FATHER, YANAN, k=3, max_hops=5)
    assert len(paths) == 3
    assert [n.id for n in paths[0].nodes] == [FATHER, DENG, "evt:13e2a40fa6db", YANAN]
    lengths = [len(p.edges) for p in paths]
    assert lengths == sorted(lengths)
    for path in paths:
        for (a, b), edge in zip(zip(path.nodes, path.nodes[1:]), path.edges):
            assert {edge.source, edge.target} == {a.id, b.id}
        assert len({n.id for n in path.nodes}) == len(path.nodes)
    assert store.paths(FATHER, YANAN, max_hops=2) == []
    assert [n.id for n in store.paths(DENG, DENG)[0].nodes] == [DENG]


def test_events_sorted_by_date(store: OxigraphStore) -> None:
    events = store.events(DENG)
    assert [(e.date, e.event.name, e.role) for e in events] == [
        ("1904-08-22", "邓小平出生", "PARTICIPATED_IN"), ("1939-08", "邓小平与卓琳结婚", "PARTICIPATED_IN")]
    assert [p.id for p in events[1].participants] == sorted([DENG, ZHUO])
    assert events[1].evidence[0].sentence == "1939年8月，邓小平与卓琳在延安结婚。"
    place = store.events(YANAN)
    assert [(e.event.id, e.role) for e in place] == [("evt:13e2a40fa6db", "HAPPENED_AT")]
    itself = store.events("evt:cb452c7bead7")
    assert itself[0].role == "self" and [p.id for p in itself[0].participants] == ["org:153bd2f16cab", "per:00fa24b9b8f0"]


def test_all_entities_and_relations_sorted_by_id(store: OxigraphStore) -> None:
    entities = [n.id for n in store.all_entities()]
    relations = [e.id for e in store.all_relations()]
    assert entities == sorted(entities) and len(entities) == 17
    assert relations == sorted(relations) and len(relations) == 16


def test_persists_and_reopens_read_only(tmp_path: Path) -> None:
    path = tmp_path / "ox"
    s = OxigraphStore(path)
    s.load(mini_records(), documents_text=mini_texts())
    counts = s.counts()
    s.close()
    with pytest.raises(RuntimeError, match="closed"):
        s.counts()
    ro = OxigraphStore(path, read_only=True)
    assert ro.counts() == counts and ro.get_entity(DENG) is not None
    with pytest.raises(PermissionError, match="read-only"):
        ro.load(mini_records())


def test_default_path_comes_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.settings import get_settings

    monkeypatch.setenv("KG_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        s = OxigraphStore()
        assert s.path == tmp_path / "data" / "oxigraph" and s.path.is_dir()
        s.close()
    finally:
        get_settings.cache_clear()


def test_rdf_views(store: OxigraphStore, tmp_path: Path) -> None:
    rows = store._select("SELECT ?n WHERE { ?p kg:parentOf ?c . ?c kg:name '邓朴方' . ?p kg:name ?n } ORDER BY ?n")
    assert [r["n"].value for r in rows] == sorted(["邓小平", "卓琳"])
    ask = store.sparql("ASK { GRAPH <https://w3id.org/gazetteer-kg/ontology> { kg:Person a owl:Class } }")
    assert bool(ask)
    graph = store.rdflib_graph()
    expected = records_to_graph(mini_records(), mini_texts())
    assert len(graph) == len(expected)
    aliases = "SELECT ?n WHERE { ?x <https://w3id.org/gazetteer-kg/ontology#alias> ?n }"
    names = {str(r[0]) for r in graph.query(aliases)}  # type: ignore[index]
    assert names == {"邓先圣", "邓希贤"}
    for fmt in ("nt", "turtle"):
        target = tmp_path / f"dump.{fmt}"
        assert export_rdf(store, target, fmt) == len(expected)
        assert isomorphic(Graph().parse(target, format=fmt), expected)


def test_clear_empties_but_keeps_ontology(store: OxigraphStore) -> None:
    store.clear()
    assert store.counts() == {"entities": 0, "relations": 0, "documents": 0, "mentions": 0}
    assert bool(store.sparql("ASK { GRAPH <https://w3id.org/gazetteer-kg/ontology> { ?s ?p ?o } }"))
    assert store.get_entity(DENG) is None and store.events(DENG) == []


def sparql_search(store: OxigraphStore, needle: str) -> list[tuple[str, float, str]]:
    """What a full SPARQL scan of every label answers (the index must agree with it)."""
    rows = store._select(
        "SELECT ?id ?p ?label WHERE { VALUES ?p { kg:name kg:alias kg:pinyin } ?e kg:recordId ?id ; ?p ?label . "
        f'FILTER(CONTAINS(LCASE(STR(?label)), "{needle}")) }}'
    )
    found: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        found.setdefault(row["id"].value, []).append((row["p"].value.rsplit("#", 1)[1], row["label"].value))
    ranked = []
    for entity_id, labels in found.items():
        rank, matched = rank_match(needle, labels)
        node = store.get_entity(entity_id)
        assert node is not None
        ranked.append((rank, node.name, entity_id, matched))
    return [(i, {0: 1.0, 1: 0.9, 2: 0.7, 3: 0.5}[r], m) for r, _, i, m in sorted(ranked)]


@pytest.mark.parametrize("needle", ["邓", "小平", "邓小平", "deng", "xiao ping", "延安", "卓", "ping"])
def test_label_index_agrees_with_a_sparql_scan(store: OxigraphStore, needle: str) -> None:
    hits = store.search(needle, limit=100)
    assert [(h.entity.id, h.score, h.matched) for h in hits] == sparql_search(store, needle)


def test_label_index_ranks_and_filters() -> None:
    index = LabelIndex([entry("per:1", "PERSON", "邓小平", ["邓希贤"], ["deng xiao ping", "dengxiaoping"]),
                        entry("plc:2", "PLACE", "小平村", [], ["xiao ping cun", "xiaopingcun"]),
                        entry("per:3", "PERSON", "王小平", [], [])])
    assert [(c.entity_id, c.rank, c.matched) for c in index.search("小平")] == [
        ("plc:2", 2, "小平村"), ("per:3", 3, "王小平"), ("per:1", 3, "邓小平")]
    assert [c.entity_id for c in index.search("小平", "PERSON")] == ["per:3", "per:1"]
    assert [(c.entity_id, c.rank) for c in index.search("邓希贤")] == [("per:1", 1)]
    index.put(entry("per:3", "PERSON", "王大明", [], []))
    assert "per:3" in index and [c.entity_id for c in index.search("小平")] == ["plc:2", "per:1"]
    assert index.search("ping\ncun") == [] and index.search("不在") == []
    assert index.search("小平") is index.search("小平")  # a page and its total come from one scan
    index.clear()
    assert index.search("小平") == []


def test_indexes_kept_by_load_equal_those_read_from_the_store(store: OxigraphStore) -> None:
    labels, adjacency = read_labels(store.store), read_adjacency(store.store)
    assert len(labels) == len(store.labels()) == store.counts()["entities"]
    assert len(adjacency) == len(store.adjacency()) == store.counts()["relations"]
    for node in store.all_entities():
        assert adjacency.links(node.id) == store.adjacency().links(node.id)
        assert [link.id for link in adjacency.links(node.id)] == sorted(
            e.id for e in store.all_relations() if node.id in (e.source, e.target))
    for needle in ("邓", "xiao", "延安"):
        assert labels.search(needle) == store.labels().search(needle)


def test_reopened_store_rebuilds_its_indexes(tmp_path: Path) -> None:
    first = OxigraphStore(tmp_path / "oxigraph")
    first.load(mini_records(), documents_text=mini_texts())
    expected = (first.search("邓"), first.neighbours(DENG, depth=2), first.paths(FATHER, YANAN, k=3, max_hops=5))
    first.close()
    again = OxigraphStore(tmp_path / "oxigraph")
    assert (again.search("邓"), again.neighbours(DENG, depth=2), again.paths(FATHER, YANAN, k=3, max_hops=5)) == expected
    again.load([EntityRecord(id="per:000000000001", type="PERSON", name="邓新人")])
    assert again.search("邓新人")[0].entity.id == "per:000000000001"
    again.close()


def test_reloading_an_entity_keeps_the_relations_it_is_the_subject_of(store: OxigraphStore) -> None:
    ask = "ASK { ?s kg:recordId ?id ; ?p ?o . ?r kg:subject ?s ; kg:object ?o ; kg:relationType ?p }"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?r kg:subject ?s ; kg:object ?o ; kg:relationType ?p . ?s ?p ?o }"
    before = int(store._select(count)[0]["n"].value)
    store.load([EntityRecord(id=DENG, type="PERSON", name="邓小平", aliases=["小平"])])
    assert bool(store.sparql(ask))
    assert int(store._select(count)[0]["n"].value) == before == store.counts()["relations"]


def test_shortest_distance_agrees_with_breadth_first_search() -> None:
    import random

    for seed in range(200):
        rnd = random.Random(seed)
        n = rnd.randint(2, 30)
        adjacent: dict[str, dict[str, Link]] = {str(i): {} for i in range(n)}
        for i in range(rnd.randint(0, 60)):
            a, b = str(rnd.randrange(n)), str(rnd.randrange(n))
            if a != b:
                adjacent[a][b] = adjacent[b][a] = Link(f"rel:{i}", "PARENT_OF", a, b)
        source, target = str(rnd.randrange(n)), str(rnd.randrange(n))
        dist, level = {source: 0}, [source]
        while level:
            grown = []
            for x in level:
                for o in adjacent[x]:
                    if o not in dist:
                        dist[o] = dist[x] + 1
                        grown.append(o)
            level = grown
        for max_hops in (1, 2, 3, 5):
            want = dist.get(target)
            assert shortest_distance(source, target, max_hops, adjacent.__getitem__) == (
                want if want is not None and want <= max_hops else None)


def test_saved_indexes_are_used_only_while_the_store_is_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "oxigraph"
    writer = OxigraphStore(path)
    writer.load(mini_records(), documents_text=mini_texts())
    writer.close()
    first = OxigraphStore(path, read_only=True)
    first.warm()  # reads the indexes from the store and saves them
    assert index_file.is_current(path)
    saved = index_file.load(path, index_file.fingerprint(path))
    assert saved is not None
    labels, adjacency = saved
    assert labels.entries() == first.labels().entries()
    assert adjacency.all_links() == first.adjacency().all_links()
    some = next(iter(first.labels().entries())).entity_id
    assert adjacency.links(some) == first.adjacency().links(some)
    second = OxigraphStore(path, read_only=True)
    second.warm()
    assert second.get_entity(some) == first.get_entity(some)
    assert [h.entity.id for h in second.search("小平")] == [h.entity.id for h in first.search("小平")]
    first.close()
    second.close()
    writer = OxigraphStore(path)
    writer.load([EntityRecord(id="per:ffffffffffff", type="PERSON", name="王小平")])
    writer.close()
    assert not index_file.is_current(path)  # any write makes the saved indexes stale
    third = OxigraphStore(path, read_only=True)
    assert "per:ffffffffffff" in third.labels()
    third.close()


def sorted_quads(store: OxigraphStore) -> list[str]:
    return sorted(str(q) for q in store.store.quads_for_pattern(None, None, None, None))


def test_batches_written_in_the_background_give_the_graph_of_one_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg import loading

    records, texts = mini_records(), mini_texts()
    whole = OxigraphStore(tmp_path / "whole")
    whole.load(records, documents_text=texts)
    monkeypatch.setattr(loading, "BATCH_RECORDS", 3)  # a document's mentions span batches, one still being written
    batched = OxigraphStore(tmp_path / "batched")
    loading.load_records(records, [batched], texts=texts, progress=False)
    assert sorted_quads(batched) == sorted_quads(whole)
    # a second run in batches moving one mention to another entity replaces it, as one load does
    mentions = [r for r in records if isinstance(r, MentionRecord)]
    old = next(m for m in mentions if m.entity == DENG)
    moved = [m.model_copy(update={"entity": ZHUO}) if m == old else m for m in mentions]
    loading.load_records(moved, [batched], progress=False)
    whole.load(moved)
    assert sorted_quads(batched) == sorted_quads(whole)
    zhuo = batched.get_entity(ZHUO)
    assert zhuo is not None and (old.doc, old.start) in {(m.doc, m.start) for m in zhuo.mentions}
    whole.close()
    batched.close()


def test_a_failed_background_write_is_raised_by_the_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg import loading
    from kg.store import rdf_load

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    store = OxigraphStore(tmp_path / "oxigraph")
    monkeypatch.setattr(rdf_load, "_write_batch", disk_full)
    with pytest.raises(OSError, match="No space left"):
        loading.load_records(mini_records(), [store], texts=mini_texts(), progress=False)
    monkeypatch.undo()
    loading.load_records(mini_records(), [store], texts=mini_texts(), progress=False)  # a re-run completes the graph
    assert store.counts()["mentions"] == sum(isinstance(r, MentionRecord) for r in mini_records())
    store.close()


def test_large_document_texts_go_through_the_bulk_loader_and_are_replaced_on_reload(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.store import rdf_load

    loaders: list[tuple[str, int]] = []  # (pyoxigraph method, bytes of N-Triples) of every text write
    real_write = rdf_load._write_batch

    class Recording:
        def __init__(self, store: Any) -> None:
            self._store = store

        def __getattr__(self, name: str) -> Any:
            method = getattr(self._store, name)
            if name not in ("load", "bulk_load"):
                return method

            def recorded(*, input: bytes, format: Any, lenient: bool) -> None:
                loaders.append((name, len(input)))
                method(input=input, format=format, lenient=lenient)
            return recorded

    def recording(store: Any, quads: list[Any], ntriples: bytes, lines: int) -> None:
        real_write(Recording(store), quads, ntriples, lines)

    monkeypatch.setattr(rdf_load, "_write_batch", recording)
    texts = mini_texts()
    doc = min(texts)
    # escapes N-Triples needs (quotes, backslashes, line ends, tabs), a character outside the BMP, and bulk
    tricky = texts[doc] + '\n"引号"\\反斜杠\t\r\n𠀀' + "广安县志。" * (rdf_load.BULK_MIN_BYTES // 10)
    s = OxigraphStore(tmp_path / "oxigraph")
    s.load(mini_records(), documents_text={**texts, doc: tricky})
    assert any(name == "bulk_load" and n >= rdf_load.BULK_MIN_BYTES for name, n in loaders), \
        "a megabyte of text was written in a transaction"
    assert s.document_text(doc) == tricky
    before = quad_count(s)
    s.load(mini_records(), documents_text={**texts, doc: tricky})
    assert quad_count(s) == before
    s.load([], documents_text={doc: texts[doc]})  # a changed text replaces the stored one
    assert s.document_text(doc) == texts[doc]
    stored = list(s.store.quads_for_pattern(rdf_load.named_node(rdf_load.iri_for(doc)), rdf_load.K["text"], None, None))
    assert len(stored) == 1
    s.close()
