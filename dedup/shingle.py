"""Word tokens, stable token hashes and word/character k-gram shingle hashes.

Shingles are never built as strings: each token is hashed once (xxh3, seeded, cached), and a k-gram's
hash is an odd-multiplier combination of its token hashes, finished with the 64-bit MurmurHash3 mixer
and cut to 32 bits. `shingle_hash32` computes the same value from a shingle's bytes, so a datasketch
MinHash given it as `hashfunc` reproduces our signatures bit for bit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import xxhash

from dedup.config import ShingleConfig

__all__ = ["TokenHasher", "char_shingles", "kgram_hashes", "shingle_hash32", "word_tokens"]

_WORD = re.compile(r"\w+(?:[.,'&]\w+)*")
_U64 = np.uint64
_MASK64 = (1 << 64) - 1


def word_tokens(normalized: str) -> list[str]:
    """Word tokens of normalized text; numbers keep their inner points and commas (5.7, 10,000)."""
    return _WORD.findall(normalized)


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> _U64(33))


def _multipliers(k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 0x5EED)
    return rng.integers(0, 2**63, size=k, dtype=np.uint64) * _U64(2) + _U64(1)


class TokenHasher:
    """Seeded, cached 64-bit token hashes and k-gram combination (one instance per worker)."""

    def __init__(self, config: ShingleConfig | None = None, cache_limit: int = 2_000_000) -> None:
        self.config = config or ShingleConfig()
        self._seed = self.config.seed
        self._mult = _multipliers(self.config.k, self._seed)
        self._cache: dict[str, int] = {}
        self._cache_limit = cache_limit

    def token_hashes(self, tokens: Sequence[str]) -> np.ndarray:
        """uint64 hash of each token."""
        cache = self._cache
        get = cache.get
        values = [get(tok) for tok in tokens]
        if None in values:
            seed, room = self._seed, len(cache) < self._cache_limit
            for i, tok in enumerate(tokens):
                if values[i] is None:
                    h = xxhash.xxh3_64_intdigest(tok.encode("utf-8"), seed)
                    values[i] = h
                    if room:
                        cache[tok] = h
        return np.array(values, dtype=np.uint64)

    def kgrams(self, token_hashes: np.ndarray) -> np.ndarray:
        """uint32 hashes of every word k-gram (one shingle of all tokens when fewer than k)."""
        return kgram_hashes(token_hashes, self._mult)

    def shingle_hash32(self, shingle: bytes) -> int:
        """Hash of one shingle given as space-joined normalized tokens (datasketch `hashfunc`)."""
        return shingle_hash32(shingle, self._mult, self._seed)


def kgram_hashes(token_hashes: np.ndarray, multipliers: np.ndarray) -> np.ndarray:
    """Combine token hashes into k-gram hashes; k = len(multipliers)."""
    n, k = len(token_hashes), len(multipliers)
    if n == 0:
        return np.empty(0, dtype=np.uint32)
    if n < k:
        # A block shorter than k words is one shingle, combined with the trailing multipliers
        # so that it equals what shingle_hash32 gives for the same tokens.
        acc = (token_hashes * multipliers[k - n :]).sum(dtype=np.uint64)
        return (_fmix64(np.array([acc], dtype=np.uint64)) >> _U64(32)).astype(np.uint32)
    m = n - k + 1
    acc = token_hashes[0:m] * multipliers[0]
    for j in range(1, k):
        acc = acc + token_hashes[j : j + m] * multipliers[j]
    return (_fmix64(acc) >> _U64(32)).astype(np.uint32)


def shingle_hash32(shingle: bytes, multipliers: np.ndarray, seed: int) -> int:
    """Pure-Python twin of `kgram_hashes` for a single shingle (space-joined tokens)."""
    tokens = shingle.split(b" ")
    k = len(multipliers)
    mults = [int(x) for x in multipliers[k - len(tokens) :]]
    acc = 0
    for tok, mult in zip(tokens, mults, strict=True):
        acc = (acc + xxhash.xxh3_64_intdigest(tok, seed) * mult) & _MASK64
    mixed = _fmix64(np.array([acc], dtype=np.uint64))
    return int(mixed[0] >> _U64(32))


def char_shingles(normalized: str, n: int = 4, seed: int = 0) -> np.ndarray:
    """Unique uint32 hashes of character n-grams (for short texts such as single sentences)."""
    if len(normalized) <= n:
        grams = [normalized] if normalized else []
    else:
        grams = [normalized[i : i + n] for i in range(len(normalized) - n + 1)]
    hashes = np.fromiter(
        (xxhash.xxh32_intdigest(g.encode("utf-8"), seed) for g in grams), dtype=np.uint32, count=len(grams)
    )
    return np.unique(hashes)
