"""Real servers for tests: `dedup serve` (uvicorn) on a free loopback port, and made-up articles to fill it."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks.data.archive import ParagraphPool, generate
from tests.conftest import ROOT, free_port

__all__ = ["Server", "made_up_articles", "serve", "wait_ready"]


def made_up_articles(n: int, out: Path, seed: int = 5) -> list[dict[str, Any]]:
    """`n` articles of made-up words (no corpus text), from the archive generator with no planted copies."""
    rng = random.Random(seed)
    words = [f"{rng.choice('bcdfgklmnprst')}{rng.choice('aeiou')}{rng.choice('lmnrst')}{i}" for i in range(3000)]
    paragraphs = (" ".join(rng.choice(words) for _ in range(rng.randint(10, 18))) + "." for _ in range(2000))
    generate(ParagraphPool.from_paragraphs(paragraphs), n, seed=seed, out=out, rate=0.0, window=50)
    return [orjson.loads(line) for line in out.read_bytes().splitlines()]


@dataclass
class Server:
    """A running `dedup serve`: its base URL, process and log file."""

    base: str
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, then wait (kill after `timeout`); the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return int(self.proc.returncode)


def wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 120.0) -> None:
    """Until /readyz answers 200 (the index is loaded); RuntimeError with the log if the server dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server not ready after {timeout} s:\n{log.read_text()}")


@contextmanager
def serve(store: str, log: Path, workers: int = 1, port: int | None = None, **env: str) -> Iterator[Server]:
    """`dedup serve --store STORE --workers N` with extra DEDUP_* variables; stopped with SIGTERM afterwards."""
    port = port or free_port()
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **{f"DEDUP_{k.upper()}": v for k, v in env.items()}}
    args = [sys.executable, "-m", "dedup.cli", "serve", "--store", store, "--workers", str(workers)]
    args += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log.open("ab") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", proc, log)
    try:
        wait_ready(server.base, proc, log)
        yield server
    finally:
        server.stop()
