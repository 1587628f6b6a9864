"""`GET /health`: the service is up, and how many articles it has indexed."""

from __future__ import annotations

from fastapi import APIRouter

from service.deps import IndexDep, SettingsDep
from service.schemas import HealthOut

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/health")
def health(index: IndexDep, settings: SettingsDep) -> HealthOut:
    """Status, number of indexed articles and the memory their index entries take."""
    return HealthOut(articles=len(index), store=settings.store_kind, index_bytes=index.article_nbytes)
