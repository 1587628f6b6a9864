"""One article at a time: add it, check it, read it back, delete it, list its relations."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request, Response, status

from dedup.article import Article
from dedup.errors import InputError
from dedup.index import IndexReport
from dedup.index.budget import WorkBudget
from service._paths import article_location, decode_id
from service._work import run_budgeted
from service.deps import IndexDep, SettingsDep, TrackerDep
from service.errors import ArticleNotFoundError, WorkStoppedError, documented
from service.schemas import ArticleIn, ArticleOut, RelationsOut, ReportOut

__all__ = ["router"]

router = APIRouter(prefix="/articles", tags=["articles"])

_REPLAYED: dict[int | str, dict[str, Any]] = {
    200: {"model": ReportOut, "description": "This article (every field equal) was added before: its first report"}
}


def _id(segment: str) -> str:
    try:
        return decode_id(segment)
    except UnicodeDecodeError as e:
        raise InputError("id: the path segment is not percent-encoded UTF-8") from e


def _counted(request: Request, report: IndexReport) -> ReportOut:
    if report.truncated:
        request.app.state.metrics.truncated.inc()
    return ReportOut.from_report(report)


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses={**_REPLAYED, **documented(400, 401, 409, 413, 422, 503)}
)
async def add_article(
    payload: ArticleIn,
    index: IndexDep,
    settings: SettingsDep,
    tracker: TrackerDep,
    request: Request,
    response: Response,
) -> ReportOut:
    """Report what the article duplicates, copies, reuses or rewrites, then store and index it.

    Safe to retry: the same article again answers 200 with its first report and changes nothing.
    """
    article: Article = payload.to_article(settings.max_doc_chars)
    # Set before anything is stored: an id is always encodable (percent-encoded ASCII), so no answer fails after.
    response.headers["Location"] = article_location(article.id)
    report = await run_budgeted(request, tracker, lambda budget: index.add(article, budget))
    if not (report.added or report.replayed):
        raise WorkStoppedError("the server is stopping; the article was not stored, send it again")
    if report.replayed:
        response.status_code = status.HTTP_200_OK
    return _counted(request, report)


@router.post("/check", responses=documented(400, 401, 413, 422, 503))
async def check_article(
    payload: ArticleIn, index: IndexDep, settings: SettingsDep, tracker: TrackerDep, request: Request
) -> ReportOut:
    """The same report as adding, without adding the article."""
    article = payload.to_article(settings.max_doc_chars)
    report = await run_budgeted(
        request, tracker, lambda budget: index.check(article, budget), lambda budget: _found_so_far(budget, article.id)
    )
    return _counted(request, report)


def _found_so_far(budget: WorkBudget, article_id: str) -> IndexReport:
    """A check past its deadline: the relations verified so far, truncated."""
    found = budget.partial
    if not isinstance(found, IndexReport):
        return IndexReport(article_id, truncated=True)
    return replace(found, relations=list(found.relations), truncated=True)


@router.get("/{article_id}/relations", responses=documented(401, 404, 422, 503))
def article_relations(article_id: str, index: IndexDep) -> RelationsOut:
    """What the article was related to when added, and what later articles were related to it."""
    rid = _id(article_id)
    report = index.store.report(rid)
    if report is None and rid not in index.store:
        raise ArticleNotFoundError(f"no article with id {rid!r} is indexed")
    earlier = (report or {}).get("relations", [])
    return RelationsOut.model_validate({"id": rid, "earlier": earlier, "later": index.store.later(rid)})


@router.get("/{article_id}", name="get_article", responses=documented(401, 404, 422, 503))
def get_article(article_id: str, index: IndexDep) -> ArticleOut:
    """A stored article as it was added (404 if no article has this id); encode `/` in the id as %2F."""
    rid = _id(article_id)
    article = index.store.get(rid)
    if article is None:
        raise ArticleNotFoundError(f"no article with id {rid!r} is indexed")
    return ArticleOut.from_article(article)


@router.delete("/{article_id}", status_code=status.HTTP_204_NO_CONTENT, responses=documented(401, 404, 422, 503))
def delete_article(article_id: str, index: IndexDep) -> Response:
    """Remove the article from the store and the index: later articles no longer relate to it."""
    rid = _id(article_id)
    if not index.delete(rid):
        raise ArticleNotFoundError(f"no article with id {rid!r} is indexed")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
