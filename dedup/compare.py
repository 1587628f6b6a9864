"""Compare given texts directly: two articles, or many independent pairs (`dedup compare`).

A decision depends on the two texts alone, so a pair compared here is decided as a scan or the
index decides it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from dedup.article import Article
from dedup.decide.evidence import Evidence
from dedup.decide.relation import Decision
from dedup.detector import Detector, relation_record

__all__ = ["compare_pairs", "compare_texts", "measure_pairs"]


def compare_texts(a: Article, b: Article, detector: Detector | None = None) -> Decision | None:
    """The relation between two articles, or None when unrelated."""
    detector = detector or Detector()
    return detector.decide(detector.prepare(a), detector.prepare(b))


def _pair_row(pid: Any, decision: Decision | None) -> dict[str, Any]:
    if decision is None:
        return {"id": pid, "relation": None, "derived": None, "coverage": 0.0, "score": 0.0, "evidence": [], "why": []}
    record = relation_record("a", "b", decision)
    return {"id": pid, **{k: record[k] for k in ("relation", "derived", "coverage", "score", "evidence", "why")}}


def compare_pairs(
    pairs: Sequence[tuple[Any, str, str] | dict[str, Any]], detector: Detector | None = None
) -> Iterator[dict[str, Any]]:
    """One output row per input pair, in order; a pair given as an error dict is passed through."""
    detector = detector or Detector()
    for p in pairs:
        if isinstance(p, dict):
            yield p
            continue
        pid, ta, tb = p
        yield _pair_row(pid, detector.decide(detector.prepare(Article("a", ta)), detector.prepare(Article("b", tb))))


def measure_pairs(
    pairs: Sequence[tuple[Article, Article]], detector: Detector | None = None
) -> Iterator[Evidence | None]:
    """The evidence of each pair of articles (dates included); None when a side has no words."""
    detector = detector or Detector()
    for a, b in pairs:
        da, db = detector.prepare(a), detector.prepare(b)
        yield detector.evidence(da, db, detector.measure(da, db)) if da.n_tokens and db.n_tokens else None
