"""Two articles poured into one form are different news: another borrower's eurobond issue is not a
copy of the first (the `refilled_lead` veto). A story corrected within hours, or one that reuses
another's background under its own lead, stays related: a long verbatim run is never cancelled.

The veto is the one rule of the earlier form rules that held on every development corpus
(`python -m benchmarks.quality.generalize`, RESULTS.md): forms whose leads keep most figures for other
actors, and one actor's form another day, are no longer caught by a rule of their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dedup.article import Article
from dedup.decide.model import RelationModel
from dedup.detector import Detector

ISSUE = (
    "{co} is issuing a {amt} mln dlr equity warrant eurobond due {due} paying an indicated coupon of {cpn} pct "
    "and priced at par, lead manager {mgr} said. The issue is guaranteed by {bank}. The selling concession is "
    "1-1/2 pct while management and underwriting combined pays 3/4 pct. The payment date is {pay}. The bonds "
    "will be listed in Luxembourg and sold in denominations of 5,000 dlrs. The warrants are exercisable from "
    "{ex} until {end}. The final terms will be fixed on {fix}."
)
NIPPON = {
    "co": "Nippon Shokubai Kagaku Kogyo Co Ltd", "amt": "80", "due": "April 30, 1992", "cpn": "1-3/4",
    "mgr": "Nomura International Ltd", "bank": "Sumitomo Bank Ltd", "pay": "April 28", "ex": "May 15",
    "end": "April 22, 1992", "fix": "April 14",
}  # fmt: skip
SEKISUI = {
    "co": "Sekisui Chemical Co Ltd", "amt": "100", "due": "June 2, 1992", "cpn": "2-1/8",
    "mgr": "Daiwa Europe Ltd", "bank": "Fuji Bank Ltd", "pay": "June 1", "ex": "June 20",
    "end": "May 26, 1992", "fix": "May 19",
}  # fmt: skip
NEXT_ISSUE = {**SEKISUI, "co": NIPPON["co"], "mgr": NIPPON["mgr"], "bank": NIPPON["bank"]}
START = datetime(1987, 4, 7, 6, 0, tzinfo=UTC)


def _decide(a: str, b: str, hours_apart: float, model: RelationModel | None = None) -> str | None:
    detector = Detector(model=model) if model else Detector()
    da = detector.prepare(Article("a", a, title="Eurobond", published=START))
    db = detector.prepare(Article("b", b, title="Eurobond", published=START + timedelta(hours=hours_apart)))
    assert min(da.n_tokens, db.n_tokens) >= detector.model.short_tokens  # articles, not short items
    decision = detector.decide(da, db)
    return decision.relation if decision else None


@pytest.mark.parametrize("hours", [1.0, 48.0])
def test_another_borrowers_issue_in_the_same_form_is_other_news(hours: float) -> None:
    assert _decide(ISSUE.format(**NIPPON), ISSUE.format(**SEKISUI), hours) is None


DEBENTURES = (
    "{co} is raising 150 mln dlrs through an offering of sinking fund debentures due 2017 with a {cpn} pct "
    "coupon and par pricing, said lead manager {mgr}.\n\nThat is {bp} basis points over the yield of "
    "comparable Treasury securities. The issue is non-refundable for 10 years. A sinking fund starting in 1998 can be "
    "increased by 200 pct at the company's option, giving the debentures an estimated minimum life of "
    "{life} years and maximum life of 20.5 years. Moody's rates the debt {moody} and Standard and Poor's "
    "rates it {sp}."
)


CONVERTIBLE_A = (
    "Harlow and Finch Holdings Plc is issuing an 85 mln stg convertible eurobond due May 7, 2002 paying a fixed "
    "coupon of four pct and priced at par, lead manager Credit Suisse First Boston Ltd said.\n\n"
    "The issue is callable at 106 pct declining by one pct per annum to par thereafter but is not callable "
    "until May 7, 1993. There is a put option on May 7, 1993. Final terms will be fixed on April 2. The "
    "selling concession is 1-1/2 pct while management and underwriting each pay 1/2 pct. The deal is "
    "available in denominations of 5,000 stg and will be listed in Luxembourg."
)
CONVERTIBLE_B = (
    "The Omiya Trust Bank Ltd is issuing a 100 mln dlr convertible eurobond due March 31, 2002 paying an "
    "indicated two pct and priced at par, the bank's London office said.\n\n"
    "The issue is being lead managed by Omiya Trust (Europe) SA. The deal is available in denominations of "
    "5,000 dlrs and will be listed in Luxembourg. Final terms will be set on April 15. The selling "
    "concession is 1-1/2 pct while management and underwriting each pay 1/2 pct. The payment date is May 6 "
    "and there will be a short first coupon period."
)


def test_two_borrowers_notices_worded_apart_are_other_news() -> None:
    # The leads are only close (other wording of one form), with other actors and other figures; the
    # fees, denominations and listing lines are the same.
    assert _decide(CONVERTIBLE_A, CONVERTIBLE_B, 190.0) is None


def test_a_reprint_with_one_figure_corrected_stays_related_days_later() -> None:
    corrected = ISSUE.format(**{**NIPPON, "cpn": "1-7/8"})
    assert _decide(ISSUE.format(**NIPPON), corrected, 72.0) == "near_duplicate"


def test_a_lead_that_names_the_actors_otherwise_but_keeps_its_figures_stays_related() -> None:
    # Most figures of the body changed and the lead names other managers, but the lead's own figures
    # (the amount, the coupon, the due date) are the same issue's.
    retold = {
        **NIPPON,
        "co": "Nippon Shokubai",
        "mgr": "Daiwa Europe Ltd and Yamaichi International (Europe) Ltd",
        "pay": "May 2",
        "ex": "May 30",
        "end": "April 29, 1992",
        "fix": "April 20",
    }
    assert _decide(ISSUE.format(**NIPPON), ISSUE.format(**retold), 1.0) in ("near_duplicate", "copy")


BACKGROUND = (
    "The plant employs 2,800 workers and processes about 14,000 cattle a week. It was closed on December 14 "
    "after talks on a new contract broke down over wage cuts of 1.07 dlrs an hour. The company has said the "
    "plant lost 9.2 mln dlrs last year and that it cannot compete at current wage rates."
)
FIRST = (
    "Iowa Beef Processors said it would lift the lockout at its Dakota City plant on March 16 and reopen it "
    "with 1,200 workers who accept its offer of 8.25 dlrs an hour, rising to 8.75 dlrs in 1988.\n\n"
    + BACKGROUND
    + " The union had asked for a wage of 9.40 dlrs an hour."
)
LATER = (
    "Union leaders at the Dakota City meatpacking plant voted 410 to 95 on March 19 to reject a proposal to "
    "end the dispute, saying 2,400 members would stay off the job until seniority rights were restored.\n\n"
    + BACKGROUND
    + " The union had asked for a wage of 9.60 dlrs an hour."
)


def test_a_story_reusing_background_under_its_own_lead_stays_related() -> None:
    # Most figures differ and a body line pairs with other figures, but each story keeps its own lead.
    assert _decide(FIRST, LATER, 96.0) in ("partial", "copy")


def test_lead_figures_are_swapped_only_when_each_lead_has_one_the_other_lacks() -> None:
    from dedup.verify.align import compare_documents

    detector = Detector()
    base = "Acme Corp said on Monday it would cut 120 jobs at its Leeds plant. The union said it would fight."
    added = "Acme Corp said on Monday it would cut 120 jobs at its Leeds plant by 1988. The union said it would fight."
    other = "Acme Corp said on Monday it would cut 340 jobs at its Leeds plant. The union said it would fight."

    def swapped(a: str, b: str) -> bool:
        f = compare_documents(detector.prepare(Article("a", a)), detector.prepare(Article("b", b)), detector.weights)
        return f.lead_figures_swapped

    assert not swapped(base, added)  # a figure added, none replaced
    assert swapped(base, other) and swapped(other, base)


def test_lead_words_shared_tells_one_lead_refilled_from_two_unrelated_leads() -> None:
    from dedup.verify.align import lead_words_shared

    detector = Detector()

    def shared(a: str, b: str) -> float:
        return lead_words_shared(detector.prepare(Article("a", a)), detector.prepare(Article("b", b)))

    rose = "Shares in Acme Corp rose 5 pct to 12 dlrs in heavy trading on Monday. Dealers cited a bid."
    fell = "Shares in Bolt Inc fell 3 pct to 11 dlrs in heavy trading on Tuesday. Dealers cited a bid."
    merger = (
        "Sandvik and Diamant Boart have finalised a merger of their drilling tool units, 52 pct owned. It starts today."
    )
    model = RelationModel()
    assert shared(rose, fell) >= model.leads_alike  # one form filled in twice
    assert shared(rose, merger) < model.leads_alike  # two leads about other things
    assert shared(rose, rose) == 1.0
