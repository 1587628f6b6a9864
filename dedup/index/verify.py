"""Verifying one new article's candidates: the relations the index reports for it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dedup.article import Article
from dedup.decide.relation import Decision
from dedup.detector import Detector, relation_record
from dedup.index.budget import WorkBudget
from dedup.index.report import IndexReport, unpack_terms
from dedup.prepare.document import Document
from dedup.sketch.idf import IdfTable
from dedup.sketch.shard import SignedShard

__all__ = ["verify_candidates"]


def verify_candidates(
    detector: Detector,
    article: Article,
    prepared: tuple[Document, SignedShard],
    found: tuple[list[int], list[int], dict[int, str]],
    budget: WorkBudget | None,
    terms_of: Callable[[list[str]], dict[str, bytes]],
    document: Callable[[str], Document | None],
    boilerplate: Callable[[list[tuple[int, Document, Decision]]], set[int]] | None = None,
) -> IndexReport:
    """Relations of `article` (prepared and signed) to the candidates `found` (verbatim, topic, their ids),
    within `budget`; `terms_of` gives the terms stored beside articles, `document` an article prepared,
    `boilerplate` which of the relations found (item, document, decision) rest on boilerplate alone."""
    new, signed = prepared
    report = IndexReport(article.id)
    verbatim, topic, ids = found
    report.candidates = len(verbatim) + len(topic)
    if budget is not None:
        budget.partial = report
    gate = detector.config.lsh.rewrite_min_cosine
    # The rewrite path's vocabulary screen, from the terms stored beside each article: most candidates
    # fail it, and reading and preparing their texts only to screen them was most of a check's time.
    stored = terms_of([ids[i] for i in topic]) if gate > 0 and topic else {}
    decided = _decided(detector, new, (signed.terms, signed.term_counts), found, stored, document, budget, report)
    dropped = boilerplate(decided) if boilerplate is not None and decided else set()
    if dropped:
        report.relations = [r for k, r in enumerate(report.relations) if k not in dropped]
    blocks = signed.repeats.get(0, [])
    if blocks:
        report.repeats = [{"first": list(r.first), "repeat": list(r.repeat)} for r in blocks]
    return report


def _decided(
    detector: Detector,
    new: Document,
    new_terms: tuple[np.ndarray, np.ndarray],
    found: tuple[list[int], list[int], dict[int, str]],
    stored: dict[str, bytes],
    document: Callable[[str], Document | None],
    budget: WorkBudget | None,
    report: IndexReport,
) -> list[tuple[int, Document, Decision]]:
    """Each candidate verified in turn until the budget is spent; the relations go into `report`."""
    verbatim, topic, ids = found
    rewrite_only, weights = set(topic), detector.weights
    gate = detector.config.lsh.rewrite_min_cosine
    decided: list[tuple[int, Document, Decision]] = []
    for item in verbatim + topic:
        if budget is not None and budget.exhausted(report.verified):
            report.truncated = True
            break
        report.verified += 1
        packed = stored.get(ids[item])
        if packed is not None and weights.cosine(unpack_terms(packed), new_terms) < gate:
            continue
        old = document(ids[item])
        if old is None or old.id == new.id:
            continue
        # As in a scan: a rewrite-path candidate too far in vocabulary to be a rewrite is not verified.
        if item in rewrite_only and gate > 0 and weights.cosine(_terms(weights, old), new_terms) < gate:
            continue
        decision = detector.decide(old, new)
        if decision is not None:
            report.relations.append(relation_record(old.id, new.id, decision))
            decided.append((item, old, decision))
    return decided


def _terms(idf: IdfTable, doc: Document) -> tuple[np.ndarray, np.ndarray]:
    return idf.terms(doc.content_ids, doc.sentence_bounds)
