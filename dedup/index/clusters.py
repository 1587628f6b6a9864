"""The index's twin of the scan's boilerplate rule (`dedup.decide.boilerplate`, `dedup.scan.boilerplate`):
which articles print each paragraph, and the clusters that the strong relations reported so far have
joined, so that a new article's partial relations are judged as the scan judges them.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np

from dedup.cluster import CLUSTERING_RELATIONS, UnionFind
from dedup.config import SegmentConfig
from dedup.decide.boilerplate import in_clusters, weak_partial
from dedup.decide.relation import Decision
from dedup.prepare.document import Document
from dedup.prepare.segment import blocks
from dedup.sketch.keytable import KeyTable

__all__ = ["StreamedClusters", "clustering_partners"]


def clustering_partners(relations: Sequence[dict[str, object]], me: str) -> list[str]:
    """The ids a report's strong relations (exact, near-duplicate, copy, rewrite) join `me` to."""
    out = []
    for r in relations:
        if r.get("relation") in CLUSTERING_RELATIONS and r.get("one_story", True):
            out.append(str(r["b"] if r["a"] == me else r["a"]))
    return out


class StreamedClusters:
    """Paragraph fingerprint -> the items printing it, and the items' clusters so far."""

    def __init__(self, holders: KeyTable | None = None, sets: np.ndarray | None = None) -> None:
        self.holders = holders if holders is not None else KeyTable()
        self.sets = UnionFind(0)
        if sets is not None:  # `state()`: parents, then sizes
            self.sets.parent, self.sets.size = sets.astype(np.int64).reshape(2, -1).tolist()

    def add(self, prints: np.ndarray, items: np.ndarray, n_items: int) -> None:
        """Record the paragraphs of new items (`items[k]` prints `prints[k]`); the index holds `n_items`."""
        self.sets.grow(n_items)
        self.holders.add_many(prints, items)

    def join(self, a: int, b: int) -> None:
        self.sets.union(a, b)

    def state(self) -> np.ndarray:
        """The sets as one array for a snapshot: each item's parent, then each one's size."""
        return np.array([self.sets.parent, self.sets.size], dtype=np.int64).ravel()

    def weak(
        self, decision: Decision, derived: Document, new: tuple[int, frozenset[int], list[int]], segment: SegmentConfig
    ) -> bool:
        """Whether a new item's partial relation rests on boilerplate alone (`weak_partial`): `new` is
        the new item's number, its paragraph fingerprints and the items its strong relations join it to."""
        item, prints, partners = new
        find = self.sets.find
        joined = {find(p) for p in partners}

        def cluster(h: int) -> int:
            if h == item:
                return -1 if partners else -2
            root = find(h)
            return -1 if root in joined else root

        def is_boilerplate(fingerprint: int) -> bool:
            # Walked lazily: a site's footer may have many holders, and three clusters decide.
            held = self.holders.lookup(np.array([fingerprint], dtype=np.uint64))
            return in_clusters(chain(held, [item] if fingerprint in prints else []), cluster)

        paragraphs = list(zip(blocks(derived.article.text, segment), derived.block_prints.tolist(), strict=True))
        return weak_partial(decision, paragraphs, is_boilerplate, lambda: derived)

    def weak_partials(
        self,
        decided: list[tuple[int, Document, Decision]],
        new: Document,
        prints: frozenset[int],
        segment: SegmentConfig,
    ) -> set[int]:
        """Which of a new article's relations (item, earlier document, decision; `prints`: its paragraph
        fingerprints) are partials resting on boilerplate, judged with its strong relations in."""
        strong = [item for item, _, d in decided if d.one_story]
        me = (-1, prints, strong)
        return {
            k
            for k, (_, old, d) in enumerate(decided)
            if d.relation == "partial" and self.weak(d, new if d.derived == "b" else old, me, segment)
        }
