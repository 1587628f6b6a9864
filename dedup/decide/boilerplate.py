"""Boilerplate: paragraphs printed across unrelated stories (site chrome, standard notices).

Such a paragraph is shared text, but not reuse of a story. A paragraph whose exact text is printed
in three or more different clusters (sets of articles joined by exact, near-duplicate, copy or
rewrite relations) is boilerplate, and a `partial` relation whose evidence lies only in boilerplate
paragraphs (or runs from one into a few words of the story) is dropped, as is one whose evidence is
too short to tell reuse from chance ("The Bank of England said it") unless it copies lines of a
table with their precise figures and touches no boilerplate. A wire paragraph borrowed by a local
story stays evidence: its copies sit inside one story's cluster plus the borrower.

The scan counts over the whole corpus (`dedup.scan.boilerplate`); the index as each article arrives,
over the articles before it and itself, joined by the relations found so far (`dedup.index.clusters`;
deleted articles still count): it keeps a partial resting on chrome it has not yet seen in three
clusters, which the scan drops.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from dedup.decide.relation import Decision
from dedup.prepare.document import Document
from dedup.prepare.segment import Span
from dedup.verify.view import copied_figures

__all__ = ["MIN_CLUSTERS", "MIN_EVIDENCE_CHARS", "TABLE_LINE_FIGURES", "in_clusters", "weak_partial"]

MIN_CLUSTERS = 3
# Evidence must reach this many characters outside boilerplate: a tile running from a story's last
# word ("Reuter") into a shared footer is not reuse of the story, nor is a stock phrase shared by two
# daily reports. Shorter evidence away from boilerplate stands on copied precise figures alone.
MIN_EVIDENCE_CHARS = 60
# Figures copied verbatim that make a few table lines reuse however short (one shared figure is chance).
TABLE_LINE_FIGURES = 2


def in_clusters(holders: Iterable[int], find: Callable[[int], int], enough: int = MIN_CLUSTERS) -> bool:
    """Whether the articles holding a paragraph fall in `enough` different clusters (`find`: an
    article's cluster); stops as soon as they do."""
    seen: set[int] = set()
    for item in holders:
        seen.add(find(item))
        if len(seen) >= enough:
            return True
    return False


def _copied_figures(doc: Document, spans: list[Span]) -> int:
    """Figures inside the spans, counted as `PairFeatures.copied_figures` counts them."""
    starts = doc.token_spans[:, 0]
    found: list[str] = []
    for s, e in spans:
        lo, hi = int(np.searchsorted(starts, s)), int(np.searchsorted(starts, e))
        found += doc.tokens[lo:hi]
    return copied_figures(found)


def weak_partial(
    decision: Decision,
    paragraphs: Sequence[tuple[Span, int]],
    is_boilerplate: Callable[[int], bool],
    derived: Callable[[], Document],
) -> bool:
    """Whether a partial relation's evidence holds under MIN_EVIDENCE_CHARS outside boilerplate, and
    is not a few table lines copied with their figures away from any boilerplate. `paragraphs`: the
    derived side's blocks (`dedup.prepare.segment.blocks`) with their fingerprints; `derived`: its
    prepared document, asked for only when the figures decide."""
    side = decision.derived or "a"
    spans = [(p.a if side == "a" else p.b) for p in decision.evidence]
    inside = outside = 0
    for (s, e), fingerprint in paragraphs:
        overlap = sum(max(0, min(e, pe) - max(s, ps)) for ps, pe in spans)
        if overlap and is_boilerplate(fingerprint):
            inside += overlap
        else:
            outside += overlap
    if outside >= MIN_EVIDENCE_CHARS:
        return False
    if inside > 0:
        return True
    # Two lines of a results table are reuse however short: a form filled in again changes its figures.
    verbatim = [(p.a if side == "a" else p.b) for p in decision.evidence if p.kind == "verbatim"]
    return _copied_figures(derived(), verbatim) < TABLE_LINE_FIGURES
