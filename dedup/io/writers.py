"""Write JSON lines atomically: to a temporary file beside the target, then renamed."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

__all__ = ["write_json", "write_jsonl"]


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
