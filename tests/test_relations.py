"""Every transformation a wire story goes through, found with the right relation and evidence.

The articles are the project's own fictional wire stories (corpora/fiction); each test builds the
variant explicitly, so what is being claimed is visible in the test.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from difflib import SequenceMatcher
from typing import Any

import pytest

from dedup import Article, compare_texts, scan_articles
from dedup.article import article_from_mapping
from dedup.detector import Detector
from dedup.prepare.normalize import normalize

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
HEADER = "CITY HERALD ONLINE | Home > News > World\n\nPosted by staff, updated 5 minutes ago\n\n"
FOOTER = (
    "\n\nShare this story: Facebook | X | Email\n\n"
    "Copyright 2025 City Herald Online. All rights reserved. Sign up for our morning newsletter."
)


def _by_id(fiction: list[dict[str, Any]], rid: str) -> dict[str, Any]:
    return next(a for a in fiction if a["id"] == rid)


def _paras(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def _article(rid: str, text: str, hours: int = 0) -> Article:
    return Article(rid, text, published=T0 + timedelta(hours=hours))


def _relations(*articles: Article) -> list[dict[str, Any]]:
    return scan_articles(list(articles)).relations


def _only(relations: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(relations) == 1, relations
    return relations[0]


def _assert_evidence_lands(rel: dict[str, Any], a: Article, b: Article) -> None:
    """Verbatim evidence spans in a and b hold the same (at most lightly edited) words."""
    verbatim = [e for e in rel["evidence"] if e["kind"] == "verbatim"]
    assert verbatim
    for e in verbatim:
        wa = normalize(a.text[slice(*e["a"])]).split()
        wb = normalize(b.text[slice(*e["b"])]).split()
        assert SequenceMatcher(None, wa, wb, autojunk=False).ratio() >= 0.9, (wa[:12], wb[:12])


@pytest.fixture(scope="module")
def wire(fiction: list[dict[str, Any]]) -> Article:
    return _article("wire", _by_id(fiction, "wire-storm-01")["text"])


def test_verbatim_copy_with_site_header_and_footer_is_a_copy(wire: Article) -> None:
    site = _article("site", HEADER + wire.text + FOOTER, hours=2)
    rel = _only(_relations(wire, site))
    assert (rel["relation"], rel["derived"]) == ("copy", "site")
    assert rel["coverage"] >= 0.8
    _assert_evidence_lands(rel, wire, site)


def test_exact_repost_is_exact(wire: Article) -> None:
    repost = _article("repost", "  " + wire.text.replace("\n\n", "\n\n\n").upper() + "\n", hours=1)
    rel = _only(_relations(wire, repost))
    assert rel["relation"] == "exact" and rel["derived"] is None


def test_trimmed_wire_copy_is_a_copy_derived_from_the_wire(wire: Article) -> None:
    paras = _paras(wire.text)
    trimmed = _article("trimmed", "\n\n".join(paras[: len(paras) * 6 // 10]), hours=3)
    rel = _only(_relations(wire, trimmed))
    assert (rel["relation"], rel["derived"]) == ("copy", "trimmed")
    assert rel["coverage"] >= 0.95
    _assert_evidence_lands(rel, wire, trimmed)


def test_wire_spliced_whole_into_a_longer_local_story_is_a_copy(wire: Article, fiction: list[dict[str, Any]]) -> None:
    local = _paras(_by_id(fiction, "wire-budget-01")["text"])
    text = "\n\n".join([*local[:3], wire.text, *local[3:6]])
    spliced = _article("local", text, hours=5)
    rel = _only(_relations(wire, spliced))
    assert (rel["relation"], rel["derived"]) == ("copy", "local")
    _assert_evidence_lands(rel, wire, spliced)
    start = spliced.text.index(wire.text)
    assert any(e["b"][0] >= start and e["b"][1] <= start + len(wire.text) for e in rel["evidence"])


def test_two_wire_paragraphs_in_a_local_story_are_partial(wire: Article, fiction: list[dict[str, Any]]) -> None:
    local = _paras(_by_id(fiction, "wire-budget-01")["text"])
    borrowed = _paras(wire.text)[2:4]
    reuse = _article("local", "\n\n".join([*local[:4], *borrowed, *local[4:]]), hours=5)
    rel = _only(_relations(wire, reuse))
    assert (rel["relation"], rel["derived"]) == ("partial", "local")
    assert 0.1 <= rel["coverage"] <= 0.6
    _assert_evidence_lands(rel, wire, reuse)
    for e in rel["evidence"]:
        assert any(p in reuse.text[e["b"][0] : e["b"][1] + 1] or reuse.text[slice(*e["b"])] in p for p in borrowed)


def _copy_edit(text: str, every: int = 25) -> str:
    """Light edits: every `every`-th word changed, as a sub-editor would touch a few words."""
    words = text.split(" ")
    for i in range(every // 2, len(words), every):
        words[i] = {"the": "a", "said": "stated"}.get(words[i], words[i] + "s")
    return " ".join(words)


def test_light_copy_edits_are_a_near_duplicate(wire: Article) -> None:
    edited = _article("edited", _copy_edit(wire.text), hours=1)
    rel = _only(_relations(wire, edited))
    assert rel["relation"] == "near_duplicate" and rel["derived"] is None
    _assert_evidence_lands(rel, wire, edited)


def test_reordered_paragraphs_are_a_near_duplicate(wire: Article) -> None:
    paras = _paras(wire.text)
    reordered = _article("reordered", "\n\n".join([paras[0], *paras[4:], *paras[1:4]]), hours=1)
    rel = _only(_relations(wire, reordered))
    assert rel["relation"] == "near_duplicate"
    _assert_evidence_lands(rel, wire, reordered)


def test_doubled_paragraphs_are_a_near_duplicate_and_a_repeat(wire: Article) -> None:
    paras = _paras(wire.text)
    doubled_text = "\n\n".join([*paras[:5], *paras[2:5], *paras[5:]])
    doubled = _article("doubled", doubled_text, hours=1)
    result = scan_articles([wire, doubled])
    rel = _only(result.relations)
    assert rel["relation"] == "near_duplicate"
    (repeat,) = result.repeats
    (block,) = repeat["blocks"]
    assert repeat["id"] == "doubled"
    first = doubled.text[slice(*block["first"])]
    again = doubled.text[slice(*block["repeat"])]
    assert first == again == "\n\n".join(paras[2:5])


def test_corrected_version_with_one_changed_figure_is_still_that_story(wire: Article) -> None:
    import re

    first_number = re.search(r"\d[\d,.]*\d", wire.text)
    assert first_number
    corrected = wire.text.replace(first_number.group(), first_number.group() + "1", 1)
    rel = _only(_relations(wire, _article("corrected", corrected, hours=4)))
    assert rel["relation"] == "near_duplicate"


def test_expanded_version_adding_paragraphs_is_a_copy(wire: Article) -> None:
    extra = "\n\nUpdated at 6 p.m.: Crews restored power to another 3,100 homes by the evening, officials said."
    extra += "\n\nThe regional council said it would meet on Friday to review its storm response plans."
    rel = _only(_relations(wire, _article("expanded", wire.text + extra + extra.replace("3,100", "4,250"), hours=6)))
    assert (rel["relation"], rel["derived"]) == ("copy", "expanded")


def test_rewrite_of_a_wire_story_is_a_rewrite(fiction: list[dict[str, Any]]) -> None:
    original = _article("wire-court-01", _by_id(fiction, "wire-court-01")["text"])
    retold = _article("rewrite-court-01", _by_id(fiction, "rewrite-court-01")["text"], hours=8)
    rel = _only(_relations(original, retold))
    assert (rel["relation"], rel["derived"]) == ("rewrite", "rewrite-court-01")
    assert any(e["kind"] == "rewritten" for e in rel["evidence"])


REFERENCES = {"rewrite_of": "rewrite", "brief_of": "copy", "follow_up_of": "partial"}
LOOK_ALIKES = ("topic_of", "template_of", "independent_of")


@pytest.fixture(scope="module")
def fiction_scan() -> tuple[list[dict[str, Any]], dict[frozenset[str], dict[str, Any]]]:
    """The whole fictional corpus scanned with its dates: every labelled relation is checked on it."""
    from tests.conftest import fiction_all

    rows = fiction_all()
    articles = [article_from_mapping({k: r[k] for k in ("id", "text", "title", "published") if k in r}) for r in rows]
    found = {frozenset((x["a"], x["b"])): x for x in scan_articles(articles).relations}
    return rows, found


def test_look_alikes_of_the_fiction_corpus_are_not_related(fiction_scan: Any) -> None:
    """Same-topic stories and template reports with other figures are unrelated to the story they
    resemble; independent reports of one event are never a copy or a rewrite of it."""
    rows, found = fiction_scan
    pairs = [(r["id"], r[k], k) for r in rows for k in LOOK_ALIKES if k in r]
    assert len(pairs) >= 25
    for a, b, k in pairs:
        relation = found.get(frozenset((a, b)), {}).get("relation")
        assert relation is None if k != "independent_of" else relation not in ("copy", "rewrite"), (a, b, relation)


def test_derived_pieces_of_the_fiction_corpus_are_found_with_their_type(fiction_scan: Any) -> None:
    """Briefs cut from a wire story are copies derived from it; follow-ups reusing its background are
    partial; retellings are related, and nearly all typed rewrites (heavy ones share no 5-word phrase)."""
    rows, found = fiction_scan
    rewrites = related = typed = 0
    for r in rows:
        for k, want in REFERENCES.items():
            if k not in r:
                continue
            got = found.get(frozenset((r["id"], r[k])))
            if want == "rewrite":
                rewrites += 1
                related += got is not None
                typed += got is not None and got["relation"] == "rewrite"
            else:
                assert got is not None and (got["relation"], got["derived"]) == (want, r["id"]), r["id"]
    # Heavy retellings (no 5-word phrase shared) sit near the threshold: 38 of 43 related at this model.
    assert rewrites >= 40 and related >= 0.85 * rewrites and typed >= 0.8 * rewrites


@pytest.mark.xfail(strict=True, reason="a 57-token fixed paragraph of the form reads as shared prose (RESULTS.md)")
def test_two_days_of_one_money_market_form_are_other_news(fiction: list[dict[str, Any]]) -> None:
    pool = [a for a in fiction if a["id"].startswith("template-moneymarket")]
    assert len(pool) == 2
    assert _relations(*(Article(a["id"], a["text"]) for a in pool)) == []


def test_site_chrome_shared_by_unrelated_stories_is_not_reuse(fiction: list[dict[str, Any]]) -> None:
    """One site's header and footer around four different stories: boilerplate, not partial copying;
    a wire paragraph borrowed by one of them is still found."""
    wires = [a for a in fiction if a["kind"] == "wire"][:5]
    chrome = FOOTER + "\n\nMore from City Herald Online: sport, weather, business and local news every day."
    site = [_article(f"site-{i}", HEADER + w["text"] + chrome, hours=i) for i, w in enumerate(wires[:4])]
    source = _article("source", wires[4]["text"])
    borrowed = _paras(wires[4]["text"])[3]
    local = _article("local", site[0].text.replace(FOOTER, "\n\n" + borrowed + FOOTER), hours=9)
    relations = _relations(source, *site, local)
    kinds = {(r["a"], r["b"]): r["relation"] for r in relations}
    assert kinds.pop(("source", "local")) == "partial"
    assert set(kinds.values()) <= {"copy", "near_duplicate"}
    assert all({a, b} == {"site-0", "local"} for a, b in kinds)


RESULTS_TABLE = (
    "Shr loss 26 cts vs profit eight cts\n    Net loss 2.8 mln vs profit 897,000\n    Revs 27.0 mln vs 30.0 mln\n"
    "    Nine months\n    Shr loss 51 cts vs profit 46 cts\n    Net loss 5.4 mln vs profit 4.9 mln\n"
    "    Revs 88.4 mln vs 99.8 mln\n Reuter\n"
)


@pytest.mark.parametrize("where", ["notice"])
def test_common_figures_of_another_company_are_not_reuse(
    detector: Detector, fiction: list[dict[str, Any]], where: str
) -> None:
    """Dividend notices of two companies share their form and common figures ('12-1/2 cts', 'April
    30'): a templated look-alike, alone or printed inside a longer story."""
    notice = "Qtly div 12-1/2 cts vs 12-1/2 cts prior\n    Pay April 30\n    Record April {day}\n Reuter\n"
    first = Article("first", notice.format(day=15), title="TRINITY INDUSTRIES INC <TRN> SETS QUARTERLY")
    other = notice.format(day=17)
    if where == "story":
        local = _paras(_by_id(fiction, "wire-budget-01")["text"])
        other = "\n\n".join([*local[:3], "Qtly div 12-1/2 cts vs 12-1/2 cts prior, pay April 30.", *local[3:]])
    second = Article("second", other, title="QUAKER CHEMICAL CORP <QCHM> SETS QUARTERLY")
    assert compare_texts(first, second, detector) is None


SMALL_TABLE = (
    "Shr 65 cts vs 54 cts\n    Net 8.3 mln vs 7.3 mln\n    Revs 91.2 mln vs 88.5 mln\n"
    "    Year\n    Shr 2.45 dlrs vs 2.12 dlrs\n Reuter\n"
)


SHIPS = (
    "There were {loading} grain ships loading and\n{waiting} ships were waiting to load at Portland, "
    "according to the\nPortland Merchants Exchange.\n Reuter\n"
)


def test_a_weekly_form_filled_in_again_is_other_news(detector: Detector) -> None:
    """Small counts spelled out are figures too: 'seven ships loading' and 'five ships loading' are
    two weeks of one report, however alike their words; the same week sent twice is one story."""
    title = "GRAIN SHIPS LOADING AT PORTLAND"
    first = Article("w1", SHIPS.format(loading="seven", waiting="six"), title=title, published=T0)
    other = Article("w2", SHIPS.format(loading="five", waiting="three"), title=title, published=T0 + timedelta(days=7))
    again = Article("w1b", SHIPS.format(loading="seven", waiting="6"), title=title, published=T0 + timedelta(hours=1))
    assert compare_texts(first, other, detector) is None
    decision = compare_texts(first, again, detector)
    assert decision is not None and decision.relation in ("near_duplicate", "copy")


RELEASE = (
    "Shr nine cts vs seven cts\n    Net {net} vs 1,041,000\n    Revs {revs} vs {revs_before}\n"
    "    Avg shrs 15.1 mln vs 14.9 mln\n Reuter\n"
)


@pytest.mark.parametrize(
    ("second", "related"),
    [
        ({"net": "1,356,000", "revs": "9,729,000", "revs_before": "8,367,000"}, True),  # rounded again
        ({"net": "1,402,000", "revs": "9.7 mln", "revs_before": "8.4 mln"}, True),  # one figure corrected
        ({"net": "2,116,000", "revs": "12.1 mln", "revs_before": "10.2 mln"}, False),  # another company's
    ],
)
def test_second_release_of_results_is_that_story_and_another_filling_is_not(
    detector: Detector, second: dict[str, str], related: bool
) -> None:
    """Results sent again, rounded or with one figure corrected, keep most figures of the first."""
    title = "TOTAL SYSTEM SERVICES <TSYS> 1ST QTR NET"
    text = RELEASE.format(net="1,356,000", revs="9.7 mln", revs_before="8.4 mln")
    first = Article("r1", text, title=title, published=T0)
    again = Article("r2", RELEASE.format(**second), title=title, published=T0 + timedelta(hours=2))
    assert (compare_texts(first, again, detector) is not None) is related


def test_a_results_line_with_other_small_figures_is_not_reworded(detector: Detector) -> None:
    """'six cts vs loss two cts' and '30 cts vs profit three cts' fill one line of the form with
    other figures: not a reworded sentence, so two companies' tables are not partial reuse."""
    a = "Oper shr profit six cts vs loss two cts\n    Oper net profit 225,000 vs loss 91,000\n Reuter\n"
    b = "Oper shr profit 30 cts vs profit three cts\n    Oper net profit 634,000 vs loss 2,312,000\n Reuter\n"
    da, db = detector.prepare(Article("a", a)), detector.prepare(Article("b", b))
    assert da.sentence_numbers[0] == {"count:6", "count:2"}
    assert not (da.sentence_numbers[0] & db.sentence_numbers[0])


PORTS = ("Portland", "Seattle", "Tacoma", "Vancouver", "Longview", "Kalama", "Astoria", "Coos Bay")


def _stocks(changed: tuple[int, ...], lines: int, footer: str) -> str:
    """A weekly table of one form: each line's first figure raised in the `changed` lines."""
    rows = [(120000 + 1000 * i + (2500 if i in changed else 0), 118000 + 900 * i) for i in range(lines)]
    held = zip(PORTS[:lines], rows, strict=True)
    body = "\n".join(f"{p} elevators held {a:,} tonnes of wheat, against {b:,}." for p, (a, b) in held)
    return f"WEEKLY PACIFIC NORTHWEST GRAIN STOCKS\n\n{body}\n\n{footer}\n"


def test_a_copy_with_other_figures_and_no_shared_prose_is_related_but_not_one_story(detector: Detector) -> None:
    """A form sent again with two of its figures changed is a copy of the form's wording, but other
    news: related (with why), never clustered, so a deduplicated archive keeps both; sent again with
    every figure kept, it is one story."""
    first = Article("w1", _stocks((), 8, "The figures are compiled by the exchange from elevator reports. Reuter"))
    other = Article("w2", _stocks((2, 5), 8, "Reuter"), published=T0 + timedelta(hours=20))
    first = Article(first.id, first.text, published=T0)
    decision = compare_texts(first, other, detector)
    assert decision is not None and decision.relation == "copy" and not decision.one_story
    assert "not one story" in decision.why[-1]
    again = Article("w3", _stocks((), 6, "Reuter"), published=T0 + timedelta(hours=21))
    decision = compare_texts(first, again, detector)
    assert decision is not None and decision.relation == "copy" and decision.one_story
    result = scan_articles([first, other, again], detector)
    by_pair = {(r["a"], r["b"]): r for r in result.relations}
    assert by_pair[("w1", "w2")]["one_story"] is False and by_pair[("w1", "w3")]["one_story"] is True
    assert [c.members for c in result.clusters] == [("w1", "w3")]


def test_a_near_duplicate_with_other_figures_beyond_the_window_is_not_one_story(detector: Detector) -> None:
    """The same table with other figures a week later is next week's report: a near-duplicate by its
    words, other news by its figures and date; four hours later it is a correction, one story."""
    footer = "The figures are compiled by the exchange from elevator reports. Reuter"
    first = Article("w1", _stocks((), 8, footer), published=T0)
    for hours, one_story in ((24 * 7, False), (4, True)):
        later = Article("w2", _stocks((1, 3, 5, 7), 8, footer), published=T0 + timedelta(hours=hours))
        decision = compare_texts(first, later, detector)
        assert decision is not None and decision.relation == "near_duplicate"
        assert decision.one_story is one_story, hours
        clusters = scan_articles([first, later], detector).clusters
        assert [c.members for c in clusters] == ([("w1", "w2")] if one_story else [])


def test_stored_records_not_one_story_join_no_cluster() -> None:
    """A worker joins another worker's articles by their stored reports: relations that are not one
    story are left out (older records, without the field, count by their relation alone)."""
    from dedup.index.clusters import clustering_partners

    records = [
        {"a": "w1", "b": "me", "relation": "copy", "one_story": False},
        {"a": "w2", "b": "me", "relation": "copy", "one_story": True},
        {"a": "me", "b": "w3", "relation": "near_duplicate"},
        {"a": "w4", "b": "me", "relation": "partial", "one_story": False},
    ]
    assert clustering_partners(records, "me") == ["w2", "w3"]
