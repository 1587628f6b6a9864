"""`POST /articles/batch`: JSON lines, each added as by `POST /articles`, errors reported per line."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from service._batch import add_lines
from service.deps import IndexDep, SettingsDep
from service.schemas import BatchOut

__all__ = ["router"]

router = APIRouter(prefix="/articles", tags=["articles"])

# The body is read raw (any content type), so document it by hand.
_NDJSON_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/x-ndjson": {"schema": {"type": "string", "description": "one article per line"}}},
    }
}


@router.post("/batch", openapi_extra=_NDJSON_BODY)
async def add_batch(request: Request, index: IndexDep, settings: SettingsDep) -> BatchOut:
    """Add each valid line in order; bad lines (JSON, fields, duplicate ids) are reported by line number."""
    body = await request.body()
    # Indexing is CPU work under the index's lock: keep it off the event loop.
    return await run_in_threadpool(add_lines, index, body, settings.max_doc_chars)
