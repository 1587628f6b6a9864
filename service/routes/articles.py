"""One article at a time: add it, check it without adding, read a stored one back."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from service.deps import IndexDep, SettingsDep
from service.errors import ArticleNotFoundError
from service.schemas import ArticleIn, ArticleOut, ReportOut

__all__ = ["router"]

router = APIRouter(prefix="/articles", tags=["articles"])


@router.post("", status_code=status.HTTP_201_CREATED)
def add_article(
    payload: ArticleIn, index: IndexDep, settings: SettingsDep, request: Request, response: Response
) -> ReportOut:
    """Report what the article duplicates, copies, reuses or rewrites, then index it (409 if its id is taken)."""
    report = index.add(payload.to_article(settings.max_doc_chars))
    response.headers["Location"] = str(request.url_for("get_article", article_id=report.id))
    return ReportOut.from_report(report)


@router.post("/check")
def check_article(payload: ArticleIn, index: IndexDep, settings: SettingsDep) -> ReportOut:
    """The same report as adding, without adding the article."""
    return ReportOut.from_report(index.check(payload.to_article(settings.max_doc_chars)))


@router.get("/{article_id:path}", name="get_article")
def get_article(article_id: str, index: IndexDep) -> ArticleOut:
    """A stored article as it was added (404 if no article has this id)."""
    article = index.store.get(article_id)
    if article is None:
        raise ArticleNotFoundError(f"no article with id {article_id!r} is indexed")
    return ArticleOut.from_article(article)
