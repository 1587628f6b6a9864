"""Fit the relation model on labelled news (METER dev, MRPC train) and report cross-validated figures.

    python -m benchmarks.quality.calibrate [--corpora ../shared/corpora] [--folds 5]
                                   [--write | --write-sentence-pair | --write-level]

Features come from the detector's public interfaces (`dedup scan --features` on METER, `measure_pairs`
on MRPC), once; fitting re-decides relations from those features for each candidate model, so
coordinate ascent over the thresholds is cheap. A fit has three steps (`fit`): the cascade's
thresholds by coordinate ascent, every pair decided as articles are; the sentence-pair regression
(`SentencePairModel`, which decides two single sentences) on the MRPC training pairs, its probability
threshold chosen on predictions made out of inner folds; and the least cosine of a sentence rewrite.
Folds split METER by story and MRPC by pair; every reported figure is predicted by a model fitted
without its fold. `--write` refits everything on all data and saves `dedup/calibration/model.json`;
`--write-sentence-pair` refits only the regression there and keeps the shipped thresholds.

The reuse-level regression (`LevelModel`, which decides none / partial / whole for article pairs) is
fitted on METER alone, one row per labelled newspaper article: its most-reused candidate pair with a
PA file of its story, labelled with the article's class. `--write-level` refits only it (on all of
METER, over the shipped thresholds) and saves it into the shipped model; its METER figures are then
out of fold: each fold's articles are decided by a level model fitted without that fold's stories,
over the shipped thresholds, exactly as what is shipped decides them. When the shipped model has a
level model, `--write` refits it too, over the thresholds fitted per fold.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold, KFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from benchmarks.data.loaders import load_meter, load_mrpc, meter_story
from benchmarks.quality.model_file import write_level, write_model, write_sentence_pair
from dedup.compare import measure_pairs
from dedup.decide.level import FEATURES as LEVEL_FEATURES
from dedup.decide.level import LevelModel, level_features
from dedup.decide.relation import Model, classify, features_from_row, is_close, is_reworded, load_model
from dedup.verify.align import PairFeatures
from dedup.verify.sentence_pair import SentencePairFeatures, SentencePairModel

ROOT = Path(__file__).resolve().parents[2]
WHOLLY = {"exact", "near_duplicate", "copy", "rewrite"}
_EARLY, _LATE = datetime(2000, 1, 1, tzinfo=UTC), datetime(2000, 1, 2, tzinfo=UTC)

GRID: dict[str, Sequence[float]] = {
    "reworded_similarity": (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7),
    "min_shared_words": (2, 3, 4, 5),
    "whole_reuse": (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75),
    "partial_reuse": (0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3),
    "copy_min_verbatim": (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.45),
    "full": (0.7, 0.8, 0.85, 0.9),
    "rewrite_min_cosine": (0.3, 0.4, 0.45, 0.5, 0.55, 0.6),
    "rewrite_similarity": (0.3, 0.35, 0.4, 0.45),
    "rewrite_min_share": (0.2, 0.3, 0.4, 0.5, 0.6),
    "rewrite_fact_share": (0.3, 0.5, 0.7),
    "min_passage_tokens": (8, 10, 14, 20),
    "partial_min_tokens": (15, 20, 25, 35, 50, 1000),
}
# Inputs of the sentence-pair regression: how much of the less-covered side the other holds (words,
# word pairs, character 4-grams), what one side adds (new content words, the largest edit, runs of
# new words) and whether the figures differ. Names and the form a sentence fills in are not inputs:
# they only overrule it (`SentencePairModel.different_news`).
SENTENCE_FEATURES = ("words", "bigrams", "chars", "new_words", "largest_edit", "new_run", "figures_differ")
SENTENCE_C = 1.0
LEVEL_CLASSES = {"non": 0, "partially": 1, "wholly": 2}  # METER class -> index of LEVELS
LEVEL_C = 1.0


@dataclass
class MeterData:
    """Candidate pairs of each labelled newspaper article with the PA files of its story."""

    labels: dict[str, str]
    pairs: dict[str, list[tuple[PairFeatures, bool]]]  # newspaper -> (features, newspaper is side a)
    # newspaper -> candidate pairs with PA files of other stories: not derived, whatever they share
    others: dict[str, list[tuple[PairFeatures, bool]]] = dataclasses.field(default_factory=dict)


@dataclass
class MrpcData:
    labels: np.ndarray
    features: list[PairFeatures | None]


def meter_data(corpora: Path) -> MeterData:
    """Scan METER (PA files plus labelled newspaper articles) with features, via the CLI."""
    articles, labels, stories = load_meter(corpora / "meter-dev")
    keep = [a for a in articles if a["id"] in labels or a["id"].startswith("PA/")]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "meter.jsonl"
        src.write_text("".join(json.dumps(_contract(a)) + "\n" for a in keep), encoding="utf-8")
        cmd = [sys.executable, "-m", "dedup.cli", "scan", str(src), "--out", f"{tmp}/out", "--features", "-q"]
        subprocess.run(cmd, check=True)
        rows = [json.loads(line) for line in Path(f"{tmp}/out/features.jsonl").read_text().splitlines()]
    pairs: dict[str, list[tuple[PairFeatures, bool]]] = {n: [] for n in labels}
    others: dict[str, list[tuple[PairFeatures, bool]]] = {n: [] for n in labels}
    for row in rows:
        for n, other, is_a in ((row["a"], row["b"], True), (row["b"], row["a"], False)):
            if n in labels and other in stories.get(n, []):
                pairs[n].append((features_from_row(row), is_a))
            elif n in labels and other.startswith("PA/"):
                others[n].append((features_from_row(row), is_a))
    return MeterData(labels, pairs, others)


def _contract(a: dict[str, Any]) -> dict[str, Any]:
    return {k: a[k] for k in ("id", "text", "title", "source", "published") if a.get(k) is not None}


def mrpc_data(corpora: Path) -> MrpcData:
    rows = load_mrpc(corpora / "mrpc-train" / "msr_paraphrase_train.txt")
    features = list(measure_pairs([(a, b) for _, a, b, _ in rows]))
    return MrpcData(np.array([label for *_, label in rows]), features)


def meter_class(candidates: list[tuple[PairFeatures, bool]], model: Model) -> str:
    """wholly / partially / non: the strongest relation in which the newspaper article is derived."""
    best = "non"
    for features, is_a in candidates:
        dates = (_LATE, _EARLY) if is_a else (_EARLY, _LATE)
        decision = classify(features, False, dates, model)
        if decision is None or (decision.derived is not None and decision.derived != ("a" if is_a else "b")):
            continue
        if decision.relation in WHOLLY:
            return "wholly"
        best = "partially"
    return best


def meter_scores(data: MeterData, ids: Sequence[str], model: Model) -> dict[str, float]:
    gold = [data.labels[n] for n in ids]
    pred = [meter_class(data.pairs[n], model) for n in ids]
    binary = [[x != "non" for x in v] for v in (gold, pred)]
    return {
        "ternary_macro_f1": float(f1_score(gold, pred, average="macro")),
        "binary_macro_f1": float(f1_score(binary[0], binary[1], average="macro")),
    }


def mrpc_predict(data: MrpcData, idx: np.ndarray, model: Model) -> np.ndarray:
    out = np.zeros(len(idx), dtype=int)
    for k, i in enumerate(idx.tolist()):
        f = data.features[i]
        out[k] = int(f is not None and classify(f, False, (None, None), model) is not None)
    return out


def _sentence_matrix(mrpc: MrpcData, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[SentencePairFeatures]]:
    """Feature rows and labels of the pairs in `idx` that are two single sentences."""
    pairs = [(f.sentence_pair, int(mrpc.labels[i])) for i in idx.tolist() if (f := mrpc.features[i]) is not None]
    kept = [(s, label) for s, label in pairs if s is not None]
    x = np.array([[getattr(s, n) for n in SENTENCE_FEATURES] for s, _ in kept], dtype=np.float64)
    return x.reshape(-1, len(SENTENCE_FEATURES)), np.array([label for _, label in kept]), [s for s, _ in kept]


def fit_sentence_pair(mrpc: MrpcData, idx: np.ndarray, note: str = "MRPC train") -> SentencePairModel:
    """Logistic regression on the sentence pairs in `idx`; its threshold maximises F1 of the final
    decision (regression and overruling rules) over out-of-inner-fold probabilities."""
    x, y, rows = _sentence_matrix(mrpc, idx)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=SENTENCE_C, max_iter=2000))
    inner = cross_val_predict(pipe, x, y, cv=KFold(5, shuffle=True, random_state=1), method="predict_proba")[:, 1]
    pipe.fit(x, y)
    scaler, lr = pipe[0], pipe[1]
    model = SentencePairModel(
        features=SENTENCE_FEATURES,
        mean=tuple(float(v) for v in scaler.mean_),
        scale=tuple(float(v) for v in scaler.scale_),
        coef=tuple(float(v) for v in lr.coef_[0]),
        intercept=float(lr.intercept_[0]),
        threshold=0.5,
        fitted_on=f"{note}: {len(y)} sentence pairs, logistic regression C={SENTENCE_C}",
    )
    overruled = np.array([model.different_news(s) for s in rows], dtype=bool)
    grid = np.round(np.arange(0.2, 0.805, 0.01), 2)
    best = max(grid, key=lambda t: (f1_score(y, (inner >= t) & ~overruled), -abs(t - 0.5)))
    return dataclasses.replace(model, threshold=float(best))


def _level_row(f: PairFeatures, is_a: bool, model: Model) -> np.ndarray:
    x = level_features(f, "a" if is_a else "b", lambda s: is_reworded(s, model), lambda s: is_close(s, model))
    return np.array([getattr(x, n) for n in LEVEL_FEATURES], dtype=np.float64)


def level_matrix(meter: MeterData, ids: Sequence[str], model: Model) -> tuple[np.ndarray, np.ndarray]:
    """One row per article in `ids` with a candidate pair: its most-reused pair (verbatim, reworded
    and matched shares of the newspaper side), labelled with the article's class."""
    rows, labels = [], []
    used = [LEVEL_FEATURES.index(n) for n in ("sentence_verbatim", "reworded", "matched")]
    for n in ids:
        pairs = [_level_row(f, is_a, model) for f, is_a in meter.pairs[n]]
        if not pairs:
            continue
        rows.append(max(pairs, key=lambda r: float(r[used].sum())))
        labels.append(LEVEL_CLASSES[meter.labels[n]])
    return np.array(rows).reshape(-1, len(LEVEL_FEATURES)), np.array(labels, dtype=int)


def fit_level(meter: MeterData, ids: Sequence[str], model: Model, note: str = "METER dev") -> LevelModel:
    """Multinomial logistic regression of the reuse level on the articles `ids`."""
    x, y = level_matrix(meter, ids, model)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=LEVEL_C, max_iter=5000))
    pipe.fit(x, y)
    scaler, lr = pipe[0], pipe[1]
    if list(lr.classes_) != [0, 1, 2]:
        raise ValueError(f"level model: every METER class needs training articles, got {lr.classes_}")
    return LevelModel(
        features=LEVEL_FEATURES,
        mean=tuple(float(v) for v in scaler.mean_),
        scale=tuple(float(v) for v in scaler.scale_),
        coef=tuple(tuple(float(v) for v in row) for row in lr.coef_),
        intercept=tuple(float(v) for v in lr.intercept_),
        fitted_on=f"{note}: {len(y)} newspaper articles (most-reused PA pair), multinomial LR C={LEVEL_C}",
    )


def objective(
    meter: MeterData, mrpc: MrpcData, ids: Sequence[str], idx: np.ndarray, model: Model, mrpc_weight: float = 1 / 3
) -> float:
    """Weighted METER ternary and binary macro-F1 (equal shares of the rest) and MRPC F1."""
    m = meter_scores(meter, ids, model)
    mrpc_f1 = float(f1_score(mrpc.labels[idx], mrpc_predict(mrpc, idx, model)))
    return (1.0 - mrpc_weight) * (m["ternary_macro_f1"] + m["binary_macro_f1"]) / 2.0 + mrpc_weight * mrpc_f1


def _with(model: Model, name: str, value: float) -> Model:
    """`model` with one threshold changed; the cosine of rewrites is set for articles and sentences alike."""
    if name == "rewrite_min_cosine":
        return dataclasses.replace(model, rewrite_min_cosine=float(value), article_rewrite_cosine=float(value))
    return dataclasses.replace(model, **{name: type(getattr(model, name))(value)})


def ascend(meter: MeterData, mrpc: MrpcData, ids: Sequence[str], idx: np.ndarray, rounds: int = 2) -> Model:
    """Coordinate ascent over GRID from the default thresholds (the article cascade only)."""
    model, best = Model(), objective(meter, mrpc, ids, idx, Model())
    for _ in range(rounds):
        for name, values in GRID.items():
            for value in values:
                trial = _with(model, name, value)
                score = objective(meter, mrpc, ids, idx, trial)
                if score > best + 1e-9:
                    model, best = trial, score
    return model


def fit(meter: MeterData, mrpc: MrpcData, ids: Sequence[str], idx: np.ndarray, rounds: int = 2) -> Model:
    """The cascade's thresholds, then the sentence-pair regression, then the least cosine of a rewrite.

    The thresholds are fitted with every pair decided as articles are, MRPC's sentence pairs
    included: they teach the cascade what a reworded sentence inside an article is, and the
    regression cannot pull METER's thresholds. Articles keep the rewrite cosine fitted there
    (`article_rewrite_cosine`); `rewrite_min_cosine`, the least cosine of any rewrite, may then be
    lowered for sentences retold, on the MRPC training pairs.
    """
    model = dataclasses.replace(ascend(meter, mrpc, ids, idx, rounds), sentence_pair=fit_sentence_pair(mrpc, idx))
    lower = [v for v in GRID["rewrite_min_cosine"] if v < model.article_rewrite_cosine]
    trials = [model, *(dataclasses.replace(model, rewrite_min_cosine=float(v)) for v in sorted(lower, reverse=True))]
    scores = [float(f1_score(mrpc.labels[idx], mrpc_predict(mrpc, idx, t))) for t in trials]
    return trials[int(np.argmax(np.array(scores) + 1e-9 * np.arange(len(scores))[::-1]))]


def cross_validate(
    meter: MeterData, mrpc: MrpcData, folds: int, with_level: bool = False, level_base: Model | None = None
) -> dict[str, Any]:
    """Per-fold fit, pooled out-of-fold predictions for METER and MRPC.

    `with_level`: METER is decided with a level model fitted on the fold's training stories, over
    `level_base` (the shipped thresholds) when given, else over the thresholds fitted for the fold.
    """
    ids = sorted(meter.labels)
    groups = [meter_story(n) for n in ids]
    meter_folds = list(GroupKFold(n_splits=folds).split(ids, groups=groups))
    mrpc_folds = list(KFold(n_splits=folds, shuffle=True, random_state=0).split(mrpc.labels))
    meter_pred: dict[str, str] = {}
    mrpc_pred = np.zeros(len(mrpc.labels), dtype=int)
    for (m_train, m_test), (p_train, p_test) in zip(meter_folds, mrpc_folds, strict=True):
        train = [ids[i] for i in m_train]
        model = fit(meter, mrpc, train, p_train)
        decide = model
        if with_level:
            base = dataclasses.replace(level_base or model, level=None)
            decide = dataclasses.replace(base, level=fit_level(meter, train, base))
        for i in m_test:
            meter_pred[ids[i]] = meter_class(meter.pairs[ids[i]], decide)
        mrpc_pred[p_test] = mrpc_predict(mrpc, p_test, model)
    return _report(meter, ids, meter_pred, mrpc, mrpc_pred)


def _report(
    meter: MeterData, ids: list[str], pred: dict[str, str], mrpc: MrpcData, mrpc_pred: np.ndarray
) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    gold = [meter.labels[n] for n in ids]
    guess = [pred[n] for n in ids]
    labels = ["wholly", "partially", "non"]
    p, r, f, _ = precision_recall_fscore_support(gold, guess, labels=labels, zero_division=0)
    binary = [[x != "non" for x in v] for v in (gold, guess)]
    return {
        "meter": {
            "ternary_macro_f1": float(f1_score(gold, guess, average="macro")),
            "binary_macro_f1": float(f1_score(binary[0], binary[1], average="macro")),
            "per_class": {
                c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i])} for i, c in enumerate(labels)
            },
            "predictions": pred,
        },
        "mrpc": {
            "f1": float(f1_score(mrpc.labels, mrpc_pred)),
            "accuracy": float(accuracy_score(mrpc.labels, mrpc_pred)),
            "predicted": mrpc_pred.tolist(),
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="refit on all data and save the shipped model")
    parser.add_argument(
        "--write-sentence-pair",
        action="store_true",
        help="refit only the sentence-pair regression on all MRPC train and save it into the shipped model",
    )
    parser.add_argument(
        "--write-level",
        action="store_true",
        help="refit only the reuse-level regression on all METER and save it into the shipped model",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "calibration.json")
    args = parser.parse_args(argv)
    meter, mrpc = meter_data(args.corpora), mrpc_data(args.corpora)
    shipped = load_model()
    with_level = args.write_level or (shipped.level is not None and not args.write)
    base = shipped if with_level else None
    cv = cross_validate(meter, mrpc, args.folds, with_level or (args.write and shipped.level is not None), base)
    print(
        json.dumps(
            {k: {kk: vv for kk, vv in v.items() if kk not in ("predictions", "predicted")} for k, v in cv.items()},
            indent=2,
        )
    )
    model = fit(meter, mrpc, sorted(meter.labels), np.arange(len(mrpc.labels)))
    if args.write and shipped.level is not None:
        model = dataclasses.replace(model, level=fit_level(meter, sorted(meter.labels), model, "METER dev (all)"))
    print("fitted on all:", json.dumps(dataclasses.asdict(model)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"cv": cv, "model": dataclasses.asdict(model)}, indent=2), encoding="utf-8")
    if args.write:
        write_model(model, cv, "python -m benchmarks.quality.calibrate --write")
    elif args.write_sentence_pair:
        sentence_pair = fit_sentence_pair(mrpc, np.arange(len(mrpc.labels)), "MRPC train (all)")
        write_sentence_pair(
            sentence_pair, cv, args.folds, "python -m benchmarks.quality.calibrate --write-sentence-pair"
        )
    elif args.write_level:
        base = dataclasses.replace(shipped, level=None)
        level = fit_level(meter, sorted(meter.labels), base, "METER dev (all)")
        write_level(level, cv, args.folds, "python -m benchmarks.quality.calibrate --write-level")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
