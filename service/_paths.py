"""ASGI middleware: an article id is one path segment, `/` in it sent as %2F (as `Location` gives it)."""

from __future__ import annotations

from contextlib import suppress
from urllib.parse import quote, unquote

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["ARTICLES_PREFIX", "ArticlePaths", "article_location", "decode_id"]

ARTICLES_PREFIX = "/v1/articles/"


def article_location(article_id: str) -> str:
    """The path of an article, its id percent-encoded whole (any Unicode, `/` included): ASCII, always."""
    return ARTICLES_PREFIX + quote(article_id, safe="")


def decode_id(segment: str) -> str:
    """The id a path segment carries (the reverse of `article_location`)."""
    return unquote(segment, errors="strict")


class ArticlePaths:
    """Keeps the id segment of `/v1/articles/{id}[/relations]` encoded while routing.

    Servers decode %2F in the path before routing, so `/v1/articles/a%2Frelations` (the article "a/relations")
    would reach the relations of "a". Routing on the raw path, with the id segment re-encoded, keeps one
    segment one id; the route decodes it with `decode_id`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("raw_path")
        if scope["type"] == "http" and raw and raw.startswith(ARTICLES_PREFIX.encode()):
            segments = raw[len(ARTICLES_PREFIX) :].decode("latin-1").split("/")
            # Not UTF-8: left as sent, and refused by the route.
            with suppress(UnicodeDecodeError):
                segments[0] = quote(unquote(segments[0], errors="strict"), safe="")
            scope["path"] = ARTICLES_PREFIX + "/".join(segments)  # in place: outer middleware reads it too
        await self.app(scope, receive, send)
