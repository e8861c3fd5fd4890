"""Every error status answers with the same shape: {"error": {"status", "code", "message", "detail"}}."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_api_support import DENG, assert_error, make_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data_dir: Path = tmp_path_factory.mktemp("errors")
    with TestClient(make_app(data_dir, write_token="s3cret-write", max_body_kb=4)) as c:
        yield c


def test_400_bad_request(client: TestClient) -> None:
    assert_error(client.get("/sparql"), 400, "missing_query")


def test_401_missing_and_wrong_write_token(client: TestClient) -> None:
    response = client.post("/api/reload")
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    assert_error(client.post("/api/reload", headers={"authorization": "Bearer wrong"}), 401, "unauthorized")
    assert_error(client.post("/api/reload", headers={"authorization": "Basic czNjcmV0"}), 401, "unauthorized")


def test_403_writes_disabled_without_token(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path)) as c:
        error = assert_error(c.post("/api/reload", headers={"authorization": "Bearer anything"}), 403, "forbidden")
        assert "KG_WRITE_TOKEN" in error["message"]


def test_404_unknown_path_and_entity(client: TestClient) -> None:
    assert_error(client.get("/api/no-such-endpoint"), 404, "not_found")
    assert_error(client.get("/no/such/page"), 404, "not_found")
    assert_error(client.get("/api/entities/per:nobody"), 404, "not_found")


def test_404_explorer_page_in_html_keeps_status(client: TestClient) -> None:
    response = client.get("/entity/per:nobody", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert 'data-code="not_found"' in response.text


def test_405_method_not_allowed(client: TestClient) -> None:
    assert_error(client.delete("/api/search"), 405, "method_not_allowed")
    assert_error(client.put(f"/api/entities/{DENG}"), 405, "method_not_allowed")
    assert_error(client.get("/api/reload"), 405, "method_not_allowed")


def test_406_not_acceptable(client: TestClient) -> None:
    assert_error(client.get("/sparql", params={"query": "ASK {}"}, headers={"accept": "image/png"}), 406)


def test_413_body_too_large(client: TestClient) -> None:
    big = b'{"query": "' + b"x" * 5000 + b'"}'
    error = assert_error(client.post("/cypher", content=big, headers={"content-type": "application/json"}), 413,
                         "payload_too_large")
    assert error["detail"] == {"limit_bytes": 4096}


def test_415_unsupported_media_type(client: TestClient) -> None:
    assert_error(client.post("/sparql", content=b"x", headers={"content-type": "text/plain"}), 415,
                 "unsupported_media_type")


def test_422_validation_errors_name_the_field(client: TestClient) -> None:
    error = assert_error(client.get(f"/api/entities/{DENG}/neighbours", params={"depth": 9}), 422,
                         "validation_error")
    assert "depth" in error["message"]
    assert error["detail"][0]["loc"] == ["query", "depth"]
    bad_json = client.post("/cypher", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(bad_json, 422, "validation_error")
    extra = client.post("/cypher", json={"query": "RETURN 1", "sneaky": True})
    assert_error(extra, 422, "validation_error")


def test_500_internal_error_has_the_same_shape(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with TestClient(app, raise_server_exceptions=False) as c:
        app.state.kg.store.close()  # a real failure: every read of a closed store raises
        error = assert_error(c.get(f"/api/entities/{DENG}"), 500, "internal_error")
        assert "server log" in error["message"]


def test_503_cypher_without_neo4j(client: TestClient) -> None:
    error = assert_error(client.post("/cypher", json={"query": "MATCH (n) RETURN n LIMIT 1"}), 503,
                         "cypher_unavailable")
    assert "KG_NEO4J_URI" in error["message"]
