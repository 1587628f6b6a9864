"""What verification reuses of one document across every candidate pair it is in.

A wire story is compared with each of its copies, rewrites and look-alikes; its word 3-gram hashes
and their positions, its sentence spans, figures and content-word buckets are the same every time.
`view(doc)` computes them once and keeps them in the document's memo.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import pairwise

import numpy as np

from dedup._util.arrays import offsets, range_rows, unique, unique_per_run
from dedup.prepare.document import Document
from dedup.prepare.facts import mantissa_digits, roundable
from dedup.prepare.normalize import normalize
from dedup.prepare.segment import Span
from dedup.prepare.words import STOPWORDS
from dedup.sketch.idf import bucket_of
from dedup.sketch.shingle import kgram_hashes, kgram_hashes_many, kgram_multipliers

__all__ = [
    "VERIFY_K",
    "Figures",
    "Ranges",
    "View",
    "copied_figures",
    "figures",
    "precise_figure",
    "significant_digits",
    "title_words",
    "view",
    "views_many",
]

VERIFY_K = 3
_MULT3 = kgram_multipliers(VERIFY_K, 0)
_MULT2 = kgram_multipliers(2, 0)
_MEMO_KEY = "detect.view"
_FIGURES_KEY = "detect.figures"


def _year(token: str) -> bool:
    return len(token) == 4 and token.isdigit() and token[:2] in ("19", "20")


def precise_figure(token: str) -> bool:
    """A figure no other report would print by chance: three significant digits or more, not a year.

    Round amounts, fractions ("1-1/4"), small counts and years recur across unrelated notices.
    """
    digits = "".join(ch for ch in token if ch.isdigit()).rstrip("0")
    if len(digits) < 3 or not token[0].isdigit():
        return False
    return not _year(token)


def significant_digits(token: str) -> int:
    """Significant digits of a figure ("6.5" 2, "0.35" 2, "72,000" 2, "16,250" 4), 0 for a single digit
    or a year: what a form filled in for another company or day changes when it prints its lines."""
    if _year(token):
        return 0
    digits = "".join(ch for ch in token if ch.isdigit()).strip("0")
    return len(digits) if len(digits) >= 2 else 0


DIGITS_PER_FIGURE = 3  # significant digits copied verbatim that weigh as one precise figure


def copied_figures(tokens: Iterable[str]) -> int:
    """How many figures copied tokens carry: their distinct precise figures, or, when more, their
    significant digits by threes (two copied lines of a results table, "6.5 5.4" and "8.3 7.3",
    are as telling as two precise figures)."""
    copied = {t for t in tokens if "0" <= t[:1] <= "9"}
    precise = sum(1 for t in copied if precise_figure(t))
    return max(precise, sum(significant_digits(t) for t in copied) // DIGITS_PER_FIGURE)


# Small: verification meets an article's pairs close together (see batch.tasks), and a streaming
# index must not keep every headline it has seen.
@lru_cache(maxsize=4096)
def title_words(title: str) -> frozenset[str]:
    """A headline's content words (the words `titles_agree` compares)."""
    return frozenset(w for w in normalize(title).split() if w not in STOPWORDS and len(w) > 1)


# Cached: figures recur across the documents of a corpus (dates, amounts, counts).
@lru_cache(maxsize=1 << 16)
def _counted_figure(token: str) -> bool:
    """A figure `copied_figures` counts: precise, or two significant digits or more."""
    return bool(significant_digits(token) or precise_figure(token))


@dataclass(frozen=True)
class Ranges:
    """Token ranges of a document's sentences and blocks, and 3-gram ranges of its blocks (a block's
    3-grams start in it and end by its last token), with their ends as one array of cut points: a
    running count over the tokens or 3-grams, read at the cuts, counts every range in one gather."""

    sentences: list[tuple[int, int]]
    blocks: list[tuple[int, int]]
    token_cuts: np.ndarray  # lo and hi of each sentence, then of each block
    gram_blocks: list[tuple[int, int]]
    gram_cuts: np.ndarray  # lo and hi of each block's 3-grams


def _ranges(doc: Document, n_grams: int) -> Ranges:
    sentences = [(lo, hi) for lo, hi in doc.sentence_bounds.tolist()]
    blocks = list(pairwise(doc.block_bounds.tolist()))
    gram_blocks = [(min(lo, n_grams), min(max(lo, hi - VERIFY_K + 1), n_grams)) for lo, hi in blocks]
    token_cuts = np.array([i for r in (*sentences, *blocks) for i in r], dtype=np.int64)
    return Ranges(sentences, blocks, token_cuts, gram_blocks, np.array(gram_blocks, dtype=np.int64).reshape(-1))


@dataclass
class View:
    """Per-document inputs of `compare_documents` that do not depend on the other side."""

    tokens: list[str]  # the document's (not the document: a view kept in its memo must not point back)
    token_hashes: np.ndarray
    grams: np.ndarray  # uint32 word 3-gram hashes, in token order
    gram_list: list[int]
    distinct: np.ndarray  # sorted distinct 3-gram hashes
    _rows: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    _spans: list[Span] | None = None
    _ranges: Ranges | None = None
    _numbers: frozenset[str] | None = None

    @cached_property
    def _figures(self) -> list[int]:
        return [i for i, t in enumerate(self.tokens) if "0" <= t[0] <= "9" and _counted_figure(t)]

    @cached_property
    def word_pairs(self) -> np.ndarray:
        """Sorted distinct hashes of the document's word pairs (2-grams)."""
        if len(self.tokens) < 2:
            return np.empty(0, dtype=np.uint32)
        return unique(kgram_hashes(self.token_hashes, _MULT2))

    @cached_property
    def figure_at(self) -> np.ndarray:
        """Token indices of precise figures and of figures with two or more significant digits."""
        return np.array(self._figures, dtype=np.int64)

    @cached_property
    def figure_tokens(self) -> list[str]:
        return [self.tokens[i] for i in self._figures]

    def content_rows(self, doc: Document, n_buckets: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(sentence of each content token in a sentence, its bucket, the document's distinct buckets)."""
        rows = self._rows.get(n_buckets)
        if rows is None:
            rows = self._rows[n_buckets] = _content_rows(doc, n_buckets)
        return rows

    def numbers(self, doc: Document) -> frozenset[str]:
        """Figures, money and percentages (on first use: only pairs with tiles ask, and a document
        whose pairs never do has no facts to find)."""
        if self._numbers is None:
            self._numbers = frozenset(f for f in doc.facts if f.startswith(("num:", "money:", "pct:")))
        return self._numbers

    def ranges(self, doc: Document) -> Ranges:
        """The document's `Ranges` (on first use: only pairs whose sentences are aligned ask)."""
        if self._ranges is None:
            self._ranges = _ranges(doc, len(self.gram_list))
        return self._ranges

    def sentence_spans(self, doc: Document) -> list[Span]:
        """Character span of each sentence (on first use: only pairs whose sentences are aligned ask)."""
        if self._spans is None:
            bounds, spans = doc.sentence_bounds, doc.token_spans
            starts, ends = spans[bounds[:, 0], 0].tolist(), spans[bounds[:, 1] - 1, 1].tolist()
            self._spans = list(zip(starts, ends, strict=True))
        return self._spans


def _content_rows(doc: Document, n_buckets: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ids, bounds = doc.content_ids, doc.sentence_bounds
    content = ids != 0
    buckets = bucket_of(ids[content], n_buckets)
    distinct = unique(buckets)
    if not len(bounds):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, distinct
    rows = bounds.tolist()
    if rows[0][0] == 0 and rows[-1][1] == len(ids) and all(a[1] == b[0] for a, b in pairwise(rows)):
        # The sentences tile the tokens in order (as documents split them): the content tokens in
        # sentences are all of them, in order, so their buckets are the ones found above.
        sentence_of = np.repeat(np.arange(len(rows)), bounds[:, 1] - bounds[:, 0])
        return sentence_of[content], buckets, distinct
    sentence_of, token_range = range_rows(bounds)
    keep = ids[token_range] != 0
    return sentence_of[keep], bucket_of(ids[token_range][keep], n_buckets), distinct


def _build(doc: Document) -> View:
    grams = kgram_hashes(doc.token_hashes, _MULT3) if doc.n_tokens >= VERIFY_K else np.empty(0, dtype=np.uint32)
    return View(
        tokens=doc.tokens,
        token_hashes=doc.token_hashes,
        grams=grams,
        gram_list=grams.tolist(),
        distinct=unique(grams),
    )


@dataclass(frozen=True)
class Figures:
    """A document's figures as pair tests compare them (`align.numbers_contained`, `align.figures_kept`)."""

    every: frozenset[str]  # facts and counts
    numbers: frozenset[str]  # figures, money, percentages and dates
    counted: frozenset[str]  # the same with small counts and ordinals

    @cached_property
    def roundable(self) -> dict[str, list[tuple[str, int]]]:
        """The figures `rounded_match` can pair (`facts.roundable`) by kind ("num", "money"), with
        their significant digits: a text's other figures are never a rounding of another's."""
        kinds: dict[str, list[tuple[str, int]]] = {}
        for f in self.every:
            if roundable(f):
                kinds.setdefault(f.partition(":")[0], []).append((f, mantissa_digits(f)))
        return kinds


NUMBER_KINDS = ("num:", "money:", "pct:", "date:")
COUNTED_KINDS = (*NUMBER_KINDS, "count:", "ord:")


def figures(doc: Document) -> Figures:
    """The document's `Figures`, made on first use (short pairs ask before any view is built)."""
    found = doc.memo.get(_FIGURES_KEY)
    if found is None:
        every = doc.facts | doc.counts
        numbers = frozenset(f for f in every if f.startswith(NUMBER_KINDS))
        found = doc.memo[_FIGURES_KEY] = Figures(
            every, numbers, frozenset(f for f in every if f.startswith(COUNTED_KINDS))
        )
    assert isinstance(found, Figures)
    return found


def views_many(docs: Sequence[Document]) -> None:
    """Build and keep the view of every document of `VERIFY_K` tokens or more that has none yet: their
    3-gram hashes in one pass, and each document's distinct ones from one sort (`unique_per_run`)."""
    todo = [d for d in docs if _MEMO_KEY not in d.memo and d.n_tokens >= VERIFY_K]
    if not todo:
        return
    bounds = offsets([d.n_tokens for d in todo])
    grams, cuts = kgram_hashes_many(np.concatenate([d.token_hashes for d in todo]), bounds, _MULT3)
    distinct, distinct_at = unique_per_run(grams, cuts)
    gram_list, at, distinct_cuts = grams.tolist(), cuts.tolist(), distinct_at.tolist()
    for k, d in enumerate(todo):
        lo, hi = at[k], at[k + 1]
        parts = View(
            d.tokens, d.token_hashes, grams[lo:hi], gram_list[lo:hi], distinct[distinct_cuts[k] : distinct_cuts[k + 1]]
        )
        d.memo[_MEMO_KEY] = parts


def view(doc: Document) -> View:
    """The document's view, built on first use."""
    found = doc.memo.get(_MEMO_KEY)
    if found is None:
        found = doc.memo[_MEMO_KEY] = _build(doc)
    assert isinstance(found, View)
    return found
