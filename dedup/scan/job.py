"""A scan as the command line runs it: its engine, its progress on stderr, its stages kept for resuming."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console

from dedup.detector import Detector
from dedup.errors import ConfigError
from dedup.io.progress import ConsoleProgress, RecordErrorPrinter
from dedup.io.sources import Inputs
from dedup.scan.engine import Engine, default_engine
from dedup.scan.manifest import StageCheckpoints, run_key
from dedup.scan.run import scan

__all__ = ["ENGINES", "ScanJob", "run_job"]

ENGINES = ("local", "dask")


@dataclass(frozen=True)
class ScanJob:
    """How to run one scan into `out`."""

    out: Path
    features: bool = False
    workers: int = 0  # local worker processes; 0: one per core
    engine: str = "local"
    scheduler: str | None = None  # a Dask scheduler's address; None: a LocalCluster
    restart: bool = False
    quiet: bool = False

    def __post_init__(self) -> None:
        if self.workers < 0:
            raise ConfigError("--workers must be 0 (one per core) or more")
        if self.engine not in ENGINES:
            raise ConfigError(f"--engine: use one of {', '.join(ENGINES)}, not {self.engine!r}")
        if self.scheduler and self.engine != "dask":
            raise ConfigError("--scheduler needs --engine dask")


def _local_engine(job: ScanJob) -> Engine:
    return default_engine(job.workers or None)


def run_job(job: ScanJob, files: Inputs, detector: Detector, console: Console) -> tuple[dict[str, Any], dict[str, str]]:
    """Run the scan (or find it already done); returns its summary and the texts its report quotes.

    The inputs are fingerprinted first: a run of the same inputs, configuration and model goes on
    from its last finished stage."""
    printer = RecordErrorPrinter(console)
    texts: dict[str, str] = {}
    with ConsoleProgress(console, job.quiet) as progress:
        key = run_key(files.files, detector, job.features)
        progress.expect("sign", key.records)
        checkpoints = StageCheckpoints(job.out, key, job.restart, progress.note)
        if checkpoints.complete:
            progress.note(f"{job.out} holds this scan's outputs already; nothing to do (--restart scans again)")
            return dict(orjson.loads((job.out / "summary.json").read_bytes())), texts
        if job.engine == "dask":
            from dedup.scan.dask_engine import DaskSettings, dask_scan

            settings = DaskSettings(job.scheduler, job.workers)
            how = (job.features, settings, printer, texts, checkpoints)
            summary = dask_scan(files.files, job.out, detector, progress, *how)
        else:
            engine = _local_engine(job)
            summary = scan(files, job.out, detector, progress, job.features, printer, texts, engine, checkpoints)
    printer.close(job.out)
    return summary, texts
