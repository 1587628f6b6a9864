"""Reporting for the quality benchmark: rich tables, RESULTS.md, quality.json and PR plots."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import orjson

__all__ = ["tables", "write_all"]

Row = list[str]
Table = tuple[str, list[str], list[Row]]
Curve = tuple[list[float], list[float]]


def _f(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _methods(section: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    detector = section.get("detector", {})
    shipped = [("detector, shipped model as is", detector["shipped"])] if detector.get("shipped") else []
    return [("detector", detector), *shipped, *section.get("baselines", {}).items()]


def _rows(section: Mapping[str, Any], width: int, cells: Callable[[Mapping[str, Any]], Row]) -> list[Row]:
    rows = []
    for name, res in _methods(section):
        if "error" in res:
            rows.append([name, res["error"][:90], *[""] * (width - 2)])
        else:
            rows.append([name, *cells(res)])
    return rows


def _meter(sec: Mapping[str, Any]) -> Table:
    head = [
        "method",
        "ternary macro-F1",
        "binary macro-F1",
        "wholly P/R",
        "partially P/R",
        "non P/R",
        "accuracy",
        "AP (binary)",
    ]

    def cells(r: Mapping[str, Any]) -> Row:
        per = r["ternary"]["per_class"]
        pr = [f"{_f(per[c]['precision'], 2)}/{_f(per[c]['recall'], 2)}" for c in ("wholly", "partially", "non")]
        return [
            _f(r["ternary"]["macro_f1"]),
            _f(r["binary"]["macro_f1"]),
            *pr,
            _f(r["ternary"]["accuracy"]),
            _f(r.get("average_precision_binary")),
        ]

    title = f"METER ({sec['labelled']} newspaper articles, {sec['classes']})"
    return title, head, _rows(sec, len(head), cells)


def _mrpc(sec: Mapping[str, Any]) -> Table:
    head = ["method", "F1", "precision", "recall", "accuracy", "AP"]

    def cells(r: Mapping[str, Any]) -> Row:
        return [
            _f(r["f1"]),
            _f(r["precision"]),
            _f(r["recall"]),
            _f(r["accuracy"]),
            _f(r.get("average_precision")),
        ]

    return (
        f"MRPC train ({sec['pairs']} pairs, {sec['paraphrases']} paraphrases)",
        head,
        _rows(sec, len(head), cells),
    )


def _audit(audit: Mapping[str, Any] | None, key: str) -> str:
    """'related / merged of labelled' for one label of an audit's figures."""
    if not audit:
        return "–"
    merged = audit.get(f"{key}_merged")
    return f"{audit[f'{key}_related']} / {'–' if merged is None else merged} of {audit[key]}"


def _reuters(sec: Mapping[str, Any]) -> Table:
    head = [
        "method",
        "exact recall (pair)",
        "exact recall (as exact)",
        "exact recall (cluster)",
        "near-dup precision (sample; all pairs)",
        "look-alikes merged (cluster)",
        "look-alikes related (pair)",
        "audited look-alikes related / merged",
        "audited same-story pairs related / merged",
        "largest cluster",
        "pairs reported",
    ]

    def cells(r: Mapping[str, Any]) -> Row:
        ex, nd = r["exact"], r["near_duplicate"]
        return [
            _f(ex["recall_any_relation"]),
            _f(ex["recall_as_exact"]),
            _f(ex["recall_same_cluster"]),
            f"{_f(nd['precision'])} (n={nd['sampled']}); all {nd['reported']}: {_f(nd.get('precision_all'))}",
            _f(r["lookalikes_merged"]),
            _f(r.get("lookalikes_related")),
            _audit(r.get("audit"), "lookalikes"),
            _audit(r.get("audit"), "same_story"),
            _f(r.get("largest_cluster")),
            _f(r["pairs_reported"]),
        ]

    title = f"Reuters-21578 ({sec['stories']} stories)"
    return title, head, _rows(sec, len(head), cells)


def _reuters_audit(sec: Mapping[str, Any]) -> Table | None:
    """The detector's audit figures per sample of audited pairs."""
    det = sec.get("detector") or {}
    samples = (det.get("audit") or {}).get("by_sample") or {}
    if not samples:
        return None
    head = ["sample", "look-alikes related / merged", "same-story pairs related / merged"]
    rows = [[name, _audit(f, "lookalikes"), _audit(f, "same_story")] for name, f in samples.items()]
    return "Reuters-21578 audit: detector per sample", head, rows


def _suite(sec: Mapping[str, Any]) -> list[Table]:
    rels = ["exact", "near_duplicate", "copy", "partial", "rewrite"]
    head = [
        "method",
        "any P",
        "any R",
        "any F1",
        "macro-F1 (typed)",
        "ARI",
        "derived acc. (copy/partial)",
        "look-alikes related",
        *[f"R {r}" for r in rels],
    ]

    def cells(r: Mapping[str, Any]) -> Row:
        anyr = r["any_relation"]
        return [
            _f(anyr["precision"]),
            _f(anyr["recall"]),
            _f(anyr["f1"]),
            _f(r.get("macro_f1")),
            _f(r["ari"]),
            _f(r.get("derived_accuracy")),
            _f(r["lookalikes_related"]),
            *[_f(r["recall_by_relation"].get(x)) for x in rels],
        ]

    title = f"Syndication suite ({sec['articles']} articles, {sec['by_relation']})"
    tables: list[Table] = [(title, head, _rows(sec, len(head), cells))]
    det = sec.get("detector", {})
    if "per_relation" in det:
        per = det["per_relation"]
        rows = [
            [r, _f(per[r]["precision"]), _f(per[r]["recall"]), _f(per[r]["f1"]), _f(per[r]["support"])] for r in rels
        ]
        tables.append(("Syndication suite: detector per relation", ["relation", "P", "R", "F1", "support"], rows))
    if "by_kind" in det:
        got = ["exact", "near_duplicate", "copy", "partial", "rewrite", "none"]
        rows = [[kind, *[_f(counts.get(g, 0)) for g in got]] for kind, counts in det["by_kind"].items()]
        tables.append(("Syndication suite: detector relation by variant kind", ["kind (truth)", *got], rows))
    return tables


def tables(results: Mapping[str, Any]) -> list[Table]:
    """All result tables, in order."""
    out: list[Table] = []
    for key, fn in (("meter", _meter), ("mrpc", _mrpc), ("reuters", _reuters)):
        if key in results:
            out.append(fn(results[key]))
    audit = _reuters_audit(results["reuters"]) if "reuters" in results else None
    if audit is not None:
        out.append(audit)
    if "suite" in results:
        out.extend(_suite(results["suite"]))
    return out


def print_tables(results: Mapping[str, Any]) -> None:
    """Rich tables on the console."""
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console() if sys.stdout.isatty() else Console(width=200)
    for title, head, rows in tables(results):
        table = RichTable(title=title, show_lines=False)
        for col in head:
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(*row)
        console.print(table)


def plot_curves(curves: Mapping[str, Mapping[str, Curve]], out: Path) -> dict[str, Path]:
    """One precision-recall PNG per dataset with a curve per method that has a score."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = {
        "meter": "METER: derived vs non-derived",
        "mrpc": "MRPC: paraphrase",
        "suite": "Syndication suite: related pairs",
    }
    written: dict[str, Path] = {}
    for dataset, methods in curves.items():
        fig, ax = plt.subplots(figsize=(6, 4.5))
        for method, (precision, recall) in methods.items():
            ax.plot(recall, precision, label=method, linewidth=1.4)
        ax.set(
            xlabel="recall",
            ylabel="precision",
            xlim=(0, 1.01),
            ylim=(0, 1.01),
            title=names.get(dataset, dataset),
        )
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower left")
        path = out / f"pr_{dataset}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written[dataset] = path
    return written


def markdown(results: Mapping[str, Any], plots: Mapping[str, Path], md_path: Path) -> str:
    """RESULTS.md text."""
    meta = results["meta"]
    lines = [
        "# Quality benchmark results",
        "",
        f"Command: `{meta['command']}`  ",
        f"Date: {meta['date']}  ",
        f"Git commit: `{meta['git'].get('commit')}`{' (dirty tree)' if meta['git'].get('dirty') else ''}  ",
        f"Detector: {meta['detector']}  ",
        f"text-dedup: {meta['text_dedup']}  ",
        f"Quick mode: {meta['quick']}; folds: {meta['folds']}; seed: {meta['seed']}; "
        f"seconds per section: {meta.get('seconds')}",
        "",
        "Run: `python -m benchmarks.quality [--corpora ../shared/corpora] [--out benchmarks/results] "
        "[--folds 5] [--quick] [--text-dedup-site DIR]`",
        "",
    ]
    for title, head, rows in tables(results):
        lines += [f"## {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in rows]
        lines.append("")
    if plots:
        lines += ["## Precision-recall plots", ""]
        for dataset, path in plots.items():
            rel = path.relative_to(md_path.parent) if path.is_relative_to(md_path.parent) else path
            lines.append(f"![{dataset}]({rel.as_posix()})")
        lines.append("")
    lines += ["## Notes", "", *NOTES, ""]
    return "\n".join(lines)


NOTES = [
    "- Detector rows here are the shipped model end to end (`dedup scan`, `dedup compare`), fitted on these "
    "corpora among others (`dedup.calibration.fit`): in-sample figures of what users run. Figures of the same "
    "recipe on data it was not fitted on (grouped cross-validation inside each corpus, each corpus left out) "
    "are in the Generalization section (`python -m benchmarks.quality.generalize`).",
    "- METER: detector class = strongest relation with a PA file of the article's story "
    "(exact/near_duplicate/copy/rewrite -> wholly, partial -> partially, none -> non; relations whose "
    "`derived` is the PA file are ignored). Baseline thresholds are fit on training folds "
    "(GroupKFold by domain/date/catchline) and applied to the held-out fold; figures pool the held-out "
    "predictions. MinHash and text-dedup give no degree, so a pair with a story PA file counts as wholly.",
    "- MRPC: detector = `dedup compare --pairs` with the shipped model, positive = any relation; its AP "
    "ranks the scores (P(related)). Baseline thresholds fit on training folds.",
    "- Reuters: exact truth = bodies equal after whitespace/case folding; near-duplicate precision = share "
    "of up to 200 sampled reported pairs (detector: near_duplicate/copy; baselines: non-identical pairs) "
    "with word 5-gram containment >= 0.5; look-alikes merged = co-clustered pairs whose titles share a "
    "template (e.g. '4TH QTR NET') for different companies and whose bodies hold different numbers. "
    "Baselines without clusters use connected components of their pairs.",
    "- text-dedup 0.4.0: `pip install text-dedup` into this environment would downgrade shared packages "
    "(rich 15 -> 13.9, urllib3, setuptools), so it is installed apart with `pip install --target DIR "
    "text-dedup` and run in a subprocess (`--text-dedup-site DIR`); without it the rows say so. Its "
    "datasets cache fingerprinting fails here (pyarrow MonthDayNano pickling) and is replaced by random "
    "fingerprints; the dedup logic is untouched.",
    "- Look-alike templates (title families): quarter results (e.g. '4TH QTR NET'), year results, dividend "
    "notices ('QTLY DIV', 'SETS REGULAR PAYOUT', ...); the entity before the template must be another "
    "company: not the same ticker ('<CB>'), nor the same name once legal forms ('THE', 'INC', 'CORP', ...), "
    "punctuation and a 'CORRECTED -' mark are dropped: a company's second or corrected release of its "
    "results is that story. Before 2026-11-23 the metric compared the title strings only, which counted "
    "such releases (all 15 pairs then merged, 17 of the 23 then related); by this rule the detector of "
    "that day related 6 look-alike pairs (results tables of different companies).",
    "- Reuters audit (`benchmarks/reuters_audit.jsonl`): 220 pairs the detector related, labelled by "
    "reading both stories (`lookalike`: one form filled in for other actors, or for the same actor another "
    "day with other figures; `same_story`; `unsure`, left out), in four samples described in "
    "`benchmarks/quality/reuters.py`. `low_overlap` and `refilled_leads` (100 pairs, drawn at commit 6fedd6a "
    "where they look most like forms): the detector of 6fedd6a related 96 of their 97 labelled pairs and put "
    "34 of their 62 look-alikes and 26 of their 35 same-story pairs in one cluster. `random` (80 pairs, 20 "
    "of each relation but exact, drawn at commit 69fe8e6): 8 look-alikes (1 of 20 near_duplicate, 2 of 20 "
    "copy, 0 of 20 rewrite, 5 of 20 partial), 68 same-story, 4 unsure. `random_partial` (40 partial pairs "
    "drawn at commit 0d013d9): 9 look-alikes, 27 same-story, 4 unsure. The baselines' counts are of the "
    "same pairs.",
    "- Suite: only (source, variant) pairs are labelled; other pairs inside one source's group are "
    "unscored. Partial variants are their own cluster for ARI. SimHash k and the containment threshold "
    "are fit on training folds grouped by source. Rewrite truth comes only from existing pairs "
    "(corpora/fiction if present, the two seeds).",
]


def _keep_other_sections(text: str, md_path: Path) -> str:
    """Carry over sections other benchmarks own (between `<!-- name:start -->` / `<!-- name:end -->`)."""
    if not md_path.is_file():
        return text
    blocks = list(re.finditer(r"<!-- (\w+):start -->.*?<!-- \1:end -->", md_path.read_text(encoding="utf-8"), re.S))
    if not blocks:
        return text
    return text.rstrip("\n") + "\n\n" + "\n\n".join(m.group(0) for m in blocks) + "\n"


def write_all(results: Mapping[str, Any], curves: Mapping[str, Mapping[str, Curve]], out: Path, md_path: Path) -> None:
    """quality.json, PNG plots, RESULTS.md, and the console tables."""
    out.mkdir(parents=True, exist_ok=True)
    plots = plot_curves(curves, out)
    (out / "quality.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
    md_path.write_text(_keep_other_sections(markdown(results, plots, md_path), md_path), encoding="utf-8")
    print_tables(results)
