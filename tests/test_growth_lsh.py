"""The sort-based bucket join (dedup.sketch.lsh.buckets, bucket_pairs, collide) against the join it replaced
(an argsort per band, radix-partitioned for large columns) and against plain dictionaries."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

import numpy as np
import pytest

from dedup._util.arrays import unique_pairs
from dedup.sketch.lsh import bucket_scratch, buckets, collide, group_pairs

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _old_grouped_order(column: np.ndarray, partition_min: int) -> np.ndarray:
    if len(column) < partition_min:
        return np.argsort(column)
    top = ((column * _GOLDEN) >> np.uint64(56)).astype(np.uint8)
    by_top = np.argsort(top, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(top, minlength=256))]).tolist()
    keys = column[by_top]
    for lo, hi in pairwise(bounds):
        if hi - lo > 1:
            by_top[lo:hi] = by_top[lo:hi][np.argsort(keys[lo:hi])]
    return by_top


def _old_collide(
    keys: np.ndarray, owner: np.ndarray, max_bucket: int = 200, star: bool = True, partition_min: int = 1 << 19
) -> np.ndarray:
    """`collide` as it was before the sort-based join (the radix partition forced from `partition_min` keys)."""
    found = []
    for band in range(keys.shape[1]):
        column = keys[:, band]
        order = _old_grouped_order(column, partition_min)
        ordered = column[order]
        edges = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
        starts = np.concatenate([[0], edges])
        ends = np.concatenate([edges, [len(ordered)]])
        multi = ends - starts > 1
        pairs = group_pairs(order, starts[multi], ends[multi], max_bucket, star)
        if len(pairs):
            found.append(owner[pairs])
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    docs = np.concatenate(found)
    docs = docs[docs[:, 0] != docs[:, 1]]
    docs.sort(axis=1)
    if not len(docs):
        return np.empty((0, 2), dtype=np.int64)
    return unique_pairs(docs)


def _dict_buckets(column: np.ndarray) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for row, key in enumerate(column.tolist()):
        groups.setdefault(key, []).append(row)
    return {k: rows for k, rows in groups.items() if len(rows) > 1}


def _keys(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    """A column with shared keys; `prefix`: many distinct keys share their top 40 bits."""
    column: np.ndarray
    if kind == "uint32":
        column = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    elif kind == "int64":
        column = rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64)
    elif kind == "prefix":
        column = (rng.integers(0, 8, n, dtype=np.uint64) << np.uint64(40)) | rng.integers(0, 50, n, dtype=np.uint64)
    else:
        column = rng.integers(0, 2**64 - 1, n, dtype=np.uint64)
    if kind != "prefix" and n:
        column[rng.integers(0, n, n // 3)] = column[rng.integers(0, n, n // 3)]  # shared keys
        column[rng.integers(0, n, 60)] = column[0]  # one crowded key
    return column


@pytest.mark.parametrize("kind", ["uint64", "uint32", "int64", "prefix"])
@pytest.mark.parametrize("n", [0, 1, 2, 7, 3000])
def test_buckets_group_the_rows_of_each_shared_key(kind: str, n: int) -> None:
    rng = np.random.default_rng(n)
    column = _keys(rng, n, kind)
    for max_size in (None, 5):
        rows, starts, ends = buckets(column, max_size)
        got = [rows[s:e].tolist() for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        assert all(r == sorted(r) and len(set(column[r].tolist())) == 1 for r in got)
        want = [r for r in _dict_buckets(column).values() if max_size is None or len(r) <= max_size]
        assert sorted(got) == sorted(want)
        assert rows.dtype == np.int64


def test_buckets_split_runs_of_keys_that_share_their_top_bits() -> None:
    top = np.uint64(5 << 50)
    # Rows 0, 2, 4 share one key and 1, 3 another; all five share the bits above the row bits.
    column = np.array([top | np.uint64(1), top | np.uint64(2)] * 2 + [top | np.uint64(1), 9], dtype=np.uint64)
    rows, starts, ends = buckets(column)
    got = sorted(rows[s:e].tolist() for s, e in zip(starts.tolist(), ends.tolist(), strict=True))
    assert got == [[0, 2, 4], [1, 3]]
    rows, starts, ends = buckets(column, max_size=2)
    assert [rows[s:e].tolist() for s, e in zip(starts.tolist(), ends.tolist(), strict=True)] == [[1, 3]]


@pytest.mark.parametrize("kind", ["uint64", "uint32", "prefix"])
@pytest.mark.parametrize("star", [True, False])
def test_collide_joins_what_the_argsort_join_joined(kind: str, star: bool) -> None:
    rng = np.random.default_rng(3)
    keys = np.stack([_keys(rng, 4000, kind) for _ in range(3)], axis=1)
    owner = rng.integers(0, 1500, 4000)
    got = collide(keys, owner, max_bucket=20, star=star)
    for partition_min in (1 << 19, 64):  # one argsort per band, and the radix-partitioned order
        want = _old_collide(keys, owner, max_bucket=20, star=star, partition_min=partition_min)
        assert got.dtype == want.dtype and np.array_equal(got, want)


def test_collide_of_nothing_and_of_one_owner() -> None:
    empty = collide(np.zeros((0, 4), dtype=np.uint64), np.zeros(0, dtype=np.int64))
    assert empty.shape == (0, 2) and empty.dtype == np.int64
    same = collide(np.zeros((5, 2), dtype=np.uint64), np.zeros(5, dtype=np.int64))
    assert same.shape == (0, 2) and same.dtype == np.int64


def test_bucket_pairs_are_each_pair_of_a_bucket_once_scratch_or_not() -> None:
    rng = np.random.default_rng(8)
    keys = rng.integers(0, 40, size=(300, 4)).astype(np.uint64)
    scratch = bucket_scratch(len(keys))
    for band in range(keys.shape[1]):
        pairs = group_pairs(*buckets(keys[:, band], scratch=scratch), max_bucket=12, star=False)
        assert np.array_equal(pairs, group_pairs(*buckets(keys[:, band]), max_bucket=12, star=False))
        assert (pairs[:, 0] < pairs[:, 1]).all()
        want: Counter[tuple[int, int]] = Counter()
        for rows in _dict_buckets(keys[:, band]).values():
            if len(rows) <= 12:
                want.update((a, b) for i, a in enumerate(rows) for b in rows[i + 1 :])
        assert Counter(map(tuple, pairs.tolist())) == want
