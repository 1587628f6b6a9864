"""`DEDUP_API_KEY`: a bearer token every route but /healthz and /readyz requires when it is set."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.errors import UnauthorizedError
from service.settings import Settings

__all__ = ["require_key"]

_bearer = HTTPBearer(auto_error=False, description="DEDUP_API_KEY, when the server has one")


async def require_key(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """401 unless the server has no key or the request carries it (compared in constant time)."""
    settings: Settings = request.app.state.settings
    if settings.api_key is None:
        return
    expected = settings.api_key.get_secret_value().encode()
    given = credentials.credentials.encode() if credentials is not None else b""
    if not hmac.compare_digest(given, expected):
        raise UnauthorizedError("send the key as 'Authorization: Bearer <DEDUP_API_KEY>'")
