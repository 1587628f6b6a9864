"""A JSON-lines batch: add each valid line in order, report each bad one by its line number."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from dedup.article import Article
from dedup.errors import DedupError, InputError, StoreUnavailable
from dedup.index import Index
from dedup.index.budget import WorkBudget
from service.errors import BodyEncodingError, InvalidJSONError, describe
from service.schemas import ArticleIn, BatchOut, BatchReportOut, LineErrorOut

__all__ = ["add_lines"]

# What one bad line can raise; a store that is down stops the batch instead (`stopped_at`).
_LINE_ERRORS = (DedupError, BodyEncodingError, InvalidJSONError, ValidationError)
_STOPPED = "the client left or the server is stopping; send the lines from stopped_at again"
_STORE_DOWN = "the store is unavailable; send the lines from stopped_at again later"


def add_lines(index: Index, body: bytes, max_chars: int, budget: WorkBudget) -> BatchOut:
    """Add every line that is a valid article, in order; blank lines are skipped, line numbers count from 1.

    Each line is acknowledged (stored, with its report) or refused (with the status its POST would get).
    When the store fails or `budget` is cancelled the batch stops there and says where: the lines before
    are acknowledged or refused, none after is stored. Each line gets `budget`'s allowance afresh.
    """
    if not body.strip():
        raise InputError("the batch is empty; send one JSON article per line")
    out = BatchOut(added=0, failed=0, reports=[], errors=[], complete=True, stopped_at=None)
    for number, raw in enumerate(body.splitlines(), start=1):
        if not raw.strip():
            continue
        if budget.cancelled:
            return _stopped(out, number, _STOPPED)
        record: Any = None
        line_budget = WorkBudget(budget.max_candidates, budget.seconds, stop=budget.stop)
        try:
            record = _parse(raw)
            report = index.add(_article(record, max_chars), line_budget)
        except StoreUnavailable:
            return _stopped(out, number, _STORE_DOWN)
        except _LINE_ERRORS as err:
            out.errors.append(_line_error(number, record, err))
            out.failed += 1
            continue
        if not report.added and not report.replayed:
            return _stopped(out, number, _STOPPED)  # cancelled while being checked: not stored
        out.reports.append(BatchReportOut.from_report(report, line=number))
        out.added += 1
    return out


def _stopped(out: BatchOut, line: int, reason: str) -> BatchOut:
    out.complete, out.stopped_at, out.stop_reason = False, line, reason
    return out


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
