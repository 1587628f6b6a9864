"""Wall time and main-process CPU time of each stage of one `dedup scan`, with its candidate pairs.

The scan's own summary gives µs per article summed over workers; this says how long each stage held
the whole run up and how much of it the main process spent, which is what changes when a scan grows
(compare the 100k and 1M synthetic archives of `benchmarks.speed.throughput`):

    python -m benchmarks.speed.scan_stages benchmarks/.cache/archive-100000-seed7-runs4.jsonl [--out DIR]
"""

from __future__ import annotations

import argparse
import importlib
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dedup.scan.engine import default_engine

# The module, not the `scan` function `dedup.scan` exports under the same name.
scan_module = importlib.import_module("dedup.scan.run")

__all__ = ["STAGES", "measure_stages"]

# Functions of `dedup.scan.run` that run one stage each.
STAGES = {"sign": "_sign_tasks", "candidates": "find_candidates", "verify": "_verify_all"}


@contextmanager
def _timed(found: dict[str, dict[str, float]]) -> Iterator[None]:
    """Wrap each stage function of the scan module to record its wall and main-process CPU seconds."""
    originals = {name: getattr(scan_module, fn) for name, fn in STAGES.items()}

    def timer(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            cpu, wall = time.process_time(), time.perf_counter()
            result = fn(*args, **kwargs)
            found[name] = {"wall_s": time.perf_counter() - wall, "main_cpu_s": time.process_time() - cpu}
            return result

        return run

    try:
        for name, fn in originals.items():
            setattr(scan_module, STAGES[name], timer(name, fn))
        yield
    finally:
        for name, fn in originals.items():
            setattr(scan_module, STAGES[name], fn)


def measure_stages(path: Path, out: Path, workers: int | None = None) -> dict[str, Any]:
    """Scan `path` into `out`; per stage its wall and main-process CPU, in seconds and µs per article."""
    stages: dict[str, dict[str, float]] = {}
    clock = time.perf_counter()
    with _timed(stages):
        summary = scan_module.scan([path], out, engine=default_engine(workers))
    n = max(1, summary["articles"])
    for row in stages.values():
        row.update({f"{k[:-2]}_us_per_article": round(v * 1e6 / n, 1) for k, v in list(row.items())})
    return {
        "input": str(path),
        "articles": summary["articles"],
        "candidate_pairs": summary["candidate_pairs"],
        "candidate_pairs_per_article": round(summary["candidate_pairs"] / n, 4),
        "wall_s": round(time.perf_counter() - clock, 2),
        "stages": stages,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: INPUT [--out DIR] [--workers N]; prints the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="scan output directory (default: a temporary one)")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(measure_stages(args.input, args.out or Path(tmp), args.workers), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
