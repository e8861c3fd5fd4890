"""Settings are declared once; the docs table is generated from them and must not drift."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from kg.settings import Settings, settings_table_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_docs_table_matches_the_declared_settings() -> None:
    assert settings_table_markdown() in DOCS.read_text(encoding="utf-8"), "regenerate docs/settings.md with `kg settings`"


def test_every_setting_has_help_text() -> None:
    assert all(field.description for field in Settings.model_fields.values())


def test_environment_overrides_and_secrets_stay_hidden(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KG_NEO4J_URI", "bolt://127.0.0.1:7687")
    monkeypatch.setenv("KG_NEO4J_PASSWORD", "s3cret-pw")
    s = Settings()
    assert s.uses_neo4j
    assert isinstance(s.neo4j_password, SecretStr)
    assert "s3cret-pw" not in repr(s) and "s3cret-pw" not in str(s.model_dump())
    assert s.neo4j_password.get_secret_value() == "s3cret-pw"


def test_workers_default_to_all_cores(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("KG_WORKERS", raising=False)
    assert Settings().effective_workers() >= 1
    monkeypatch.setenv("KG_WORKERS", "1")
    assert Settings().effective_workers() == 1
