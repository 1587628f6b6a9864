"""Decisions verification can make before measuring everything: the relation rules that reject a
pair on document facts alone, or on its tiles, whatever the sentence alignment would measure.

`relation.classify` applies the same rules (`form_mismatch`, `sentence_path`) to full features, so
a pair skipped here is one it would have decided unrelated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dedup.decide.relation import Model

__all__ = ["form_mismatch", "sentence_path", "unrelated_after_tiling", "unrelated_before_alignment"]


def form_mismatch(
    a_tokens: int, b_tokens: int, agree: bool, copied_figures: int, model: Model, refilled: Callable[[], bool] | None
) -> bool:
    """`forms.formulaic_mismatch` over its inputs; `refilled` (`forms.refilled` or, for two
    articles, `forms.lead_refilled`, both of which need the sentence alignment) is asked only for
    two articles, or for two short items whose figures and headlines agree; None (not aligned yet)
    leaves those undecided: no mismatch."""
    if min(a_tokens, b_tokens) >= model.short_tokens:
        return refilled is not None and refilled()
    both_short = max(a_tokens, b_tokens) < model.short_tokens
    if agree:
        return both_short and refilled is not None and refilled()
    return both_short or copied_figures < model.partial_min_figures


def unrelated_before_alignment(
    a_tokens: int, b_tokens: int, sentence_pair: bool, figures_and_titles_agree: bool, model: Model
) -> bool:
    """True when `relation.classify` returns None whatever the alignment measures: two short items
    (both under `short_tokens`) whose figures or headlines disagree, unless both are single sentences
    that the sentence-pair model decides. Verification skips aligning such pairs (half of Reuters'
    candidates)."""
    if sentence_path(a_tokens, b_tokens, sentence_pair, model):
        return False
    return max(a_tokens, b_tokens) < model.short_tokens and not figures_and_titles_agree


def unrelated_after_tiling(
    a_tokens: int,
    b_tokens: int,
    sentence_pair: bool,
    template: bool,
    figures_and_titles_agree: bool,
    copied_figures: int,
    model: Model,
) -> bool:
    """True when `relation.classify` returns None whatever the sentence alignment measures: the
    shared wording is a template's, or a short item's figures or headline disagree with a longer
    text that copies too few of its figures (`form_mismatch`); never for the sentence-pair model's
    pairs. Verification tiles such pairs but aligns no sentences (40% of the Reuters pairs it tiles)."""
    if sentence_path(a_tokens, b_tokens, sentence_pair, model):
        return False
    return template or form_mismatch(a_tokens, b_tokens, figures_and_titles_agree, copied_figures, model, None)


def sentence_path(a_tokens: int, b_tokens: int, sentence_pair: bool, model: Model) -> bool:
    """Whether `relation.classify` leaves the pair to the sentence-pair model (`sentence_pair`: both
    sides are single sentences, `dedup.verify.sentence_pair.is_sentence_pair`)."""
    sentences = model.sentence_pair
    return sentences is not None and sentence_pair and max(a_tokens, b_tokens) <= sentences.max_tokens
