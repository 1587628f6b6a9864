"""Shared fixtures: the detector, the seeds and the project's fictional articles."""

from __future__ import annotations

import ctypes
import json
import random
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dedup.detector import Detector

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpora" / "seeds"
SEED_A, SEED_B = sorted(SEEDS.glob("*.txt"))
JSON = {"content-type": "application/json"}
FICTION = ROOT / "corpora" / "fiction" / "articles.jsonl"
REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float, step: float = 0.05) -> bool:
    """Until something accepts connections on the loopback `port`, or `timeout` seconds; whether it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(step)
    return False


def seed_record(path: Path, **extra: Any) -> dict[str, Any]:
    """A seed file as the service's JSON record (id = file name), with `extra` fields."""
    return {"id": path.name, "text": path.read_text(encoding="utf-8"), **extra}


@pytest.fixture
def client() -> Iterator[Any]:
    """The service in process over an in-memory store (fastapi's TestClient)."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.settings import Settings

    with TestClient(create_app(Settings(store="memory://"))) as c:
        yield c


@contextmanager
def running_redis(work: Path, durable: bool = False, port: int | None = None) -> Iterator[str]:
    """A real redis-server on a loopback port (free unless given); its URL; stopped afterwards.

    Without persistence, or `durable`: an append-only file fsynced at every write (`appendfsync always`)."""
    assert REDIS_SERVER is not None, "redis-server is not installed (scripts/test.sh installs it)"
    port = port or free_port()
    args = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(work)]
    if durable:
        args += ["--appendonly", "yes", "--appendfsync", "always"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, 10.0)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server for the test module (each module its own, empty when it starts)."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server not installed (scripts/test.sh installs it)")
    with running_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


# struct mallinfo2 (malloc.h), every field a size_t.
_MALLINFO2_FIELDS = (
    "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
)  # fmt: skip


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in _MALLINFO2_FIELDS]


def has_mallinfo2() -> bool:
    """glibc 2.33 or later: its allocator says what it maps (`mallinfo2`)."""
    try:
        return hasattr(ctypes.CDLL("libc.so.6"), "mallinfo2")
    except OSError:
        return False


def mapped_for(size: int) -> int:
    """Bytes glibc maps from the system on their own (not from its heap) for a live array of `size` bytes."""
    info = ctypes.CDLL("libc.so.6").mallinfo2
    info.restype = _MallInfo2
    before = info().hblkhd
    held = np.ones(size, dtype=np.uint8)
    mapped = int(info().hblkhd - before)
    del held
    return mapped


@pytest.fixture(scope="session")
def detector() -> Detector:
    return Detector()


@pytest.fixture(scope="session")
def seeds() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="session")
def fiction() -> list[dict[str, Any]]:
    """The fictional corpus's first 21 articles (the eight wire stories and what was written around
    them first), whose relations these tests pin down."""
    return fiction_all()[:21]


def fiction_all() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FICTION.read_text(encoding="utf-8").splitlines() if line.strip()]


def added_one_by_one(articles: list[Any], detector: Detector | None = None) -> list[dict[str, Any]]:
    """The relations an `Index` reports as the articles are added in turn, in the scan's order
    (sorted by the places of their two articles), to compare with `scan_articles` of the same input."""
    from dedup.index import Index

    index = Index(detector) if detector is not None else Index()
    found = [r for article in articles for r in index.add(article).relations]
    place = {a.id: k for k, a in enumerate(articles)}
    return sorted(found, key=lambda r: (place[r["a"]], place[r["b"]]))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def made_up_archive(path: Path, size: int, seed: int = 7, rate: float = 0.15, with_fiction: bool = True) -> Path:
    """A synthetic archive (benchmarks.data.archive) of made-up words with planted copies, exact,
    trimmed, wrapped and spliced; then the project's fictional articles (wire stories and their
    rewrites), so that every relation appears."""
    from benchmarks.data.archive import ParagraphPool, generate

    rng = random.Random(seed)
    words = ["".join(rng.choice("abcdefghijklmnoprstuvw") for _ in range(rng.randint(3, 9))) for _ in range(3000)]
    paras = (" ".join(rng.choice(words) for _ in range(rng.randint(12, 40))) + "." for _ in range(300))
    generate(ParagraphPool.from_paragraphs(paras), size, seed=seed, out=path, rate=rate, window=50)
    if with_fiction:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(FICTION.read_text(encoding="utf-8"))
    return path
