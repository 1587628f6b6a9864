"""Clusters: strongest relations first, no chain across more than the window, canonical member."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dedup.cluster import Edge, build_clusters

DAY0 = datetime(1987, 3, 2, 9, tzinfo=UTC)


def _day(n: float) -> datetime:
    return DAY0 + timedelta(days=n)


def _members(clusters: list) -> list[tuple[str, ...]]:  # type: ignore[type-arg]
    return [c.members for c in clusters]


def test_a_daily_form_is_not_chained_across_weeks() -> None:
    # Each day's report is a copy of the day before (same figures by chance): within the window
    # neighbours may join, but the first and the last day never meet through the days between.
    ids = [f"day{i}" for i in range(10)]
    published = [_day(i * 2) for i in range(10)]
    edges = [Edge(i, i + 1, "copy") for i in range(9)]
    clusters = build_clusters(ids, edges, published, [100] * 10, window_days=3)
    for c in clusters:
        dates = [published[ids.index(m)] for m in c.members]
        assert max(dates) - min(dates) <= timedelta(days=3)
    assert len(clusters) >= 4


def test_a_repost_months_later_still_joins_its_story_directly() -> None:
    ids = ["wire", "copy", "repost"]
    published = [_day(0), _day(0.1), _day(120)]
    edges = [Edge(0, 1, "copy"), Edge(0, 2, "exact")]
    # The repost is exact with the wire but months from the copy: the copy and the repost are not
    # related directly, so only the strong direct pair may join across the window.
    clusters = build_clusters(ids, edges, published, [100, 120, 100], window_days=3)
    assert _members(clusters) == [("wire", "copy")] or ("wire", "repost") in _members(clusters)
    assert not any({"copy", "repost"} <= set(c.members) for c in clusters)
    clusters = build_clusters(ids, [*edges, Edge(1, 2, "near_duplicate")], published, [100, 120, 100], window_days=3)
    assert _members(clusters) == [("wire", "copy", "repost")]


def test_undated_articles_are_not_held_apart() -> None:
    clusters = build_clusters(["a", "b", "c"], [Edge(0, 1, "copy"), Edge(1, 2, "rewrite")], [None] * 3, [1, 1, 1])
    assert _members(clusters) == [("a", "b", "c")]


def test_partial_reuse_makes_no_cluster() -> None:
    assert build_clusters(["a", "b"], [Edge(0, 1, "partial")], [None, None], [1, 1]) == []


def test_canonical_is_the_earliest_then_the_version_without_site_chrome() -> None:
    ids = ["syndicated", "wire", "trimmed"]
    edges = [Edge(1, 0, "copy", added_a=0, added_b=40), Edge(1, 2, "copy", added_a=0, added_b=0)]
    dated = build_clusters(ids, edges, [_day(1), _day(0), _day(1)], [340, 300, 150])
    assert dated[0].canonical == "wire"
    undated = build_clusters(ids, edges, [None, None, None], [340, 300, 150])
    # Undated: the syndicated copy is the longest but adds 40 tokens of chrome; the wire adds none
    # and is more complete than the trimmed copy.
    assert undated[0].canonical == "wire"
