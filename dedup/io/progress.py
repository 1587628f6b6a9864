"""What a long run says on stderr: how far it is (a bar on a terminal, a line every few seconds
elsewhere, such as logs) and the records it rejects.

Each stage (sign, candidates, verify, cluster, write) shows its count, and its total and time left
when the total is known; a stage's total can be told ahead (`expect`) when the caller knows more
than the stage does (the records of the inputs, counted while fingerprinting them).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from dedup.io.records import RecordError

__all__ = ["LOG_EVERY_SECONDS", "SHOWN_RECORD_ERRORS", "ConsoleProgress", "RecordErrorPrinter", "duration"]

LOG_EVERY_SECONDS = 10.0
# Record errors printed before the rest go to errors.jsonl only (a bad column would print one per row).
SHOWN_RECORD_ERRORS = 10
_UNITS = {"read": "splits", "sign": "articles", "verify": "pairs"}


def duration(seconds: float) -> str:
    """1:02:03, 2:03 or 4.5 s."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ConsoleProgress:
    """A `dedup.scan.run.Progress` drawing on `console`; silent when `quiet`. Use it as a context manager."""

    def __init__(self, console: Console, quiet: bool = False, every: float = LOG_EVERY_SECONDS) -> None:
        self.console, self.quiet, self.every = console, quiet, every
        self.live = console.is_terminal and not quiet
        self.bar = Progress(
            SpinnerColumn(), TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}"), TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
            console=console, transient=True, disable=not self.live,
        )  # fmt: skip
        self.expected: dict[str, int] = {}
        self.task: Any = None
        self.stage: str | None = None
        self.total: int | None = None
        self.done = 0
        self.started = self.logged = 0.0

    def __enter__(self) -> ConsoleProgress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._close_stage()
        self.bar.__exit__(None, None, None)

    def expect(self, stage: str, total: int | None) -> None:
        """The total a stage will reach, when the stage itself cannot know it."""
        if total:
            self.expected[stage] = total

    def start(self, stage: str, total: int | None) -> None:
        self._close_stage()
        self.stage, self.total, self.done = stage, total or self.expected.get(stage), 0
        self.started = self.logged = time.monotonic()
        if self.live:
            unit = _UNITS.get(stage, "")
            self.task = self.bar.add_task(stage, total=self.total, unit=unit)

    def advance(self, n: int) -> None:
        self.done += n
        if self.task is not None:
            self.bar.advance(self.task, n)
        elif not self.quiet and time.monotonic() - self.logged >= self.every:
            self.logged = time.monotonic()
            self.console.print(self._line(), highlight=False)

    def note(self, message: str) -> None:
        """A line that stays (a stage resumed, a run restarted)."""
        if not self.quiet:
            self.console.print(message, highlight=False, markup=False)

    def _line(self) -> str:
        elapsed = time.monotonic() - self.started
        unit = _UNITS.get(self.stage or "", "")
        if not self.total:
            return f"{self.stage}: {self.done:,} {unit} in {duration(elapsed)}"
        share = min(1.0, self.done / self.total)
        left = elapsed * (1 - share) / share if share > 0 else None
        eta = f", about {duration(left)} left" if left is not None else ""
        return f"{self.stage}: {self.done:,}/{self.total:,} {unit} ({share:.0%}) in {duration(elapsed)}{eta}"

    def _close_stage(self) -> None:
        if self.stage is None:
            return
        if self.task is not None:
            self.bar.remove_task(self.task)
            self.task = None
        elapsed = time.monotonic() - self.started
        if not self.quiet and not self.live and elapsed >= self.every:
            unit = _UNITS.get(self.stage, "")
            count = f" {self.done:,} {unit}" if self.done else ""
            self.console.print(f"{self.stage}:{count} done in {duration(elapsed)}", highlight=False)
        self.stage = None


class RecordErrorPrinter:
    """Prints the first record errors on `console`, then counts the rest (all are in errors.jsonl);
    an error about a whole file is always printed."""

    def __init__(self, console: Console, limit: int = SHOWN_RECORD_ERRORS) -> None:
        self.console, self.limit, self.count, self.hidden = console, limit, 0, 0

    def __call__(self, e: RecordError) -> None:
        self.count += 1
        if e.line is None or self.count <= self.limit:
            where = f"{e.source}" + (f":{e.line}" if e.line else "")
            self.console.print(f"[yellow]{e.severity}:[/] {escape(where)}: {escape(e.reason)}", highlight=False)
        else:
            self.hidden += 1

    def close(self, out_dir: Path) -> None:
        if self.hidden:
            where = escape(str(out_dir / "errors.jsonl"))
            self.console.print(f"[yellow]…[/] {self.hidden:,} more record errors in {where}")
