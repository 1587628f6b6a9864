"""Boilerplate paragraphs (a site's header and footer around unrelated stories) are not evidence of
partial reuse; short evidence that touches no boilerplate still is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dedup import Article, scan_articles

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
HEADER = "CITY HERALD ONLINE | Home > News > World\n\nPosted by staff, updated 5 minutes ago\n\n"
FOOTER = (
    "\n\nShare this story: Facebook | X | Email\n\n"
    "Copyright 2025 City Herald Online. All rights reserved. Sign up for our morning newsletter."
)
RESULTS_TABLE = (
    "Shr loss 26 cts vs profit eight cts\n    Net loss 2.8 mln vs profit 897,000\n    Revs 27.0 mln vs 30.0 mln\n"
    "    Nine months\n    Shr loss 51 cts vs profit 46 cts\n    Net loss 5.4 mln vs profit 4.9 mln\n"
    "    Revs 88.4 mln vs 99.8 mln\n Reuter\n"
)


def _article(rid: str, text: str, hours: int = 0, title: str | None = None) -> Article:
    return Article(rid, text, title=title, published=T0 + timedelta(hours=hours))


@pytest.fixture(scope="module")
def wires(fiction: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [a for a in fiction if a["kind"] == "wire"]


def test_a_sign_off_running_into_a_shared_footer_is_not_partial(wires: list[dict[str, Any]]) -> None:
    """Five stories of one site end with the same sign-off word before the site's footer: the tile
    from "Reuter" into the footer touches boilerplate and holds a few characters of story."""
    site = [_article(f"site-{i}", HEADER + w["text"].rstrip() + " Reuter" + FOOTER, i) for i, w in enumerate(wires[:5])]
    assert scan_articles(site).relations == []


def test_the_index_drops_chrome_partials_once_it_has_seen_the_chrome_in_three_clusters(
    wires: list[dict[str, Any]],
) -> None:
    """The index counts boilerplate as each story arrives: the second story of the site cannot yet
    tell its footer from reuse; from the third on, the footer is in three clusters and no longer
    evidence. The scan, with the whole corpus in view, drops them all."""
    from dedup import Index

    site = [_article(f"site-{i}", HEADER + w["text"].rstrip() + " Reuter" + FOOTER, i) for i, w in enumerate(wires[:5])]
    index = Index()
    found = [(r["a"], r["b"], r["relation"]) for a in site for r in index.add(a).relations]
    assert found == [("site-0", "site-1", "partial")]
    assert scan_articles(site).relations == []
    # Reopened over its store (signed again, joined as the stored reports say), it counts the same.
    again = Index(store=index.store)
    late = _article("site-9", HEADER + wires[6]["text"].rstrip() + " Reuter" + FOOTER, 9)
    assert again.check(late).relations == []


def test_a_short_stock_phrase_without_figures_is_not_partial(wires: list[dict[str, Any]]) -> None:
    """Two daily notes under one headline share only their opening words (56 characters, no figure):
    too little to tell reuse from a stock phrase, in a corpus where boilerplate is measured."""
    site = [_article(f"site-{i}", HEADER + w["text"] + FOOTER, i) for i, w in enumerate(wires[:4])]
    title = "HARBOUR AUTHORITY DAILY NOTE"
    first = _article(
        "monday",
        "The harbour authority said it expected the new berths to open in autumn.\n\n"
        "Dredging of the outer channel has been delayed by storms.",
        1,
        title,
    )
    second = _article(
        "friday",
        "The harbour authority said it expected the new berths to be busy.\n\n"
        "The ferry operator welcomed the news and plans two extra sailings.",
        30,
        title,
    )
    assert scan_articles([*site, first, second]).relations == []


def test_a_snapshot_keeps_what_the_index_counted(
    wires: list[dict[str, Any]], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The paragraph holders, the clusters joined and the containment path's term counts come back from
    a snapshot as they were: the restored index judges the next story as the one that counted."""
    from dedup import Index
    from dedup.index import incremental

    snap = tmp_path / "index.snapshot"
    site = [_article(f"site-{i}", HEADER + w["text"].rstrip() + " Reuter" + FOOTER, i) for i, w in enumerate(wires[:4])]
    index = Index(snapshot=snap)
    for article in site:
        index.add(article)
    assert index.save_snapshot()
    with monkeypatch.context() as m:  # from the snapshot alone: nothing signed again
        m.setattr(incremental, "sign_shard", lambda *a: pytest.fail("re-signed instead of restored"))
        restored = Index(store=index.store, snapshot=snap)
    assert restored.position == index.position
    assert (restored._clusters.state() == index._clusters.state()).all()
    assert (restored._contain.counts == index._contain.counts).all()
    late = _article("site-9", HEADER + wires[6]["text"].rstrip() + " Reuter" + FOOTER, 9)
    assert restored.check(late).relations == index.check(late).relations == []
