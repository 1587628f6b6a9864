"""The evidence vector of a verified pair: what a relation is decided on, and what `why` reports.

Every measure is of the pair alone (never of a corpus: the scan, the index and `dedup compare` see
the same pair alike). Sides are named by role: `d` is the side taken from the other where the dates
tell (the later one), else the side more found in the other; `s` is the other side.

- `containment_d`, `containment_s`: share of each side's word 3-grams found in the other;
- `aligned_d`, `aligned_s`: share of each side's sentence tokens inside verbatim passages or in
  sentences closely reworded from one of the other's (same figures, same names);
- `retold_d`, `retold_s`: share of each side's sentence tokens that tell what a sentence of the
  other tells (verbatim, or close to it with its figures and names): a retelling keeps its facts;
- `verbatim_d`, `verbatim_s`: the verbatim part of the aligned share;
- `matched_d`, `matched_s`, `added_d`, `added_s`: share of tokens in blocks the other shares, and
  tokens in unshared blocks at the text's edges (a site's header and footer);
- `pairs_low`: share of word pairs shared, of the side with fewer found;
- `longest_run`: tokens of the longest verbatim passage (identical text: a form filled in with
  other figures breaks its frame's runs at each figure it changes);
- `close_sentences`: sentences of `d` that pair with one of `s` (similar, three words shared);
- `copied_figures`: precise figures inside verbatim passages (a table line copied keeps them; a
  form filled in again changes them);
- `figures_kept`, `leads_refilled`, `figures_contained`: the figures of the two texts compared;
  `leads_alike`: the share of the smaller lead's content words the other lead holds;
  `titles_agree`: their headlines share half their content words (True when one is missing);
  `form_only`: every shared run joins blocks whose figures disagree, and none is long prose;
- `tokens_d`, `tokens_s`, `sentences_d`, `sentences_s`, `hours_apart`, `cosine`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from dedup.verify.align import PairFeatures, SentenceMatch

__all__ = [
    "CLOSE_SIMILARITY",
    "REWORDED_SIMILARITY",
    "Evidence",
    "is_close",
    "is_retold",
    "is_reworded",
    "measure_evidence",
]

# What makes a sentence "closely reworded" (part of the aligned share) or "close" (enough to show as
# evidence): declared, not fitted. Content-word cosine with the counterpart, content words shared,
# and for rewording, the same figures and names.
REWORDED_SIMILARITY = 0.5
CLOSE_SIMILARITY = 0.35
MIN_SHARED_WORDS = 3


def is_reworded(s: SentenceMatch) -> bool:
    """Closely reworded from its counterpart: mostly not verbatim, similar, same figures and names."""
    return (
        s.verbatim < 0.5
        and s.similarity >= REWORDED_SIMILARITY
        and s.shared_words >= MIN_SHARED_WORDS
        and s.numbers_agree
        and s.names_agree
    )


def is_close(s: SentenceMatch) -> bool:
    """Still pairs with a sentence of the other side (a looser test, for evidence shown)."""
    return s.verbatim >= 0.5 or (s.similarity >= CLOSE_SIMILARITY and s.shared_words >= MIN_SHARED_WORDS)


def is_retold(s: SentenceMatch) -> bool:
    """Tells what a sentence of the other side tells: close to it, with its figures and names."""
    return s.verbatim >= 0.5 or (is_close(s) and s.numbers_agree and s.names_agree)


@dataclass(frozen=True)
class Evidence:
    """The measured evidence of one pair (see the module docstring); `d` names side "a" or "b"."""

    d: str
    dated: bool
    containment_d: float
    containment_s: float
    aligned_d: float
    aligned_s: float
    retold_d: float
    retold_s: float
    verbatim_d: float
    verbatim_s: float
    matched_d: float
    matched_s: float
    added_d: int
    added_s: int
    pairs_low: float
    longest_run: int
    close_sentences: int
    copied_figures: int
    figures_kept: float
    figures_contained: bool
    titles_agree: bool
    leads_refilled: bool
    leads_alike: float
    form_only: bool
    tokens_d: int
    tokens_s: int
    sentences_d: int
    sentences_s: int
    hours_apart: float | None
    cosine: float

    def value(self, name: str) -> float:
        """A feature of the relation model by name (booleans as 0/1)."""
        return float(getattr(self, name))

    def as_row(self) -> dict[str, Any]:
        """JSON-ready fields, floats rounded (for features.jsonl and fitting)."""
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Evidence:
        """The evidence of a `features.jsonl` row (`as_row`)."""
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class _Shares:
    aligned: float
    retold: float
    verbatim: float
    close: int


def _shares(side: tuple[SentenceMatch, ...]) -> _Shares:
    """One side's shares of tokens: aligned, retold and verbatim; its sentences close to one of the
    other's."""
    total = sum(s.tokens for s in side)
    if total == 0:
        return _Shares(0.0, 0.0, 0.0, 0)
    verbatim = sum(s.tokens * s.verbatim for s in side)
    reworded = sum(s.tokens * (1.0 - s.verbatim) for s in side if is_reworded(s))
    retold = sum(s.tokens for s in side if is_retold(s))
    close = sum(1 for s in side if is_close(s))
    return _Shares((verbatim + reworded) / total, retold / total, verbatim / total, close)


def _derived_side(f: PairFeatures, dates: tuple[datetime | None, datetime | None]) -> tuple[str, bool]:
    """The later side when both dates are known and differ, else the side more found in the other."""
    ta, tb = dates
    if ta is not None and tb is not None and ta != tb:
        return ("a" if ta > tb else "b"), True
    more_a = (f.containment_a, f.matched_a, -f.a_tokens) >= (f.containment_b, f.matched_b, -f.b_tokens)
    return ("a" if more_a else "b"), False


def _hours(dates: tuple[datetime | None, datetime | None]) -> float | None:
    ta, tb = dates
    return None if ta is None or tb is None else abs((ta - tb).total_seconds()) / 3600.0


def measure_evidence(f: PairFeatures, dates: tuple[datetime | None, datetime | None] = (None, None)) -> Evidence:
    """The evidence vector of a pair from what verification measured (`compare_documents`)."""
    d, dated = _derived_side(f, dates)
    s = "b" if d == "a" else "a"
    sd, ss = _shares(getattr(f, f"sentences_{d}")), _shares(getattr(f, f"sentences_{s}"))
    hours = _hours(dates)
    return Evidence(
        d=d,
        dated=dated,
        containment_d=getattr(f, f"containment_{d}"),
        containment_s=getattr(f, f"containment_{s}"),
        aligned_d=sd.aligned,
        aligned_s=ss.aligned,
        retold_d=sd.retold,
        retold_s=ss.retold,
        verbatim_d=sd.verbatim,
        verbatim_s=ss.verbatim,
        matched_d=getattr(f, f"matched_{d}"),
        matched_s=getattr(f, f"matched_{s}"),
        added_d=getattr(f, f"added_{d}"),
        added_s=getattr(f, f"added_{s}"),
        pairs_low=f.pairs_low,
        longest_run=f.longest_run,
        close_sentences=sd.close,
        copied_figures=f.copied_figures,
        figures_kept=f.figures_kept,
        figures_contained=f.numbers_contained,
        titles_agree=f.titles_agree,
        leads_refilled=f.lead_figures_swapped,
        leads_alike=f.lead_words_shared,
        form_only=f.template,
        tokens_d=getattr(f, f"{d}_tokens"),
        tokens_s=getattr(f, f"{s}_tokens"),
        sentences_d=len(getattr(f, f"sentences_{d}")),
        sentences_s=len(getattr(f, f"sentences_{s}")),
        hours_apart=None if hours is None or not math.isfinite(hours) else hours,
        cosine=f.cosine,
    )
