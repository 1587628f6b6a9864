"""What the index's tables hold of each article, packed to be stored beside it.

Every worker over a shared store adds every article to its own tables. Without these keys, a worker
following another's additions would prepare and sign each of them again (most of the cost of adding
one); with them it unpacks a few arrays. The owning worker packs the keys it signed anyway, so every
worker's tables hold the very keys the owner's hold.

A packed form names the detector settings that made it (`keys_tag`): keys made under other settings,
or by an older format, are not used, and the article is signed again.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dedup.config import DetectorConfig
from dedup.sketch.keytable import KeyTable
from dedup.sketch.shard import SignedShard

__all__ = ["KEYS_FORMAT", "ArticleKeys", "concat_keys", "keys_tag"]

# Raise when signing changes what it makes without a change of settings: older packed keys are then ignored.
KEYS_FORMAT = 3  # 2: terms, paragraph fingerprints and the ids strong relations join; 3: run keys
# The tag, then the sizes: paragraphs, paragraph bands, document bands, topic bands, sketch width, facts,
# terms, paragraph fingerprints, run keys, bytes of the joined ids.
_HEADER = struct.Struct("<8s10I")
# The packed arrays in order: norm hash, paragraph keys, document keys, topic keys, topic sketch, facts,
# terms, paragraph fingerprints, run keys; then the joined ids, UTF-8, one per line (ids hold no control
# character).
_DTYPES = tuple(np.dtype(t) for t in ("<u8", "<u8", "<u8", "<u4", "u1", "<u4", "<i4", "<u8", "<u8"))


def keys_tag(config: DetectorConfig) -> bytes:
    """The settings (and format) packed keys were made under: keys of another tag are not used."""
    return hashlib.sha256(repr((KEYS_FORMAT, config)).encode()).digest()[:8]


@dataclass(frozen=True)
class ArticleKeys:
    """The keys and rewrite-path sets of consecutive articles, as `SignedShard` holds them.

    Per article: its normalized-text hash, document and topic band keys (rows), topic sketch (row),
    facts (flat, `fact_bounds`), terms (flat, `term_bounds`: the containment path) and the ids its
    strong relations join it to (`joined`: the boilerplate rule's clusters); per eligible paragraph,
    its band keys (rows) and article (`block_owner`); per paragraph, its fingerprint (`print_owner`);
    its shared-run keys (`run_owner`).
    """

    norm_hash: np.ndarray
    block_keys: np.ndarray
    block_owner: np.ndarray
    doc_keys: np.ndarray
    topic_keys: np.ndarray
    topic_sketch: np.ndarray
    fact_hashes: np.ndarray
    fact_bounds: np.ndarray
    terms: np.ndarray
    term_bounds: np.ndarray
    block_prints: np.ndarray
    print_owner: np.ndarray
    run_keys: np.ndarray
    run_owner: np.ndarray
    joined: tuple[tuple[str, ...], ...]

    def __len__(self) -> int:
        return len(self.norm_hash)

    @classmethod
    def of(cls, signed: SignedShard, joined: Sequence[Sequence[str]] | None = None) -> ArticleKeys:
        """The keys of signed articles (no copy), each joined to the ids `joined` names (none if None)."""
        ids = tuple(tuple(j) for j in joined) if joined is not None else ((),) * len(signed)
        return cls(
            signed.norm_hash, signed.block_keys, signed.block_owner, signed.doc_keys, signed.topic_keys,
            signed.topic_sketch, signed.fact_hashes, signed.fact_bounds, signed.terms, signed.term_bounds,
            signed.block_prints, signed.print_owner, signed.run_keys, signed.run_owner, ids,
        )  # fmt: skip

    def add_to(self, tables: dict[str, KeyTable], items: np.ndarray, paragraph_bands: int) -> None:
        """Add the keys to an index's tables (exact, block, doc, topic, run), the articles numbered
        `items`; of each paragraph, its first `paragraph_bands` bands."""
        block_items, block_keys = _distinct_per_item(self.block_keys[:, :paragraph_bands], items[self.block_owner])
        tables["exact"].add_many(self.norm_hash, items)
        tables["block"].add_many(block_keys, block_items)
        for name, keys in (("doc", self.doc_keys), ("topic", self.topic_keys)):
            tables[name].add_many(keys.ravel(), np.repeat(items, keys.shape[1]))
        tables["run"].add_many(self.run_keys, items[self.run_owner])

    def pack_each(self, tag: bytes) -> list[bytes]:
        """Each article's keys as bytes (little-endian), headed by `tag`, for `unpack`."""
        block_bounds = np.searchsorted(self.block_owner, np.arange(len(self) + 1))
        print_bounds = np.searchsorted(self.print_owner, np.arange(len(self) + 1))
        run_bounds = np.searchsorted(self.run_owner, np.arange(len(self) + 1))
        bounds = np.stack([block_bounds, print_bounds, run_bounds], axis=1)
        return [self._pack_one(i, bounds[i : i + 2], tag) for i in range(len(self))]

    def _pack_one(self, i: int, bounds: np.ndarray, tag: bytes) -> bytes:
        blocks, prints, runs = bounds[:, 0], bounds[:, 1], bounds[:, 2]
        facts = self.fact_hashes[self.fact_bounds[i] : self.fact_bounds[i + 1]]
        terms = self.terms[self.term_bounds[i] : self.term_bounds[i + 1]]
        block_keys = self.block_keys[blocks[0] : blocks[1]]
        paragraphs = self.block_prints[prints[0] : prints[1]]
        run_keys = self.run_keys[runs[0] : runs[1]]
        joined = "\n".join(self.joined[i]).encode()
        sizes = (*block_keys.shape, self.doc_keys.shape[1], self.topic_keys.shape[1], self.topic_sketch.shape[1])
        parts = (self.norm_hash[i : i + 1], block_keys, self.doc_keys[i], self.topic_keys[i], self.topic_sketch[i])
        arrays = (*parts, facts, terms, paragraphs, run_keys)
        packed = [np.ascontiguousarray(a, dtype=t).tobytes() for a, t in zip(arrays, _DTYPES, strict=True)]
        header = _HEADER.pack(tag, *sizes, len(facts), len(terms), len(paragraphs), len(run_keys), len(joined))
        return header + b"".join(packed) + joined

    @staticmethod
    def usable(packed: bytes, tag: bytes) -> bool:
        """Whether `packed` holds one article's keys, whole, made under `tag`."""
        if len(packed) < _HEADER.size or packed[: len(tag)] != tag:
            return False
        return _cuts(_HEADER.unpack_from(packed))[-1] == len(packed)

    @classmethod
    def unpack(cls, packed: bytes, tag: bytes) -> ArticleKeys | None:
        """One article's keys from `pack_each`; None if made under another tag (or not whole)."""
        return cls.unpack_many([packed]) if cls.usable(packed, tag) else None

    @classmethod
    def unpack_many(cls, packed: Sequence[bytes]) -> ArticleKeys:
        """The keys of consecutive articles from `pack_each` (each `usable`), joined: each field's bytes
        are gathered from every article first, then read as one array."""
        heads = [_HEADER.unpack_from(one) for one in packed]
        widths = {head[2:6] for head in heads}
        if len(widths) > 1:  # one tag means one set of settings, so never; joined one by one all the same
            return concat_keys([cls.unpack_many([one]) for one in packed])
        bands, doc_bands, topic_bands, width = widths.pop()
        cuts = [_cuts(head) for head in heads]
        fields = [
            np.frombuffer(b"".join([one[cut[k] : cut[k + 1]] for one, cut in zip(packed, cuts, strict=True)]), dtype)
            for k, dtype in enumerate(_DTYPES)
        ]
        norm, block, doc, topic, sketch, facts, terms, prints, runs = fields
        articles = np.arange(len(heads), dtype=np.int64)
        blocks, n_prints, n_runs = (np.array([head[k] for head in heads], dtype=np.int64) for k in (1, 8, 9))
        fact_bounds, term_bounds = (np.zeros(len(heads) + 1, dtype=np.int64) for _ in range(2))
        np.cumsum([head[6] for head in heads], out=fact_bounds[1:])
        np.cumsum([head[7] for head in heads], out=term_bounds[1:])
        joined = tuple(_joined(one, cut) for one, cut in zip(packed, cuts, strict=True))
        return cls(
            norm, block.reshape(-1, bands), np.repeat(articles, blocks), doc.reshape(-1, doc_bands),
            topic.reshape(-1, topic_bands), sketch.reshape(-1, width), facts, fact_bounds, terms.astype(np.int32),
            term_bounds, prints, np.repeat(articles, n_prints), runs, np.repeat(articles, n_runs), joined,
        )  # fmt: skip


def _cuts(head: tuple[Any, ...]) -> tuple[int, ...]:
    """Where each packed array starts in one article's bytes, where the joined ids start, and the end."""
    _, blocks, bands, doc_bands, topic_bands, width, facts, terms, prints, runs, joined = head
    counts = (1, blocks * bands, doc_bands, topic_bands, width, facts, terms, prints, runs)
    cuts = [_HEADER.size]
    for n, dtype in zip(counts, _DTYPES, strict=True):
        cuts.append(cuts[-1] + n * dtype.itemsize)
    return (*cuts, cuts[-1] + joined)


def _joined(packed: bytes, cuts: tuple[int, ...]) -> tuple[str, ...]:
    """The ids one article's strong relations join it to."""
    text = packed[cuts[-2] : cuts[-1]].decode()
    return tuple(text.split("\n")) if text else ()


def concat_keys(keys: Sequence[ArticleKeys]) -> ArticleKeys:
    """The keys of consecutive articles joined, in order (article indices made global)."""
    if len(keys) == 1:
        return keys[0]
    starts = np.cumsum([0] + [len(k) for k in keys])[:-1]
    fact_starts = np.cumsum([0] + [len(k.fact_hashes) for k in keys])[:-1]
    term_starts = np.cumsum([0] + [len(k.terms) for k in keys])[:-1]
    return ArticleKeys(
        norm_hash=np.concatenate([k.norm_hash for k in keys]),
        block_keys=np.concatenate([k.block_keys for k in keys]),
        block_owner=np.concatenate([k.block_owner + s for k, s in zip(keys, starts, strict=True)]),
        doc_keys=np.concatenate([k.doc_keys for k in keys]),
        topic_keys=np.concatenate([k.topic_keys for k in keys]),
        topic_sketch=np.concatenate([k.topic_sketch for k in keys]),
        fact_hashes=np.concatenate([k.fact_hashes for k in keys]),
        fact_bounds=np.concatenate(
            [keys[0].fact_bounds[:1]] + [k.fact_bounds[1:] + s for k, s in zip(keys, fact_starts, strict=True)]
        ),
        terms=np.concatenate([k.terms for k in keys]),
        term_bounds=np.concatenate(
            [keys[0].term_bounds[:1]] + [k.term_bounds[1:] + s for k, s in zip(keys, term_starts, strict=True)]
        ),
        block_prints=np.concatenate([k.block_prints for k in keys]),
        print_owner=np.concatenate([k.print_owner + s for k, s in zip(keys, starts, strict=True)]),
        run_keys=np.concatenate([k.run_keys for k in keys]),
        run_owner=np.concatenate([k.run_owner + s for k, s in zip(keys, starts, strict=True)]),
        joined=tuple(ids for k in keys for ids in k.joined),
    )


def _distinct_per_item(keys: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(item, key) pairs of each row of `keys` (the band keys of one paragraph of article `items[row]`),
    in item order, each pair once: a paragraph printed twice holds its keys twice.

    Only keys found more than once can repeat a pair: those alone are sorted by key and item, the rest
    keep their order (the order of an item's keys does not change a table)."""
    flat_items, flat_keys = np.repeat(items, keys.shape[1]), keys.ravel()
    by_key = np.argsort(flat_keys)
    repeats = flat_keys[by_key[1:]] == flat_keys[by_key[:-1]]
    if not repeats.any():
        return flat_items, flat_keys
    held_again = np.zeros(len(by_key), dtype=bool)
    held_again[1:] = repeats
    held_again[:-1] |= repeats
    shared = by_key[held_again]
    shared = shared[np.lexsort((flat_items[shared], flat_keys[shared]))]
    again = (flat_keys[shared[1:]] == flat_keys[shared[:-1]]) & (flat_items[shared[1:]] == flat_items[shared[:-1]])
    keep = np.ones(len(flat_keys), dtype=bool)
    keep[shared[1:][again]] = False
    return flat_items[keep], flat_keys[keep]
