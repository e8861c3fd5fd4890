"""Read-only Cypher at ``POST /cypher`` (only when a Neo4j server is configured)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from api.deps import get_settings, get_store
from api.errors import ApiError, ErrorBody
from api.schemas import CypherRequest, CypherResult
from api.security import require_read
from kg.settings import Settings
from kg.store.base import GraphStore
from kg.store.cypher_guard import CypherRefused, CypherTimeout, run_readonly_cypher

router = APIRouter(tags=["cypher"], dependencies=[Depends(require_read)], responses={
    400: {"model": ErrorBody, "description": "Query refused (writes, procedures) or invalid"},
    401: {"model": ErrorBody, "description": "Missing or wrong read token"},
    413: {"model": ErrorBody, "description": "Body too large"},
    422: {"model": ErrorBody, "description": "Invalid request body"},
    503: {"model": ErrorBody, "description": "No Neo4j server configured"},
    504: {"model": ErrorBody, "description": "Query time limit exceeded"},
})


@router.post("/cypher", response_model=CypherResult, summary="Run a read-only Cypher query on Neo4j")
async def cypher(
    request: CypherRequest,
    settings: Annotated[Settings, Depends(get_settings)],
    store: Annotated[GraphStore, Depends(get_store)],
) -> CypherResult:
    driver = getattr(store, "driver", None)
    if not settings.uses_neo4j or driver is None:
        raise ApiError(503, "Cypher needs a Neo4j server: set KG_NEO4J_URI (and KG_NEO4J_PASSWORD) and restart; "
                            "use /sparql with the embedded store", code="cypher_unavailable")
    try:
        columns, rows, truncated = await run_in_threadpool(
            run_readonly_cypher, driver, settings.neo4j_database, request.query, request.parameters,
            timeout_s=settings.query_timeout_s, row_cap=settings.query_row_cap)
    except CypherRefused as exc:
        raise ApiError(400, str(exc), code="query_refused") from exc
    except CypherTimeout as exc:
        raise ApiError(504, f"query exceeded the {settings.query_timeout_s:g} s time limit; narrow it or add LIMIT",
                       detail=str(exc)) from exc
    return CypherResult(columns=columns, rows=rows, truncated=truncated)
