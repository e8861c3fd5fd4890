"""Read-only Cypher for the public API: refuse anything that could write, run it with a time limit and a row cap.

Layers, each enough on its own for the common cases: (1) lexical checks on the query with comments and string
literals removed — no ``LOAD CSV``, no ``USE`` (database switch), one statement, and procedures/functions only from
a small allow-list; (2) ``EXPLAIN`` and refuse unless the planner says the query type is read-only (``r``), which
catches writes hidden in ``CALL { … }``, ``FOREACH`` or elsewhere; (3) execution in a READ access-mode session, so
the server itself rejects any write that slipped through; (4) a server-side transaction timeout and a row cap.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Mapping
from typing import Any

import neo4j
from neo4j.exceptions import ClientError, CypherSyntaxError, Neo4jError
from neo4j.graph import Node, Path, Relationship

ALLOWED_PROCEDURES: frozenset[str] = frozenset({
    "db.labels", "db.relationshiptypes", "db.propertykeys",
    "db.index.fulltext.querynodes", "db.index.fulltext.queryrelationships",
    "db.schema.visualization", "db.schema.nodetypeproperties", "db.schema.reltypeproperties",
})
"""Procedures a read-only query may call (lower case)."""

ALLOWED_FUNCTION_NAMESPACES: frozenset[str] = frozenset({
    "date", "datetime", "localdatetime", "localtime", "time", "duration", "point", "vector",
})
"""Namespaces of the built-in functions a query may call (``date.truncate``…); other dotted functions
(``apoc.*``, ``gds.*``, ``db.*``, ``dbms.*``, user-defined ones) are refused."""

_COMMENTS_AND_STRINGS = re.compile(
    r"//[^\n]*|/\*.*?\*/|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.DOTALL
)
_LOAD_CSV = re.compile(r"\bLOAD\s+CSV\b", re.IGNORECASE)
_USE = re.compile(r"(?:^|[\s;{}()])USE\s+[A-Za-z_]", re.IGNORECASE)
_CALL_PROCEDURE = re.compile(r"\bCALL\s+([A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_][\w]*)*)", re.IGNORECASE)
_DOTTED_CALL = re.compile(r"\b([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)+)\s*\(")


class CypherRefused(Exception):
    """The query is not allowed or not valid (the API answers 400 with ``reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CypherTimeout(Exception):
    """The query ran longer than its time limit (the API answers 504)."""


def _code_only(query: str) -> str:
    """The query with comments and string literals blanked and backticks dropped (for lexical checks)."""
    return _COMMENTS_AND_STRINGS.sub(" ", query).replace("`", "")


def check_lexically(query: str) -> None:
    """Refuse ``LOAD CSV``, ``USE``, several statements and procedures/functions outside the allow-lists."""
    code = _code_only(query)
    if not code.strip():
        raise CypherRefused("empty query; send one read-only Cypher statement")
    if _LOAD_CSV.search(code):
        raise CypherRefused("LOAD CSV is not allowed; the Cypher endpoint only reads the graph")
    if _USE.search(code):
        raise CypherRefused("USE is not allowed; queries run against the configured database only")
    if ";" in code.strip().rstrip(";"):
        raise CypherRefused("only one statement per request; remove the ';' between statements")
    procedures = []
    for match in _CALL_PROCEDURE.finditer(code):
        name = re.sub(r"\s+", "", match.group(1)).lower()
        procedures.append(match.start(1))
        if name not in ALLOWED_PROCEDURES:
            raise CypherRefused(f"procedure {name} is not allowed; allowed: {', '.join(sorted(ALLOWED_PROCEDURES))}")
    for match in _DOTTED_CALL.finditer(code):
        if match.start(1) in procedures:
            continue
        name = re.sub(r"\s+", "", match.group(1)).lower()
        if name.split(".", 1)[0] not in ALLOWED_FUNCTION_NAMESPACES:
            raise CypherRefused(f"function {name} is not allowed; only built-in functions may be called")


def _is_timeout(error: Neo4jError) -> bool:
    code = error.code or ""
    return "TransactionTimedOut" in code or code.endswith("Transaction.Terminated") and "timeout" in str(error).lower()


def run_readonly_cypher(
    driver: neo4j.Driver,
    database: str,
    query: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    timeout_s: float,
    row_cap: int,
) -> tuple[list[str], list[list[Any]], bool]:
    """Run one read-only query; returns ``(columns, rows, truncated)`` with JSON-able values.

    Raises :class:`CypherRefused` for a refused or invalid query and :class:`CypherTimeout` past ``timeout_s``.
    """
    check_lexically(query)
    params = dict(parameters or {})
    with driver.session(database=database, default_access_mode=neo4j.READ_ACCESS) as session:
        try:
            plan = session.run(neo4j.Query("EXPLAIN " + query, timeout=timeout_s), params).consume()
        except CypherSyntaxError as error:
            raise CypherRefused(f"invalid Cypher: {error.message}") from None
        except ClientError as error:
            raise CypherRefused(f"query refused by the server: {error.message}") from None
        if plan.query_type != "r":
            raise CypherRefused(f"only read-only queries are allowed (the planner says query type {plan.query_type!r})")
        try:
            result = session.run(neo4j.Query(query, timeout=timeout_s), params)
            columns = list(result.keys())
            rows: list[list[Any]] = []
            truncated = False
            for record in result:
                if len(rows) >= row_cap:
                    truncated = True
                    break
                rows.append([to_json(value) for value in record.values()])
            result.consume()  # discards (does not fetch) whatever the row cap left unread
        except Neo4jError as error:
            if _is_timeout(error):
                raise CypherTimeout(f"query exceeded the {timeout_s:g}s time limit; narrow it or add LIMIT") from None
            if isinstance(error, ClientError):
                raise CypherRefused(f"query refused by the server: {error.message}") from None
            raise
    return columns, rows, truncated


def to_json(value: Any) -> Any:
    """A Bolt value as plain JSON types: nodes, relationships and paths become dicts."""
    if isinstance(value, Node):
        return {"element_id": value.element_id, "labels": sorted(value.labels), "properties": _props(value)}
    if isinstance(value, Relationship):
        return {"element_id": value.element_id, "type": value.type,
                "start": value.start_node.element_id if value.start_node is not None else None,
                "end": value.end_node.element_id if value.end_node is not None else None,
                "properties": _props(value)}
    if isinstance(value, Path):
        return {"nodes": [to_json(n) for n in value.nodes], "relationships": [to_json(r) for r in value.relationships]}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if hasattr(value, "iso_format"):
        return str(value.iso_format())
    if isinstance(value, neo4j.spatial.Point):
        return {"srid": value.srid, "coordinates": list(value)}
    return str(value)


def _props(entity: Node | Relationship) -> dict[str, Any]:
    return {k: to_json(v) for k, v in sorted(entity.items())}
