"""Bearer-token checks: writes need ``settings.write_token``; reads need ``settings.read_token`` when it is set."""

from __future__ import annotations

import hmac

from fastapi import Request

from api.errors import ApiError
from kg.settings import Settings

READ_COOKIE = "kg_read_token"


def _presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _matches(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def require_read(request: Request) -> None:
    """Dependency for read endpoints: a no-op unless ``KG_READ_TOKEN`` is set.

    The explorer's pages also accept the token in the ``kg_read_token`` cookie so a browser can use them.
    """
    expected = _settings(request).read_token.get_secret_value()
    if not expected:
        return
    presented = _presented_token(request) or request.cookies.get(READ_COOKIE)
    if presented is None:
        raise ApiError(401, "this server requires a read token: send 'Authorization: Bearer <KG_READ_TOKEN>'",
                       headers={"WWW-Authenticate": "Bearer"})
    write = _settings(request).write_token.get_secret_value()
    if _matches(presented, expected) or (bool(write) and _matches(presented, write)):
        return
    raise ApiError(401, "wrong read token: send the value of KG_READ_TOKEN as 'Authorization: Bearer <token>'",
                   headers={"WWW-Authenticate": "Bearer"})


def require_write(request: Request) -> None:
    """Dependency for endpoints that change the graph: 403 when disabled, 401 on a missing or wrong token."""
    expected = _settings(request).write_token.get_secret_value()
    if not expected:
        raise ApiError(403, "writes are disabled on this server: set KG_WRITE_TOKEN to enable them")
    presented = _presented_token(request)
    if presented is None:
        raise ApiError(401, "this endpoint changes the graph: send 'Authorization: Bearer <KG_WRITE_TOKEN>'",
                       headers={"WWW-Authenticate": "Bearer"})
    if not _matches(presented, expected):
        raise ApiError(401, "wrong write token: send the value of KG_WRITE_TOKEN as 'Authorization: Bearer <token>'",
                       headers={"WWW-Authenticate": "Bearer"})
