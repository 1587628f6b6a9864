"""The service as deployed: a real uvicorn process on a free port, over SQLite and over Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REDIS_SERVER, ROOT, SEEDS, free_port, running_redis

SEED_A, SEED_B = sorted(SEEDS.glob("*.txt"))


def _wait_for(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail(f"server not ready after {timeout} s:\n{log.read_text()}")


@contextmanager
def _serve(args: list[str], store: str, log: Path) -> Iterator[str]:
    """Run `python <args> --port P` with DEDUP_STORE=store; yield its base URL; stop it with SIGTERM."""
    port = free_port()
    env = {**os.environ, "DEDUP_STORE": store}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, *args, "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/readyz", proc, log)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    # A clean stop runs the lifespan's shutdown (the store is closed); uvicorn then exits 0 or, in
    # recent versions, re-raises the SIGTERM it handled.
    assert proc.returncode in (0, -signal.SIGTERM), log.read_text()
    assert "Application shutdown complete" in log.read_text()


def _post_seeds(base: str) -> list[dict[str, Any]]:
    with httpx.Client(base_url=base, timeout=30.0) as client:
        reports = []
        for path in (SEED_A, SEED_B):
            response = client.post("/v1/articles", json={"id": path.name, "text": path.read_text(encoding="utf-8")})
            assert response.status_code == 201, response.text
            reports.append(response.json())
        return reports


UVICORN = ["-m", "uvicorn", "--factory", "service.app:create_app"]


def test_uvicorn_over_sqlite_finds_the_seed_rewrite_and_keeps_it_across_a_restart(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'index.db'}"
    with _serve(UVICORN, store, tmp_path / "first.log") as base:
        first, second = _post_seeds(base)
        assert first["relations"] == [] and len(first["repeats"]) == 1
        assert [(r["a"], r["relation"]) for r in second["relations"]] == [(SEED_A.name, "rewrite")]
        big = {"id": "big", "text": "word " * 500_000}  # 2.5 MB: over the default limit
        response = httpx.post(f"{base}/v1/articles", json=big, timeout=30.0)
        assert response.status_code == 413 and response.json()["error"] == "BodyTooLargeError"
        latin1 = b'{"id": "x", "text": "caf\xe9"}'
        response = httpx.post(f"{base}/v1/articles", content=latin1, headers={"content-type": "application/json"})
        assert response.status_code == 400 and "UTF-8" in response.json()["detail"]
    with _serve(UVICORN, store, tmp_path / "second.log") as base:
        assert httpx.get(f"{base}/readyz").json()["articles"] == 2
        response = httpx.post(f"{base}/v1/articles", json={"id": "again", "text": SEED_B.read_text(encoding="utf-8")})
        assert (SEED_B.name, "exact") in {(r["a"], r["relation"]) for r in response.json()["relations"]}


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A real redis-server on a free loopback port, stopped afterwards."""
    pytest.importorskip("redis")
    if REDIS_SERVER is None:
        pytest.skip("redis-server not installed (scripts/test.sh installs it)")
    with running_redis(tmp_path) as url:
        yield url


def test_python_m_service_over_redis_finds_the_seed_rewrite_and_reopens(redis_url: str, tmp_path: Path) -> None:
    with _serve(["-m", "service"], redis_url, tmp_path / "first.log") as base:
        health = httpx.get(f"{base}/readyz").json()
        assert (health["status"], health["articles"], health["store"]) == ("ready", 0, "redis")
        _, second = _post_seeds(base)
        assert [(r["a"], r["relation"]) for r in second["relations"]] == [(SEED_A.name, "rewrite")]
    with _serve(["-m", "service"], redis_url, tmp_path / "second.log") as base:
        assert httpx.get(f"{base}/readyz").json()["articles"] == 2
        assert httpx.get(f"{base}/v1/articles/{SEED_A.name}").json()["text"] == SEED_A.read_text(encoding="utf-8")
        response = httpx.post(f"{base}/v1/articles", json={"id": SEED_A.name, "text": "Anything else at all."})
        assert response.status_code == 409
