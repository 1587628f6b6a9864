"""The one place where exceptions become HTTP statuses, and every error body `{"error", "detail"}`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException

from dedup.errors import DedupError, DuplicateIdError, InputError, StoreUnavailable

__all__ = [
    "ERROR_STATUSES",
    "ArticleNotFoundError",
    "BodyEncodingError",
    "BodyTooLargeError",
    "ErrorOut",
    "InvalidJSONError",
    "UnauthorizedError",
    "WorkStoppedError",
    "describe",
    "documented",
    "error_response",
    "install_error_handlers",
]


class BodyTooLargeError(Exception):
    """The request body is over `Settings.max_body_bytes`."""


class BodyEncodingError(Exception):
    """A JSON body (or a batch line) is not UTF-8."""

    @classmethod
    def at(cls, what: str, data: bytes, err: UnicodeDecodeError) -> BodyEncodingError:
        """The error for `data` (`what`: "request body", "line") failing to decode, with the bad byte."""
        byte = data[err.start : err.start + 1].hex()
        return cls(f"{what} is not UTF-8 (byte 0x{byte} at offset {err.start}); send JSON in UTF-8")


class InvalidJSONError(Exception):
    """A batch line is not a JSON document."""


class ArticleNotFoundError(LookupError):
    """No article with this id is indexed."""


class WorkStoppedError(Exception):
    """The server is stopping (or the client left) before the article was stored: retry it."""


class UnauthorizedError(PermissionError):
    """`DEDUP_API_KEY` is set and the request's bearer token is missing or another."""


class ErrorOut(BaseModel):
    """Every error response: what kind of error, and what to do about it."""

    error: str = Field(description="Error type, e.g. ValidationError, DuplicateIdError, StoreUnavailable")
    detail: str = Field(description="One line naming the field or limit at fault and the fix")


# Most specific first: the first class an exception is an instance of decides its status.
_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (DuplicateIdError, 409),
    (WorkStoppedError, 503),
    (StoreUnavailable, 503),
    (InputError, 422),
    (InvalidJSONError, 422),
    (DedupError, 400),
    (BodyEncodingError, 400),
    (BodyTooLargeError, 413),
    (ArticleNotFoundError, 404),
    (UnauthorizedError, 401),
)
ERROR_STATUSES: dict[int, str] = {
    400: "The body is not UTF-8, or the request is malformed",
    401: "DEDUP_API_KEY is set and the bearer token is missing or wrong",
    404: "No article has this id",
    409: "Another article is stored under this id",
    413: "The body is over DEDUP_MAX_BODY_BYTES",
    422: "A field is missing or invalid (id grammar, empty text, date, length, lone surrogate)",
    500: "An unexpected error; the server log has the traceback",
    503: "The store is unavailable; retry later",
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, each with the real `{"error", "detail"}` body."""
    return {status: {"model": ErrorOut, "description": ERROR_STATUSES[status]} for status in statuses}


_UNEXPECTED = "internal error; the server log has the traceback"
_log = logging.getLogger("service")


def describe(exc: BaseException) -> tuple[int, str, str]:
    """Status, error type and message for an exception (500 for anything not mapped above)."""
    if isinstance(exc, RequestValidationError | ValidationError):
        return 422, "ValidationError", _validation_detail(exc.errors())
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            if isinstance(exc, StoreUnavailable):
                # The backend's message may name a file or a host: it goes to the log, not to clients.
                return status, "StoreUnavailable", "the store is unavailable; retry later"
            return status, type(exc).__name__, str(exc)
    return 500, "InternalServerError", _UNEXPECTED


def error_response(exc: BaseException) -> JSONResponse:
    """The JSON error response for `exc`."""
    status, name, detail = describe(exc)
    return _body(status, name, detail)


def _body(status: int, name: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": name, "detail": detail}, status_code=status)


def _validation_problem(err: Any) -> str:
    """One pydantic error as `location: message`, in words a client can act on."""
    loc = tuple(err["loc"])
    if err["type"] == "json_invalid":
        reason = (err.get("ctx") or {}).get("error", "")
        return f"body: invalid JSON at character {loc[-1]}: {reason}"
    if loc == ("body",) and isinstance(err.get("input"), bytes | str):
        # FastAPI parses JSON only when the content type says so; anything else arrives as raw bytes.
        return "body: expected a JSON object; send it with content-type: application/json"
    return f"{'.'.join(str(part) for part in loc)}: {err['msg']}"


def _validation_detail(errors: Sequence[Any]) -> str:
    """pydantic's errors as one line: `body.text: Field required; body.id: Input should be a valid string`."""
    return "; ".join(_validation_problem(err) for err in errors)


async def _on_mapped(request: Request, exc: Exception) -> JSONResponse:
    response = error_response(exc)
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    if response.status_code == 503 and isinstance(exc, StoreUnavailable):
        request.app.state.metrics.store_errors.inc()
    if response.status_code == 503:
        # Handled here, so nothing else would log it: the operator needs the traceback.
        _log.error("store failed on %s %s", request.method, request.url.path, exc_info=exc)
    return response


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    # Routing errors (unknown path, wrong method) and FastAPI's own refusals keep their status.
    assert isinstance(exc, HTTPException)
    try:
        name = HTTPStatus(exc.status_code).phrase.replace(" ", "")
    except ValueError:
        name = "HTTPError"
    response = _body(exc.status_code, name, str(exc.detail))
    response.headers.update(exc.headers or {})
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error response the same JSON shape."""
    for kind, _ in _STATUS:
        app.add_exception_handler(kind, _on_mapped)
    app.add_exception_handler(RequestValidationError, _on_mapped)
    app.add_exception_handler(HTTPException, _on_http)
    # Handled last by Starlette's server-error middleware, which still logs the traceback.
    app.add_exception_handler(Exception, _on_mapped)
