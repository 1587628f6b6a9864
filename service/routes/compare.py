"""`POST /v1/compare`: two texts against each other, without the index."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from dedup.article import article_from_mapping
from dedup.compare import compare_texts
from dedup.detector import relation_record
from service.deps import IndexDep, SettingsDep
from service.errors import documented
from service.schemas import CompareIn, CompareOut

__all__ = ["router"]

router = APIRouter(tags=["compare"])


@router.post("/compare", responses=documented(400, 401, 413, 422))
async def compare(payload: CompareIn, index: IndexDep, settings: SettingsDep) -> CompareOut:
    """How `b` relates to `a` (the same decision the index makes for a candidate pair); `relation` null if none."""
    a = article_from_mapping({"id": "a", "text": payload.a}, settings.max_doc_chars)
    b = article_from_mapping({"id": "b", "text": payload.b}, settings.max_doc_chars)
    decision = await run_in_threadpool(compare_texts, a, b, index.detector)
    if decision is None:
        unrelated: dict[str, Any] = {"relation": None, "derived": None, "coverage": 0.0, "score": 0.0, "evidence": []}
        return CompareOut.model_validate(unrelated)
    record = relation_record("a", "b", decision)
    return CompareOut.model_validate({k: v for k, v in record.items() if k not in ("a", "b")})
