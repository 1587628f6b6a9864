"""Snapshots of an index's in-memory tables, so that a restart loads them instead of re-signing every article.

A snapshot is one uncompressed `.npz` file: the band tables, ids and deletion marks as arrays,
and a JSON header naming the store it belongs to (`Store.identity`), the log position it reflects, and a
fingerprint of the configuration that made it. An index opening over a store loads a snapshot that
matches all three and replays the store's log from that position; any other is ignored (and rebuilt).
The log makes a stale snapshot (a crash since) harmless: what it lacks is replayed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from dedup.sketch.keytable import KeyTable

__all__ = [
    "FORMAT", "IdArrays", "Snapshot", "pack_tables", "read_snapshot", "settings_fingerprint", "unpack_tables",
    "write_snapshot",
]  # fmt: skip

FORMAT = 5  # 2: no IDF counts; 3: the rewrite path's sketches and facts; 4: publication times; 5: term holders


@dataclass
class Snapshot:
    """What a snapshot holds: its header (`store`, `cursor`, `fingerprint`, ...) and named arrays."""

    header: dict[str, Any]
    arrays: dict[str, np.ndarray]


# An index's ids: UTF-8 buffer, end offsets, hashes and deletion marks, one entry per item.
IdArrays = tuple[bytearray, "array[int]", "array[int]", bytearray]


def pack_tables(tables: dict[str, KeyTable], ids: IdArrays) -> dict[str, np.ndarray]:
    """An index's tables as named arrays: the runs by reference (never changed in place), the rest copied."""
    id_bytes, id_ends, id_hashes, dead = ids
    arrays: dict[str, np.ndarray] = {
        "ids.bytes": np.frombuffer(bytes(id_bytes), dtype=np.uint8),
        "ids.ends": np.array(id_ends, dtype=np.uint64),
        "ids.hashes": np.array(id_hashes, dtype=np.uint64),
        "ids.dead": np.frombuffer(bytes(dead), dtype=np.uint8),
    }
    for name, table in tables.items():
        arrays.update({f"{name}/{key}": value for key, value in table.state().items()})
    return arrays


def unpack_tables(arrays: dict[str, np.ndarray], like: dict[str, KeyTable]) -> tuple[dict[str, KeyTable], IdArrays]:
    """The tables `pack_tables` gave (shaped as `like`), and the ids."""
    tables = {}
    for name, table in like.items():
        prefix = f"{name}/"
        state = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
        tables[name] = KeyTable.from_state(table.key_bits, state)
    ids = (
        bytearray(arrays["ids.bytes"].tobytes()),
        array("Q", arrays["ids.ends"].tobytes()),
        array("Q", arrays["ids.hashes"].tobytes()),
        bytearray(arrays["ids.dead"].tobytes()),
    )
    return tables, ids


def settings_fingerprint(*parts: object) -> str:
    """A short hash of what decides the tables' content (configuration, bands, format)."""
    return hashlib.sha256(repr((FORMAT, *parts)).encode()).hexdigest()[:16]


def write_snapshot(path: str | Path, snapshot: Snapshot) -> None:
    """Write atomically (a temporary file renamed over the old one): a reader sees the old or the new."""
    path = Path(path)
    arrays = {**snapshot.arrays, "header": np.frombuffer(orjson.dumps(snapshot.header), dtype=np.uint8)}
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, allow_pickle=False, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_snapshot(path: str | Path) -> Snapshot | None:
    """The snapshot at `path`, or None if there is none or it cannot be read (it is then rebuilt)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):
        return None
    header = arrays.pop("header", None)
    if header is None:
        return None
    return Snapshot(orjson.loads(header.tobytes()), arrays)
