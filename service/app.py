"""The application factory: `uvicorn --factory service.app:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from dedup import __version__
from dedup.config import DetectorConfig
from dedup.detector import Detector
from dedup.index import Index, keep_heap_small
from dedup.store import open_store
from service._body import BodyGuard
from service.errors import install_error_handlers
from service.routes import api_router
from service.settings import Settings

__all__ = ["create_app"]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the store and build the index over it (re-signing stored articles); close the store at shutdown."""
    settings: Settings = app.state.settings
    # The server process lives long and frees arrays of every size: return the large ones (see `keep_heap_small`).
    keep_heap_small()
    store = open_store(settings.store)
    try:
        detector = Detector(DetectorConfig(max_doc_chars=settings.max_doc_chars))
        app.state.index = Index(detector, store, paragraph_bands=settings.paragraph_bands)
        yield
    finally:
        store.close()


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app over the store `settings` names (from `DEDUP_*` variables when not given)."""
    settings = settings if settings is not None else Settings()
    app = FastAPI(
        title="newsdedup ingest",
        version=__version__,
        summary="Relations of each new article to everything indexed before it: duplicates, copies, reuse, rewrites.",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.add_middleware(BodyGuard, max_bytes=settings.max_body_bytes)
    install_error_handlers(app)
    app.include_router(api_router)
    return app
