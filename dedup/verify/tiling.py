"""Tile a pair: its verbatim passages, found by greedy tiling over word 3-gram hashes (exact, not
estimated).

Each tile is a run of at least `MIN_RUN` tokens present in both texts in the same order. Tiles whose
figures disagree between two texts whose figures mostly differ are template matches ("X mln stg"
poured into one daily form) and are dropped.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from dedup._util.arrays import isin_sorted
from dedup.prepare.document import Document
from dedup.verify.view import VERIFY_K, View, copied_figures, view

__all__ = ["MIN_RUN", "PROSE_RUN", "Tiling", "copied_figures_of", "covered_back", "jaccard", "tile_documents"]

MIN_RUN = 6
# A verbatim run this long is shared prose: no look-alike test may drop it, whatever figures the
# blocks around it carry (a form's frame breaks at each figure it changes, so its runs are shorter).
PROSE_RUN = 20
_MAX_CANDIDATE_POSITIONS = 16


@dataclass(frozen=True)
class Tiling:
    """The first step of `compare_documents`, a tiled against b: what some decisions need alone
    (`shortcut.unrelated_after_tiling`), so that verification aligns sentences only when it must."""

    in_b: np.ndarray  # per word 3-gram of a: found in b
    in_a: np.ndarray  # per word 3-gram of b: found in a
    tiles: list[tuple[int, int, int, int]]  # a's verbatim tiles in b (none when `template`)
    template: bool
    covered_a: np.ndarray  # per token of a: inside a tile


def tile_documents(da: Document, db: Document) -> Tiling:
    """Tile a against b (`Tiling`)."""
    va, vb = view(da), view(db)
    in_b, in_a = isin_sorted(va.grams, vb.distinct), isin_sorted(vb.grams, va.distinct)
    tiles, template = _drop_template_tiles(da, db, _tiles(va.gram_list, vb.gram_list, in_b, in_a))
    cov_a = _coverage(da.n_tokens, [(t[0], t[1]) for t in tiles])
    return Tiling(in_b, in_a, tiles, template, cov_a)


def copied_figures_of(da: Document, tiling: Tiling) -> int:
    """Figures of a inside its verbatim tiles (`view.copied_figures`): a form filled in again changes
    these. Apart from `tile_documents`: a pair vetoed on its tiles never asks (nor a's figures)."""
    return _copied_figures(view(da), tiling.tiles, tiling.covered_a)


def covered_back(da: Document, db: Document, tiling: Tiling) -> np.ndarray:
    """Per token of b: inside a tile of b against a (none for a template). Each side's coverage comes
    from tiling it against the other: a passage printed twice in b is covered both times, though
    tiling a against b pairs it only once."""
    back = [] if tiling.template else _tiles(view(db).gram_list, view(da).gram_list, tiling.in_a, tiling.in_b)
    return _coverage(db.n_tokens, [(t[0], t[1]) for t in back])


def _tiles(ha: list[int], hb: list[int], starts: np.ndarray, in_b: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Greedy tiling: maximal common runs of 3-gram hashes, as token ranges (a_lo, a_hi, b_lo, b_hi).

    `starts`: the positions in a whose 3-gram occurs in b; `in_b`: the same mask for b. A run can
    only start at one of them, so the rest of a is skipped without a Python step per token.
    """
    where: dict[int, list[int]] = {}
    for j in in_b.nonzero()[0].tolist():
        where.setdefault(hb[j], []).append(j)
    out, i, n, m = [], 0, len(ha), len(hb)
    for s in starts.nonzero()[0].tolist():
        if s < i:
            continue
        best, bj = 0, 0
        for j in where[ha[s]][:_MAX_CANDIDATE_POSITIONS]:
            length = 1
            while s + length < n and j + length < m and ha[s + length] == hb[j + length]:
                length += 1
            if length > best:
                best, bj = length, j
        tokens = best + VERIFY_K - 1
        if tokens >= MIN_RUN:
            out.append((s, s + tokens, bj, bj + tokens))
        i = s + best
    return out


def _drop_template_tiles(
    da: Document, db: Document, tiles: list[tuple[int, int, int, int]]
) -> tuple[list[tuple[int, int, int, int]], bool]:
    """Drop every tile when the shared wording only ever joins blocks whose figures disagree, and
    none of it is a long run of prose (`PROSE_RUN`)."""
    if not tiles or any(a_hi - a_lo >= PROSE_RUN for a_lo, a_hi, _, _ in tiles):
        return tiles, False
    na, nb = view(da).numbers(da), view(db).numbers(db)
    if not na or not nb or jaccard(na, nb) >= 0.5:
        return tiles, False
    disagree = agree = 0
    cuts_a, cuts_b = da.block_bounds.tolist(), db.block_bounds.tolist()
    for a_lo, _, b_lo, _ in tiles:
        fa, fb = da.block_numbers(bisect_right(cuts_a, a_lo) - 1), db.block_numbers(bisect_right(cuts_b, b_lo) - 1)
        if fa and fb:
            if jaccard(fa, fb) >= 0.5:
                agree += 1
            else:
                disagree += 1
    if disagree and not agree:
        return [], True
    return tiles, False


def jaccard(x: frozenset[str] | set[str], y: frozenset[str] | set[str]) -> float:
    """Shared over all, of two sets (1.0 for two empty ones)."""
    return len(x & y) / len(x | y) if x or y else 1.0


def _coverage(n: int, ranges: list[tuple[int, int]]) -> np.ndarray:
    """Per token of n: inside one of `ranges` (a pair has a few tiles: a slice each is cheaper than
    a running sum over every token)."""
    mask = np.zeros(n, dtype=bool)
    for lo, hi in ranges:
        mask[lo:hi] = True
    return mask


def _copied_figures(v: View, tiles: list[tuple[int, int, int, int]], covered: np.ndarray) -> int:
    """Figures inside verbatim passages (`view.copied_figures`): a form filled in again changes these."""
    if not tiles or not v.figure_tokens:
        return 0
    return copied_figures(v.figure_tokens[k] for k in covered[v.figure_at].nonzero()[0].tolist())
