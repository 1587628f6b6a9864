"""The relation model: a logistic regression over a pair's evidence, and the declared constants of
the decision, read from a versioned JSON file (`dedup/calibration/model.json` ships with the package).

Hyper-parameters (which features, the declared constants) sit apart from fitted state (mean, scale,
coefficients, intercept, `threshold`, `whole`), which `dedup.calibration.fit` writes with the recipe
and the data it was fitted on.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from dedup.decide.evidence import Evidence
from dedup.errors import ConfigError

__all__ = ["FEATURES", "MODEL_VERSION", "RelationModel", "load_model"]

MODEL_VERSION = 4
FEATURES = ("containment_d", "aligned_d", "pairs_low")  # the evidence the regression reads


@dataclass(frozen=True)
class RelationModel:
    """P(related) = logistic(intercept + sum(coef * (x - mean) / scale)); the rest is declared."""

    features: tuple[str, ...] = FEATURES
    mean: tuple[float, ...] = (0.0,) * len(FEATURES)
    scale: tuple[float, ...] = (1.0,) * len(FEATURES)
    coef: tuple[float, ...] = (4.0, 4.0, 1.0)
    intercept: float = -2.0
    threshold: float = 0.5  # fitted: related when P(related) is at least this
    whole: float = 0.6  # fitted: a side this much aligned with the other is wholly reused (copy, rewrite)
    retold: float = 0.5  # fitted: a derived side this much retold, mostly not verbatim, is a rewrite
    near: float = 0.9  # declared: both sides this much in shared blocks are a near_duplicate...
    near_aligned: float = 0.85  # declared: ...when this much of each is aligned with the other
    near_max_added_tokens: int = 5  # declared: a near_duplicate adds at most this many edge tokens
    prose_run: int = 30  # declared: a verbatim run of two articles this long is prose no look-alike rule cancels
    short_prose_run: int = 20  # declared: the same for two short items
    short_tokens: int = 80  # declared: items shorter than this on both sides are short items
    # declared: a retelling keeps at least this share of the figures; a form filled in again fewer
    figures_kept_share: float = 0.75
    # declared: two leads with other figures are one form's lead filled in again only when they share
    # this much of their content words; two unrelated leads are not a refilled form
    leads_alike: float = 0.3
    # declared: a retelling is at most this many times longer, or shorter, than what it retells; a story
    # twice as long reuses part of the other (a follow-up's background), half as long retells a part
    retold_length: float = 2.0
    # declared: the vetoes in force (`dedup.decide.relation.VETOES`), each judged on every corpus
    vetoes: tuple[str, ...] = ("no_evidence", "form_only", "refilled_lead", "short_other_news")
    version: int = MODEL_VERSION
    fitted_on: str = ""
    recipe: str = ""

    def __post_init__(self) -> None:
        for name in ("features", "mean", "scale", "coef", "vetoes"):
            object.__setattr__(self, name, tuple(getattr(self, name)))  # lists when read from JSON
        if self.version != MODEL_VERSION:
            raise ConfigError(
                f"version: model file is version {self.version}, this build reads {MODEL_VERSION}; "
                "refit it with `python -m dedup.calibration.fit`"
            )
        n = len(self.features)
        if not n or any(len(getattr(self, k)) != n for k in ("mean", "scale", "coef")):
            raise ConfigError("features, mean, scale, coef: give one value per feature")
        unknown = sorted(set(self.features) - {f.name for f in fields(Evidence)})
        if unknown:
            raise ConfigError(f"features: {unknown} are not evidence fields (see dedup.decide.evidence)")
        if any(not s > 0 for s in self.scale) or not all(map(math.isfinite, (*self.coef, self.intercept))):
            raise ConfigError("scale, coef, intercept: scales must be positive and coefficients finite")
        known = {"no_evidence", "form_only", "refilled_lead", "short_other_news"}
        if set(self.vetoes) - known:
            raise ConfigError(f"vetoes: {sorted(set(self.vetoes) - known)} unknown; known: {sorted(known)}")
        for name in ("threshold", "whole", "retold", "near", "near_aligned", "figures_kept_share", "leads_alike"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{name}: must be a share in [0, 1], got {getattr(self, name)}")
        if not self.retold_length >= 1.0:
            raise ConfigError(f"retold_length: must be a length ratio of 1 or more, got {self.retold_length}")
        for name in ("near_max_added_tokens", "prose_run", "short_prose_run", "short_tokens"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                raise ConfigError(f"{name}: must be a whole number, 0 or more, got {getattr(self, name)}")

    def contributions(self, e: Evidence) -> list[tuple[str, float, float]]:
        """(feature, value, contribution to the log-odds) of each feature."""
        terms = zip(self.features, self.mean, self.scale, self.coef, strict=True)
        return [(f, e.value(f), c * (e.value(f) - m) / sd) for f, m, sd, c in terms]

    def probability(self, e: Evidence) -> float:
        """P(related) for one pair's evidence."""
        z = self.intercept + sum(c for _, _, c in self.contributions(e))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


def load_model(path: Path | None = None) -> RelationModel:
    """Load a model file; None loads the model shipped with the package."""
    if path is None:
        raw = resources.files("dedup.calibration").joinpath("model.json").read_text(encoding="utf-8")
    else:
        raw = Path(path).read_text(encoding="utf-8")
    try:
        data: Any = json.loads(raw)
    except json.JSONDecodeError as e:
        raise ConfigError(f"model file: not JSON ({e}); refit it with `python -m dedup.calibration.fit`") from e
    if not isinstance(data, dict):
        raise ConfigError("model file: expected a JSON object of the model's fields")
    known = {f.name for f in fields(RelationModel)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"model file: unknown fields {unknown}; refit it with `python -m dedup.calibration.fit`")
    return RelationModel(**data)
