from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from dedup.article import Article, parse_published
from dedup.errors import DuplicateIdError, StoreUnavailable

F = TypeVar("F", bound=Callable[..., Any])


def _translated(method: F) -> F:
    """`sqlite3` errors leave the store as `StoreUnavailable` (a duplicate id is caught before)."""

    @wraps(method)
    def call(self: SQLiteStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            raise StoreUnavailable(f"the SQLite store {self.path} failed: {e}") from e

    return call  # type: ignore[return-value]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    title TEXT, source TEXT, published TEXT, url TEXT
)
"""
_COLUMNS = "id, text, title, source, published, url"
_PAGE = 1000


def _row_to_article(row: tuple[str, str, str | None, str | None, str | None, str | None]) -> Article:
    rid, text, title, source, published, url = row
    return Article(rid, text, title, source, parse_published(published, rid), url)


class SQLiteStore:
    """The embedded default store: one SQLite file (WAL mode), safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._open()

    @_translated
    def _open(self) -> None:
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    @_translated
    def put(self, article: Article) -> None:
        published = article.published.isoformat() if article.published else None
        row = (article.id, article.text, article.title, article.source, published, article.url)
        with self._lock:
            try:
                self._db.execute(f"INSERT INTO articles ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", row)
            except sqlite3.IntegrityError as e:
                raise DuplicateIdError(f"duplicate id {article.id!r}: it is already in {self.path}") from e

    @_translated
    def get(self, article_id: str) -> Article | None:
        with self._lock:
            row = self._db.execute(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _row_to_article(row) if row else None

    @_translated
    def __contains__(self, article_id: object) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is not None

    @_translated
    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def __iter__(self) -> Iterator[Article]:
        """Articles in insertion order, read a page at a time: a large store is never held whole."""
        last = 0
        while True:
            rows = self._page(last)
            if not rows:
                return
            yield from (_row_to_article(row[1:]) for row in rows)
            last = rows[-1][0]

    @_translated
    def _page(self, after: int) -> list[Any]:
        with self._lock:
            return self._db.execute(
                f"SELECT seq, {_COLUMNS} FROM articles WHERE seq > ? ORDER BY seq LIMIT ?", (after, _PAGE)
            ).fetchall()

    @_translated
    def close(self) -> None:
        with self._lock:
            self._db.close()
