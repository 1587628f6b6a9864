"""Several uvicorn workers, one index: `dedup serve --workers 2` over one redis-server or one SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REDIS_SERVER, SEEDS, running_redis
from tests.servers import Server, serve

SEED_A, SEED_B = sorted(SEEDS.glob("*.txt"))


def _record(path: Path, **extra: Any) -> dict[str, Any]:
    return {"id": path.name, "text": path.read_text(encoding="utf-8"), **extra}


@pytest.fixture(params=["sqlite", "redis"])
def two_workers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    if request.param == "redis":
        if REDIS_SERVER is None:
            pytest.skip("redis-server not installed (scripts/test.sh installs it)")
        with running_redis(tmp_path) as url, serve(url, tmp_path / "server.log", workers=2) as server:
            yield server
    else:
        with serve(f"sqlite:///{tmp_path / 'index.db'}", tmp_path / "server.log", workers=2) as server:
            yield server


def _fresh(base: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request on a new connection: the kernel hands it to either worker."""
    with httpx.Client(base_url=base, timeout=30) as client:
        return client.request(method, path, **kwargs)


def _each_worker(base: str, method: str, path: str, **kwargs: Any) -> list[httpx.Response]:
    """Requests on new connections until both workers have answered one (by /readyz's pid)."""
    answers: dict[int, httpx.Response] = {}
    for _ in range(200):
        with httpx.Client(base_url=base, timeout=30) as client:
            worker = client.get("/readyz").json()["worker"]
            if worker not in answers:
                answers[worker] = client.request(method, path, **kwargs)
        if len(answers) == 2:
            return list(answers.values())
    pytest.fail(f"only workers {sorted(answers)} answered")


def test_every_worker_sees_every_acknowledged_article_and_delete_at_once(two_workers: Server) -> None:
    base = two_workers.base
    assert _fresh(base, "POST", "/v1/articles", json=_record(SEED_A)).status_code == 201
    for answer in _each_worker(base, "POST", "/v1/articles/check", json=_record(SEED_B)):
        assert [r["a"] for r in answer.json()["relations"]] == [SEED_A.name]
    for answer in _each_worker(base, "GET", f"/v1/articles/{SEED_A.name}/relations"):
        assert answer.json()["earlier"] == []
    assert _fresh(base, "DELETE", f"/v1/articles/{SEED_A.name}").status_code == 204
    for answer in _each_worker(base, "POST", "/v1/articles/check", json=_record(SEED_B)):
        assert answer.json()["relations"] == []


def test_eight_clients_posting_one_id_store_exactly_one_article(two_workers: Server) -> None:
    base = two_workers.base
    same = _record(SEED_A)
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(lambda _: _fresh(base, "POST", "/v1/articles", json=same).status_code, range(8)))
    assert statuses == [200] * 7 + [201]  # one stored it; the others got its report back
    texts = [_record(SEED_B, text=f"Version {i} of a story about harbour fees and tolls.") for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(lambda r: _fresh(base, "POST", "/v1/articles", json=r).status_code, texts))
    assert statuses == [201] + [409] * 7
    for answer in _each_worker(base, "GET", "/readyz"):
        assert answer.json()["articles"] == 2
