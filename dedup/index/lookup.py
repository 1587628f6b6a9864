"""What the index looks up for one new article: the earlier articles a scan would pair it with.

The streaming twins of `dedup.candidates`' batch paths: a crowded band key is taken as a stream of
its holders sees it (`dedup.sketch.lsh.group_pairs`), the rewrite path keeps what the scan's topic
path keeps, and the containment path counts terms as of each article's arrival in both, so that
the index and a scan of the same input in the same order verify, and relate, the same pairs.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from dedup.candidates import asks_containment, contained_in, estimate_jaccard, facts_kept, holder_ranks, query_terms
from dedup.config import LSHConfig
from dedup.index.keys import ArticleKeys
from dedup.sketch.keytable import KeyTable
from dedup.sketch.shard import SKETCH_WIDTH, SignedShard

__all__ = ["ContainmentPath", "RewritePath", "rewrite_candidates", "run_holders", "streamed_holders"]


def streamed_holders(positions: np.ndarray, items: np.ndarray, published: np.ndarray, max_bucket: int) -> list[int]:
    """The holders of each key a scan pairs with a new article: all of them while at most
    `max_bucket` hold it, else the earliest published alone (`published`: per item, inf undated).
    `positions`, `items`: the key (index into the looked-up keys) and item of every match."""
    if not len(items):
        return []
    crowded = np.bincount(positions)[positions] > max_bucket
    kept: list[int] = items[~crowded].tolist()
    if crowded.any():
        pos, held = positions[crowded], items[crowded].astype(np.int64)
        order = np.lexsort((held, published[held], pos))
        first = np.r_[True, pos[order][1:] != pos[order][:-1]]
        kept += held[order][first].tolist()
    return kept


def run_holders(positions: np.ndarray, items: np.ndarray, lsh: LSHConfig) -> list[int]:
    """The holders of the new article's shared-run keys held by at most `run_max_bucket` earlier items
    (deleted ones count too), as a scan pairs them (`dedup.sketch.lsh.streamed_pairs`); none when the
    path is off (`LSHConfig.run_tokens` 0: no keys were stored)."""
    if not len(items):
        return []
    crowded = np.bincount(positions)[positions] > lsh.run_max_bucket
    return np.unique(items[~crowded]).tolist()


@dataclass(frozen=True)
class RewritePath:
    """Each indexed article's topic sketch (SKETCH_WIDTH bytes) and fact hashes (flat, with ends)."""

    sketches: bytearray
    facts: array[int]
    fact_ends: array[int]

    def facts_of(self, item: int) -> np.ndarray:
        lo = self.fact_ends[item - 1] if item else 0
        return np.frombuffer(self.facts, dtype=np.uint32)[lo : self.fact_ends[item]]


def rewrite_candidates(
    positions: np.ndarray,
    items: np.ndarray,
    dead: np.ndarray | None,
    stored: RewritePath,
    signed: SignedShard,
    lsh: LSHConfig,
    limit: int,
) -> list[int]:
    """The `limit` earlier items most similar on names and facts: sharing a topic band key held by at
    most `rewrite_max_bucket` earlier items, estimated at or above `rewrite_threshold`, keeping their
    facts; most similar first, then the older. `positions`, `items`: the topic table's matches of the
    new article's keys; `dead`: per item, deleted (they still count for a crowded key)."""
    if not len(items):
        return []
    crowded = np.bincount(positions)[positions] > lsh.rewrite_max_bucket
    found = np.unique(items[~crowded]).astype(np.int64)
    if dead is not None:
        found = found[dead[found] == 0]
    sketches = np.frombuffer(stored.sketches, dtype=np.uint8).reshape(-1, SKETCH_WIDTH)
    mine = np.broadcast_to(signed.topic_sketch[0], (len(found), SKETCH_WIDTH))
    estimate = estimate_jaccard(sketches[found], mine)
    close = estimate >= lsh.rewrite_threshold
    found, estimate = found[close], estimate[close]
    facts = signed.fact_hashes
    shared = np.array([len(np.intersect1d(facts, stored.facts_of(i), assume_unique=True)) for i in found.tolist()])
    smaller = np.array([min(len(facts), len(stored.facts_of(i))) for i in found.tolist()])
    kept = facts_kept(shared, smaller, lsh.rewrite_fact_share) if len(found) else np.zeros(0, dtype=bool)
    found, estimate = found[kept], estimate[kept]
    return found[np.lexsort((found, -estimate))][:limit].tolist()


class ContainmentPath:
    """Each term's number of holders so far, and its first `contain_max_df` holders: what a short
    article's rarest terms are looked up in (`dedup.candidates.query_terms`). Deleted articles still
    count, as they do for a crowded band key."""

    def __init__(self, lsh: LSHConfig, holders: KeyTable | None = None, counts: np.ndarray | None = None) -> None:
        self.lsh = lsh
        self.holders = holders if holders is not None else KeyTable(key_bits=32)
        self.counts = counts if counts is not None else np.zeros(0, dtype=np.uint32)

    def _grow(self, terms: np.ndarray) -> None:
        """Make room in the counts for every term id in `terms`."""
        need = int(terms.max()) + 1 if len(terms) else 0
        if need > len(self.counts):
            more = max(need, 2 * len(self.counts)) - len(self.counts)
            self.counts = np.concatenate([self.counts, np.zeros(more, dtype=np.uint32)])

    def add(self, signed: SignedShard | ArticleKeys, items: np.ndarray) -> None:
        """Count the articles' terms in and hold them where they are among a term's first holders."""
        self._grow(signed.terms)
        max_df = self.lsh.contain_max_df
        if len(items) == 1:  # one article's terms are distinct: its ranks need no sort
            rank = np.minimum(self.counts[signed.terms].astype(np.int64) + 1, max_df + 1)
            self.counts[signed.terms] += 1
        else:
            rank = holder_ranks(signed.terms, self.counts, max_df)
        keep = rank <= max_df
        owner = np.repeat(items, np.diff(signed.term_bounds))
        self.holders.add_many(signed.terms[keep].astype(np.uint64), owner[keep])

    def candidates(self, signed: SignedShard, dead: np.ndarray | None) -> list[int]:
        """The earlier items an article that asks (`asks_containment`: the one article of `signed`) is
        mostly contained in."""
        lsh = self.lsh
        if not asks_containment(signed.n_tokens, np.diff(signed.fact_bounds), lsh)[0] or not len(signed.terms):
            return []
        known = signed.terms < len(self.counts)
        rank = np.ones(len(signed.terms), dtype=np.int64)  # a term never counted: this article is its first
        rank[known] = self.counts[signed.terms[known]].astype(np.int64) + 1
        asked = query_terms(signed.terms, rank, lsh)
        items = self.holders.lookup(asked.astype(np.uint64)).astype(np.int64)
        if dead is not None:
            items = items[dead[items] == 0]
        if not len(items):
            return []
        found, shared = np.unique(items, return_counts=True)
        return contained_in(len(asked), found, shared, lsh).tolist()
