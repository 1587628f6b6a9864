"""Stage 1 of a scan, run per shard: prepare, sign, band-key every article; find its repeats.

A shard's output is plain arrays (and the IDF counts), so shards can be signed in separate
processes or machines and concatenated before the candidate stage.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from dedup.article import Article
from dedup.detect.repeats import RepeatBlock, find_repeats
from dedup.detector import Detector
from dedup.document import Document
from dedup.idf import IdfTable
from dedup.lsh import band_keys
from dedup.signature import EMPTY

__all__ = ["SignedShard", "concat_shards", "sign_documents", "sign_shard"]


@dataclass
class SignedShard:
    """What the candidate stage needs of a shard; indices are shard-local until concatenated."""

    norm_hash: np.ndarray
    n_tokens: np.ndarray
    block_keys: np.ndarray
    block_owner: np.ndarray
    doc_keys: np.ndarray
    topic_keys: np.ndarray
    topic_sigs: np.ndarray
    fact_hashes: np.ndarray
    fact_bounds: np.ndarray
    block_prints: np.ndarray
    print_owner: np.ndarray
    terms: np.ndarray
    term_counts: np.ndarray
    term_bounds: np.ndarray
    n_units: int
    repeats: dict[int, list[RepeatBlock]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.norm_hash)

    def idf_table(self) -> IdfTable:
        """The sentence-frequency table of every article of the shard (built on each call)."""
        table = IdfTable()
        table.counts += np.bincount(self.terms, weights=self.term_counts, minlength=table.n_buckets).astype(np.uint32)
        table.n_units = self.n_units
        return table

    def terms_of(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Article i's IDF buckets and how many of its sentences hold each."""
        lo, hi = self.term_bounds[i], self.term_bounds[i + 1]
        return self.terms[lo:hi], self.term_counts[lo:hi]

    def facts_of(self, i: int) -> np.ndarray:
        """Sorted uint32 hashes of article i's facts."""
        return self.fact_hashes[self.fact_bounds[i] : self.fact_bounds[i + 1]]


def _concat(parts: list[np.ndarray], width: int, dtype: type) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty((0, width), dtype=dtype)


def sign_shard(articles: Sequence[Article], detector: Detector) -> SignedShard:
    """Sign one shard of articles (see the module docstring)."""
    t0 = time.perf_counter()
    docs = [detector.prepare(a) for a in articles]
    shard = sign_documents(docs, detector)
    shard.timings["normalize"] = time.perf_counter() - t0 - sum(shard.timings.values())
    return shard


def sign_documents(docs: Sequence[Document], detector: Detector) -> SignedShard:
    """Sign prepared documents (the index prepares an article once for signing and comparing)."""
    t1 = time.perf_counter()
    shingles = [s for doc in docs for s in doc.block_shingles]
    owner = np.repeat(np.arange(len(docs)), [len(d.blocks) for d in docs]).astype(np.int64)
    topic_sets = [detector.topic_set(d) for d in docs]
    fact_sets = [detector.fact_set(d) for d in docs]
    table = IdfTable()
    terms = [table.terms(d.content_ids, d.sentence_bounds) for d in docs]
    t2 = time.perf_counter()
    block_sigs = _sign_sets(detector, shingles)
    doc_sigs = _doc_signatures(block_sigs, owner, len(docs), detector.minhasher.num_perm)
    topic_sigs = _sign_sets(detector, topic_sets)
    t3 = time.perf_counter()
    block_sizes = np.concatenate([np.diff(d.block_bounds) for d in docs]) if docs else np.empty(0, dtype=np.int64)
    eligible = np.array([len(s) > 0 for s in shingles], dtype=bool) & (block_sizes >= detector.config.min_block_tokens)
    shard = SignedShard(
        norm_hash=np.array([d.norm_hash for d in docs], dtype=np.uint64),
        n_tokens=np.array([d.n_tokens for d in docs], dtype=np.int64),
        block_keys=band_keys(block_sigs[eligible], *detector.block_bands),
        block_owner=owner[eligible],
        doc_keys=band_keys(doc_sigs, *detector.doc_bands),
        topic_keys=band_keys(topic_sigs, *detector.topic_bands),
        topic_sigs=topic_sigs,
        fact_hashes=np.concatenate(fact_sets) if fact_sets else np.empty(0, dtype=np.uint32),
        fact_bounds=_bounds(fact_sets),
        block_prints=np.concatenate([d.block_prints for d in docs]) if docs else np.empty(0, dtype=np.uint64),
        print_owner=owner,
        terms=_concat([t[0] for t in terms], 0, np.int32).reshape(-1),
        term_counts=_concat([t[1] for t in terms], 0, np.uint32).reshape(-1),
        term_bounds=_bounds([t[0] for t in terms]),
        n_units=sum(len(d.sentence_bounds) for d in docs),
    )
    t4 = time.perf_counter()
    shard.repeats = {i: r for i, d in enumerate(docs) if (r := find_repeats(d))}
    shard.timings = {"shingle": t2 - t1, "sign": t3 - t2, "lsh": t4 - t3, "repeats": time.perf_counter() - t4}
    return shard


def _bounds(sets: list[np.ndarray]) -> np.ndarray:
    bounds = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sets], out=bounds[1:])
    return bounds


def _sign_sets(detector: Detector, sets: list[np.ndarray]) -> np.ndarray:
    bounds = _bounds(sets)
    flat = np.concatenate(sets) if sets else np.empty(0, dtype=np.uint32)
    return detector.minhasher.sign_many(flat, bounds)


def _doc_signatures(block_sigs: np.ndarray, owner: np.ndarray, n_docs: int, num_perm: int) -> np.ndarray:
    """A document's MinHash is the element-wise min of its blocks' (shingles never cross blocks)."""
    out = np.full((n_docs, num_perm), EMPTY, dtype=np.uint32)
    if len(owner):
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        # Reduce along contiguous memory (permutations-major), as in the signature kernel.
        out[owner[starts]] = np.minimum.reduceat(np.ascontiguousarray(block_sigs.T), starts, axis=1).T
    return out


def concat_shards(shards: Sequence[SignedShard]) -> SignedShard:
    """Join signed shards in order, shifting shard-local indices to global ones."""
    offsets = np.cumsum([0] + [len(s) for s in shards])
    fact_offsets = np.cumsum([0] + [len(s.fact_hashes) for s in shards])[:-1]
    term_offsets = np.cumsum([0] + [len(s.terms) for s in shards])[:-1]
    repeats: dict[int, list[RepeatBlock]] = {}
    timings: dict[str, float] = {}
    for off, s in zip(offsets, shards, strict=False):
        repeats.update({int(off) + i: r for i, r in s.repeats.items()})
        for k, v in s.timings.items():
            timings[k] = timings.get(k, 0.0) + v
    first = shards[0] if shards else None
    owners = [s.print_owner + o for s, o in zip(shards, offsets, strict=False)]
    return SignedShard(
        norm_hash=_concat([s.norm_hash for s in shards], 0, np.uint64).reshape(-1),
        n_tokens=_concat([s.n_tokens for s in shards], 0, np.int64).reshape(-1),
        block_keys=_concat([s.block_keys for s in shards], first.block_keys.shape[1] if first else 0, np.uint64),
        block_owner=_concat([s.block_owner + o for s, o in zip(shards, offsets, strict=False)], 0, np.int64),
        doc_keys=_concat([s.doc_keys for s in shards], first.doc_keys.shape[1] if first else 0, np.uint64),
        topic_keys=_concat([s.topic_keys for s in shards], first.topic_keys.shape[1] if first else 0, np.uint64),
        topic_sigs=_concat([s.topic_sigs for s in shards], first.topic_sigs.shape[1] if first else 0, np.uint32),
        fact_hashes=_concat([s.fact_hashes for s in shards], 0, np.uint32).reshape(-1),
        fact_bounds=np.concatenate([[0], *[s.fact_bounds[1:] + f for s, f in zip(shards, fact_offsets, strict=True)]]),
        block_prints=_concat([s.block_prints for s in shards], 0, np.uint64).reshape(-1),
        print_owner=_concat(owners, 0, np.int64).reshape(-1),
        terms=_concat([s.terms for s in shards], 0, np.int32).reshape(-1),
        term_counts=_concat([s.term_counts for s in shards], 0, np.uint32).reshape(-1),
        term_bounds=np.concatenate([[0], *[s.term_bounds[1:] + t for s, t in zip(shards, term_offsets, strict=True)]]),
        n_units=sum(s.n_units for s in shards),
        repeats=repeats,
        timings=timings,
    )
