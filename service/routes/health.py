"""`GET /healthz` (the process answers) and `GET /readyz` (the index is loaded and the store answers)."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from dedup.index import Index
from service.deps import IndexLoadingError
from service.errors import documented
from service.schemas import HealthOut, LiveOut
from service.settings import Settings

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> LiveOut:
    """200 while the process answers: for a liveness probe (it does not look at the store)."""
    return LiveOut()


@router.get("/readyz", responses=documented(503))
async def readyz(request: Request) -> HealthOut:
    """200 when the index is loaded and the store answers; 503 otherwise: for a readiness probe."""
    index: Index | None = getattr(request.app.state, "index", None)
    if index is None:
        raise IndexLoadingError("the index is loading")
    await run_in_threadpool(index.store.ping)
    await run_in_threadpool(index.sync)  # count what other workers added too
    settings: Settings = request.app.state.settings
    return HealthOut(
        articles=len(index), store=settings.store_kind, index_bytes=index.article_nbytes, worker=os.getpid()
    )
