"""A JSON-lines batch: add each valid line in order, report each bad one by its line number."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from dedup.article import Article
from dedup.errors import DedupError
from dedup.index import Index
from service.errors import BodyEncodingError, InvalidJSONError, describe
from service.schemas import ArticleIn, BatchOut, BatchReportOut, LineErrorOut

__all__ = ["add_lines"]

# What one bad line can raise; anything else (a store that is down) fails the whole request.
_LINE_ERRORS = (DedupError, BodyEncodingError, InvalidJSONError, ValidationError)


def add_lines(index: Index, body: bytes, max_chars: int) -> BatchOut:
    """Add every line that is a valid article; blank lines are skipped, line numbers count from 1.

    A store that fails stops the batch (503 for the request); the lines before it stay added.
    """
    reports: list[BatchReportOut] = []
    errors: list[LineErrorOut] = []
    for number, raw in enumerate(body.splitlines(), start=1):
        if not raw.strip():
            continue
        record: Any = None
        try:
            record = _parse(raw)
            report = index.add(_article(record, max_chars))
        except _LINE_ERRORS as err:
            errors.append(_line_error(number, record, err))
            continue
        reports.append(BatchReportOut.from_report(report, line=number))
    return BatchOut(added=len(reports), failed=len(errors), reports=reports, errors=errors)


def _parse(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BodyEncodingError.at("line", raw, err) from err
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as err:
        raise InvalidJSONError(f"line is not a JSON document: {err}") from err


def _article(record: Any, max_chars: int) -> Article:
    if not isinstance(record, dict):
        raise InvalidJSONError(f"line is a JSON {type(record).__name__}, not an object with id and text")
    # The same validation as a single POST, so a line is refused exactly when its POST would be.
    return ArticleIn.model_validate(record).to_article(max_chars)


def _line_error(number: int, record: Any, err: Exception) -> LineErrorOut:
    status, name, detail = describe(err)
    rid = record.get("id") if isinstance(record, dict) else None
    return LineErrorOut(line=number, id=None if rid is None else str(rid), status=status, error=name, detail=detail)
