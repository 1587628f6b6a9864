"""Stage 1 of a scan, run per shard: prepare, sign, band-key every article; find its repeats.

A shard's output is plain arrays (and the IDF counts), so shards can be signed in separate
processes or machines and concatenated before the candidate stage.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from itertools import chain
from typing import Any

import numpy as np
import xxhash

from dedup._util.arrays import offsets, unique
from dedup._util.memo import Memo
from dedup.article import Article
from dedup.detector import Detector
from dedup.prepare.document import Document, block_shingles_many, join_documents, quick_names_many
from dedup.sketch.idf import IdfTable, sentence_terms_many
from dedup.sketch.lsh import band_keys
from dedup.sketch.minhash import EMPTY
from dedup.sketch.shingle import run_keys_many
from dedup.verify.repeats import RepeatBlock, find_repeats, repeat_suspects

__all__ = [
    "SKETCH_WIDTH",
    "SignedShard",
    "concat_shards",
    "sign_documents",
    "sign_shard",
    "sketch",
    "topic_and_fact_sets",
]


@dataclass
class SignedShard:
    """What the candidate stage needs of a shard; indices are shard-local until concatenated."""

    norm_hash: np.ndarray
    n_tokens: np.ndarray
    block_keys: np.ndarray
    block_owner: np.ndarray
    doc_keys: np.ndarray
    topic_keys: np.ndarray
    topic_sketch: np.ndarray
    fact_hashes: np.ndarray
    fact_bounds: np.ndarray
    block_prints: np.ndarray
    print_owner: np.ndarray
    line_prints: np.ndarray
    line_owner: np.ndarray
    run_keys: np.ndarray
    run_owner: np.ndarray
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


def sign_shard(articles: Sequence[Article], detector: Detector) -> SignedShard:
    """Sign one shard of articles (see the module docstring)."""
    t0 = time.perf_counter()
    docs = detector.prepare_many(articles)
    shard = sign_documents(docs, detector)
    shard.timings["normalize"] = time.perf_counter() - t0 - sum(shard.timings.values())
    return shard


def sign_documents(docs: Sequence[Document], detector: Detector) -> SignedShard:
    """Sign prepared documents (the index prepares an article once for signing and comparing)."""
    t1 = time.perf_counter()
    joined = join_documents(docs)
    shingles, shingle_bounds = block_shingles_many(docs, detector.hasher, joined)
    owner = joined.block_owner
    (topic_hashes, topic_bounds), (fact_hashes, fact_bounds) = topic_and_fact_sets(docs)
    # No table here: a 4 MB IdfTable per call would be allocated for every article the index adds.
    terms, term_counts, term_bounds = sentence_terms_many(docs, joined=joined)
    t2 = time.perf_counter()
    block_sigs = detector.minhasher.sign_many(shingles, shingle_bounds)
    doc_sigs = _doc_signatures(block_sigs, owner, len(docs), detector.minhasher.num_perm)
    topic_sigs = detector.minhasher.sign_many(topic_hashes, topic_bounds)
    t3 = time.perf_counter()
    block_sizes = np.diff(joined.block_bounds)
    eligible = (np.diff(shingle_bounds) > 0) & (block_sizes >= detector.config.min_block_tokens)
    lines = _figure_lines(docs, owner, ~eligible & (block_sizes > 0), detector.config.lsh.line_min_figures)
    block_prints = np.concatenate([d.block_prints for d in docs]) if docs else np.empty(0, dtype=np.uint64)
    run_keys, run_owner = _run_keys(joined.hashes, docs, detector)
    shard = SignedShard(
        norm_hash=np.array([d.norm_hash for d in docs], dtype=np.uint64),
        n_tokens=np.array([d.n_tokens for d in docs], dtype=np.int64),
        block_keys=band_keys(block_sigs[eligible], *detector.block_bands),
        block_owner=owner[eligible],
        doc_keys=band_keys(doc_sigs, *detector.doc_bands),
        topic_keys=fold_to_32_bits(band_keys(topic_sigs, *detector.topic_bands)),
        topic_sketch=sketch(topic_sigs),
        fact_hashes=fact_hashes,
        fact_bounds=fact_bounds,
        block_prints=block_prints,
        print_owner=owner,
        line_prints=block_prints[lines],
        line_owner=owner[lines],
        run_keys=run_keys,
        run_owner=run_owner,
        terms=terms,
        term_counts=term_counts,
        term_bounds=term_bounds,
        n_units=sum(len(d.sentence_bounds) for d in docs),
    )
    t4 = time.perf_counter()
    # The exact search runs only where a sort over the shard found some twin blocks or sentences.
    suspects = repeat_suspects(joined, shingles, shingle_bounds).tolist()
    shard.repeats = {i: r for i in suspects if (r := find_repeats(docs[i]))}
    shard.timings = {"shingle": t2 - t1, "sign": t3 - t2, "lsh": t4 - t3, "repeats": time.perf_counter() - t4}
    return shard


def _run_keys(hashes: np.ndarray, docs: Sequence[Document], detector: Detector) -> tuple[np.ndarray, np.ndarray]:
    """The shared-run path's keys of every document and their document (`LSHConfig.run_tokens`)."""
    lsh = detector.config.lsh
    if not lsh.run_tokens or not docs:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    bounds = offsets([len(d.token_hashes) for d in docs])
    return run_keys_many(hashes, bounds, detector.run_multipliers, lsh.run_sample)


def _figure_lines(docs: Sequence[Document], owner: np.ndarray, short: np.ndarray, min_figures: int) -> np.ndarray:
    """Mask over all blocks: short blocks (outside the block path) holding `min_figures` distinct figures."""
    out = np.zeros(len(short), dtype=bool)
    first_block = np.searchsorted(owner, np.arange(len(docs)))
    # Only short blocks are looked at: most articles have none, and figures are scanned already.
    at = np.flatnonzero(short)
    for b, d, i in zip(at.tolist(), owner[at].tolist(), (at - first_block[owner[at]]).tolist(), strict=True):
        out[b] = len(docs[d].numbers_in(*docs[d].blocks[i])) >= min_figures
    return out


SKETCH_WIDTH = 64


def fold_to_32_bits(keys: np.ndarray) -> np.ndarray:
    """Band keys folded to 32 bits. For the rewrite path this halves the largest per-article array;
    chance collisions (about N**2 / 2**33 per band) are dropped by the similarity estimate after."""
    return (keys ^ (keys >> np.uint64(32))).astype(np.uint32)


def sketch(signatures: np.ndarray) -> np.ndarray:
    """b-bit MinHash sketch: the low 8 bits of the first SKETCH_WIDTH values (an eighth of the bytes),
    enough to estimate Jaccard similarity between candidates."""
    return (signatures[:, :SKETCH_WIDTH] & np.uint32(0xFF)).astype(np.uint8)


def _doc_signatures(block_sigs: np.ndarray, owner: np.ndarray, n_docs: int, num_perm: int) -> np.ndarray:
    """A document's MinHash is the element-wise min of its blocks' (shingles never cross blocks)."""
    out = np.full((n_docs, num_perm), EMPTY, dtype=np.uint32)
    if len(owner):
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        # Reduce along contiguous memory (permutations-major), as in the signature kernel.
        out[owner[starts]] = np.minimum.reduceat(np.ascontiguousarray(block_sigs.T), starts, axis=1).T
    return out


# Article indices: shifted by the shard's first article.
_BY_ARTICLE = ("block_owner", "print_owner", "line_owner", "run_owner")
_BOUNDS = {"fact_bounds": "fact_hashes", "term_bounds": "terms"}  # bounds into another field


def concat_shards(shards: list[SignedShard]) -> SignedShard:
    """Join signed shards in order, shifting shard-local indices to global ones.

    The shards are consumed: each field is released from them once joined, so that joining never
    holds much more than one copy of the corpus's arrays.
    """
    if not shards:
        raise ValueError("shards: give at least one signed shard")
    offsets = np.cumsum([0] + [len(s) for s in shards])[:-1]
    shifts = {b: np.cumsum([0] + [len(getattr(s, f)) for s in shards])[:-1] for b, f in _BOUNDS.items()}
    repeats: dict[int, list[RepeatBlock]] = {}
    timings: dict[str, float] = {}
    for off, s in zip(offsets.tolist(), shards, strict=True):
        repeats.update({off + i: r for i, r in s.repeats.items()})
        for k, v in s.timings.items():
            timings[k] = timings.get(k, 0.0) + v
    joined: dict[str, Any] = {"n_units": sum(s.n_units for s in shards), "repeats": repeats, "timings": timings}
    for f in fields(SignedShard):
        if f.name in joined:
            continue
        parts = [getattr(s, f.name) for s in shards]
        if f.name in _BY_ARTICLE:
            parts = [p + o for p, o in zip(parts, offsets, strict=True)]
        elif f.name in _BOUNDS:
            parts = [parts[0][:1]] + [p[1:] + o for p, o in zip(parts, shifts[f.name], strict=True)]
        joined[f.name] = np.concatenate(parts)
        for s in shards:
            setattr(s, f.name, None)
    return SignedShard(**joined)


_LOW32 = np.uint64(0xFFFFFFFF)
Sets = tuple[np.ndarray, np.ndarray]  # flat values of every document's set, and bounds per document


def _fact_hash(fact: str) -> int:
    return xxhash.xxh32_intdigest(fact.encode())


def _name_hash(name: str) -> int:
    return xxhash.xxh32_intdigest(f"n:{name}".encode())


# Facts and names recur across a corpus: their hashes are looked up.
_FACT_HASHES = Memo(_fact_hash, 1 << 17, name="fact_hashes")
_NAME_HASHES = Memo(_name_hash, 1 << 17, name="name_hashes")


def _owned_hashes(groups: Sequence[Iterable[str]], sizes: list[int], memo: Memo[str, int]) -> np.ndarray:
    """uint64 keys of each group's hashes: the group's index in the high 32 bits, the hash below."""
    flat = np.fromiter(map(memo.__getitem__, chain.from_iterable(groups)), dtype=np.uint64, count=sum(sizes))
    return (np.repeat(np.arange(len(sizes), dtype=np.uint64), sizes) << np.uint64(32)) | flat


def _split_keys(keys: np.ndarray, n: int) -> Sets:
    """Distinct keys of `_owned_hashes` as flat sorted uint32 hashes per group, and bounds per group."""
    keys = unique(keys)
    bounds = np.searchsorted(keys >> np.uint64(32), np.arange(n + 1, dtype=np.uint64)).astype(np.int64)
    return (keys & _LOW32).astype(np.uint32), bounds


def topic_and_fact_sets(
    docs: Sequence[Document],
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The rewrite path's sets of every document, each as flat uint32 hashes and bounds per document:
    its topic set (names and facts as sorted distinct hashes: a retelling keeps the people, places and
    figures of its story while changing its words, and these are rarer across unrelated stories than
    content words in general) and its facts alone (`Document.fact_hashes`)."""
    quick_names_many(docs)
    facts = [d.facts for d in docs]
    names = [d.quick_names for d in docs]
    fact_keys = _owned_hashes(facts, [len(f) for f in facts], _FACT_HASHES)
    name_keys = _owned_hashes(names, [len(n) for n in names], _NAME_HASHES)
    return _split_keys(np.concatenate([name_keys, fact_keys]), len(docs)), _split_keys(fact_keys, len(docs))
