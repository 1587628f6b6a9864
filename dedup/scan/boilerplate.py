"""The scan's boilerplate rule (`dedup.decide.boilerplate`), with the whole corpus in view.

All strong relations (exact, near-duplicate, copy, rewrite) join clusters first; a paragraph is
boilerplate when the articles printing it lie in three or more of them. The index counts the same
as each article arrives (`dedup.index.clusters`), so it cannot yet drop a partial resting on chrome
it has seen in fewer than three clusters: the first stories of a site (RESULTS.md gives the figure).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np

from dedup.article import Article
from dedup.cluster import UnionFind
from dedup.decide.boilerplate import in_clusters, weak_partial
from dedup.detector import Detector
from dedup.prepare.segment import Span, blocks
from dedup.scan.verify import Verified
from dedup.sketch.shard import SignedShard

__all__ = ["PrintHolders", "drop_boilerplate_partials"]


class PrintHolders:
    """The articles printing each paragraph fingerprint."""

    def __init__(self, shard: SignedShard) -> None:
        order = np.argsort(shard.block_prints, kind="stable")
        self.prints, self.owners = shard.block_prints[order], shard.print_owner[order]

    def of(self, fingerprint: int) -> np.ndarray:
        """The articles that print `fingerprint`, in input order."""
        key = np.uint64(fingerprint)
        return self.owners[np.searchsorted(self.prints, key, "left") : np.searchsorted(self.prints, key, "right")]


def _paragraphs(i: int, articles: Sequence[Article], detector: Detector, shard: SignedShard) -> list[tuple[Span, int]]:
    """Article i's blocks with their fingerprints, as signing found them, without preparing it again."""
    lo, hi = np.searchsorted(shard.print_owner, [i, i + 1])
    fingerprints = shard.block_prints[lo:hi].tolist()
    return list(zip(blocks(articles[i].text, detector.config.segment), fingerprints, strict=True))


def drop_boilerplate_partials(
    verified: list[Verified], articles: Sequence[Article], detector: Detector, shard: SignedShard
) -> list[Verified]:
    """The verified pairs with boilerplate-only partial relations turned unrelated."""
    judged = [k for k, v in enumerate(verified) if v.decision is not None and v.decision.relation == "partial"]
    if not judged or not len(shard.block_prints):
        return verified
    holders, clusters = PrintHolders(shard), UnionFind(len(shard))
    for v in verified:
        if v.decision is not None and v.decision.one_story:
            clusters.union(v.a, v.b)
    known: dict[int, bool] = {}

    def is_boilerplate(fingerprint: int) -> bool:
        if fingerprint not in known:
            known[fingerprint] = in_clusters(holders.of(fingerprint), clusters.find)
        return known[fingerprint]

    out = list(verified)
    for k in judged:
        v = verified[k]
        assert v.decision is not None
        i = v.a if (v.decision.derived or "a") == "a" else v.b
        paragraphs = _paragraphs(i, articles, detector, shard)
        if weak_partial(v.decision, paragraphs, is_boilerplate, partial(detector.prepare, articles[i])):
            out[k] = Verified(v.a, v.b, None, v.features)
    return out
