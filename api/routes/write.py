"""Endpoints that change state: review decisions and store reloads (both need the write token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.deps import AppState, app_state
from api.errors import COMMON_ERRORS, ErrorBody
from api.review_log import record_review
from api.schemas import ReloadResult, ReviewRequest, ReviewResult
from api.security import require_write

router = APIRouter(
    prefix="/api", tags=["write"], dependencies=[Depends(require_write)],
    responses={**COMMON_ERRORS, 403: {"model": ErrorBody, "description": "Writes disabled (no KG_WRITE_TOKEN)"}},
)


@router.post("/review", response_model=ReviewResult, summary="Record a review decision about one relation")
def review(decision: ReviewRequest, state: Annotated[AppState, Depends(app_state)]) -> ReviewResult:
    return record_review(state, decision)


@router.post("/reload", response_model=ReloadResult, summary="Close and reopen the graph store (after `kg load`)")
def reload(state: Annotated[AppState, Depends(app_state)]) -> ReloadResult:
    store = state.reload()
    result = ReloadResult(store=store.name, counts=store.counts())
    state.replace_workers()  # the other `kg serve` processes, if any: replaced once this answer is sent
    return result
