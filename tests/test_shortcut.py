"""Verification skips aligning pairs that the relation rules reject on document facts alone;
the decision must be the one full verification gives."""

from __future__ import annotations

import pytest

from dedup.article import Article
from dedup.detect.align import compare_documents
from dedup.detect.relation import classify
from dedup.detector import Detector
from dedup.idf import IdfTable

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
