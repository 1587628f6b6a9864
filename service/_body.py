"""ASGI middleware that reads a request body whole, up to a limit, before the app sees it."""

from __future__ import annotations

from email.message import Message as MimeHeader

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import BodyEncodingError, BodyTooLargeError, error_response

__all__ = ["BodyGuard"]


class BodyGuard:
    """Refuses bodies over `max_bytes` (413) and JSON bodies that are not UTF-8 (400).

    The body is buffered here (it is bounded), so an oversized upload is stopped before any of it
    reaches pydantic, and undecodable JSON gets a clear message rather than FastAPI's generic one.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await error_response(self._too_large(declared))(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left: nobody to answer
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await error_response(self._too_large(None))(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        if _is_json(scope) and (problem := _not_utf8(bytes(body))) is not None:
            await error_response(problem)(scope, receive, send)
            return
        await self.app(scope, _replay(bytes(body), receive), send)

    def _too_large(self, declared: int | None) -> BodyTooLargeError:
        size = f" of {declared:,} bytes" if declared is not None else ""
        return BodyTooLargeError(
            f"request body{size} is over the limit of {self.max_bytes:,} bytes "
            "(send smaller batches, or raise DEDUP_MAX_BODY_BYTES)"
        )


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the buffered body once, then waits on the client as before."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None  # a malformed header is the server's to refuse; count the bytes instead


def _is_json(scope: Scope) -> bool:
    """`application/json` or `application/*+json`: the types FastAPI parses as JSON."""
    value = _header(scope, b"content-type")
    if value is None:
        return False
    header = MimeHeader()
    header["content-type"] = value
    subtype = header.get_content_subtype()
    return header.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def _not_utf8(body: bytes) -> BodyEncodingError | None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as err:
        return BodyEncodingError.at("request body", body, err)
    return None
