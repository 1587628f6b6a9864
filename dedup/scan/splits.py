"""Splits of the inputs, each read on its own by a worker: byte ranges of JSON lines, row groups of
Parquet, and any other input whole. The client only plans them (names, offsets): it never reads
the data it hands out.

A split numbers its JSON lines from its first line; the client adds the lines of the splits before
it (`LineCount`), so every message names the line of the whole file.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from dedup.errors import InputError
from dedup.io.readers import RawItem, input_records
from dedup.io.sources import InputFile
from dedup.io.tables import LineCount, jsonl_range, parquet_groups

__all__ = ["SPLIT_BYTES", "InputSplit", "plan_splits", "split_records"]

SPLIT_BYTES = 8 << 20


@dataclass(frozen=True)
class InputSplit:
    """A part of input number `input_index`: bytes [start, end) of JSON lines, some Parquet row
    groups, or (neither) the whole input. `numbered` is False for JSON-line ranges after the first,
    whose line numbers the client shifts."""

    inp: InputFile
    input_index: int
    start: int = 0
    end: int | None = None
    groups: tuple[int, ...] | None = None

    @property
    def numbered(self) -> bool:
        return self.start == 0


def _jsonl_splits(inp: InputFile, index: int, split_bytes: int) -> list[InputSplit]:
    size = inp.path.stat().st_size
    starts = list(range(0, max(size, 1), split_bytes))
    return [InputSplit(inp, index, s, s + split_bytes if s + split_bytes < size else None) for s in starts]


def _parquet_splits(inp: InputFile, index: int, split_bytes: int) -> list[InputSplit]:
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(inp.path).metadata
    except Exception:  # unreadable: one split, whose reader reports it
        return [InputSplit(inp, index)]
    out, group, size = [], list[int](), 0
    for g in range(meta.num_row_groups):
        group.append(g)
        size += meta.row_group(g).total_byte_size
        if size >= split_bytes:
            out.append(InputSplit(inp, index, groups=tuple(group)))
            group, size = [], 0
    if group or not out:
        out.append(InputSplit(inp, index, groups=tuple(group)))
    return out


def plan_splits(files: Sequence[InputFile], split_bytes: int = SPLIT_BYTES) -> list[InputSplit]:
    """The splits of every input, in input order; paths made absolute, for workers elsewhere."""
    out: list[InputSplit] = []
    for index, given in enumerate(files):
        inp = replace(given, path=given.path.resolve())
        if inp.kind == "jsonl" and not inp.compressed:
            out += _jsonl_splits(inp, index, split_bytes)
        elif inp.kind == "parquet" and not inp.compressed:
            out += _parquet_splits(inp, index, split_bytes)
        else:
            out.append(InputSplit(inp, index))
    return out


def split_records(split: InputSplit, count: LineCount) -> Iterator[RawItem]:
    """The split's records and record errors, in order; `count` learns the lines a JSON range held.

    Raises InputError when this machine does not see the input: a worker elsewhere needs the
    inputs on storage it shares with the client, at the same path."""
    inp = split.inp
    if not inp.path.exists():
        host = socket.gethostname()
        raise InputError(f"{inp.path}: not found on worker {host}; every worker needs the inputs at the same path")
    if inp.kind == "jsonl" and not inp.compressed:
        return input_records(inp, jsonl_range(inp, split.start, split.end, count))
    if split.groups is not None:
        return input_records(inp, parquet_groups(inp, split.groups))
    return input_records(inp)
