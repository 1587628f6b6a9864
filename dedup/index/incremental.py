"""A growing index: score one article against everything added before it, then add it.

This is what an ingest service calls per article. Band keys live in compact in-memory tables; the
texts live in a `Store` (memory, SQLite, Redis), from which candidates are read back for exact
verification. The index follows the store's change log: opening it over a non-empty store reads the
stored articles' keys (`keys`), and every call first applies what other processes added or deleted since,
so several workers (or hosts) over one store answer as one index. Articles stored without keys (an older
store) are signed again.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Collection
from datetime import timedelta
from functools import partial
from itertools import groupby
from pathlib import Path

import numpy as np

from dedup.article import Article
from dedup.decide.relation import Decision
from dedup.detector import Detector
from dedup.errors import ConfigError, DuplicateIdError
from dedup.index.budget import WorkBudget
from dedup.index.clusters import StreamedClusters, clustering_partners
from dedup.index.items import Items
from dedup.index.keys import ArticleKeys, keys_tag
from dedup.index.lookup import ContainmentPath, RewritePath, rewrite_candidates, run_holders, streamed_holders
from dedup.index.report import IndexReport, pack_terms
from dedup.index.snapshot import (
    Snapshot,
    pack_tables,
    read_snapshot,
    settings_fingerprint,
    unpack_tables,
    write_snapshot,
)
from dedup.index.verify import verify_candidates
from dedup.prepare.document import Document
from dedup.sketch.keytable import KeyTable
from dedup.sketch.shard import SignedShard, sign_documents, sign_shard
from dedup.store import Change, MemoryStore, Store

__all__ = ["Index", "IndexReport", "pack_terms"]

_DOC_CACHE = 512
# Articles of a reopened store signed together: one at a time, re-signing is several times slower.
_REOPEN_SHARD = 1000
# Pages of the log inserted together when there are many (opening over a store): the band tables then
# build a few large runs rather than merging many small ones again and again.
_APPLY_PAGES = 16
# Log entries replayed at opening past which the snapshot is written again (a restart after a crash).
_SNAPSHOT_AFTER = 1000


class Index:
    """Incremental detector over a store; thread-safe. Band tables change under a lock held briefly;
    verification runs outside it, so a slow article never holds up the others.

    `retention` drops (from the index and the store) articles dated more than that before the newest
    date in the store: for live ingest that is now; for a replayed archive the newest `published` seen.

    `paragraph_bands` keeps only that many of each paragraph's LSH bands (default: all of them, so the
    index finds what a scan finds). Paragraph keys are most of the index's memory, about 5.3 bytes a
    band: 16 of the 25 bands cut it by a fifth, and cost 17 of Reuters' 1,878 partial relations
    (single reused paragraphs with light edits; `python -m benchmarks.speed.index_memory --paragraph-bands 16`).
    """

    def __init__(
        self,
        detector: Detector | None = None,
        store: Store | None = None,
        paragraph_bands: int | None = None,
        retention: timedelta | None = None,
        snapshot: str | Path | None = None,
    ) -> None:
        self.detector = detector or Detector()
        bands = self.detector.block_bands[0]
        if paragraph_bands is not None and not 1 <= paragraph_bands <= bands:
            raise ConfigError(f"paragraph_bands: use 1 to {bands} (the detector's paragraph bands), or None for all")
        self.paragraph_bands = paragraph_bands or bands
        self.store: Store = store if store is not None else MemoryStore()
        # Articles by number (ids, deletion marks, text hashes): no Python object per article.
        self._items = Items()
        self._tables = {name: KeyTable() for name in ("exact", "block", "doc")}
        # Topic band keys are folded to 32 bits when signed: kept whole, a byte less an entry.
        self._tables["topic"] = KeyTable(key_bits=32)
        # The containment path's term holders (term ids are below 2**32) and counts.
        self._tables["contain"] = KeyTable(key_bits=32)
        self._contain = ContainmentPath(self.detector.config.lsh, self._tables["contain"])
        # The shared-run path's keys (sampled word n-grams, folded to 32 bits when signed; none when off).
        self._tables["run"] = KeyTable(key_bits=32)
        # Paragraph fingerprints and the clusters joined so far: the boilerplate rule, as the scan has it.
        self._tables["prints"] = KeyTable()
        self._clusters = StreamedClusters(self._tables["prints"])
        self._segment = self.detector.config.segment
        # The rewrite path's per-article sketch and facts, to filter and rank candidates as a scan does.
        self._sketches = bytearray()
        self._facts, self._fact_ends = array("I"), array("Q")
        # Publication time of each item (inf when undated): the centre of a crowded key, as in a scan.
        self._published = array("d")
        self._docs: OrderedDict[str, Document] = OrderedDict()
        self._docs_lock = threading.Lock()
        self._lock = threading.RLock()
        self._cursor: str | None = None
        self._pending: dict[str, tuple[Article, bytes]] = {}
        self._keys_tag = keys_tag(self.detector.config)
        self.retention = retention
        self.snapshot_path = Path(snapshot) if snapshot is not None else None
        restored = self._restore()
        replayed = self.sync()
        if replayed >= _SNAPSHOT_AFTER:
            # Inserted in bulk, the open window's keys lie in several runs, each probed by every lookup.
            for table in self._tables.values():
                table.compact()
        if self.snapshot_path is not None and (not restored or replayed >= _SNAPSHOT_AFTER):
            self.save_snapshot()

    def __len__(self) -> int:
        return self._items.live

    def check(self, article: Article, budget: WorkBudget | None = None) -> IndexReport:
        """Relations of `article` to indexed articles, without adding it."""
        self.sync()
        new = self.detector.prepare(article)
        return self._score(article, new, sign_documents([new], self.detector), budget)

    def add(self, article: Article, budget: WorkBudget | None = None) -> IndexReport:
        """Check `article`, then store and index it.

        The same article again (every field equal) gets the report it got the first time, `replayed`, and
        changes nothing: a client may retry. Another article under a stored id raises DuplicateIdError.
        """
        self.sync()
        # No look-up first: the store refuses a stored id on `put` (below), and a retry is rare enough
        # that scoring it again costs less than a round trip to the store on every new article.
        new = self.detector.prepare(article)
        signed = sign_documents([new], self.detector)
        report = self._score(article, new, signed, budget)
        if budget is not None and budget.cancelled:
            return report  # nobody is waiting for it: store nothing
        report.added = True
        # This process inserts its own article from the very bytes the others read (with the ids its
        # strong relations join, for the boilerplate rule's clusters).
        keys = ArticleKeys.of(signed, [clustering_partners(report.relations, article.id)]).pack_each(self._keys_tag)[0]
        with self._lock:
            self._pending[article.id] = (article, keys)
        try:
            self.store.put(article, report.as_dict(), pack_terms(signed.terms, signed.term_counts), keys)
        except DuplicateIdError:
            # Another request or process stored this id meanwhile: a retry if it is the same article.
            replay = self._replay(article)
            if replay is None:
                raise
            return replay
        finally:
            self.sync()
            with self._lock:
                self._pending.pop(article.id, None)
        self.expire()
        return report

    def _replay(self, article: Article) -> IndexReport | None:
        """The stored report if `article` is stored as it is; DuplicateIdError if its id holds another."""
        stored = self.store.get(article.id)
        if stored is None:
            return None
        if stored != article:
            raise DuplicateIdError(
                f"duplicate id {article.id!r}: another article is stored under it; "
                "use a new id, or delete the stored one first"
            )
        record = self.store.report(article.id)
        return IndexReport.from_dict(record, replayed=True) if record else IndexReport(article.id, replayed=True)

    def delete(self, article_id: str) -> bool:
        """Remove the article from the store and the index; later articles no longer relate to it."""
        deleted = self.store.delete(article_id)
        self.sync()
        return deleted

    def expire(self) -> int:
        """Delete articles dated more than `retention` before the newest date stored; how many."""
        if self.retention is None:
            return 0
        newest = self.store.newest_date()
        if newest is None:
            return 0
        gone = 0
        while ids := self.store.dated_before(newest - self.retention):
            gone += sum(self.store.delete(i) for i in ids)
        if gone:
            self.sync()
        return gone

    def sync(self) -> int:
        """Apply the store's log since the last call (every process's adds and deletes); how many entries.

        The log is read outside the lock (over Redis, a round trip that other requests need not wait
        on) and applied under it, unless another request applied from the same place meanwhile: then
        it is read again from where that one stopped."""
        applied = 0
        while True:
            cursor = self._cursor
            read, end = self._read_log(cursor)
            with self._lock:
                if self._cursor != cursor:
                    continue
                if read:
                    self._apply(read)
                    self._cursor = read[-1].position
                    applied += len(read)
            if end:
                return applied

    def _read_log(self, cursor: str | None) -> tuple[list[Change], bool]:
        """Entries after `cursor`, up to `_APPLY_PAGES` pages, and whether they reach the end of the log."""
        read: list[Change] = []
        while True:
            changes = self.store.changes(read[-1].position if read else cursor, _REOPEN_SHARD)
            read += changes
            # A short page is the end of the log: asking again would cost a query (a round trip to Redis).
            if len(changes) < _REOPEN_SHARD:
                return read, True
            if len(read) >= _APPLY_PAGES * _REOPEN_SHARD:
                return read, False

    def _apply(self, changes: list[Change]) -> None:
        """Adds in runs inserted together, deletes in order."""
        run: list[tuple[Article, bytes | None]] = []
        for change in changes:
            if change.op == "add" and change.article is not None:
                run.append((change.article, self._stored_keys(change.article, change.keys)))
                continue
            self._insert_run(run)
            run = []
            if change.op == "delete":
                self._forget(change.article_id)
        self._insert_run(run)

    def _stored_keys(self, article: Article, packed: bytes | None) -> bytes | None:
        """The packed keys of an added article: as this process packed them if it is one of its own, else
        as stored beside it; None when it has none usable (stored by an older version or other settings)."""
        own = self._pending.get(article.id)
        if own is not None and own[0] == article:
            return self._pending.pop(article.id)[1]
        return packed if packed and ArticleKeys.usable(packed, self._keys_tag) else None

    def _insert_run(self, run: list[tuple[Article, bytes | None]]) -> None:
        """Insert in order: consecutive articles with keys at once, those without signed together."""
        for has_keys, group in groupby(run, key=lambda entry: entry[1] is not None):
            entries = list(group)
            articles = [article for article, _ in entries]
            if has_keys:
                self._insert(articles, ArticleKeys.unpack_many([keys for _, keys in entries if keys is not None]))
                continue
            for lo in range(0, len(articles), _REOPEN_SHARD):
                shard = articles[lo : lo + _REOPEN_SHARD]
                self._insert(shard, ArticleKeys.of(sign_shard(shard, self.detector), self._joined(shard)))

    def _joined(self, articles: list[Article]) -> list[list[str]]:
        """The ids each stored article's strong relations join it to, as its stored report says."""
        reports = self.store.reports_of([a.id for a in articles])  # one round trip, not one per article
        return [clustering_partners((reports.get(a.id) or {}).get("relations") or [], a.id) for a in articles]

    @property
    def position(self) -> str | None:
        """The store log position this index reflects."""
        return self._cursor

    def _fingerprint(self) -> str:
        return settings_fingerprint(self.detector.config, self.paragraph_bands)

    def save_snapshot(self) -> bool:
        """Write the tables to `snapshot_path` (if any) for a fast restart; whether one was written.

        Runs of the band tables are never changed in place, so the lock is held only to take references
        and copy the small mutable arrays; the file is written outside it.
        """
        if self.snapshot_path is None:
            return False
        with self._lock:
            header = {"store": self.store.identity, "cursor": self._cursor, "fingerprint": self._fingerprint()}
            arrays = pack_tables(self._tables, self._items.arrays())
            arrays["rewrite.sketches"] = np.frombuffer(bytes(self._sketches), dtype=np.uint8)
            arrays["rewrite.facts"] = np.array(self._facts, dtype=np.uint32)
            arrays["rewrite.fact_ends"] = np.array(self._fact_ends, dtype=np.uint64)
            arrays["published"] = np.array(self._published, dtype=np.float64)
            arrays["ids.norms"] = np.array(self._items.norms, dtype=np.uint64)
            arrays["contain.counts"] = self._contain.counts.copy()
            arrays["clusters.sets"] = self._clusters.state()
        write_snapshot(self.snapshot_path, Snapshot(header, arrays))
        return True

    def _restore(self) -> bool:
        """Load the snapshot if it belongs to this store and configuration; whether it was loaded."""
        found = read_snapshot(self.snapshot_path) if self.snapshot_path is not None else None
        if found is None:
            return False
        header, arrays = found.header, found.arrays
        if header.get("store") != self.store.identity or header.get("fingerprint") != self._fingerprint():
            return False
        tables, ids = unpack_tables(arrays, self._tables)
        self._tables = tables
        self._items = Items(ids, arrays["ids.norms"])
        self._sketches = bytearray(arrays["rewrite.sketches"].tobytes())
        self._facts = array("I", arrays["rewrite.facts"].tobytes())
        self._fact_ends = array("Q", arrays["rewrite.fact_ends"].tobytes())
        self._published = array("d", arrays["published"].tobytes())
        self._contain = ContainmentPath(self.detector.config.lsh, tables["contain"], arrays["contain.counts"].copy())
        self._clusters = StreamedClusters(tables["prints"], arrays["clusters.sets"])
        self._cursor = header.get("cursor")
        return True

    def _forget(self, article_id: str) -> None:
        """Mark the live item with this id deleted: lookups skip it from now on."""
        self._items.forget(article_id)
        with self._docs_lock:
            self._docs.pop(article_id, None)

    def _insert(self, articles: list[Article], signed: ArticleKeys) -> None:
        """Number the articles in order, add their keys, and join each to the items its strong
        relations name (`signed.joined`)."""
        items = self._items.append([a.id for a in articles], signed.norm_hash)
        self._sketches += signed.topic_sketch.tobytes()
        self._published.extend(a.published.timestamp() if a.published else float("inf") for a in articles)
        self._facts.extend(signed.fact_hashes.tolist())
        self._fact_ends.extend((signed.fact_bounds[1:] + (self._fact_ends[-1] if self._fact_ends else 0)).tolist())
        signed.add_to(self._tables, items, self.paragraph_bands)
        self._contain.add(signed, items)
        self._clusters.add(signed.block_prints, items[signed.print_owner], len(self._items))
        for item, ids in zip(items.tolist(), signed.joined, strict=True):
            for other in (j for i in ids for j in self._items.numbered(i)[-1:]):
                self._clusters.join(item, other)

    def _paragraph_keys(self, signed: SignedShard) -> np.ndarray:
        return signed.block_keys[:, : self.paragraph_bands]

    def _candidates(self, signed: SignedShard) -> tuple[list[int], list[int], int | None]:
        """Items found by a verbatim path (exact, paragraph, document, shared run), the rewrite path's
        others, and the first of the live items the article is identical to (None if there is none).

        As a scan finds them: an article identical to earlier ones is related exact to the first of
        them and paired with what that first is related to (`_partners`, read from the store outside
        the lock), never searched for itself; any other article is paired with every identical copy of
        what it finds, as the scan verifies each exact group's members against what its first is
        related to (the capped paths, containment and rewrite, would keep one copy of a widely printed
        story and drop the other outlets')."""
        same = [i for i in sorted(self._tables["exact"].lookup(signed.norm_hash).tolist()) if not self._items.dead[i]]
        if same:
            return [same[0]], [], same[0]
        found: set[int] = set()
        for name, keys in (("block", self._paragraph_keys(signed)), ("doc", signed.doc_keys)):
            found.update(self._as_streamed(*self._tables[name].matches(keys)))
        found.update(self._contain.candidates(signed, self._items.dead_marks()))
        found.update(run_holders(*self._tables["run"].matches(signed.run_keys), self.detector.config.lsh))
        found |= self._copies_of(found)
        limit = self.detector.config.lsh.rewrite_candidates
        topic = self._rewrite_candidates(signed, limit) if limit else []
        topic = [i for i in topic if i not in found] + sorted(self._copies_of(topic) - set(topic) - found)
        live = [i for i in sorted(found) if not self._items.dead[i]]
        return live, [i for i in topic if not self._items.dead[i]], None

    def _partners(self, first_id: str) -> set[str]:
        """Ids of the articles `first_id` is related to but as an exact copy: its relations stored with
        its report and with later ones (the store is read outside the index's lock)."""
        earlier = (self.store.report(first_id) or {}).get("relations", ())
        later = self.store.later(first_id)  # later articles' relation records naming it
        ids = {str(r["a"]) for r in earlier if r.get("relation") != "exact"}
        return ids | {str(r["b"]) for r in later if r.get("relation") != "exact"}

    def _copies_of(self, items: Collection[int]) -> set[int]:
        """The items identical to any of `items` (themselves included)."""
        norms = np.array([self._items.norms[i] for i in items], dtype=np.uint64)
        return set(self._tables["exact"].lookup(norms).tolist()) if len(norms) else set()

    def _as_streamed(self, positions: np.ndarray, items: np.ndarray) -> list[int]:
        published = np.frombuffer(self._published, dtype=np.float64)
        return streamed_holders(positions, items, published, self.detector.config.lsh.max_bucket)

    def _rewrite_candidates(self, signed: SignedShard, limit: int) -> list[int]:
        positions, items = self._tables["topic"].matches(signed.topic_keys)
        dead = self._items.dead_marks()
        stored = RewritePath(self._sketches, self._facts, self._fact_ends)
        return rewrite_candidates(positions, items, dead, stored, signed, self.detector.config.lsh, limit)

    def _document(self, article_id: str) -> Document | None:
        with self._docs_lock:
            doc = self._docs.get(article_id)
        if doc is None:
            article = self.store.get(article_id)
            if article is None:
                return None
            doc = self.detector.prepare(article)
            with self._docs_lock:
                self._docs[article_id] = doc
                if len(self._docs) > _DOC_CACHE:
                    self._docs.popitem(last=False)
        return doc

    def _score(self, article: Article, new: Document, signed: SignedShard, budget: WorkBudget | None) -> IndexReport:
        """Find candidates under the lock (a moment), verify them outside it, within `budget`."""
        with self._lock:
            verbatim, topic, first = self._candidates(signed)
            ids = {item: self._items.id(item) for item in verbatim + topic}
        if first is not None:  # a copy: its group's first and what that first is related to
            partners = self._partners(ids[first])
            with self._lock:
                items = {i for name in partners for i in self._items.numbered(name)[-1:]}
                verbatim = sorted(i for i in items | set(verbatim) if not self._items.dead[i])
                ids = {item: self._items.id(item) for item in verbatim}
        found = (verbatim, topic, ids)
        store, weak = self.store, partial(self._boilerplate_partials, new, signed)
        return verify_candidates(
            self.detector, article, (new, signed), found, budget, store.terms_of, self._document, weak
        )

    def _boilerplate_partials(
        self, new: Document, signed: SignedShard, decided: list[tuple[int, Document, Decision]]
    ) -> set[int]:
        """Which of a new article's relations rest on boilerplate alone (`StreamedClusters.weak_partials`)."""
        if not any(d.relation == "partial" for _, _, d in decided):
            return set()
        with self._lock:
            return self._clusters.weak_partials(decided, new, frozenset(signed.block_prints.tolist()), self._segment)

    @property
    def article_nbytes(self) -> int:
        """Bytes that grow with the articles indexed: band tables and the ids (buffers and objects)."""
        return sum(t.nbytes for t in self._tables.values()) + self.rewrite_path_nbytes + self.ids_nbytes

    @property
    def rewrite_path_nbytes(self) -> int:
        """Bytes of the rewrite path's per-article sketches and facts."""
        facts = self._facts.itemsize * len(self._facts) + 8 * len(self._fact_ends)
        return len(self._sketches) + facts + 8 * len(self._published)

    @property
    def ids_nbytes(self) -> int:
        """Bytes of the article ids: their UTF-8 buffer, end offsets, hashes and deletion marks."""
        return self._items.nbytes

    @property
    def nbytes(self) -> int:
        """Memory held by the band tables and ids (not the store, nor the bounded document cache)."""
        return self.article_nbytes
