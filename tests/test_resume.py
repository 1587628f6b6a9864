"""Resumable scans: killed in the verify stage, the same command goes on and ends byte-identical;
another input or configuration starts afresh and says so. And progress on stderr."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from dedup.io.progress import ConsoleProgress
from tests.conftest import made_up_archive

OUTPUTS = ("relations.jsonl", "repeats.jsonl", "clusters.jsonl", "errors.jsonl", "report.html")


def _scan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dedup.cli", "scan", *args, "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return made_up_archive(tmp_path_factory.mktemp("resume") / "archive.jsonl", 3000, rate=0.3)


def _stages(out: Path) -> dict[str, object]:
    try:
        return dict(json.loads((out / "manifest.json").read_text())["stages"])
    except (OSError, ValueError, KeyError):
        return {}


def _kill_in_verify(archive: Path, out: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "dedup.cli", "scan", str(archive), "--out", str(out), "--workers", "2", "-q"],
        start_new_session=True,  # its worker processes die with it
    )
    deadline = time.monotonic() + 120
    while "candidates" not in _stages(out) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def test_killed_in_verify_resumes_to_byte_identical_outputs(archive: Path, tmp_path: Path) -> None:
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    assert _scan(str(archive), "--out", str(whole), "-q").returncode == 0
    _kill_in_verify(archive, resumed)
    assert set(_stages(resumed)) == {"sign", "candidates"}, "killed after verify: the archive is too small"
    assert not (resumed / "relations.jsonl").exists()
    run = _scan(str(archive), "--out", str(resumed))
    assert run.returncode == 0, run.stderr
    assert "sign: resumed" in run.stderr and "candidates: resumed" in run.stderr
    for name in OUTPUTS:
        assert (resumed / name).read_bytes() == (whole / name).read_bytes(), name
    timing = ("seconds", "timings_us_per_article")
    summaries = [
        {k: v for k, v in json.loads((d / "summary.json").read_text()).items() if k not in timing}
        for d in (whole, resumed)
    ]
    assert summaries[0] == summaries[1] and summaries[0]["relations"]["copy"] > 0
    assert not (resumed / "stages").exists() and json.loads((resumed / "manifest.json").read_text())["complete"]


def test_a_finished_scan_is_not_redone_unless_asked(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _scan(str(archive), "--out", str(out), "-q").returncode == 0
    before = (out / "relations.jsonl").stat().st_mtime_ns
    again = _scan(str(archive), "--out", str(out))
    assert again.returncode == 0 and "nothing to do" in again.stderr
    assert (out / "relations.jsonl").stat().st_mtime_ns == before
    restarted = _scan(str(archive), "--out", str(out), "--restart")
    assert "--restart: starting afresh" in restarted.stderr
    assert (out / "relations.jsonl").stat().st_mtime_ns != before


def test_changed_input_or_configuration_starts_afresh(archive: Path, tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    lines = archive.read_text(encoding="utf-8").splitlines(keepends=True)
    data.write_text("".join(lines[:400]), encoding="utf-8")
    out = tmp_path / "out"
    assert _scan(str(data), "--out", str(out), "-q").returncode == 0
    data.write_text("".join(lines[:500]), encoding="utf-8")
    run = _scan(str(data), "--out", str(out))
    assert run.returncode == 0 and "the inputs changed: starting afresh" in run.stderr
    assert json.loads((out / "summary.json").read_text())["articles"] == 500
    run = _scan(str(data), "--out", str(out), "--max-chars", "50000")
    assert "the configuration changed: starting afresh" in run.stderr


def test_progress_lines_with_totals_and_time_left() -> None:
    sink = io.StringIO()
    with ConsoleProgress(Console(file=sink, width=200), every=0.0) as progress:
        progress.expect("sign", 40)
        progress.start("sign", None)
        progress.advance(10)
        progress.start("verify", 8)
        progress.advance(2)
        progress.start("candidates", None)
    lines = sink.getvalue().splitlines()
    assert lines[0].startswith("sign: 10/40 articles (25%) in ") and "left" in lines[0]
    assert any(line.startswith("verify: 2/8 pairs (25%)") for line in lines)
    assert any(line.startswith("verify: 2 pairs done in") for line in lines)
    quiet = io.StringIO()
    with ConsoleProgress(Console(file=quiet), quiet=True, every=0.0) as progress:
        progress.start("verify", 8)
        progress.advance(8)
        progress.note("resumed")
    assert quiet.getvalue() == ""


def test_a_dask_scan_killed_in_verify_resumes_to_the_same_outputs(archive: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    assert _scan(str(archive), "--out", str(whole), "-q").returncode == 0
    cmd = [sys.executable, "-m", "dedup.cli", "scan", str(archive), "--out", str(resumed), "--engine", "dask", "-q"]
    proc = subprocess.Popen([*cmd, "--workers", "2"], start_new_session=True)
    deadline = time.monotonic() + 120
    while "dask-candidates" not in _stages(resumed) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert set(_stages(resumed)) == {"dask-candidates"}
    run = subprocess.run([*cmd[:-1], "--workers", "2"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "dask-candidates: resumed" in run.stderr
    for name in OUTPUTS:
        assert (resumed / name).read_bytes() == (whole / name).read_bytes(), name
