"""Request and response bodies, one model per direction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, Field

from dedup.article import Article, article_from_mapping
from dedup.decide.relation import Relation
from dedup.index import IndexReport

__all__ = [
    "ArticleIn",
    "ArticleOut",
    "BatchOut",
    "BatchReportOut",
    "HealthOut",
    "LineErrorOut",
    "PassageOut",
    "RelationOut",
    "RepeatOut",
    "ReportOut",
]

Span = tuple[int, int]


class ArticleIn(BaseModel):
    """An article to check or add: the fields of the `dedup scan` JSONL contract."""

    id: str = Field(description="Unique id; a second article with the same id is refused with 409")
    text: str = Field(description="The article body; offsets in the report point into it as sent")
    title: str | None = None
    source: str | None = None
    published: str | None = Field(None, description="ISO 8601 date or datetime; decides which side is derived")
    url: str | None = None

    def to_article(self, max_chars: int) -> Article:
        """The library's Article; `dedup.errors.InputError` (422) says what is wrong with a field."""
        # The library's own checks (empty text, dates, length) so the service accepts what `dedup scan` does.
        return article_from_mapping(self.model_dump(), max_chars=max_chars)


class ArticleOut(BaseModel):
    """An indexed article as stored."""

    id: str
    text: str
    title: str | None
    source: str | None
    published: datetime | None
    url: str | None

    @classmethod
    def from_article(cls, article: Article) -> ArticleOut:
        """The response form of a stored article."""
        return cls(
            id=article.id,
            text=article.text,
            title=article.title,
            source=article.source,
            published=article.published,
            url=article.url,
        )


class PassageOut(BaseModel):
    """A shared passage: character spans [start, end) in `a` and in `b`."""

    a: Span
    b: Span
    kind: Literal["verbatim", "rewritten"]


class RelationOut(BaseModel):
    """One relation between an earlier article `a` and the article sent, `b` (`relation_record`)."""

    a: str
    b: str
    relation: Relation
    derived: str | None
    coverage: float
    score: float = Field(description="P(related) by the relation model, as fitted (dedup.calibration.fit)")
    evidence: list[PassageOut]
    why: list[str] = Field(
        default_factory=list, description="what decided it: the model's weighed evidence, the rule that typed it"
    )


class RepeatOut(BaseModel):
    """A block of the article printed again later in it: character spans of both prints."""

    first: Span
    repeat: Span


class ReportOut(BaseModel):
    """What the article sent duplicates, copies, reuses or rewrites, and its repeated blocks."""

    id: str
    added: bool
    relations: list[RelationOut]
    repeats: list[RepeatOut]

    @classmethod
    def from_report(cls, report: IndexReport, **extra: Any) -> Self:
        """Validate the index's records against the response schema (`extra`: a subclass's fields)."""
        fields = {"id": report.id, "added": report.added, "relations": report.relations, "repeats": report.repeats}
        return cls.model_validate({**fields, **extra})


class HealthOut(BaseModel):
    """Liveness and size of the index."""

    status: Literal["ok"] = "ok"
    articles: int = Field(description="Articles indexed")
    store: str = Field(description="Store backend: memory, sqlite or redis")
    index_bytes: int = Field(description="Memory of the index's band tables and ids, which grow with the articles")


class BatchReportOut(ReportOut):
    """The report of one batch line that was added."""

    line: int


class LineErrorOut(BaseModel):
    """A batch line that was not added, with the status a single POST of it would have had."""

    line: int
    id: str | None
    status: int
    error: str
    detail: str


class BatchOut(BaseModel):
    """Per-line outcome of a JSON-lines batch: every valid line is added, in order."""

    added: int
    failed: int
    reports: list[BatchReportOut]
    errors: list[LineErrorOut]
