"""Write outputs atomically (to a temporary file beside the target, then renamed), into folders checked first."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable
from itertools import chain
from pathlib import Path
from typing import IO, Any, cast

import orjson

from dedup.errors import ConfigError, InputError

__all__ = ["RECORD_SUFFIXES", "check_out_dir", "check_out_file", "write_json", "write_jsonl", "write_records"]


def write_jsonl(path: Path, rows: Iterable[Any]) -> int:
    """Write one JSON object per line; returns the number of lines."""
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with tmp.open("wb") as fh:
        for row in rows:
            fh.write(orjson.dumps(row))
            fh.write(b"\n")
            count += 1
    os.replace(tmp, path)
    return count


def write_json(path: Path, value: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(orjson.dumps(value, option=orjson.OPT_INDENT_2))
    os.replace(tmp, path)


def check_out_dir(path: Path) -> None:
    """Make the output folder (or check the existing one) before any work; ConfigError if it cannot be
    used, naming the reason: a scan must not run for an hour and then find it cannot write."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"--out {path}: is a file, not a folder; give a folder for the outputs")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise ConfigError(f"--out {path}: cannot write there ({err.strerror or err})") from err


def check_out_file(path: Path, suffixes: tuple[str, ...]) -> None:
    """Check an output file's type by suffix and that its folder can be written, before any work."""
    if path.is_dir():
        raise ConfigError(f"--out {path}: is a folder; give a file name")
    if not path.name.lower().endswith(suffixes):
        raise ConfigError(f"--out {path}: give a file ending in {', '.join(suffixes)}")
    check_out_dir(path.parent if str(path.parent) else Path("."))


RECORD_SUFFIXES = (".jsonl", ".jsonl.gz", ".parquet")


def _json_default(value: Any) -> Any:
    """JSON for the values Parquet may hold that JSON has no type for (decimals, bytes, ...)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _write_json_records(fh: IO[bytes], rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    for row in rows:
        fh.write(orjson.dumps(row, default=_json_default, option=orjson.OPT_NON_STR_KEYS))
        fh.write(b"\n")
        count += 1
    return count


def _columns(rows: list[dict[str, Any]], names: list[str] | None) -> dict[str, list[Any]]:
    """Rows as columns: `names`, or every field of any row in first-seen order (pyarrow's
    from_pylist would take the first row's fields only, and drop the others')."""
    if names is None:
        names = list(dict.fromkeys(chain.from_iterable(rows)))
    elif not set(chain.from_iterable(rows)) <= set(names):
        extra = sorted(set(chain.from_iterable(rows)) - set(names))
        raise InputError(f"later records have fields the first ones lack ({', '.join(extra)}); write .jsonl instead")
    return {name: [row.get(name) for row in rows] for name in names}


def _write_parquet_records(path: Path, rows: Iterable[dict[str, Any]], batch: int = 4096) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer: Any = None
    count, chunk = 0, list[dict[str, Any]]()
    try:
        for row in chain(rows, [None]):
            if row is not None:
                chunk.append(row)
            if chunk and (row is None or len(chunk) == batch):
                if writer is None:
                    table = pa.table(_columns(chunk, None))
                    writer = pq.ParquetWriter(path, table.schema)
                else:
                    table = pa.table(_columns(chunk, writer.schema.names)).cast(writer.schema)
                writer.write_table(table)
                count, chunk = count + len(chunk), []
    except (pa.ArrowException, ValueError, TypeError) as err:
        raise InputError(f"the records do not fit one Parquet schema ({err}); write .jsonl instead") from err
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        pq.write_table(pa.table({}), path)
    return count


def write_records(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write records to .jsonl, .jsonl.gz or .parquet (by suffix), atomically; returns how many.

    Nothing is left at `path` if writing fails (the rows may raise InputError part way)."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        if path.name.lower().endswith(".parquet"):
            count = _write_parquet_records(tmp, rows)
        else:
            with gzip.open(tmp, "wb") if path.name.lower().endswith(".gz") else tmp.open("wb") as fh:
                count = _write_json_records(cast(IO[bytes], fh), rows)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return count
