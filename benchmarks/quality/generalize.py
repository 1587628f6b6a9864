"""How the decision holds on text it was not fitted on: inside each corpus, and corpus by corpus.

    python -m benchmarks.quality.generalize [--corpora ../shared/corpora] [--folds 5]
                                            [--write-rows ROWS.jsonl] [--write-model]

Every labelled pair of every development corpus (`benchmarks.quality.labelled`) is measured once by
the detector (its evidence vector, `dedup.decide.evidence`), with the pairs given. Then the fitting
recipe of the shipped model (`dedup.calibration.fit.fit_model`) is judged two ways:

- inside each corpus: grouped cross-validation (folds by story, source or connected pairs), fitted
  on the corpus's other folds: the estimate for new articles of a kind already seen;
- leave one corpus out: fitted on all the other corpora, judged on the one left out: the estimate
  for a kind of text never seen.

The word 3-gram containment baseline (of the derived side, else the more contained one, in the
other) is fitted the same way beside every cell: one threshold for related, one for whole reuse,
chosen by the same objectives. `--write-rows` saves the labelled rows; `--write-model` fits the
shipped model on all of them (the recipe judged above) and writes `dedup/calibration/model.json`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold

from benchmarks.quality.labelled import CORPORA, PROJECT, LabelledPair, labelled_pairs
from benchmarks.results_md import markers, publish
from dedup.calibration.fit import LEVELS, MODEL_FILE, Row, Units, fit_model, fit_threshold, fit_whole, unit_predictions
from dedup.decide.model import FEATURES, RelationModel
from dedup.decide.relation import classify
from dedup.detector import Detector

__all__ = ["Method", "evaluate", "evidence_rows", "main"]

WHOLE_RELATIONS = frozenset({"exact", "near_duplicate", "copy", "rewrite"})
Predict = Callable[[Sequence[Row]], dict[tuple[str, str], tuple[str | None, Row]]]


def evidence_rows(pairs: dict[str, list[LabelledPair]], detector: Detector | None = None) -> list[Row]:
    """The labelled rows of every pair: each corpus's texts prepared once, each pair measured once."""
    # Measuring needs no fitted model (the shipped file may be the one being refitted).
    detector = detector or Detector(model=RelationModel())
    rows = []
    for name, items in pairs.items():
        docs: dict[str, Any] = {}
        for p in items:
            for art in (p.a, p.b):
                if art.id not in docs:
                    docs[art.id] = detector.prepare(art)
        for p in items:
            da, db = docs[p.a.id], docs[p.b.id]
            if da.n_tokens and db.n_tokens:
                rows.append(Row(name, p.unit, p.label, detector.evidence(da, db, detector.measure(da, db))))
    return rows


class Method:
    """A fitted way of relating pairs: `fit(rows)` returns a predictor of units' relations."""

    def __init__(self, name: str, fit: Callable[[Sequence[Row]], Predict]) -> None:
        self.name, self.fit = name, fit


def ablation(rows: Sequence[Row], folds: int, groups: dict[tuple[str, str], str]) -> dict[str, Any]:
    """Each veto's worth: the figures with every veto in force, and with each one left out in turn."""
    from functools import partial

    every = RelationModel().vetoes
    out = {}
    for dropped in (None, *every):
        kept = tuple(v for v in every if v != dropped)
        method = Method(f"without {dropped}" if dropped else "all vetoes", partial(_detector_fit, vetoes=kept))
        out[method.name] = {mode: evaluate(rows, method, mode, folds, groups) for mode in ("inside", "left_out")}
    return out


def _detector_fit(rows: Sequence[Row], vetoes: tuple[str, ...] | None = None) -> Predict:
    base = RelationModel(features=FEATURES)
    model = fit_model(rows, base if vetoes is None else RelationModel(features=FEATURES, vetoes=vetoes))

    def predict(test: Sequence[Row]) -> dict[tuple[str, str], tuple[str | None, Row]]:
        return {key: (classify(row.evidence, model)[0], row) for key, (_, row) in unit_predictions(test, model).items()}

    return predict


def _containment(r: Row) -> float:
    return r.evidence.containment_d


def _best_containment(rows: Sequence[Row]) -> Units:
    units: Units = {}
    for r in rows:
        key = (r.corpus, r.unit)
        if key not in units or _containment(r) > units[key][0]:
            units[key] = (_containment(r), r)
    return units


def _containment_fit(rows: Sequence[Row]) -> Predict:
    units = _best_containment(rows)
    threshold = fit_threshold(units)
    whole = fit_whole(units, threshold, _containment)

    def predict(test: Sequence[Row]) -> dict[tuple[str, str], tuple[str | None, Row]]:
        out: dict[tuple[str, str], tuple[str | None, Row]] = {}
        for key, (score, row) in _best_containment(test).items():
            out[key] = (None if score < threshold else ("copy" if score >= whole else "partial"), row)
        return out

    return predict


METHODS = (Method("detector", _detector_fit), Method("containment_3gram", _containment_fit))


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0


def _level(relation: str | None) -> int:
    return 0 if relation is None else 2 if relation in WHOLE_RELATIONS else 1


def corpus_figures(name: str, predicted: dict[tuple[str, str], tuple[str | None, Row]], typed: bool) -> dict[str, Any]:
    """The figures of one corpus from its units' predicted relations."""
    items = list(predicted.values())
    truth = np.array([r.related for _, r in items])
    pred = np.array([rel is not None for rel, _ in items])
    tp, fp, fn = int(np.sum(truth & pred)), int(np.sum(~truth & pred)), int(np.sum(truth & ~pred))
    tn = int(np.sum(~truth & ~pred))
    out: dict[str, Any] = {
        "units": len(items),
        "f1": _f1(tp, fp, fn),
        "binary_macro_f1": (_f1(tp, fp, fn) + _f1(tn, fn, fp)) / 2,
    }
    if any(r.label == "partial" for _, r in items):
        lt = np.array([LEVELS[r.label] for _, r in items])
        lp = np.array([_level(rel) for rel, _ in items])
        out["ternary_macro_f1"] = float(
            np.mean(
                [
                    _f1(
                        int(np.sum((lt == k) & (lp == k))),
                        int(np.sum((lt != k) & (lp == k))),
                        int(np.sum((lt == k) & (lp != k))),
                    )
                    for k in range(3)
                ]
            )
        )
    if name == "reuters_audit":
        out["same_story_related"] = f"{tp} of {tp + fn}"
        out["lookalikes_related"] = f"{fp} of {fp + tn}"
    return out


def evaluate(
    rows: Sequence[Row], method: Method, mode: str, folds: int, groups: dict[tuple[str, str], str]
) -> dict[str, Any]:
    """Per corpus: `inside` (grouped folds of the corpus, fitted on its other folds) or `left_out`
    (fitted on every other corpus)."""
    out = {}
    for name in sorted({r.corpus for r in rows}):
        test = [r for r in rows if r.corpus == name]
        predicted: dict[tuple[str, str], tuple[str | None, Row]] = {}
        if mode == "left_out":
            predicted = method.fit([r for r in rows if r.corpus != name])(test)
        else:
            units = sorted({r.unit for r in test})
            unit_group = [groups[(name, u)] for u in units]
            k = min(folds, len(set(unit_group)))
            for train_u, test_u in GroupKFold(n_splits=k).split(units, groups=unit_group):
                train_set, test_set = {units[i] for i in train_u}, {units[i] for i in test_u}
                predict = method.fit([r for r in test if r.unit in train_set])
                predicted.update(predict([r for r in test if r.unit in test_set]))
        out[name] = corpus_figures(name, predicted, typed=False)
    return out


def _headline(name: str, figures: dict[str, Any]) -> str:
    if name == "mrpc":
        return f"{figures['f1']:.3f}"
    if name == "meter":
        return f"{figures['ternary_macro_f1']:.3f} / {figures['binary_macro_f1']:.3f}"
    if name == "reuters_audit":
        same, look = figures["same_story_related"], figures["lookalikes_related"]
        return f"{figures['binary_macro_f1']:.3f} ({same} same-story, {look} look-alikes related)"
    text = f"{figures['f1']:.3f}"
    return text + (f" / {figures['ternary_macro_f1']:.3f}" if "ternary_macro_f1" in figures else "")


FIGURE_NAMES = {
    "meter": "ternary / binary macro-F1",
    "mrpc": "F1",
    "reuters_audit": "binary macro-F1 (pairs related)",
    "reuters_types": "any-relation F1 / ternary macro-F1",
    "suite": "any-relation F1 / ternary macro-F1",
    "fiction": "any-relation F1 / ternary macro-F1",
}


def _pair_of(corpus: str, figures: dict[str, Any]) -> str:
    inside, left_out = (_headline(corpus, figures[mode][corpus]).split(" (")[0] for mode in ("inside", "left_out"))
    return f"{inside} ; {left_out}"


def markdown(results: dict[str, Any]) -> str:
    start, end = markers("generalize")
    lines = [start, "## Generalization: inside each corpus, and each corpus left out", ""]
    lines += [f"`{results['command']}` — {results['date']}, commit `{results['commit']}`", ""]
    lines += [
        "Pairs given (labelled pairs, each measured once by the detector). Inside: grouped "
        f"{results['folds']}-fold cross-validation within the corpus, fitted on its other folds. Left out: "
        "fitted on every other corpus. Both run the recipe that makes the shipped model "
        "(`dedup.calibration.fit`); the 3-gram containment baseline is fitted the same way.",
        "",
        "| corpus (figure) | pairs / units | detector, inside | containment, inside "
        "| detector, left out | containment, left out |",
        "|---|---|---|---|---|---|",
    ]
    for name in results["corpora"]:
        cells = [
            _headline(name, results[m][mode][name])
            for mode in ("inside", "left_out")
            for m in ("detector", "containment_3gram")
        ]
        cells = [cells[0], cells[1], cells[2], cells[3]]
        size = f"{results['pairs'][name]} / {results['detector']['inside'][name]['units']}"
        lines.append(f"| {name} ({FIGURE_NAMES.get(name, '')}) | {size} | " + " | ".join(cells) + " |")
    if "ablation" in results:
        lines += ["", "Each veto judged on every corpus: the detector's figures without it (inside / left out).", ""]
        lines += ["| vetoes | " + " | ".join(results["corpora"]) + " |", "|---" * (len(results["corpora"]) + 1) + "|"]
        for name, figures in results["ablation"].items():
            cells = [_pair_of(c, figures) for c in results["corpora"]]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    shipped = results["shipped"]
    lines += [
        "",
        f"Shipped model (all {sum(results['pairs'].values())} pairs): threshold {shipped['threshold']:.3f}, "
        f"whole {shipped['whole']:.2f}, "
        "coefficients "
        + ", ".join(f"{f} {c:+.2f}" for f, c in zip(shipped["features"], shipped["coef"], strict=True))
        + ".",
        end,
        "",
    ]
    return "\n".join(lines)


def _commit() -> str:
    import subprocess

    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT, capture_output=True, text=True)
    return out.stdout.strip() or "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=PROJECT.parent / "shared" / "corpora")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=PROJECT / "benchmarks" / "results")
    parser.add_argument("--write-rows", type=Path, help="save the labelled rows (JSONL) for dedup.calibration.fit")
    parser.add_argument("--write-model", action="store_true", help="fit on all rows and write the shipped model")
    parser.add_argument("--no-results-md", action="store_true")
    parser.add_argument("--ablate", action="store_true", help="also judge each veto: figures without it")
    args = parser.parse_args(argv)
    pairs = labelled_pairs(args.corpora.resolve(), CORPORA)
    rows = evidence_rows(pairs)
    groups = {(p.corpus, p.unit): p.group for items in pairs.values() for p in items}
    if args.write_rows:
        with open(args.write_rows, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(
                    json.dumps({"corpus": r.corpus, "unit": r.unit, "label": r.label, "evidence": r.evidence.as_row()})
                    + "\n"
                )
    results: dict[str, Any] = {
        "command": "python -m benchmarks.quality.generalize " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "folds": args.folds,
        "corpora": list(pairs),
        "pairs": {k: len(v) for k, v in pairs.items()},
    }
    for method in METHODS:
        results[method.name] = {
            mode: evaluate(rows, method, mode, args.folds, groups) for mode in ("inside", "left_out")
        }
    if args.ablate:
        results["ablation"] = ablation(rows, args.folds, groups)
    when = datetime.now(UTC).date().isoformat()
    shipped = fit_model(
        rows,
        RelationModel(
            features=FEATURES,
            fitted_on=f"{', '.join(pairs)} ({len(rows)} pairs, {when})",
            recipe="python -m benchmarks.quality.generalize --write-model",
        ),
    )
    results["shipped"] = {
        "threshold": shipped.threshold,
        "whole": shipped.whole,
        "features": list(shipped.features),
        "coef": list(shipped.coef),
    }
    if args.write_model:
        MODEL_FILE.write_text(shipped.to_json(), encoding="utf-8")
    publish("generalize", results, markdown(results), args.out, not args.no_results_md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
