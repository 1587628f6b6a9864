"""Where batch stages run: an `Engine` maps a picklable task over items, in order.

`SerialEngine` runs in this process (the in-memory twin); `ProcessEngine` uses local worker
processes. A distributed engine (Dask) only has to provide the same `map`.
"""

from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from itertools import chain, islice
from typing import Protocol, TypeVar

from dedup._util import heap
from dedup.errors import ConfigError

__all__ = [
    "BATCH_GC_THRESHOLD",
    "Engine",
    "ProcessEngine",
    "SerialEngine",
    "batch_gc",
    "default_engine",
    "start_batch_worker",
]

T = TypeVar("T")
R = TypeVar("R")

# Batch stages allocate millions of small containers that live until their shard is done (tokens,
# sets, memos) and hold no reference cycles of their own; at the default threshold (700) the
# collector keeps traversing them for nothing (Reuters scan: 0.8 s of 19 s CPU). A task's containers
# stay under 200,000: a worker then never collects (at 50,000, Reuters: 8 collections in the two
# workers, 0.18 s CPU, nothing found).
BATCH_GC_THRESHOLD = (200_000, 20, 20)


def _set_batch_gc() -> None:
    gc.set_threshold(*BATCH_GC_THRESHOLD)


# The glibc heap parameters a batch worker runs with.
_WORKER_MALLOC = ((heap.M_MMAP_THRESHOLD, 256 << 20), (heap.M_TRIM_THRESHOLD, 512 << 20), (heap.M_TOP_PAD, 64 << 20))


def _keep_heap() -> None:
    """Let a worker's heap keep the memory its tasks free for the next task.

    A task allocates and frees the same arrays of a few MB again and again; by default glibc maps
    each from the system and unmaps it when freed, and every page is faulted in afresh (Reuters scan:
    170,000 page faults). A no-op where there is no glibc.
    """
    heap.set_params(_WORKER_MALLOC)


def start_batch_worker() -> None:
    """Set up a worker process for batch stages (collector and heap); any engine's workers run it."""
    _set_batch_gc()
    _keep_heap()


@contextmanager
def batch_gc() -> Iterator[None]:
    """Collect garbage less often while a batch stage runs in this process (restored after)."""
    old = gc.get_threshold()
    _set_batch_gc()
    try:
        yield
    finally:
        gc.set_threshold(*old)


class Engine(Protocol):
    """Maps a module-level function over items and yields results in input order."""

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...


class SerialEngine:
    """Runs every task in this process."""

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        return map(fn, items)


class ProcessEngine:
    """Runs tasks in `workers` local processes (tasks and results must pickle).

    Used as a context manager, it keeps one pool of workers for every `map` until exit, so a scan's
    verify stage finds the workers' caches (content words, stemmed and hashed) warm from signing.
    """

    def __init__(self, workers: int | None = None) -> None:
        workers = workers or os.cpu_count() or 1
        if workers < 1:
            raise ConfigError("workers: use 1 or more worker processes")
        self.workers = workers
        self._depth = 0
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessEngine:
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if not self._depth and self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Results in input order; items are taken from `items` only as workers free up, so a
        stream of tasks (shards read from disk) is never held in memory whole."""
        stream = iter(items)
        head = list(islice(stream, 2))
        if self.workers == 1 or (len(head) <= 1 and self._pool is None):
            # One task: starting worker processes would cost more than it saves. Workers kept from
            # an earlier map run it still: their caches are warm (Reuters scan: a last verify task
            # of 145 pairs took 0.24 s here, cold).
            yield from map(fn, chain(head, stream))
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=start_batch_worker)
        pending: deque[Future[R]] = deque()
        try:
            for item in chain(head, stream):
                pending.append(self._pool.submit(fn, item))
                if len(pending) >= 2 * self.workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
            if not self._depth:
                self._pool.shutdown()
                self._pool = None


def default_engine(workers: int | None = None) -> Engine:
    """Worker processes when more than one core is asked for or available, else this process."""
    n = workers if workers is not None else (os.cpu_count() or 1)
    return ProcessEngine(n) if n > 1 else SerialEngine()
