"""The syndication suite in the quality benchmark: detector and baselines on generated variants."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from typing import Any

from benchmarks.baselines import methods as bl
from benchmarks.data.loaders import load_reuters
from benchmarks.data.suite import RELATIONS, SuiteTruth, load_fiction_rewrites, load_seed_rewrites, make_suite
from benchmarks.quality import detector as qd
from benchmarks.quality.common import PROJECT, Run, detector_ready, guarded, text_dedup_ready
from benchmarks.quality.metrics import ari, relation_prf

__all__ = ["by_kind", "derived_figures", "run_suite", "suite_figures"]

PairKey = frozenset[str]


def suite_figures(
    pred: Mapping[PairKey, str | None],
    clusters: list[list[str]],
    truth: SuiteTruth,
    typed: bool,
    derived: Mapping[PairKey, str | None] | None = None,
) -> dict[str, Any]:
    """Per-relation P/R/F1 (typed methods), any-relation P/R/F1, recall by true relation, ARI."""
    labelled = truth.labelled()
    unscored = truth.unscored()
    placeholder = {k: (v if typed and v else "related") for k, v in pred.items()}
    scores = relation_prf(placeholder, labelled, unscored, RELATIONS if typed else ["related"])
    out: dict[str, Any] = {"any_relation": scores["any_relation"], "ari": ari(clusters, truth.clusters)}
    if typed:
        out["per_relation"] = scores["per_relation"]
        out["macro_f1"] = scores["macro_f1"]
    out["recall_by_relation"] = {
        rel: (sum(1 for k, v in labelled.items() if v == rel and k in pred) / n if n else None)
        for rel in RELATIONS
        for n in [sum(1 for v in labelled.values() if v == rel)]
    }
    if derived is not None:
        out["derived_by_relation"], out["derived_accuracy"] = derived_figures(derived, truth)
    if typed:
        out["by_kind"] = by_kind(pred, truth)
    lookalikes = {frozenset(p) for p in truth.lookalikes}
    out["lookalikes_related"] = sum(1 for k in pred if k in lookalikes)
    return out


def derived_figures(
    derived: Mapping[PairKey, str | None],
    truth: SuiteTruth,
) -> tuple[dict[str, dict[str, int]], float | None]:
    """`derived` of detected labelled pairs: correct / wrong / null per true relation, and accuracy over
    the directional relations (copy, partial, rewrite) whose truth has a direction."""
    table: dict[str, dict[str, int]] = {}
    for a, b, rel, want in truth.pairs:
        key = frozenset((a, b))
        if key not in derived or want is None:
            continue
        got = derived[key]
        verdict = "null" if got is None else "correct" if got == want else "wrong"
        row = table.setdefault(rel, {"correct": 0, "wrong": 0, "null": 0})
        row[verdict] += 1
    directional = [table[r] for r in ("copy", "partial", "rewrite") if r in table]
    n = sum(sum(row.values()) for row in directional)
    return table, (sum(row["correct"] for row in directional) / n if n else None)


def by_kind(pred: Mapping[PairKey, str | None], truth: SuiteTruth) -> dict[str, dict[str, int]]:
    """Predicted relation ('none' when missed) per variant kind / role of the labelled pairs."""
    out: dict[str, dict[str, int]] = {}
    for a, b, rel, _ in truth.pairs:
        kind = truth.roles[b].get("kind") or truth.roles[b]["role"]
        got = pred.get(frozenset((a, b))) or "none"
        row = out.setdefault(f"{kind} ({rel})", {})
        row[got] = row.get(got, 0) + 1
    return out


def _scored(scores: Mapping[PairKey, float], truth: SuiteTruth) -> dict[PairKey, float]:
    """Scores without the unscored pairs (unlabelled pairs inside one source group)."""
    skip = truth.unscored() - set(truth.labelled())
    return {k: v for k, v in scores.items() if k not in skip}


def _cv_pairs(run: Run, name: str, score: dict[PairKey, float], truth: SuiteTruth) -> dict[PairKey, None]:
    """Related pairs from a threshold fit on the other folds (folds grouped by source group)."""
    labelled, unscored = truth.labelled(), truth.unscored()
    universe = {k: score.get(k, 0.0) for k in set(score) | set(labelled) if k not in unscored or k in labelled}
    keys = sorted(universe, key=sorted)
    ids = ["|".join(sorted(k)) for k in keys]
    groups = [min(truth.groups.get(x, x) for x in k) for k in keys]
    preds, _fitted = bl.cv_predict(
        ids, [universe[k] for k in keys], [int(k in labelled) for k in keys], groups, run.folds, ternary=False
    )
    run.curve("suite", name, universe, set(labelled))
    return {k: None for k, i in zip(keys, ids, strict=True) if preds[i]}


def _suite_data(run: Run) -> tuple[list[dict[str, Any]], SuiteTruth, dict[str, Any]]:
    reuters = load_reuters(run.corpora / "reuters21578")
    if run.quick:
        reuters = random.Random(run.seed).sample(reuters, 3000)
    fiction = load_fiction_rewrites(PROJECT / "corpora" / "fiction" / "articles.jsonl")
    seeds = load_seed_rewrites(PROJECT / "corpora" / "seeds")
    articles, truth = make_suite(reuters, run.seed, 10 if run.quick else 60, rewrites=fiction + seeds)
    info = {
        "articles": len(articles),
        "labelled_pairs": len(truth.pairs),
        "by_relation": {r: sum(1 for p in truth.pairs if p[2] == r) for r in RELATIONS},
        "lookalike_pairs": len(truth.lookalikes),
        "hard_negatives": sum(1 for r in truth.roles.values() if r["role"] == "negative"),
        "rewrite_pairs": {"fiction": len(fiction), "seeds": len(seeds)},
        "note": "rewrite truth comes only from existing pairs (corpora/fiction if present, the two seeds)",
    }
    return articles, truth, info


def run_suite(run: Run) -> dict[str, Any]:
    """Detector and baselines on the generated syndication suite (variants of Reuters stories)."""
    articles, truth, info = _suite_data(run)
    texts = {a["id"]: a["text"] for a in articles}

    def detector() -> dict[str, Any]:
        scan = qd.run_scan(detector_ready(run), articles, run.work / "suite")
        pred = qd.relation_pairs(scan.relations)
        derived = {frozenset((str(r["a"]), str(r["b"]))): r.get("derived") for r in scan.relations}
        score = {frozenset((str(r["a"]), str(r["b"]))): float(r.get("score") or 0.0) for r in scan.relations}
        run.curve("suite", "detector (score)", _scored(score, truth), set(truth.labelled()))
        figures = suite_figures(pred, qd.cluster_members(scan.clusters), truth, True, derived)
        return {**figures, "seconds": scan.seconds}

    def untyped(pairs: Iterable[PairKey], clusters: list[list[str]] | None = None) -> dict[str, Any]:
        typed: dict[PairKey, str | None] = {k: None for k in pairs}
        return suite_figures(typed, clusters or bl.components(typed), truth, False)

    def minhash() -> dict[str, Any]:
        sigs = bl.minhash_signatures(texts)
        everything = {frozenset((a, b)): float(sigs[a].jaccard(sigs[b])) for a in sigs for b in sigs if a < b}
        run.curve("suite", "MinHash (J est.)", _scored(everything, truth), set(truth.labelled()))
        return untyped(bl.minhash_lsh_pairs(sigs))

    def simhash() -> dict[str, Any]:
        sv = bl.simhash_values(texts)
        score = {frozenset((a, b)): -float(sv[a].distance(sv[b])) for a in sv for b in sv if a < b}
        return untyped(_cv_pairs(run, "SimHash (-distance)", score, truth))

    def containment() -> dict[str, Any]:
        score = bl.containment_pairs(texts, 3, threshold=0.0)
        return untyped(_cv_pairs(run, "3-gram containment", score, truth))

    def text_dedup() -> dict[str, Any]:
        clusters = bl.text_dedup_clusters(texts, text_dedup_ready(run))
        return untyped(bl.cluster_pairs(clusters), clusters)

    baselines = {
        name: guarded(fn)
        for name, fn in (
            ("minhash_lsh", minhash),
            ("simhash", simhash),
            ("containment_3gram", containment),
            ("text_dedup", text_dedup),
        )
    }
    return {**info, "detector": guarded(detector), "baselines": baselines}
