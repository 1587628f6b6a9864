"""Read articles from JSONL, CSV, Parquet files or folders of .txt files.

Every bad record becomes a `RecordError` (file, line, id, reason) and reading goes on, so one bad
line never costs the others. Duplicate ids are reported at their second appearance and skipped.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from dedup.article import Article, article_from_mapping
from dedup.errors import InputError

__all__ = ["RecordError", "read_inputs"]

_FALLBACK_ENCODING = "cp1252"


@dataclass(frozen=True)
class RecordError:
    """A record that was rejected (severity "error") or kept with a caveat ("warning")."""

    source: str
    line: int | None
    id: str | None
    reason: str
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "line": self.line, "id": self.id,
            "reason": self.reason, "severity": self.severity,
        }  # fmt: skip


Item = Article | RecordError


def _jsonl(path: Path, max_chars: int) -> Iterator[Item]:
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                record = orjson.loads(raw)
            except orjson.JSONDecodeError as err:
                reason = "not valid UTF-8" if _bad_utf8(raw) else f"malformed JSON ({err})"
                yield RecordError(str(path), number, None, f"{reason}; line skipped")
                continue
            yield _from_mapping(record, str(path), number, max_chars)


def _bad_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _from_mapping(record: Any, source: str, line: int, max_chars: int) -> Item:
    try:
        return article_from_mapping(record, max_chars)
    except InputError as err:
        rid = record.get("id") if isinstance(record, dict) else None
        return RecordError(source, line, None if rid is None else str(rid), str(err))


def _csv(path: Path, max_chars: int) -> Iterator[Item]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="", errors="strict") as fh:
        try:
            for number, row in enumerate(csv.DictReader(fh), start=2):
                yield _from_mapping(dict(row), str(path), number, max_chars)
        except UnicodeDecodeError as err:
            yield RecordError(str(path), None, None, f"not valid UTF-8 ({err}); rest of file skipped")


def _parquet(path: Path, max_chars: int) -> Iterator[Item]:
    import pyarrow.parquet as pq

    table = pq.ParquetFile(path)
    number = 0
    for batch in table.iter_batches(batch_size=4096):
        for row in batch.to_pylist():
            number += 1
            if row.get("published") is not None and not isinstance(row["published"], str):
                row["published"] = row["published"].isoformat()
            yield _from_mapping(row, str(path), number, max_chars)


def _text_file(root: Path, path: Path, max_chars: int) -> Iterator[Item]:
    rid = path.relative_to(root).as_posix()
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        text = raw.decode(_FALLBACK_ENCODING, errors="replace")
        yield RecordError(
            str(path), None, rid,
            f"not valid UTF-8 (byte {err.start}); decoded as {_FALLBACK_ENCODING} and kept",
            "warning",
        )  # fmt: skip
    yield _from_mapping({"id": rid, "text": text}, str(path), 1, max_chars)


def _directory(root: Path, max_chars: int) -> Iterator[Item]:
    for path in sorted(p for p in root.rglob("*.txt") if p.is_file()):
        yield from _text_file(root, path, max_chars)


def _one_input(path: Path, max_chars: int) -> Iterator[Item]:
    if path.is_dir():
        return _directory(path, max_chars)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return _jsonl(path, max_chars)
    if suffix == ".csv":
        return _csv(path, max_chars)
    if suffix in (".parquet", ".pq"):
        return _parquet(path, max_chars)
    if suffix == ".txt":
        return _text_file(path.parent, path, max_chars)
    raise InputError(f"{path}: unknown input type; give .jsonl, .csv, .parquet, .txt or a folder of .txt")


def read_inputs(paths: Iterable[Path | str], max_chars: int = 1_000_000) -> Iterator[Item]:
    """Articles and RecordErrors from every input, in order; a duplicate id is an error, not a record."""
    seen: dict[str, str] = {}
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        for item in _one_input(path, max_chars):
            if isinstance(item, Article):
                where = f"{path}"
                if item.id in seen:
                    yield RecordError(
                        where, None, item.id, f"duplicate id {item.id!r} (first in {seen[item.id]}); skipped"
                    )
                    continue
                seen[item.id] = where
            yield item
