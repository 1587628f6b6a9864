"""Running the detector (`dedup scan` / `dedup compare`) in a subprocess and reading its outputs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from benchmarks.data.loaders import contract_record

__all__ = [
    "DetectorError",
    "ScanResult",
    "dedup_command",
    "detector_meter_cv",
    "meter_from_relations",
    "relation_pairs",
    "run_compare",
    "run_scan",
]

PairKey = frozenset[str]
Article = dict[str, Any]
PROJECT = Path(__file__).resolve().parents[2]
METER_CLASS = {
    "exact": "wholly",
    "near_duplicate": "wholly",
    "copy": "wholly",
    "rewrite": "wholly",
    "partial": "partially",
}
STRENGTH = {"exact": 5, "near_duplicate": 4, "copy": 3, "rewrite": 2, "partial": 1}


class DetectorError(RuntimeError):
    """The detector CLI is missing or failed."""


@dataclass
class ScanResult:
    """What `dedup scan --out DIR` wrote."""

    out_dir: Path
    relations: list[dict[str, Any]] = field(default_factory=list)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0


def dedup_command() -> list[str]:
    """`python -m dedup.cli` when importable, else the `dedup` console script."""
    probe = subprocess.run(
        [sys.executable, "-m", "dedup.cli", "--help"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if probe.returncode == 0:
        return [sys.executable, "-m", "dedup.cli"]
    script = shutil.which("dedup")
    if script:
        probe2 = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=120, check=False)
        if probe2.returncode == 0:
            return [script]
    tail = (probe.stderr or probe.stdout).strip().splitlines()[-1:] or ["no output"]
    raise DetectorError(f"dedup CLI not available ({tail[0]})")


def write_jsonl(path: Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    """Write rows as JSON lines."""
    path.write_bytes(b"".join(orjson.dumps(dict(r)) + b"\n" for r in rows))
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read JSON lines (missing file -> [])."""
    if not path.is_file():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def _run(cmd: list[str], timeout: int) -> float:
    import time

    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise DetectorError(f"{' '.join(cmd[-6:])} exited {proc.returncode}: {proc.stderr.strip()[-800:]}")
    return time.perf_counter() - start


def run_scan(
    cmd: list[str], articles: Sequence[Article], work: Path, extra: Sequence[str] = (), timeout: int = 7200
) -> ScanResult:
    """`dedup scan work/input.jsonl --out work/out` on the contract fields of `articles`."""
    work.mkdir(parents=True, exist_ok=True)
    src = write_jsonl(work / "input.jsonl", [contract_record(a) for a in articles])
    out = work / "out"
    seconds = _run([*cmd, "scan", str(src), "--out", str(out), *extra], timeout)
    summary_path = out / "summary.json"
    return ScanResult(
        out_dir=out,
        relations=read_jsonl(out / "relations.jsonl"),
        clusters=read_jsonl(out / "clusters.jsonl"),
        summary=orjson.loads(summary_path.read_bytes()) if summary_path.is_file() else {},
        errors=len(read_jsonl(out / "errors.jsonl")),
        seconds=seconds,
    )


def run_compare(
    cmd: list[str], pairs: Sequence[tuple[str, str, str]], work: Path, timeout: int = 7200
) -> list[dict[str, Any]]:
    """`dedup compare --pairs FILE --out OUT`; one output row per (id, a, b), same order."""
    work.mkdir(parents=True, exist_ok=True)
    src = write_jsonl(work / "pairs.jsonl", [{"id": i, "a": a, "b": b} for i, a, b in pairs])
    out = work / "compare.jsonl"
    _run([*cmd, "compare", "--pairs", str(src), "--out", str(out)], timeout)
    rows = read_jsonl(out)
    if [r.get("id") for r in rows] != [p[0] for p in pairs]:
        raise DetectorError(f"compare wrote {len(rows)} rows for {len(pairs)} pairs, or out of order")
    return rows


def relation_pairs(relations: Sequence[Mapping[str, Any]]) -> dict[PairKey, str]:
    """Unordered pair -> relation (the strongest one if a pair appears twice)."""
    out: dict[PairKey, str] = {}
    for rel in relations:
        key, kind = frozenset((str(rel["a"]), str(rel["b"]))), str(rel["relation"])
        if STRENGTH.get(kind, 0) > STRENGTH.get(out.get(key, ""), -1):
            out[key] = kind
    return out


def cluster_members(clusters: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """Member lists of clusters.jsonl rows."""
    return [[str(m) for m in c.get("members", [])] for c in clusters]


def meter_from_relations(
    relations: Sequence[Mapping[str, Any]], labels: Mapping[str, str], stories: Mapping[str, Sequence[str]]
) -> tuple[dict[str, str], dict[str, float]]:
    """Each labelled newspaper article's strongest relation with a PA file of its story -> class, score.

    Relations whose `derived` is the PA file do not count (the PA copy cannot derive from the paper).
    """
    best: dict[str, tuple[int, str]] = {}
    score: dict[str, float] = {n: 0.0 for n in labels}
    for rel in relations:
        a, b, kind = str(rel["a"]), str(rel["b"]), str(rel.get("relation"))
        for paper, pa in ((a, b), (b, a)):
            if paper not in labels or pa not in stories.get(paper, ()) or rel.get("derived") == pa:
                continue
            if kind in METER_CLASS and STRENGTH[kind] > best.get(paper, (0, ""))[0]:
                best[paper] = (STRENGTH[kind], METER_CLASS[kind])
            score[paper] = max(score[paper], float(rel.get("score") or 0.0))
    return {n: best[n][1] if n in best else "non" for n in labels}, score


def detector_meter_cv(
    scan: ScanResult,
    labels: Mapping[str, str],
    stories: Mapping[str, Sequence[str]],
    groups: Mapping[str, str],
    folds: int,
    cv: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """METER class per labelled newspaper article from the scan's relations as they are (the shipped
    model end to end; its cross-validated and left-out figures are `benchmarks.quality.generalize`'s)."""
    del groups, folds, cv
    predicted, _ = meter_from_relations(scan.relations, labels, stories)
    return predicted
