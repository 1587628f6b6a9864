"""Per-document views (`dedup.verify.view`) against their plain definitions."""

from __future__ import annotations

from typing import Any

import numpy as np

from dedup._util.arrays import range_rows, unique
from dedup.article import Article
from dedup.detector import Detector
from dedup.sketch.idf import bucket_of
from dedup.verify.view import _content_rows, view


def _rows_by_definition(ids: np.ndarray, bounds: np.ndarray, n_buckets: int) -> tuple[np.ndarray, ...]:
    sentence_of, token_range = range_rows(bounds)
    keep = ids[token_range] != 0
    distinct = unique(bucket_of(ids[ids != 0], n_buckets))
    return sentence_of[keep], bucket_of(ids[token_range][keep], n_buckets), distinct


def test_content_rows_as_defined(detector: Detector, fiction: list[dict[str, Any]]) -> None:
    texts = [a["text"] for a in fiction[:40]] + ["One line only", "Shr 12 cts vs nine cts\n\n  Net 1,234,000"]
    for text in texts:
        doc = detector.prepare(Article("x", text))
        got = _content_rows(doc, 1024)
        expected = _rows_by_definition(doc.content_ids, doc.sentence_bounds, 1024)
        assert all(np.array_equal(g, e) for g, e in zip(got, expected, strict=True))


def test_sentence_spans_and_ranges_follow_the_document(detector: Detector, fiction: list[dict[str, Any]]) -> None:
    doc = detector.prepare(Article("x", fiction[0]["text"]))
    v = view(doc)
    bounds = doc.sentence_bounds.tolist()
    assert v.sentence_spans(doc) == [doc.span_of_tokens(lo, hi) for lo, hi in bounds]
    ranges = v.ranges(doc)
    assert ranges.sentences == [tuple(b) for b in bounds]
    cuts = doc.block_bounds.tolist()
    assert ranges.blocks == [(cuts[k], cuts[k + 1]) for k in range(len(cuts) - 1)]
    assert ranges.token_cuts.tolist() == [i for r in (*ranges.sentences, *ranges.blocks) for i in r]
