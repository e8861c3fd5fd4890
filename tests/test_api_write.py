"""Writes (review decisions, reload) need the write token; reads need the read token when one is set."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from test_api_support import DENG, assert_error, make_app

from kg.models import EntityRecord
from kg.review import read_review
from kg.store.rdf_store import OxigraphStore

WRITE = {"authorization": "Bearer w-token-1"}


def _spouse_relation_id(client: TestClient) -> str:
    relations = client.get(f"/api/entities/{DENG}").json()["relations"]
    return str(next(r["id"] for r in relations if r["type"] == "SPOUSE_OF"))


def test_review_decision_is_stored_in_review_csv(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, write_token="w-token-1")) as c:
        rel = _spouse_relation_id(c)
        response = c.post("/api/review", json={"relation_id": rel, "decision": "accept", "note": "核对无误"},
                          headers=WRITE)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["relation"]["type"] == "SPOUSE_OF" and body["rows"] == 1
        rows = read_review(tmp_path / "review.csv")
        assert rows[rel].decision == "accept" and rows[rel].note == "核对无误"
        assert rows[rel].source_name == "邓小平" and rows[rel].target_name == "卓琳"
        # a second decision on the same relation replaces the first one
        again = c.post("/api/review", json={"relation_id": rel, "decision": "correct",
                                            "corrected_type": "KIN_OF"}, headers=WRITE)
        assert again.status_code == 200, again.text
        rows = read_review(tmp_path / "review.csv")
        assert len(rows) == 1 and rows[rel].decision == "correct" and rows[rel].corrected_type == "KIN_OF"


def test_review_rejects_bad_input(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, write_token="w-token-1")) as c:
        rel = _spouse_relation_id(c)
        assert_error(c.post("/api/review", json={"relation_id": "rel:nothing", "decision": "accept"},
                            headers=WRITE), 404)
        assert_error(c.post("/api/review", json={"relation_id": rel, "decision": "maybe"}, headers=WRITE), 422)
        assert_error(c.post("/api/review", json={"relation_id": rel, "decision": "correct"}, headers=WRITE), 422)
        assert_error(c.post("/api/review", json={"relation_id": rel, "decision": "correct",
                                                 "corrected_type": "LOVES"}, headers=WRITE), 422)
        refused = c.post("/api/review", json={"relation_id": rel, "decision": "correct",
                                              "corrected_target": "per:x> . <y"}, headers=WRITE)
        assert_error(refused, 422)
        assert "corrected_target 'per:x> . <y' is not an entity id" in refused.json()["error"]["message"]
        assert_error(c.post("/api/review", json={"relation_id": rel, "decision": "accept"}), 401)
        assert not (tmp_path / "review.csv").exists()


def test_reload_shows_data_loaded_by_another_writer(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, write_token="w-token-1")) as c:
        before = c.get("/api/stats").json()["counts"]["entities"]
        writer = OxigraphStore(tmp_path / "oxigraph")  # what `kg load` does while the server runs
        writer.load([EntityRecord(id="per:00000000beef", type="PERSON", name="邓小平的新朋友")])
        writer.close()
        assert_error(c.post("/api/reload"), 401)
        response = c.post("/api/reload", headers=WRITE)
        assert response.status_code == 200, response.text
        assert response.json()["counts"]["entities"] == before + 1
        assert c.get("/api/stats").json()["counts"]["entities"] == before + 1
        assert c.get("/api/entities/per:00000000beef").json()["name"] == "邓小平的新朋友"


def test_read_token_guards_reads_but_not_health(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path, read_token="r-token", write_token="w-token-1")) as c:
        assert c.get("/healthz").status_code == 200
        for url in ("/api/search?q=邓", f"/api/entities/{DENG}", "/sparql?query=ASK%20%7B%7D", "/"):
            assert_error(c.get(url), 401, "unauthorized")
            assert_error(c.get(url, headers={"authorization": "Bearer nope"}), 401, "unauthorized")
        ok = c.get("/api/search", params={"q": "邓"}, headers={"authorization": "Bearer r-token"})
        assert ok.status_code == 200 and ok.json()["total"] > 0
        assert c.get("/api/stats", headers=WRITE).status_code == 200  # the write token can read too
        c.cookies.set("kg_read_token", "r-token")
        assert c.get("/").status_code == 200
