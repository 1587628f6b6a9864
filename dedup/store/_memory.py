from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime

from dedup.article import Article
from dedup.errors import DuplicateIdError
from dedup.store._base import Change, Report, article_date, linked_ids, relations_to


class MemoryStore:
    """The in-memory twin of every store: dicts and a log list, for tests and short-lived indexes."""

    def __init__(self) -> None:
        self._articles: dict[str, tuple[int, Article, Report | None, datetime]] = {}
        self._log: list[tuple[str, str]] = []
        self._links: dict[str, set[str]] = {}
        self._terms: dict[str, bytes] = {}
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self.identity = uuid.uuid4().hex

    def put(
        self, article: Article, report: Report | None = None, terms: bytes | None = None, keys: bytes | None = None
    ) -> None:
        with self._lock:
            if article.id in self._articles:
                raise DuplicateIdError(f"duplicate id {article.id!r}: it is already in the store")
            self._log.append(("add", article.id))
            self._articles[article.id] = (len(self._log), article, report, article_date(article))
            for earlier in linked_ids(report):
                self._links.setdefault(earlier, set()).add(article.id)
            if terms is not None:
                self._terms[article.id] = terms
            if keys is not None:
                self._keys[article.id] = keys

    def terms_of(self, article_ids: list[str]) -> dict[str, bytes]:
        return {i: t for i in article_ids if i in self._articles and (t := self._terms.get(i)) is not None}

    def get(self, article_id: str) -> Article | None:
        entry = self._articles.get(article_id)
        return entry[1] if entry else None

    def report(self, article_id: str) -> Report | None:
        entry = self._articles.get(article_id)
        return entry[2] if entry else None

    def reports_of(self, article_ids: list[str]) -> dict[str, Report]:
        return {i: r for i in article_ids if (r := self.report(i)) is not None}

    def later(self, article_id: str) -> list[Report]:
        ids = sorted(self._links.get(article_id, ()), key=lambda i: self._articles[i][0] if i in self._articles else 0)
        reports = [r for i in ids if (r := self.report(i))]
        return relations_to(article_id, reports)

    def delete(self, article_id: str) -> bool:
        with self._lock:
            if self._articles.pop(article_id, None) is None:
                return False
            self._links.pop(article_id, None)
            self._terms.pop(article_id, None)
            self._keys.pop(article_id, None)
            self._log.append(("delete", article_id))
            return True

    def changes(self, after: str | None, limit: int = 1000) -> list[Change]:
        start = int(after) if after else 0
        out = []
        for pos in range(start + 1, min(len(self._log), start + limit) + 1):
            op, rid = self._log[pos - 1]
            entry = self._articles.get(rid)
            live = entry[1] if op == "add" and entry and entry[0] == pos else None
            out.append(Change(str(pos), op, rid, live, self._keys.get(rid) if live else None))
        return out

    def dated_before(self, cutoff: datetime, limit: int = 1000) -> list[str]:
        return [rid for rid, entry in list(self._articles.items()) if entry[3] < cutoff][:limit]

    def newest_date(self) -> datetime | None:
        return max((entry[3] for entry in list(self._articles.values())), default=None)

    def ping(self) -> None:
        pass

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._articles

    def __len__(self) -> int:
        return len(self._articles)

    def __iter__(self) -> Iterator[Article]:
        return iter([entry[1] for entry in sorted(self._articles.values(), key=lambda e: e[0])])

    def close(self) -> None:
        pass
