"""Article stores: where an index keeps the texts it has seen. Small protocol, pluggable backends.

Every backend raises `StoreUnavailable` (a `dedup.errors.StoreError`) in place of its library's
exceptions, and `DuplicateIdError` for an id it already holds.
"""

from __future__ import annotations

from typing import NamedTuple

from dedup.errors import ConfigError
from dedup.store._base import Change, Report, Store, article_date
from dedup.store._memory import MemoryStore
from dedup.store._sqlite import SQLiteStore

__all__ = [
    "STORE_URL_FORMS",
    "Change",
    "MemoryStore",
    "Report",
    "SQLiteStore",
    "Store",
    "StoreURL",
    "article_date",
    "open_store",
    "parse_store_url",
]

_SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
STORE_URL_FORMS = "memory://, sqlite:///PATH.db or redis://HOST:PORT/DB"


class StoreURL(NamedTuple):
    """A parsed store URL: the backend (`memory`, `sqlite`, `redis`) and what it opens (a path, a URL)."""

    kind: str
    target: str


def parse_store_url(url: str) -> StoreURL:
    """The one store-URL grammar: `memory://`, `sqlite:///path/to.db` (or a plain path ending in .db,
    .sqlite, .sqlite3), or `redis://host:port/db`. Raises ConfigError naming the forms otherwise."""
    if url in ("memory://", ":memory:", "memory"):
        return StoreURL("memory", "")
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return StoreURL("sqlite", url[len("sqlite:///") :])
    if url.endswith(_SQLITE_SUFFIXES) and "://" not in url:
        return StoreURL("sqlite", url)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return StoreURL("redis", url)
    raise ConfigError(f"store url: {url!r} is not {STORE_URL_FORMS}")


def open_store(url: str) -> Store:
    """Open the store a URL names (`parse_store_url`)."""
    kind, target = parse_store_url(url)
    if kind == "memory":
        return MemoryStore()
    if kind == "sqlite":
        return SQLiteStore(target)
    from dedup.store._redis import RedisStore

    return RedisStore(target)
