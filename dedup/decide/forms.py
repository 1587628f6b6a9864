"""One form filled in twice: the rules that tell two reports poured into one template (a dividend
notice, a eurobond issue, a weekly deposit auction) from one story copied, updated or corrected.

Two such reports share most of their words and differ in what the form is for: the figures, the
actors, the day. The rules read the measured pair (`PairFeatures`) and the publication times;
`relation.classify` applies them before the cascade, and verification skips what they reject
before alignment when it can (`dedup.decide.screens`).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from dedup.decide.screens import form_mismatch
from dedup.verify.align import PairFeatures, SentenceMatch

if TYPE_CHECKING:
    from dedup.decide.relation import Model

__all__ = ["formulaic_mismatch", "lead_refilled", "refilled"]


def formulaic_mismatch(f: PairFeatures, model: Model, dates: tuple[datetime | None, datetime | None]) -> bool:
    """Short items (dividend notices, results tables, market reports) are one form filled in: they
    are the same news only when their figures and headlines agree. A longer story that prints lines
    of one with their figures has copied them, whatever its headline. Two articles are one form
    filled in twice when their leads are (`lead_refilled`)."""
    agree = f.numbers_contained and f.titles_agree
    if min(f.a_tokens, f.b_tokens) >= model.short_tokens:
        refill = partial(lead_refilled, f, model, _hours_apart(dates) >= model.refill_hours)
    else:
        refill = partial(refilled, f, model)
    return form_mismatch(f.a_tokens, f.b_tokens, agree, f.copied_figures, model, refill)


def _hours_apart(dates: tuple[datetime | None, datetime | None]) -> float:
    """Hours between the two publication times; 0 when either is unknown (taken as one edition)."""
    da, db = dates
    if da is None or db is None:
        return 0.0
    return abs((da - db).total_seconds()) / 3600.0


def _paired(s: SentenceMatch, model: Model) -> bool:
    """A line that pairs with one of the other side's in the same words (figures and names aside)."""
    return s.similarity >= model.reworded_similarity and s.shared_words >= model.min_shared_words


def refilled(f: PairFeatures, model: Model) -> bool:
    """Most figures changed (counts and dates included) and a line of one item pairs with a line of
    the other in the same words but other figures or names: "seven grain ships loading" and "five
    grain ships loading" are one weekly form filled in twice. A correction keeps most figures."""
    if f.figures_kept >= model.form_figures_kept:
        return False
    paired = (s for s in (*f.sentences_a, *f.sentences_b) if _paired(s, model))
    return any(not (s.numbers_agree and s.names_agree) for s in paired)


def lead_refilled(f: PairFeatures, model: Model, editions: bool) -> bool:
    """Two articles are one form filled in twice when their two leads pair but give other figures
    (most of them, or each lead one the other lacks: 9-1/4 and 9-7/8 pct): for other actors, when
    the leads are still close (`rewrite_similarity`; two borrowers' notices word their terms
    differently) and any figure changed (they share their fees and listing, not their amounts); for
    the same actors, when the leads are in the same words (`reworded_similarity`), published
    `refill_hours` apart (`editions`), with most figures changed (two weeks' deposit auctions). The
    lead carries the news: a story that reuses background keeps a lead of its own, a story updated
    within hours (a death toll that rises) keeps its actors, and a retelling that names them
    otherwise keeps the lead's figures."""
    if f.figures_kept >= 1.0:
        return False
    for s in (side[0] for side in (f.sentences_a, f.sentences_b) if side):
        if s.other_index != 0 or (s.numbers_agree and not f.lead_figures_swapped):
            continue
        if s.shared_words < model.min_shared_words:
            continue
        if not s.names_agree and s.similarity >= model.rewrite_similarity:
            return True
        if editions and f.figures_kept < model.form_figures_kept and s.similarity >= model.reworded_similarity:
            return True
    return False
