"""The index keys stored beside each article: a worker following another's additions inserts them from the
store instead of signing the articles again, and answers as if it had signed them; rows without keys
(an older store) or with keys of other settings are signed as before."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import dedup.index.incremental
from dedup.article import Article, article_from_mapping
from dedup.config import DetectorConfig, ShingleConfig
from dedup.detector import Detector
from dedup.index import ArticleKeys, Index, keys_tag
from dedup.sketch.shard import sign_shard
from dedup.store import MemoryStore, SQLiteStore, Store, open_store
from tests.conftest import fiction_all


@pytest.fixture(scope="module")
def articles() -> list[Article]:
    return [article_from_mapping(r) for r in fiction_all()[:60]]


@pytest.fixture(params=["memory", "sqlite", "redis"])
def open_shared(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Store]:
    if request.param == "memory":
        store = MemoryStore()
        return lambda: store
    if request.param == "sqlite":
        return lambda: SQLiteStore(tmp_path / "shared.db")
    import redis

    url = request.getfixturevalue("redis_url")
    redis.Redis.from_url(url).flushdb()
    return lambda: open_store(url)


def _no_signing(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the articles the index signs again (it should sign none)."""
    signed: list[int] = []

    def counted(batch: list[Article], detector: Detector) -> Any:
        signed.append(len(batch))
        return sign_shard(batch, detector)

    monkeypatch.setattr(dedup.index.incremental, "sign_shard", counted)
    return signed


def _answers(index: Index, probes: list[Article]) -> list[list[dict[str, Any]]]:
    return [index.check(Article(p.id + "-probe", p.text, p.title, p.source, p.published)).relations for p in probes]


def test_a_follower_inserts_another_workers_articles_from_their_stored_keys(
    open_shared: Callable[[], Store], articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = Index(store=open_shared()), Index(store=open_shared())
    signed = _no_signing(monkeypatch)
    reports = [(one if n % 2 else two).add(a).relations for n, a in enumerate(articles[:-10])]
    one.sync()
    two.sync()
    reopened = Index(store=open_shared())  # a cold start reads the keys too
    assert signed == []
    alone = Index()  # one worker signing everything itself
    assert [alone.add(a).relations for a in articles[:-10]] == reports
    assert sum(map(bool, reports)) >= 5
    probes = articles[-10:] + articles[3:50:7]  # new ones, and copies of indexed ones
    expected = _answers(alone, probes)
    assert _answers(one, probes) == _answers(two, probes) == _answers(reopened, probes) == expected
    assert sum(map(bool, expected)) >= 7


def test_rows_without_keys_are_signed_again_and_answer_alike(
    tmp_path: Path, articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "old.db"
    writer = Index(store=SQLiteStore(db))
    for article in articles[:-10]:
        writer.add(article)
    with sqlite3.connect(db) as old:  # every other row as an older version stored it
        old.execute("UPDATE articles SET keys = NULL WHERE seq % 2 = 0")
    signed = _no_signing(monkeypatch)
    batches: list[int] = []
    read_many = SQLiteStore.reports_of

    def counted(store: SQLiteStore, ids: list[str]) -> dict[str, Any]:
        batches.append(len(ids))
        return read_many(store, ids)

    monkeypatch.setattr(SQLiteStore, "reports_of", counted)
    monkeypatch.setattr(SQLiteStore, "report", lambda *_: pytest.fail("reports read one by one"))
    reopened = Index(store=SQLiteStore(db))
    assert sum(signed) == len(articles[:-10]) // 2
    assert sum(batches) == sum(signed)
    assert _answers(reopened, articles[-10:]) == _answers(writer, articles[-10:])


def test_keys_made_under_other_settings_are_not_used(articles: list[Article], monkeypatch: pytest.MonkeyPatch) -> None:
    other = Detector(DetectorConfig(shingle=ShingleConfig(k=4)))
    assert keys_tag(other.config) != keys_tag(Detector().config)
    store = MemoryStore()
    writer = Index(other, store)
    for article in articles[:-10]:
        writer.add(article)
    signed = _no_signing(monkeypatch)
    reader = Index(store=store)
    assert sum(signed) == len(articles[:-10])
    bare = Index()
    for article in articles[:-10]:
        bare.add(article)
    assert _answers(reader, articles[-10:]) == _answers(bare, articles[-10:])


def test_packed_keys_are_the_signed_keys_and_a_damaged_one_is_refused(articles: list[Article]) -> None:
    detector = Detector()
    tag = keys_tag(detector.config)
    signed = sign_shard(articles[:8], detector)
    packed = ArticleKeys.of(signed).pack_each(tag)
    assert len(packed) == 8
    for n, one in enumerate(packed):
        alone = ArticleKeys.of(sign_shard([articles[n]], detector))
        back = ArticleKeys.unpack(one, tag)
        assert back is not None
        for field in ("norm_hash", "block_keys", "block_owner", "doc_keys", "topic_keys", "topic_sketch"):
            assert np.array_equal(getattr(back, field), getattr(alone, field)), field
        assert np.array_equal(back.fact_hashes, alone.fact_hashes)
        assert np.array_equal(back.fact_bounds, alone.fact_bounds)
    joined, keys = ArticleKeys.unpack_many(packed), ArticleKeys.of(signed)
    for field in ("norm_hash", "block_keys", "block_owner", "doc_keys", "topic_keys", "topic_sketch", "fact_hashes"):
        assert np.array_equal(getattr(joined, field), getattr(keys, field)), field
    assert np.array_equal(joined.fact_bounds, keys.fact_bounds)
    assert ArticleKeys.unpack(packed[0][:-1], tag) is None
    assert ArticleKeys.unpack(packed[0], b"x" * len(tag)) is None
    assert ArticleKeys.unpack(b"", tag) is None


def test_a_sqlite_store_without_the_keys_column_is_upgraded_in_place(tmp_path: Path) -> None:
    db = tmp_path / "older.db"
    with sqlite3.connect(db) as old:  # the previous release's schema: terms, no keys
        old.executescript(
            "CREATE TABLE articles (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, "
            "text TEXT NOT NULL, title TEXT, source TEXT, published TEXT, url TEXT, date REAL, report TEXT, "
            "terms BLOB); CREATE TABLE log (pos INTEGER PRIMARY KEY AUTOINCREMENT, op TEXT NOT NULL, id TEXT NOT NULL);"
        )
        old.execute(
            "INSERT INTO articles (id, text, date) VALUES ('a', 'Harbour fees rose in March, said the port.', 0)"
        )
        old.execute("INSERT INTO log (op, id) VALUES ('add', 'a')")
    index = Index(store=SQLiteStore(db))
    assert len(index) == 1 and index.add(Article("b", "Harbour fees rose in March, said the port.")).relations
    assert [c.keys is None for c in SQLiteStore(db).changes(None)] == [True, False]
    assert len(Index(store=SQLiteStore(db))) == 2


def test_opening_in_batches_of_pages_with_deletes_and_unsigned_rows_between(
    tmp_path: Path, articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "paged.db"
    writer = Index(store=SQLiteStore(db))
    for n, article in enumerate(articles[:-10]):
        writer.add(article)
        if n % 7 == 3:
            writer.delete(article.id)  # deletes between the adds of one batch
    with sqlite3.connect(db) as old:
        old.execute("UPDATE articles SET keys = NULL WHERE seq % 5 = 0")
    monkeypatch.setattr(dedup.index.incremental, "_REOPEN_SHARD", 4)  # pages of 4 entries,
    monkeypatch.setattr(dedup.index.incremental, "_APPLY_PAGES", 3)  # 3 pages applied together
    reopened = Index(store=SQLiteStore(db))
    assert len(reopened) == len(writer)
    probes = articles[-10:] + articles[3:50:7]
    assert _answers(reopened, probes) == _answers(writer, probes)


def test_reports_are_read_in_one_batch_as_one_by_one(open_shared: Callable[[], Store], articles: list[Article]) -> None:
    index = Index(store=open_shared())
    for article in articles[:20]:
        index.add(article)
    store = open_shared()
    ids = [a.id for a in articles[:20]] + ["never-added"]
    one_by_one = {i: r for i in ids if (r := store.report(i)) is not None}
    assert store.reports_of(ids) == one_by_one
    assert len(one_by_one) == 20 and any(r["relations"] for r in one_by_one.values())
    assert store.reports_of([]) == {}


def test_a_store_of_rows_without_keys_is_reopened_reading_reports_in_one_batch(
    tmp_path: Path, articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "old.db"
    writer = Index(store=SQLiteStore(db))
    for article in articles[:30]:
        writer.add(article)
    with sqlite3.connect(db) as old:
        old.execute("UPDATE articles SET keys = NULL")
    batches: list[int] = []
    read_many = SQLiteStore.reports_of
    monkeypatch.setattr(SQLiteStore, "reports_of", lambda store, ids: batches.append(len(ids)) or read_many(store, ids))
    monkeypatch.setattr(SQLiteStore, "report", lambda *_: pytest.fail("reports read one by one"))
    reopened = Index(store=SQLiteStore(db))
    assert batches == [30]
    assert _answers(reopened, articles[30:40]) == _answers(writer, articles[30:40])
