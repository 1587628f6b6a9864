"""Bounded work per request: a budget each, stopped when the client leaves or the server drains."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from dedup.budget import WorkBudget

__all__ = ["WorkTracker", "run_budgeted"]

T = TypeVar("T")
# How often a request waiting on its work looks whether its client is still there.
_POLL_SECONDS = 0.1


class WorkTracker:
    """The budgets of the requests in flight, so that a draining server can stop them all."""

    def __init__(self, max_candidates: int, seconds: float) -> None:
        self.max_candidates = max_candidates
        self.seconds = seconds
        self.draining = threading.Event()
        self._active: set[int] = set()
        self._budgets: dict[int, WorkBudget] = {}
        self._lock = threading.Lock()

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

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._budgets)


async def run_budgeted(request: Request, tracker: WorkTracker, work: Callable[[WorkBudget], T]) -> T:
    """`work(budget)` in a worker thread (off the event loop); its budget is cancelled if the client leaves."""
    budget = tracker.start()
    task = asyncio.ensure_future(run_in_threadpool(work, budget))
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=_POLL_SECONDS)
            if done:
                return task.result()
            if not budget.cancelled and await request.is_disconnected():
                budget.cancel()
    except asyncio.CancelledError:
        budget.cancel()  # the server gave up waiting (drain deadline): stop the thread too
        raise
    finally:
        tracker.finish(budget)
