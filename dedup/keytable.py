"""A compact multimap from uint64 LSH band keys to uint32 item numbers, for a growing index.

New entries go to a small buffer; full buffers become sorted runs, and runs of similar size are
merged (a log-structured merge), so inserts are amortised O(log n) and a lookup is a binary search
per run. Twelve bytes an entry, against a few hundred for a Python dict of sets.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KeyTable"]

_BUFFER = 8192


class KeyTable:
    """uint64 key -> item numbers (with repeats when an item holds a key twice)."""

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []
        self._buf_keys: list[np.ndarray] = []
        self._buf_items: list[np.ndarray] = []
        self._buffered = 0

    def add(self, keys: np.ndarray, item: int) -> None:
        keys = np.asarray(keys, dtype=np.uint64).ravel()
        self._buf_keys.append(keys)
        self._buf_items.append(np.full(len(keys), item, dtype=np.uint32))
        self._buffered += len(keys)
        if self._buffered >= _BUFFER:
            self._flush()

    def _flush(self) -> None:
        if not self._buffered:
            return
        keys, items = np.concatenate(self._buf_keys), np.concatenate(self._buf_items)
        order = np.argsort(keys, kind="stable")
        self._runs.append((keys[order], items[order]))
        self._buf_keys, self._buf_items, self._buffered = [], [], 0
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            (k2, i2), (k1, i1) = self._runs.pop(), self._runs.pop()
            keys, items = np.concatenate([k1, k2]), np.concatenate([i1, i2])
            order = np.argsort(keys, kind="stable")
            self._runs.append((keys[order], items[order]))

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Items holding any of `keys`, once per matching entry."""
        keys = np.asarray(keys, dtype=np.uint64).ravel()
        found = []
        for run_keys, run_items in self._runs:
            lo = np.searchsorted(run_keys, keys, side="left")
            hi = np.searchsorted(run_keys, keys, side="right")
            for a, b in zip(lo[hi > lo].tolist(), hi[hi > lo].tolist(), strict=True):
                found.append(run_items[a:b])
        for buf_keys, buf_items in zip(self._buf_keys, self._buf_items, strict=True):
            found.append(buf_items[np.isin(buf_keys, keys)])
        return np.concatenate(found) if found else np.empty(0, dtype=np.uint32)

    def __len__(self) -> int:
        return sum(len(k) for k, _ in self._runs) + self._buffered

    @property
    def nbytes(self) -> int:
        runs = sum(k.nbytes + i.nbytes for k, i in self._runs)
        return runs + sum(k.nbytes + i.nbytes for k, i in zip(self._buf_keys, self._buf_items, strict=True))
