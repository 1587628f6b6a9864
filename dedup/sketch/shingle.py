"""Word tokens, stable token hashes and word/character k-gram shingle hashes.

Shingles are never built as strings. A token's hash is a seeded function of its UTF-8 bytes: the
little-endian 8-byte words of the token combined with powers of an odd base (mod 2**64), plus its
length and a salt, finished with the MurmurHash3 64-bit mixer. A whole batch of texts is tokenized
and hashed in a few numpy passes over one byte buffer (one unaligned 8-byte load per token, more
only for tokens longer than 8 bytes). A k-gram's hash is an odd-multiplier combination of its token
hashes, mixed again and cut to 32 bits. `shingle_hash32` computes the same value from a shingle's
bytes in pure Python, so a datasketch MinHash given it as `hashfunc` reproduces our signatures bit
for bit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import xxhash

from dedup._util.arrays import offsets, unique_per_run
from dedup.config import ShingleConfig
from dedup.prepare.normalize import ASCII_FOLD, normalize

__all__ = [
    "TokenHasher",
    "char_shingles",
    "frame_bytes",
    "kgram_hashes",
    "kgram_hashes_many",
    "shingle_hash32",
    "text_bytes",
    "token_hash64",
    "token_spans",
    "word_tokens",
]

_WORD = re.compile(r"\w+(?:[.,'&]\w+)*")
_U64 = np.uint64
_MASK64 = (1 << 64) - 1
_LEN_MULT = 0x9E3779B97F4A7C15
# The low n bytes of a little-endian 8-byte word, n = 0..8.
_BYTE_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)
# Room after the last token so that an 8-byte load at any token position stays inside the buffer.
_TAIL = b"\n" * 8
# bytes.translate tables of the tokenizer's byte classes (a C-level lookup, several times faster than
# numpy fancy indexing). Every byte of a multi-byte UTF-8 character is a word byte: only the
# non-ASCII fallback (already tokenized, space-joined) puts such bytes in a buffer.
_WORD_BYTES = bytes(int(c >= 128 or re.fullmatch(r"\w", chr(c)) is not None) for c in range(256))
_JOIN_BYTES = bytes(int(c in b".,'&") for c in range(256))


def word_tokens(normalized: str) -> list[str]:
    """Word tokens of normalized text; numbers keep their inner points and commas (5.7, 10,000)."""
    return _WORD.findall(normalized)


def frame_bytes(pieces: Sequence[bytes]) -> tuple[bytes, np.ndarray]:
    """Join byte strings into one buffer for `token_spans`: newline-separated and framed.

    `offsets[i]` is where piece i starts, `offsets[-1]` one past the newline closing the last
    piece; 7 spare bytes follow (room for the 8-byte loads of `TokenHasher.span_hashes`).
    """
    offsets = np.ones(len(pieces) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)) + 1, out=offsets[1:])
    offsets[1:] += 1
    return b"\n" + b"\n".join(pieces) + _TAIL, offsets


def text_bytes(texts: Sequence[str]) -> tuple[bytes, np.ndarray]:
    """`frame_bytes` of every text in a form with the tokens of `word_tokens(normalize(text))`.

    ASCII texts are only case- and punctuation-folded (the TeX-quote and whitespace steps of
    normalize() move no token boundary); other texts go through the exact str path and contribute
    their space-joined tokens.
    """
    return frame_bytes(
        [
            t.encode("ascii").translate(ASCII_FOLD) if t.isascii() else " ".join(word_tokens(normalize(t))).encode()
            for t in texts
        ]
    )


def token_spans(buf: bytes, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token (starts, ends) in a `frame_bytes` buffer, and token bounds per piece.

    A byte is inside a token if it is a word byte, or a joiner (. , ' &) between two word bytes:
    on ASCII pieces exactly the matches of the `word_tokens` regex.
    """
    word = np.frombuffer(buf.translate(_WORD_BYTES), dtype=bool)
    inside = word.copy()
    inside[1:-1] |= np.frombuffer(buf.translate(_JOIN_BYTES), dtype=bool)[1:-1] & word[:-2] & word[2:]
    # The buffer starts and ends outside a token, so changes alternate start, end, start, ...
    edges = np.flatnonzero(inside[1:] != inside[:-1]) + 1
    starts, ends = edges[0::2], edges[1::2]
    return starts, ends, np.searchsorted(starts, offsets)


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> _U64(33))
    h = h * _U64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> _U64(33))


def _fmix64_int(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & _MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & _MASK64
    return h ^ (h >> 33)


def kgram_multipliers(k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 0x5EED)
    return rng.integers(0, 2**63, size=k, dtype=np.uint64) * _U64(2) + _U64(1)


@lru_cache(maxsize=64)
def _token_params(seed: int) -> tuple[int, int]:
    """Odd base and additive salt of the token hash for `seed`."""
    base, salt = np.random.default_rng([seed, 0x70CE]).integers(0, 2**63, size=2, dtype=np.uint64).tolist()
    return 2 * base + 1, 2 * salt


def token_hash64(token: bytes, seed: int) -> int:
    """Pure-Python twin of the vectorized token hash (one token's UTF-8 bytes)."""
    base, salt = _token_params(seed)
    acc, power = 0, 1
    for i in range(0, len(token), 8):
        acc = (acc + int.from_bytes(token[i : i + 8], "little") * power) & _MASK64
        power = (power * base) & _MASK64
    return _fmix64_int((acc + len(token) * _LEN_MULT + salt) & _MASK64)


class TokenHasher:
    """Seeded 64-bit token hashes and k-gram combination (one instance per worker).

    `token_hashes` of token lists keeps up to `cache_limit` hashes; the batch path needs no cache.
    """

    def __init__(self, config: ShingleConfig | None = None, cache_limit: int = 1 << 16) -> None:
        self.config = config or ShingleConfig()
        self._seed = self.config.seed
        self._mult = kgram_multipliers(self.config.k, self._seed)
        self._base, self._salt = _token_params(self._seed)
        self.cache: dict[str, int] = {}
        self._cache_limit = cache_limit

    def span_hashes(self, buf: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """uint64 hash of each token buf[starts[i]:ends[i]]; the buffer must have 7 bytes after the last end."""
        lengths = ends - starts
        if len(lengths) and int(ends.max()) + 7 > len(buf):
            raise ValueError("span_hashes needs 7 spare bytes after the last token (see text_bytes)")
        # Unaligned little-endian 8-byte loads at every byte offset: word i of a token is one gather.
        words = np.ndarray((max(len(buf) - 7, 0),), dtype="<u8", buffer=buf, strides=(1,))
        acc = words[starts] & _BYTE_MASKS[np.minimum(lengths, 8)]
        longer, i, power = np.flatnonzero(lengths > 8), 1, 1
        while len(longer):
            power = (power * self._base) & _MASK64
            rest = lengths[longer] - 8 * i
            acc[longer] += (words[starts[longer] + 8 * i] & _BYTE_MASKS[np.minimum(rest, 8)]) * _U64(power)
            longer, i = longer[rest > 8], i + 1
        acc += lengths.astype(np.uint64) * _U64(_LEN_MULT) + _U64(self._salt)
        return _fmix64(acc)

    def token_hashes(self, tokens: Sequence[str]) -> np.ndarray:
        """uint64 hash of each token (of its UTF-8 bytes; see `token_hash64`)."""
        # A dict lookup per token beats a dozen numpy calls on one short token list; misses are
        # hashed together in one vectorized call.
        cache = self.cache
        values = [cache.get(tok) for tok in tokens]
        if None in values:
            missing = [tok for tok, value in zip(tokens, values, strict=True) if value is None]
            fresh = self._hash_strs(missing).tolist()
            if len(cache) < self._cache_limit:
                cache.update(zip(missing, fresh, strict=True))
            it = iter(fresh)
            values = [next(it) if value is None else value for value in values]
        return np.array(values, dtype=np.uint64)

    def _hash_strs(self, tokens: list[str]) -> np.ndarray:
        joined = "".join(tokens)
        if joined.isascii():
            data, lengths = joined.encode("ascii"), map(len, tokens)
        else:
            encoded = [tok.encode("utf-8") for tok in tokens]
            data, lengths = b"".join(encoded), map(len, encoded)
        ends = np.fromiter(lengths, dtype=np.int64, count=len(tokens))
        np.cumsum(ends, out=ends)
        starts = np.empty_like(ends)
        starts[:1], starts[1:] = 0, ends[:-1]
        return self.span_hashes(data + _TAIL, starts, ends)

    def kgrams(self, token_hashes: np.ndarray) -> np.ndarray:
        """uint32 hashes of every word k-gram (one shingle of all tokens when fewer than k)."""
        return kgram_hashes(token_hashes, self._mult)

    def kgrams_many(self, token_hashes: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`kgrams` of every run token_hashes[bounds[i]:bounds[i+1]]: concatenated, and bounds per run."""
        return kgram_hashes_many(token_hashes, bounds, self._mult)

    def shingle_texts(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Word k-gram hashes of raw texts, concatenated, and bounds per text.

        Per text exactly `kgrams(token_hashes(word_tokens(normalize(text))))`, in a few passes per batch.
        """
        buf, offsets = text_bytes(texts)
        starts, ends, bounds = token_spans(buf, offsets)
        return self.kgrams_many(self.span_hashes(buf, starts, ends), bounds)

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


def kgram_hashes_many(
    token_hashes: np.ndarray, bounds: np.ndarray, multipliers: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`kgram_hashes` of every run token_hashes[bounds[i]:bounds[i+1]] in one pass: flat uint32, bounds."""
    k, bounds = len(multipliers), np.asarray(bounds, dtype=np.int64)
    counts = np.diff(bounds)
    grams = np.where(counts >= k, counts - k + 1, np.minimum(counts, 1))
    out_bounds = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(grams, out=out_bounds[1:])
    if out_bounds[-1] == 0:
        return np.empty(0, dtype=np.uint32), out_bounds
    # Every run is preceded by k-1 zero hashes, so no window mixes two runs, and a run shorter than
    # k is the window ending at its last token: weighted by the trailing multipliers, as above.
    shift = (k - 1) * np.arange(1, len(counts) + 1, dtype=np.int64)
    n_tokens = int(bounds[-1] - bounds[0])
    padded = np.zeros(n_tokens + (k - 1) * len(counts), dtype=np.uint64)
    padded[np.arange(n_tokens) + np.repeat(shift, counts)] = token_hashes[bounds[0] : bounds[-1]]
    m = len(padded) - k + 1
    acc, term = padded[:m] * multipliers[0], np.empty(m, dtype=np.uint64)
    for j in range(1, k):
        acc += np.multiply(padded[j : j + m], multipliers[j], out=term)
    # A run's last window starts k before its padded end; take its `grams` windows up to there.
    first = bounds[1:] - bounds[0] + shift - k - grams + 1
    idx = np.repeat(first - out_bounds[:-1], grams) + np.arange(out_bounds[-1])
    return (_fmix64(acc[idx]) >> _U64(32)).astype(np.uint32), out_bounds


def run_keys_many(
    token_hashes: np.ndarray, bounds: np.ndarray, multipliers: np.ndarray, sample: int
) -> tuple[np.ndarray, np.ndarray]:
    """The shared-run keys of every document token_hashes[bounds[i]:bounds[i+1]]: distinct 32-bit keys
    (uint64) and their document, by document. Word k-grams (k = len(multipliers)) whose hash is 0 modulo
    `sample` are chosen by content, so two texts sharing a run choose the same ones inside it (a run of
    k + sample words holds one on average)."""
    k, bounds = len(multipliers), np.asarray(bounds, dtype=np.int64)
    counts = np.diff(bounds)
    full = np.where(counts >= k, counts, 0)  # documents shorter than k words have no k-gram
    tokens = token_hashes[bounds[0] : bounds[-1]][np.repeat(counts >= k, counts)]
    grams, gram_bounds = kgram_hashes_many(tokens, offsets(full), multipliers)
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), np.diff(gram_bounds))
    chosen = grams % np.uint32(sample) == 0
    grams, owner = grams[chosen].astype(np.uint64), owner[chosen]
    # Folded to 32 bits, as the index's table holds them: a chance collision costs one verification.
    keys = (_fmix64(grams) >> _U64(32)).astype(np.uint32)
    distinct, cuts = unique_per_run(keys, np.searchsorted(owner, np.arange(len(counts) + 1)))
    return distinct.astype(np.uint64), np.repeat(np.arange(len(counts), dtype=np.int64), np.diff(cuts))


def shingle_hash32(shingle: bytes, multipliers: np.ndarray, seed: int) -> int:
    """Pure-Python twin of `kgram_hashes` for a single shingle (space-joined tokens)."""
    tokens = shingle.split(b" ")
    k = len(multipliers)
    mults = [int(x) for x in multipliers[k - len(tokens) :]]
    acc = 0
    for tok, mult in zip(tokens, mults, strict=True):
        acc = (acc + token_hash64(tok, seed) * mult) & _MASK64
    return _fmix64_int(acc) >> 32


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
