"""The growing index and its stores: score against what came before, then add."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dedup import scan_articles
from dedup.article import Article, article_from_mapping
from dedup.errors import ConfigError, StoreError
from dedup.index import Index, memory_per_article
from dedup.sketch import keytable
from dedup.sketch.keytable import KEY_BITS, KeyTable, fingerprint40
from dedup.store import MemoryStore, SQLiteStore, Store, open_store
from tests.conftest import FICTION, SEED_A, SEED_B, added_one_by_one, read_jsonl


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


def test_keytable_large_runs_keep_remainders_in_three_bytes_and_find_every_entry() -> None:
    # 2,800 items of 400 keys: the runs merge past 2^19 entries, where remainders are split in two.
    rng = np.random.default_rng(11)
    keys = rng.integers(0, 2**64, size=(2800, 400), dtype=np.uint64)
    table = KeyTable()
    for item, row in enumerate(keys):
        table.add(row, item)
    runs = table._all_runs()
    split = [r for r in runs if len(r.high)]
    assert split and all(r.rest.dtype == np.uint16 and len(r.high) == len(r) for r in split)
    assert sum(r.nbytes for r in split) < 5.5 * sum(len(r) for r in split)
    asked = rng.choice(2800, size=300, replace=False)
    found = table.matches(keys[asked, 7])
    assert sorted(zip(found[0].tolist(), found[1].tolist(), strict=True)) == [(k, int(i)) for k, i in enumerate(asked)]
    absent = rng.integers(0, 2**64, size=2000, dtype=np.uint64)
    assert table.lookup(absent).size == 0
    assert len(table) == keys.size
    stored = np.sort(np.concatenate([r.fingerprints() for r in runs]))
    assert np.array_equal(stored, np.sort(fingerprint40(keys.ravel())))


def test_split_remainders_tell_apart_fingerprints_that_differ_only_above_their_low_16_bits() -> None:
    rng = np.random.default_rng(5)
    fps = np.unique(rng.integers(0, 2**KEY_BITS, size=600_000, dtype=np.uint64))
    twin = fps[0] ^ np.uint64(1 << 17)  # same directory bucket and low 16 bits, another bit 17
    fps = np.setdiff1d(fps, [twin])
    run = keytable._build(fps, np.arange(len(fps), dtype=np.uint32) % 50, KEY_BITS)
    assert len(run.high) == len(fps)
    queries, items = run.matches(np.array([fps[0], twin], dtype=np.uint64))
    assert queries.tolist() == [0] and items.tolist() == [0]


def test_a_32_bit_table_keeps_every_key_whole_in_two_byte_remainders() -> None:
    rng = np.random.default_rng(3)
    keys = rng.integers(0, 2**32, size=(17_000, 64), dtype=np.uint64).astype(np.uint32)
    keys[7, 0] = keys[5, 0] ^ np.uint32(1)  # near keys: told apart, as every distinct key is
    items = np.repeat(np.arange(len(keys), dtype=np.uint32), keys.shape[1])
    table, wide = KeyTable(key_bits=32), KeyTable()
    table.add_many(keys.ravel(), items)
    wide.add_many(keys.ravel(), items)
    assert len(table) == keys.size and [len(r.high) for r in table._runs] == [0]  # one run of 2-byte remainders
    assert table.nbytes < wide.nbytes - 0.9 * keys.size  # a byte less an entry
    for probe in (keys[5], keys[7], keys[16_999], rng.integers(0, 2**32, 64, np.uint64)):
        assert sorted(table.lookup(probe).tolist()) == sorted(wide.lookup(probe).tolist())
    assert len(np.unique(keytable.fingerprint32(np.arange(1 << 16, dtype=np.uint64) << np.uint64(16)))) == 1 << 16
    with pytest.raises(ValueError, match="below 2"):
        table.add([2**32], 17_000)
    with pytest.raises(ValueError, match="key_bits"):
        KeyTable(key_bits=48)


def test_keytable_folds_keys_to_40_bits_and_keeps_near_keys_apart() -> None:
    near = [5, 5 + (1 << 32), 5 + (1 << 40), 6, 2**63 + 5, 2**64 - 1]
    table = KeyTable()
    for item, key in enumerate(near):
        table.add(np.array([key], dtype=np.uint64), item)
    assert [table.lookup([key]).tolist() for key in near] == [[i] for i in range(len(near))]
    keys = np.random.default_rng(3).integers(0, 2**64, size=50_000, dtype=np.uint64)
    fps = fingerprint40(keys)
    assert fps.max() < 2**KEY_BITS and len(np.unique(fps)) == len(keys)
    assert fingerprint40(keys[:10]).tolist() == fps[:10].tolist()


def test_keytable_matches_a_dict_across_merges_and_item_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keytable, "_WINDOW", 64)
    monkeypatch.setattr(keytable, "_HEAD", 50)
    rng = np.random.default_rng(7)
    pool = rng.integers(0, 2**64, size=2000, dtype=np.uint64)
    table, reference, item = KeyTable(), defaultdict(list), 0
    for step in range(2000):
        item += int(rng.integers(0, 3))
        keys = pool[rng.integers(0, len(pool), size=int(rng.integers(0, 25)))]
        table.add(keys, item)
        for key in keys.tolist():
            reference[key].append(item)
        if step % 50 == 0:
            query = np.concatenate([pool[rng.integers(0, len(pool), size=20)], rng.integers(0, 2**64, 5, np.uint64)])
            expected = sorted(i for key in query.tolist() for i in reference.get(key, []))
            assert sorted(table.lookup(query).tolist()) == expected
    assert len(table) == sum(len(v) for v in reference.values())
    windows = [run.window for run in table._runs]
    closed = [w for w in windows if w != item // 64]
    assert closed == sorted(set(closed)) == list(range(item // 64))  # one run per closed window


def test_keytable_add_many_matches_adding_item_by_item_across_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keytable, "_WINDOW", 64)
    monkeypatch.setattr(keytable, "_HEAD", 50)
    rng = np.random.default_rng(11)
    pool = rng.integers(0, 2**64, size=500, dtype=np.uint64)
    one, many, item = KeyTable(), KeyTable(), 0
    for _ in range(40):  # batches spanning several item windows, some items without keys
        batch_keys, batch_items = [], []
        for _ in range(int(rng.integers(1, 30))):
            item += int(rng.integers(0, 4))
            keys = pool[rng.integers(0, len(pool), size=int(rng.integers(0, 12)))]
            one.add(keys, item)
            batch_keys.append(keys)
            batch_items.append(np.full(len(keys), item, dtype=np.uint32))
        many.add_many(np.concatenate(batch_keys), np.concatenate(batch_items))
    assert len(many) == len(one)
    for key in pool[:200]:
        assert sorted(many.lookup([key]).tolist()) == sorted(one.lookup([key]).tolist())
    assert [r.window for r in many._runs][: item // 64] == list(range(item // 64))
    with pytest.raises(ValueError, match="non-decreasing"):
        many.add_many(pool[:2], np.array([item + 2, item + 1], dtype=np.uint32))
    with pytest.raises(ValueError, match="non-decreasing"):
        many.add_many(pool[:1], np.array([item - 1], dtype=np.uint32))


def test_an_articles_paragraph_keys_are_held_once_per_article() -> None:
    from dedup.index import ArticleKeys

    blocks = np.array([[5, 6], [6, 7], [5, 6], [1, 2]], dtype=np.uint64)  # article 0 prints [5, 6] twice
    none = np.zeros((2, 0), dtype=np.uint64)
    keys = ArticleKeys(
        np.array([8, 9], dtype=np.uint64), blocks, np.array([0, 0, 0, 1]), none, none.astype(np.uint32),
        np.zeros((2, 0), dtype=np.uint8), np.zeros(0, dtype=np.uint32), np.zeros(3, dtype=np.int64),
        np.zeros(0, dtype=np.int32), np.zeros(3, dtype=np.int64), np.zeros(0, dtype=np.uint64),
        np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), ((), ()),
    )  # fmt: skip
    tables = {"exact": KeyTable(), "block": KeyTable(), "doc": KeyTable(), "topic": KeyTable(key_bits=32)}
    tables["run"] = KeyTable(key_bits=32)
    keys.add_to(tables, np.array([3, 4], dtype=np.uint32), paragraph_bands=2)
    assert len(tables["block"]) == 5 and tables["block"].lookup([5, 6, 7]).tolist() == [3, 3, 3]
    keys.add_to(tables, np.array([5, 6], dtype=np.uint32), paragraph_bands=1)  # the first band alone
    assert tables["block"].lookup([6]).tolist() == [3, 5] and tables["block"].lookup([2]).tolist() == [4]


def test_keytable_holds_about_six_bytes_an_entry_and_refuses_older_items() -> None:
    table = KeyTable()
    keys = np.random.default_rng(5).integers(0, 2**64, size=(2_000, 100), dtype=np.uint64)
    for item, row in enumerate(keys):
        table.add(row, item)
    assert len(table) == 200_000 and table.nbytes / len(table) < 6.6
    assert table.lookup(keys[1_234]).tolist() == [1_234] * 100
    with pytest.raises(ValueError, match="non-decreasing"):
        table.add(keys[0], 3)


@pytest.mark.parametrize("make_store", [MemoryStore, lambda: SQLiteStore(":memory:")])
def test_index_reports_against_earlier_articles_then_adds(make_store: Callable[[], Store]) -> None:
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


def test_a_reopened_store_is_indexed_shard_by_shard_as_it_was_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    from dedup.index import incremental as index_module

    articles = [Article(r["id"], r["text"]) for r in read_jsonl(FICTION)[:21]]
    *earlier, last = [_seed(SEED_A), *articles[:-1], _seed(SEED_B)]
    db = tmp_path / "index.db"
    original = Index(store=SQLiteStore(db))
    for article in earlier:
        original.add(article)
    monkeypatch.setattr(index_module, "_REOPEN_SHARD", 4)  # several shards and a short last one
    reopened = Index(store=SQLiteStore(db))
    assert [reopened._items.id(i) for i in range(len(reopened))] == [a.id for a in earlier]
    for name, table in original._tables.items():
        assert len(reopened._tables[name]) == len(table)
        for i, article in enumerate(earlier[:6]):
            signed = index_module.sign_shard([article], original.detector)
            keys = {"exact": signed.norm_hash, "block": signed.block_keys, "doc": signed.doc_keys}
            keys["topic"] = signed.topic_keys
            keys["contain"] = signed.terms.astype(np.uint64)  # the first holders of its terms
            keys["prints"] = signed.block_prints
            keys["run"] = signed.run_keys  # none in an article shorter than a run
            if len(keys[name]):
                assert i in reopened._tables[name].lookup(keys[name]).tolist(), (name, article.id)
    assert reopened.check(last).relations == original.check(last).relations != []


@pytest.mark.parametrize("make_store", [MemoryStore, lambda: SQLiteStore(":memory:")])
def test_stores_iterate_in_insertion_order_across_pages(
    make_store: Callable[[], Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    from dedup.store import _sqlite

    monkeypatch.setattr(_sqlite, "_PAGE", 3)
    store = make_store()
    ids = [f"story/{n}" for n in (5, 1, 9, 2, 8, 3, 7)]  # not sorted: the order is the store's
    for rid in ids:
        store.put(Article(rid, f"Text of {rid}."))
    assert [(a.id, a.text) for a in store] == [(rid, f"Text of {rid}.") for rid in ids]


def test_open_store_rejects_unknown_urls() -> None:
    with pytest.raises(ConfigError, match="store url"):
        open_store("ftp://nowhere")


def test_collide_finds_shared_band_keys_across_owners_only() -> None:
    import numpy as np

    from dedup.sketch.lsh import collide

    keys = np.array([[1, 10], [1, 11], [2, 10], [3, 12], [3, 13]], dtype=np.uint64)
    owner = np.array([0, 1, 2, 3, 3])
    assert collide(keys, owner).tolist() == [[0, 1], [0, 2]]
    big = np.zeros((300, 1), dtype=np.uint64)
    streamed = collide(big, np.arange(300), max_bucket=50)
    # The first 51 pair with each other, each of the 249 later ones with the first.
    assert len(streamed) == 51 * 50 // 2 + 249 and set(streamed[streamed[:, 1] > 50, 0].tolist()) == {0}
    assert collide(keys[3:], owner[3:]).shape == (0, 2)


def _inputs() -> list[Article]:
    """The seeds, the fictional corpus, then one site's chrome around five of its wire stories and
    three briefs cut from one of them (boilerplate and the containment path, as counted in a stream)."""
    rows = read_jsonl(FICTION)
    articles = [_seed(p) for p in (SEED_A, SEED_B)] + [article_from_mapping(r) for r in rows]
    wires = [r for r in rows if r["kind"] == "wire"][:5]
    header, footer = "CITY HERALD ONLINE | News | Wire\n\n", "\n\nCopyright City Herald Online. Subscribe for more."
    articles += [Article(f"site-{i}", header + w["text"] + footer) for i, w in enumerate(wires)]
    brief = " ".join(wires[0]["text"].split()[:40])
    return articles + [Article(f"brief-{i}", f"In brief ({i}). {brief}") for i in range(3)]


@pytest.fixture(scope="module")
def indexed() -> tuple[Index, list[dict[str, Any]]]:
    index, found = Index(), []
    for article in _inputs():
        found += index.add(article).relations
    return index, found


def _triples(records: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(r["a"], r["b"], r["relation"]) for r in records}


def test_the_index_and_the_scan_give_the_same_relations(indexed: tuple[Index, list[dict[str, Any]]]) -> None:
    """Articles added one by one get the relations a scan of the same input in the same order finds,
    every record alike (evidence, score, why), in the scan's order once sorted by its pairs."""
    inputs = _inputs()
    scanned = scan_articles(inputs).relations
    place = {a.id: k for k, a in enumerate(inputs)}
    found = sorted(indexed[1], key=lambda r: (place[r["a"]], place[r["b"]]))
    assert len(scanned) > 90 and (SEED_A.name, SEED_B.name, "rewrite") in _triples(found)
    assert any(r["b"].startswith("brief-") for r in found)  # found by the containment path
    assert found == scanned


def test_identical_short_items_under_other_headlines_are_decided_alike() -> None:
    """Two short items of one text under other headlines are not `exact` (`Detector.exact`); the scan,
    which groups identical texts before finding candidates, decides the pair in full, as the index does."""
    text = (
        "Washington Federal Savings and Loan Association of Seattle was acquired by Pacific First "
        "Financial after regulators closed it, bringing the number of failed thrifts this year to "
        "twelve, the Federal Home Loan Bank Board said.\n\nReuter"
    )
    articles = [
        Article("a", text, title="THRIFT FAILURES THIS YEAR REACH TWELVE"),
        Article("b", text.replace("Reuter", "REUTER") + "  \n", title="PACIFIC FIRST BUYS SEATTLE SAVINGS UNIT"),
        Article("c", "The council approved a budget for schools and libraries on Monday after a short debate."),
    ]
    scanned = scan_articles(articles).relations
    assert [(r["a"], r["b"], r["relation"]) for r in scanned] == [("a", "b", "near_duplicate")]
    assert added_one_by_one(articles) == scanned


def _outlet_copies(order: list[int]) -> list[Article]:
    """A wire story and a follow-up of it (the fictional corpus), each also printed word for word by
    a second outlet, in the given order of (wire, follow-up, wire's copy, follow-up's copy)."""
    rows = {r["id"]: r for r in read_jsonl(FICTION)}
    wire, follow = rows["wire-quake-02"], rows["followup-quake"]
    made = [
        Article("wire", wire["text"]),
        Article("follow", follow["text"]),
        Article("wire-copy", wire["text"]),
        Article("follow-copy", follow["text"]),
    ]
    return [made[k] for k in order]


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [0, 2, 3, 1], [2, 0, 3, 1], [0, 2, 1, 3]])
def test_every_copy_of_two_related_stories_is_related_in_the_scan_and_the_index(order: list[int]) -> None:
    """Each outlet's copy of the follow-up relates to each copy of the wire story, whichever arrives
    first: the scan pairs the members of two related exact groups, the index a copy with what its
    group's first is related to and a new article with the copies of what it finds."""
    articles = _outlet_copies(order)
    scanned = scan_articles(articles).relations
    pairs = {frozenset((r["a"], r["b"])): r["relation"] for r in scanned}
    assert pairs[frozenset(("wire", "wire-copy"))] == pairs[frozenset(("follow", "follow-copy"))] == "exact"
    across = {pairs.get(frozenset((w, f))) for w in ("wire", "wire-copy") for f in ("follow", "follow-copy")}
    assert len(pairs) == 6 and len(across) == 1 and None not in across
    assert added_one_by_one(articles) == scanned


def test_memory_per_article_is_under_2kb_and_counts_every_table_and_id(
    indexed: tuple[Index, list[dict[str, Any]]],
) -> None:
    index = indexed[0]
    for table in index._tables.values():
        table._seal()  # the head (a bounded, uncompressed buffer of the newest entries) into a run
    per_article = memory_per_article(index)
    entries = sum(len(t) for t in index._tables.values())
    assert per_article < 2048
    assert per_article * len(index) >= 5 * entries + sum(len(a.id) for a in index.store)  # 4-byte key, 1+ item
    assert index.nbytes == index.article_nbytes


def test_ids_round_trip_and_a_check_adds_nothing() -> None:
    index = Index()
    text = SEED_A.read_text(encoding="utf-8")
    index.add(Article("café-ñ/1", text))
    index.add(Article("x", "A short unrelated note about the tides at Hull and the weather there."))
    report = index.check(Article("другой", text))
    assert [(r["a"], r["relation"]) for r in report.relations] == [("café-ñ/1", "exact")]
    assert len(index) == 2 and "другой" not in index.store


def test_an_index_keeping_fewer_paragraph_bands_holds_fewer_keys_and_still_finds_copies(
    indexed: tuple[Index, list[dict[str, Any]]],
) -> None:
    full = indexed[0]
    lean, found = Index(paragraph_bands=16), []
    for article in full.store:
        found += [(r["a"], r["b"], r["relation"]) for r in lean.add(article).relations]
    assert 0.6 * len(full._tables["block"]) <= len(lean._tables["block"]) <= 0.68 * len(full._tables["block"])
    for table in [*full._tables.values(), *lean._tables.values()]:
        table._seal()  # compare runs, not the bounded head buffers
    assert lean.article_nbytes < full.article_nbytes
    # Verbatim and lightly edited copies share every band of their paragraphs: none is lost.
    every = _triples(indexed[1])
    assert {f for f in every if f[2] in ("exact", "near_duplicate", "copy")} <= set(found) <= every
    for bad in (0, 26):
        with pytest.raises(ConfigError, match="paragraph_bands"):
            Index(paragraph_bands=bad)


def test_keytable_finds_the_same_entries_in_the_same_order_however_they_were_added() -> None:
    rng = np.random.default_rng(11)
    pool = rng.integers(0, 2**64, size=3_000, dtype=np.uint64)
    keys = rng.choice(pool, size=30_000)  # many keys held by several items, some twice by one
    items = np.sort(rng.integers(0, 140_000, size=30_000)).astype(np.uint32)  # across item windows
    one_by_one, at_once = KeyTable(), KeyTable()
    for lo in range(0, len(keys), 37):  # the head takes entries a few at a time and is sealed as it fills
        one_by_one.add_many(keys[lo : lo + 37], items[lo : lo + 37])
    at_once.add_many(keys, items)
    probe = np.concatenate([pool[:500], rng.integers(0, 2**64, size=50, dtype=np.uint64)])
    for table in (one_by_one, at_once):
        assert len(table) == len(keys)
    queries, found = one_by_one.matches(probe)
    expected = sorted(zip(*at_once.matches(probe), strict=True))
    assert sorted(zip(queries.tolist(), found.tolist(), strict=True)) == [(int(q), int(i)) for q, i in expected]
    restored = KeyTable.from_state(one_by_one.key_bits, one_by_one.state())
    assert [a.tolist() for a in restored.matches(probe)] == [a.tolist() for a in one_by_one.matches(probe)]
    open_window = KeyTable()  # all in one item window: its runs stay apart until compacted
    for shift in (0, 30_000):
        for lo in range(0, len(keys), 37):
            open_window.add_many(keys[lo : lo + 37], items[lo : lo + 37] // 6 + shift)
    before = sorted(zip(*(a.tolist() for a in open_window.matches(probe)), strict=True))
    runs = open_window.runs
    open_window.compact()
    assert runs >= 3 and open_window.runs == 2 and len(open_window) == 2 * len(keys)  # a run, the head
    assert sorted(zip(*(a.tolist() for a in open_window.matches(probe)), strict=True)) == before


def test_keytable_takes_a_large_batch_as_it_takes_small_ones() -> None:
    rng = np.random.default_rng(12)
    keys = rng.integers(0, 2**64, size=4_000, dtype=np.uint64)[rng.integers(0, 4_000, size=50_000)]
    items = np.sort(rng.integers(0, 3_000, size=50_000)).astype(np.uint32)
    large, small = KeyTable(), KeyTable()
    large.add_many(keys, items)  # one batch, as an index opening over a store inserts 1,000 articles
    for lo in range(0, len(keys), 500):
        small.add_many(keys[lo : lo + 500], items[lo : lo + 500])
    probe = keys[:700]
    assert sorted(zip(*(a.tolist() for a in large.matches(probe)), strict=True)) == sorted(
        zip(*(a.tolist() for a in small.matches(probe)), strict=True)
    )
    # Equal keys of one batch keep the order they came in (items in order): what a stable sort gives.
    held = large.lookup(keys[:1])
    assert held.tolist() == sorted(held.tolist()) and len(held) == int((keys == keys[0]).sum())
