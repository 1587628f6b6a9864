"""The table formats: JSON lines, CSV and Parquet, read record by record.

JSON lines may be read by byte range (`jsonl_range`), so that workers can each read a part of one
file; a line belongs to the range holding its first byte.
"""

from __future__ import annotations

import csv
import io
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import orjson

from dedup.io.records import Record, RecordError, file_error
from dedup.io.sources import InputFile, open_binary

__all__ = [
    "DELIMITERS",
    "LineCount",
    "detect_delimiter",
    "jsonl_range",
    "jsonl_record_at",
    "parquet_groups",
    "read_table",
]

DELIMITERS = (",", ";", "\t", "|")
_BOMS = {b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16", b"\x00\x00\xfe\xff": "UTF-32"}
_REQUIRED = ("id", "text")
# What a compressed stream raises when it is corrupt or cut short.
_BROKEN = (EOFError, zlib.error, OSError)
_DATE_TYPES = ("string", "large_string", "timestamp", "date32", "date64", "null")


def _utf16(head: bytes) -> str | None:
    return next((name for bom, name in _BOMS.items() if head.startswith(bom)), None)


def _bad_utf8_reason(raw: bytes) -> str | None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"not valid UTF-8 (byte 0x{raw[err.start]:02X} at column {err.start + 1})"
    return None


def _jsonl_lines(fh: IO[bytes], start: int, end: int | None) -> Iterator[tuple[int, bytes, int]]:
    """(line number counted from the range's first line, bytes, offset) of each line starting in [start, end)."""
    pos = 0
    if start > 0:
        fh.seek(start - 1)
        pos = start - 1 + len(fh.readline())  # the rest of a line begun before the range
    for number, raw in enumerate(fh, start=1):
        if end is not None and pos >= end:
            return
        yield number, raw, pos
        pos += len(raw)


@dataclass
class LineCount:
    """Lines a range read, known once it is read (for numbering the lines of the ranges after it)."""

    lines: int = 0


def jsonl_range(
    inp: InputFile, start: int = 0, end: int | None = None, count: LineCount | None = None
) -> Iterator[Record | RecordError]:
    """Records of the lines starting in [start, end) of a JSON-lines file (the whole file by default);
    line numbers count from the range's first line; `count` learns how many lines the range held."""
    number = 0
    count = count if count is not None else LineCount()
    with open_binary(inp) as fh:
        try:
            for number, raw, at in _jsonl_lines(fh, start, end):
                if number == 1 and start == 0:
                    if encoding := _utf16(raw):
                        yield file_error(inp, f"the file is {encoding}; save it as UTF-8")
                        return
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                if raw.strip():
                    yield _json_record(inp.name, number, raw, at)
        except _BROKEN as err:
            yield RecordError(inp.name, number + 1, None, f"compressed data is corrupt ({err}); rest of file skipped")
    count.lines = number
    if number == 0 and start == 0:
        yield file_error(inp, "empty file: no records", "warning")


def _json_record(source: str, number: int | None, raw: bytes, at: int | None = None) -> Record | RecordError:
    try:
        return Record(source, number, orjson.loads(raw), offset=at)
    except orjson.JSONDecodeError as err:
        reason = _bad_utf8_reason(raw) or f"malformed JSON ({err})"
        return RecordError(source, number, None, f"{reason}; line skipped")


def jsonl_record_at(inp: InputFile, offsets: Sequence[int]) -> Iterator[Record | RecordError]:
    """The records of a JSON-lines file (uncompressed) starting at these byte offsets, read directly
    (`Record.offset` of an earlier reading); line numbers are not known here."""
    with inp.path.open("rb") as fh:
        for at in offsets:
            fh.seek(at)
            raw = fh.readline()
            yield _json_record(inp.name, None, raw.removeprefix(b"\xef\xbb\xbf") if at == 0 else raw, at)


def detect_delimiter(header: str, tab_first: bool = False) -> tuple[str, list[str]]:
    """(delimiter, columns) of a CSV header line: the delimiter that yields the `id` and `text`
    columns, else the one that yields the most columns (comma on a tie)."""
    order = ("\t", ",", ";", "|") if tab_first else DELIMITERS
    split = {d: next(csv.reader([header], delimiter=d), []) for d in order}
    for d in order:
        if all(c in split[d] for c in _REQUIRED):
            return d, split[d]
    best = max(order, key=lambda d: len(split[d]))
    return best, split[best]


def _delimiter_name(d: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(d, repr(d))


def _csv_header(inp: InputFile, text: IO[str]) -> tuple[str, list[str]] | RecordError:
    header = text.readline().rstrip("\r\n")
    if not header.strip():
        return file_error(inp, "empty file: no header line", "warning")
    if inp.delimiter is not None:
        delimiter, columns = inp.delimiter, next(csv.reader([header], delimiter=inp.delimiter))
    else:
        delimiter, columns = detect_delimiter(header, inp.tab_separated)
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        need = " and ".join(f"a {c!r} column" for c in missing)
        how = "named with --delimiter" if inp.delimiter is not None else "detected; name another with --delimiter"
        return file_error(
            inp,
            f"no {need.removeprefix('a ')}; columns found: {', '.join(columns)} "
            f"(split at {_delimiter_name(delimiter)}, {how}); rename the columns to id and text",
        )
    return delimiter, columns


def _csv_row(inp: InputFile, line: int, columns: list[str], row: list[str]) -> Record | RecordError:
    if len(row) > len(columns):
        return RecordError(
            inp.name, line, None, f"{len(row)} fields where the header has {len(columns)} (unbalanced quotes?); skipped"
        )
    for name, value in zip(columns, row, strict=False):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            byte = ord(value[err.start]) - 0xDC00
            return RecordError(inp.name, line, None, f"not valid UTF-8 (byte 0x{byte:02X} in column {name!r}); skipped")
    return Record(inp.name, line, dict(zip(columns, row, strict=False)))


def _csv(inp: InputFile) -> Iterator[Record | RecordError]:
    """Rows decoded one at a time: an undecodable byte rejects its row alone (bytes that are not UTF-8
    are carried through the csv module as lone surrogates, then found per row)."""
    csv.field_size_limit(sys.maxsize)
    with open_binary(inp) as raw:
        if encoding := _utf16(raw.read(4)):
            yield file_error(inp, f"the file is {encoding}; save it as UTF-8")
            return
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        header = _csv_header(inp, text)
        if isinstance(header, RecordError):
            yield header
            return
        delimiter, columns = header
        yield from _csv_rows(inp, csv.reader(text, delimiter=delimiter), columns)


def _csv_rows(inp: InputFile, reader: Any, columns: list[str]) -> Iterator[Record | RecordError]:
    done, rows = 0, 0  # lines read after the header line
    while True:
        try:
            row = next(reader, None)
        except csv.Error as err:
            if reader.line_num == done:
                break  # nothing more could be read
            yield RecordError(inp.name, done + 2, None, f"malformed CSV ({err}); skipped")
            done = reader.line_num
            continue
        except _BROKEN as err:
            yield RecordError(inp.name, done + 2, None, f"compressed data is corrupt ({err}); rest of file skipped")
            return
        if row is None:
            break
        line, done = done + 2, reader.line_num
        if row and any(field.strip() for field in row):
            rows += 1
            yield _csv_row(inp, line, columns, row)
    if not rows:
        yield file_error(inp, "no rows after the header", "warning")


def _parquet_checks(inp: InputFile, schema: Any) -> tuple[list[RecordError], tuple[str, ...]]:
    """File-level errors of a Parquet schema, and the fields the articles do not read."""
    names = schema.names
    missing = [c for c in _REQUIRED if c not in names]
    if missing:
        need = " and ".join(repr(c) for c in missing)
        return [file_error(inp, f"no {need} column; columns found: {', '.join(names)}; rename them to id and text")], ()
    text_type = str(schema.field("text").type)
    if text_type not in ("string", "large_string"):
        return [file_error(inp, f"the text column holds {text_type}, not strings")], ()
    if "published" in names:
        kind = str(schema.field("published").type)
        if not kind.startswith(_DATE_TYPES):
            reason = f"published column holds {kind}, not dates or ISO 8601 strings; dates ignored, records kept"
            return [file_error(inp, reason, "warning")], ("published",)
    return [], ()


def parquet_groups(inp: InputFile, groups: Sequence[int] | None = None) -> Iterator[Record | RecordError]:
    """Records of some row groups of a Parquet file (all by default); rows are numbered in the whole
    file, and the file's own problems are reported with its first row group only."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if groups is None:
        yield from _parquet(inp)
        return
    try:
        table = pq.ParquetFile(inp.path)
        checks, ignored = _parquet_checks(inp, table.schema_arrow)
        number = sum(table.metadata.row_group(g).num_rows for g in range(groups[0])) if groups else 0
    except (pa.ArrowException, OSError, ValueError) as err:
        if not groups or groups[0] == 0:
            yield file_error(inp, f"not a readable Parquet file ({err})")
        return
    if groups and groups[0] == 0:
        yield from checks
    if checks and not ignored:
        return
    yield from _parquet_rows(inp, table.iter_batches(batch_size=4096, row_groups=list(groups)), ignored, number)


def _parquet_rows(
    inp: InputFile, batches: Any, ignored: tuple[str, ...], number: int
) -> Iterator[Record | RecordError]:
    import pyarrow as pa

    try:
        for batch in batches:
            for row in batch.to_pylist():
                number += 1
                yield Record(inp.name, number, row, ignored)
    except (pa.ArrowException, OSError, ValueError) as err:
        yield RecordError(inp.name, number + 1, None, f"rows from here on unreadable ({err}); rest of file skipped")


def _parquet(inp: InputFile) -> Iterator[Record | RecordError]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if inp.compressed:
        yield file_error(inp, "a compressed Parquet file; Parquet compresses itself, give the .parquet file")
        return
    try:
        table = pq.ParquetFile(inp.path)
        checks, ignored = _parquet_checks(inp, table.schema_arrow)
    except (pa.ArrowException, OSError, ValueError) as err:
        yield file_error(inp, f"not a readable Parquet file ({err})")
        return
    yield from checks
    if checks and not ignored:
        return
    yield from _parquet_rows(inp, table.iter_batches(batch_size=4096), ignored, 0)


def read_table(inp: InputFile) -> Iterator[Record | RecordError]:
    """Records of a JSON-lines, CSV or Parquet input."""
    if inp.kind == "jsonl":
        return jsonl_range(inp)
    if inp.kind == "csv":
        return _csv(inp)
    if inp.kind == "parquet":
        return _parquet(inp)
    raise ValueError(f"not a table input: {inp.kind}")
