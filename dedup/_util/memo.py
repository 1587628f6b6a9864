"""A bounded memo of a pure function of one hashable argument, as a dict.

Looking a value up is one C-level dict access (`memo[key]`, or `map(memo.__getitem__, keys)`), several
times cheaper than a call; a miss calls the function and keeps the value while there is room.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

__all__ = ["Memo", "memos"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(dict[K, V], Generic[K, V]):
    """`memo[key]` is `function(key)`; at most `limit` values are kept."""

    def __init__(self, function: Callable[[K], V], limit: int, name: str | None = None) -> None:
        super().__init__()
        self.function = function
        self.limit = limit
        if name is not None:
            _NAMED[name] = self

    def __missing__(self, key: K) -> V:
        value = self.function(key)
        if len(self) < self.limit:
            self[key] = value
        return value


_NAMED: dict[str, Memo[Any, Any]] = {}


def memos() -> dict[str, Memo[Any, Any]]:
    """The process's named memos (module-level caches of pure functions), for measuring their memory."""
    return dict(_NAMED)
