"""Write outputs atomically (to a temporary file beside the target, then renamed), into folders checked first."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from dedup.errors import ConfigError

__all__ = ["check_out_dir", "check_out_file", "write_json", "write_jsonl"]


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
    if not path.name.lower().endswith(suffixes):
        raise ConfigError(f"--out {path}: give a file ending in {', '.join(suffixes)}")
    if path.is_dir():
        raise ConfigError(f"--out {path}: is a folder; give a file name")
    check_out_dir(path.parent if str(path.parent) else Path("."))
