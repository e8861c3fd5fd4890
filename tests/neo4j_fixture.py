"""Pytest fixtures for a real Neo4j server (import them from a test module or conftest).

The server is the one ``scripts/neo4j.sh start`` runs; connection settings come from ``KG_NEO4J_URI``,
``KG_NEO4J_USER``, ``KG_NEO4J_PASSWORD`` (``eval "$(scripts/neo4j.sh uri | sed 's/^/export /')"``), or, when
those are unset, from the local installation in ``.neo4j/`` if it answers. Without a server the tests are
skipped, except under CI (``CI=true``), where they fail.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import neo4j
import pytest
from neo4j.exceptions import AuthError, ServiceUnavailable
from pydantic import SecretStr

from kg.settings import Settings
from kg.store.neo4j_store import Neo4jStore

ROOT = Path(__file__).resolve().parent.parent
NEO4J_HOME = Path(os.environ.get("KG_NEO4J_HOME", ROOT / ".neo4j"))
HOW_TO_START = ("start one with `bash scripts/neo4j.sh start` and export its settings with "
                "`eval \"$(bash scripts/neo4j.sh uri | sed 's/^/export /')\"`")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Neo4j is required under CI but {reason}; {HOW_TO_START}", pytrace=False)
    pytest.skip(f"no Neo4j server: {reason}; {HOW_TO_START}")


def neo4j_test_settings() -> Settings | None:
    """Settings for the test server, from the environment or from ``.neo4j/`` (None when neither is set)."""
    uri, password = os.environ.get("KG_NEO4J_URI", ""), os.environ.get("KG_NEO4J_PASSWORD", "")
    if not uri:
        pw_file = NEO4J_HOME / "password"
        if not pw_file.is_file():
            return None
        uri = f"bolt://127.0.0.1:{os.environ.get('KG_NEO4J_BOLT_PORT', '7687')}"
        password = password or pw_file.read_text(encoding="utf-8").strip()
    return Settings(neo4j_uri=uri, neo4j_user=os.environ.get("KG_NEO4J_USER", "neo4j"),
                    neo4j_password=SecretStr(password),
                    neo4j_database=os.environ.get("KG_NEO4J_DATABASE", "neo4j"), batch_size=7)


@pytest.fixture(scope="session")
def neo4j_settings() -> Settings:
    settings = neo4j_test_settings()
    if settings is None:
        _unavailable("KG_NEO4J_URI is not set and there is no local installation in .neo4j/")
    assert settings is not None
    return settings


@pytest.fixture(scope="module")
def neo4j_driver(neo4j_settings: Settings) -> Iterator[neo4j.Driver]:
    """A driver per test module: a module that replaces the database (``kg load --bulk``) restarts its transaction
    ids, and a driver that kept later bookmarks would wait on them (BookmarkTimeout) in the next module."""
    driver = neo4j.GraphDatabase.driver(
        neo4j_settings.neo4j_uri,
        auth=(neo4j_settings.neo4j_user, neo4j_settings.neo4j_password.get_secret_value()),
        notifications_min_severity="OFF",
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            driver.verify_connectivity()
            driver.execute_query("RETURN 1", database_=neo4j_settings.neo4j_database)
            break
        except AuthError:
            driver.close()
            _unavailable(f"{neo4j_settings.neo4j_uri} refused the credentials (check KG_NEO4J_PASSWORD)")
        except (ServiceUnavailable, OSError, neo4j.exceptions.TransientError) as error:
            if time.monotonic() > deadline:
                driver.close()
                _unavailable(f"{neo4j_settings.neo4j_uri} does not answer ({type(error).__name__})")
            time.sleep(1)
    yield driver
    driver.close()


def _wipe(driver: neo4j.Driver, database: str) -> None:
    with driver.session(database=database) as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS").consume()


@pytest.fixture
def neo4j_store(neo4j_driver: neo4j.Driver, neo4j_settings: Settings) -> Iterator[Neo4jStore]:
    """An empty Neo4jStore (schema created); everything a test wrote is deleted afterwards."""
    _wipe(neo4j_driver, neo4j_settings.neo4j_database)
    store = Neo4jStore(neo4j_settings, driver=neo4j_driver)
    store.ensure_schema()
    yield store
    _wipe(neo4j_driver, neo4j_settings.neo4j_database)
