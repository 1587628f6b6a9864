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
from dedup.prepare.document import Document

__all__ = ["compare_explained", "compare_pairs", "compare_texts", "measure_pairs"]


def compare_texts(a: Article, b: Article, detector: Detector | None = None) -> Decision | None:
    """The relation between two articles, or None when unrelated."""
    detector = detector or Detector()
    return detector.decide(detector.prepare(a), detector.prepare(b))


def compare_explained(a: Article, b: Article, detector: Detector | None = None) -> tuple[Decision | None, str]:
    """The relation between two articles (None when unrelated) and, when unrelated, why: the veto, or
    the probability below the threshold with the features that weighed most (measured in full, as
    `--features` does). Each article is prepared once."""
    detector = detector or Detector()
    da, db = detector.prepare(a), detector.prepare(b)
    decision = detector.decide(da, db)
    return decision, "" if decision is not None else _why(detector, da, db)


def _why(detector: Detector, da: Document, db: Document) -> str:
    if not (da.n_tokens and db.n_tokens):
        return "a side has no words"
    return detector.explain(da, db, detector.measure(da, db))[2]


def _pair_row(pid: Any, decision: Decision | None, why: str = "") -> dict[str, Any]:
    if decision is None:
        unrelated: dict[str, Any] = {"relation": None, "derived": None, "coverage": 0.0, "score": 0.0, "evidence": []}
        return {"id": pid, **unrelated, "why": [why] if why else []}
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
        yield _pair_row(pid, *compare_explained(Article("a", ta), Article("b", tb), detector))


def measure_pairs(
    pairs: Sequence[tuple[Article, Article]], detector: Detector | None = None
) -> Iterator[Evidence | None]:
    """The evidence of each pair of articles (dates included); None when a side has no words."""
    detector = detector or Detector()
    for a, b in pairs:
        da, db = detector.prepare(a), detector.prepare(b)
        yield detector.evidence(da, db, detector.measure(da, db)) if da.n_tokens and db.n_tokens else None
