"""Request and response bodies, one model per direction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from dedup.article import MAX_ID_CHARS, Article, article_from_mapping
from dedup.decide.relation import Relation
from dedup.index import IndexReport

__all__ = [
    "ArticleIn",
    "ArticleOut",
    "BatchOut",
    "BatchReportOut",
    "CompareIn",
    "CompareOut",
    "HealthOut",
    "LineErrorOut",
    "LiveOut",
    "PassageOut",
    "RelationOut",
    "RelationsOut",
    "RepeatOut",
    "ReportOut",
]

Span = tuple[int, int]
# For the OpenAPI document only (clients, generated tests): the library's checks are the rule, with their
# own messages (`dedup.article.check_id`, empty text, lone surrogates).
ID_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*\\S[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"
NOT_BLANK = r"\S"


class ArticleIn(BaseModel):
    """An article to check or add: the fields of the `dedup scan` JSONL contract."""

    id: StrictStr | StrictInt = Field(
        description="Unique id: printable Unicode (no control characters, 1 to 1024 characters); an integer "
        "is taken as its decimal digits, as `dedup scan` does. The same article again gets its first report "
        "(200); another article under a stored id is refused with 409",
        json_schema_extra={"pattern": ID_PATTERN, "minLength": 1, "maxLength": MAX_ID_CHARS},
    )
    text: str = Field(
        description="The article body, not blank; offsets in the report point into it as sent",
        json_schema_extra={"pattern": NOT_BLANK},
    )
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
    """One relation between an earlier article `a` and the article sent, `b` (`relation_record`).

    Fields the detector adds to its records (an explanation, a calibrated score) pass through as they are.
    """

    model_config = ConfigDict(extra="allow")

    a: str
    b: str
    relation: Relation | str
    derived: str | None
    coverage: float
    score: float = Field(description="P(related) by the relation model, as fitted (dedup.calibration.fit)")
    evidence: list[PassageOut]
    why: list[str] = Field(
        default_factory=list, description="what decided it: the model's weighed evidence, the rule that typed it"
    )
    one_story: bool = Field(
        default=True,
        description="whether the two are one story, clustered and deduplicated together (a copy whose figures "
        "changed around short shared lines, or the same text with other figures days later, is a form filled "
        "in again: related, kept apart)",
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
    truncated: bool = Field(False, description="The work budget ran out: relations are those found so far")
    candidates: int = Field(0, description="Earlier articles LSH proposed")
    verified: int = Field(0, description="Candidates verified (all of them unless truncated)")

    @classmethod
    def from_report(cls, report: IndexReport, **extra: Any) -> Self:
        """Validate the index's records against the response schema (`extra`: a subclass's fields)."""
        fields = report.as_dict()
        return cls.model_validate({**fields, **extra})


class LiveOut(BaseModel):
    """The process answers."""

    status: Literal["ok"] = "ok"


class HealthOut(BaseModel):
    """Ready: the index is loaded and the store answers; its size."""

    status: Literal["ready"] = "ready"
    articles: int = Field(description="Articles indexed")
    store: str = Field(description="Store backend: memory, sqlite or redis")
    index_bytes: int = Field(description="Memory of the index's band tables and ids, which grow with the articles")
    worker: int = Field(description="Process id of the worker that answered (several serve one index)")


class BatchReportOut(ReportOut):
    """The report of one batch line that was acknowledged: stored now, or stored before (a replay)."""

    line: int


class LineErrorOut(BaseModel):
    """A batch line that was not added, with the status a single POST of it would have had."""

    line: int
    id: str | None
    status: int
    error: str
    detail: str


class BatchOut(BaseModel):
    """Per-line outcome of a JSON-lines batch, in order: every line is acknowledged (`reports`, stored) or
    refused (`errors`), up to `stopped_at` when the batch stopped early; lines from there on were not read.
    Sending the same batch again is safe: acknowledged lines are acknowledged again with their reports."""

    added: int = Field(description="Lines acknowledged (stored now or before)")
    failed: int = Field(description="Lines refused")
    reports: list[BatchReportOut]
    errors: list[LineErrorOut]
    complete: bool = Field(True, description="Every line was acknowledged or refused")
    stopped_at: int | None = Field(
        None, description="First line not handled (the store failed, or the server is stopping)"
    )
    stop_reason: str | None = None


class CompareIn(BaseModel):
    """Two texts to compare directly, without the index."""

    a: str = Field(description="The earlier (or source) text, not blank", json_schema_extra={"pattern": NOT_BLANK})
    b: str = Field(description="The later text, not blank", json_schema_extra={"pattern": NOT_BLANK})


class CompareOut(BaseModel):
    """How `b` relates to `a`: `relation` null when they are unrelated."""

    model_config = ConfigDict(extra="allow")

    relation: Relation | str | None
    derived: str | None
    coverage: float
    score: float
    evidence: list[PassageOut]


class RelationsOut(BaseModel):
    """What an article was related to when it was added, and what later articles were related to it."""

    id: str
    earlier: list[RelationOut] = Field(description="Relations of its own report (it is `b` in each)")
    later: list[RelationOut] = Field(description="Relations of later articles' reports to it (it is `a`)")
