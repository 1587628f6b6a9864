"""A scan's output files, written from its findings (`dedup.scan.run.ScanResult`): the relations,
repeats, clusters, errors, features, the summary with its stage timings, and report.html."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dedup.article import Article
from dedup.io.html_report import report_data, write_html_report
from dedup.io.writers import write_json, write_jsonl

if TYPE_CHECKING:
    from dedup.scan.run import Progress, ScanResult

__all__ = ["OUTPUT_FILES", "STAGES", "finish_outputs", "write_outputs"]

OUTPUT_FILES = ("relations.jsonl", "repeats.jsonl", "clusters.jsonl", "errors.jsonl", "summary.json", "report.html")
STAGES = (
    "read",
    "normalize",
    "shingle",
    "sign",
    "lsh",
    "repeats",
    "candidates",
    "verify",
    "cluster",
    "write",
)


def finish_outputs(
    out_dir: Path, result: ScanResult, articles: dict[str, Article], progress: Progress | None = None
) -> dict[str, Any]:
    """Write every output of a scan (report.html too, quoting `articles`); returns the summary."""
    t = time.perf_counter()
    if progress:
        progress.start("write", None)
    summary = write_outputs(out_dir, result)
    write_html_report(out_dir, report_data(summary, result.relations, result.repeats, result.clusters, articles))
    result.timings["write"] = time.perf_counter() - t
    summary["timings_us_per_article"] = _per_article(result)
    write_json(out_dir / "summary.json", summary)
    return summary


def write_outputs(out_dir: Path, result: ScanResult) -> dict[str, Any]:
    """Write the five output files; returns the summary (also written)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(out_dir / "relations.jsonl", result.relations)
    write_jsonl(out_dir / "repeats.jsonl", result.repeats)
    write_jsonl(
        out_dir / "clusters.jsonl",
        ({"cluster": c.cluster, "members": list(c.members), "canonical": c.canonical} for c in result.clusters),
    )
    write_jsonl(out_dir / "errors.jsonl", (e.as_dict() for e in result.errors))
    if result.features:
        write_jsonl(out_dir / "features.jsonl", result.features)
    summary = _summary(result)
    write_json(out_dir / "summary.json", summary)
    return summary


def _summary(result: ScanResult) -> dict[str, Any]:
    counts = Counter(r["relation"] for r in result.relations)
    severities = Counter(e.severity for e in result.errors)
    return {
        "articles": result.articles,
        "rejected": severities.get("error", 0),
        "warnings": severities.get("warning", 0),
        "candidate_pairs": result.candidates,
        "relations": {k: counts.get(k, 0) for k in ("exact", "near_duplicate", "copy", "partial", "rewrite")},
        "articles_with_repeats": len(result.repeats),
        "clusters": len(result.clusters),
        "clustered_articles": sum(len(c.members) for c in result.clusters),
        "seconds": round(result.timings.get("total", 0.0) + result.timings.get("read", 0.0), 3),
    }


def _per_article(result: ScanResult) -> dict[str, float]:
    n = max(1, result.articles)
    return {k: round(result.timings[k] * 1e6 / n, 1) for k in STAGES if k in result.timings}
