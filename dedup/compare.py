"""Compare given texts directly: two articles, or many independent pairs (`dedup compare`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from dedup.article import Article
from dedup.decide.relation import Decision
from dedup.detector import Detector, relation_record
from dedup.prepare.document import Document
from dedup.sketch.idf import IdfTable
from dedup.verify.align import PairFeatures

__all__ = ["compare_pairs", "compare_texts", "measure_pairs"]


def _idf(docs: Sequence[Document]) -> IdfTable:
    """IDF over the sentences of the texts being compared (no outside corpus is assumed)."""
    return IdfTable.from_documents(docs)


def compare_texts(a: Article, b: Article, detector: Detector | None = None) -> Decision | None:
    """The relation between two articles, or None when unrelated."""
    detector = detector or Detector()
    da, db = detector.prepare(a), detector.prepare(b)
    return detector.decide(da, db, _idf([da, db]))


def _pair_row(pid: Any, decision: Decision | None) -> dict[str, Any]:
    if decision is None:
        return {"id": pid, "relation": None, "derived": None, "coverage": 0.0, "score": 0.0, "evidence": []}
    record = relation_record("a", "b", decision)
    return {"id": pid, **{k: record[k] for k in ("relation", "derived", "coverage", "score", "evidence")}}


def compare_pairs(
    pairs: Sequence[tuple[Any, str, str] | dict[str, Any]], detector: Detector | None = None
) -> Iterator[dict[str, Any]]:
    """One output row per input pair, in order; a pair given as an error dict is passed through.

    IDF comes from the sentences of every text in `pairs`, so the batch is its own corpus.
    """
    detector = detector or Detector()
    prepared: list[tuple[Any, Document, Document] | dict[str, Any]] = []
    for p in pairs:
        if isinstance(p, dict):
            prepared.append(p)
            continue
        pid, ta, tb = p
        prepared.append((pid, detector.prepare(Article("a", ta)), detector.prepare(Article("b", tb))))
    idf = _idf([d for p in prepared if isinstance(p, tuple) for d in p[1:]])
    for item in prepared:
        if isinstance(item, dict):
            yield item
        else:
            yield _pair_row(item[0], detector.decide(item[1], item[2], idf))


def measure_pairs(pairs: Sequence[tuple[str, str]], detector: Detector | None = None) -> Iterator[PairFeatures | None]:
    """Features of each (text a, text b) pair, IDF over all of them; None when a side has no words."""
    detector = detector or Detector()
    docs = [(detector.prepare(Article("a", a)), detector.prepare(Article("b", b))) for a, b in pairs]
    idf = _idf([d for pair in docs for d in pair])
    for da, db in docs:
        yield detector.measure(da, db, idf) if da.n_tokens and db.n_tokens else None
