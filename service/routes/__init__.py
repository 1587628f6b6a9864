"""The service's routers, joined into one."""

from __future__ import annotations

from fastapi import APIRouter

from service.routes import articles, batch, health

__all__ = ["api_router"]

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(batch.router)
api_router.include_router(articles.router)
