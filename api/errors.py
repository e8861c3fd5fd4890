"""One error shape for every error the API returns.

Every failure, whether raised by a route, by request validation, by routing (404/405) or by a bug (500),
is answered with ``{"error": {"status": int, "code": str, "message": str, "detail": any}}``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("api")

ERROR_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
    504: "timeout",
}


class ErrorInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: int
    code: str
    message: str
    detail: Any = None


class ErrorBody(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(extra="forbid")
    error: ErrorInfo


class ApiError(Exception):
    """Raise from a route to answer with the shared error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        detail: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or ERROR_CODES.get(status, "error")
        self.message = message
        self.detail = detail
        self.headers = headers


def error_body(status: int, message: str, *, code: str | None = None, detail: Any = None) -> dict[str, Any]:
    info = ErrorInfo(status=status, code=code or ERROR_CODES.get(status, "error"), message=message, detail=detail)
    return {"error": jsonable_encoder(info)}


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    detail: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(status, message, code=code, detail=detail), status_code=status, headers=headers)


# Responses every route may give, for the OpenAPI document.
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Bad request"},
    401: {"model": ErrorBody, "description": "Missing or wrong bearer token"},
    404: {"model": ErrorBody, "description": "Not found"},
    422: {"model": ErrorBody, "description": "Invalid parameters"},
    500: {"model": ErrorBody, "description": "Internal error"},
}

_DEFAULT_MESSAGES: dict[int, str] = {
    404: "no such resource; see /docs for the available endpoints",
    405: "method not allowed on this path; see /docs for the allowed methods",
}


def _validation_message(errors: list[dict[str, Any]]) -> str:
    if not errors:
        return "invalid request"
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body") or "request"
    return f"invalid {where}: {first.get('msg', 'invalid value')}"


def _clean_validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for err in errors:
        cleaned.append({"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")})
    return cleaned


HtmlRenderer = Any  # Callable[[Request, int, str, str], Response | None]; kept loose to avoid a cycle.


def install_error_handlers(app: FastAPI) -> None:
    """Register handlers so that every error uses :class:`ErrorBody` (HTML pages use the explorer's template)."""

    def _render(request: Request, status: int, message: str, code: str, detail: Any,
                headers: dict[str, str] | None = None) -> Response:
        html_renderer = getattr(request.app.state, "html_error_renderer", None)
        if html_renderer is not None:
            page = html_renderer(request, status, code, message)
            if page is not None:
                return page  # type: ignore[no-any-return]
        return error_response(status, message, code=code, detail=detail, headers=headers)

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return _render(request, exc.status, exc.message, exc.code, exc.detail, exc.headers)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        message = exc.detail if isinstance(exc.detail, str) else ERROR_CODES.get(status, "error")
        if status in _DEFAULT_MESSAGES and message in ("Not Found", "Method Not Allowed"):
            message = _DEFAULT_MESSAGES[status]
        headers = dict(exc.headers) if exc.headers else None
        return _render(request, status, message, ERROR_CODES.get(status, "error"), None, headers)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [dict(e) for e in exc.errors()]
        return _render(request, 422, _validation_message(errors), "validation_error",
                       jsonable_encoder(_clean_validation_errors(errors)))

    async def internal_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, f"internal error ({type(exc).__name__}); see the server log for details")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, internal_error)
