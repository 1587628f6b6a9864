"""A pure function of a token, looked up for a whole array of tokens at once by their 64-bit hashes.

Documents carry a seeded 64-bit hash of every token (`Document.token_hashes`). Per-token classes
(a content word's stemmed id, whether a word is a stopword) are pure functions of the token, so a
direct-mapped table indexed by the hash's low bits answers most tokens of a corpus with three numpy
gathers instead of one dict lookup per token. Misses (a token not seen yet, or whose slot another
token took) are computed in Python and take the slot.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["TokenTable"]


class TokenTable:
    """`table.lookup(hashes, token)[i]` is `function(token(i))`, for the uint64 hash `hashes[i]` of `token(i)`.

    Correct as long as two tokens never share a 64-bit hash (the shingles assume as much). `bits`
    sets the slots (2**bits, 16 bytes each); the hashes' low bits must be well mixed (they are
    fmix64 outputs).
    """

    def __init__(self, function: Callable[[str], int], bits: int = 20) -> None:
        if not 1 <= bits <= 30:
            raise ValueError(f"bits: use 1 to 30 (got {bits})")
        self.function = function
        self._mask = np.uint64((1 << bits) - 1)
        self._keys = np.zeros(1 << bits, dtype=np.uint64)
        self._values = np.zeros(1 << bits, dtype=np.uint64)

    def lookup(self, hashes: np.ndarray, token: Callable[[int], str]) -> np.ndarray:
        """uint64 `function` of each token: `token(i)` gives the token of `hashes[i]` (asked only on a
        miss, so a caller passes `tokens.__getitem__` instead of building a list)."""
        slot = (hashes & self._mask).astype(np.intp)
        values = self._values[slot]
        # An empty slot holds key 0: a token hashing to 0 is never taken as found.
        miss = np.flatnonzero((self._keys[slot] != hashes) | (hashes == 0))
        if len(miss):
            function = self.function
            fresh = np.fromiter((function(token(i)) for i in miss.tolist()), dtype=np.uint64, count=len(miss))
            values[miss] = fresh
            self._keys[slot[miss]] = hashes[miss]
            self._values[slot[miss]] = fresh
        return values
