"""Verification skips aligning pairs that the relation rules reject on document facts alone;
the decision must be the one full verification gives."""

from __future__ import annotations

import pytest

from dedup.article import Article
from dedup.decide.relation import classify
from dedup.detector import Detector
from dedup.sketch.idf import IdfTable
from dedup.verify.align import compare_documents
from dedup.verify.tiling import tile_documents

NOTICE = (
    "{co} said its board declared a quarterly dividend of {cents} cts per share, payable {day} April "
    "to holders of record on {rec} March. The company paid {prev} cts in the previous quarter."
)
PAIRS = [
    # Same form, another company and other figures: a look-alike, rejected without alignment.
    (("Acme Corp", "12", "15", "1", "11"), ("Borg Inc", "27", "22", "8", "25"), "Acme dividend", "Borg dividend"),
    # The same notice reprinted under the same headline: related, so it must be aligned.
    (("Acme Corp", "12", "15", "1", "11"), ("Acme Corp", "12", "15", "1", "11"), "Acme dividend", "Acme dividend"),
    # Same figures, headlines about other companies: still rejected by the form rule.
    (("Acme Corp", "12", "15", "1", "11"), ("Acme Corp", "12", "15", "1", "11"), "Acme dividend", "Zeta merger"),
]


def _notice(values: tuple[str, ...]) -> str:
    co, cents, day, rec, prev = values
    return NOTICE.format(co=co, cents=cents, day=day, rec=rec, prev=prev)


@pytest.mark.parametrize(("a", "b", "ta", "tb"), PAIRS)
def test_skipping_alignment_never_changes_the_decision(
    a: tuple[str, ...], b: tuple[str, ...], ta: str, tb: str
) -> None:
    detector, idf = Detector(), IdfTable(1024)
    da = detector.prepare(Article("a", _notice(a), title=ta))
    db = detector.prepare(Article("b", _notice(b) + " Shares rose.", title=tb))
    full = classify(compare_documents(da, db, idf), False, (None, None), detector.model)
    assert detector.decide(da, db, idf) == full
    skipped = detector._unrelated_unmeasured(da, db)
    assert skipped == (full is None)  # every pair here that the rules reject is rejected unmeasured


def test_long_articles_are_always_aligned() -> None:
    detector = Detector()
    text = " ".join(_notice(("Acme Corp", str(i), "15", "1", "11")) for i in range(10, 20))
    other = text.replace("Acme", "Borg")
    da = detector.prepare(Article("a", text, title="x"))
    db = detector.prepare(Article("b", other, title="y"))
    assert max(da.n_tokens, db.n_tokens) >= detector.model.short_tokens
    assert not detector._unrelated_unmeasured(da, db)


STORY = (
    "Shares of {co} rose in early trading on Tuesday as analysts weighed the outlook for the sector. "
    "Traders said demand for industrial goods had picked up after a slow winter, and several brokers "
    "raised their forecasts for the coming quarter. The company has expanded its plants in the south "
    "and hired more staff this year, according to people familiar with its plans, while rivals cut "
    "costs. "
)
TABLE = "{co} quarterly results: net {net} mln vs {prev} mln, revenues {rev} mln vs {rev_prev} mln, shares {shr} mln."
FORM = "{co} said its quarterly report showed a net profit of {net} mln dlrs against {prev} mln dlrs a year ago."


def _table(co: str, figures: tuple[str, ...]) -> str:
    net, prev, rev, rev_prev, shr = figures
    return TABLE.format(co=co, net=net, prev=prev, rev=rev, rev_prev=rev_prev, shr=shr)


def _forms(first: int) -> str:
    """Paragraphs of one form, each filled in with other figures from `first` on."""
    return "\n\n".join(FORM.format(co=co, net=first + 3 * k, prev=first + 3 * k + 1) for k, co in enumerate("ABCDEF"))


ACME = ("12.1", "10.4", "230.5", "201.7", "15.2")
TILED = [
    # A short notice and a long story that prints the form with other figures: unrelated after tiling.
    (
        _notice(("Acme Corp", "12", "15", "1", "11")),
        STORY.format(co="Borg") * 2 + _notice(("Borg Inc", "27", "22", "8", "25")),
        True,
    ),
    # A long story that prints a short table with its figures has copied it: aligned, related.
    (_table("Acme", ACME), STORY.format(co="Acme") * 2 + _table("Acme", ACME), False),
    # Two long texts that are one form filled in with other figures: a template, unrelated after tiling.
    (_forms(100), _forms(500), True),
]


@pytest.mark.parametrize(("a", "b", "skipped"), TILED)
def test_deciding_after_tiling_never_changes_the_decision(a: str, b: str, skipped: bool) -> None:
    detector, idf = Detector(), IdfTable(1024)
    da, db = detector.prepare(Article("a", a, title="x")), detector.prepare(Article("b", b, title="y"))
    for x, y in ((da, db), (db, da)):
        full = classify(compare_documents(x, y, idf), False, (None, None), detector.model)
        assert detector.decide(x, y, idf) == full
        assert not detector._unrelated_unmeasured(x, y)
        assert detector._unrelated_tiled(x, y, tile_documents(x, y)) == skipped
        assert (full is None) == skipped
