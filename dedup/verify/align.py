"""Verify a candidate pair: verbatim tiles, reworded sentences, and the features its relation rests on.

Verbatim passages are the pair's tiles (`dedup.verify.tiling`). Sentences not copied verbatim are
paired with their most similar sentence in the other text by IDF-weighted content-word overlap,
which finds close rewording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from dedup._util.arrays import isin_sorted, unique
from dedup.prepare.document import Document
from dedup.prepare.facts import mantissa_digits, roundable, rounded_match
from dedup.prepare.segment import Span
from dedup.sketch.idf import IdfTable
from dedup.verify.tiling import Tiling, copied_figures_of, covered_back, jaccard, tile_documents
from dedup.verify.view import Figures, figures, title_words, view

__all__ = [
    "PairFeatures",
    "Passage",
    "SentenceMatch",
    "compare_documents",
    "figures_kept",
    "lead_words_shared",
    "leads_swapped",
    "numbers_contained",
    "titles_agree",
]

MERGE_GAP = 4


@dataclass(frozen=True)
class Passage:
    """A shared passage: character spans in a and in b, copied `verbatim` or `rewritten`."""

    a: Span
    b: Span
    kind: str


class SentenceMatch(NamedTuple):
    """One sentence of one side and its best counterpart on the other side."""

    # A named tuple, not a frozen dataclass: a pair makes one per sentence of each side, and a
    # frozen dataclass's __init__ costs four times as much.

    tokens: int
    verbatim: float
    similarity: float
    shared_words: int
    numbers_agree: bool
    names_agree: bool
    span: Span
    other_span: Span
    other_index: int


@dataclass(frozen=True)
class PairFeatures:
    """Exact measurements of how much of each side is found in the other, and how."""

    a_tokens: int
    b_tokens: int
    verbatim_a: float
    verbatim_b: float
    matched_a: float
    matched_b: float
    added_a: int
    added_b: int
    cosine: float
    shared_facts: int
    facts_a: int
    facts_b: int
    numbers_contained: bool
    titles_agree: bool
    template: bool
    tiles: tuple[Passage, ...] = field(repr=False)
    sentences_a: tuple[SentenceMatch, ...] = field(repr=False)
    sentences_b: tuple[SentenceMatch, ...] = field(repr=False)
    copied_figures: int = 0  # figures copied verbatim, counted as in `_copied_figures`
    figures_kept: float = 1.0  # share of the shorter side's figures, counts and dates in the other
    # Each lead holds a figure the other's lacks: the two leads filled in with other values.
    lead_figures_swapped: bool = False
    lead_words_shared: float = 0.0  # share of the smaller lead's content words in the other lead
    containment_a: float = 0.0  # share of a's word 3-grams found in b
    containment_b: float = 0.0
    pairs_low: float = 0.0  # share of word pairs shared, of the side with fewer found
    longest_run: int = 0  # tokens of the longest verbatim passage


def _shorter_first(da: Document, db: Document) -> tuple[Figures, Figures]:
    """The shorter text's figures, then the longer one's."""
    return (figures(da), figures(db)) if da.n_tokens <= db.n_tokens else (figures(db), figures(da))


def numbers_contained(da: Document, db: Document) -> bool:
    """No figure contradicts: most of the shorter text's figures and dates appear in the longer one,
    as printed or rounded (a trim or a retelling keeps them; a form filled in for another company or
    day does not), or one at most is left out and the longer one prints none the shorter lacks (a
    detail dropped, "Local 995" told as "her local", contradicts nothing; a table whose every value
    became a word, "nil", is another day's table)."""
    # Counts stay out: a form's fixed terms ("three months", "six-day") agree in every filling-in.
    short, long_ = _shorter_first(da, db)
    mine = short.numbers
    found = _found_in(mine, long_)
    return found >= 0.5 * len(mine) or (len(mine) - found <= 1 and long_.numbers <= short.every)


def figures_kept(da: Document, db: Document) -> float:
    """Share of the shorter text's figures found in the longer one, small counts and dates included
    (1.0 when it has none): a correction changes one or two of them, a form filled in again most."""
    short, long_ = _shorter_first(da, db)
    mine = short.counted
    return _found_in(mine, long_) / len(mine) if mine else 1.0


def _found_in(facts: frozenset[str], theirs: Figures) -> int:
    """How many of `facts` the other text prints, as printed or rounded (`_rounded_in`)."""
    return sum(1 for f in facts if f in theirs.every or _rounded_in(f, theirs))


def _rounded_in(fact: str, theirs: Figures) -> bool:
    """A second release prints the same results rounded ("13.5 mln" for "13,555,000"): `fact` is a
    rounding of one of `theirs`, or one of them a rounding of it."""
    # `rounded_match` only pairs "num:" with "num:" and "money:" with "money:", and a coarse figure
    # of two significant digits or more with a finer one: only those pairs are asked, each one way.
    # Only figures `rounded_match` can pair at all are asked (`Figures.roundable`).
    if not roundable(fact):
        return False
    digits = mantissa_digits(fact)
    for other, other_digits in theirs.roundable.get(fact.partition(":")[0], ()):
        if other_digits > digits >= 2 and rounded_match(fact, other):
            return True
        if digits > other_digits >= 2 and rounded_match(other, fact):
            return True
    return False


def titles_agree(ta: str | None, tb: str | None) -> bool:
    """Headlines that name the same story: half their content words shared (True when one is missing)."""
    if not ta or not tb:
        return True
    wa, wb = title_words(ta), title_words(tb)
    if not wa or not wb:
        return True
    return jaccard(wa, wb) >= 0.5


def _merge_passages(da: Document, db: Document, tiles: list[tuple[int, int, int, int]]) -> list[Passage]:
    """Join tiles separated on both sides by a small edit into one lightly edited passage."""
    merged: list[list[int]] = []
    for a_lo, a_hi, b_lo, b_hi in sorted(tiles):
        last = merged[-1] if merged else None
        if last and 0 <= a_lo - last[1] <= MERGE_GAP and 0 <= b_lo - last[3] <= MERGE_GAP:
            last[1], last[3] = max(last[1], a_hi), max(last[3], b_hi)
        else:
            merged.append([a_lo, a_hi, b_lo, b_hi])
    return [
        Passage(da.span_of_tokens(a_lo, a_hi), db.span_of_tokens(b_lo, b_hi), "verbatim")
        for a_lo, a_hi, b_lo, b_hi in merged
    ]


def _running_count(mask: np.ndarray) -> np.ndarray:
    """Running count of the true values of `mask`, from 0 (one value more than `mask`): a range's
    count is the difference of two, so each share below is the exact ratio of two integers."""
    out = np.zeros(len(mask) + 1, dtype=np.int64)
    np.cumsum(mask, out=out[1:])
    return out


def _means(counts: list[int], ranges: list[tuple[int, int]]) -> list[float]:
    """Mean of a 0/1 mask over each [lo, hi) of `ranges` (0 for an empty range), from the mask's
    running count read at each range's lo and hi in turn (`counts`)."""
    return [(counts[2 * k + 1] - counts[2 * k]) / (hi - lo) if hi > lo else 0.0 for k, (lo, hi) in enumerate(ranges)]


@dataclass(frozen=True)
class _Shares:
    """One side's shares inside verbatim passages (of its tokens, each sentence, each block) and
    of each block's 3-grams found in the other side."""

    verbatim: float
    sentences: list[float]
    blocks: list[float]
    block_grams: list[float]


def _shares(doc: Document, covered: np.ndarray, shared3: np.ndarray | None) -> _Shares:
    """`_Shares` of one side (`shared3`: per 3-gram, found in the other; None: none counted)."""
    ranges = view(doc).ranges(doc)
    running = _running_count(covered)
    counts = running[ranges.token_cuts].tolist()
    cut = 2 * len(ranges.sentences)
    sentences, blocks = _means(counts[:cut], ranges.sentences), _means(counts[cut:], ranges.blocks)
    if shared3 is None:
        grams = [0.0] * len(ranges.blocks)
    else:
        grams = _means(_running_count(shared3)[ranges.gram_cuts].tolist(), ranges.gram_blocks)
    return _Shares(int(running[-1]) / doc.n_tokens if doc.n_tokens else 0.0, sentences, blocks, grams)


def _matched(doc: Document, shares: _Shares) -> tuple[float, int]:
    """Share of tokens in matched blocks, and tokens in unmatched blocks at the text's edges.

    A block is matched when verbatim passages cover half of it, or when half of its word 3-grams
    are found in the other text (a short paragraph with two edits has no long verbatim run).
    Unmatched blocks before the first and after the last matched one wrap the story (a site's
    header and footer, an added lead-in or follow-up); unmatched blocks inside it are edits.
    """
    if doc.n_tokens == 0:
        return 0.0, 0
    sizes = [hi - lo for lo, hi in view(doc).ranges(doc).blocks]
    ok = [n > 0 and (v >= 0.5 or g >= 0.5) for n, v, g in zip(sizes, shares.blocks, shares.block_grams, strict=True)]
    matched = sum(n for n, good in zip(sizes, ok, strict=True) if good)
    if not any(ok):
        return 0.0, doc.n_tokens
    first, last = ok.index(True), len(ok) - 1 - ok[::-1].index(True)
    return matched / doc.n_tokens, sum(sizes[:first]) + sum(sizes[last + 1 :])


def _presence(n_sentences: int, rows: tuple[np.ndarray, np.ndarray, np.ndarray], vocab: np.ndarray) -> np.ndarray:
    """Per sentence, over `vocab`: content-word presence (0/1)."""
    presence = np.zeros((n_sentences, len(vocab)), dtype=np.float32)
    sentence_of, buckets, _ = rows
    presence[sentence_of, vocab.searchsorted(buckets)] = 1.0
    return presence


def _names_agree(x: frozenset[str], y: frozenset[str]) -> bool:
    """Two sentences about the same actors: most names of the one with fewer are in the other.

    One name on a side is too little to judge (a sentence may open with its only name).
    """
    if len(x) < 2 or len(y) < 2:
        return True
    return len(x & y) >= 0.75 * min(len(x), len(y))


def _best_matches(
    da: Document, db: Document, sim: np.ndarray, shared: np.ndarray, verbatims: list[float]
) -> tuple[SentenceMatch, ...]:
    """Each sentence of a and its most similar sentence of b (`verbatims`: each sentence of a's
    share in verbatim passages)."""
    sentences = view(da).ranges(da).sentences
    if not sentences:
        return ()
    sizes = [hi - lo for lo, hi in sentences]
    spans_a = view(da).sentence_spans(da)
    if not sim.shape[1]:
        return tuple(
            SentenceMatch(size, 0.0, 0.0, 0, False, False, span, (0, 0), -1)
            for size, span in zip(sizes, spans_a, strict=True)
        )
    best_at = sim.argmax(axis=1)
    sims, counts, best = sim.max(axis=1).tolist(), shared[np.arange(len(sentences)), best_at].tolist(), best_at.tolist()
    spans_b = view(db).sentence_spans(db)
    numbers_a, numbers_b = da.sentence_numbers, db.sentence_numbers
    names_a, names_b = da.sentence_names, db.sentence_names
    out = []
    for i, j in enumerate(best):
        fa, fb = numbers_a[i], numbers_b[j]
        agree = not (fa and fb) or jaccard(fa, fb) >= 0.5
        names = _names_agree(names_a[i], names_b[j])
        match = SentenceMatch(sizes[i], verbatims[i], sims[i], int(counts[i]), agree, names, spans_a[i], spans_b[j], j)
        out.append(match)
    return tuple(out)


def _align_sentences(
    da: Document, db: Document, idf: IdfTable, shares_a: _Shares, shares_b: _Shares
) -> tuple[tuple[SentenceMatch, ...], tuple[SentenceMatch, ...], float]:
    """Both sides' `_best_matches` and the TF-IDF cosine."""
    rows_a = view(da).content_rows(da, idf.n_buckets)
    rows_b = view(db).content_rows(db, idf.n_buckets)
    vocab = unique(np.concatenate([rows_a[2], rows_b[2]]))
    pa, pb = _presence(len(da.sentence_bounds), rows_a, vocab), _presence(len(db.sentence_bounds), rows_b, vocab)
    root = np.sqrt(idf.weights(vocab)).astype(np.float32)
    wa, wb = pa * root, pb * root
    dot = wa @ wb.T
    na, nb = (wa * wa).sum(axis=1), (wb * wb).sum(axis=1)
    # IDF weights are 1 or more, so a norm is 0 only for a sentence without content words, whose
    # similarities are 0 (0/0 and nothing else).
    norms = np.sqrt(na[:, None] * nb)  # np.outer(na, nb), without its checks
    sim = np.divide(dot, norms, out=np.zeros_like(dot), where=norms > 0)
    shared = pa @ pb.T
    sa = _best_matches(da, db, sim, shared, shares_a.sentences)
    sb = _best_matches(db, da, sim.T, shared.T, shares_b.sentences)
    return sa, sb, _tfidf_cosine(wa, wb)


def _tfidf_cosine(wa: np.ndarray, wb: np.ndarray) -> float:
    """Cosine of the two texts' TF-IDF vectors (term frequency counted per sentence)."""
    ta, tb = wa.sum(axis=0), wb.sum(axis=0)
    # `np.linalg.norm` of a vector, without its checks: the square root of its dot with itself.
    norm = float(np.sqrt(ta @ ta) * np.sqrt(tb @ tb))
    return float(ta @ tb) / norm if norm else 0.0


def compare_documents(da: Document, db: Document, idf: IdfTable, tiling: Tiling | None = None) -> PairFeatures:
    """Measure everything the relation between two prepared documents is decided on (`tiling`: their
    `tile_documents`, when already made)."""
    tiled = tiling or tile_documents(da, db)
    in_b, in_a, tiles, template, cov_a = tiled.in_b, tiled.in_a, tiled.tiles, tiled.template, tiled.covered_a
    cov_b = covered_back(da, db, tiled)
    shares_a = _shares(da, cov_a, None if template else in_b)
    shares_b = _shares(db, cov_b, None if template else in_a)
    sa, sb, cosine = _align_sentences(da, db, idf, shares_a, shares_b)
    pairs_a, pairs_b = view(da).word_pairs, view(db).word_pairs
    matched_a, added_a = _matched(da, shares_a)
    matched_b, added_b = _matched(db, shares_b)
    return PairFeatures(
        a_tokens=da.n_tokens,
        b_tokens=db.n_tokens,
        verbatim_a=shares_a.verbatim,
        verbatim_b=shares_b.verbatim,
        matched_a=matched_a,
        matched_b=matched_b,
        added_a=added_a,
        added_b=added_b,
        cosine=cosine,
        shared_facts=len(da.facts & db.facts),
        facts_a=len(da.facts),
        facts_b=len(db.facts),
        numbers_contained=numbers_contained(da, db),
        titles_agree=titles_agree(da.article.title, db.article.title),
        template=template,
        tiles=tuple(_merge_passages(da, db, tiles)),
        sentences_a=sa,
        sentences_b=sb,
        copied_figures=copied_figures_of(da, tiled),
        figures_kept=figures_kept(da, db),
        lead_figures_swapped=leads_swapped(da, db),
        lead_words_shared=lead_words_shared(da, db),
        containment_a=float(in_b.mean()) if len(in_b) else 0.0,
        containment_b=float(in_a.mean()) if len(in_a) else 0.0,
        pairs_low=_low_containment(pairs_a, pairs_b),
        longest_run=max((a_hi - a_lo for a_lo, a_hi, _, _ in tiles), default=0),
    )


def _low_containment(a: np.ndarray, b: np.ndarray) -> float:
    """Shared over the larger of two sorted distinct arrays: the share of the side with fewer found."""
    if not len(a) or not len(b):
        return 0.0
    shared = int(np.count_nonzero(isin_sorted(a, b)))
    return shared / max(len(a), len(b))


def lead_words_shared(da: Document, db: Document) -> float:
    """Share of the smaller lead's content words found in the other lead (0 when either has none)."""
    a, b = da.lead_words, db.lead_words
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def leads_swapped(da: Document, db: Document) -> bool:
    """Whether each side's first sentence holds a value the other's lacks."""
    a, b = da.lead_numbers, db.lead_numbers
    return bool(a and b and a - b and b - a)
