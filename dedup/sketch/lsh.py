"""MinHash LSH, batch form: band keys for many signatures at once and a sort-based collision join.

Band and row counts are derived from the target Jaccard similarity the way datasketch's `MinHashLSH`
derives them (minimising weighted false-positive and false-negative probability mass), so an index
built here behaves like datasketch's for the same threshold, at a fraction of the memory: one uint64
key per (item, band) instead of a bytes object and a Python set entry.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from dedup._util.arrays import offsets, range_rows, split_pairs, unique
from dedup.errors import ConfigError

__all__ = ["band_keys", "bucket_scratch", "buckets", "collide", "group_pairs", "lsh_params"]

_GRID = np.linspace(0.0, 1.0, 2001)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio: an odd multiplier that mixes bits well


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int, false_negative_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows) minimising the weighted error for `threshold`, as datasketch's MinHashLSH does."""
    if not 0.0 < threshold < 1.0:
        raise ConfigError(f"threshold: use a Jaccard similarity in (0, 1), got {threshold}")
    below, above = threshold >= _GRID, threshold <= _GRID
    best, best_err = (1, num_perm), float("inf")
    for b in range(2, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            p = 1.0 - (1.0 - _GRID**r) ** b
            fp = np.trapezoid(p[below], _GRID[below])
            fn = np.trapezoid(1.0 - p[above], _GRID[above])
            err = float((1.0 - false_negative_weight) * fp + false_negative_weight * fn)
            if err < best_err:
                best, best_err = (b, r), err
    return best


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One uint64 key per (signature, band): a mixed hash of that band's `rows` values."""
    n = signatures.shape[0]
    used = signatures[:, : bands * rows].astype(np.uint64).reshape(n, bands, rows)
    key = np.zeros((n, bands), dtype=np.uint64)
    for j in range(rows):
        key = (key ^ used[:, :, j]) * np.uint64(0x100000001B3)
        key ^= key >> np.uint64(29)
    # Salt with the band index so equal values in different bands never share a key.
    return key ^ (np.arange(bands, dtype=np.uint64) * _GOLDEN)


@lru_cache(maxsize=256)
def _triangle(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (i, j), i < j, of every pair inside a bucket of `size` items."""
    i, j = np.triu_indices(size, k=1)
    i.flags.writeable = j.flags.writeable = False
    return i, j


def group_pairs(
    order: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    max_bucket: int,
    star: bool = True,
    rank: np.ndarray | None = None,
) -> np.ndarray:
    """Pairs (order[i], order[j]), i < j, of items inside each bucket order[start:end]. A bucket of
    more than `max_bucket` items (or, `star=False`, skipped) is joined as a stream of its items sees
    it: each of the first `max_bucket` + 1 items pairs with every earlier one, and each later item
    with the first of the earlier ones by `rank` (per item: the earliest article, so a wire story
    taken by many outlets is related to every copy; by default the smallest item). Buckets of one
    size come together, in the order of their starts."""
    out = []
    sizes = ends - starts
    # Buckets of one size are joined together: all their pairs come from one triangle of offsets.
    for size in unique(sizes[sizes <= max_bucket]).tolist():
        first = starts[sizes == size]
        i, j = _triangle(size)
        out.append(np.stack([order[(first[:, None] + i).ravel()], order[(first[:, None] + j).ravel()]], axis=1))
    for s, e in zip(starts[sizes > max_bucket], ends[sizes > max_bucket], strict=True) if star else ():
        out.append(_streamed_bucket(np.sort(order[s:e]), max_bucket, rank))
    return np.concatenate(out) if out else np.empty((0, 2), dtype=np.int64)


def _streamed_bucket(members: np.ndarray, cap: int, rank: np.ndarray | None) -> np.ndarray:
    """Pairs of one crowded bucket (members in item order) as `group_pairs` describes."""
    i, j = _triangle(cap + 1)
    head = np.stack([members[i], members[j]], axis=1)
    n = len(members)
    # Each later item's centre: the earlier item of least (rank, position), a running minimum.
    score = (rank[members] if rank is not None else np.zeros(n, dtype=np.int64)).astype(np.int64) * n + np.arange(n)
    centre = np.minimum.accumulate(score)[cap : n - 1] % n
    return np.concatenate([head, np.stack([members[centre], members[cap + 1 :]], axis=1)])


def _ties(words: np.ndarray, low_bits: int = 0) -> np.ndarray:
    """Positions i of sorted `words` where words i and i + 1 differ at most in their `low_bits` lowest
    bits, found a slice at a time: no temporary is as long as the words (1M articles' block keys:
    64 MB each, taken fresh from the system at every band)."""
    most = np.array((1 << low_bits) - 1, dtype=words.dtype)
    found = [np.empty(0, dtype=np.int64)]
    for lo in range(0, len(words) - 1, 1 << 20):
        hi = min(lo + (1 << 20), len(words) - 1)
        differ = words[lo + 1 : hi + 1] ^ words[lo:hi]
        found.append(np.flatnonzero(differ <= most) + lo)
    return np.concatenate(found)


def _runs(words: np.ndarray, low_bits: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of each run of two or more sorted `words` equal but for their `low_bits` lowest bits."""
    tie = _ties(words, low_bits)  # the item at `tie` and the next share a value
    first = np.ones(len(tie), dtype=bool)
    np.not_equal(tie[1:], tie[:-1] + 1, out=first[1:])
    last = np.ones(len(tie), dtype=bool)
    last[:-1] = first[1:]
    return tie[first], tie[last] + 2


def _gather_runs(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, ...]:
    """The runs' values side by side, and (starts, ends) of each run among them."""
    _, index = range_rows(np.stack([starts, ends], axis=1))
    at = offsets(ends - starts)
    return values[index], at[:-1], at[1:]


def _split_ties(
    column: np.ndarray, rows: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of rows whose keys share their top bits, split into runs of equal keys: the runs holding
    two keys (rare) are grouped again by key then row, their rows appended after the others."""
    run = np.repeat(np.arange(len(starts)), ends - starts)
    full = column[rows]
    differ = full[1:] != full[:-1]
    differ &= run[1:] == run[:-1]
    if not differ.any():
        return rows, starts, ends
    mixed = np.zeros(len(starts), dtype=bool)
    mixed[run[1:][differ]] = True
    redo = rows[mixed[run]]
    redo = redo[np.lexsort((redo, column[redo]))]
    again, again_ends = _runs(column[redo])
    clean = ~mixed
    return (
        np.concatenate([rows, redo]),
        np.concatenate([starts[clean], again + len(rows)]),
        np.concatenate([ends[clean], again_ends + len(rows)]),
    )


def _pack(column: np.ndarray, row_bits: int, scratch: np.ndarray | None) -> tuple[np.ndarray, bool]:
    """Words (key bits, row number), sorted, and whether they hold the whole key."""
    n = len(column)
    scratch = bucket_scratch(n) if scratch is None else scratch
    numbers, packed = scratch[0, :n], scratch[1, :n]
    exact = 8 * column.dtype.itemsize + row_bits <= 64
    if exact:
        packed[:] = column
        packed <<= np.uint64(row_bits)
    else:
        np.bitwise_and(column, ~np.uint64((1 << row_bits) - 1), out=packed)
    packed |= numbers
    packed.sort()
    return packed, exact


def buckets(
    column: np.ndarray, max_size: int | None = None, scratch: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows of `column` whose key another row shares, by key: (rows, starts, ends), one key's
    rows at rows[starts[k]:ends[k]], in increasing order; rows outside every range are in no bucket
    kept. `max_size`: keys of more rows are left out. `scratch`: working memory for the bands of one
    table, uint64 of shape (2, len(column)) whose first row holds 0, 1, 2, ...

    One sort of a word per row holding the row number under as much of the key as fits above it:
    numpy sorts 64-bit words 4-6 times faster than it argsorts them (1M keys: 7 vs 28 ns a key).
    A 32-bit key fits whole; of a 64-bit key the top bits fit, and runs where two keys share them
    are split by the full keys.
    """
    if column.dtype.kind == "i":
        column = column.view(column.dtype.str.replace("i", "u"))
    row_bits = max(1, (len(column) - 1).bit_length())
    packed, exact = _pack(column, row_bits, scratch)
    starts, ends = _runs(packed, row_bits)
    if exact and max_size is not None:  # (a run of key prefixes may yet split into smaller buckets)
        starts, ends = starts[ends - starts <= max_size], ends[ends - starts <= max_size]
    rows, starts, ends = _gather_runs(packed, starts, ends)
    rows = (rows & np.uint64((1 << row_bits) - 1)).astype(np.int64)
    if not exact:
        rows, starts, ends = _split_ties(column, rows, starts, ends)
        if max_size is not None:
            starts, ends = starts[ends - starts <= max_size], ends[ends - starts <= max_size]
    return rows, starts, ends


def bucket_scratch(n: int) -> np.ndarray:
    """Working memory for `buckets` over columns of `n` keys, reused from band to band."""
    scratch = np.empty((2, n), dtype=np.uint64)
    scratch[0] = np.arange(n, dtype=np.uint64)
    return scratch


def collide(
    keys: np.ndarray, owner: np.ndarray, max_bucket: int = 200, star: bool = True, rank: np.ndarray | None = None
) -> np.ndarray:
    """Distinct owner pairs (lo, hi), lo < hi, whose items share a key in any band.

    A bucket of more than `max_bucket` items is joined as a star on its first item by the owners'
    `rank` (the earliest article; by default the first), or skipped (`star=False`: when so many
    items share a key, it tells nothing about any two of them).
    """
    scratch = bucket_scratch(len(keys))
    found = [np.empty(0, dtype=np.int64)]
    item_rank = None if rank is None else rank[owner]
    for band in range(keys.shape[1]):
        pairs = group_pairs(*buckets(keys[:, band], scratch=scratch), max_bucket, star, item_rank)
        a, b = owner[pairs[:, 0]], owner[pairs[:, 1]]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        apart = lo != hi
        # One int64 key per pair: unique over a flat array is far cheaper than over rows.
        found.append((lo[apart].astype(np.int64) << 32) | hi[apart].astype(np.int64))
    return split_pairs(unique(np.concatenate(found)))


def streamed_pairs(keys: np.ndarray, owner: np.ndarray, max_earlier: int) -> np.ndarray:
    """Distinct owner pairs (lo, hi), lo < hi, sharing a key, as a stream of the rows sees them: a row
    pairs with the earlier rows holding its key while at most `max_earlier` do (rows in owner order;
    the streaming index skips a key held by more)."""
    if len(keys) < 2:
        return np.empty((0, 2), dtype=np.int64)
    rows, starts, ends = buckets(keys)
    ends = np.minimum(ends, starts + max_earlier + 1)
    pairs = group_pairs(rows, starts, ends, max_earlier + 1, star=False)
    a, b = owner[pairs[:, 0]].astype(np.int64), owner[pairs[:, 1]].astype(np.int64)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    apart = lo != hi
    return split_pairs(unique((lo[apart] << 32) | hi[apart]))
