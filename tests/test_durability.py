"""Durability with real processes: `kill -9` of a real uvicorn (and of redis-server) in the middle of a stream
of posts loses no acknowledged article, and the restarted index still finds copies of what came before."""

from __future__ import annotations

import random
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REDIS_SERVER, free_port, running_redis
from tests.servers import Server, made_up_articles, serve

pytestmark = pytest.mark.slow
ROUNDS = 3


@pytest.fixture(scope="module")
def stories(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return made_up_articles(600, tmp_path_factory.mktemp("stories") / "a.jsonl", seed=9)


def _stream(base: str, records: list[dict[str, Any]], acknowledged: list[str], stop: threading.Event) -> None:
    """POST records one by one until the server dies; every 2xx id is an acknowledged article."""
    with httpx.Client(base_url=base, timeout=10) as client:
        for record in records:
            if stop.is_set():
                return
            try:
                response = client.post("/v1/articles", json=record)
            except httpx.TransportError:
                return  # the server is gone: this one was not acknowledged
            if response.status_code in (200, 201):
                acknowledged.append(record["id"])


def _crash_mid_stream(server: Server, records: list[dict[str, Any]], rng: random.Random) -> list[str]:
    acknowledged: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(target=_stream, args=(server.base, records, acknowledged, stop))
    thread.start()
    time.sleep(rng.uniform(0.8, 2.0))
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    thread.join(timeout=30)
    stop.set()
    assert acknowledged, "nothing was acknowledged before the kill"
    return acknowledged


def _check_restart(server: Server, acknowledged: list[str], by_id: dict[str, dict[str, Any]]) -> None:
    with httpx.Client(base_url=server.base, timeout=30) as client:
        missing = [i for i in acknowledged if client.get(f"/v1/articles/{i}").status_code != 200]
        assert missing == [], f"{len(missing)} acknowledged articles lost"
        for rid in random.Random(1).sample(acknowledged, min(5, len(acknowledged))):
            copy = {"id": f"copy-of-{rid}", "text": by_id[rid]["text"]}
            related = client.post("/v1/articles/check", json=copy).json()["relations"]
            assert rid in {r["a"] for r in related}, f"the restarted index does not find {rid}"


def _rounds(
    tmp_path: Path, store: str, stories: list[dict[str, Any]], crash: Callable[[Server], AbstractContextManager[None]]
) -> None:
    rng = random.Random(3)
    by_id = {r["id"]: r for r in stories}
    acknowledged: list[str] = []
    port = free_port()
    chunk = len(stories) // ROUNDS
    for n in range(ROUNDS):
        with serve(store, tmp_path / f"server-{n}.log", port=port) as server:
            if acknowledged:
                _check_restart(server, acknowledged, by_id)
            with crash(server):
                acknowledged += _crash_mid_stream(server, stories[n * chunk : (n + 1) * chunk], rng)
    with serve(store, tmp_path / "final.log", port=port) as server:
        _check_restart(server, acknowledged, by_id)
    print(f"{store.split(':')[0]}: {ROUNDS} kill -9, {len(acknowledged)} acknowledged, 0 lost")


class _NoExtra(AbstractContextManager[None]):
    def __exit__(self, *exc: object) -> None:
        return None


def test_kill_9_of_uvicorn_over_sqlite_loses_no_acknowledged_article(
    tmp_path: Path, stories: list[dict[str, Any]]
) -> None:
    _rounds(tmp_path, f"sqlite:///{tmp_path / 'index.db'}", stories, lambda server: _NoExtra())


@pytest.fixture
def durable_redis(tmp_path: Path) -> Iterator[tuple[str, Path, int]]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server not installed (scripts/test.sh installs it)")
    port = free_port()
    yield f"redis://127.0.0.1:{port}/0", tmp_path / "redis", port


def test_kill_9_of_uvicorn_over_redis_with_appendfsync_always_loses_none(
    tmp_path: Path, stories: list[dict[str, Any]], durable_redis: tuple[str, Path, int]
) -> None:
    url, folder, port = durable_redis
    folder.mkdir()
    with running_redis(folder, durable=True, port=port):
        _rounds(tmp_path, url, stories, lambda server: _NoExtra())


def test_kill_9_of_redis_server_with_appendfsync_always_loses_none(
    tmp_path: Path, stories: list[dict[str, Any]], durable_redis: tuple[str, Path, int]
) -> None:
    url, folder, port = durable_redis
    folder.mkdir()
    by_id = {r["id"]: r for r in stories}
    acknowledged: list[str] = []
    stop = threading.Event()
    redis = running_redis(folder, durable=True, port=port)
    redis.__enter__()
    with serve(url, tmp_path / "server.log") as server:
        thread = threading.Thread(target=_stream, args=(server.base, stories[:300], acknowledged, stop))
        thread.start()
        time.sleep(1.5)
        _kill_redis(port)
        redis.__exit__(None, None, None)
        time.sleep(0.5)
        stop.set()
        thread.join(timeout=30)
        assert acknowledged
    with running_redis(folder, durable=True, port=port), serve(url, tmp_path / "after.log") as server:
        _check_restart(server, acknowledged, by_id)
    print(f"redis-server kill -9: {len(acknowledged)} acknowledged, 0 lost")


def _kill_redis(port: int) -> None:
    """SIGKILL the redis-server listening on `port` (found through /proc: it is a child of this process)."""
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            cmdline = status.read_bytes().split(b"\0")
        except OSError:
            continue
        joined = b" ".join(cmdline)
        if b"redis-server" in joined and str(port).encode() in joined:
            import os

            os.kill(int(status.parent.name), signal.SIGKILL)
            return
    pytest.fail(f"no redis-server on port {port}")
