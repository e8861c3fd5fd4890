"""SPARQL 1.1 Protocol (query only) at ``/sparql``, plus the JSON-LD context and the ontology."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response

import ontology
from api.deps import get_settings, get_store
from api.errors import ApiError, ErrorBody
from api.negotiation import wanted_media_types
from api.security import require_read
from kg.settings import Settings
from kg.store.base import GraphStore
from kg.store.rdf_store import OxigraphStore
from kg.store.sparql_guard import SparqlRefused, SparqlTimeout, run_readonly_sparql

ONTOLOGY_DIR = Path(ontology.__file__).parent

router = APIRouter(tags=["sparql"], dependencies=[Depends(require_read)])

SPARQL_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "Query results in the negotiated format",
          "content": {media: {} for media in (
              "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
              "text/tab-separated-values", "text/turtle", "application/ld+json", "application/n-triples")}},
    400: {"model": ErrorBody, "description": "Missing query, syntax error, or an update (refused)"},
    401: {"model": ErrorBody, "description": "Missing or wrong read token"},
    406: {"model": ErrorBody, "description": "No acceptable result format"},
    413: {"model": ErrorBody, "description": "Body too large"},
    415: {"model": ErrorBody, "description": "Unsupported content type"},
    422: {"model": ErrorBody, "description": "Invalid parameters"},
    503: {"model": ErrorBody, "description": "No embedded RDF store to query"},
    504: {"model": ErrorBody, "description": "Query time limit exceeded"},
}


def _refuse_update() -> ApiError:
    return ApiError(400, "SPARQL updates are refused: this endpoint is read-only (use `kg load` to change the graph)",
                    code="update_refused")


async def _execute(request: Request, query: str | None, format_param: str | None,
                   settings: Settings, store: GraphStore) -> Response:
    if query is None or not query.strip():
        raise ApiError(400, "missing SPARQL query: pass ?query=..., a form field query=, "
                            "or POST it as application/sparql-query", code="missing_query")
    if len(query.encode("utf-8")) > settings.max_body_kb * 1024:
        raise ApiError(413, f"query is longer than {settings.max_body_kb} KB (raise KG_MAX_BODY_KB to allow more)")
    media = wanted_media_types(format_param, request.headers.get("accept"))
    target: OxigraphStore | Path = store if isinstance(store, OxigraphStore) else settings.data_dir / "oxigraph"
    try:
        answer = await run_in_threadpool(
            run_readonly_sparql, target, query, accept=", ".join(media),
            timeout_s=settings.query_timeout_s, row_cap=settings.query_row_cap,
            max_query_bytes=settings.max_body_kb * 1024)
    except SparqlRefused as exc:
        code = "update_refused" if "read-only" in exc.reason else "query_refused"
        raise ApiError(400, exc.reason, code=code) from exc
    except SparqlTimeout as exc:
        raise ApiError(504, f"query exceeded the {settings.query_timeout_s:g} s time limit; narrow it or add LIMIT",
                       detail=str(exc)) from exc
    except FileNotFoundError as exc:
        raise ApiError(503, f"SPARQL needs the embedded RDF store: {exc}", code="sparql_unavailable") from exc
    return Response(content=answer.body, media_type=answer.content_type, headers=answer.headers)


@router.get("/sparql", responses=SPARQL_RESPONSES, summary="SPARQL 1.1 query via GET")
async def sparql_get(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    store: Annotated[GraphStore, Depends(get_store)],
    query: Annotated[str | None, Query(description="SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE)")] = None,
    format: Annotated[str | None, Query(description="json, xml, csv, tsv, turtle, jsonld or nt")] = None,
) -> Response:
    if "update" in request.query_params:
        raise _refuse_update()
    return await _execute(request, query, format, settings, store)


@router.post("/sparql", responses=SPARQL_RESPONSES, summary="SPARQL 1.1 query via POST",
             openapi_extra={"requestBody": {"content": {
                 "application/sparql-query": {"schema": {"type": "string"}},
                 "application/x-www-form-urlencoded": {"schema": {
                     "type": "object", "properties": {"query": {"type": "string"}}}}}}})
async def sparql_post(
    request: Request,
    settings: Annotated[Settings, Depends(get_settings)],
    store: Annotated[GraphStore, Depends(get_store)],
    format: Annotated[str | None, Query(description="json, xml, csv, tsv, turtle, jsonld or nt")] = None,
) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if "update" in request.query_params:
        raise _refuse_update()
    if content_type == "application/sparql-update":
        raise _refuse_update()
    if content_type == "application/sparql-query":
        try:
            query = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ApiError(400, "the query body is not valid UTF-8") from exc
        return await _execute(request, query, format, settings, store)
    if content_type == "application/x-www-form-urlencoded":
        try:
            form = parse_qs(raw.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError as exc:
            raise ApiError(400, "the form body is not valid UTF-8") from exc
        if "update" in form:
            raise _refuse_update()
        queries = form.get("query", [])
        if len(queries) > 1:
            raise ApiError(400, "give exactly one query= field")
        return await _execute(request, queries[0] if queries else None, format or _first(form.get("format")),
                              settings, store)
    raise ApiError(415, "POST the query as application/sparql-query or as form field query= "
                        "(application/x-www-form-urlencoded)", detail={"content_type": content_type})


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None


def _ontology_file(name: str, media_type: str) -> FileResponse:
    path = ONTOLOGY_DIR / name
    if not path.is_file():
        raise ApiError(404, f"{name} is missing from the ontology package; reinstall the project")
    return FileResponse(path, media_type=media_type)


@router.get("/context.jsonld", summary="The JSON-LD context of the graph",
            responses={200: {"content": {"application/ld+json": {}}}, 404: {"model": ErrorBody}})
def context_jsonld() -> FileResponse:
    return _ontology_file("context.jsonld", "application/ld+json")


@router.get("/ontology", summary="The OWL ontology (Turtle)",
            responses={200: {"content": {"text/turtle": {}}}, 404: {"model": ErrorBody}})
def ontology_ttl() -> FileResponse:
    return _ontology_file("kg.ttl", "text/turtle; charset=utf-8")
