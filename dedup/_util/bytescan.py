"""Byte classes: tests on the bytes of ASCII text answered for many positions at once with numpy."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["byte_class", "skip_class"]


def byte_class(test: Callable[[str], bool]) -> np.ndarray:
    """A lookup table over the 256 byte values: True for the ASCII characters that pass `test`."""
    return np.array([c < 128 and test(chr(c)) for c in range(256)], dtype=bool)


def skip_class(raw: np.ndarray, at: np.ndarray, cls: np.ndarray, step: int = 1, most: int = -1) -> np.ndarray:
    """Each position moved past the bytes of class `cls` (forward; with step -1, back over the bytes
    before it), at most `most` bytes if that is not -1. Runs are short: a few vector steps."""
    at = at.copy()
    ahead = 0 if step > 0 else -1
    moving = np.flatnonzero(cls[raw[at + ahead]])
    while len(moving) and most != 0:
        at[moving] += step
        moving = moving[cls[raw[at[moving] + ahead]]]
        most -= 1
    return at
