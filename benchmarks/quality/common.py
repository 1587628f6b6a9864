"""Shared state and helpers of the quality benchmark modules."""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.quality.detector import DetectorError

__all__ = ["PROJECT", "Run", "Unavailable", "detector_ready", "guarded", "pr_points", "text_dedup_ready"]

PROJECT = Path(__file__).resolve().parents[2]
Curve = tuple[list[float], list[float]]


class Unavailable(RuntimeError):
    """A method cannot run here (e.g. text-dedup does not import); reported without a traceback."""


@dataclass
class Run:
    """Settings and shared state of one benchmark run."""

    corpora: Path
    out: Path
    folds: int
    quick: bool
    seed: int
    work: Path
    features: bool = False
    cmd: list[str] | None = None
    detector_error: str | None = None
    td_env: dict[str, str] | None = None
    td_status: str = "not tried"
    curves: dict[str, dict[str, Curve]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    calibration: dict[str, Any] | None = None

    def curve(self, dataset: str, method: str, scores: Mapping[Any, float], positives: set[Any]) -> float:
        """Record a precision-recall curve; returns average precision."""
        precision, recall, ap = pr_points(scores, positives)
        self.curves.setdefault(dataset, {})[method] = (precision, recall)
        return ap


def pr_points(scores: Mapping[Any, float], positives: set[Any]) -> tuple[list[float], list[float], float]:
    """Precision/recall at every distinct score cut (tied scores form one step; positives never scored
    count as missed) and average precision (sum of recall steps times precision)."""
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    precision: list[float] = []
    recall: list[float] = []
    tp, ap, n_pos = 0, 0.0, max(1, len(positives))
    for rank, (key, value) in enumerate(ranked, start=1):
        tp += key in positives
        if rank < len(ranked) and ranked[rank][1] == value:
            continue
        ap += (tp / n_pos - (recall[-1] if recall else 0.0)) * tp / rank
        precision.append(tp / rank)
        recall.append(tp / n_pos)
    return precision, recall, ap


def guarded(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one method; an exception becomes {"error": ...} so the other figures still get written."""
    start = time.perf_counter()
    try:
        result = fn()
    except Exception as err:
        if not isinstance(err, DetectorError | Unavailable):
            traceback.print_exc(limit=3, file=sys.stderr)
        return {"error": f"{type(err).__name__}: {str(err)[:500]}"}
    result.setdefault("seconds", round(time.perf_counter() - start, 2))
    return result


def detector_ready(run: Run) -> list[str]:
    """The dedup command, or DetectorError saying why it is not available."""
    if run.cmd is None:
        raise DetectorError(run.detector_error or "dedup CLI not available")
    return run.cmd


def text_dedup_ready(run: Run) -> dict[str, str]:
    """Environment in which text-dedup imports, or an error saying why not."""
    if run.td_env is None:
        raise Unavailable(run.td_status)
    return run.td_env
