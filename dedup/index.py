"""A growing index: score one article against everything added before it, then add it.

This is what an ingest service calls per article. Band keys live in compact in-memory tables; the
texts live in a `Store` (memory, SQLite, Redis), from which candidates are read back for exact
verification. Reopening an index over a non-empty store re-signs the stored articles.
"""

from __future__ import annotations

import sys
import threading
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dedup._util import heap
from dedup.article import Article
from dedup.candidates import estimate_jaccard, facts_kept
from dedup.detector import Detector, relation_record
from dedup.errors import ConfigError, DuplicateIdError
from dedup.prepare.document import Document
from dedup.sketch.idf import IdfTable
from dedup.sketch.keytable import KeyTable
from dedup.sketch.shard import SKETCH_WIDTH, SignedShard, sign_documents, sign_shard
from dedup.store import MemoryStore, Store

__all__ = ["Index", "IndexReport", "give_back_freed_memory", "keep_heap_small"]

_DOC_CACHE = 512
# Articles of a reopened store signed together: one at a time, re-signing is several times slower.
_REOPEN_SHARD = 1000


@dataclass
class IndexReport:
    """Relations of one article to earlier ones (output-contract records) and its repeated blocks."""

    id: str
    relations: list[dict[str, Any]] = field(default_factory=list)
    repeats: list[dict[str, Any]] = field(default_factory=list)
    added: bool = False


class Index:
    """Incremental detector over a store; thread-safe (one writer at a time).

    `paragraph_bands` keeps only that many of each paragraph's LSH bands (default: all of them, so the
    index finds what a scan finds). Paragraph keys are most of the index's memory, about 5.3 bytes a
    band: 16 of the 25 bands cut it by a fifth, and cost 17 of Reuters' 1,878 partial relations
    (single reused paragraphs with light edits; `python -m benchmarks.speed.index_memory --paragraph-bands 16`).
    """

    def __init__(
        self, detector: Detector | None = None, store: Store | None = None, paragraph_bands: int | None = None
    ) -> None:
        self.detector = detector or Detector()
        bands = self.detector.block_bands[0]
        if paragraph_bands is not None and not 1 <= paragraph_bands <= bands:
            raise ConfigError(f"paragraph_bands: use 1 to {bands} (the detector's paragraph bands), or None for all")
        self.paragraph_bands = paragraph_bands or bands
        self.store: Store = store if store is not None else MemoryStore()
        # Article ids as one UTF-8 buffer and its end offsets: no Python object per article.
        self._id_bytes = bytearray()
        self._id_ends = array("Q")
        self._tables = {name: KeyTable() for name in ("exact", "block", "doc")}
        # Topic band keys are folded to 32 bits when signed: kept whole, a byte less an entry.
        self._tables["topic"] = KeyTable(key_bits=32)
        # The rewrite path's per-article sketch and facts, to filter and rank candidates as a scan does.
        self._sketches = bytearray()
        self._facts, self._fact_ends = array("I"), array("Q")
        self._docs: OrderedDict[str, Document] = OrderedDict()
        self._lock = threading.RLock()
        self._reopen()

    def __len__(self) -> int:
        return len(self._id_ends)

    def _id(self, item: int) -> str:
        """The id of item number `item`."""
        start = self._id_ends[item - 1] if item else 0
        return self._id_bytes[start : self._id_ends[item]].decode()

    def check(self, article: Article) -> IndexReport:
        """Relations of `article` to indexed articles, without adding it."""
        with self._lock:
            new = self.detector.prepare(article)
            return self._check(article, new, sign_documents([new], self.detector))

    def add(self, article: Article) -> IndexReport:
        """Check `article`, then add it; a duplicate id raises DuplicateIdError (a StoreError) and changes nothing."""
        with self._lock:
            if article.id in self.store:
                raise DuplicateIdError(f"duplicate id {article.id!r}: it is already indexed")
            new = self.detector.prepare(article)
            signed = sign_documents([new], self.detector)
            report = self._check(article, new, signed)
            self.store.put(article)
            self._insert([article], signed)
            report.added = True
            return report

    def _reopen(self) -> None:
        """Index the articles the store already holds, in its order, signed shard by shard."""
        shard: list[Article] = []
        for article in self.store:
            shard.append(article)
            if len(shard) == _REOPEN_SHARD:
                self._insert_shard(shard)
                shard = []
        if shard:
            self._insert_shard(shard)

    def _insert_shard(self, articles: list[Article]) -> None:
        self._insert(articles, sign_shard(articles, self.detector))

    def _insert(self, articles: list[Article], signed: SignedShard) -> None:
        """Number the articles in order and add their keys."""
        first = len(self._id_ends)
        for article in articles:
            self._id_bytes += article.id.encode()
            self._id_ends.append(len(self._id_bytes))
        items = np.arange(first, first + len(articles), dtype=np.uint32)
        self._sketches += signed.topic_sketch.tobytes()
        self._facts.extend(signed.fact_hashes.tolist())
        self._fact_ends.extend((signed.fact_bounds[1:] + (self._fact_ends[-1] if self._fact_ends else 0)).tolist())
        block_items, block_keys = _distinct_per_item(self._paragraph_keys(signed), items[signed.block_owner])
        self._tables["exact"].add_many(signed.norm_hash, items)
        self._tables["block"].add_many(block_keys, block_items)
        for name, keys in (("doc", signed.doc_keys), ("topic", signed.topic_keys)):
            self._tables[name].add_many(keys.ravel(), np.repeat(items, keys.shape[1]))

    def _paragraph_keys(self, signed: SignedShard) -> np.ndarray:
        return signed.block_keys[:, : self.paragraph_bands]

    def _candidates(self, signed: SignedShard) -> tuple[list[int], list[int]]:
        """Items found by a verbatim path (exact, paragraph, document), and the rewrite path's others.

        As a scan finds them: an article identical to earlier ones is related exact to the first of
        them alone (the others relate through it), and the rewrite path keeps what a scan keeps."""
        same = sorted(self._tables["exact"].lookup(signed.norm_hash).tolist())
        found: set[int] = set(same[:1])
        for name, keys in (("block", self._paragraph_keys(signed)), ("doc", signed.doc_keys)):
            found.update(self._tables[name].lookup(keys).tolist())
        found -= set(same[1:])
        limit = self.detector.config.lsh.rewrite_candidates
        topic = (
            [i for i in self._rewrite_candidates(signed, limit) if i not in found and i not in same] if limit else []
        )
        return sorted(found), topic

    def _rewrite_candidates(self, signed: SignedShard, limit: int) -> list[int]:
        """The `limit` earlier items most similar on names and facts (`dedup.candidates`' topic path,
        one article at a time): sharing a topic band held by at most `rewrite_max_bucket` earlier
        items, estimated at or above `rewrite_threshold`, keeping their facts; most similar first."""
        lsh = self.detector.config.lsh
        positions, items = self._tables["topic"].matches(signed.topic_keys)
        if not len(items):
            return []
        crowded = np.bincount(positions)[positions] > lsh.rewrite_max_bucket
        items = np.unique(items[~crowded]).astype(np.int64)
        stored = np.frombuffer(self._sketches, dtype=np.uint8).reshape(-1, SKETCH_WIDTH)
        estimate = estimate_jaccard(stored[items], np.broadcast_to(signed.topic_sketch[0], (len(items), SKETCH_WIDTH)))
        close = estimate >= lsh.rewrite_threshold
        items, estimate = items[close], estimate[close]
        mine = signed.fact_hashes
        shared = np.array([len(np.intersect1d(mine, self._facts_of(i), assume_unique=True)) for i in items.tolist()])
        smaller = np.array([min(len(mine), len(self._facts_of(i))) for i in items.tolist()])
        kept = facts_kept(shared, smaller, 0.5) if len(items) else np.zeros(0, dtype=bool)
        items, estimate = items[kept], estimate[kept]
        return items[np.lexsort((items, -estimate))][:limit].tolist()

    def _facts_of(self, item: int) -> np.ndarray:
        lo = self._fact_ends[item - 1] if item else 0
        return np.frombuffer(self._facts, dtype=np.uint32)[lo : self._fact_ends[item]]

    def _document(self, article_id: str) -> Document | None:
        doc = self._docs.get(article_id)
        if doc is None:
            article = self.store.get(article_id)
            if article is None:
                return None
            doc = self._docs[article_id] = self.detector.prepare(article)
            if len(self._docs) > _DOC_CACHE:
                self._docs.popitem(last=False)
        return doc

    def _check(self, article: Article, new: Document, signed: SignedShard) -> IndexReport:
        """Relations to the candidates."""
        report = IndexReport(article.id)
        weights = self.detector.weights
        verbatim, topic = self._candidates(signed)
        rewrite_only = set(topic)
        gate = self.detector.config.lsh.rewrite_min_cosine
        new_terms = (signed.terms, signed.term_counts)
        for item in verbatim + topic:
            old = self._document(self._id(item))
            if old is None or old.id == article.id:
                continue
            # As in a scan: a rewrite-path candidate too far in vocabulary to be a rewrite is not verified.
            if item in rewrite_only and gate > 0 and weights.cosine(_terms(weights, old), new_terms) < gate:
                continue
            decision = self.detector.decide(old, new)
            if decision is not None:
                report.relations.append(relation_record(old.id, article.id, decision))
        blocks = signed.repeats.get(0, [])
        if blocks:
            report.repeats = [{"first": list(r.first), "repeat": list(r.repeat)} for r in blocks]
        return report

    @property
    def article_nbytes(self) -> int:
        """Bytes that grow with the articles indexed: band tables and the ids (buffers and objects)."""
        return sum(t.nbytes for t in self._tables.values()) + self.rewrite_path_nbytes + self.ids_nbytes

    @property
    def rewrite_path_nbytes(self) -> int:
        """Bytes of the rewrite path's per-article sketches and facts."""
        return len(self._sketches) + self._facts.itemsize * len(self._facts) + 8 * len(self._fact_ends)

    @property
    def ids_nbytes(self) -> int:
        """Bytes of the article ids: their UTF-8 buffer and end offsets, objects included."""
        return sys.getsizeof(self._id_bytes) + sys.getsizeof(self._id_ends)

    @property
    def nbytes(self) -> int:
        """Memory held by the band tables and ids (not the store, nor the bounded document cache)."""
        return self.article_nbytes


def _distinct_per_item(keys: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(item, key) pairs of each row of `keys` (the band keys of one paragraph of article `items[row]`),
    in item order, each pair once: a paragraph printed twice holds its keys twice."""
    flat_items, flat_keys = np.repeat(items, keys.shape[1]), keys.ravel()
    order = np.lexsort((flat_keys, flat_items))
    flat_items, flat_keys = flat_items[order], flat_keys[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (flat_items[1:] != flat_items[:-1]) | (flat_keys[1:] != flat_keys[:-1])
    return flat_items[first], flat_keys[first]


def _terms(idf: IdfTable, doc: Document) -> tuple[np.ndarray, np.ndarray]:
    return idf.terms(doc.content_ids, doc.sentence_bounds)


def memory_per_article(index: Index) -> float:
    """Bytes of band tables and ids per indexed article (the fixed IDF table excluded); NaN when empty."""
    return index.article_nbytes / len(index) if len(index) else float(np.nan)


def keep_heap_small() -> None:
    """For a process that holds an index for long: have the C heap return large freed blocks (256 KB
    and over) to the system. glibc otherwise raises its mmap threshold to the size of each mapped
    block freed, after which the index's merged runs come from the heap and the holes they leave
    stay resident. Does nothing where there is no glibc."""
    heap.set_params(heap.RETURN_LARGE)


def give_back_freed_memory() -> None:
    """Return the heap's free memory to the system now (`malloc_trim`), so that a reading of the
    process's memory counts memory in use rather than the allocator's reserve."""
    heap.trim()
