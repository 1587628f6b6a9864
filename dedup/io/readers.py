"""Read articles from JSONL, CSV, Parquet files or folders of .txt files (see `dedup.io.sources`).

Every bad record becomes a `RecordError` (file, line, id, reason) and reading goes on, so one bad
record never costs the others: bytes are decoded record by record, a CSV's header is checked once,
and a file that breaks off (truncated gzip, corrupt Parquet row group) keeps what was read before.
Duplicate ids are reported at their second appearance and skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from dedup.article import Article, article_from_mapping
from dedup.errors import InputError
from dedup.io.records import Record, RecordError, file_error
from dedup.io.sources import InputFile, open_inputs
from dedup.io.tables import read_table

__all__ = ["Item", "RawItem", "Record", "RecordError", "input_records", "read_inputs", "read_records", "record_item"]

Item = tuple[Record, Article] | RecordError
RawItem = Record | RecordError

_FALLBACK_ENCODING = "cp1252"


def _missing_field(fields: dict[str, Any]) -> str | None:
    for name in ("id", "text"):
        if fields.get(name) is None:
            found = ", ".join(map(str, fields)) or "none"
            rid = f" in {fields['id']!r}" if name == "text" else ""
            return f"missing field {name!r}{rid} (fields found: {found})"
    return None


def record_item(record: Record, max_chars: int) -> Item:
    """The article of a record, or the error that rejects it."""
    fields = record.fields
    if not isinstance(fields, dict):
        return RecordError(record.source, record.line, None, f"expected a JSON object, got {type(fields).__name__}")
    missing = _missing_field(fields)
    rid = fields.get("id")
    if missing:
        return RecordError(record.source, record.line, None if rid is None else str(rid), missing)
    try:
        if record.ignored:
            fields = {k: v for k, v in fields.items() if k not in record.ignored}
        if isinstance(fields.get("published"), date):  # Parquet dates: read as ISO text, naive as UTC
            fields = {**fields, "published": fields["published"].isoformat()}
        return record, article_from_mapping(fields, max_chars)
    except InputError as err:
        return RecordError(record.source, record.line, None if rid is None else str(rid), str(err))


def _text_file(root: Path, path: Path, name: str) -> Iterator[RawItem]:
    rid = path.relative_to(root).as_posix()
    try:
        raw = path.read_bytes()
    except OSError as err:
        yield RecordError(name, None, rid, f"cannot be read ({err.strerror}); skipped")
        return
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        text = raw.decode(_FALLBACK_ENCODING, errors="replace")
        yield RecordError(
            name, None, rid, f"not valid UTF-8 (byte {err.start}); decoded as {_FALLBACK_ENCODING} and kept", "warning"
        )
    yield Record(name, 1, {"id": rid, "text": text})


def _describe(counts: dict[str, int]) -> str:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{n} {suffix}" for suffix, n in ranked[:5]) or "nothing"


def _folder(inp: InputFile) -> Iterator[RawItem]:
    """The folder's .txt files (any case of suffix, at any depth) in name order; broken links named."""
    root = inp.path
    found, others = 0, dict[str, int]()
    for path in sorted(root.rglob("*")):
        is_txt = path.suffix.lower() == ".txt"
        if path.is_symlink() and not path.exists():
            if is_txt:
                found += 1
                target = os.readlink(path)
                yield RecordError(str(path), None, None, f"broken symbolic link (to {target}); skipped")
        elif not path.is_file():
            continue
        elif is_txt:
            found += 1
            yield from _text_file(root, path, str(path))
        else:
            suffix = path.suffix.lower() or "(no suffix)"
            others[suffix] = others.get(suffix, 0) + 1
    if not found:
        yield file_error(inp, f"no .txt files in this folder (found {_describe(others)}); {_FOLDER_HINT}")


_FOLDER_HINT = "give a folder of .txt files, or the articles as .jsonl, .csv or .parquet"


def _one_input(inp: InputFile) -> Iterator[RawItem]:
    if inp.kind == "folder":
        return _folder(inp)
    if inp.kind == "txt":
        return _text_file(inp.path.parent, inp.path, inp.name)
    return read_table(inp)


def input_records(inp: InputFile, items: Iterator[RawItem] | None = None) -> Iterator[RawItem]:
    """The input's records (or `items`, a part of them); an OSError while reading (a disk error, a
    file removed) ends the file with one error, keeping what was read before it."""
    last = 0
    try:
        for item in items if items is not None else _one_input(inp):
            last = item.line or last
            yield item
    except OSError as err:
        yield RecordError(inp.name, last + 1 if last else None, None, f"read failed ({err}); rest of file skipped")


def read_records(inputs: Iterable[Path | str | InputFile], max_chars: int = 1_000_000) -> Iterator[Item]:
    """(record, article) of every good record and a RecordError for every bad one, in input order.

    Inputs given as paths are checked and opened here (stdin and FIFOs spooled until the reading ends).
    """
    with open_inputs(inputs) as files:
        seen: dict[str, str] = {}
        for inp in files:
            for raw in input_records(inp):
                if isinstance(raw, RecordError):
                    yield raw
                    continue
                item = record_item(raw, max_chars)
                if isinstance(item, tuple):
                    article = item[1]
                    if article.id in seen:
                        first = seen[article.id]
                        item = RecordError(
                            raw.source, raw.line, article.id, f"duplicate id {article.id!r} (first in {first}); skipped"
                        )
                    else:
                        seen[article.id] = raw.source
                yield item


def read_inputs(paths: Iterable[Path | str | InputFile], max_chars: int = 1_000_000) -> Iterator[Article | RecordError]:
    """Articles and RecordErrors from every input, in order; a duplicate id is an error, not a record."""
    for item in read_records(paths, max_chars):
        yield item[1] if isinstance(item, tuple) else item
