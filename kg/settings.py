"""Every setting, declared once: name, default and help. ``docs/settings.md`` is generated from this table.

Values come from (highest first) command-line options, environment variables ``KG_<NAME>``,
a ``.env`` file in the working directory, then the defaults below.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KG_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("kg-data"), description="Folder of the embedded on-disk RDF store and load state.")
    workers: int = Field(0, description="Extraction processes; 0 means one per CPU core.")
    batch_size: int = Field(10000, description="Rows per UNWIND batch when writing to Neo4j.")
    pipeline_version: str = Field("", description="Overrides the pipeline version used to skip already-processed documents.")
    max_file_mb: int = Field(200, description="Largest document file accepted, in MB.")
    max_document_chars: int = Field(5_000_000, description="Most characters in one document (a county gazetteer has 1–3 million); split larger files by volume.")

    neo4j_uri: str = Field("", description="Bolt URI of a Neo4j server (e.g. bolt://localhost:7687, neo4j+s://x.databases.neo4j.io). Empty: use the embedded store.")
    neo4j_user: str = Field("neo4j", description="Neo4j user name.")
    neo4j_password: SecretStr = Field(SecretStr(""), description="Neo4j password (never logged or shown).")
    neo4j_database: str = Field("neo4j", description="Neo4j database name.")
    neo4j_retry_s: float = Field(120.0, description="How long a Neo4j transaction is retried on transient errors and while the server cannot be reached (a restart took 30–45 s on the 2-core test machine), in seconds.")

    query_timeout_s: float = Field(10.0, description="Time limit for one SPARQL or Cypher query, in seconds.")
    query_row_cap: int = Field(10000, description="Most rows a SPARQL or Cypher query returns.")
    max_body_kb: int = Field(256, description="Largest accepted request body, in KB.")
    response_cache_mb: int = Field(64, description="Memory for serialised API answers of the embedded store, which `kg serve` opens read-only (kept until `POST /api/reload`); 0 turns the cache off. Never used for Neo4j.")
    write_token: SecretStr = Field(SecretStr(""), description="Bearer token required by endpoints that change the graph. Empty: those endpoints are disabled.")
    read_token: SecretStr = Field(SecretStr(""), description="If set, read endpoints require this bearer token too.")
    serve_workers: int = Field(1, description="Processes `kg serve` answers with (more than one per CPU core does not help). Each holds its own copy of the embedded store's in-memory indexes (about 0.5 GB of memory for 100,000 entities / 300,000 relations), read from the file saved next to the store; `POST /api/reload` reloads the process that receives it, which then has uvicorn replace every process (docs/api.md).")
    host: str = Field("127.0.0.1", description="Address `kg serve` listens on.")
    port: int = Field(8000, description="Port `kg serve` listens on.")
    log_level: str = Field("WARNING", description="Logging level (quiet by default).")

    @property
    def uses_neo4j(self) -> bool:
        return bool(self.neo4j_uri)

    def effective_workers(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def settings_table_markdown() -> str:
    lines = ["| setting | environment | default | meaning |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "" if isinstance(default, SecretStr) else str(default)
        lines.append(f"| `{name}` | `KG_{name.upper()}` | `{shown}` | {field.description} |")
    return "\n".join(lines) + "\n"
