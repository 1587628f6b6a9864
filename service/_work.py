"""Bounded work per request: a budget each, stopped when the client leaves or the server drains."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from fastapi import Request

from dedup.index.budget import WorkBudget
from service.errors import WorkStoppedError

__all__ = ["WorkTracker", "run_budgeted"]

T = TypeVar("T")
# How often a request waiting on its work looks whether its client is still there.
_POLL_SECONDS = 0.1
# A check answers at most this long after its budget's seconds, whatever verification is under way.
_GRACE_SECONDS = 0.25
# Requests whose work runs at once (as many as FastAPI's own thread pool, anyio's default limit).
_THREADS = 40


class WorkTracker:
    """The budgets of the requests in flight, so that a draining server can stop them all."""

    def __init__(self, max_candidates: int, seconds: float) -> None:
        self.max_candidates = max_candidates
        self.seconds = seconds
        self.draining = threading.Event()
        self.abandoned = 0
        self._active: set[int] = set()
        self._budgets: dict[int, WorkBudget] = {}
        self._lock = threading.Lock()
        # A plain executor rather than anyio's worker threads (run_in_threadpool): the work of every request
        # crosses to a thread and back, and anyio's cancel scopes and limiter cost more than the crossing.
        # Made on first use and shut down by `close`, so that an app started again gets fresh threads.
        self._threads: ThreadPoolExecutor | None = None

    def start(self) -> WorkBudget:
        """A fresh budget, already cancelled if the server is draining."""
        budget = WorkBudget(self.max_candidates, self.seconds)
        with self._lock:
            self._budgets[id(budget)] = budget
        if self.draining.is_set():
            budget.cancel()
        return budget

    def finish(self, budget: WorkBudget) -> None:
        with self._lock:
            self._budgets.pop(id(budget), None)

    def drain(self) -> None:
        """Stop the work of every request in flight at its next candidate; refuse new work."""
        self.draining.set()
        with self._lock:
            budgets = list(self._budgets.values())
        for budget in budgets:
            budget.cancel()

    def resume(self) -> None:
        """Take work again: an app started again after a shutdown serves as a new one does."""
        self.draining.clear()

    def close(self) -> None:
        """Wait for the worker threads to end their work (a drained budget stops it at its next candidate)
        and end them: the store may be closed once this returns."""
        with self._lock:
            threads, self._threads = self._threads, None
        if threads is not None:
            threads.shutdown(wait=True, cancel_futures=True)

    def submit(self, work: Callable[[WorkBudget], T], budget: WorkBudget) -> asyncio.Future[T]:
        """`work(budget)` on a worker thread, in a copy of the caller's context (as `asyncio.to_thread`)."""
        with self._lock:
            if self._threads is None:
                self._threads = ThreadPoolExecutor(_THREADS, thread_name_prefix="work")
            threads = self._threads
        context = contextvars.copy_context()
        return asyncio.get_running_loop().run_in_executor(threads, context.run, work, budget)

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._budgets)


async def run_budgeted(
    request: Request,
    tracker: WorkTracker,
    work: Callable[[WorkBudget], T],
    on_deadline: Callable[[WorkBudget], T] | None = None,
) -> T:
    """`work(budget)` in a worker thread (off the event loop); its budget is cancelled if the client leaves.

    Work stops between candidates, so one slow verification can overrun the budget's seconds; with
    `on_deadline`, the answer does not wait for it: at the deadline the work is cancelled and the answer
    is `on_deadline(budget)` (what was found so far). Without it (an add, which must store before it
    answers) the answer comes when the current verification ends.
    """
    budget = tracker.start()
    task = tracker.submit(work, budget)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=_POLL_SECONDS)
            if done:
                return task.result()
            if on_deadline is not None and budget.elapsed >= budget.seconds + _GRACE_SECONDS:
                budget.cancel()
                return on_deadline(budget)
            if not budget.cancelled and await request.is_disconnected():
                tracker.abandoned += 1
                budget.cancel()
    except asyncio.CancelledError:
        # The drain deadline passed: stop the thread too, and tell the client to retry (503), not a bare 500.
        budget.cancel()
        raise WorkStoppedError("the server is stopping; send the request again") from None
    finally:
        tracker.finish(budget)
