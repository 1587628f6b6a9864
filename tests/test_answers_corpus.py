"""The short-answer corpus (corpora/answers): answers cut, lightly or heavily revised from a source
text without figures, and answers written without it. Its labels hold of the texts themselves (the
checks measure word runs, not the labels), and the scan finds what a reader of it must be told: every
cut answer is a copy of its source, no independent answer is related to anything."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

from dedup import scan_articles
from dedup.article import Article
from dedup.detector import Detector

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "answers" / "answers.jsonl"
KINDS = {"source": 1, "cut": 2, "light": 2, "heavy": 2, "independent": 3}


@cache
def _rows() -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip())


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def _longest_run(a: str, b: str) -> int:
    """Words of the longest run the two texts share."""
    wa, wb = _words(a), _words(b)
    best, prev = 0, [0] * (len(wb) + 1)
    for x in wa:
        cur = [0] * (len(wb) + 1)
        for j, y in enumerate(wb, start=1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def _source(row: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in _rows() if r["topic"] == row["topic"] and r["kind"] == "source")


def test_every_topic_has_its_kinds_and_no_text_has_a_figure() -> None:
    rows = _rows()
    assert len({r["id"] for r in rows}) == len(rows) == 40
    for topic in {r["topic"] for r in rows}:
        assert Counter(r["kind"] for r in rows if r["topic"] == topic) == KINDS
    assert not any(re.search(r"\d", r["text"]) for r in rows)
    assert all(r["source"] == _source(r)["id"] for r in rows if r["kind"] in ("cut", "light", "heavy"))


def test_the_kinds_are_what_their_runs_say() -> None:
    for row in _rows():
        if row["kind"] == "source":
            continue
        run = _longest_run(row["text"], _source(row)["text"])
        expected = {"cut": (40, 10_000), "light": (6, 30), "heavy": (0, 4), "independent": (0, 5)}[row["kind"]]
        assert expected[0] <= run <= expected[1], (row["id"], run)


def test_the_scan_relates_every_cut_answer_and_no_independent_one(detector: Detector) -> None:
    rows = _rows()
    result = scan_articles([Article(r["id"], r["text"]) for r in rows], detector)
    related = {frozenset((r["a"], r["b"])): r for r in result.relations}
    for row in rows:
        if row["kind"] == "cut":
            found = related.get(frozenset((row["id"], row["source"])))
            # Undated texts: which one was taken from the other cannot be known.
            assert found is not None and found["relation"] == "copy" and found["derived"] is None, row["id"]
        if row["kind"] == "independent":
            assert not any(row["id"] in pair for pair in related), row["id"]


def test_every_light_revision_is_a_rewrite_of_its_source_when_the_pair_is_given(detector: Detector) -> None:
    for row in _rows():
        if row["kind"] == "light":
            source = detector.prepare(Article(row["source"], _source(row)["text"]))
            decision = detector.decide(source, detector.prepare(Article(row["id"], row["text"])))
            assert decision is not None and decision.relation == "rewrite", row["id"]
