from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from dedup.article import Article

Report = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of a store's change log: an article added (with the article) or deleted (id only).

    `position` orders the log; an add whose article was deleted (or replaced) since has `article` None.
    `keys`: the index keys stored with an added article, if any.
    """

    position: str
    op: str
    article_id: str
    article: Article | None = None
    keys: bytes | None = None


@runtime_checkable
class Store(Protocol):
    """Articles by id with the report each got when added, and a log of every add and delete.

    `terms` is what the index keeps beside an article's text to screen it as a candidate without reading
    the text again (its packed IDF terms); articles stored without them are screened from their text.
    `keys` is what every index over the store adds to its tables for the article (`dedup.index.keys`),
    handed back with its log entry (`Change.keys`): without them, each index signs the article again.
    Every write is atomic: an article is stored with its report, log entry, date and links, or not at all.
    `put` of an existing id raises DuplicateIdError (a StoreError). Several processes may share one store:
    each follows the others' writes through `changes`.
    """

    def put(
        self, article: Article, report: Report | None = None, terms: bytes | None = None, keys: bytes | None = None
    ) -> None: ...
    def terms_of(self, article_ids: list[str]) -> dict[str, bytes]: ...
    def get(self, article_id: str) -> Article | None: ...
    def report(self, article_id: str) -> Report | None: ...
    def reports_of(self, article_ids: list[str]) -> dict[str, Report]: ...
    def later(self, article_id: str) -> list[Report]: ...
    def delete(self, article_id: str) -> bool: ...
    def changes(self, after: str | None, limit: int = 1000) -> list[Change]: ...
    def dated_before(self, cutoff: datetime, limit: int = 1000) -> list[str]: ...
    def newest_date(self) -> datetime | None: ...
    def ping(self) -> None: ...
    @property
    def identity(self) -> str:
        """A random id the store was given when created: a snapshot of an index belongs to one store."""
        ...

    def __contains__(self, article_id: object) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Article]: ...
    def close(self) -> None: ...


def article_date(article: Article, arrived: datetime | None = None) -> datetime:
    """The date retention ages an article by: `published`, never later than its arrival; else its arrival.

    A date in the future (a typo, a wrong time zone) would otherwise become the retention clock and expire
    everything else at once.
    """
    now = arrived or datetime.now(UTC)
    published = article.published
    return now if published is None or published > now else published


def linked_ids(report: Report | None) -> list[str]:
    """Ids of the earlier articles a report relates to: each gets a link back to the new article."""
    if not report:
        return []
    return sorted({str(r["a"]) for r in report.get("relations", ())})


def relations_to(article_id: str, reports: list[Report]) -> list[Report]:
    """Relation records of later articles' reports that name `article_id` as their earlier side."""
    return [r for report in reports for r in report.get("relations", ()) if r.get("a") == article_id]
