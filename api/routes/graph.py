"""Read endpoints over the graph store: search, entities, neighbours, paths, timeline, family, stats."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import Response

from api.answers import json_answer
from api.deps import AppState, app_state, get_store
from api.errors import COMMON_ERRORS, ApiError
from api.family import build_family_tree
from api.schemas import FamilyTree, Health, PathsResult, SearchPage, Stats, Timeline
from api.security import require_read
from kg.models import ENTITY_TYPES, RELATION_TYPES
from kg.store.base import EntityView, GraphStore, NodeView, SearchHit, Subgraph

MAX_LIMIT = 200
SEARCH_TOTAL_CAP = 1000
MAX_QUERY_CHARS = 200
ENTITY_ID = Path(min_length=1, max_length=200, description="Entity id, e.g. per:50ca077f7c23")

router = APIRouter(prefix="/api", tags=["graph"], dependencies=[Depends(require_read)], responses=COMMON_ERRORS)
health_router = APIRouter(tags=["health"])

StoreDep = Annotated[GraphStore, Depends(get_store)]
StateDep = Annotated[AppState, Depends(app_state)]


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def _checked(values: list[str], allowed: tuple[str, ...], what: str) -> list[str]:
    upper = [v.upper() for v in values]
    unknown = sorted({v for v in upper if v not in allowed})
    if unknown:
        raise ApiError(422, f"unknown {what} {', '.join(unknown)}; use one of {', '.join(allowed)}",
                       detail={"unknown": unknown, "allowed": list(allowed)})
    return upper


def find_entity(store: GraphStore, entity_id: str) -> EntityView | None:
    """The entity, or None, also for strings that cannot be ids at all (the store raises ValueError for those)."""
    try:
        return store.get_entity(entity_id)
    except ValueError:
        return None


def node_or_404(store: GraphStore, entity_id: str) -> EntityView:
    entity = find_entity(store, entity_id)
    if entity is None:
        raise ApiError(404, f"no entity with id {entity_id!r}; find ids with GET /api/search?q=<name>",
                       detail={"id": entity_id})
    return entity


def as_node(entity: EntityView) -> NodeView:
    return NodeView(id=entity.id, type=entity.type, name=entity.name, aliases=entity.aliases,
                    properties=entity.properties)


def search_hits(store: GraphStore, q: str, entity_type: str | None, cap: int) -> list[SearchHit]:
    """Run the store search; a pinyin query with spaces (``deng xiaoping``) is retried without them."""
    hits = store.search(q, entity_type=entity_type, limit=cap, offset=0)
    compact = "".join(q.split())
    if not hits and compact != q and compact.isascii():
        hits = store.search(compact, entity_type=entity_type, limit=cap, offset=0)
    return hits


@router.get("/search", response_model=SearchPage, summary="Search entities by name, alias or pinyin")
async def search(
    state: StateDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="Name, alias or pinyin")],
    type: Annotated[str | None, Query(description="Entity type filter, e.g. PERSON")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=SEARCH_TOTAL_CAP)] = 0,
) -> Response:
    query = q.strip()
    if not query:
        raise ApiError(422, "q must contain a non-blank search term", detail={"q": q})
    entity_type = _checked([type], ENTITY_TYPES, "entity type")[0] if type else None
    return await json_answer(state, ("search", query, entity_type, limit, offset),
                             lambda store: search_page(store, query, entity_type, limit, offset))


def search_page(store: GraphStore, query: str, entity_type: str | None, limit: int, offset: int) -> SearchPage:
    count = getattr(store, "search_count", None)
    if callable(count):
        # the store can count without reading the entities: fetch only the page
        page = store.search(query, entity_type=entity_type, limit=limit, offset=offset)
        compact = "".join(query.split())
        found = count(query, entity_type=entity_type)
        if not found and compact != query and compact.isascii():
            page = store.search(compact, entity_type=entity_type, limit=limit, offset=offset)
            found = count(compact, entity_type=entity_type)
        return SearchPage(query=query, type=entity_type, total=min(found, SEARCH_TOTAL_CAP),
                          total_exact=found <= SEARCH_TOTAL_CAP, limit=limit, offset=offset, hits=page)
    hits = search_hits(store, query, entity_type, SEARCH_TOTAL_CAP + 1)
    exact = len(hits) <= SEARCH_TOTAL_CAP
    total = min(len(hits), SEARCH_TOTAL_CAP)
    return SearchPage(query=query, type=entity_type, total=total, total_exact=exact, limit=limit, offset=offset,
                      hits=hits[offset: offset + limit])


@router.get("/entities/{entity_id}", response_model=EntityView,
            summary="One entity: aliases, properties, relations with evidence sentences, mentions")
async def entity(state: StateDep, entity_id: Annotated[str, ENTITY_ID]) -> Response:
    return await json_answer(state, ("entity", entity_id), lambda store: node_or_404(store, entity_id))


@router.get("/entities/{entity_id}/neighbours", response_model=Subgraph,
            summary="The neighbourhood of an entity within `depth` hops")
async def neighbours(
    state: StateDep,
    entity_id: Annotated[str, ENTITY_ID],
    depth: Annotated[int, Query(ge=1, le=3)] = 1,
    relation: Annotated[list[str] | None, Query(description="Relation types (repeat or comma-separate)")] = None,
    type: Annotated[list[str] | None, Query(description="Entity types (repeat or comma-separate)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> Response:
    relations = _checked(_split(relation), RELATION_TYPES, "relation type")
    types = _checked(_split(type), ENTITY_TYPES, "entity type")
    return await json_answer(state, ("neighbours", entity_id, depth, tuple(relations), tuple(types), limit),
                             lambda store: neighbourhood(store, entity_id, depth, relations, types, limit))


def neighbourhood(store: GraphStore, entity_id: str, depth: int, relations: list[str], types: list[str],
                  limit: int) -> Subgraph:
    try:
        subgraph = store.neighbours(entity_id, depth=depth, relation_types=relations or None,
                                    entity_types=types or None, limit=limit)
    except ValueError:  # not even a well-formed id
        subgraph = Subgraph()
    if not any(node.id == entity_id for node in subgraph.nodes):
        node_or_404(store, entity_id)  # raises 404 unless the entity exists (e.g. filtered out by `type`)
    return subgraph


@router.get("/paths", response_model=PathsResult, summary="Shortest paths between two entities, each hop with evidence")
async def paths(
    state: StateDep,
    source: Annotated[str, Query(min_length=1, max_length=200)],
    target: Annotated[str, Query(min_length=1, max_length=200)],
    k: Annotated[int, Query(ge=1, le=10)] = 3,
    max_hops: Annotated[int, Query(ge=1, le=6)] = 4,
) -> Response:
    def answer(store: GraphStore) -> PathsResult:
        src = node_or_404(store, source)
        dst = node_or_404(store, target)
        found = store.paths(source, target, k=k, max_hops=max_hops)
        return PathsResult(source=as_node(src), target=as_node(dst), paths=found)

    return await json_answer(state, ("paths", source, target, k, max_hops), answer)


@router.get("/entities/{entity_id}/timeline", response_model=Timeline, summary="Dated events of an entity, by date")
async def timeline(state: StateDep, entity_id: Annotated[str, ENTITY_ID]) -> Response:
    def answer(store: GraphStore) -> Timeline:
        return Timeline(entity=as_node(node_or_404(store, entity_id)), events=store.events(entity_id))

    return await json_answer(state, ("timeline", entity_id), answer)


@router.get("/entities/{entity_id}/family", response_model=FamilyTree,
            summary="Family tree: ancestors, descendants, spouses, siblings and other kin")
async def family(
    state: StateDep,
    entity_id: Annotated[str, ENTITY_ID],
    generations: Annotated[int, Query(ge=1, le=3)] = 2,
) -> Response:
    def answer(store: GraphStore) -> FamilyTree:
        return build_family_tree(store, as_node(node_or_404(store, entity_id)), generations)

    return await json_answer(state, ("family", entity_id, generations), answer)


@router.get("/stats", response_model=Stats, summary="Counts of entities and relations, by type")
def stats(state: StateDep) -> Stats:
    with state.lock:
        cached = state.stats_cache
    if cached is None:
        store = state.store
        entity_types: dict[str, int] = {}
        for node in store.all_entities():
            entity_types[node.type] = entity_types.get(node.type, 0) + 1
        relation_types: dict[str, int] = {}
        for edge in store.all_relations():
            relation_types[edge.type] = relation_types.get(edge.type, 0) + 1
        cached = {"store": store.name, "counts": store.counts(),
                  "entity_types": dict(sorted(entity_types.items())),
                  "relation_types": dict(sorted(relation_types.items()))}
        with state.lock:
            state.stats_cache = cached
    return Stats.model_validate(cached)


@health_router.get("/healthz", response_model=Health, summary="Liveness and store check (no token needed)")
def healthz(store: StoreDep) -> Health:
    return Health(status="ok", store=store.name, entities=store.counts().get("entities", 0))
