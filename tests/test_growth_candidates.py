"""The candidate stage's per-band rewrite path, rare-term gathering and chunked cosines give exactly
what the whole-shard versions they replaced gave (those are kept here as references)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from scipy import sparse

from dedup import candidates
from dedup.article import Article
from dedup.candidates import (
    _close_topic_pairs,
    _contained_pairs,
    _estimate_jaccard,
    _FactRows,
    _merged,
    _on_two_threads,
    _topic_pairs,
    holder_ranks,
    tfidf_cosines,
)
from dedup.config import LSHConfig
from dedup.detector import Detector
from dedup.sketch.idf import IdfTable
from dedup.sketch.lsh import bucket_scratch
from dedup.sketch.shard import SignedShard, sign_shard


def _old_topic_collisions(shard: SignedShard, config: LSHConfig, bands_per_pass: int = 8) -> np.ndarray:
    """The oracle, article by article as the streaming index sees them: each article pairs with the
    earlier holders of a band key while at most `rewrite_max_bucket` of them hold it."""
    del bands_per_pass
    found = set()
    for band in range(shard.topic_keys.shape[1]):
        holders: dict[int, list[int]] = {}
        for j, key in enumerate(shard.topic_keys[:, band].tolist()):
            earlier = holders.setdefault(key, [])
            if len(earlier) <= config.rewrite_max_bucket:
                found.update((i, j) for i in earlier)
            earlier.append(j)
    pairs = np.array(sorted(found), dtype=np.int64).reshape(-1, 2)
    return pairs[_estimate_jaccard(shard.topic_sketch, pairs) >= config.rewrite_threshold]


def _topic_collisions(shard: SignedShard, config: LSHConfig) -> np.ndarray:
    scratch = bucket_scratch(len(shard))
    return _merged([_close_topic_pairs(column, shard.topic_sketch, config, scratch) for column in shard.topic_keys.T])


def _old_tfidf_cosines(shard: SignedShard, idf: IdfTable, pairs: np.ndarray) -> np.ndarray:
    weight = shard.term_counts * np.sqrt(idf.weights(shard.terms))
    row = np.repeat(np.arange(len(shard)), np.diff(shard.term_bounds))
    norms = np.sqrt(np.bincount(row, weights=weight * weight, minlength=len(shard)))
    with np.errstate(divide="ignore", invalid="ignore"):
        data = np.nan_to_num(weight / norms[row])
    vectors = sparse.csr_matrix((data, shard.terms, shard.term_bounds), shape=(len(shard), idf.n_buckets))
    return np.asarray(vectors[pairs[:, 0]].multiply(vectors[pairs[:, 1]]).sum(axis=1)).ravel()


def _streamed_contained_pairs(shard: SignedShard, config: LSHConfig) -> set[tuple[int, int]]:
    """The oracle, article by article as the streaming index sees them: a short article, or one
    without facts, looks up its rarest terms (as counted over the articles so far) among the earlier
    articles holding them."""
    holders: dict[int, list[int]] = {}
    found = set()
    for i in range(len(shard)):
        terms = shard.terms_of(i)[0].tolist()
        rank = {t: len(holders.get(t, [])) + 1 for t in terms}
        asks = shard.n_tokens[i] <= config.contain_max_tokens or not len(shard.facts_of(i))
        if config.contain_max_tokens and asks:
            usable = sorted((r, t) for t, r in rank.items() if 2 <= r <= config.contain_max_df)
            asked = [t for _, t in usable[: config.contain_query_terms]]
            shared: dict[int, int] = {}
            for t in asked:
                for j in holders[t]:
                    shared[j] = shared.get(j, 0) + 1
            ok = [
                (-n / len(asked), j)
                for j, n in shared.items()
                if n >= config.contain_min_shared and n / len(asked) >= config.contain_share
            ]
            found.update((j, i) for _, j in sorted(ok)[: config.contain_candidates])
        for t in terms:
            if rank[t] <= config.contain_max_df:
                holders.setdefault(t, []).append(i)
    return found


def _random_topic_shard(n: int, seed: int) -> SignedShard:
    """Only what the rewrite path reads: 32-bit band keys with shared values, sketches with near twins."""
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, n // 8, size=(n, 24)).astype(np.uint32)
    keys[: n // 20] = 7  # a crowded bucket in every band
    sketch = rng.integers(0, 256, size=(n, 64), dtype=np.uint8)
    twins = rng.integers(0, n, size=(n // 2, 2))
    copied = rng.random((len(twins), 64)) < rng.random((len(twins), 1))
    sketch[twins[:, 1]] = np.where(copied, sketch[twins[:, 0]], sketch[twins[:, 1]])
    keys[twins[:, 1], :12] = np.where(
        rng.random((len(twins), 12)) < 0.3, keys[twins[:, 0], :12], keys[twins[:, 1], :12]
    )
    e = np.empty(0)
    empty = (e,) * 11
    return SignedShard(np.arange(n, dtype=np.uint64), e, e, e, e, keys, sketch, *empty, n_units=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_topic_collisions_band_by_band_equal_eight_bands_a_pass(seed: int) -> None:
    shard = _random_topic_shard(3000, seed)
    for config in (LSHConfig(), LSHConfig(rewrite_max_bucket=80, rewrite_threshold=0.3)):
        got, want = _topic_collisions(shard, config), _old_topic_collisions(shard, config)
        assert len(want) > 100 and got.dtype == want.dtype and np.array_equal(got, want)


@pytest.fixture(scope="module")
def fiction_shard(detector: Detector, fiction: list[dict[str, Any]]) -> SignedShard:
    articles = [Article(id=r["id"], text=r["text"]) for r in fiction]
    brief = "Dredging of the channel begins next month; shipping agents say the delay cost contracts."
    articles += [Article(f"brief-{i}", f"Item {i}. {brief}") for i in range(3)]
    return sign_shard(articles, detector)


def test_topic_collisions_of_articles_equal_the_old_path(fiction_shard: SignedShard, detector: Detector) -> None:
    config = replace(detector.config.lsh, rewrite_threshold=0.05)
    got, want = _topic_collisions(fiction_shard, config), _old_topic_collisions(fiction_shard, config)
    assert len(want) and np.array_equal(got, want)


@pytest.mark.parametrize("share", [0.0, 0.5, 1.0])
def test_facts_kept_band_groups_apart_equal_facts_kept_of_all(
    fiction_shard: SignedShard, detector: Detector, share: float
) -> None:
    config = replace(detector.config.lsh, rewrite_threshold=0.05)
    facts = _FactRows(fiction_shard)
    n_bands = fiction_shard.topic_keys.shape[1]
    groups = [
        _topic_pairs(fiction_shard, config, range(lo, min(lo + 4, n_bands)), facts, share)
        for lo in range(0, n_bands, 4)
    ]
    want = _FactRows(fiction_shard).kept(_topic_collisions(fiction_shard, config), share)
    assert len(want) and np.array_equal(_merged(groups), want)


def test_two_threads_give_each_task_s_result_in_order() -> None:
    tasks = [lambda i=i: np.full(3, i) for i in range(40)]
    assert [r[0] for r in _on_two_threads(tasks)] == list(range(40))  # type: ignore[arg-type]
    assert _on_two_threads([]) == []

    def fails() -> np.ndarray:
        raise ValueError("task")

    with pytest.raises(ValueError, match="task"):
        _on_two_threads([*tasks, fails, *tasks])


@pytest.mark.parametrize("chunk", [3, 1 << 14])
def test_chunked_cosines_equal_the_whole_shard_ones_bit_for_bit(
    fiction_shard: SignedShard, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(candidates, "_COSINE_CHUNK", chunk)
    idf = fiction_shard.idf_table()
    n = len(fiction_shard)
    pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n)], dtype=np.int64)
    pairs = np.concatenate([pairs, pairs[::-1, ::-1], [[0, 0]]])  # reversed pairs, an article with itself
    got = tfidf_cosines(fiction_shard, idf, pairs)
    assert np.array_equal(got, _old_tfidf_cosines(fiction_shard, idf, pairs))
    assert tfidf_cosines(fiction_shard, idf, pairs[:0]).shape == (0,)


@pytest.mark.parametrize("max_df", [1, 2, 3, 16, 1000])
def test_holder_ranks_chunked_equal_ranks_of_the_whole_shard(fiction_shard: SignedShard, max_df: int) -> None:
    n_terms = int(fiction_shard.terms.max()) + 1
    whole = holder_ranks(fiction_shard.terms, np.zeros(n_terms, dtype=np.uint32), max_df)
    counts, parts = np.zeros(n_terms, dtype=np.uint32), []
    for lo in range(0, len(fiction_shard.terms), 97):
        parts.append(holder_ranks(fiction_shard.terms[lo : lo + 97], counts, max_df))
    assert np.array_equal(np.concatenate(parts), whole)
    assert whole.min() == 1 and whole.max() <= max_df + 1
    assert int(counts.sum()) == len(fiction_shard.terms)


def test_containment_pairs_are_the_streamed_ones(fiction_shard: SignedShard, detector: Detector) -> None:
    config = replace(detector.config.lsh, contain_max_tokens=400, contain_max_df=8, contain_min_shared=2)
    pairs = _contained_pairs(fiction_shard, config)
    n = len(fiction_shard)
    assert {(n - 3, n - 2), (n - 3, n - 1), (n - 2, n - 1)} <= set(map(tuple, pairs.tolist()))
    assert set(map(tuple, pairs.tolist())) == _streamed_contained_pairs(fiction_shard, config)
    default = detector.config.lsh
    assert set(map(tuple, _contained_pairs(fiction_shard, default).tolist())) == _streamed_contained_pairs(
        fiction_shard, default
    )


def test_the_index_s_containment_path_finds_what_the_scan_s_finds(
    fiction: list[dict[str, Any]], detector: Detector
) -> None:
    from dedup.index.lookup import ContainmentPath

    config = replace(detector.config.lsh, contain_max_tokens=400, contain_max_df=8, contain_min_shared=2)
    articles = [Article(str(r["id"]), r["text"]) for r in fiction]
    scanned = set(map(tuple, _contained_pairs(sign_shard(articles, detector), config).tolist()))
    path, streamed = ContainmentPath(config), set()
    every_one_deleted = np.ones(len(articles), dtype=np.uint8)
    for i, article in enumerate(articles):
        signed = sign_shard([article], detector)
        streamed.update((j, i) for j in path.candidates(signed, None))
        assert path.candidates(signed, every_one_deleted) == []  # deleted items are never offered
        path.add(signed, np.array([i]))
    assert len(scanned) > 3 and streamed == scanned
