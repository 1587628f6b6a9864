from __future__ import annotations

from collections.abc import Iterator

from dedup.article import Article
from dedup.errors import DuplicateIdError


class MemoryStore:
    """The in-memory twin of every store: a dict, for tests and short-lived indexes."""

    def __init__(self) -> None:
        self._articles: dict[str, Article] = {}

    def put(self, article: Article) -> None:
        if article.id in self._articles:
            raise DuplicateIdError(f"duplicate id {article.id!r}: it is already in the store")
        self._articles[article.id] = article

    def get(self, article_id: str) -> Article | None:
        return self._articles.get(article_id)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._articles

    def __len__(self) -> int:
        return len(self._articles)

    def __iter__(self) -> Iterator[Article]:
        return iter(list(self._articles.values()))

    def close(self) -> None:
        pass
