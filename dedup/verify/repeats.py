"""Repeated blocks inside one article: runs of paragraphs or sentences printed again later.

A CMS glitch prints the same paragraphs twice; a careless edit repeats a sentence. Blocks match when
their normalized tokens are identical or their shingle sets nearly so; sentences match when their
normalized tokens are identical. Consecutive matches merge into one run, reported as the first
printing and the repeat, when the run is prose: table rows and column headings that recur ("Pay
May 15 / Record May 15", a season's "1986/87 1985/86" heading over each block of a table) are the
layout of a table, not a glitch, and are not reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xxhash

from dedup._util.arrays import unique
from dedup.prepare.document import Document, Joined
from dedup.prepare.segment import Span

__all__ = ["RepeatBlock", "find_repeats", "repeat_suspects"]

MIN_SENTENCE_TOKENS = 6
MIN_BLOCK_TOKENS = 3
NEAR_JACCARD = 0.8
MIN_PROSE_WORDS = 8  # words (tokens without a digit) a repeated run needs to be prose
MAX_PROSE_FIGURES = 0.3  # share of a prose run's tokens that may carry digits


@dataclass(frozen=True)
class RepeatBlock:
    """A run printed twice in one text: character spans of the first printing and of the repeat."""

    first: Span
    repeat: Span


def _fingerprint(doc: Document, lo: int, hi: int) -> int:
    return xxhash.xxh3_64_intdigest(doc.token_hashes[lo:hi].tobytes())


def _near(x: np.ndarray, y: np.ndarray) -> bool:
    if len(x) == 0 or len(y) == 0:
        return False
    inter = len(np.intersect1d(x, y, assume_unique=True))
    return inter / (len(x) + len(y) - inter) >= NEAR_JACCARD


def _block_pairs(doc: Document) -> set[tuple[int, int]]:
    """Pairs (i, j), i < j, of blocks with identical or nearly identical text."""
    seen: dict[int, list[int]] = {}
    by_min: dict[int, list[int]] = {}
    pairs: set[tuple[int, int]] = set()
    shingles = doc.block_shingles
    for j in range(len(doc.blocks)):
        lo, hi = doc.block_tokens(j)
        if hi - lo < MIN_BLOCK_TOKENS:
            continue
        key = _fingerprint(doc, lo, hi)
        pairs.update((i, j) for i in seen.get(key, []))
        seen.setdefault(key, []).append(j)
        # Nearly identical blocks very likely share their smallest shingle hash (a one-hash MinHash).
        if len(shingles[j]):
            smallest = int(shingles[j][0])
            pairs.update((i, j) for i in by_min.get(smallest, []) if _near(shingles[i], shingles[j]))
            by_min.setdefault(smallest, []).append(j)
    return pairs


def _runs(pairs: set[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """Maximal diagonal runs (i, j, length) of matched pairs, first printing before the repeat."""
    runs = []
    for i, j in sorted(pairs):
        if (i - 1, j - 1) in pairs:
            continue
        length = 1
        while (i + length, j + length) in pairs and i + length < j:
            length += 1
        runs.append((i, j, length))
    return runs


def _sentence_pairs(doc: Document, covered: np.ndarray) -> set[tuple[int, int]]:
    seen: dict[int, list[int]] = {}
    pairs: set[tuple[int, int]] = set()
    any_covered = bool(covered.any())
    for j, (lo, hi) in enumerate(doc.sentence_bounds.tolist()):
        if hi - lo < MIN_SENTENCE_TOKENS or (any_covered and covered[lo:hi].all()):
            continue
        key = _fingerprint(doc, lo, hi)
        pairs.update((i, j) for i in seen.get(key, []))
        seen.setdefault(key, []).append(j)
    return pairs


def _is_prose(doc: Document, lo: int, hi: int) -> bool:
    """Tokens lo..hi-1 read as prose: enough words, few figures."""
    tokens = doc.tokens[lo:hi]
    figures = sum(1 for t in tokens if any(c.isdigit() for c in t))
    return len(tokens) - figures >= MIN_PROSE_WORDS and figures <= MAX_PROSE_FIGURES * len(tokens)


def find_repeats(doc: Document) -> list[RepeatBlock]:
    """Runs of blocks, then of sentences outside those runs, that occur again later in the text
    (prose only: `_is_prose`)."""
    out: list[RepeatBlock] = []
    covered = np.zeros(doc.n_tokens, dtype=bool)
    for i, j, length in _runs(_block_pairs(doc)):
        if not _is_prose(doc, doc.block_tokens(i)[0], doc.block_tokens(i + length - 1)[1]):
            continue
        first = (doc.blocks[i][0], doc.blocks[i + length - 1][1])
        repeat = (doc.blocks[j][0], doc.blocks[j + length - 1][1])
        out.append(RepeatBlock(first, repeat))
        for b in (*range(i, i + length), *range(j, j + length)):
            lo, hi = doc.block_tokens(b)
            covered[lo:hi] = True
    bounds = doc.sentence_bounds
    for i, j, length in _runs(_sentence_pairs(doc, covered)):
        if not _is_prose(doc, int(bounds[i][0]), int(bounds[i + length - 1][1])):
            continue
        first = doc.span_of_tokens(int(bounds[i][0]), int(bounds[i + length - 1][1]))
        repeat = doc.span_of_tokens(int(bounds[j][0]), int(bounds[j + length - 1][1]))
        out.append(RepeatBlock(first, repeat))
    return sorted(out, key=lambda r: r.first)


_U64 = np.uint64
# Odd multipliers mixing a run's two sums and its length into one sort key.
_MIX = (_U64(0x9E3779B97F4A7C15), _U64(0xC2B2AE3D27D4EB4F))


def _run_keys(hashes: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """One uint64 key per token run (lo, hi): equal runs of token hashes get equal keys.

    The key mixes the run's length, the sum of its hashes and their sum weighted by position in
    the run, all from two prefix sums (arithmetic mod 2**64 on both sides).
    """
    position = np.arange(1, len(hashes) + 1, dtype=_U64)
    plain, weighted = np.zeros(len(hashes) + 1, dtype=_U64), np.zeros(len(hashes) + 1, dtype=_U64)
    np.cumsum(hashes, out=plain[1:])
    np.cumsum(hashes * position, out=weighted[1:])
    lo, hi = bounds[:, 0], bounds[:, 1]
    total = plain[hi] - plain[lo]
    # sum of h_i * (i + 1 - lo): the weights start at 1 in every run, wherever it lies.
    shifted = weighted[hi] - weighted[lo] - lo.astype(_U64) * total
    return total ^ (shifted * _MIX[0]) ^ ((hi - lo).astype(_U64) * _MIX[1])


def _twin_owners(owner: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Owners holding some key twice (one sort by owner, then key)."""
    order = np.lexsort((key, owner))
    o, k = owner[order], key[order]
    twin = (o[1:] == o[:-1]) & (k[1:] == k[:-1])
    return o[1:][twin]


def repeat_suspects(joined: Joined, shingles: np.ndarray, shingle_bounds: np.ndarray) -> np.ndarray:
    """Sorted indices of the documents in which `find_repeats` may find something.

    A superset, from a few sorts over all the documents (`joined` is `join_documents(docs)`): those
    with two blocks of one smallest shingle (what `_block_pairs` asks of near blocks, and identical
    blocks have too), or two long sentences of one key (`_run_keys`). `shingles` and
    `shingle_bounds` are every block's sorted shingles (`block_shingles_many`).
    """
    sizes = np.diff(joined.block_bounds)
    shingled = (sizes >= MIN_BLOCK_TOKENS) & (np.diff(shingle_bounds) > 0)
    smallest = shingles[shingle_bounds[:-1][shingled]].astype(_U64)
    bounds = joined.sentence_bounds
    long = bounds[:, 1] - bounds[:, 0] >= MIN_SENTENCE_TOKENS
    found = [
        _twin_owners(joined.block_owner[shingled], smallest),
        _twin_owners(joined.sentence_owner[long], _run_keys(joined.hashes.astype(_U64), bounds[long])),
    ]
    return unique(np.concatenate(found))
