from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from dedup.article import Article, parse_published
from dedup.errors import DuplicateIdError

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
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def put(self, article: Article) -> None:
        published = article.published.isoformat() if article.published else None
        row = (article.id, article.text, article.title, article.source, published, article.url)
        with self._lock:
            try:
                self._db.execute(f"INSERT INTO articles ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", row)
            except sqlite3.IntegrityError as e:
                raise DuplicateIdError(f"duplicate id {article.id!r}: it is already in {self.path}") from e

    def get(self, article_id: str) -> Article | None:
        with self._lock:
            row = self._db.execute(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _row_to_article(row) if row else None

    def __contains__(self, article_id: object) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is not None

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def __iter__(self) -> Iterator[Article]:
        """Articles in insertion order, read a page at a time: a large store is never held whole."""
        last = 0
        while True:
            with self._lock:
                rows = self._db.execute(
                    f"SELECT seq, {_COLUMNS} FROM articles WHERE seq > ? ORDER BY seq LIMIT ?", (last, _PAGE)
                ).fetchall()
            if not rows:
                return
            yield from (_row_to_article(row[1:]) for row in rows)
            last = rows[-1][0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
