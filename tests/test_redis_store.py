"""The Redis store against a real redis-server on a free loopback port (started and stopped here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedup.article import Article
from dedup.errors import StoreError
from dedup.index import Index
from dedup.store import open_store
from tests.conftest import REDIS_SERVER, SEEDS

pytest.importorskip("redis")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server not installed (scripts/test.sh installs it)")


def _seed(path: Path) -> Article:
    return Article(path.name, path.read_text(encoding="utf-8"))


def test_redis_store_round_trip_and_duplicate_ids(redis_url: str) -> None:
    store = open_store(redis_url)
    first, second = sorted(SEEDS.glob("*.txt"))
    store.put(_seed(first))
    with pytest.raises(StoreError, match="duplicate id"):
        store.put(_seed(first))
    store.put(_seed(second))
    assert len(store) == 2 and first.name in store and "missing" not in store
    got = store.get(first.name)
    assert got is not None and got.text == first.read_text(encoding="utf-8")
    assert [a.id for a in store] == [first.name, second.name]
    store.close()


def test_index_over_redis_finds_the_seed_rewrite_after_reopening(redis_url: str) -> None:
    url = redis_url[:-1] + "1"
    first, second = sorted(SEEDS.glob("*.txt"))
    Index(store=open_store(url)).add(_seed(first))
    report = Index(store=open_store(url)).add(_seed(second))
    assert [(r["a"], r["relation"]) for r in report.relations] == [(first.name, "rewrite")]


def test_redis_store_iterates_in_insertion_order_across_pages(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup.store import _redis

    monkeypatch.setattr(_redis, "_PAGE", 3)
    store = open_store(redis_url[:-1] + "2")
    ids = [f"story/{n}" for n in (5, 1, 9, 2, 8, 3, 7)]  # not sorted: the order is the store's
    for rid in ids:
        store.put(Article(rid, f"Text of {rid}."))
    assert [(a.id, a.text) for a in store] == [(rid, f"Text of {rid}.") for rid in ids]
    store.close()
