"""A work budget: how much one request may verify before it answers with what it has."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from dedup.errors import ConfigError

__all__ = ["WorkBudget"]


@dataclass
class WorkBudget:
    """At most `max_candidates` verified and `seconds` spent, and nothing more once `cancel` is called.

    The index checks it between candidates; a budget that runs out makes a report `truncated`. `stop`
    is shared with whoever may call `cancel` (a client that left, a server draining on SIGTERM).
    """

    max_candidates: int = 1000
    seconds: float = 10.0
    stop: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)
    partial: Any = None
    """What the work has found so far (the index puts its report here), for an answer that cannot wait."""

    def __post_init__(self) -> None:
        if self.max_candidates < 1:
            raise ConfigError("max_candidates: use 1 or more")
        if self.seconds <= 0:
            raise ConfigError("seconds: use a positive number of seconds")

    def cancel(self) -> None:
        """Stop at the next candidate."""
        self.stop.set()

    @property
    def cancelled(self) -> bool:
        return self.stop.is_set()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def exhausted(self, verified: int) -> bool:
        """Whether work must stop now, `verified` candidates in."""
        return verified >= self.max_candidates or self.stop.is_set() or time.monotonic() - self.started >= self.seconds
