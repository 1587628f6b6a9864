"""schemathesis against the live OpenAPI document of a real server: no request it makes gets a 5xx."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.servers import serve

pytestmark = pytest.mark.slow
KEY = "schemathesis-key"


def test_generated_requests_never_get_a_server_error(tmp_path: Path) -> None:
    st = shutil.which("st") or shutil.which("schemathesis")
    if st is None:
        pytest.skip("schemathesis not installed (pip install -e '.[dev]')")
    with serve(f"sqlite:///{tmp_path / 'index.db'}", tmp_path / "server.log", api_key=KEY) as server:
        command = [
            st, "run", f"{server.base}/openapi.json", "--checks", "not_a_server_error",
            "--header", f"Authorization: Bearer {KEY}", "--max-examples", "40", "--seed", "7",
            "--request-timeout", "30", "--workers", "1",
        ]  # fmt: skip
        # Run from the temporary folder: schemathesis keeps a cache folder where it runs.
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-4000:]
    assert "generated" in report and "Server error" not in report
