"""Per-document arrays of a whole shard computed at once.

Each of these is a few dozen numpy operations; per document, on wire stories of a few hundred words,
their fixed cost per call outweighs the work. Over a shard of a thousand articles it is paid once.
Results equal the per-document ones (`Document.block_shingles`, `idf.sentence_terms`), as tests check.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np
import xxhash

from dedup.arrays import offsets, range_rows, unique, unique_counts, unique_per_run
from dedup.batch.names import quick_names_many
from dedup.batch.warm import content_ids_many
from dedup.document import Document, Joined, join_documents
from dedup.idf import DEFAULT_BUCKETS, bucket_of
from dedup.memo import Memo
from dedup.shingle import TokenHasher

__all__ = ["block_shingles_many", "sentence_terms_many", "topic_and_fact_sets"]

_LOW32 = np.uint64(0xFFFFFFFF)


def block_shingles_many(
    docs: Sequence[Document], hasher: TokenHasher, joined: Joined | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct k-gram hashes of every block of every document: flat uint32 and bounds per block.

    Also stores each document's `block_shingles` (the same arrays, as views), if not computed yet.
    `joined` is `join_documents(docs)`, if the caller has it.
    """
    joined = joined or join_documents(docs)
    flat, bounds = hasher.kgrams_many(joined.hashes, joined.block_bounds)
    values, cuts = unique_per_run(flat, bounds)
    first_block = offsets([len(d.blocks) for d in docs]).tolist()
    cut_list = cuts.tolist()
    for d, b in zip(docs, first_block, strict=False):
        if "block_shingles" not in d.__dict__:
            d.__dict__["block_shingles"] = [values[cut_list[i] : cut_list[i + 1]] for i in range(b, b + len(d.blocks))]
    return values, cuts


def sentence_terms_many(
    docs: Sequence[Document], n_buckets: int = DEFAULT_BUCKETS, joined: Joined | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`idf.sentence_terms` of every document: buckets (int32), counts (uint16), bounds per document."""
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


Sets = tuple[np.ndarray, np.ndarray]  # flat values of every document's set, and bounds per document


def _fact_hash(fact: str) -> int:
    return xxhash.xxh32_intdigest(fact.encode())


def _name_hash(name: str) -> int:
    return xxhash.xxh32_intdigest(f"n:{name}".encode())


# Facts and names recur across a corpus: their hashes are looked up.
_FACT_HASHES = Memo(_fact_hash, 1 << 17)
_NAME_HASHES = Memo(_name_hash, 1 << 17)


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
    """`Detector.topic_set` and `Detector.fact_set` of every document (names and facts as sorted
    distinct uint32 hashes; facts alone): each as flat uint32 hashes and bounds per document."""
    quick_names_many(docs)
    facts = [d.facts for d in docs]
    names = [d.quick_names for d in docs]
    fact_keys = _owned_hashes(facts, [len(f) for f in facts], _FACT_HASHES)
    name_keys = _owned_hashes(names, [len(n) for n in names], _NAME_HASHES)
    return _split_keys(np.concatenate([name_keys, fact_keys]), len(docs)), _split_keys(fact_keys, len(docs))
