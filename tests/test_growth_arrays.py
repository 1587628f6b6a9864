"""Distinct values of small integers through one sort of (value, position) words, against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from dedup._util.arrays import split_pairs, unique_inverse, unique_pairs


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.uint8, np.uint16, np.uint32, np.int64, np.uint64])
@pytest.mark.parametrize("n", [0, 1, 2, 5000])
def test_unique_inverse_equals_numpy(dtype: type[np.integer], n: int) -> None:
    info = np.iinfo(dtype)
    rng = np.random.default_rng(n)
    values = rng.integers(info.min, info.max, n, endpoint=True, dtype=dtype)
    values[: n // 2] = rng.choice(values, n // 2) if n else values[:0]  # repeated values
    if n > 2:
        values[:2] = [info.min, info.max]  # both ends of the range
    distinct, inverse = unique_inverse(values)
    want, want_inverse = np.unique(values, return_inverse=True)
    assert distinct.dtype == values.dtype and np.array_equal(distinct, want)
    assert inverse.dtype == np.int64 and np.array_equal(inverse, want_inverse)


def test_split_pairs_undoes_pair_keys() -> None:
    pairs = np.array([[3, 9], [0, 1], [2**31 - 1, 5], [3, 9]], dtype=np.int64)
    keys = (pairs[:, 0] << 32) | pairs[:, 1]
    assert np.array_equal(split_pairs(keys), pairs)
    assert unique_pairs(pairs).tolist() == [[0, 1], [3, 9], [2**31 - 1, 5]]


def test_unique_per_run_is_numpy_unique_of_each_run() -> None:
    from dedup._util.arrays import unique_per_run

    rng = np.random.default_rng(11)
    sizes = rng.integers(0, 30, 200)
    sizes[[3, 50]] = 0  # empty runs keep their place
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    flat = rng.integers(0, 40, int(bounds[-1])).astype(np.uint32)
    values, cuts = unique_per_run(flat, bounds)
    assert values.dtype == np.uint32 and len(cuts) == len(sizes) + 1
    for i in range(len(sizes)):
        assert np.array_equal(values[cuts[i] : cuts[i + 1]], np.unique(flat[bounds[i] : bounds[i + 1]]))
