"""What the index looks up for one new article: the earlier articles a scan would pair it with.

The streaming twins of `dedup.candidates`' batch paths: a crowded band key is taken as a stream of
its holders sees it (`dedup.sketch.lsh.group_pairs`), and the rewrite path keeps what the scan's
topic path keeps, so that the index and a scan of the same input in the same order verify, and
relate, the same pairs.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from dedup.candidates import estimate_jaccard, facts_kept
from dedup.config import LSHConfig
from dedup.sketch.shard import SKETCH_WIDTH, SignedShard

__all__ = ["RewritePath", "rewrite_candidates", "streamed_holders"]


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
