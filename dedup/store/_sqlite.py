from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import orjson

from dedup.article import Article, parse_published
from dedup.errors import ConfigError, DuplicateIdError, StoreUnavailable
from dedup.store._base import Change, Report, article_date, linked_ids, relations_to

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


# `seq` of an article is the log position of its add: a worker replaying the log knows which add is live.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    text TEXT NOT NULL,
    title TEXT, source TEXT, published TEXT, url TEXT
);
CREATE TABLE IF NOT EXISTS log (pos INTEGER PRIMARY KEY AUTOINCREMENT, op TEXT NOT NULL, id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b)) WITHOUT ROWID;
"""
_COLUMNS = "id, text, title, source, published, url"
_PAGE = 1000
# Writers of other processes (several workers over one file) wait for the lock rather than fail.
_BUSY_MS = 10_000


def _row_to_article(row: tuple[str, str, str | None, str | None, str | None, str | None]) -> Article:
    rid, text, title, source, published, url = row
    return Article(rid, text, title, source, parse_published(published, rid), url)


def _change(row: tuple[Any, ...]) -> Change:
    """A log entry (position, op, id, keys, article columns): the article is NULL if it is no longer live."""
    pos, op, rid, keys = row[:4]
    if row[4] is None:
        return Change(str(pos), op, rid)
    return Change(str(pos), op, rid, _row_to_article(row[4:]), keys)


def _check_folder(path: str) -> None:
    if path == ":memory:" or path.startswith("file:"):
        return
    folder = Path(path).expanduser().parent
    if not folder.is_dir():
        raise ConfigError(
            f"store (DEDUP_STORE): the folder of the SQLite file does not exist ({folder}); "
            "create it, or give the path of an existing store"
        )


class SQLiteStore:
    """The embedded default store: one SQLite file (WAL mode), safe to share between threads and processes.

    Several processes over one file are correct: SQLite lets one write at a time (the others wait up to
    10 s), readers never wait, and each process follows the others' writes through `changes`.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        _check_folder(self.path)
        self._lock = threading.Lock()
        self._open()

    @_translated
    def _open(self) -> None:
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=_BUSY_MS / 1000)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a committed write survives the process being killed (not a power cut).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(articles)")}
        if "report" not in columns:
            self._upgrade()
        for added in ("terms", "keys"):
            if added not in columns:
                self._add_blob_column(added)
        self._db.execute("CREATE INDEX IF NOT EXISTS articles_date ON articles(date)")
        self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('identity', ?)", (uuid.uuid4().hex,))
        self.identity: str = self._db.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()[0]

    def _add_blob_column(self, name: str) -> None:
        """A column added after the first stores were written (older rows hold NULL in it)."""
        try:
            self._db.execute(f"ALTER TABLE articles ADD COLUMN {name} BLOB")
        except sqlite3.OperationalError as e:
            # Another process opening the same store (a worker starting beside this one) added it first.
            if "duplicate column" not in str(e):
                raise

    def _upgrade(self) -> None:
        """A store written before reports, dates and the log: add them (dates from `published` or now)."""
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("ALTER TABLE articles ADD COLUMN date REAL")
        self._db.execute("ALTER TABLE articles ADD COLUMN report TEXT")
        self._db.execute("INSERT INTO log (pos, op, id) SELECT seq, 'add', id FROM articles ORDER BY seq")
        rows = self._db.execute("SELECT seq, published FROM articles").fetchall()
        now = datetime.now(UTC)
        dates = [((parse_published(p) or now).timestamp(), seq) for seq, p in rows]
        self._db.executemany("UPDATE articles SET date = ? WHERE seq = ?", dates)
        self._db.execute("COMMIT")

    @_translated
    def put(
        self, article: Article, report: Report | None = None, terms: bytes | None = None, keys: bytes | None = None
    ) -> None:
        published = article.published.isoformat() if article.published else None
        date = article_date(article).timestamp()
        body = orjson.dumps(report).decode() if report is not None else None
        with self._lock, self._transaction():
            pos = self._db.execute("INSERT INTO log (op, id) VALUES ('add', ?)", (article.id,)).lastrowid
            row = (pos, article.id, article.text, article.title, article.source, published, article.url, date, body)
            try:
                self._db.execute(
                    f"INSERT INTO articles (seq, {_COLUMNS}, date, report, terms, keys) VALUES ({'?, ' * 10}?)",
                    (*row, terms, keys),
                )
            except sqlite3.IntegrityError as e:
                raise DuplicateIdError(f"duplicate id {article.id!r}: it is already stored") from e
            links = [(earlier, article.id) for earlier in linked_ids(report)]
            self._db.executemany("INSERT OR IGNORE INTO links (a, b) VALUES (?, ?)", links)

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    @_translated
    def get(self, article_id: str) -> Article | None:
        with self._lock:
            row = self._db.execute(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _row_to_article(row) if row else None

    def _column_of(self, column: str, article_ids: list[str]) -> list[tuple[str, Any]]:
        """(id, value) of one column for the stored ids among `article_ids` where it is set."""
        found: list[tuple[str, Any]] = []
        for lo in range(0, len(article_ids), 500):  # within SQLite's bound on parameters
            chunk = article_ids[lo : lo + 500]
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT id, {column} FROM articles WHERE {column} IS NOT NULL AND id IN ({marks})"
            with self._lock:
                found += self._db.execute(sql, chunk).fetchall()
        return found

    @_translated
    def terms_of(self, article_ids: list[str]) -> dict[str, bytes]:
        return dict(self._column_of("terms", article_ids))

    @_translated
    def report(self, article_id: str) -> Report | None:
        with self._lock:
            row = self._db.execute("SELECT report FROM articles WHERE id = ?", (article_id,)).fetchone()
        return orjson.loads(row[0]) if row and row[0] else None

    @_translated
    def reports_of(self, article_ids: list[str]) -> dict[str, Report]:
        return {rid: orjson.loads(raw) for rid, raw in self._column_of("report", article_ids) if raw}

    @_translated
    def later(self, article_id: str) -> list[Report]:
        sql = "SELECT s.report FROM links l JOIN articles s ON s.id = l.b WHERE l.a = ? ORDER BY s.seq"
        with self._lock:
            rows = self._db.execute(sql, (article_id,)).fetchall()
        return relations_to(article_id, [orjson.loads(r[0]) for r in rows if r[0]])

    @_translated
    def delete(self, article_id: str) -> bool:
        with self._lock, self._transaction():
            if self._db.execute("DELETE FROM articles WHERE id = ?", (article_id,)).rowcount == 0:
                return False
            self._db.execute("DELETE FROM links WHERE a = ?", (article_id,))
            self._db.execute("INSERT INTO log (op, id) VALUES ('delete', ?)", (article_id,))
            return True

    @_translated
    def changes(self, after: str | None, limit: int = 1000) -> list[Change]:
        sql = (
            f"SELECT l.pos, l.op, l.id, a.keys, {', '.join('a.' + c for c in _COLUMNS.split(', '))} FROM log l "
            "LEFT JOIN articles a ON a.seq = l.pos WHERE l.pos > ? ORDER BY l.pos LIMIT ?"
        )
        with self._lock:
            rows = self._db.execute(sql, (int(after or 0), limit)).fetchall()
        return [_change(row) for row in rows]

    @_translated
    def dated_before(self, cutoff: datetime, limit: int = 1000) -> list[str]:
        sql = "SELECT id FROM articles WHERE date < ? ORDER BY date LIMIT ?"
        with self._lock:
            return [r[0] for r in self._db.execute(sql, (cutoff.timestamp(), limit)).fetchall()]

    @_translated
    def newest_date(self) -> datetime | None:
        with self._lock:
            value = self._db.execute("SELECT MAX(date) FROM articles").fetchone()[0]
        return None if value is None else datetime.fromtimestamp(value, UTC)

    @_translated
    def ping(self) -> None:
        with self._lock:
            self._db.execute("SELECT 1 FROM articles LIMIT 1").fetchall()

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


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error: a write is whole or absent."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, *_: Any) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")
