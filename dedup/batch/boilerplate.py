"""Boilerplate: paragraphs printed across unrelated stories (site chrome, standard notices).

Such a paragraph is shared text, but not reuse of a story. After the strong relations (exact,
near-duplicate, copy, rewrite) are known, a paragraph whose exact text appears in three or more
different clusters is boilerplate, and a `partial` relation whose evidence lies only in
boilerplate paragraphs (or runs from one into a few words of the story) is dropped. Evidence that
touches no boilerplate is kept however short: two lines of a results table are reuse. A wire
paragraph borrowed by a local story stays evidence: its copies sit inside one story's cluster
plus the borrower.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dedup.arrays import unique_counts
from dedup.article import Article
from dedup.batch.sign import SignedShard
from dedup.batch.verify import Verified
from dedup.cluster import CLUSTERING_RELATIONS, UnionFind
from dedup.detector import Detector

__all__ = ["MIN_CLUSTERS", "boilerplate_prints", "drop_boilerplate_partials"]

MIN_CLUSTERS = 3
# Evidence that touches boilerplate must reach this many characters outside it: a tile running from
# a story's last word ("Reuter") into a shared footer is not reuse of the story.
MIN_EVIDENCE_CHARS = 60


def boilerplate_prints(shard: SignedShard, verified: Sequence[Verified]) -> set[int]:
    """Paragraph fingerprints found in at least MIN_CLUSTERS different story clusters."""
    uf = UnionFind(len(shard))
    for v in verified:
        if v.decision is not None and v.decision.relation in CLUSTERING_RELATIONS:
            uf.union(v.a, v.b)
    if not len(shard.block_prints):
        return set()
    roots = np.array([uf.find(i) for i in range(len(shard))], dtype=np.int64)
    pairs = np.unique(np.stack([shard.block_prints.view(np.int64), roots[shard.print_owner]], axis=1), axis=0)
    prints, counts = unique_counts(pairs[:, 0])
    return set(prints[counts >= MIN_CLUSTERS].view(np.uint64).tolist())


def _only_boilerplate(v: Verified, articles: Sequence[Article], detector: Detector, prints: set[int]) -> bool:
    """The partial's evidence touches a boilerplate paragraph and holds little else."""
    assert v.decision is not None
    side = v.decision.derived or "a"
    doc = detector.prepare(articles[v.a if side == "a" else v.b])
    spans = [(p.a if side == "a" else p.b) for p in v.decision.evidence]
    inside = outside = 0
    for (s, e), fp in zip(doc.blocks, doc.block_prints.tolist(), strict=True):
        overlap = sum(max(0, min(e, pe) - max(s, ps)) for ps, pe in spans)
        if fp in prints:
            inside += overlap
        else:
            outside += overlap
    # Short evidence away from boilerplate (a few copied table lines) is judged by the relation rules alone.
    return inside > 0 and outside < MIN_EVIDENCE_CHARS


def drop_boilerplate_partials(
    verified: list[Verified], articles: Sequence[Article], detector: Detector, shard: SignedShard
) -> list[Verified]:
    """The verified pairs with boilerplate-only partial relations turned unrelated."""
    prints = boilerplate_prints(shard, verified)
    if not prints:
        return verified
    out = []
    for v in verified:
        partial = v.decision is not None and v.decision.relation == "partial"
        if partial and _only_boilerplate(v, articles, detector, prints):
            v = Verified(v.a, v.b, None, v.features)
        out.append(v)
    return out
