"""Stage 3 of a scan: verify candidate pairs exactly and decide their relations."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dedup._util.arrays import unique
from dedup.article import Article
from dedup.candidates import Candidates
from dedup.decide.relation import Decision
from dedup.detector import Detector
from dedup.prepare.document import Document, content_ids_many, name_masks_many
from dedup.verify.tiling import Tiling
from dedup.verify.view import views_many

__all__ = ["Verified", "exact_relations", "verify_pairs", "warm_documents", "warm_for_alignment"]

_CACHE_SIZE = 4096
_BLOCK = 1000  # pairs screened before any is aligned (a scan's verify tasks hold as many)


@dataclass(frozen=True)
class Verified:
    """A verified pair of article indices, its decision (None: unrelated) and its features row."""

    a: int
    b: int
    decision: Decision | None
    features: dict[str, Any] | None = None


class _DocumentCache:
    """Prepared documents, least recently used dropped first (verification revisits hot articles).

    When all the articles of the pairs fit, they are prepared together up front (`prepare_many`).
    """

    def __init__(self, articles: Sequence[Article], detector: Detector, pairs: np.ndarray) -> None:
        self.articles, self.detector = articles, detector
        self.cache: OrderedDict[int, Document] = OrderedDict()
        used = unique(pairs.reshape(-1)).tolist()
        if len(used) <= _CACHE_SIZE:
            docs = detector.prepare_many([articles[i] for i in used])
            # Alignment inputs wait for the pairs that need them (`_decide_block`).
            views_many(docs)
            self.cache.update(zip(used, docs, strict=True))

    def __getitem__(self, i: int) -> Document:
        doc = self.cache.get(i)
        if doc is None:
            doc = self.cache[i] = self.detector.prepare(self.articles[i])
            if len(self.cache) > _CACHE_SIZE:
                self.cache.popitem(last=False)
        else:
            self.cache.move_to_end(i)
        return doc


def verify_pairs(
    candidates: Candidates,
    articles: Sequence[Article],
    detector: Detector,
    with_features: bool = False,
    tick: Callable[[int], None] | None = None,
) -> Iterator[Verified]:
    """Decide each candidate pair; yields every pair, related or not (with its evidence row and
    why, when `with_features`)."""
    docs = _DocumentCache(articles, detector, candidates.pairs)
    pairs = candidates.pairs.tolist()
    if not with_features:
        for start in range(0, len(pairs), _BLOCK):
            block = pairs[start : start + _BLOCK]
            yield from _decide_block(block, docs, detector)
            if tick:
                tick(len(block))
        return
    for n, (i, j) in enumerate(pairs):
        da, db = docs[i], docs[j]
        decision, evidence, why = detector.explain(da, db, detector.measure(da, db))
        row = {"a": da.id, "b": db.id, **evidence.as_row(), "relation": decision.relation if decision else None}
        row["why"] = why
        yield Verified(i, j, decision, row)
        if tick and n % 64 == 63:
            tick(64)


def _decide_block(pairs: list[list[int]], docs: _DocumentCache, detector: Detector) -> list[Verified]:
    """`Detector.decide` of each pair, in two passes: every pair screened on its tiles first, then
    only the documents of the pairs left to align get what alignment reads (`warm_for_alignment`;
    Reuters: names and content words for 4,070 of the 7,410 documents prepared)."""
    screened = [detector.screen(docs[i], docs[j]) for i, j in pairs]
    left = [(k, s) for k, s in enumerate(screened) if isinstance(s, Tiling)]
    warm_for_alignment(list({id(d): d for k, _ in left for d in (docs[pairs[k][0]], docs[pairs[k][1]])}.values()))
    decisions: list[Decision | None] = [None if isinstance(s, Tiling) else s for s in screened]
    for k, tiling in left:
        decisions[k] = detector.decide_tiled(docs[pairs[k][0]], docs[pairs[k][1]], tiling)
    return [Verified(i, j, d) for (i, j), d in zip(pairs, decisions, strict=True)]


def exact_relations(
    candidates: Candidates, articles: Sequence[Article], detector: Detector, chunk: int = 1000
) -> Iterator[Verified]:
    """The relation from each exact group's first article to every other member: `exact`, or, where
    identical text is not one item (two short items under other headlines: `Detector.exact`), what
    the pair's full decision says, as the index decides it.

    Members are prepared `chunk` at a time, together with their groups' first articles."""
    rep = candidates.representative
    members = np.flatnonzero(rep != np.arange(len(rep))).tolist()
    for start in range(0, len(members), chunk):
        part = members[start : start + chunk]
        used = sorted({*part, *rep[part].tolist()})
        docs = dict(zip(used, detector.prepare_many([articles[i] for i in used]), strict=True))
        for i in part:
            r = int(rep[i])
            decision = detector.exact(docs[r], docs[i]) or detector.decide(docs[r], docs[i])
            if decision is not None:
                yield Verified(r, i, decision)


def warm_documents(docs: Sequence[Document]) -> None:
    """Compute and store the verification inputs of every document not holding them yet."""
    views_many(docs)
    warm_for_alignment(docs)


def warm_for_alignment(docs: Sequence[Document]) -> None:
    """Compute and store what sentence alignment reads of every document not holding it yet (its
    content words and names; each document alone would compute the same, several times slower)."""
    content_ids_many(docs)
    name_masks_many(docs)
