"""Several sources of one article: a story put together from wire takes and updates.

A newspaper writes its story from all the wire copy it received on it: the first take, the full story,
the update with the verdict. Measured against each of them alone, the story is partly reused from
each; measured against them together, it may be wholly taken from the wire. Each candidate pair
whose derived side the reuse-level regression could judge leaves a `Support` (what the source
accounts for of that side, sentence by sentence); `joint_decisions` merges the supports of one
derived article, asks the regression once more, and when the sources together account for more of
the article than any one did, the pairs that contribute take the joint relation, each with its own
passages as evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np

from dedup.detect.align import PairFeatures, Passage
from dedup.detect.level import SideEvidence, evidence_features, judged, merge_evidence, side_evidence
from dedup.detect.relation import (
    Decision,
    Model,
    Relation,
    _direction,
    _formulaic_mismatch,
    _is_close,
    _is_reworded,
)

__all__ = ["Support", "joint_decisions", "support"]

# How much each relation says of the derived side: none, part of it, all of it.
_RANK: dict[Relation | None, int] = {
    None: 0,
    "partial": 1,
    "rewrite": 2,
    "copy": 2,
    "near_duplicate": 2,
    "exact": 2,
}
_LEVEL_RANK = {"none": 0, "partial": 1, "whole": 2}


@dataclass(frozen=True, eq=False)
class Support:
    """One pair's evidence for its derived side, with the passages it would report if upgraded."""

    derived: Literal["a", "b"]
    evidence: SideEvidence
    tiles: tuple[Passage, ...]  # verbatim passages
    reworded: tuple[Passage, ...]  # sentences closely reworded
    close: tuple[Passage, ...]  # sentences that only still pair with the source's (rewrite evidence)
    matched: float  # share of the derived side inside the pair's shared passages


def support(
    f: PairFeatures, dates: tuple[datetime | None, datetime | None], model: Model, decision: Decision | None
) -> Support | None:
    """The pair's part in a joint decision, or None when it can take none: a pair the level model
    does not judge (sentences, short items, other stories), a template look-alike or one form filled
    in twice, a symmetric relation, or nothing of the derived side reused or retold."""
    applies = model.level.applies(f) if model.level is not None else judged(f)
    if not applies or f.template or _formulaic_mismatch(f, model):
        return None
    if decision is not None and decision.derived is None:
        return None
    derived = _direction(f, dates, model)
    if decision is not None and decision.derived != derived:
        return None
    evidence = side_evidence(f, derived, lambda s: _is_reworded(s, model), lambda s: _is_close(s, model))
    if not _counting(evidence).any():
        return None
    reworded, close = [], []
    for m in f.sentences_a if derived == "a" else f.sentences_b:
        if m.verbatim >= 0.5 or m.other_index < 0:
            continue
        a, b = (m.span, m.other_span) if derived == "a" else (m.other_span, m.span)
        if _is_reworded(m, model):
            reworded.append(Passage(a, b, "rewritten"))
        elif _is_close(m, model):
            close.append(Passage(a, b, "rewritten"))
    matched = f.matched_a if derived == "a" else f.matched_b
    return Support(derived, evidence, f.tiles, tuple(reworded), tuple(close), matched)  # type: ignore[arg-type]


def _counting(e: SideEvidence) -> np.ndarray:
    """Sentences of the derived side that count as reused from the source."""
    return (e.verbatim >= 0.5) | e.reworded | e.close


def joint_decisions(
    supports: Sequence[Support], decisions: Sequence[Decision | None], model: Model
) -> tuple[list[Decision | None], list[bool]]:
    """The decisions of one derived article's pairs with its sources (one support each, same derived
    article), upgraded where the sources together account for more of it than any one pair says;
    and which pairs contribute to the upgrade (all False when nothing changes)."""
    unchanged = (list(decisions), [False] * len(decisions))
    level = model.level
    if level is None or len(supports) < 2:
        return unchanged
    merged, credited = merge_evidence([s.evidence for s in supports])
    counting = _counting(merged)
    tokens = merged.tokens
    credit = [int(tokens[counting & (credited == k)].sum()) for k in range(len(supports))]
    contributes = [c >= model.min_passage_tokens for c in credit]
    if sum(contributes) < 2:
        return unchanged
    x = evidence_features(merged)
    found, _ = level.decide(x)
    if _LEVEL_RANK[found] <= max(_RANK[d.relation if d else None] for d in decisions):
        return unchanged
    reuse = min(1.0, x.sentence_verbatim + x.reworded)
    relation: Relation = "partial"
    if found == "whole":
        relation = "copy" if x.sentence_verbatim >= model.copy_min_verbatim else "rewrite"
        reuse = max(reuse, min(1.0, x.close)) if relation == "rewrite" else reuse
    out: list[Decision | None] = []
    for s, d, joins in zip(supports, decisions, contributes, strict=True):
        if not joins:
            out.append(d)
            continue
        passages = _passages(s, relation)
        out.append(Decision(relation, s.derived, reuse, max(reuse, s.matched), passages))
    return out, contributes


def _passages(s: Support, relation: Relation) -> tuple[Passage, ...]:
    passages = list(s.tiles)
    if relation != "copy":
        passages += s.reworded
    if relation == "rewrite":
        passages += s.close
    return tuple(sorted(passages, key=lambda p: (p.a, p.b)))
