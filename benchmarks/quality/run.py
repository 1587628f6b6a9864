"""Quality benchmark: the detector and every baseline on METER, MRPC, Reuters-21578 and the suite.

    python -m benchmarks.quality [--corpora ../shared/corpora] [--out benchmarks/results]
                                 [--folds 5] [--quick]

Writes OUT/quality.json, PNG precision-recall plots there, and OUT/../RESULTS.md (by default
benchmarks/results/ and benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.baselines import methods as bl
from benchmarks.data.loaders import load_meter, load_mrpc, load_reuters, meter_story
from benchmarks.quality import detector as qd
from benchmarks.quality.common import PROJECT, Run, detector_ready, guarded, text_dedup_ready
from benchmarks.quality.metrics import binary_prf, meter_scores
from benchmarks.quality.reuters import reuters_figures, reuters_sample
from benchmarks.quality.suite import run_suite

GRID = [round(i / 100, 2) for i in range(101)]


# METER ---------------------------------------------------------------------------------------------


def _meter_data(run: Run) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, list[str]]]:
    articles, labels, stories = load_meter(run.corpora / "meter-dev")
    if run.quick:
        keys = sorted({meter_story(i) for i in labels})
        keep = set(random.Random(run.seed).sample(keys, min(25, len(keys))))
        articles = [a for a in articles if meter_story(a["id"]) in keep]
        labels = {k: v for k, v in labels.items() if meter_story(k) in keep}
        stories = {k: v for k, v in stories.items() if k in labels}
    return articles, labels, stories


def _meter_cv(
    run: Run, name: str, score: dict[str, float], labels: Mapping[str, str], grid: Sequence[float] | None
) -> dict[str, Any]:
    papers = sorted(labels)
    preds, fitted = bl.cv_predict(
        papers,
        [score[p] for p in papers],
        [labels[p] for p in papers],
        [meter_story(p) for p in papers],
        run.folds,
        ternary=True,
        grid=grid,
    )
    derived = {p for p in papers if labels[p] != "non"}
    return {
        **meter_scores(preds, labels),
        "thresholds_per_fold": fitted,
        "average_precision_binary": run.curve("meter", name, score, derived),
    }


def meter_baselines(
    run: Run, texts: dict[str, str], labels: dict[str, str], stories: dict[str, list[str]]
) -> dict[str, dict[str, Any]]:
    """Every baseline on METER (binary PR curves: derived vs non)."""
    papers, derived = sorted(labels), {p for p in labels if labels[p] != "non"}
    out: dict[str, dict[str, Any]] = {}

    def containment() -> dict[str, Any]:
        tri = {i: bl.ngrams(t, 3) for i, t in texts.items()}
        score = {p: bl.containment(tri[p], set().union(*(tri[s] for s in stories[p]))) for p in papers}
        return _meter_cv(run, "3-gram containment", score, labels, GRID)

    def minhash() -> dict[str, Any]:
        sigs = bl.minhash_signatures(texts)
        lsh = bl.minhash_lsh_pairs(sigs)
        pred = {p: "wholly" if any(frozenset((p, s)) in lsh for s in stories[p]) else "non" for p in papers}
        score = {
            p: max([sigs[p].jaccard(sigs[s]) for s in stories[p] if p in sigs and s in sigs] or [0.0]) for p in papers
        }
        return {
            **meter_scores(pred, labels),
            "mapping": "LSH pair with a story PA file -> wholly",
            "average_precision_binary": run.curve("meter", "MinHash (J est.)", score, derived),
        }

    def simhash() -> dict[str, Any]:
        sv = bl.simhash_values(texts)
        score = {p: -float(min([sv[p].distance(sv[s]) for s in stories[p]] or [64])) for p in papers}
        res = _meter_cv(run, "SimHash (-distance)", score, labels, None)
        res["k_per_fold"] = [(-t_p, -t_w) for t_p, t_w in res.pop("thresholds_per_fold")]
        return res

    def text_dedup() -> dict[str, Any]:
        pairs = bl.cluster_pairs(bl.text_dedup_clusters(texts, text_dedup_ready(run)))
        pred = {p: "wholly" if any(frozenset((p, s)) in pairs for s in stories[p]) else "non" for p in papers}
        return {**meter_scores(pred, labels), "mapping": "same cluster as a story PA file -> wholly"}

    for name, fn in (
        ("containment_3gram", containment),
        ("minhash_lsh", minhash),
        ("simhash", simhash),
        ("text_dedup", text_dedup),
    ):
        out[name] = guarded(fn)
    return out


def _calibration(run: Run) -> dict[str, Any] | None:
    """Cross-validated and left-out figures are `benchmarks.quality.generalize`'s: the rows here are
    the shipped model end to end (`dedup scan`, `dedup compare`)."""
    del run
    return None


def run_meter(run: Run) -> dict[str, Any]:
    """Detector (through the detector_meter_cv hook) and baselines on METER."""
    articles, labels, stories = _meter_data(run)
    texts = {a["id"]: a["text"] for a in articles}
    result: dict[str, Any] = {
        "articles": len(articles),
        "labelled": len(labels),
        "classes": {c: sum(1 for v in labels.values() if v == c) for c in ("wholly", "partially", "non")},
    }

    def detector() -> dict[str, Any]:
        extra = ["--features"] if run.features else []
        scan = qd.run_scan(detector_ready(run), articles, run.work / "meter", extra)
        groups = {p: meter_story(p) for p in labels}
        cv = _calibration(run)
        pred = qd.detector_meter_cv(scan, labels, stories, groups, run.folds, cv)
        as_scanned, score = qd.meter_from_relations(scan.relations, labels, stories)
        derived = {p for p in labels if labels[p] != "non"}
        return {
            **meter_scores(pred, labels),
            # What a user of the shipped model gets (fitted on no METER fold: nothing to hold out).
            "shipped": meter_scores(as_scanned, labels) if cv is not None else None,
            "relations": len(scan.relations),
            "seconds": scan.seconds,
            "average_precision_binary": run.curve("meter", "detector (score)", score, derived),
            "calibration": (
                f"cross-validated: relation model refitted on {run.folds - 1}/{run.folds} of METER (by story) "
                "and MRPC per fold, predictions out of fold"
                if cv is not None
                else "the shipped model end to end (dedup scan); fitted on these corpora among others: in-sample. "
                "Cross-validated and left-out figures: benchmarks.quality.generalize"
            ),
        }

    result["detector"] = guarded(detector)
    result["baselines"] = meter_baselines(run, texts, labels, stories)
    return result


# MRPC ----------------------------------------------------------------------------------------------


def _mrpc_cv(run: Run, name: str, ids: list[str], score: dict[str, float], gold: dict[str, int]) -> dict[str, Any]:
    preds, fitted = bl.cv_predict(ids, [score[i] for i in ids], [gold[i] for i in ids], ids, run.folds, ternary=False)
    res = binary_prf([gold[i] for i in ids], [preds[i] for i in ids])
    positives = {i for i in ids if gold[i]}
    return {
        **res,
        "thresholds_per_fold": fitted,
        "average_precision": run.curve("mrpc", name, score, positives),
    }


def mrpc_baselines(run: Run, rows: list[tuple[str, str, str, int]]) -> dict[str, dict[str, Any]]:
    """Every baseline on the MRPC pairs (positive = paraphrase)."""
    ids = [r[0] for r in rows]
    gold = {r[0]: r[3] for r in rows}
    sentences = {f"{i}:{side}": text for i, a, b, _ in rows for side, text in (("a", a), ("b", b))}
    out: dict[str, dict[str, Any]] = {}

    def jaccard(n: int) -> dict[str, Any]:
        score = {}
        for i, a, b, _ in rows:
            ga, gb = bl.ngrams(a, n), bl.ngrams(b, n)
            score[i] = len(ga & gb) / len(ga | gb) if ga | gb else 0.0
        return _mrpc_cv(run, f"{n}-gram Jaccard", ids, score, gold)

    def simhash() -> dict[str, Any]:
        sv = bl.simhash_values(sentences)
        score = {i: -float(sv[f"{i}:a"].distance(sv[f"{i}:b"])) for i in ids}
        res = _mrpc_cv(run, "SimHash (-distance)", ids, score, gold)
        res["k_per_fold"] = [-t for t in res.pop("thresholds_per_fold")]
        return res

    def minhash() -> dict[str, Any]:
        sigs = bl.minhash_signatures(sentences)
        lsh = bl.minhash_lsh_pairs(sigs)
        return binary_prf([gold[i] for i in ids], [int(frozenset((f"{i}:a", f"{i}:b")) in lsh) for i in ids])

    def text_dedup() -> dict[str, Any]:
        pairs = bl.cluster_pairs(bl.text_dedup_clusters(sentences, text_dedup_ready(run)))
        return binary_prf([gold[i] for i in ids], [int(frozenset((f"{i}:a", f"{i}:b")) in pairs) for i in ids])

    for name, fn in (
        ("unigram_jaccard", lambda: jaccard(1)),
        ("trigram_jaccard", lambda: jaccard(3)),
        ("simhash", simhash),
        ("minhash_lsh", minhash),
        ("text_dedup", text_dedup),
    ):
        out[name] = guarded(fn)
    return out


def run_mrpc(run: Run) -> dict[str, Any]:
    """`dedup compare --pairs` and the baselines on MRPC."""
    rows = load_mrpc(run.corpora / "mrpc-train" / "msr_paraphrase_train.txt")
    if run.quick:
        rows = sorted(random.Random(run.seed).sample(rows, min(300, len(rows))))

    def detector() -> dict[str, Any]:
        out = qd.run_compare(detector_ready(run), [(i, a, b) for i, a, b, _ in rows], run.work / "mrpc")
        shipped = [int(o.get("relation") is not None) for o in out]
        cv = _calibration(run)
        # Out-of-fold decisions of the calibrated model (same pairs, same order as load_mrpc).
        predicted = [int(x) for x in cv["mrpc"]["predicted"]] if cv is not None else shipped
        res: dict[str, Any] = dict(binary_prf([r[3] for r in rows], predicted))
        # The shipped sentence-pair regression was fitted on all of MRPC train: an in-sample figure.
        res["shipped"] = dict(binary_prf([r[3] for r in rows], shipped)) if cv is not None else None
        res["calibration"] = "cross-validated (5 folds), out of fold" if cv is not None else "shipped model"
        score = {r[0]: float(o.get("score") or 0.0) for r, o in zip(rows, out, strict=True)}
        relations = [o.get("relation") for o in out]
        res["relations"] = {str(k): relations.count(k) for k in sorted(set(relations), key=str)}
        res["average_precision"] = run.curve("mrpc", "detector (score)", score, {r[0] for r in rows if r[3]})
        return res

    return {
        "pairs": len(rows),
        "paraphrases": sum(r[3] for r in rows),
        "detector": guarded(detector),
        "baselines": mrpc_baselines(run, rows),
    }


# Reuters -------------------------------------------------------------------------------------------


def run_reuters(run: Run) -> dict[str, Any]:
    """Exact-duplicate recall, sampled near-duplicate precision, look-alikes merged."""
    articles = load_reuters(run.corpora / "reuters21578")
    if run.quick:
        articles = reuters_sample(articles, 1500, run.seed)
    texts = {a["id"]: a["text"] for a in articles}

    def untyped(pairs: Iterable[frozenset[str]], clusters: list[list[str]] | None = None) -> dict[str, Any]:
        typed: dict[frozenset[str], str | None] = {p: None for p in pairs}
        return reuters_figures(typed, clusters or bl.components(typed), articles, run.seed, None)

    def detector() -> dict[str, Any]:
        scan = qd.run_scan(detector_ready(run), articles, run.work / "reuters")
        figures = reuters_figures(
            qd.relation_pairs(scan.relations),
            qd.cluster_members(scan.clusters),
            articles,
            run.seed,
            ("near_duplicate", "copy"),
        )
        return {**figures, "seconds": scan.seconds}

    def text_dedup() -> dict[str, Any]:
        clusters = bl.text_dedup_clusters(texts, text_dedup_ready(run))
        return untyped(bl.cluster_pairs(clusters), clusters)

    baselines = {
        "minhash_lsh": guarded(lambda: untyped(bl.minhash_lsh_pairs(bl.minhash_signatures(texts)))),
        "simhash_k3": guarded(lambda: untyped(bl.simhash_pairs(bl.simhash_values(texts), 3))),
        "containment_3gram_0.5": guarded(lambda: untyped(bl.containment_pairs(texts, 3, 0.5, max_df=50))),
        "text_dedup": guarded(text_dedup),
    }
    return {"stories": len(articles), "detector": guarded(detector), "baselines": baselines}


# main ----------------------------------------------------------------------------------------------


def _git_commit() -> dict[str, Any]:
    import subprocess

    def git(*args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=PROJECT, capture_output=True, text=True, check=False)
        return proc.stdout.strip()

    return {"commit": git("rev-parse", "HEAD") or None, "dirty": bool(git("status", "--porcelain"))}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=PROJECT.parent / "shared" / "corpora")
    parser.add_argument("--out", type=Path, default=PROJECT / "benchmarks" / "results")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small samples (about a minute)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--only", nargs="*", choices=("meter", "mrpc", "reuters", "suite"))
    parser.add_argument("--features", action="store_true", help="pass --features to the METER scan")
    parser.add_argument(
        "--text-dedup-site",
        default=os.environ.get("TEXT_DEDUP_SITE"),
        help="dir of an isolated `pip install --target` of text-dedup (default $TEXT_DEDUP_SITE, else the env)",
    )
    parser.add_argument("--no-text-dedup", action="store_true")
    return parser.parse_args(argv)


def _setup(args: argparse.Namespace, work: Path) -> Run:
    run = Run(
        corpora=args.corpora.resolve(),
        out=args.out.resolve(),
        folds=args.folds,
        quick=args.quick,
        seed=args.seed,
        work=work,
        features=args.features,
    )
    try:
        run.cmd = qd.dedup_command()
    except qd.DetectorError as err:
        run.detector_error = str(err)
    if args.no_text_dedup:
        run.td_status = "skipped (--no-text-dedup)"
    else:
        run.td_env = bl.text_dedup_env(args.text_dedup_site)
        run.td_status = (
            "ran text_dedup.minhash (defaults: 5-grams, 250 perms, threshold 0.7)"
            if run.td_env
            else "not installable here (text_dedup does not import; a plain pip install would downgrade "
            "shared packages, so install it with pip --target DIR and pass --text-dedup-site DIR)"
        )
    return run


def main(argv: Sequence[str] | None = None) -> int:
    from benchmarks.quality import report as quality_report

    args = parse_args(argv)
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="dedup-quality-") as tmp:
        run = _setup(args, Path(tmp))
        results: dict[str, Any] = {}
        sections = {"meter": run_meter, "mrpc": run_mrpc, "reuters": run_reuters, "suite": run_suite}
        for name, fn in sections.items():
            if args.only and name not in args.only:
                continue
            start = time.perf_counter()
            results[name] = fn(run)
            run.seconds[name] = round(time.perf_counter() - start, 1)
            print(f"{name}: {run.seconds[name]} s", file=sys.stderr)
    command = "python -m benchmarks.quality " + shlex.join(sys.argv[1:] if argv is None else list(argv))
    meta = {
        "command": command.strip(),
        "date": started.isoformat(timespec="seconds"),
        "git": _git_commit(),
        "quick": run.quick,
        "folds": run.folds,
        "seed": run.seed,
        "seconds": run.seconds,
        "detector": "dedup CLI" if run.cmd else run.detector_error,
        "text_dedup": run.td_status,
    }
    quality_report.write_all({"meta": meta, **results}, run.curves, run.out, run.out.parent / "RESULTS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
