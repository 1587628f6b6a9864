"""The growing index and its stores: score against what came before, then add."""

from __future__ import annotations

from pathlib import Path

import pytest

from dedup.article import Article
from dedup.errors import ConfigError, StoreError
from dedup.index import Index
from dedup.keytable import KeyTable
from dedup.store import MemoryStore, SQLiteStore, open_store
from tests.conftest import SEEDS

SEED_A, SEED_B = sorted(SEEDS.glob("*.txt"))


def _seed(path: Path) -> Article:
    return Article(path.name, path.read_text(encoding="utf-8"))


def test_keytable_finds_every_entry_across_runs_and_buffer() -> None:
    table = KeyTable()
    for item in range(3000):
        table.add([item % 997, 10_000 + item], item)
    assert len(table) == 6000
    assert sorted(table.lookup([5]).tolist()) == [5, 1002, 1999, 2996]
    assert table.lookup([10_000 + 2999]).tolist() == [2999]
    assert table.lookup([123_456]).size == 0


@pytest.mark.parametrize("make_store", [MemoryStore, lambda: SQLiteStore(":memory:")])
def test_index_reports_against_earlier_articles_then_adds(make_store) -> None:  # type: ignore[no-untyped-def]
    index = Index(store=make_store())
    first = index.add(_seed(SEED_A))
    assert first.added and first.relations == [] and len(first.repeats) == 1
    second = index.add(_seed(SEED_B))
    assert [(r["a"], r["b"], r["relation"]) for r in second.relations] == [(SEED_A.name, SEED_B.name, "rewrite")]
    repost = index.check(Article("repost", SEED_A.read_text(encoding="utf-8").upper()))
    assert {(r["a"], r["relation"]) for r in repost.relations} >= {(SEED_A.name, "exact")}
    assert len(index) == 2 and not repost.added


def test_duplicate_id_is_refused_and_changes_nothing() -> None:
    index = Index()
    index.add(_seed(SEED_A))
    with pytest.raises(StoreError, match="duplicate id"):
        index.add(Article(SEED_A.name, "Another text entirely, about the weather in Hull today."))
    assert len(index) == 1 and len(index.store) == 1


def test_sqlite_index_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    store = SQLiteStore(db)
    Index(store=store).add(_seed(SEED_A))
    store.close()
    reopened = Index(store=open_store(f"sqlite:///{db}"))
    assert len(reopened) == 1
    report = reopened.add(_seed(SEED_B))
    assert [r["relation"] for r in report.relations] == ["rewrite"]


def test_open_store_rejects_unknown_urls() -> None:
    with pytest.raises(ConfigError, match="store url"):
        open_store("ftp://nowhere")


def test_collide_finds_shared_band_keys_across_owners_only() -> None:
    import numpy as np

    from dedup.lsh import collide

    keys = np.array([[1, 10], [1, 11], [2, 10], [3, 12], [3, 13]], dtype=np.uint64)
    owner = np.array([0, 1, 2, 3, 3])
    assert collide(keys, owner).tolist() == [[0, 1], [0, 2]]
    big = np.zeros((300, 1), dtype=np.uint64)
    star = collide(big, np.arange(300), max_bucket=50)
    assert len(star) == 299 and set(star[:, 0].tolist()) == {0}
    assert collide(keys[3:], owner[3:]).shape == (0, 2)
