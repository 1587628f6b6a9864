from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

import orjson

from dedup.article import Article, parse_published
from dedup.errors import DuplicateIdError, StoreUnavailable
from dedup.store._base import Change, Report, article_date, linked_ids, relations_to

try:
    import redis
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError("the Redis store needs the redis extra: pip install 'newsdedup[redis]'") from e


_PAGE = 1000
F = TypeVar("F", bound=Callable[..., Any])

# Each write is one Lua script: Redis runs a script whole, with no other command between its steps, so an
# article is never stored without its log entry (which is what indexes it in every worker) or vice versa.
_PUT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local pos = redis.call('XADD', KEYS[2], '*', 'op', 'add', 'id', ARGV[1])
redis.call('HSET', KEYS[1], 'doc', ARGV[2], 'report', ARGV[3], 'pos', pos)
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'terms', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'keys', ARGV[6]) end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
for i = 4, #KEYS do redis.call('SADD', KEYS[i], ARGV[1]) end
return pos
"""
_DELETE = """
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[4])
redis.call('XADD', KEYS[2], '*', 'op', 'delete', 'id', ARGV[1])
return 1
"""
# The log after a position with what each add stored, in one round trip (a worker reads it before and after
# every POST). The article keys are built from the ids read here: fine on one Redis server, which is what
# this store supports (a Redis Cluster would need every key declared).
_CHANGES = """
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
local out = {}
for i, entry in ipairs(entries) do
  local f = entry[2]
  local op, rid = f[2], f[4]
  local stored = {false, false, false}
  if op == 'add' then stored = redis.call('HMGET', ARGV[3] .. rid, 'doc', 'pos', 'keys') end
  out[i] = {entry[1], op, rid, stored[1], stored[2], stored[3]}
end
return out
"""


def _translated(method: F) -> F:
    """`redis` errors leave the store as `StoreUnavailable`."""

    @wraps(method)
    def call(self: RedisStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except redis.RedisError as e:
            raise StoreUnavailable(f"the Redis store failed: {e}") from e

    return call  # type: ignore[return-value]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _position(pos: Any) -> tuple[int, int]:
    """A stream entry id ("ms-seq") as a sortable pair."""
    ms, _, seq = _text(pos).partition("-")
    return int(ms), int(seq or 0)


class RedisStore:
    """Articles in a Redis server: a hash per article (text, report, log position), a stream logging every
    add and delete (which workers follow), a sorted set of dates (retention) and a set of later ids per article.
    """

    def __init__(self, url: str, prefix: str = "dedup") -> None:
        self._r = redis.Redis.from_url(url)
        self._prefix = prefix
        self._log = f"{prefix}:log"
        self._dates = f"{prefix}:dates"
        self._put = self._r.register_script(_PUT)
        self._delete = self._r.register_script(_DELETE)
        self._changes = self._r.register_script(_CHANGES)
        self._identity: str | None = None

    def _key(self, article_id: str) -> str:
        return f"{self._prefix}:a:{article_id}"

    def _later_key(self, article_id: str) -> str:
        return f"{self._prefix}:later:{article_id}"

    @_translated
    def put(
        self, article: Article, report: Report | None = None, terms: bytes | None = None, keys: bytes | None = None
    ) -> None:
        doc: dict[str, Any] = {
            "id": article.id, "text": article.text, "title": article.title, "source": article.source,
            "published": article.published.isoformat() if article.published else None, "url": article.url,
        }  # fmt: skip
        names = [self._key(article.id), self._log, self._dates]
        names += [self._later_key(earlier) for earlier in linked_ids(report)]
        args: list[bytes | str | float] = [
            article.id, orjson.dumps(doc), orjson.dumps(report), article_date(article).timestamp(), terms or b"",
            keys or b"",
        ]  # fmt: skip
        if self._put(keys=names, args=args) is None:
            raise DuplicateIdError(f"duplicate id {article.id!r}: it is already stored")

    @_translated
    def get(self, article_id: str) -> Article | None:
        raw = self._r.hget(self._key(article_id), "doc")
        return _to_article(raw) if raw else None

    @_translated
    def terms_of(self, article_ids: list[str]) -> dict[str, bytes]:
        pipe = self._r.pipeline(transaction=False)
        for rid in article_ids:
            pipe.hget(self._key(rid), "terms")
        return {rid: bytes(t) for rid, t in zip(article_ids, pipe.execute(), strict=True) if t}

    @_translated
    def report(self, article_id: str) -> Report | None:
        raw = self._r.hget(self._key(article_id), "report")
        value: Report | None = orjson.loads(raw) if raw else None
        return value

    @_translated
    def reports_of(self, article_ids: list[str]) -> dict[str, Report]:
        pipe = self._r.pipeline(transaction=False)
        for rid in article_ids:
            pipe.hget(self._key(rid), "report")
        return {rid: orjson.loads(raw) for rid, raw in zip(article_ids, pipe.execute(), strict=True) if raw}

    @_translated
    def later(self, article_id: str) -> list[Report]:
        ids = sorted(_text(i) for i in self._r.smembers(self._later_key(article_id)))
        pipe = self._r.pipeline(transaction=False)
        for rid in ids:
            pipe.hmget(self._key(rid), "report", "pos")
        found = [(_position(pos), orjson.loads(raw)) for raw, pos in pipe.execute() if raw and pos]
        return relations_to(article_id, [report for _, report in sorted(found, key=lambda f: f[0])])

    @_translated
    def delete(self, article_id: str) -> bool:
        keys = [self._key(article_id), self._log, self._dates, self._later_key(article_id)]
        return bool(self._delete(keys=keys, args=[article_id]))

    @_translated
    def changes(self, after: str | None, limit: int = 1000) -> list[Change]:
        entries: Any = self._changes(keys=[self._log], args=[f"({after}" if after else "-", limit, self._key("")])
        changes = []
        for pos, op, rid, raw, live_pos, keys in ((_text(e[0]), _text(e[1]), _text(e[2]), *e[3:]) for e in entries):
            change = Change(pos, op, rid)
            # An add whose article was deleted (or stored again) since is logged without it.
            if op == "add" and raw and live_pos and _text(live_pos) == pos:
                change = Change(pos, op, rid, _to_article(raw), bytes(keys) if keys else None)
            changes.append(change)
        return changes

    @_translated
    def dated_before(self, cutoff: datetime, limit: int = 1000) -> list[str]:
        ids = self._r.zrangebyscore(self._dates, "-inf", f"({cutoff.timestamp()}", start=0, num=limit)
        return [_text(i) for i in ids]

    @_translated
    def newest_date(self) -> datetime | None:
        newest: Any = self._r.zrevrange(self._dates, 0, 0, withscores=True)
        return datetime.fromtimestamp(float(newest[0][1]), UTC) if newest else None

    @property
    @_translated
    def identity(self) -> str:
        if self._identity is None:
            key = f"{self._prefix}:identity"
            self._r.set(key, uuid.uuid4().hex, nx=True)
            self._identity = _text(self._r.get(key))
        return self._identity

    @_translated
    def ping(self) -> None:
        self._r.ping()

    @_translated
    def __contains__(self, article_id: object) -> bool:
        return bool(self._r.exists(self._key(str(article_id))))

    @_translated
    def __len__(self) -> int:
        return int(self._r.zcard(self._dates))

    def __iter__(self) -> Iterator[Article]:
        """Live articles in insertion order, read from the log a page at a time (one round trip per page)."""
        after = None
        while page := self.changes(after, _PAGE):
            yield from (c.article for c in page if c.article is not None)
            after = page[-1].position

    @_translated
    def close(self) -> None:
        self._r.close()


def _to_article(raw: Any) -> Article:
    """The article of one stored JSON value (bytes, or str from a client decoding responses)."""
    d = orjson.loads(raw if isinstance(raw, bytes | str) else str(raw))
    return Article(
        d["id"], d["text"], d.get("title"), d.get("source"), parse_published(d.get("published")), d.get("url")
    )
