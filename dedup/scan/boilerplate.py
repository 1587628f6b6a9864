"""Boilerplate: paragraphs printed across unrelated stories (site chrome, standard notices).

Such a paragraph is shared text, but not reuse of a story. After the strong relations (exact,
near-duplicate, copy, rewrite) are known, a paragraph whose exact text appears in three or more
different clusters is boilerplate, and a `partial` relation whose evidence lies only in
boilerplate paragraphs (or runs from one into a few words of the story) is dropped, as is one whose
evidence is too short to tell reuse from chance ("The Bank of England said it") unless it copies
lines of a table with their precise figures and touches no boilerplate. A wire paragraph borrowed
by a local story stays evidence: its copies sit inside one story's cluster plus the borrower.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dedup._util.arrays import unique_counts
from dedup.article import Article
from dedup.cluster import CLUSTERING_RELATIONS, UnionFind
from dedup.detector import Detector
from dedup.prepare.document import Document
from dedup.prepare.segment import Span, blocks
from dedup.scan.verify import Verified
from dedup.sketch.shard import SignedShard
from dedup.verify.view import copied_figures

__all__ = ["MIN_CLUSTERS", "boilerplate_prints", "drop_boilerplate_partials"]

MIN_CLUSTERS = 3
# Evidence must reach this many characters outside boilerplate: a tile running from a story's last
# word ("Reuter") into a shared footer is not reuse of the story, nor is a stock phrase shared by two
# daily reports. Shorter evidence away from boilerplate stands on copied precise figures alone.
MIN_EVIDENCE_CHARS = 60
# Figures copied verbatim that make a few table lines reuse however short (one shared figure is chance).
TABLE_LINE_FIGURES = 2


def boilerplate_prints(shard: SignedShard, verified: Sequence[Verified]) -> set[int]:
    """Paragraph fingerprints found in at least MIN_CLUSTERS different story clusters."""
    uf = UnionFind(len(shard))
    for v in verified:
        if v.decision is not None and v.decision.relation in CLUSTERING_RELATIONS:
            uf.union(v.a, v.b)
    if not len(shard.block_prints):
        return set()
    roots = np.array([uf.find(i) for i in range(len(shard))], dtype=np.int64)
    # Each (print, cluster) once: sorted by print, then cluster (np.unique over rows is far slower).
    order = np.lexsort((roots[shard.print_owner], shard.block_prints))
    keys, owners = shard.block_prints[order], roots[shard.print_owner][order]
    first = np.r_[True, (keys[1:] != keys[:-1]) | (owners[1:] != owners[:-1])]
    prints, counts = unique_counts(keys[first])
    return set(prints[counts >= MIN_CLUSTERS].view(np.uint64).tolist())


def _copied_figures(doc: Document, spans: list[Span]) -> int:
    """Figures inside the spans, counted as `PairFeatures.copied_figures` counts them."""
    starts = doc.token_spans[:, 0]
    found: list[str] = []
    for s, e in spans:
        lo, hi = int(np.searchsorted(starts, s)), int(np.searchsorted(starts, e))
        found += doc.tokens[lo:hi]
    return copied_figures(found)


def _weak_evidence(
    v: Verified, articles: Sequence[Article], detector: Detector, prints: set[int], shard: SignedShard
) -> bool:
    """The partial's evidence holds under MIN_EVIDENCE_CHARS outside boilerplate, and is not a few
    table lines copied with their figures away from any boilerplate."""
    assert v.decision is not None
    side = v.decision.derived or "a"
    i = v.a if side == "a" else v.b
    spans = [(p.a if side == "a" else p.b) for p in v.decision.evidence]
    # The article's paragraphs and their prints as signing found them, without preparing it again.
    lo, hi = np.searchsorted(shard.print_owner, [i, i + 1])
    fingerprints = shard.block_prints[lo:hi].tolist()
    inside = outside = 0
    for (s, e), fp in zip(blocks(articles[i].text, detector.config.segment), fingerprints, strict=True):
        overlap = sum(max(0, min(e, pe) - max(s, ps)) for ps, pe in spans)
        if fp in prints:
            inside += overlap
        else:
            outside += overlap
    if outside >= MIN_EVIDENCE_CHARS:
        return False
    if inside > 0:
        return True
    # Two lines of a results table are reuse however short: a form filled in again changes its figures.
    verbatim = [(p.a if side == "a" else p.b) for p in v.decision.evidence if p.kind == "verbatim"]
    return _copied_figures(detector.prepare(articles[i]), verbatim) < TABLE_LINE_FIGURES


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
        if partial and _weak_evidence(v, articles, detector, prints, shard):
            v = Verified(v.a, v.b, None, v.features)
        out.append(v)
    return out
