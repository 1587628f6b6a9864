"""Fit the relation model on labelled pairs: the one recipe that makes the shipped model.

    python -m dedup.calibration.fit ROWS.jsonl [--out dedup/calibration/model.json] [--C 1.0]

`ROWS.jsonl` holds one labelled pair a line: `{"corpus", "unit", "label", "evidence": {...}}`,
where `label` is `none`, `partial`, `whole` or `related` (a corpus that only says related or not),
`unit` is what a figure counts once (a METER newspaper article is one unit over all the PA files of
its story) and `evidence` is `Evidence.as_row()`. `python -m benchmarks.quality.generalize
--write-rows` writes it from the development corpora; the same function, `fit_model`, is what the
benchmark's cross-validation and leave-one-corpus-out refit on each training split.

The recipe:
1. one row per unit for the regression: the unit's pair with the highest `containment_d`;
2. weights: each corpus, and each class inside it, counts alike;
3. a logistic regression (scikit-learn, L2, `C`) over the model's `FEATURES`, standardized;
4. `threshold`: the probability that maximizes the mean over corpora of each corpus's figure (F1 of
   the related class for `mrpc`, binary macro-F1 for the others), a unit related when any of its
   pairs is; vetoed pairs count as unrelated, pairs sharing a verbatim run of `prose_run` tokens as
   related whatever their probability (`dedup.decide.relation.classify`);
5. `whole` and `retold`, the shares at or above which reuse is whole (a copy or a rewrite, by the
   type rules of `dedup.decide.relation`), jointly on a grid, maximizing the mean ternary macro-F1
   (none / partial / whole) of the corpora that tell partial from whole reuse.
Nothing is set by hand afterwards: the declared constants are the model's defaults.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from dedup.decide.evidence import Evidence
from dedup.decide.model import FEATURES, RelationModel
from dedup.decide.relation import is_near_duplicate, is_retelling, veto
from dedup.errors import ConfigError

__all__ = ["LEVELS", "Row", "Units", "fit_model", "fit_threshold", "fit_whole", "read_rows", "unit_predictions"]

LEVELS = {"none": 0, "partial": 1, "related": 1, "whole": 2}
MODEL_FILE = Path(__file__).with_name("model.json")


@dataclass(frozen=True)
class Row:
    """One labelled pair: its corpus, the unit it is counted in, its label and its evidence."""

    corpus: str
    unit: str
    label: str
    evidence: Evidence

    @property
    def related(self) -> bool:
        return self.label != "none"


def read_rows(path: Path) -> list[Row]:
    """The labelled rows of a JSONL file (see the module docstring)."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            rows.append(Row(raw["corpus"], raw["unit"], raw["label"], Evidence.from_row(raw["evidence"])))
        except (ValueError, KeyError, TypeError) as e:
            raise ConfigError(
                f"{path}:{n}: not a labelled row ({e}); write rows with benchmarks.quality.generalize"
            ) from e
    return rows


def _matrix(rows: Sequence[Row], features: Sequence[str]) -> np.ndarray:
    return np.array([[r.evidence.value(f) for f in features] for r in rows], dtype=float).reshape(len(rows), -1)


def _representatives(rows: Sequence[Row]) -> list[Row]:
    best: dict[tuple[str, str], Row] = {}
    for r in rows:
        key = (r.corpus, r.unit)
        if key not in best or r.evidence.containment_d > best[key].evidence.containment_d:
            best[key] = r
    return list(best.values())


def _weights(rows: Sequence[Row]) -> np.ndarray:
    counts: dict[tuple[str, bool], int] = {}
    for r in rows:
        counts[(r.corpus, r.related)] = counts.get((r.corpus, r.related), 0) + 1
    return np.array([1.0 / counts[(r.corpus, r.related)] for r in rows])


def _regression(rows: Sequence[Row], base: RelationModel, c: float) -> RelationModel:
    from sklearn.linear_model import LogisticRegression  # the `fit` extra: only fitting needs it

    train = _representatives(rows)
    x = _matrix(train, base.features)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    y = np.array([r.related for r in train])
    if y.all() or not y.any():
        raise ConfigError("rows: the training rows need both related and unrelated pairs")
    lr = LogisticRegression(C=c, max_iter=5000).fit((x - mean) / scale, y, sample_weight=_weights(train))
    return replace(
        base,
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in lr.coef_[0]),
        intercept=float(lr.intercept_[0]),
    )


Units = dict[tuple[str, str], tuple[float, Row]]  # (corpus, unit) -> (score of its best pair, that pair)


def unit_predictions(rows: Sequence[Row], model: RelationModel) -> Units:
    """Per unit: the highest P(related) of its pairs (-1 for a vetoed pair) and that pair."""
    out: dict[tuple[str, str], tuple[float, Row]] = {}
    for r in rows:
        p = -1.0 if veto(r.evidence, model) is not None else model.probability(r.evidence)
        key = (r.corpus, r.unit)
        if key not in out or p > out[key][0]:
            out[key] = (p, r)
    return out


def _f1(truth: np.ndarray, pred: np.ndarray, macro: bool) -> float:
    def one(t: np.ndarray, p: np.ndarray) -> float:
        tp, fp, fn = np.sum(t & p), np.sum(~t & p), np.sum(t & ~p)
        return float(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn else 0.0

    return (one(truth, pred) + one(~truth, ~pred)) / 2 if macro else one(truth, pred)


def _middle(values: list[float]) -> float:
    return values[len(values) // 2]


def _middle_of_best(values: list[float], score: Callable[[float], float]) -> float:
    """The middle one of the values that score best: a plateau's middle, not its edge (training data
    rarely pins an edge, and a threshold at the edge of what was seen generalizes worst)."""
    scored = [score(v) for v in values]
    top = max(scored)
    return _middle([v for v, s in zip(values, scored, strict=True) if s == top])


def fit_threshold(units: Units) -> float:
    """The score at or above which a unit is related that maximizes the mean over corpora of each
    corpus's figure (F1 of the related class for mrpc, binary macro-F1 for the others)."""
    corpora = sorted({c for c, _ in units})
    by_corpus = {
        c: (np.array([p for (cc, _), (p, _) in units.items() if cc == c]),
            np.array([r.related for (cc, _), (_, r) in units.items() if cc == c]))
        for c in corpora
    }  # fmt: skip
    scores = np.unique(np.concatenate([s for s, _ in by_corpus.values()]))
    grid = np.unique(np.quantile(scores[scores >= 0], np.linspace(0, 1, 401))) if (scores >= 0).any() else [0.5]

    def mean_f1(t: float) -> float:
        return float(np.mean([_f1(y, s >= t, macro=c != "mrpc") for c, (s, y) in by_corpus.items()]))

    return float(_middle_of_best(list(grid), mean_f1))


def _ternary_f1(truth: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean([_f1(truth == k, pred == k, macro=False) for k in range(3)]))


def _typing_corpora(units: Units) -> list[str]:
    """Corpora that tell partial from whole reuse (both labels present)."""
    labels: dict[str, set[str]] = {}
    for (c, _), (_, r) in units.items():
        labels.setdefault(c, set()).add(r.label)
    return sorted(c for c, seen in labels.items() if {"partial", "whole"} <= seen)


def fit_whole(units: Units, threshold: float, share: Callable[[Row], float]) -> float:
    """The share at or above which reuse is whole (one score, as a baseline has), maximizing the mean
    ternary macro-F1 (none / partial / whole) of the corpora that tell partial from whole reuse."""
    corpora = _typing_corpora(units)
    if not corpora:
        return RelationModel().whole
    arrays = {
        c: (np.array([LEVELS[r.label] for (cc, _), (_, r) in units.items() if cc == c]),
            np.array([share(r) for (cc, _), (_, r) in units.items() if cc == c]),
            np.array([p >= threshold for (cc, _), (p, _) in units.items() if cc == c]))
        for c in corpora
    }  # fmt: skip

    def mean_f1(tau: float) -> float:
        return float(
            np.mean([_ternary_f1(t, np.where(rel, np.where(x >= tau, 2, 1), 0)) for t, x, rel in arrays.values()])
        )

    return float(_middle_of_best(list(GRID), mean_f1))


GRID = np.round(np.linspace(0.2, 0.95, 76), 2)


def _fit_typing(units: Units, model: RelationModel) -> RelationModel:
    """`whole` and `retold` of the type rules (`dedup.decide.relation`), fitted jointly: whole reuse
    is a copy or a rewrite, so the ternary figure judges both."""
    corpora = _typing_corpora(units)
    if not corpora:
        return model
    cols = {}
    for c in corpora:
        items = [(p, r.evidence) for (cc, _), (p, r) in units.items() if cc == c]
        truth = np.array([LEVELS[r.label] for (cc, _), (_, r) in units.items() if cc == c])
        e = [x for _, x in items]
        near = np.array([is_near_duplicate(x, model) for x in e])
        aligned = np.array([max(x.aligned_d, x.aligned_s) for x in e])
        retold_share = np.array([x.retold_d for x in e])
        retelling = np.array([is_retelling(x, model) for x in e])
        related = np.array([p >= model.threshold for p, _ in items])
        cols[c] = (truth, near, aligned, retold_share, retelling, related)

    def mean_f1(whole: float, retold: float) -> float:
        out: list[float] = []
        for truth, near, aligned, r, retelling, related in cols.values():
            is_whole = near | (aligned >= whole) | ((r >= retold) & retelling)
            out.append(_ternary_f1(truth, np.where(related, np.where(is_whole, 2, 1), 0)))
        return float(np.mean(out))

    scores = {(float(w), float(r)): mean_f1(w, r) for w in GRID for r in GRID}
    top = max(scores.values())
    grid = [float(v) for v in GRID]
    best_whole = _middle([w for w in grid if any(scores[(w, r)] == top for r in grid)])
    best_retold = _middle([r for r in grid if scores[(best_whole, r)] == top])
    return replace(model, whole=best_whole, retold=best_retold)


def fit_model(rows: Sequence[Row], base: RelationModel | None = None, c: float = 1.0) -> RelationModel:
    """The relation model fitted on `rows` by the recipe of the module docstring."""
    base = base or RelationModel()
    model = _regression(rows, base, c)
    units = unit_predictions(rows, model)
    model = replace(model, threshold=fit_threshold(units))
    return _fit_typing(units, model)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", type=Path, help="labelled rows (JSONL)")
    parser.add_argument("--out", type=Path, default=MODEL_FILE, help="model file to write")
    parser.add_argument("--C", type=float, default=1.0, dest="c", help="inverse L2 strength of the regression")
    args = parser.parse_args(argv)
    rows = read_rows(args.rows)
    corpora = sorted({r.corpus for r in rows})
    recipe = f"python -m dedup.calibration.fit {args.rows.name} --C {args.c}"
    when = datetime.now(UTC).date().isoformat()
    base = RelationModel(
        features=FEATURES, fitted_on=f"{', '.join(corpora)} ({len(rows)} pairs, {when})", recipe=recipe
    )
    model = fit_model(rows, base, args.c)
    args.out.write_text(model.to_json(), encoding="utf-8")
    print(f"wrote {args.out}: threshold {model.threshold:.3f}, whole {model.whole:.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
