"""Every bad input a new user tried, run through the real command: its one-line message, its exit code,
the records kept, and never a traceback."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import SEEDS, read_jsonl

STORY = (SEEDS / "001_fe0d8d68da39db2e.txt").read_text(encoding="utf-8")
ROWS = [(f"r{i}", f"Story number {i}. " + STORY[i * 200 : i * 200 + 600]) for i in range(5)]
MANY = [(f"m{i}", f"Item {i}: " + STORY[(i * 37) % 900 :][:400]) for i in range(400)]


def _csv(rows: list[tuple[str, str]], delimiter: str = ",", header: str = "id,text") -> str:
    quoted = [delimiter.join([rid, '"' + text.replace('"', '""') + '"']) for rid, text in rows]
    return "\n".join([header.replace(",", delimiter), *quoted]) + "\n"


def _jsonl(rows: list[tuple[str, str]]) -> str:
    return "".join(json.dumps({"id": rid, "text": text}) + "\n" for rid, text in rows)


@dataclass(frozen=True)
class Case:
    """A bad input: `make(tmp)` writes it and returns the command's arguments after `scan`, and its stdin."""

    name: str
    make: Callable[[Path], tuple[list[str], bytes | None]]
    code: int
    message: str  # found in stderr, on one line
    kept: int | None  # articles in summary.json; None: the scan must not have run
    rejected: int | None = None
    max_lines: int = 3  # lines on stderr at most


def _file(name: str, data: str | bytes) -> Callable[[Path], tuple[list[str], bytes | None]]:
    def make(tmp: Path) -> tuple[list[str], bytes | None]:
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        return [str(path)], None

    return make


def _bad_byte_in_last_row() -> bytes:
    data = _csv(ROWS).encode()
    return data[:-20] + b"\xe9" + data[-19:]


# The line the last row starts on (the texts hold line breaks): the error must name it.
LAST_ROW_LINE = _csv(ROWS).count("\n") - _csv(ROWS[-1:]).count("\n") + 2


def _parquet(name: str, published: list[object] | None = None, corrupt: bool = False) -> Callable:
    def make(tmp: Path) -> tuple[list[str], bytes | None]:
        path = tmp / name
        if corrupt:
            path.write_bytes(b"PAR1" + os.urandom(200) + b"PAR1")
        else:
            columns: dict[str, list[object]] = {"id": [r for r, _ in ROWS], "text": [t for _, t in ROWS]}
            if published is not None:
                columns["published"] = published
            pq.write_table(pa.table(columns), path)
        return [str(path)], None

    return make


def _corrupt_parquet_beside_good_jsonl(tmp: Path) -> tuple[list[str], bytes | None]:
    (bad,), _ = _parquet("broken.parquet", corrupt=True)(tmp)
    (good,), _ = _file("good.jsonl", _jsonl(ROWS))(tmp)
    return [bad, good], None


def _out_is_a_file(tmp: Path) -> tuple[list[str], bytes | None]:
    (tmp / "taken").write_text("x")
    return [str(SEEDS), "--out", str(tmp / "taken")], None


def _out_cannot_be_made(tmp: Path) -> tuple[list[str], bytes | None]:
    (tmp / "taken").write_text("x")
    return [str(SEEDS), "--out", str(tmp / "taken" / "sub")], None


def _folder(files: dict[str, str]) -> Callable[[Path], tuple[list[str], bytes | None]]:
    def make(tmp: Path) -> tuple[list[str], bytes | None]:
        folder = tmp / "folder"
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text)
        return [str(folder)], None

    return make


def _broken_symlink(tmp: Path) -> tuple[list[str], bytes | None]:
    (folder,), _ = _folder({"good.txt": STORY})(tmp)
    os.symlink(tmp / "gone.txt", Path(folder) / "bad.txt")
    return [folder], None


def _gzip(name: str, text: str, cut: int = 0) -> Callable[[Path], tuple[list[str], bytes | None]]:
    data = gzip.compress(text.encode())
    return _file(name, data[: len(data) - cut] if cut else data)


def _whole_lines_before_cut(text: str, cut: int) -> int:
    data = gzip.compress(text.encode())
    return zlib.decompressobj(31).decompress(data[: len(data) - cut]).count(b"\n")


def _stdin(text: str) -> Callable[[Path], tuple[list[str], bytes | None]]:
    return lambda tmp: (["-"], text.encode())


def _fifo_without_writer(tmp: Path) -> tuple[list[str], bytes | None]:
    os.mkfifo(tmp / "pipe.jsonl")
    return [str(tmp / "pipe.jsonl"), "--input-timeout", "0.5"], None


def _long_path(tmp: Path) -> tuple[list[str], bytes | None]:
    deep = tmp / ("a-rather-long-folder-name-" * 4) / ("and-another-one-" * 4)
    return _file("body.csv", _csv(ROWS, header="id,body"))(deep)


CASES = [
    Case("csv bad byte in last row", _file("in.csv", _bad_byte_in_last_row()), 0,
         f"in.csv:{LAST_ROW_LINE}: not valid UTF-8 (byte 0xE9 in column 'text')", 4, 1),
    Case("out names a file", _out_is_a_file, 2, "is a file, not a folder", None),
    Case("out cannot be made", _out_cannot_be_made, 2, "cannot write there", None),
    Case("corrupt parquet", _parquet("in.parquet", corrupt=True), 1, "not a readable Parquet file", 0),
    Case("corrupt parquet beside good jsonl", _corrupt_parquet_beside_good_jsonl, 0, "not a readable Parquet", 5),
    Case("parquet integer dates", _parquet("in.parquet", [1, 2, 3, 4, 5]), 0, "published column holds int64", 5, 0),
    Case("csv text column named body", _file("in.csv", _csv(ROWS, header="id,body")), 1, "columns found: id, body", 0),
    Case("csv separated by ;", _file("in.csv", _csv(ROWS, ";")), 0, "", 5, 0),
    Case("csv by ; without text", _file("in.csv", _csv(ROWS, ";", "id,body")), 1, "split at semicolon", 0),
    Case("csv by tab named .tsv", _file("in.tsv", _csv(ROWS, "\t")), 0, "", 5, 0),
    Case("empty input", _file("in.jsonl", ""), 1, "no articles in the inputs", 0),
    Case("folder of html", _folder({"a.html": "<p>x</p>", "b.html": "<p>y</p>"}), 1, "no .txt files", 0),
    Case("folder of .TXT", _folder({"A.TXT": STORY, "b.Txt": STORY.upper()}), 0, "", 2, 0),
    Case("message not wrapped when piped", _long_path, 1, "and-another-one-and-another-one-", 0),
    Case("jsonl.gz", _gzip("in.jsonl.gz", _jsonl(ROWS)), 0, "", 5, 0),
    Case("csv.gz", _gzip("in.csv.gz", _csv(ROWS)), 0, "", 5, 0),
    Case("truncated jsonl.gz", _gzip("in.jsonl.gz", _jsonl(MANY), cut=300), 0, "compressed data is corrupt",
         _whole_lines_before_cut(_jsonl(MANY), 300), 1),
    Case("jsonl on stdin", _stdin(_jsonl(ROWS)), 0, "", 5, 0),
    Case("csv on stdin", _stdin(_csv(ROWS, ";")), 0, "", 5, 0),
    Case("fifo with no writer", _fifo_without_writer, 1, "nothing was written to this FIFO within 0.5 s", None),
    Case("broken .txt symlink in a folder", _broken_symlink, 0, "broken symbolic link", 1, 1),
    Case("missing input", lambda tmp: ([str(tmp / "nope.jsonl")], None), 1, "no such file or folder", None),
    Case("unknown input type", _file("in.docx", "x"), 1, "unknown input type", None),
    Case("jsonl bad byte", _file("in.jsonl", _jsonl(ROWS[:2]).encode() + b'{"id": "x", "text": "caf\xe9"}\n' +
         _jsonl(ROWS[2:]).encode()), 0, "in.jsonl:3: not valid UTF-8 (byte 0xE9", 5, 1),
    Case("jsonl without text", _file("in.jsonl", _jsonl(ROWS * 0) + "".join(
        json.dumps({"id": f"b{i}", "body": "x"}) + "\n" for i in range(40))), 1, "fields found: id, body", 0, 40, 13),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    args, stdin = case.make(tmp_path)
    if "--out" not in args:
        args += ["--out", str(tmp_path / "out")]
    run = subprocess.run(
        [sys.executable, "-m", "dedup.cli", "scan", *args, "-q"],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "60"},
    )
    stderr = run.stderr.decode()
    assert run.returncode == case.code, stderr
    assert "Traceback" not in stderr and "internal error" not in stderr
    assert any(case.message in line for line in stderr.splitlines()) if case.message else not stderr.strip(), stderr
    assert len(stderr.splitlines()) <= case.max_lines, stderr
    summary_path = tmp_path / "out" / "summary.json"
    if case.kept is None:
        assert not summary_path.exists()
        return
    summary = json.loads(summary_path.read_text())
    assert summary["articles"] == case.kept
    if case.rejected is not None:
        assert summary["rejected"] == case.rejected
        errors = read_jsonl(tmp_path / "out" / "errors.jsonl")
        assert len([e for e in errors if e["severity"] == "error"]) == case.rejected
