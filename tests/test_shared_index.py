"""One index over one store, from several processes' points of view: two Index objects over one SQLite file
or one redis-server see each other's adds and deletes at once; Redis writes are whole or absent."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dedup.article import Article
from dedup.errors import DuplicateIdError, StoreUnavailable
from dedup.index import Index
from dedup.store import SQLiteStore, Store, open_store
from tests.conftest import SEEDS

SEED_A, SEED_B = sorted(SEEDS.glob("*.txt"))


def _seed(path: Path, **fields: Any) -> Article:
    return Article(path.name, path.read_text(encoding="utf-8"), **fields)


@pytest.fixture
def fresh_redis(redis_url: str) -> str:
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    return redis_url


@pytest.fixture(params=["sqlite", "redis"])
def open_shared(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Store]:
    if request.param == "sqlite":
        return lambda: SQLiteStore(tmp_path / "shared.db")
    url = request.getfixturevalue("fresh_redis")
    return lambda: open_store(url)


def test_two_indexes_over_one_store_see_each_others_adds_and_deletes_at_once(open_shared: Callable[[], Store]) -> None:
    one, two = Index(store=open_shared()), Index(store=open_shared())
    one.add(_seed(SEED_A))
    report = two.add(_seed(SEED_B))  # no restart: `two` follows the store's log
    assert [r["a"] for r in report.relations] == [SEED_A.name]
    one.sync()  # what every call does first
    assert len(one) == len(two) == 2
    assert two.delete(SEED_A.name)
    assert one.check(_seed(SEED_B, title="probe")).relations == []
    assert len(one) == 1
    with pytest.raises(DuplicateIdError):
        one.add(Article(SEED_B.name, "Another text under a taken id."))
    again = two.add(_seed(SEED_B))  # a retry, on the other worker: the first report
    assert again.replayed and again.relations == report.relations


def test_a_reopened_index_skips_deleted_and_replaced_articles(open_shared: Callable[[], Store]) -> None:
    index = Index(store=open_shared())
    index.add(_seed(SEED_A))
    index.delete(SEED_A.name)
    index.add(Article(SEED_A.name, "A new text under the old id, about harbour fees."))
    index.add(_seed(SEED_B))
    reopened = Index(store=open_shared())
    assert len(reopened) == 2
    # SEED_B rewrites SEED_A's first text, which was deleted: the new text under that id is unrelated.
    assert reopened.check(_seed(SEED_B, title="probe")).relations == []


def test_retention_ages_by_the_newest_date_stored_so_an_old_archive_stays(open_shared: Callable[[], Store]) -> None:
    index = Index(store=open_shared(), retention=timedelta(days=30))
    day = datetime(1987, 3, 1, tzinfo=UTC)
    index.add(_seed(SEED_A, published=day))
    assert len(index) == 1  # dated 1987, yet it stays: the clock is the newest date stored, not now
    index.add(Article("next-day", "Other news of the next day.", published=day + timedelta(days=1)))
    assert len(index) == 2
    index.add(Article("later", "News from months later.", published=day + timedelta(days=90)))
    assert len(index) == 1 and SEED_A.name not in index.store and "next-day" not in index.store
    assert index.check(_seed(SEED_B)).relations == []
    future = Article("typo", "A date in the future.", published=datetime(2999, 1, 1, tzinfo=UTC))
    index.add(future)  # clamped to its arrival: it does not expire everything else
    assert len(index) == 1 and "typo" in index.store


class _Boom(ConnectionError):
    pass


def test_a_redis_write_cut_before_the_server_leaves_nothing(fresh_redis: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import redis

    store = open_store(fresh_redis)
    index = Index(store=store)

    def cut(*args: Any, **kwargs: Any) -> None:
        raise redis.ConnectionError("injected: connection lost while sending")

    with monkeypatch.context() as m:
        m.setattr(redis.connection.AbstractConnection, "send_packed_command", cut)
        with pytest.raises(StoreUnavailable):
            index.add(_seed(SEED_A))
    raw = redis.Redis.from_url(fresh_redis)
    assert raw.keys("*") == []  # no article, no log entry, no date
    assert index.add(_seed(SEED_A)).added and len(Index(store=open_store(fresh_redis))) == 1


def test_a_redis_write_whose_answer_is_lost_is_whole_and_the_retry_gets_its_report(
    fresh_redis: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    store = open_store(fresh_redis)
    index = Index(store=store)
    index.add(_seed(SEED_A))
    real = redis.connection.AbstractConnection.read_response
    calls = {"n": 0}

    def lose_the_script_answer(self: Any, *args: Any, **kwargs: Any) -> Any:
        answer = real(self, *args, **kwargs)
        calls["n"] += 1
        if isinstance(answer, bytes) and answer.count(b"-") == 1 and answer[:1].isdigit():
            raise redis.ConnectionError("injected: connection lost before the answer")  # the XADD id came back
        return answer

    with monkeypatch.context() as m:
        m.setattr(redis.connection.AbstractConnection, "read_response", lose_the_script_answer)
        with pytest.raises(StoreUnavailable):
            index.add(_seed(SEED_B))
    raw = redis.Redis.from_url(fresh_redis)
    assert raw.exists(f"dedup:a:{SEED_B.name}") and raw.zscore("dedup:dates", SEED_B.name) is not None
    assert raw.xlen("dedup:log") == 2  # stored whole: text, report, log entry, date
    retry = index.add(_seed(SEED_B))
    assert retry.replayed and [r["a"] for r in retry.relations] == [SEED_A.name]
    assert len(Index(store=open_store(fresh_redis))) == 2


def test_two_indexes_count_boilerplate_and_terms_as_one(open_shared: Callable[[], Store], fiction: Any) -> None:
    """Workers taking turns over one store judge a site's chrome and a brief's rarest terms as one
    index fed every article would: clusters joined from the other's stored reports, terms counted."""
    from tests.test_boilerplate import FOOTER, HEADER

    wires = [a for a in fiction if a["kind"] == "wire"][:7]
    when = [datetime(2025, 3, 1, tzinfo=UTC) + timedelta(hours=i) for i in range(7)]
    site = [
        Article(f"site-{i}", HEADER + w["text"].rstrip() + " Reuter" + FOOTER, published=when[i])
        for i, w in enumerate(wires)
    ]
    brief = Article("brief", "In brief. " + " ".join(wires[0]["text"].split()[:40]), published=when[5])
    again = Article("site-0-again", site[0].text, published=when[0])  # one cluster with site-0
    workers, alone, found = (Index(store=open_shared()), Index(store=open_shared())), Index(), []
    for k, article in enumerate([site[0], again, *site[1:5], brief]):
        report = alone.add(article)
        assert workers[k % 2].add(article).relations == report.relations
        found += [(r["a"], r["b"], r["relation"]) for r in report.relations]
    # The footer is evidence until it is in three clusters (site-0 and its copy are one, as the other
    # worker's stored report says); the brief is found in its source.
    assert ("site-0", "site-1", "partial") in found and ("site-0", "brief", "copy") in found
    assert not any(b in ("site-3", "site-4") for _, b, _ in found)
    late = site[6]
    assert workers[0].check(late).relations == workers[1].check(late).relations == alone.check(late).relations
    assert (workers[0]._contain.counts[: len(alone._contain.counts)] == alone._contain.counts).all()


def test_a_snapshot_restores_the_index_and_a_stale_one_catches_up_from_the_log(
    open_shared: Callable[[], Store], tmp_path: Path
) -> None:
    snap = tmp_path / "index.snapshot"
    index = Index(store=open_shared(), snapshot=snap)
    index.add(_seed(SEED_A))
    index.add(Article("gone", "A story that will be deleted, about harbour fees and tolls."))
    assert index.save_snapshot() and snap.exists()
    # After the snapshot (as if the process then crashed): a delete and an add it does not hold.
    index.delete("gone")
    index.add(Article("late", "Weather news that came after the snapshot."))
    restored = Index(store=open_shared(), snapshot=snap)
    assert len(restored) == len(index) == 2 and restored.position == index.position
    assert [r["a"] for r in restored.check(_seed(SEED_B)).relations] == [SEED_A.name]
    assert (
        restored.check(Article("probe", "A story that will be deleted, about harbour fees and tolls.")).relations == []
    )


def test_a_snapshot_of_another_store_or_a_broken_file_is_ignored(tmp_path: Path) -> None:
    snap = tmp_path / "index.snapshot"
    first = Index(store=SQLiteStore(tmp_path / "one.db"), snapshot=snap)
    first.add(_seed(SEED_A))
    first.save_snapshot()
    other = Index(store=SQLiteStore(tmp_path / "two.db"), snapshot=snap)
    assert len(other) == 0 and other.check(_seed(SEED_B)).relations == []
    snap.write_bytes(b"not a snapshot")
    again = Index(store=SQLiteStore(tmp_path / "one.db"), snapshot=snap)
    assert len(again) == 1 and again.check(_seed(SEED_B)).relations


def test_screening_candidates_by_stored_terms_reports_what_reading_their_texts_did(
    fiction: list[dict[str, Any]],
) -> None:
    from dedup.article import article_from_mapping
    from dedup.store import MemoryStore

    articles = [article_from_mapping(r) for r in fiction]
    with_terms = Index(store=MemoryStore())
    for article in articles[:-10]:
        with_terms.add(article)
    bare = MemoryStore()
    for article in with_terms.store:
        bare.put(article)  # the same articles, without terms: every candidate is screened from its text
    without_terms = Index(store=bare)
    assert with_terms.store.terms_of([articles[0].id]) and not bare.terms_of([articles[0].id])
    for probe in articles[-10:]:
        assert with_terms.check(probe).relations == without_terms.check(probe).relations
    assert sum(bool(with_terms.check(p).relations) for p in articles[-10:]) >= 3  # the rewrites among them


def test_a_sqlite_store_written_before_logs_and_reports_is_upgraded_in_place(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "old.db"
    with sqlite3.connect(db) as old:  # the schema of the previous release
        old.execute(
            "CREATE TABLE articles (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, "
            "text TEXT NOT NULL, title TEXT, source TEXT, published TEXT, url TEXT)"
        )
        old.execute("INSERT INTO articles (id, text) VALUES (?, ?)", (SEED_A.name, SEED_A.read_text(encoding="utf-8")))
    index = Index(store=SQLiteStore(db))
    assert len(index) == 1 and [r["a"] for r in index.check(_seed(SEED_B)).relations] == [SEED_A.name]
    assert index.add(_seed(SEED_B)).added and index.delete(SEED_A.name)
    assert len(Index(store=SQLiteStore(db))) == 1


class _HeldLogStore(SQLiteStore):
    """A store whose next read of the log waits until released (a slow round trip to a shared store)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.hold = False
        self.entered, self.release = threading.Event(), threading.Event()

    def changes(self, after: str | None, limit: int = 1000) -> list[Any]:
        if self.hold:
            self.hold = False
            self.entered.set()
            self.release.wait(timeout=30)
        return super().changes(after, limit)


def test_a_slow_read_of_the_log_holds_no_other_request(tmp_path: Path) -> None:
    store = _HeldLogStore(tmp_path / "held.db")
    index = Index(store=store)
    index.add(_seed(SEED_A))
    other = Index(store=SQLiteStore(tmp_path / "held.db"))  # another worker adds behind this one's back
    other.add(_seed(SEED_B))
    store.hold = True
    slow = threading.Thread(target=index.sync)
    slow.start()
    assert store.entered.wait(timeout=30)
    try:
        # While one request waits on the store, another is answered (it reads the log itself) and sees
        # what the other worker added.
        done: list[Any] = []
        checker = threading.Thread(target=lambda: done.append(index.check(Article("x", SEED_B.read_text()))))
        checker.start()
        checker.join(timeout=30)
        assert done, "a check waited for another request's read of the log"
        assert _exact_to(done[0].relations, SEED_B.name) == 1
    finally:
        store.release.set()
        slow.join(timeout=30)
    # The held read, applied late, inserts nothing twice.
    assert len(index) == 2
    assert _exact_to(index.check(Article("y", SEED_B.read_text())).relations, SEED_B.name) == 1


def _exact_to(relations: list[dict[str, Any]], article_id: str) -> int:
    return sum(r["relation"] == "exact" and article_id in (r["a"], r["b"]) for r in relations)
