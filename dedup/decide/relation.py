"""Decide the one relation of a verified pair, and say why.

One decision, in one place. A pair is related when no veto cancels its evidence and the relation
model's regression (`RelationModel.probability`) puts it at or above the fitted threshold; the
relation's type then follows from what is shared, by declared rules:

- `near_duplicate`: both sides lie (almost) wholly in blocks the other shares and are (almost)
  wholly aligned with it, neither adds more than a few tokens at its edges;
- `copy`: a side is wholly reused (its aligned share at least the fitted `whole`), mostly verbatim;
- `rewrite`: the derived side retells the other (its retold share at least the fitted `retold`)
  mostly in other words, keeping its figures, about as long as it; or a side is wholly reused mostly
  in other words;
- `partial`: a real part is reused, the rest is new (a follow-up reusing background paragraphs).

A relation makes the two one story (`one_story`: clustered, deduplicated together) unless it is
partial, a copy whose figures changed around short shared lines, or a near_duplicate with other
figures published further apart than the clusters' window (`joins_story`).

`derived` is the later article when both dates are known and differ; otherwise it cannot be
known (a trimmed copy and a story embedding the whole of another look alike) and is None.

Vetoes cancel look-alike evidence only where it is not a run of shared prose (`prose_run`): they
never drop a long verbatim passage. Each `Decision` carries `why`: the regression's probability with
the features that weighed most, and the rule that typed it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from dedup.decide.evidence import Evidence, is_close, is_reworded
from dedup.decide.model import RelationModel
from dedup.verify.align import PairFeatures, Passage, SentenceMatch

__all__ = [
    "RELATIONS",
    "VETOES",
    "Decision",
    "Relation",
    "Veto",
    "classify",
    "decide",
    "is_form_frame",
    "is_near_duplicate",
    "is_refilled_lead",
    "is_retelling",
    "is_short_other_news",
    "joins_story",
    "veto",
]

Relation = Literal["exact", "near_duplicate", "copy", "partial", "rewrite"]
RELATIONS: tuple[Relation, ...] = ("exact", "near_duplicate", "copy", "partial", "rewrite")


@dataclass(frozen=True)
class Decision:
    """The relation of a pair: `derived` is "a", "b", or None when it cannot be told or is symmetric."""

    relation: Relation
    derived: Literal["a", "b"] | None
    coverage: float
    score: float
    evidence: tuple[Passage, ...]
    why: tuple[str, ...] = ()
    added: tuple[int, int] = (0, 0)  # tokens each side (a, b) adds around what it shares, at its edges
    # The two are one story: the relation joins their clusters (`joins_story`; never for partial reuse).
    one_story: bool = True


@dataclass(frozen=True)
class Veto:
    """A declared rule that makes a pair unrelated whatever the regression says."""

    name: str
    says: str
    fires: Callable[[Evidence, RelationModel], bool]


def _no_evidence(e: Evidence, m: RelationModel) -> bool:
    return e.longest_run == 0 and e.close_sentences == 0


def is_form_frame(template: bool, fewest_sentences: int) -> bool:
    """Two articles (two sentences or more each) whose shared wording all joins blocks with other figures."""
    return template and fewest_sentences >= 2


def is_refilled_lead(
    leads_refilled: bool,
    leads_alike: float,
    figures_kept: float,
    longest_run: int,
    fewest_sentences: int,
    m: RelationModel,
) -> bool:
    """Two articles whose leads are one lead (words alike) carrying other figures, most figures
    changed, and no long verbatim run."""
    refilled = leads_refilled and leads_alike >= m.leads_alike and figures_kept < m.figures_kept_share
    return fewest_sentences >= 2 and refilled and longest_run < m.prose_run


def is_short_other_news(
    most_tokens: int, figures_contained: bool, titles_agree: bool, longest_run: int, m: RelationModel
) -> bool:
    """Two short items whose figures or headlines disagree, with no long verbatim run."""
    short = most_tokens < m.short_tokens
    return short and not (figures_contained and titles_agree) and longest_run < m.short_prose_run


def _fewest_sentences(e: Evidence) -> int:
    return min(e.sentences_d, e.sentences_s)


def _form_only(e: Evidence, m: RelationModel) -> bool:
    return is_form_frame(e.form_only, _fewest_sentences(e))


def _refilled_lead(e: Evidence, m: RelationModel) -> bool:
    return is_refilled_lead(e.leads_refilled, e.leads_alike, e.figures_kept, e.longest_run, _fewest_sentences(e), m)


def _short_other_news(e: Evidence, m: RelationModel) -> bool:
    most = max(e.tokens_d, e.tokens_s)
    return is_short_other_news(most, e.figures_contained, e.titles_agree, e.longest_run, m)


VETOES: tuple[Veto, ...] = (
    Veto("no_evidence", "no verbatim passage and no sentence that pairs with one of the other", _no_evidence),
    Veto(
        "form_only",
        "two articles whose shared wording all joins blocks with other figures: one form's frame",
        _form_only,
    ),
    Veto(
        "refilled_lead",
        "the two leads carry other figures, most figures changed, no shared prose: one form filled in twice",
        _refilled_lead,
    ),
    Veto(
        "short_other_news",
        "two short items whose figures or headlines disagree, with no shared prose: other news in the same words",
        _short_other_news,
    ),
)


def veto(e: Evidence, model: RelationModel) -> Veto | None:
    """The first veto in force (`model.vetoes`) that fires on this evidence, if any."""
    return next((v for v in VETOES if v.name in model.vetoes and v.fires(e, model)), None)


def is_near_duplicate(e: Evidence, model: RelationModel) -> bool:
    """Both sides lie (almost) wholly in shared blocks and are (almost) wholly aligned, few edge tokens added."""
    both = min(e.matched_d, e.matched_s) >= model.near and min(e.aligned_d, e.aligned_s) >= model.near_aligned
    return both and max(e.added_d, e.added_s) <= model.near_max_added_tokens


def is_retelling(e: Evidence, model: RelationModel) -> bool:
    """The derived side tells the other again: mostly not verbatim, keeping its figures, about as long
    (within `retold_length` either way). How much it retells is `retold_d`, against the fitted `retold`."""
    ratio = e.tokens_d / max(1, e.tokens_s)
    comparable = 1.0 / model.retold_length <= ratio <= model.retold_length
    return e.verbatim_d < e.retold_d / 2 and e.figures_kept >= model.figures_kept_share and comparable


def _typed(e: Evidence, model: RelationModel) -> tuple[Relation, str]:
    """The relation's type by the declared rules, and the reason in words."""
    if is_near_duplicate(e, model):
        return "near_duplicate", f"near_duplicate: both sides in shared blocks ({e.matched_d:.2f}, {e.matched_s:.2f})"
    side, aligned, verbatim = ("d", e.aligned_d, e.verbatim_d)
    if e.aligned_s > e.aligned_d:
        side, aligned, verbatim = ("s", e.aligned_s, e.verbatim_s)
    if aligned >= model.whole and verbatim >= aligned / 2:
        return "copy", f"copy: {aligned:.2f} of {_side_name(e, side)} found in the other, mostly verbatim"
    if e.retold_d >= model.retold and is_retelling(e, model):
        return "rewrite", f"rewrite: {e.retold_d:.2f} of {e.d} retells the other, mostly in other words"
    if aligned >= model.whole:
        return "rewrite", f"rewrite: {aligned:.2f} of {_side_name(e, side)} found in the other, mostly reworded"
    return "partial", f"partial: {max(e.aligned_d, e.aligned_s):.2f} of a side reused, the rest new"


def joins_story(relation: Relation, e: Evidence, model: RelationModel, window_hours: float) -> bool:
    """Whether a relation makes the two articles one story, to be clustered (and deduplicated)
    together: exact and rewrite do; partial reuse does not; a copy does when it keeps every figure of
    the shorter side or shares a run of prose (`prose_run`); a near_duplicate does when it keeps every
    figure or was published within `window_hours` (the clusters' window) of the other. A copy whose
    figures changed around short shared lines, or the same text with other figures weeks later, is
    one form filled in again: other news, which a deduplicated archive must keep."""
    if relation == "partial":
        return False
    if e.figures_kept >= 1.0:
        return True
    if relation == "copy":
        return e.longest_run >= model.prose_run
    if relation == "near_duplicate":
        return e.hours_apart is None or e.hours_apart <= window_hours
    return True


def _side_name(e: Evidence, role: str) -> str:
    return e.d if role == "d" else ("b" if e.d == "a" else "a")


def _passages(f: PairFeatures, e: Evidence, relation: Relation) -> tuple[Passage, ...]:
    """Verbatim passages and the reusing side's closely reworded sentences (for a rewrite, every
    sentence that still pairs with one of the other's; for a pair with nothing else to show, too)."""
    side = f.sentences_a if e.d == "a" else f.sentences_b

    def rewritten(test: Callable[[SentenceMatch], bool]) -> list[Passage]:
        out = []
        for s in side:
            if s.verbatim < 0.5 and s.other_index >= 0 and test(s):
                a, b = (s.span, s.other_span) if e.d == "a" else (s.other_span, s.span)
                out.append(Passage(a, b, "rewritten"))
        return out

    passages = list(f.tiles) + rewritten(is_close if relation == "rewrite" else is_reworded)
    if not passages:
        passages = rewritten(is_close)
    return tuple(sorted(passages, key=lambda p: (p.a, p.b)))


def _reasons(e: Evidence, model: RelationModel, p: float) -> str:
    terms = sorted(model.contributions(e), key=lambda t: -abs(t[2]))
    said = ", ".join(f"{name} {value:.2f} ({weight:+.2f})" for name, value, weight in terms)
    return f"P(related) {p:.2f}: {said}"


def classify(e: Evidence, model: RelationModel) -> tuple[Relation | None, float, tuple[str, ...]]:
    """The relation of a pair's evidence (None: unrelated), P(related), and why in words.

    A verbatim run of `prose_run` tokens is reuse whatever the shares around it (a paragraph copied
    into a long story): the pair is related even below the threshold."""
    vetoed = veto(e, model)
    if vetoed is not None:
        return None, 0.0, (f"veto {vetoed.name}: {vetoed.says}",)
    p = model.probability(e)
    prose = e.longest_run >= model.prose_run
    if p < model.threshold and not prose:
        return None, p, (_reasons(e, model, p) + f" < threshold {model.threshold:.2f}",)
    relation, typed = _typed(e, model)
    said = _reasons(e, model, p) if p >= model.threshold else f"a verbatim run of {e.longest_run} tokens: shared prose"
    return relation, p, (said, typed)


def decide(f: PairFeatures, e: Evidence, model: RelationModel, window_hours: float) -> Decision | None:
    """The relation of a measured pair, or None when it is unrelated (`window_hours`: `joins_story`)."""
    relation, p, why = classify(e, model)
    if relation is None:
        return None
    derived = e.d if e.dated and relation != "near_duplicate" else None
    added = (e.added_d, e.added_s) if e.d == "a" else (e.added_s, e.added_d)
    passages = _passages(f, e, relation)
    one_story = joins_story(relation, e, model, window_hours)
    if not one_story and relation != "partial":
        apart = "no shared prose run" if relation == "copy" else f"{e.hours_apart:.0f} hours apart"
        why = (*why, f"not one story: {e.figures_kept:.2f} of the figures kept, {apart}: not clustered")
    return Decision(relation, derived, min(1.0, e.aligned_d), p, passages, why, added, one_story)  # type: ignore[arg-type]
