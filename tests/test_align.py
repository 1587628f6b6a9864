"""Pair measurements of `dedup.verify.align` against their plain definitions."""

from __future__ import annotations

import pytest

from dedup.article import Article
from dedup.detector import Detector
from dedup.prepare.document import Document
from dedup.prepare.facts import rounded_match
from dedup.verify.align import _means, _running_count, figures_kept, numbers_contained
from dedup.verify.tiling import _coverage

RELEASES = [
    "Net 13.5 mln vs 9.7 mln\n Revs 104.6 mln vs 98.2 mln, up 12 pct, 3rd qtr, April 3\n",
    "Net 13,555,000 vs 9,729,000\n Revs 104,606,000 vs 98.2 mln, up 12.4 pct, 3rd qtr, April 3\n",
    "Net 13,755,000 vs 9.7 mln\n Revs 2 bln vs 2.5 bln, up 12 pct, six qtrs, April 4\n",
    "Shr 50 cts vs 50.75 cts\n Net 13.5 mln dlrs vs 13,555,000 stg\n",
]


def _kept_by_definition(da: Document, db: Document) -> float:
    """`figures_kept` as defined: every figure of the longer side tested both ways."""
    short, long_ = (da, db) if da.n_tokens <= db.n_tokens else (db, da)
    kinds = ("num:", "money:", "pct:", "date:", "count:", "ord:")
    mine = {f for f in short.facts | short.counts if f.startswith(kinds)}
    theirs = long_.facts | long_.counts
    if not mine:
        return 1.0
    kept = sum(1 for f in mine if f in theirs or any(rounded_match(f, g) or rounded_match(g, f) for g in theirs))
    return kept / len(mine)


@pytest.mark.parametrize("i", range(len(RELEASES)))
@pytest.mark.parametrize("j", range(len(RELEASES)))
def test_figures_kept_counts_roundings_either_way(detector: Detector, i: int, j: int) -> None:
    da, db = (detector.prepare(Article(str(k), RELEASES[k])) for k in (i, j))
    assert figures_kept(da, db) == _kept_by_definition(da, db)


def test_figures_kept_finds_a_rounded_second_release(detector: Detector) -> None:
    da, db = (detector.prepare(Article(str(k), RELEASES[k])) for k in (0, 1))
    assert 0.0 < _kept_by_definition(da, db) == figures_kept(da, db)
    assert figures_kept(da, db) > figures_kept(da, detector.prepare(Article("c", RELEASES[2])))


@pytest.mark.parametrize("i", range(len(RELEASES)))
@pytest.mark.parametrize("j", range(len(RELEASES)))
def test_numbers_contained_as_defined(detector: Detector, i: int, j: int) -> None:
    da, db = (detector.prepare(Article(str(k), RELEASES[k])) for k in (i, j))
    short, long_ = (da, db) if da.n_tokens <= db.n_tokens else (db, da)
    kinds = ("num:", "money:", "pct:", "date:")
    mine = {f for f in short.facts | short.counts if f.startswith(kinds)}
    theirs = long_.facts | long_.counts
    found = sum(1 for f in mine if f in theirs or any(rounded_match(f, g) or rounded_match(g, f) for g in theirs))
    added = {f for f in theirs if f.startswith(kinds)} - (short.facts | short.counts)
    assert numbers_contained(da, db) == (found >= 0.5 * len(mine) or (len(mine) - found <= 1 and not added))


@pytest.mark.parametrize(
    ("short", "long_", "contained"),
    [
        ("She was the only woman in her unit and a member of Teamsters Local 995.",
         "She was the only woman employed as a warehouse worker and the only woman in her Teamsters local.", True),
        ("Revs 1,661,000 vs 1,376,000, net 528,000.",
         "Revs 1.7 mln vs 1.4 mln, net 530,000 for the year, the company said.", True),
        ("Rainfall: Umuarama 10.6 mm, Paranavai 12.2 mm, Londrina 6.0 mm.",
         "The following rainfall was recorded over the past day: Umuarama nil, Paranavai nil, Londrina nil.", False),
        ("Inamed shares closed down nearly 12 percent on Nasdaq.",
         "Inamed shares dropped as much as about 16 percent on Nasdaq, a top loser.", False),
    ],
)  # fmt: skip
def test_a_figure_left_out_or_rounded_contradicts_nothing(
    detector: Detector, short: str, long_: str, contained: bool
) -> None:
    """Only another value in a figure's place contradicts it; a detail dropped, or a figure rounded, does
    not; a table whose every value became a word is another table."""
    da, db = detector.prepare(Article("a", short)), detector.prepare(Article("b", long_))
    assert da.n_tokens < db.n_tokens
    assert numbers_contained(da, db) is contained


def test_means_are_the_means_of_the_mask() -> None:
    mask = _coverage(12, [(1, 4), (3, 7), (10, 12)])
    ranges = [(0, 12), (0, 3), (2, 2), (5, 11), (11, 12)]
    expected = [float(mask[lo:hi].mean()) if hi > lo else 0.0 for lo, hi in ranges]
    counts = _running_count(mask)[[i for r in ranges for i in r]].tolist()
    assert _means(counts, ranges) == expected
    assert _means([], []) == []
