"""An excerpt of a long text without facts: sentences picked from across a story with no figure, date
or dateline, joined into one paragraph of its own. No paragraph is shared, the document is far from
the story's, and the rewrite path's facts gate cannot pass a text without facts: the containment path
asks for such an article whatever its length (`candidates.asks_containment`)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dedup import scan_articles
from dedup.article import Article
from dedup.candidates import asks_containment
from dedup.config import DetectorConfig, LSHConfig
from dedup.detector import Detector
from tests.conftest import added_one_by_one

STORY = (Path(__file__).parent / "data" / "mill_race.txt").read_text(encoding="utf-8")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z])")


def _excerpt() -> str:
    """The first sentence of every paragraph and the last of three, in one paragraph (a reader's
    summary cut from the story), longer than the short articles the path always asks for."""
    paragraphs = [p.strip() for p in STORY.split("\n\n") if p.strip()]
    firsts = [_SENTENCE.split(p)[0] for p in paragraphs]
    lasts = [_SENTENCE.split(p)[-1] for p in paragraphs[1:4]]
    return "A reader asks about the mill race. " + " ".join(firsts + lasts)


def _articles(fiction: list[dict[str, Any]]) -> list[Article]:
    return [Article(r["id"], r["text"]) for r in fiction] + [Article("story", STORY), Article("excerpt", _excerpt())]


def _detector(**lsh: Any) -> Detector:
    config = DetectorConfig()
    return Detector(replace(config, lsh=replace(config.lsh, **lsh)))


def _relation(relations: list[dict[str, Any]]) -> list[str]:
    return [r["relation"] for r in relations if {r["a"], r["b"]} == {"story", "excerpt"}]


def test_the_excerpt_is_long_and_has_no_facts(detector: Detector) -> None:
    doc = detector.prepare(Article("excerpt", _excerpt()))
    assert doc.n_tokens > detector.config.lsh.contain_max_tokens and not doc.facts
    assert "\n" not in _excerpt() and not re.search(r"\d", STORY)


def test_an_excerpt_without_facts_is_a_copy_of_its_story(fiction: list[dict[str, Any]]) -> None:
    articles = _articles(fiction)
    assert _relation(scan_articles(articles, _detector()).relations) == ["copy"]
    # The containment path finds it: with the path off, no other path does.
    assert _relation(scan_articles(articles, _detector(contain_max_tokens=0)).relations) == []


def test_the_index_relates_the_excerpt_as_the_scan_does(fiction: list[dict[str, Any]]) -> None:
    articles, detector = _articles(fiction), _detector()
    found = added_one_by_one(articles, detector)
    assert found == scan_articles(articles, detector).relations
    assert _relation(found) == ["copy"]


@pytest.mark.parametrize(
    ("n_tokens", "n_facts", "asks"),
    [(80, 3, True), (80, 0, True), (600, 0, True), (600, 1, False), (151, 2, False)],
)
def test_who_asks_the_containment_path(n_tokens: int, n_facts: int, asks: bool) -> None:
    config = LSHConfig()
    got = asks_containment(np.array([n_tokens]), np.array([n_facts]), config)
    assert got.tolist() == [asks]
    assert not asks_containment(np.array([n_tokens]), np.array([n_facts]), replace(config, contain_max_tokens=0)).any()
