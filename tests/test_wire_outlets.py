"""One wire story taken by 60 outlets, each lightly edited, among 40 other stories of the same kind:
every outlet's copy is related to the wire story, and nothing else is."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dedup import Article, scan_articles
from dedup.article import article_from_mapping
from tests.conftest import fiction_all

T0 = datetime(2025, 1, 14, 18, tzinfo=UTC)
EDITS = {"said": "stated", "more than": "over", "people": "residents", "Tuesday": "Tuesday evening"}


def _outlet_copy(wire: str, n: int, rng: random.Random) -> str:
    paragraphs = wire.split("\n\n")
    if n % 3 == 0:
        paragraphs = paragraphs[: max(4, len(paragraphs) - rng.randint(1, 3))]  # trimmed to fit
    text = "\n\n".join(paragraphs)
    for word, other in rng.sample(sorted(EDITS.items()), 2):  # a copy-editor's touch
        text = text.replace(word, other, 1)
    if n % 2 == 0:
        header, footer = f"The Outlet {n} Daily: local news, weather and sport", f"Copyright Outlet {n}."
        text = f"{header}\n\n{text}\n\n{footer} All rights reserved."
    return text


def _record(row: dict[str, Any]) -> Article:
    return article_from_mapping({k: row[k] for k in ("id", "text", "published")})


@pytest.fixture(scope="module")
def scanned() -> tuple[str, list[dict[str, Any]]]:
    rows = fiction_all()
    wire = next(r for r in rows if r["id"] == "wire-storm-01")
    rng = random.Random(5)
    copies = [
        Article(f"outlet-{n}", _outlet_copy(wire["text"], n, rng), published=T0 + timedelta(minutes=5 + 7 * n))
        for n in range(60)
    ]
    others = [_record(r) for r in rows if r["kind"] in ("wire", "same_topic", "independent") and r["id"] != wire["id"]]
    assert len(others) >= 40
    # The wire story is not first in the input: the outlets' copies came in before it was read.
    articles = [*copies[:30], _record(wire), *copies[30:], *others[:40]]
    return wire["id"], scan_articles(articles).relations


def test_every_outlet_copy_is_related_to_the_wire_story(scanned: tuple[str, list[dict[str, Any]]]) -> None:
    wire, relations = scanned
    to_wire = {r["a"] if r["b"] == wire else r["b"]: r for r in relations if wire in (r["a"], r["b"])}
    assert {f"outlet-{n}" for n in range(60)} <= set(to_wire)
    assert all(r["relation"] in ("copy", "near_duplicate") for r in to_wire.values())
    assert all(r["derived"] in (None, other) for other, r in to_wire.items())


def test_no_other_story_is_related_to_the_wire_or_its_copies(scanned: tuple[str, list[dict[str, Any]]]) -> None:
    wire, relations = scanned
    family = {wire, *(f"outlet-{n}" for n in range(60))}
    assert [r for r in relations if (r["a"] in family) != (r["b"] in family)] == []
