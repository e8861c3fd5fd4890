"""REST endpoints over a real on-disk Oxigraph store loaded with the fixture graph: normal, empty, 404, bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_api_support import (
    DENG,
    FATHER,
    HOSTILE_IMG,
    MEETING_CHAIR,
    MOTHER,
    PROVINCE,
    SON,
    VILLAGE,
    ZHUOLIN,
    assert_error,
    make_app,
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data_dir: Path = tmp_path_factory.mktemp("rest")
    with TestClient(make_app(data_dir)) as c:
        yield c


# ---------------------------------------------------------------- search
def test_search_by_name_ranks_exact_match_first(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "邓小平"}).json()
    assert body["hits"][0]["entity"]["id"] == DENG
    assert body["total"] == len(body["hits"]) >= 3  # the person and the two events named after him
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_search_by_pinyin_with_spaces_finds_chinese_name(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "deng xiaoping"}).json()
    assert body["hits"], body
    assert body["hits"][0]["entity"]["name"] == "邓小平"


def test_search_by_alias(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "邓希贤"}).json()
    assert [h["entity"]["id"] for h in body["hits"]] == [DENG]
    assert body["hits"][0]["matched"] == "邓希贤"


def test_search_type_filter_and_paging(client: TestClient) -> None:
    everything = client.get("/api/search", params={"q": "邓", "limit": 200}).json()
    people = client.get("/api/search", params={"q": "邓", "type": "person", "limit": 200}).json()
    assert people["type"] == "PERSON"
    assert {h["entity"]["type"] for h in people["hits"]} == {"PERSON"}
    assert people["total"] < everything["total"]
    first = client.get("/api/search", params={"q": "邓", "limit": 2, "offset": 0}).json()
    second = client.get("/api/search", params={"q": "邓", "limit": 2, "offset": 2}).json()
    assert first["total"] == second["total"] == everything["total"]
    ids = [h["entity"]["id"] for h in first["hits"] + second["hits"]]
    assert ids == [h["entity"]["id"] for h in everything["hits"][:4]]
    assert len(set(ids)) == 4


def test_search_no_match_is_empty_page(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "不存在的名字"}).json()
    assert body["total"] == 0 and body["hits"] == [] and body["total_exact"] is True


@pytest.mark.parametrize("params", [
    {"q": ""}, {"q": "   "}, {"q": "x" * 201}, {"q": "邓", "limit": 0}, {"q": "邓", "limit": 201},
    {"q": "邓", "offset": -1}, {"q": "邓", "type": "DRAGON"}, {},
])
def test_search_bad_input_is_422(client: TestClient, params: dict[str, object]) -> None:
    assert_error(client.get("/api/search", params=params), 422, "validation_error")


# ---------------------------------------------------------------- entity
def test_entity_has_aliases_properties_relations_with_evidence(client: TestClient) -> None:
    body = client.get(f"/api/entities/{DENG}").json()
    assert body["name"] == "邓小平"
    assert set(body["aliases"]) == {"邓先圣", "邓希贤"}
    assert body["properties"]["birth_date"] == "1904-08-22"
    spouse = [r for r in body["relations"] if r["type"] == "SPOUSE_OF"]
    assert spouse and spouse[0]["evidence"][0]["sentence"] == "1939年8月，邓小平与卓琳在延安结婚。"
    assert {n["id"] for n in body["neighbours"]} >= {FATHER, MOTHER, ZHUOLIN, SON}
    assert body["mentions"] and all(m["doc"] for m in body["mentions"])


def test_unknown_entity_is_404(client: TestClient) -> None:
    error = assert_error(client.get("/api/entities/per:doesnotexist"), 404, "not_found")
    assert "per:doesnotexist" in error["message"]


# ---------------------------------------------------------------- neighbours
def test_neighbours_depth_and_filters(client: TestClient) -> None:
    one = client.get(f"/api/entities/{DENG}/neighbours").json()
    two = client.get(f"/api/entities/{DENG}/neighbours", params={"depth": 2}).json()
    ids_one = {n["id"] for n in one["nodes"]}
    assert DENG in ids_one and FATHER in ids_one and VILLAGE not in ids_one
    assert ids_one < {n["id"] for n in two["nodes"]}
    assert VILLAGE in {n["id"] for n in two["nodes"]}  # via the birth event
    parents = client.get(f"/api/entities/{DENG}/neighbours", params={"relation": "PARENT_OF"}).json()
    assert {n["id"] for n in parents["nodes"]} == {DENG, FATHER, MOTHER, SON}
    assert {e["type"] for e in parents["edges"]} == {"PARENT_OF"}
    events = client.get(f"/api/entities/{DENG}/neighbours", params={"type": "EVENT,PERSON"}).json()
    assert {n["type"] for n in events["nodes"]} == {"EVENT", "PERSON"}


@pytest.mark.parametrize("params", [{"depth": 4}, {"depth": 0}, {"limit": 201}, {"relation": "LOVES"},
                                    {"type": "ALIEN"}])
def test_neighbours_bad_input_is_422(client: TestClient, params: dict[str, object]) -> None:
    assert_error(client.get(f"/api/entities/{DENG}/neighbours", params=params), 422, "validation_error")


def test_neighbours_of_unknown_entity_is_404(client: TestClient) -> None:
    assert_error(client.get("/api/entities/per:nobody/neighbours"), 404, "not_found")


# ---------------------------------------------------------------- paths
def test_paths_each_hop_has_evidence(client: TestClient) -> None:
    body = client.get("/api/paths", params={"source": FATHER, "target": SON}).json()
    assert body["source"]["id"] == FATHER and body["target"]["id"] == SON
    shortest = body["paths"][0]
    assert [n["id"] for n in shortest["nodes"]] == [FATHER, DENG, SON]
    assert len(shortest["edges"]) == 2
    assert all(e["evidence"] and e["evidence"][0]["sentence"] for e in shortest["edges"])
    lengths = [len(p["edges"]) for p in body["paths"]]
    assert lengths == sorted(lengths)


def test_paths_none_within_hops_is_empty(client: TestClient) -> None:
    body = client.get("/api/paths", params={"source": FATHER, "target": MEETING_CHAIR, "max_hops": 6}).json()
    assert body["paths"] == []
    one_hop = client.get("/api/paths", params={"source": FATHER, "target": SON, "max_hops": 1}).json()
    assert one_hop["paths"] == []


@pytest.mark.parametrize("params", [{"k": 11}, {"max_hops": 7}, {"k": 0}, {"target": ""}])
def test_paths_bad_input_is_422(client: TestClient, params: dict[str, object]) -> None:
    query: dict[str, object] = {"source": FATHER, "target": SON, **params}
    assert_error(client.get("/api/paths", params=query), 422)


def test_paths_unknown_end_is_404(client: TestClient) -> None:
    assert_error(client.get("/api/paths", params={"source": FATHER, "target": "per:nobody"}), 404)


# ---------------------------------------------------------------- timeline
def test_timeline_sorted_by_date(client: TestClient) -> None:
    body = client.get(f"/api/entities/{DENG}/timeline").json()
    dates = [e["date"] for e in body["events"]]
    assert dates == sorted(dates) and dates[0] == "1904-08-22" and "1939-08" in dates
    assert body["entity"]["id"] == DENG


def test_timeline_empty_and_404(client: TestClient) -> None:
    assert client.get(f"/api/entities/{PROVINCE}/timeline").json()["events"] == []
    assert_error(client.get("/api/entities/evt:nothing/timeline"), 404)


# ---------------------------------------------------------------- family
def test_family_tree_of_deng(client: TestClient) -> None:
    body = client.get(f"/api/entities/{DENG}/family").json()
    assert {a["person"]["id"] for a in body["ancestors"]} == {FATHER, MOTHER}
    assert all(a["generation"] == -1 and a["relation"] == "parent" for a in body["ancestors"])
    assert [s["person"]["id"] for s in body["spouses"]] == [ZHUOLIN]
    assert [d["person"]["id"] for d in body["descendants"]] == [SON]
    assert body["descendants"][0]["generation"] == 1
    assert body["descendants"][0]["evidence"] == ["他们的长子邓朴方。"]
    assert [k["person"]["id"] for k in body["kin"]] == [HOSTILE_IMG]
    assert body["kin"][0]["relation"] == "<b>叔父</b>"


def test_family_from_the_son_reaches_grandparents(client: TestClient) -> None:
    body = client.get(f"/api/entities/{SON}/family", params={"generations": 2}).json()
    parents = {a["person"]["id"]: a for a in body["ancestors"]}
    assert set(parents) == {DENG, ZHUOLIN}
    assert {g["person"]["id"] for g in parents[DENG]["parents"]} == {FATHER, MOTHER}
    assert [s["id"] for s in parents[DENG]["spouses"]] == [ZHUOLIN]
    shallow = client.get(f"/api/entities/{SON}/family", params={"generations": 1}).json()
    assert all(a["parents"] == [] for a in shallow["ancestors"])


def test_family_bad_input(client: TestClient) -> None:
    assert_error(client.get(f"/api/entities/{DENG}/family", params={"generations": 4}), 422)
    assert_error(client.get("/api/entities/per:nobody/family"), 404)
    place = client.get(f"/api/entities/{PROVINCE}/family").json()
    assert place["ancestors"] == [] and place["descendants"] == [] and place["spouses"] == []


# ---------------------------------------------------------------- story
def test_story_json_is_dated_and_ordered(client: TestClient) -> None:
    body = client.get("/api/story", params={"ids": f"{DENG},{ZHUOLIN}"}).json()
    assert [e["name"] for e in body["entities"]] == ["邓小平", "卓琳"]
    dates = [e["date"] for e in body["events"]]
    assert dates == sorted(dates) and len(dates) == len({e["event"]["id"] for e in body["events"]}) == 2
    wedding = body["events"][1]
    assert {p["name"] for p in wedding["participants"]} == {"邓小平", "卓琳"}
    assert [p["name"] for p in wedding["places"]] == ["延安"]
    assert "1939年8月，邓小平与卓琳在延安结婚。" in [q["text"] for q in wedding["quotes"]]


def test_story_markdown_has_headings_and_quotes(client: TestClient) -> None:
    response = client.get("/api/story", params={"ids": DENG, "format": "markdown"})
    assert response.headers["content-type"].startswith("text/markdown")
    text = response.text
    assert text.startswith("# 故事：邓小平")
    birth, wedding = text.index("## 1904-08-22 — 邓小平出生"), text.index("## 1939-08 — 邓小平与卓琳结婚")
    assert birth < wedding
    assert "> 1939年8月，邓小平与卓琳在延安结婚。" in text
    assert "- 地点：牌坊村" in text


def test_story_escapes_markup_in_markdown(client: TestClient) -> None:
    text = client.get("/api/story", params={"ids": HOSTILE_IMG, "format": "markdown"}).text
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text


def test_story_without_events_and_errors(client: TestClient) -> None:
    body = client.get("/api/story", params={"ids": PROVINCE}).json()
    assert body["events"] == [] and body["entities"][0]["id"] == PROVINCE
    assert_error(client.get("/api/story", params={"ids": f"{DENG},per:nobody"}), 404)
    assert_error(client.get("/api/story", params={"ids": " , "}), 422)
    assert_error(client.get("/api/story", params={"ids": DENG, "format": "pdf"}), 422)
    assert_error(client.get("/api/story"), 422)


# ---------------------------------------------------------------- stats, health
def test_stats_counts_by_type(client: TestClient) -> None:
    body = client.get("/api/stats").json()
    assert body["store"] == "oxigraph"
    assert body["counts"]["entities"] == sum(body["entity_types"].values()) == 19
    assert body["counts"]["relations"] == sum(body["relation_types"].values()) == 18
    assert body["entity_types"]["PERSON"] == 8 and body["relation_types"]["PARENT_OF"] == 4


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "store": "oxigraph", "entities": 19}


def test_openapi_documents_every_route_with_error_model(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path in ("/api/search", "/api/entities/{entity_id}", "/api/entities/{entity_id}/neighbours", "/api/paths",
                 "/api/entities/{entity_id}/timeline", "/api/entities/{entity_id}/family", "/api/story",
                 "/api/stats", "/healthz", "/sparql", "/cypher", "/api/review", "/api/reload"):
        assert path in schema["paths"], path
    search = schema["paths"]["/api/search"]["get"]
    assert search["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert search["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/SearchPage")
