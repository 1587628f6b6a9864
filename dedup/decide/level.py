"""Reuse level of an article pair: none, partial or whole, by a small multinomial logistic regression.

How much of a newspaper article is taken from a wire story is not one measurement: journalists copy
some sentences verbatim, rework others, cut and splice, and independent reports of one event share
names, quotes and figures. Hand-set thresholds on one share at a time fit some corpora and not others
(METER's wholly / partially / non-derived labels among them). A multinomial logistic regression over
a few interpretable measurements of the derived side (how much of it is verbatim, matched, reworded
or still close to the source, the TF-IDF cosine, shared facts, how much of the source it uses, its
length) decides the level instead. It is fitted by `python -m benchmarks.quality.calibrate --write-level` on
METER and stored in the model file; here it is applied with plain math, so scikit-learn is needed
only to fit it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np

from dedup.errors import ConfigError
from dedup.verify.align import PairFeatures
from dedup.verify.evidence import SentenceTest, SideEvidence, side_evidence

__all__ = [
    "FEATURES",
    "LEVELS",
    "Level",
    "LevelFeatures",
    "LevelModel",
    "evidence_features",
    "judged",
    "level_features",
]

Level = Literal["none", "partial", "whole"]
LEVELS: tuple[Level, ...] = ("none", "partial", "whole")
# Pairs whose longer side has fewer tokens are single sentences or short items: the sentence-pair
# regression and the cascade's rules for short formulaic items decide those.
MIN_TOKENS = 81
# METER's pairs are all one story told twice (TF-IDF cosine 0.35 and up for 90% of them): the model
# has seen little less alike, so below this cosine the cascade's rules decide.
MIN_COSINE = 0.35


@dataclass(frozen=True)
class LevelFeatures:
    """Measurements of the derived side `d` of a pair against its source `s` (shares of tokens)."""

    verbatim: float  # share of d inside verbatim passages
    matched: float  # share of d inside passages shared with s (verbatim or lightly edited)
    sentence_verbatim: float  # share of d's sentence tokens copied verbatim
    reworded: float  # share of d's sentence tokens in sentences closely reworded from s
    close: float  # share of d's sentence tokens in sentences still pairing with one of s's
    similarity: float  # token-weighted mean similarity of d's sentences to their best match in s
    cosine: float  # TF-IDF cosine of the two texts
    shared_facts: float  # log(1 + facts shared by the two)
    source_matched: float  # share of s inside shared passages (how much of the source is used)
    source_verbatim: float  # share of s inside verbatim passages
    length_ratio: float  # log(tokens of d / tokens of s)
    length: float  # log(tokens of d)
    copied_sentences: float  # log(1 + sentences of d that are mostly verbatim and 8 tokens or more)


FEATURES: tuple[str, ...] = tuple(f.name for f in fields(LevelFeatures))


def evidence_features(e: SideEvidence) -> LevelFeatures:
    """The level model's inputs from (possibly merged) evidence."""
    tokens = e.tokens.astype(np.float64)
    total = float(tokens.sum())
    if total > 0:
        sentence_verbatim = float(tokens @ e.verbatim) / total
        reworded = float(tokens @ ((1.0 - e.verbatim) * e.reworded)) / total
        close = float(tokens[e.close].sum()) / total
        similarity = float(tokens @ e.similarity) / total
    else:
        sentence_verbatim = reworded = close = similarity = 0.0
    copied = int(np.count_nonzero((e.verbatim >= 0.5) & (e.tokens >= 8)))
    d_tokens, s_tokens = max(1, e.d_tokens), max(1, e.s_tokens)
    return LevelFeatures(
        verbatim=e.verbatim_share,
        matched=e.matched_share,
        sentence_verbatim=sentence_verbatim,
        reworded=reworded,
        close=close,
        similarity=similarity,
        cosine=e.cosine,
        shared_facts=math.log1p(e.shared_facts),
        source_matched=e.source_matched,
        source_verbatim=e.source_verbatim,
        length_ratio=math.log(d_tokens / s_tokens),
        length=math.log(d_tokens),
        copied_sentences=math.log1p(copied),
    )


def level_features(f: PairFeatures, derived: str, reworded: SentenceTest, close: SentenceTest) -> LevelFeatures:
    """The level model's inputs for `derived` ("a" or "b") of one pair (see `side_evidence`)."""
    return evidence_features(side_evidence(f, derived, reworded, close))


def judged(f: PairFeatures, min_tokens: int = MIN_TOKENS, min_cosine: float = MIN_COSINE) -> bool:
    """A pair of the kind the level model decides (see `LevelModel.applies`)."""
    return max(f.a_tokens, f.b_tokens) >= min_tokens and f.cosine >= min_cosine


def _tuple(value: object, name: str) -> tuple[float, ...]:
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"level.{name}: must be a list of numbers, got {type(value).__name__}")
    return tuple(value)


@dataclass(frozen=True)
class LevelModel:
    """Multinomial logistic regression over standardized `LevelFeatures`: one row of `coef` and one
    `intercept` per level of LEVELS (none, partial, whole)."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[tuple[float, ...], ...]
    intercept: tuple[float, ...]
    min_tokens: int = MIN_TOKENS
    min_cosine: float = MIN_COSINE
    fitted_on: str = ""

    def __post_init__(self) -> None:
        for name in ("features", "mean", "scale", "intercept"):
            object.__setattr__(self, name, _tuple(getattr(self, name), name))  # lists when read from JSON
        rows = _tuple(self.coef, "coef")
        object.__setattr__(self, "coef", tuple(_tuple(r, "coef") for r in rows))
        self._validate()

    def _validate(self) -> None:
        n = len(self.features)
        unknown = sorted(set(self.features) - set(FEATURES))
        if unknown:
            raise ConfigError(f"level.features: unknown features {unknown}; known are {list(FEATURES)}")
        if not n or len(self.mean) != n or len(self.scale) != n:
            raise ConfigError("level.mean, level.scale: need one value per name in level.features")
        if len(self.coef) != len(LEVELS) or any(len(r) != n for r in self.coef):
            raise ConfigError(f"level.coef: need {len(LEVELS)} rows ({', '.join(LEVELS)}) of one value per feature")
        if len(self.intercept) != len(LEVELS):
            raise ConfigError(f"level.intercept: need {len(LEVELS)} values ({', '.join(LEVELS)})")
        numbers = (*self.mean, *self.scale, *self.intercept, *(c for r in self.coef for c in r))
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in numbers):
            raise ConfigError("level: mean, scale, coef and intercept must be finite numbers; refit the model")
        if any(not s > 0 for s in self.scale):
            raise ConfigError("level.scale: every scale must be positive; refit the model")
        if not isinstance(self.min_tokens, int) or self.min_tokens < 1:
            raise ConfigError(f"level.min_tokens: must be a positive whole number of tokens, got {self.min_tokens}")
        if not 0.0 <= self.min_cosine <= 1.0:
            raise ConfigError(f"level.min_cosine: must be a cosine in [0, 1], got {self.min_cosine}")

    def applies(self, f: PairFeatures) -> bool:
        """Whether the model decides this pair: its longer side is an article, not a sentence, and the
        two are alike enough to be one story (what the model was fitted on)."""
        return judged(f, self.min_tokens, self.min_cosine)

    def probabilities(self, x: LevelFeatures) -> tuple[float, ...]:
        """P(none), P(partial), P(whole) for one pair."""
        z = [(getattr(x, f) - m) / s for f, m, s in zip(self.features, self.mean, self.scale, strict=True)]
        rows = zip(self.coef, self.intercept, strict=True)
        logits = [b + sum(c * v for c, v in zip(row, z, strict=True)) for row, b in rows]
        top = max(logits)
        exp = [math.exp(v - top) for v in logits]
        total = sum(exp)
        return tuple(e / total for e in exp)

    def decide(self, x: LevelFeatures) -> tuple[Level, float]:
        """The most probable level and its probability."""
        p = self.probabilities(x)
        best = max(range(len(LEVELS)), key=p.__getitem__)
        return LEVELS[best], p[best]
