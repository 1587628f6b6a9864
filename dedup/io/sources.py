"""Where input comes from: files (plain or gzip-compressed), folders of .txt files, stdin and FIFOs.

Every input is checked before any work (exists, readable, of a known type), so a typo fails at
once with one message. Stdin and FIFOs can be read only once, while a scan reads its inputs again for
verification and `dedup dedup` once more for the records it writes: they are copied to a spool file
first. A FIFO is waited on for at most `wait_seconds` for a writer, never forever.
"""

from __future__ import annotations

import gzip
import os
import select
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, cast

from dedup.errors import InputError

__all__ = ["KINDS", "STDIN", "InputFile", "Inputs", "input_kind", "open_binary", "open_inputs"]

STDIN = "-"
KINDS = ("jsonl", "csv", "parquet", "txt", "folder")
_SUFFIXES = {
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".csv": "csv", ".tsv": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".txt": "txt",
}  # fmt: skip
_KNOWN = "give .jsonl, .csv, .parquet (.jsonl.gz, .csv.gz), .txt, a folder of .txt files, or - for stdin"
_GZIP_MAGIC = b"\x1f\x8b"
_PARQUET_MAGIC = b"PAR1"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class InputFile:
    """One input as the readers see it: `path` is what is read (a spool file for stdin or a FIFO),
    `name` is how messages and errors.jsonl name it."""

    path: Path
    name: str
    kind: str
    compressed: bool = False
    delimiter: str | None = None  # CSV only: None means detected from the header line

    @property
    def tab_separated(self) -> bool:
        return self.name.lower().removesuffix(".gz").endswith(".tsv")


def input_kind(name: str) -> tuple[str, bool] | None:
    """(kind, compressed) of a file by its name, case-insensitive; None for a type not read."""
    lower = name.lower()
    compressed = lower.endswith(".gz")
    suffix = Path(lower.removesuffix(".gz")).suffix
    kind = _SUFFIXES.get(suffix)
    if kind is None or (compressed and kind == "parquet"):
        return None
    return kind, compressed


def open_binary(inp: InputFile) -> IO[bytes]:
    """The input's bytes, decompressed when it is gzip-compressed."""
    if inp.compressed:
        return cast(IO[bytes], gzip.open(inp.path, "rb"))
    return inp.path.open("rb")


def _sniff(head: bytes) -> str:
    """The kind of an uncompressed stream from its first bytes: Parquet, JSON lines or else CSV."""
    if head.startswith(_PARQUET_MAGIC):
        return "parquet"
    return "jsonl" if head.lstrip()[:1] in (b"{", b"") else "csv"


def _wait_for_writer(fd: int, name: str, wait_seconds: float) -> None:
    poll = select.poll()
    poll.register(fd, select.POLLIN | select.POLLHUP)
    if not poll.poll(max(0.0, wait_seconds) * 1000):
        raise InputError(
            f"{name}: nothing was written to this FIFO within {wait_seconds:g} s; "
            "start the writer first or raise --input-timeout"
        )


def _spool(source: IO[bytes] | int, name: str, spool_dir: Path) -> InputFile:
    """Copy a stream to a file in `spool_dir`; its kind is sniffed from its first bytes."""
    tmp = spool_dir / f"spool-{len(list(spool_dir.iterdir()))}"
    with tmp.open("wb") as out:
        if isinstance(source, int):
            while chunk := os.read(source, _CHUNK):
                out.write(chunk)
        else:
            shutil.copyfileobj(source, out, _CHUNK)
    with tmp.open("rb") as fh:
        compressed = fh.read(2) == _GZIP_MAGIC
    with gzip.open(tmp, "rb") if compressed else tmp.open("rb") as fh:
        kind = _sniff(fh.read(4096))
    path = tmp.rename(tmp.with_name(f"{tmp.name}.{kind}" + (".gz" if compressed else "")))
    return InputFile(path, name, kind, compressed)


def _spool_fifo(path: Path, spool_dir: Path, wait_seconds: float) -> InputFile:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        _wait_for_writer(fd, str(path), wait_seconds)
        os.set_blocking(fd, True)
        return _spool(fd, str(path), spool_dir)
    finally:
        os.close(fd)


def _spool_stdin(spool_dir: Path) -> InputFile:
    if sys.stdin is None or sys.stdin.isatty():
        raise InputError("-: stdin is a terminal; pipe the articles in (for example: cat articles.jsonl | dedup ...)")
    return _spool(sys.stdin.buffer, "<stdin>", spool_dir)


def _checked(path: Path) -> InputFile:
    """A regular file or folder given as input, or an InputError saying what is wrong with it."""
    if path.is_symlink() and not path.exists():
        raise InputError(f"{path}: broken symbolic link (to {os.readlink(path)})")
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        if not os.access(path, os.R_OK | os.X_OK):
            raise InputError(f"{path}: permission denied")
        return InputFile(path, str(path), "folder")
    found = input_kind(path.name)
    if found is None:
        raise InputError(f"{path}: unknown input type; {_KNOWN}")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")
    return InputFile(path, str(path), *found)


class Inputs:
    """The inputs of one run, checked, with stdin and FIFOs spooled; `close()` removes the spool."""

    def __init__(self, files: list[InputFile], spool: tempfile.TemporaryDirectory[str] | None) -> None:
        self.files = files
        self._spool = spool

    def __iter__(self) -> Iterator[InputFile]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)

    def close(self) -> None:
        if self._spool is not None:
            self._spool.cleanup()
            self._spool = None

    def __enter__(self) -> Inputs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_inputs(
    paths: Iterable[Path | str | InputFile], wait_seconds: float = 10.0, delimiter: str | None = None
) -> Inputs:
    """Check every input and spool stdin and FIFOs; raises InputError (one line) for the first bad one.

    `delimiter` is the CSV delimiter when the user names one (otherwise it is detected per file).
    """
    files: list[InputFile] = []
    spool: tempfile.TemporaryDirectory[str] | None = None
    try:
        for p in paths:
            if isinstance(p, InputFile):
                files.append(p)
                continue
            path = Path(p)
            if str(p) == STDIN or (path.exists() and stat.S_ISFIFO(path.stat().st_mode)):
                spool = spool or tempfile.TemporaryDirectory(prefix="dedup-input-")
                spooled = Path(spool.name)
                files.append(_spool_stdin(spooled) if str(p) == STDIN else _spool_fifo(path, spooled, wait_seconds))
            else:
                files.append(_checked(path))
    except BaseException:
        if spool is not None:
            spool.cleanup()
        raise
    if delimiter is not None:
        files = [replace(f, delimiter=delimiter) if f.kind in ("csv", "folder") else f for f in files]
    return Inputs(files, spool)
