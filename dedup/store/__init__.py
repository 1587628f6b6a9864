"""Article stores: where an index keeps the texts it has seen. Small protocol, pluggable backends."""

from dedup.store._base import Store
from dedup.store._memory import MemoryStore
from dedup.store._sqlite import SQLiteStore

__all__ = ["MemoryStore", "SQLiteStore", "Store", "open_store"]


def open_store(url: str) -> Store:
    """`memory://`, `sqlite:///path/to.db` (or a plain path ending in .db), or `redis://host:port/db`."""
    if url in ("memory://", ":memory:", "memory"):
        return MemoryStore()
    if url.startswith("sqlite:///"):
        return SQLiteStore(url[len("sqlite:///") :])
    if url.endswith((".db", ".sqlite", ".sqlite3")):
        return SQLiteStore(url)
    if url.startswith("redis://"):
        from dedup.store._redis import RedisStore

        return RedisStore(url)
    from dedup.errors import ConfigError

    raise ConfigError(f"store url: {url!r} is not memory://, sqlite:///PATH or redis://HOST:PORT/DB")
