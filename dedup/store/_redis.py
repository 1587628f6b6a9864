from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any, TypeVar

import orjson

from dedup.article import Article, parse_published
from dedup.errors import DuplicateIdError, StoreUnavailable

try:
    import redis
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError("the Redis store needs the redis extra: pip install 'newsdedup[redis]'") from e


_PAGE = 1000
F = TypeVar("F", bound=Callable[..., Any])


def _translated(method: F) -> F:
    """`redis` errors leave the store as `StoreUnavailable`."""

    @wraps(method)
    def call(self: RedisStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except redis.RedisError as e:
            raise StoreUnavailable(f"the Redis store failed: {e}") from e

    return call  # type: ignore[return-value]


class RedisStore:
    """Articles in a Redis server: a hash per article and a list keeping insertion order."""

    def __init__(self, url: str, prefix: str = "dedup") -> None:
        self._r = redis.Redis.from_url(url)
        self._prefix = prefix
        self._order = f"{prefix}:order"

    def _key(self, article_id: str) -> str:
        return f"{self._prefix}:article:{article_id}"

    @_translated
    def put(self, article: Article) -> None:
        doc: dict[str, Any] = {
            "id": article.id, "text": article.text, "title": article.title, "source": article.source,
            "published": article.published.isoformat() if article.published else None, "url": article.url,
        }  # fmt: skip
        if not self._r.set(self._key(article.id), orjson.dumps(doc), nx=True):
            raise DuplicateIdError(f"duplicate id {article.id!r}: it is already in the Redis store")
        self._r.rpush(self._order, article.id)

    @_translated
    def get(self, article_id: str) -> Article | None:
        raw = self._r.get(self._key(article_id))
        return _to_article(raw) if raw else None

    @_translated
    def __contains__(self, article_id: object) -> bool:
        return bool(self._r.exists(self._key(str(article_id))))

    @_translated
    def __len__(self) -> int:
        return int(self._r.llen(self._order))

    def __iter__(self) -> Iterator[Article]:
        """Articles in insertion order, read a page at a time (one round trip per page, not per article)."""
        start = 0
        while page := self._page(start):
            ids, values = page
            yield from (_to_article(raw) for raw in values if raw)
            start += len(ids)

    @_translated
    def _page(self, start: int) -> tuple[list[Any], list[Any]] | None:
        ids = self._r.lrange(self._order, start, start + _PAGE - 1)
        if not ids:
            return None
        keys = [self._key(rid.decode() if isinstance(rid, bytes) else str(rid)) for rid in ids]
        return ids, self._r.mget(keys)

    @_translated
    def close(self) -> None:
        self._r.close()


def _to_article(raw: Any) -> Article:
    """The article of one stored JSON value (bytes, or str from a client decoding responses)."""
    d = orjson.loads(raw if isinstance(raw, bytes | str) else str(raw))
    return Article(
        d["id"], d["text"], d.get("title"), d.get("source"), parse_published(d.get("published")), d.get("url")
    )
