"""Sentence pairs: whether one single sentence retells another, by a small logistic regression.

Two sentences are too short for passages: a retold sentence shares no 6-word run and pairs with
nothing else, so the article cascade has little to go on. What tells a retelling from two different
sentences on one topic is how much of the wording overlaps (words, word pairs, character 4-grams,
which forgive inflection), and whether one side adds a clause of its own (new content words, the
largest edit between them) or other figures. A logistic regression over these few measurements is
fitted by `python -m benchmarks.quality.calibrate` on MRPC and stored in the model file; here it is applied
with numpy, so scikit-learn is needed only to fit it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from difflib import SequenceMatcher
from typing import Any

from dedup.errors import ConfigError
from dedup.prepare.document import Document

__all__ = [
    "FEATURES",
    "MAX_TOKENS",
    "SentencePairFeatures",
    "SentencePairModel",
    "is_sentence_pair",
    "sentence_pair_features",
]

# Longer texts are articles: the cascade over passages decides them, and these costs (a token-level
# alignment) are only paid for short texts.
MAX_TOKENS = 80
# A "sentence" that is mostly figures is a table or a price list: a form filled in, which the
# cascade's rule for short formulaic items decides (the same news only when the figures agree).
MAX_FIGURE_SHARE = 0.25
_FIGURES = ("num:", "money:", "pct:")


@dataclass(frozen=True)
class SentencePairFeatures:
    """Measurements of two single sentences; shares are of the side less found in the other."""

    words: float  # distinct words found in the other side
    bigrams: float  # distinct word pairs found in the other side
    chars: float  # distinct character 4-grams found in the other side
    new_words: float  # content words one side has and the other lacks (the larger count)
    largest_edit: float  # tokens in the largest stretch replaced or inserted between the two
    new_run: float  # the shorter of the two sides' longest runs of words absent from the other
    figures_differ: float  # 1 when the figures (numbers, money, percentages) differ
    names_shared: float  # names of the side with fewer found in the other (1 when a side has none)
    named: float  # 1 when both sides name someone
    form: float  # words other than figures and names found in the other (the form they fill in)


FEATURES: tuple[str, ...] = tuple(f.name for f in fields(SentencePairFeatures))


def _grams(items: list[str] | str, n: int) -> set[Any]:
    return {tuple(items[i : i + n]) if isinstance(items, list) else items[i : i + n] for i in range(len(items) - n + 1)}


def _low_containment(x: set[Any], y: set[Any]) -> float:
    """The smaller of |x & y| / |x| and |x & y| / |y| (1 for an empty side)."""
    if not x or not y:
        return 1.0 if not x and not y else 0.0
    shared = len(x & y)
    return min(shared / len(x), shared / len(y))


def _longest_new_run(tokens: list[str], other: set[str]) -> int:
    best = run = 0
    for t in tokens:
        run = run + 1 if t not in other else 0
        best = max(best, run)
    return best


def _largest_edit(ta: list[str], tb: list[str]) -> int:
    ops = SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes()
    return max((max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal"), default=0)


def _is_figure(token: str) -> bool:
    return any(ch.isdigit() for ch in token)


def _figure_share(tokens: list[str]) -> float:
    return sum(map(_is_figure, tokens)) / len(tokens)


def _names_shared(na: frozenset[str], nb: frozenset[str]) -> float:
    if not na or not nb:
        return 1.0
    return len(na & nb) / min(len(na), len(nb))


def is_sentence_pair(da: Document, db: Document) -> bool:
    """Both sides are one short sentence that is not mostly figures: what `sentence_pair_features`
    measures (cheap: no measurement made)."""
    if not (0 < da.n_tokens <= MAX_TOKENS and 0 < db.n_tokens <= MAX_TOKENS):
        return False
    if len(da.sentence_bounds) != 1 or len(db.sentence_bounds) != 1:
        return False
    return max(_figure_share(da.tokens), _figure_share(db.tokens)) <= MAX_FIGURE_SHARE


def sentence_pair_features(da: Document, db: Document) -> SentencePairFeatures | None:
    """Measurements of a pair of single sentences, or None when it is not one (`is_sentence_pair`)."""
    if not is_sentence_pair(da, db):
        return None
    ta, tb = da.tokens, db.tokens
    sa, sb = set(ta), set(tb)
    ca, cb = {int(c) for c in da.content_ids if c}, {int(c) for c in db.content_ids if c}
    fa, fb = ({f for f in d.facts if f.startswith(_FIGURES)} for d in (da, db))
    names = da.quick_names | db.quick_names
    form_a = {t for t in sa if t not in names and not _is_figure(t)}
    form_b = {t for t in sb if t not in names and not _is_figure(t)}
    return SentencePairFeatures(
        words=_low_containment(sa, sb),
        bigrams=_low_containment(_grams(ta, 2), _grams(tb, 2)),
        chars=_low_containment(_grams(" ".join(ta), 4), _grams(" ".join(tb), 4)),
        new_words=float(max(len(ca - cb), len(cb - ca))),
        largest_edit=float(_largest_edit(ta, tb)),
        new_run=float(min(_longest_new_run(ta, sb), _longest_new_run(tb, sa))),
        figures_differ=float(fa != fb),
        names_shared=_names_shared(da.quick_names, db.quick_names),
        named=float(bool(da.quick_names) and bool(db.quick_names)),
        form=_low_containment(form_a, form_b),
    )


@dataclass(frozen=True)
class SentencePairModel:
    """Logistic regression over standardized features, and the rules that overrule it.

    Two sentences whose figures differ are different news when they name different actors, or when
    they name no one and are one form filled in with other figures (the same words apart from the
    figures): the templated look-alike rule of the article cascade, for sentences. The same actors'
    figures updated in the same words are the same news retold (MRPC calls these paraphrases).
    """

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    max_tokens: int = MAX_TOKENS
    min_names_shared: float = 0.5
    form_share: float = 0.9
    fitted_on: str = ""

    def __post_init__(self) -> None:
        for name in ("features", "mean", "scale", "coef"):
            object.__setattr__(self, name, tuple(getattr(self, name)))  # lists when read from JSON
        n = len(self.features)
        if not n or any(len(getattr(self, k)) != n for k in ("mean", "scale", "coef")):
            raise ConfigError("sentence_pair: features, mean, scale and coef need one value per feature")
        unknown = set(self.features) - set(FEATURES)
        if unknown:
            raise ConfigError(f"sentence_pair: unknown features {sorted(unknown)}")
        if any(not s > 0 for s in self.scale) or not all(map(math.isfinite, (*self.coef, self.intercept))):
            raise ConfigError("sentence_pair: scales must be positive and coefficients finite")
        for name in ("threshold", "min_names_shared", "form_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"sentence_pair.{name}: must be in [0, 1], got {getattr(self, name)}")
        if not 0 < self.max_tokens <= MAX_TOKENS:
            raise ConfigError(f"sentence_pair.max_tokens: must be in 1..{MAX_TOKENS}, got {self.max_tokens}")

    def probability(self, s: SentencePairFeatures) -> float:
        """P(retelling) for one pair."""
        terms = zip(self.features, self.mean, self.scale, self.coef, strict=True)
        z = self.intercept + sum(c * (getattr(s, f) - m) / sd for f, m, sd, c in terms)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def different_news(self, s: SentencePairFeatures) -> bool:
        """Other figures, and other actors or an anonymous form filled in: never a retelling."""
        other_actors = s.names_shared < self.min_names_shared
        return bool(s.figures_differ) and (other_actors or (not s.named and s.form >= self.form_share))
