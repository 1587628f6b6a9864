"""Verify a candidate pair: verbatim tiles, reworded sentences, and the features its relation rests on.

Verbatim passages are found by greedy tiling over word 3-gram hashes (exact, not estimated): each tile
is a run of at least `MIN_RUN` tokens present in both texts in the same order. Tiles whose figures
disagree between two texts whose figures mostly differ are template matches ("X mln stg" poured into
one daily form) and are dropped. Sentences not copied verbatim are paired with their most similar
sentence in the other text by IDF-weighted content-word overlap, which finds close rewording.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from dedup.arrays import isin
from dedup.detect.sentence_pair import SentencePairFeatures, sentence_pair_features
from dedup.document import STOPWORDS, Document
from dedup.idf import IdfTable
from dedup.normalize import normalize
from dedup.segment import Span
from dedup.shingle import _multipliers, kgram_hashes

__all__ = ["PairFeatures", "Passage", "SentenceMatch", "compare_documents", "titles_agree"]

VERIFY_K = 3
MIN_RUN = 6
MERGE_GAP = 4
_MAX_CANDIDATE_POSITIONS = 16
_MULT3 = _multipliers(VERIFY_K, 0)


@dataclass(frozen=True)
class Passage:
    """A shared passage: character spans in a and in b, copied `verbatim` or `rewritten`."""

    a: Span
    b: Span
    kind: str


@dataclass(frozen=True)
class SentenceMatch:
    """One sentence of one side and its best counterpart on the other side."""

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
    copied_figures: int = 0  # distinct precise figures inside verbatim passages (see _precise_figure)
    sentence_pair: SentencePairFeatures | None = None  # only when both sides are one short sentence

    def as_row(self) -> dict[str, object]:
        """Flat, JSON-ready features (for calibration), without the passages."""
        row = asdict(self)
        row.pop("tiles")
        for side in ("sentences_a", "sentences_b"):
            row[side] = [
                [s.tokens, round(s.verbatim, 4), round(s.similarity, 4), s.shared_words, s.numbers_agree, s.names_agree]
                for s in getattr(self, side)
            ]
        return row


def _tiles(ha: list[int], hb: list[int]) -> list[tuple[int, int, int, int]]:
    """Greedy tiling: maximal common runs of 3-gram hashes, as token ranges (a_lo, a_hi, b_lo, b_hi)."""
    where: dict[int, list[int]] = {}
    for j, h in enumerate(hb):
        where.setdefault(h, []).append(j)
    out, i, n, m = [], 0, len(ha), len(hb)
    while i < n:
        js = where.get(ha[i])
        if js is None:
            i += 1
            continue
        best, bj = 0, 0
        for j in js[:_MAX_CANDIDATE_POSITIONS]:
            length = 1
            while i + length < n and j + length < m and ha[i + length] == hb[j + length]:
                length += 1
            if length > best:
                best, bj = length, j
        tokens = best + VERIFY_K - 1
        if tokens >= MIN_RUN:
            out.append((i, i + tokens, bj, bj + tokens))
        i += best
    return out


def _numbers(doc: Document) -> frozenset[str]:
    return frozenset(f for f in doc.facts if f.startswith(("num:", "money:", "pct:")))


def _numbers_contained(da: Document, db: Document) -> bool:
    """Most of the shorter text's figures and dates appear in the longer one (a trim or a retelling
    keeps them; a form filled in for another company or day does not)."""
    short, long_ = (da, db) if da.n_tokens <= db.n_tokens else (db, da)
    keep = ("num:", "money:", "pct:", "date:")
    mine = {f for f in short.facts if f.startswith(keep)}
    return len(mine & long_.facts) >= 0.5 * len(mine)


def titles_agree(ta: str | None, tb: str | None) -> bool:
    """Headlines that name the same story: half their content words shared (True when one is missing)."""
    if not ta or not tb:
        return True
    wa = {w for w in normalize(ta).split() if w not in STOPWORDS and len(w) > 1}
    wb = {w for w in normalize(tb).split() if w not in STOPWORDS and len(w) > 1}
    if not wa or not wb:
        return True
    return _jaccard(wa, wb) >= 0.5


def _jaccard(x: frozenset[str] | set[str], y: frozenset[str] | set[str]) -> float:
    return len(x & y) / len(x | y) if x or y else 1.0


def _drop_template_tiles(
    da: Document, db: Document, tiles: list[tuple[int, int, int, int]]
) -> tuple[list[tuple[int, int, int, int]], bool]:
    """Drop every tile when the shared wording only ever joins blocks whose figures disagree."""
    na, nb = _numbers(da), _numbers(db)
    if not tiles or not na or not nb or _jaccard(na, nb) >= 0.5:
        return tiles, False
    disagree = agree = 0
    for a_lo, _, b_lo, _ in tiles:
        ia = int(np.searchsorted(da.block_bounds, a_lo, "right")) - 1
        ib = int(np.searchsorted(db.block_bounds, b_lo, "right")) - 1
        fa, fb = da.block_numbers(ia), db.block_numbers(ib)
        if fa and fb:
            if _jaccard(fa, fb) >= 0.5:
                agree += 1
            else:
                disagree += 1
    if disagree and not agree:
        return [], True
    return tiles, False


def _coverage(n: int, ranges: list[tuple[int, int]]) -> np.ndarray:
    mask = np.zeros(n + 1, dtype=np.int32)
    for lo, hi in ranges:
        mask[lo] += 1
        mask[hi] -= 1
    return np.cumsum(mask[:n]) > 0


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


def _precise_figure(token: str) -> bool:
    """A figure no other report would print by chance: three significant digits or more, not a year.

    Round amounts, fractions ("1-1/4"), small counts and years recur across unrelated notices.
    """
    digits = "".join(ch for ch in token if ch.isdigit()).rstrip("0")
    if len(digits) < 3 or not token[0].isdigit():
        return False
    return not (len(token) == 4 and token.isdigit() and token[:2] in ("19", "20"))


def _copied_figures(doc: Document, covered: np.ndarray) -> int:
    """Distinct precise figures inside verbatim passages: a form filled in again changes exactly these."""
    tokens = doc.tokens
    return len({tokens[i] for i in np.flatnonzero(covered).tolist() if _precise_figure(tokens[i])})


def _range_means(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Mean of values[lo:hi] for every (lo, hi) row at once (0 for empty ranges)."""
    sums = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    width = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(width > 0, (sums[hi] - sums[lo]) / np.maximum(width, 1), 0.0)


def _matched(doc: Document, covered: np.ndarray, shared3: np.ndarray) -> tuple[float, int]:
    """Share of tokens in matched blocks, and tokens in unmatched blocks at the text's edges.

    A block is matched when verbatim passages cover half of it, or when half of its word 3-grams
    are found in the other text (a short paragraph with two edits has no long verbatim run).
    Unmatched blocks before the first and after the last matched one wrap the story (a site's
    header and footer, an added lead-in or follow-up); unmatched blocks inside it are edits.
    """
    if doc.n_tokens == 0:
        return 0.0, 0
    lo, hi = doc.block_bounds[:-1], doc.block_bounds[1:]
    sizes = (hi - lo).tolist()
    verbatim = _range_means(covered, lo, hi)
    g_hi = np.maximum(lo, hi - VERIFY_K + 1)
    grams = _range_means(shared3, np.minimum(lo, len(shared3)), np.minimum(g_hi, len(shared3)))
    ok = ((hi > lo) & ((verbatim >= 0.5) | (grams >= 0.5))).tolist()
    matched = sum(n for n, good in zip(sizes, ok, strict=True) if good)
    if not any(ok):
        return 0.0, doc.n_tokens
    first, last = ok.index(True), len(ok) - 1 - ok[::-1].index(True)
    return matched / doc.n_tokens, sum(sizes[:first]) + sum(sizes[last + 1 :])


def _sentence_rows(doc: Document, idf: IdfTable, vocab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per sentence, over `vocab`: content-word presence (0/1) and its sqrt-IDF-weighted form."""
    bounds = doc.sentence_bounds
    presence = np.zeros((len(bounds), len(vocab)), dtype=np.float32)
    ids = doc.content_ids
    nonzero = ids != 0
    if len(bounds):
        sentence_of = np.repeat(np.arange(len(bounds)), bounds[:, 1] - bounds[:, 0])
        token_range = np.concatenate([np.arange(lo, hi) for lo, hi in bounds.tolist()])
        keep = nonzero[token_range]
        cols = np.searchsorted(vocab, idf.buckets(ids[token_range][keep]))
        presence[sentence_of[keep], cols] = 1.0
    return presence, presence * np.sqrt(idf.weights(vocab)).astype(np.float32)


def _vocabulary(da: Document, db: Document, idf: IdfTable) -> np.ndarray:
    ids = np.concatenate([da.content_ids, db.content_ids])
    return np.unique(idf.buckets(ids[ids != 0]))


def _names_agree(x: frozenset[str], y: frozenset[str]) -> bool:
    """Two sentences about the same actors: most names of the one with fewer are in the other.

    One name on a side is too little to judge (a sentence may open with its only name).
    """
    if len(x) < 2 or len(y) < 2:
        return True
    return len(x & y) >= 0.75 * min(len(x), len(y))


def _best_matches(
    da: Document, db: Document, sim: np.ndarray, shared: np.ndarray, covered: np.ndarray
) -> tuple[SentenceMatch, ...]:
    out = []
    bounds = da.sentence_bounds
    best = np.argmax(sim, axis=1).tolist() if sim.shape[1] else [-1] * len(bounds)
    verbatims = _range_means(covered, bounds[:, 0], bounds[:, 1]).tolist() if len(bounds) else []
    for i, (lo, hi) in enumerate(bounds.tolist()):
        j = best[i]
        span = da.span_of_tokens(lo, hi)
        if j < 0:
            out.append(SentenceMatch(int(hi - lo), 0.0, 0.0, 0, False, False, span, (0, 0), -1))
            continue
        other = db.span_of_tokens(*db.sentence_bounds[j])
        fa, fb = da.sentence_numbers[i], db.sentence_numbers[j]
        agree = not (fa and fb) or _jaccard(fa, fb) >= 0.5
        names = _names_agree(da.sentence_names[i], db.sentence_names[j])
        verbatim = float(verbatims[i])
        match = SentenceMatch(int(hi - lo), verbatim, float(sim[i, j]), int(shared[i, j]), agree, names, span, other, j)
        out.append(match)
    return tuple(out)


def _align_sentences(
    da: Document, db: Document, idf: IdfTable, cov_a: np.ndarray, cov_b: np.ndarray
) -> tuple[tuple[SentenceMatch, ...], tuple[SentenceMatch, ...], float]:
    vocab = _vocabulary(da, db, idf)
    pa, wa = _sentence_rows(da, idf, vocab)
    pb, wb = _sentence_rows(db, idf, vocab)
    dot = wa @ wb.T
    na, nb = (wa * wa).sum(axis=1), (wb * wb).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = np.nan_to_num(dot / np.sqrt(np.outer(na, nb)))
    shared = pa @ pb.T
    sa = _best_matches(da, db, sim, shared, cov_a)
    sb = _best_matches(db, da, sim.T, shared.T, cov_b)
    return sa, sb, _tfidf_cosine(wa, wb)


def _tfidf_cosine(wa: np.ndarray, wb: np.ndarray) -> float:
    """Cosine of the two texts' TF-IDF vectors (term frequency counted per sentence)."""
    ta, tb = wa.sum(axis=0), wb.sum(axis=0)
    norm = float(np.linalg.norm(ta) * np.linalg.norm(tb))
    return float(ta @ tb) / norm if norm else 0.0


def compare_documents(da: Document, db: Document, idf: IdfTable) -> PairFeatures:
    """Measure everything the relation between two prepared documents is decided on."""
    ha = kgram_hashes(da.token_hashes, _MULT3).tolist() if da.n_tokens >= VERIFY_K else []
    hb = kgram_hashes(db.token_hashes, _MULT3).tolist() if db.n_tokens >= VERIFY_K else []
    tiles, template = _drop_template_tiles(da, db, _tiles(ha, hb))
    # Each side's coverage comes from tiling it against the other: a passage printed twice in b
    # is covered both times, though tiling a against b pairs it only once.
    back = [] if template else _tiles(hb, ha)
    cov_a = _coverage(da.n_tokens, [(t[0], t[1]) for t in tiles])
    cov_b = _coverage(db.n_tokens, [(t[0], t[1]) for t in back])
    sa, sb, cosine = _align_sentences(da, db, idf, cov_a, cov_b)
    shared_a = isin(np.array(ha, dtype=np.uint32), np.array(hb, dtype=np.uint32)) if not template else np.zeros(0)
    shared_b = isin(np.array(hb, dtype=np.uint32), np.array(ha, dtype=np.uint32)) if not template else np.zeros(0)
    matched_a, added_a = _matched(da, cov_a, shared_a)
    matched_b, added_b = _matched(db, cov_b, shared_b)
    return PairFeatures(
        a_tokens=da.n_tokens,
        b_tokens=db.n_tokens,
        verbatim_a=float(cov_a.mean()) if da.n_tokens else 0.0,
        verbatim_b=float(cov_b.mean()) if db.n_tokens else 0.0,
        matched_a=matched_a,
        matched_b=matched_b,
        added_a=added_a,
        added_b=added_b,
        cosine=cosine,
        shared_facts=len(da.facts & db.facts),
        facts_a=len(da.facts),
        facts_b=len(db.facts),
        numbers_contained=_numbers_contained(da, db),
        titles_agree=titles_agree(da.article.title, db.article.title),
        template=template,
        tiles=tuple(_merge_passages(da, db, tiles)),
        sentences_a=sa,
        sentences_b=sb,
        copied_figures=_copied_figures(da, cov_a),
        sentence_pair=sentence_pair_features(da, db),
    )
