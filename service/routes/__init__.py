"""The service's routers: the versioned API under /v1 (behind the key, if any), probes at the root."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from service.auth import require_key
from service.routes import articles, batch, compare, health, metrics

__all__ = ["api_router"]

api_router = APIRouter()
api_router.include_router(health.router)
v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_key)])
v1.include_router(batch.router)
v1.include_router(compare.router)
v1.include_router(articles.router)
api_router.include_router(v1)
api_router.include_router(metrics.router, dependencies=[Depends(require_key)])
