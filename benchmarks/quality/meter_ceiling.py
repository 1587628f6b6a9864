"""How far METER's labels can be reached from shared words: an article-level classifier, story at once.

    python -m benchmarks.quality.meter_ceiling [--corpora ../shared/corpora] [--folds 5] [--repeats 5]

The detector decides pairs of articles found by its candidate stage. This benchmark asks what words
alone can tell of METER's wholly / partially / non-derived labels under the most generous setting:
each newspaper article compared with all of its story's PA files at once (their union, no candidate
stage), and a classifier fitted per fold on the other stories (balanced multinomial logistic
regression). Feature sets:

- containment: word 1- to 5-gram containment of the article in the PA copy, and its length;
- lexical: containment plus verbatim coverage (runs of 8 words), the share of the article's sentences
  aligned with one of the PA copy's (IDF-weighted content-word overlap of 0.5 or more), their mean
  overlap, the IDF share of content words the PA copy never uses, TF-IDF cosine, length ratio;
- lexical, best PA file: the lexical set against each PA file alone, the best value of each.

About half of METER's newspaper articles also carry the annotators' own reuse spans (each stretch of
text marked Verbatim, Rewrite or New against the PA copy). On that subset the same classifiers are
given those spans instead of measured words (shares of each kind, the longest runs, the number of
runs, the share of derived text in runs of 8 words or more, the length): what a detector that found
reuse exactly as the annotators did could tell of the article's label. Lexical features on the same
subset stand beside them, with a random forest as well as the regression.

Figures are macro-F1 over out-of-fold predictions, the mean and spread over `repeats` shuffled story
splits, and on the quality benchmark's own folds (GroupKFold by story, unshuffled). Written to
benchmarks/results/meter_ceiling.json and a section of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from benchmarks.baselines.methods import words
from benchmarks.data.loaders import SPAN_KINDS, load_meter, load_meter_spans, meter_story
from benchmarks.results_md import markers, replace_section
from dedup.prepare.words import ENGLISH_STOP_WORDS

ROOT = Path(__file__).resolve().parents[2]
COMMAND = "python -m benchmarks.quality.meter_ceiling"
_SENTENCE = re.compile(r"(?<=[.!?])[\"']?\s+(?=[A-Z\"'`])|\n\s*\n")
CONTAINMENT = ("c1", "c2", "c3", "c4", "c5", "length")
LEXICAL = (*CONTAINMENT, "verbatim8", "aligned", "alignment", "new_words", "cosine", "length_ratio")


def _grams(tokens: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def _covered(tokens: Sequence[str], source: set[tuple[str, ...]], k: int) -> float:
    """Share of tokens inside a run of k words that the source also prints."""
    mask = np.zeros(len(tokens), dtype=bool)
    for i in range(len(tokens) - k + 1):
        if tuple(tokens[i : i + k]) in source:
            mask[i : i + k] = True
    return float(mask.mean()) if len(tokens) else 0.0


def _alignment(article: str, source: str, idf: Callable[[str], float]) -> tuple[float, float]:
    """(token share of sentences whose IDF-weighted content words are half in one source sentence,
    token-weighted mean of that best overlap)."""
    targets = [{w for w in words(s) if w not in ENGLISH_STOP_WORDS} for s in _SENTENCE.split(source)]
    best, sizes = [], []
    for sentence in _SENTENCE.split(article):
        content = {w for w in words(sentence) if w not in ENGLISH_STOP_WORDS}
        if len(content) < 2:
            continue
        weight = sum(idf(w) for w in content)
        best.append(max((sum(idf(w) for w in content & t) / weight for t in targets), default=0.0))
        sizes.append(len(words(sentence)))
    if not sizes:
        return 0.0, 0.0
    b, s = np.array(best), np.array(sizes, dtype=float)
    return float(s[b >= 0.5].sum() / s.sum()), float((b * s).sum() / s.sum())


def features(article: str, source: str, idf: Callable[[str], float], tfidf: TfidfVectorizer) -> dict[str, float]:
    """The lexical features of `article` against `source` (one PA file, or the story's together)."""
    at, st = words(article), words(source)
    out = {f"c{n}": len(_grams(at, n) & _grams(st, n)) / max(1, len(_grams(at, n))) for n in range(1, 6)}
    out["length"] = math.log1p(len(at))
    out["verbatim8"] = _covered(at, _grams(st, 8), 8)
    out["aligned"], out["alignment"] = _alignment(article, source, idf)
    content, known = [w for w in at if w not in ENGLISH_STOP_WORDS], set(st)
    total = sum(idf(w) for w in content)
    out["new_words"] = sum(idf(w) for w in content if w not in known) / total if total else 0.0
    vectors = tfidf.transform([article, source])
    out["cosine"] = float((vectors[0] @ vectors[1].T).toarray()[0, 0])
    out["length_ratio"] = math.log1p(len(at)) - math.log1p(len(st))
    return out


def feature_table(corpora: Path) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(article ids, labels, story groups, features against the story's PA union, against the best file)."""
    articles, labels, stories = load_meter(corpora / "meter-dev")
    text = {a["id"]: a["text"] for a in articles}
    tfidf = TfidfVectorizer(sublinear_tf=True, token_pattern=r"[a-z0-9]+").fit([t.lower() for t in text.values()])
    weights = dict(zip(tfidf.get_feature_names_out(), tfidf.idf_, strict=True))

    def idf(w: str) -> float:
        return float(weights.get(w, 8.0))

    ids = sorted(labels)
    union, best = [], []
    for n in ids:
        sources = [text[p] for p in stories[n]] or [""]
        union.append([features(text[n], "\n\n".join(sources), idf, tfidf)[f] for f in LEXICAL])
        each = np.array([[features(text[n], s, idf, tfidf)[f] for f in LEXICAL] for s in sources])
        smaller_is_closer = [LEXICAL.index("new_words")]
        row = each.max(axis=0)
        row[smaller_is_closer] = each[:, smaller_is_closer].min(axis=0)
        best.append(row)
    y = np.array([labels[n] for n in ids])
    groups = np.array([meter_story(n) for n in ids])
    return ids, y, groups, np.array(union), np.array(best)


def span_features(runs: Sequence[tuple[str, int]]) -> list[float]:
    """SPAN_FEATURES of one article from its annotated runs (kind, words), in text order."""
    total = max(1, sum(n for _, n in runs))
    out: list[float] = []
    for kind in SPAN_KINDS:
        sizes = [n for k, n in runs if k == kind]
        out += [sum(sizes) / total, max(sizes, default=0) / total, math.log1p(len(sizes))]
    out.append(sum(n for k, n in runs if k != "New" and n >= 8) / total)
    out.append(math.log1p(total))
    return out


SPAN_FEATURES = (
    *(f"{k.lower()}_{m}" for k in SPAN_KINDS for m in ("share", "longest", "runs")),
    "derived_in_runs_of_8",
    "length",
)


def logistic() -> ClassifierMixin:
    """The balanced multinomial regression every row but the forests' uses."""
    model: ClassifierMixin = make_pipeline(
        StandardScaler(), LogisticRegression(C=0.1, max_iter=5000, class_weight="balanced")
    )
    return model


def forest() -> ClassifierMixin:
    """A balanced random forest: steps and interactions a regression cannot draw."""
    return RandomForestClassifier(300, min_samples_leaf=3, class_weight="balanced", random_state=0, n_jobs=2)


def scores(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    folds: int,
    seed: int | None,
    classifier: Callable[[], ClassifierMixin] = logistic,
) -> tuple[float, float]:
    """Ternary and binary macro-F1 of out-of-fold predictions (folds by story; `seed` None: unshuffled)."""
    split = GroupKFold(folds) if seed is None else GroupKFold(folds, shuffle=True, random_state=seed)
    pred = np.empty(len(y), dtype=object)
    for train, test in split.split(x, y, groups):
        pred[test] = classifier().fit(x[train], y[train]).predict(x[test])
    ternary = float(f1_score(y, pred.astype(str), average="macro"))
    return ternary, float(f1_score(y == "non", pred == "non", average="macro"))


def _figures(
    x: np.ndarray,
    y: np.ndarray,
    groups: np.ndarray,
    folds: int,
    repeats: int,
    classifier: Callable[[], ClassifierMixin],
) -> dict[str, float]:
    fixed = scores(x, y, groups, folds, None, classifier)
    shuffled = np.array([scores(x, y, groups, folds, seed, classifier) for seed in range(repeats)])
    return {
        "articles": len(y),
        "ternary_fixed_folds": round(fixed[0], 3),
        "binary_fixed_folds": round(fixed[1], 3),
        "ternary_mean": round(float(shuffled[:, 0].mean()), 3),
        "ternary_sd": round(float(shuffled[:, 0].std()), 3),
        "binary_mean": round(float(shuffled[:, 1].mean()), 3),
        "binary_sd": round(float(shuffled[:, 1].std()), 3),
    }


def evaluate(
    corpora: Path, folds: int, repeats: int
) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]:
    """Figures of each feature set (see the module docstring), and the annotated spans' mean shares
    per class (`span_shares`)."""
    ids, y, groups, union, best = feature_table(corpora)
    spans = load_meter_spans(corpora / "meter-dev")
    sub = np.array([n in spans for n in ids])
    span_x = np.array([span_features(spans[n]) for n in ids if n in spans])
    both = np.hstack([union[sub], span_x])
    everyone = np.ones(len(ids), dtype=bool)
    sets = [
        ("containment, story's PA union", union[:, [LEXICAL.index(f) for f in CONTAINMENT]], everyone, logistic),
        ("lexical, story's PA union", union, everyone, logistic),
        ("lexical, best PA file", best, everyone, logistic),
        ("lexical, story's PA union; annotated subset", union[sub], sub, logistic),
        ("lexical, story's PA union; annotated subset, random forest", union[sub], sub, forest),
        ("annotators' own spans; annotated subset", span_x, sub, logistic),
        ("annotators' own spans; annotated subset, random forest", span_x, sub, forest),
        ("annotators' own spans and lexical; annotated subset", both, sub, logistic),
        ("annotators' own spans and lexical; annotated subset, random forest", both, sub, forest),
    ]
    results = {name: _figures(x, y[rows], groups[rows], folds, repeats, make) for name, x, rows, make in sets}
    return results, span_shares(spans, dict(zip(ids, y, strict=True)))


def span_shares(
    spans: Mapping[str, Sequence[tuple[str, int]]], labels: Mapping[str, str]
) -> dict[str, dict[str, float]]:
    """Mean share of each annotated span kind in the annotated articles of each METER class."""
    out: dict[str, dict[str, float]] = {}
    for cls in sorted({labels[n] for n in spans if n in labels}):
        rows = np.array([span_features(runs) for n, runs in spans.items() if labels.get(n) == cls])
        out[cls] = {k: round(float(rows[:, SPAN_FEATURES.index(f"{k.lower()}_share")].mean()), 3) for k in SPAN_KINDS}
    return out


def _best_binary(results: dict[str, dict[str, float]], subset: str) -> float:
    rows = [r for name, r in results.items() if subset in name]
    return max((max(r["binary_fixed_folds"], r["binary_mean"]) for r in rows), default=float("nan"))


def _shares_note(shares: dict[str, dict[str, float]]) -> str:
    said = "; ".join(
        f"{cls}: {round(100 * s['Verbatim'])}% verbatim, {round(100 * s['Rewrite'])}% rewritten, "
        f"{round(100 * s['New'])}% new"
        for cls, s in shares.items()
    )
    return f"Mean shares by the annotators' marks, per class: {said}."


def markdown(
    results: dict[str, dict[str, float]], when: str, argv: str, shares: dict[str, dict[str, float]] | None = None
) -> str:
    start, end = markers("meter_ceiling")
    lines = [
        start,
        "## METER: what shared words can tell at best",
        "",
        f"`{argv}` ({when}): balanced multinomial logistic regression per fold (a balanced random forest "
        "where the row says so), each newspaper article compared with its story's PA files at once (no "
        "candidate stage); see the module docstring.",
        "",
        "| features | articles | ternary macro-F1 (benchmark folds) | binary (benchmark folds) "
        "| ternary, shuffled splits | binary, shuffled splits |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['articles']} | {r['ternary_fixed_folds']:.3f} | {r['binary_fixed_folds']:.3f} | "
            f"{r['ternary_mean']:.3f} ± {r['ternary_sd']:.3f} | {r['binary_mean']:.3f} ± {r['binary_sd']:.3f} |"
        )
    lines += [
        "",
        "- This is the setting most favourable to words: the story's PA files are given, not found, and the "
        "classifier sees each article whole. The detector, which finds its pairs and decides each pair "
        "alone, is scored in the METER table above.",
        "- A classifier of this kind is not a detector: it needs the story's sources named in advance.",
        "- 'annotators' own spans': on the articles METER annotated span by span, the classifier is given "
        "the annotators' Verbatim / Rewrite / New marks instead of measured words, that is reuse found "
        "exactly as the people who labelled the articles found it. On that subset no feature set, the "
        f"annotators' marks included, reaches a binary macro-F1 above {_best_binary(results, 'annotated'):.3f}: "
        "which articles METER calls "
        "non-derived is not told by how much of them is reused. " + (_shares_note(shares) if shares else ""),
    ]
    return "\n".join([*lines, end]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "meter_ceiling.json")
    parser.add_argument("--results-md", type=Path, default=None, help="default: benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    results, shares = evaluate(args.corpora, args.folds, args.repeats)
    when = datetime.now(UTC).isoformat(timespec="seconds")
    command = COMMAND if argv is None else " ".join([COMMAND, *argv])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    record = {"command": command, "date": when, "results": results, "span_shares": shares}
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    replace_section("meter_ceiling", markdown(results, when, command, shares), args.results_md)
    for name, r in results.items():
        print(
            f"{name:68s} ternary {r['ternary_fixed_folds']:.3f} binary {r['binary_fixed_folds']:.3f} (folds); "
            f"shuffled {r['ternary_mean']:.3f}±{r['ternary_sd']:.3f} / {r['binary_mean']:.3f}±{r['binary_sd']:.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
