"""The application factory: `uvicorn --factory service.app:create_app` (what `dedup serve` runs)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from dedup import __version__
from dedup.config import DetectorConfig
from dedup.detector import Detector
from dedup.index import Index, keep_heap_small
from dedup.store import Store, open_store
from service._body import BodyGuard
from service._paths import ArticlePaths
from service._work import WorkTracker
from service.auth import require_key
from service.errors import install_error_handlers
from service.metrics import Metrics, MetricsMiddleware
from service.routes import api_router
from service.settings import Settings, load_settings

__all__ = ["create_app"]

_log = logging.getLogger("service")
_DOCS_ASSETS = "/docs/assets"
_WAIT_FOR_LOAD_SECONDS = 30.0


def _load_index(app: FastAPI, store: Store) -> None:
    """Build the index over the store (re-signing what it holds); /readyz answers 503 until it is done."""
    settings: Settings = app.state.settings
    try:
        detector = Detector(DetectorConfig(max_doc_chars=settings.max_doc_chars))
        retention = timedelta(days=settings.retention_days) if settings.retention_days else None
        index = Index(
            detector, store, paragraph_bands=settings.paragraph_bands, retention=retention,
            snapshot=settings.snapshot_path,
        )  # fmt: skip
    except Exception:
        _log.exception("the index could not be loaded; /readyz stays 503")
        return
    app.state.metrics.count_articles(index.__len__)
    app.state.index = index
    _log.info("index ready: %d articles", len(index))


def _save_now_and_then(app: FastAPI, stop: threading.Event) -> None:
    """Every `snapshot_seconds`, and once at shutdown, write the index snapshot if the index changed."""
    settings: Settings = app.state.settings
    saved_at: object = None
    while True:
        stopping = stop.wait(settings.snapshot_seconds)
        index: Index | None = app.state.index
        if index is not None and index.position != saved_at:
            try:
                saved_at = index.position
                index.save_snapshot()
            except Exception:
                _log.exception("the index snapshot could not be written")
        if stopping:
            return


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the store, load the index in the background; at shutdown stop work in flight, close the store."""
    settings: Settings = app.state.settings
    # The server process lives long and frees arrays of every size: return the large ones (see `keep_heap_small`).
    keep_heap_small()
    app.state.tracker.resume()
    store = open_store(settings.store)
    loader = threading.Thread(target=_load_index, args=(app, store), name="index-loader", daemon=True)
    loader.start()
    stop_saving = threading.Event()
    saver = threading.Thread(target=_save_now_and_then, args=(app, stop_saving), name="snapshot", daemon=True)
    saver.start()
    # An index that loads quickly (a snapshot, a small store) is loaded before this worker accepts
    # connections, so that with several workers none is handed requests it cannot answer yet; a long load
    # (every article re-signed) is waited for this long, then goes on while /readyz says 503.
    await asyncio.to_thread(loader.join, _WAIT_FOR_LOAD_SECONDS)
    try:
        yield
    finally:
        app.state.tracker.drain()
        loader.join(timeout=settings.drain_seconds)
        stop_saving.set()
        saver.join()
        app.state.tracker.close()  # no request's thread may use the store once it is closed
        store.close()


def _offline_docs(app: FastAPI) -> None:
    """Swagger UI from the assets the `swagger-ui-bundle` package ships: /docs works with no network.

    The page and the OpenAPI document need the key when there is one; the assets (Swagger UI's own
    JavaScript and CSS) do not."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount(_DOCS_ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(require_key)])
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(require_key)])
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title=f"{app.title} - API",
            swagger_js_url=f"{_DOCS_ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{_DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{_DOCS_ASSETS}/favicon-32x32.png",
        )  # fmt: skip


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app over the store `settings` names (from `DEDUP_*` variables when not given)."""
    if settings is None:
        settings = load_settings()  # one line per bad setting and exit 2: no traceback
    app = FastAPI(
        title="newsdedup ingest",
        version=__version__,
        summary="Relations of each new article to everything indexed before it: duplicates, copies, reuse, rewrites.",
        lifespan=_lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served below, behind the key like every route but the probes
    )
    app.state.settings = settings
    app.state.index = None
    app.state.metrics = Metrics()
    app.state.tracker = WorkTracker(settings.budget_candidates, settings.budget_seconds)
    app.state.metrics.count_abandoned(lambda: app.state.tracker.abandoned)
    app.add_middleware(BodyGuard, max_bytes=settings.max_body_bytes)
    app.add_middleware(ArticlePaths)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    install_error_handlers(app)
    app.include_router(api_router)
    _offline_docs(app)
    app.state.metrics.know_routes(lambda: [*app.openapi()["paths"], "/docs", "/openapi.json"])
    return app
