"""`POST /v1/articles/batch`: JSON lines, each added as by `POST /v1/articles`, each acknowledged or refused."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from service._batch import add_lines
from service._work import run_budgeted
from service.deps import IndexDep, SettingsDep, TrackerDep
from service.errors import documented
from service.schemas import BatchOut

__all__ = ["router"]

router = APIRouter(prefix="/articles", tags=["articles"])

# The body is read raw (any content type), so document it by hand.
_NDJSON_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            media: {"schema": {"type": "string", "pattern": r"\S", "description": "one JSON article per line"}}
            for media in ("application/x-ndjson", "text/plain")
        },
    }
}


@router.post("/batch", openapi_extra=_NDJSON_BODY, responses=documented(401, 413, 422))
async def add_batch(request: Request, index: IndexDep, settings: SettingsDep, tracker: TrackerDep) -> BatchOut:
    """Add each line in order. Each is acknowledged (`reports`) or refused (`errors`, by line number); if the
    store fails or the server stops, `complete` is false and `stopped_at` is the first line not handled.
    Sending the same lines again is safe: acknowledged ones get their first reports back."""
    body = await request.body()
    return await run_budgeted(request, tracker, lambda budget: add_lines(index, body, settings.max_doc_chars, budget))
