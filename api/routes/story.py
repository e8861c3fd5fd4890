"""``GET /api/story``: an ordered, dated narrative of some entities, as JSON or Markdown."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, Response

from api.deps import get_store
from api.errors import COMMON_ERRORS, ApiError
from api.routes.graph import as_node, node_or_404
from api.schemas import Story
from api.security import require_read
from api.story import build_story, story_markdown
from kg.store.base import GraphStore

MAX_STORY_IDS = 20

router = APIRouter(prefix="/api", tags=["story"], dependencies=[Depends(require_read)], responses=COMMON_ERRORS)


@router.get("/story", response_model=Story, summary="A dated story of one or more entities (JSON or Markdown)",
            responses={200: {"content": {"application/json": {}, "text/markdown": {}}}})
def story(
    store: Annotated[GraphStore, Depends(get_store)],
    ids: Annotated[str, Query(min_length=1, max_length=4000, description="Comma-separated entity ids")],
    format: Annotated[Literal["json", "markdown"], Query(description="json or markdown")] = "json",
) -> Response | Story:
    wanted = list(dict.fromkeys(part.strip() for part in ids.split(",") if part.strip()))
    if not wanted:
        raise ApiError(422, "ids must name at least one entity id, e.g. ids=per:50ca077f7c23")
    if len(wanted) > MAX_STORY_IDS:
        raise ApiError(422, f"at most {MAX_STORY_IDS} ids per story; split the request",
                       detail={"given": len(wanted)})
    entities = [as_node(node_or_404(store, entity_id)) for entity_id in wanted]
    result = build_story(store, entities)
    if format == "markdown":
        return PlainTextResponse(story_markdown(result), media_type="text/markdown; charset=utf-8")
    return result
