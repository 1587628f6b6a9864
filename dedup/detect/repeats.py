"""Repeated blocks inside one article: runs of paragraphs or sentences printed again later.

A CMS glitch prints the same paragraphs twice; a careless edit repeats a sentence. Blocks match when
their normalized tokens are identical or their shingle sets nearly so; sentences match when their
normalized tokens are identical. Consecutive matches merge into one run, reported as the first
printing and the repeat.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xxhash

from dedup.document import Document
from dedup.segment import Span

__all__ = ["RepeatBlock", "find_repeats"]

MIN_SENTENCE_TOKENS = 6
MIN_BLOCK_TOKENS = 3
NEAR_JACCARD = 0.8


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


def find_repeats(doc: Document) -> list[RepeatBlock]:
    """Runs of blocks, then of sentences outside those runs, that occur again later in the text."""
    out: list[RepeatBlock] = []
    covered = np.zeros(doc.n_tokens, dtype=bool)
    for i, j, length in _runs(_block_pairs(doc)):
        first = (doc.blocks[i][0], doc.blocks[i + length - 1][1])
        repeat = (doc.blocks[j][0], doc.blocks[j + length - 1][1])
        out.append(RepeatBlock(first, repeat))
        for b in (*range(i, i + length), *range(j, j + length)):
            lo, hi = doc.block_tokens(b)
            covered[lo:hi] = True
    bounds = doc.sentence_bounds
    for i, j, length in _runs(_sentence_pairs(doc, covered)):
        first = doc.span_of_tokens(int(bounds[i][0]), int(bounds[i + length - 1][1]))
        repeat = doc.span_of_tokens(int(bounds[j][0]), int(bounds[j + length - 1][1]))
        out.append(RepeatBlock(first, repeat))
    return sorted(out, key=lambda r: r.first)
