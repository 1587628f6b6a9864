"""Inverse document frequencies over hashed content words, accumulated incrementally.

Counts are kept per sentence (a sentence is the unit a rewrite reuses), in a fixed number of hashed
buckets, so tables built over shards add up and a streaming index can keep one up to date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from dedup._util.arrays import range_rows, unique, unique_counts
from dedup.prepare.document import content_ids_many, join_documents

if TYPE_CHECKING:
    from dedup.prepare.document import Document, Joined

__all__ = ["DEFAULT_BUCKETS", "IdfTable", "SentenceUnits", "bucket_of", "sentence_terms", "sentence_terms_many"]


class SentenceUnits(Protocol):
    """What an IDF table counts of a document: content-word ids and sentence token bounds."""

    @property
    def content_ids(self) -> np.ndarray: ...
    @property
    def sentence_bounds(self) -> np.ndarray: ...


DEFAULT_BUCKETS = 1 << 20


def bucket_of(content_ids: np.ndarray, n_buckets: int) -> np.ndarray:
    """The IDF bucket of each content-word id (n_buckets a power of two)."""
    return (content_ids & np.uint64(n_buckets - 1)).astype(np.int64)


def sentence_terms(
    content_ids: np.ndarray, bounds: np.ndarray, n_buckets: int = DEFAULT_BUCKETS
) -> tuple[np.ndarray, np.ndarray]:
    """A document's distinct buckets and, for each, how many of its units (sentences) hold it.

    These are all a document contributes to an IDF table, and its TF-IDF vector's term counts; no
    table is needed to find them.
    """
    unit, index = range_rows(bounds)
    ids = content_ids[index] if len(index) else np.empty(0, dtype=np.uint64)
    keep = ids != 0
    keys = unique((unit[keep].astype(np.int64) << 32) | bucket_of(ids[keep], n_buckets))
    buckets, counts = unique_counts(keys & 0xFFFFFFFF)
    return buckets.astype(np.int32), np.minimum(counts, 65535).astype(np.uint16)


def sentence_terms_many(
    docs: Sequence[Document], n_buckets: int = DEFAULT_BUCKETS, joined: Joined | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`sentence_terms` of every document: buckets (int32), counts (uint16), bounds per document."""
    joined = joined or join_documents(docs)
    content_ids_many(docs)
    ids = np.concatenate([d.content_ids for d in docs]) if docs else np.empty(0, dtype=np.uint64)
    unit, index = range_rows(joined.sentence_bounds)
    term = ids[index] if len(index) else np.empty(0, dtype=np.uint64)
    keep = term != 0
    bucket = bucket_of(term[keep], n_buckets)
    # Each (unit, bucket) once, then counted per (document, bucket).
    per_unit = unique((unit[keep].astype(np.int64) << 32) | bucket)
    per_doc = (joined.sentence_owner[per_unit >> 32] << 32) | (per_unit & 0xFFFFFFFF)
    keys, counts = unique_counts(per_doc)
    doc_bounds = np.searchsorted(keys >> 32, np.arange(len(docs) + 1, dtype=np.int64))
    buckets = (keys & 0xFFFFFFFF).astype(np.int32)
    return buckets, np.minimum(counts, 65535).astype(np.uint16), doc_bounds.astype(np.int64)


class IdfTable:
    """Sentence-frequency counts of hashed content words; `weights` gives smoothed IDF."""

    def __init__(self, n_buckets: int = DEFAULT_BUCKETS) -> None:
        if n_buckets < 1024 or n_buckets & (n_buckets - 1):
            raise ValueError("n_buckets: use a power of two of at least 1024")
        self.n_buckets = n_buckets
        self.counts = np.zeros(n_buckets, dtype=np.uint32)
        self.n_units = 0

    def buckets(self, content_ids: np.ndarray) -> np.ndarray:
        return bucket_of(content_ids, self.n_buckets)

    @classmethod
    def from_documents(cls, docs: Iterable[SentenceUnits]) -> IdfTable:
        """A table counting every sentence of `docs`."""
        table = cls()
        for d in docs:
            table.add_units(d.content_ids, d.sentence_bounds)
        return table

    def terms(self, content_ids: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A document's `sentence_terms` in this table's buckets."""
        return sentence_terms(content_ids, bounds, self.n_buckets)

    def add_units(self, content_ids: np.ndarray, bounds: np.ndarray) -> None:
        """Count each content word once per unit (sentence); units are content_ids[lo:hi] per bounds row."""
        buckets, counts = self.terms(content_ids, bounds)
        self.add_terms(buckets, counts, len(bounds))

    def add_terms(self, buckets: np.ndarray, counts: np.ndarray, n_units: int, sign: int = 1) -> None:
        """Add (sign=-1: take back) what `terms` gave for documents holding `n_units` units in all."""
        if sign == 1:
            np.add.at(self.counts, buckets, counts)
        else:
            np.subtract.at(self.counts, buckets, counts)
        self.n_units += sign * n_units

    def cosine(self, a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
        """TF-IDF cosine of two documents given their `terms` (as `PairFeatures.cosine` measures it)."""
        (ba, ca), (bb, cb) = a, b
        wa, wb = ca * np.sqrt(self.weights(ba)), cb * np.sqrt(self.weights(bb))
        norm = float(np.sqrt((wa * wa).sum() * (wb * wb).sum()))
        _, ia, ib = np.intersect1d(ba, bb, assume_unique=True, return_indices=True)
        return float(wa[ia] @ wb[ib]) / norm if norm else 0.0

    def merge(self, other: IdfTable) -> None:
        """Add another table's counts (tables built over separate shards)."""
        if other.n_buckets != self.n_buckets:
            raise ValueError("n_buckets: merge tables built with the same number of buckets")
        self.counts += other.counts
        self.n_units += other.n_units

    def weights(self, buckets: np.ndarray) -> np.ndarray:
        """Smoothed IDF, as scikit-learn's TfidfTransformer(smooth_idf=True) computes it."""
        return np.log((1.0 + self.n_units) / (1.0 + self.counts[buckets])) + 1.0
