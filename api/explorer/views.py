"""Server-rendered explorer pages: search, entity (network, evidence, timeline, family), paths."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import get_store
from api.explorer.highlight import evidence_segments, mention_segments
from api.explorer.network import TYPE_COLOURS, network_data
from api.family import build_family_tree
from api.routes.graph import MAX_QUERY_CHARS, as_node, find_entity, node_or_404, search_hits
from api.security import require_read
from kg.models import ENTITY_TYPES
from kg.store.base import EntityView, GraphStore, NodeView, PathView

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(HERE / "templates")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["type_colours"] = TYPE_COLOURS
_env.globals["entity_types"] = ENTITY_TYPES

router = APIRouter(include_in_schema=False, dependencies=[Depends(require_read)])
StoreDep = Annotated[GraphStore, Depends(get_store)]
NEIGHBOUR_LIMIT = 60
API_PREFIXES = ("/api", "/sparql", "/cypher", "/healthz", "/openapi", "/docs", "/redoc", "/static", "/vendor",
                "/context.jsonld", "/ontology")


def render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(_env.get_template(template).render(**context), status_code=status)


def html_error_renderer(request: Request, status: int, code: str, message: str) -> Response | None:
    """Explorer pages answer errors with an HTML page (same status, code and message) when HTML is wanted."""
    path = request.url.path
    if request.method != "GET" or path.startswith(API_PREFIXES):
        return None
    if "text/html" not in request.headers.get("accept", ""):
        return None
    return render("error.html", status=status, status_code=status, code=code, message=message)


@router.get("/", response_class=HTMLResponse)
def index(
    store: StoreDep,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    type: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    query = q.strip()
    entity_type = type.upper() if type.upper() in ENTITY_TYPES else None
    hits = search_hits(store, query, entity_type, 50) if query else []
    return render("index.html", q=query, type=entity_type or "", hits=hits, counts=store.counts())


def _relation_rows(entity: EntityView) -> list[dict[str, Any]]:
    names = {n.id: n for n in entity.neighbours}
    names[entity.id] = as_node(entity)
    rows = []
    for edge in entity.relations:
        source = names.get(edge.source)
        target = names.get(edge.target)
        terms = []
        for node in (source, target):
            if node is not None:
                terms.extend([node.name, *node.aliases])
        rows.append({
            "edge": edge, "source": source, "target": target,
            "evidence": [{"ev": ev, "segments": evidence_segments(ev, terms, entity.mentions)}
                         for ev in edge.evidence if ev.sentence],
        })
    return rows


@router.get("/entity/{entity_id}", response_class=HTMLResponse)
def entity_page(store: StoreDep, entity_id: str) -> HTMLResponse:
    entity = node_or_404(store, entity_id)
    subgraph = store.neighbours(entity_id, depth=1, limit=NEIGHBOUR_LIMIT)
    family = build_family_tree(store, as_node(entity), 2) if entity.type == "PERSON" else None
    return render(
        "entity.html",
        entity=entity,
        graph=network_data(subgraph, entity_id),
        relations=_relation_rows(entity),
        mentions=[{"mention": m, "segments": mention_segments(m)} for m in entity.mentions],
        events=store.events(entity_id),
        family=family,
    )


def _resolve(store: GraphStore, text: str) -> NodeView | None:
    """An entity id, or else the best search hit for a name."""
    text = text.strip()
    if not text:
        return None
    found = find_entity(store, text)
    if found is not None:
        return as_node(found)
    hits = search_hits(store, text, None, 1)
    return hits[0].entity if hits else None


@router.get("/path", response_class=HTMLResponse)
def path_page(
    store: StoreDep,
    source: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    target: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    k: Annotated[int, Query(ge=1, le=10)] = 3,
    max_hops: Annotated[int, Query(ge=1, le=6)] = 4,
) -> HTMLResponse:
    src = _resolve(store, source)
    dst = _resolve(store, target)
    problems = []
    if source and src is None:
        problems.append(f"找不到起点“{source}”")
    if target and dst is None:
        problems.append(f"找不到终点“{target}”")
    found: list[PathView] = []
    if src is not None and dst is not None:
        found = store.paths(src.id, dst.id, k=k, max_hops=max_hops)
    hops = []
    for p in found:
        nodes = {n.id: n for n in p.nodes}
        steps = []
        for edge in p.edges:
            terms = [t for nid in (edge.source, edge.target) if nid in nodes
                     for t in [nodes[nid].name, *nodes[nid].aliases]]
            steps.append({"edge": edge, "source": nodes.get(edge.source), "target": nodes.get(edge.target),
                          "evidence": [{"ev": ev, "segments": evidence_segments(ev, terms, [])}
                                       for ev in edge.evidence if ev.sentence]})
        hops.append({"path": p, "steps": steps})
    if (source or target) and not problems and src is not None and dst is not None and not found:
        problems.append(f"{max_hops} 跳以内没有路径")
    return render("path.html", source=source, target=target, src=src, dst=dst, paths=hops, problems=problems,
                  k=k, max_hops=max_hops)
