"""Inverse document frequencies over hashed content words, accumulated incrementally.

Counts are kept per sentence (a sentence is the unit a rewrite reuses), in a fixed number of hashed
buckets, so tables built over shards add up and a streaming index can keep one up to date.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import numpy as np

__all__ = ["IdfTable", "SentenceUnits"]


class SentenceUnits(Protocol):
    """What an IDF table counts of a document: content-word ids and sentence token bounds."""

    @property
    def content_ids(self) -> np.ndarray: ...
    @property
    def sentence_bounds(self) -> np.ndarray: ...


class IdfTable:
    """Sentence-frequency counts of hashed content words; `weights` gives smoothed IDF."""

    def __init__(self, n_buckets: int = 1 << 20) -> None:
        if n_buckets < 1024 or n_buckets & (n_buckets - 1):
            raise ValueError("n_buckets: use a power of two of at least 1024")
        self.n_buckets = n_buckets
        self.counts = np.zeros(n_buckets, dtype=np.uint32)
        self.n_units = 0

    def buckets(self, content_ids: np.ndarray) -> np.ndarray:
        return (content_ids & np.uint64(self.n_buckets - 1)).astype(np.int64)

    @classmethod
    def from_documents(cls, docs: Iterable[SentenceUnits]) -> IdfTable:
        """A table counting every sentence of `docs`."""
        table = cls()
        for d in docs:
            table.add_units(d.content_ids, d.sentence_bounds)
        return table

    def add_units(self, content_ids: np.ndarray, bounds: np.ndarray) -> None:
        """Count each content word once per unit (sentence); units are content_ids[lo:hi] per bounds row."""
        for lo, hi in bounds:
            ids = content_ids[lo:hi]
            ids = ids[ids != 0]
            if len(ids):
                np.add.at(self.counts, np.unique(self.buckets(ids)), 1)
        self.n_units += len(bounds)

    def merge(self, other: IdfTable) -> None:
        """Add another table's counts (tables built over separate shards)."""
        if other.n_buckets != self.n_buckets:
            raise ValueError("n_buckets: merge tables built with the same number of buckets")
        self.counts += other.counts
        self.n_units += other.n_units

    def weights(self, buckets: np.ndarray) -> np.ndarray:
        """Smoothed IDF, as scikit-learn's TfidfTransformer(smooth_idf=True) computes it."""
        return np.log((1.0 + self.n_units) / (1.0 + self.counts[buckets])) + 1.0
