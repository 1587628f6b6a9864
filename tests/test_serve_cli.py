"""`dedup serve` start-up: every bad setting is one line naming the variable and the fix, exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port


def _serve(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    command = [sys.executable, "-m", "dedup.cli", "serve", "--port", str(free_port()), *args]
    return subprocess.run(command, capture_output=True, text=True, env=environ, timeout=60, cwd=ROOT)


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        ((), {"DEDUP_PARAGRAPH_BANDS": "99"}, "paragraph_bands (DEDUP_PARAGRAPH_BANDS): use 1 to 25"),
        ((), {"DEDUP_MAX_BODY_BYTES": "lots"}, "max_body_bytes (DEDUP_MAX_BODY_BYTES)"),
        ((), {"DEDUP_RETENTION_DAYS": "-3"}, "retention_days (DEDUP_RETENTION_DAYS): use a positive number"),
        (("--store", "ftp://x"), {}, "store (DEDUP_STORE)"),
        (("--store", "sqlite:////nonexistent/dir/x.db"), {}, "folder of the SQLite file does not exist"),
        (("--store", "redis://127.0.0.1:1/0"), {}, "store (DEDUP_STORE): the Redis store failed"),
        (("--workers", "2"), {"DEDUP_STORE": "memory://"}, "memory:// cannot be shared by several workers"),
    ],
)
def test_a_bad_setting_is_one_line_and_exit_code_2(args: tuple[str, ...], env: dict[str, str], says: str) -> None:
    done = _serve(*args, **env)
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_missing_sqlite_folder_is_not_created(tmp_path: Path) -> None:
    target = tmp_path / "not-there" / "x.db"
    assert _serve("--store", f"sqlite:///{target}").returncode == 2
    assert not target.parent.exists()


def test_dedup_serve_help_names_its_options() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "dedup.cli", "serve", "--help"], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout
    for option in ("--host", "--port", "--store", "--workers"):
        assert option in out
