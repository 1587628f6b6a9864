"""Where batch stages run: an `Engine` maps a picklable task over items, in order.

`SerialEngine` runs in this process (the in-memory twin); `ProcessEngine` uses local worker
processes. A distributed engine (Dask) only has to provide the same `map`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Protocol, TypeVar

from dedup.errors import ConfigError

__all__ = ["Engine", "ProcessEngine", "SerialEngine", "default_engine"]

T = TypeVar("T")
R = TypeVar("R")


class Engine(Protocol):
    """Maps a module-level function over items and yields results in input order."""

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...


class SerialEngine:
    """Runs every task in this process."""

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        return map(fn, items)


class ProcessEngine:
    """Runs tasks in `workers` local processes (tasks and results must pickle)."""

    def __init__(self, workers: int | None = None) -> None:
        workers = workers or os.cpu_count() or 1
        if workers < 1:
            raise ConfigError("workers: use 1 or more worker processes")
        self.workers = workers

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        batch = list(items)
        if self.workers == 1 or len(batch) <= 1:
            yield from map(fn, batch)
            return
        with ProcessPoolExecutor(max_workers=min(self.workers, len(batch))) as pool:
            yield from pool.map(fn, batch)


def default_engine(workers: int | None = None) -> Engine:
    """Worker processes when more than one core is asked for or available, else this process."""
    n = workers if workers is not None else (os.cpu_count() or 1)
    return ProcessEngine(n) if n > 1 else SerialEngine()
