"""An article prepared for comparison: tokens with offsets, blocks, sentences, shingles and facts.

Tokens are found in the original text and normalized one by one, so every token, block and sentence
keeps exact character offsets into the text as given, while hashing sees the normalized form.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from functools import cached_property
from itertools import chain, pairwise
from typing import NamedTuple

import numpy as np
import xxhash

from dedup._util.arrays import offsets, unique, unique_per_run
from dedup.article import Article
from dedup.config import DetectorConfig
from dedup.prepare.facts import counts_in_tokens, facts, scan_facts
from dedup.prepare.names import mark_names, names_by_sentence, quick_names, quick_names_joined
from dedup.prepare.normalize import normalize
from dedup.prepare.segment import Span, blocks
from dedup.prepare.tokens import Located, locate_many, spans_in, tokenize
from dedup.prepare.words import CONTENT_TABLE, content_ids
from dedup.sketch.shingle import TokenHasher

__all__ = [
    "Document",
    "Joined",
    "block_shingles_many",
    "content_ids_many",
    "join_documents",
    "name_masks_many",
    "prepare",
    "prepare_many",
    "quick_names_many",
]


class Document:
    """Prepared form of one article; heavy per-pair features are computed lazily and cached."""

    def __init__(
        self, article: Article, config: DetectorConfig, hasher: TokenHasher, located: Located | None = None
    ) -> None:
        self.article = article
        self.config = config
        text = article.text
        placed = located.placed if located is not None else None
        if placed is not None:
            self.blocks: list[Span] = placed.blocks
            tokens, self.block_bounds, self.sentence_bounds = placed.tokens, placed.block_bounds, placed.sentence_bounds
            self._known_spans: dict[int, list[Span]] = {}
        else:
            self.blocks = blocks(text, config.segment)
            tokens, block_bounds, sentence_rows, self._known_spans = tokenize(text, self.blocks)
            self.block_bounds = np.array(block_bounds, dtype=np.int64)
            # Token index bounds (start, end) of every sentence, in text order.
            self.sentence_bounds = np.array(sentence_rows, dtype=np.int64).reshape(-1, 2)
        self.tokens = tokens
        self._located_spans: np.ndarray | None = None
        # The whole text's tokens (`prepare_many`) are the blocks' tokens when there are as many: blocks
        # meet at whitespace, so they only ever leave some out (as in `token_spans`).
        if located is not None and len(located.hashes) == len(tokens):
            self.token_hashes, self._located_spans = located.hashes, located.spans
        else:
            self.token_hashes = hasher.token_hashes(tokens)
        self._hasher = hasher
        # Results of pure functions of this document kept by their callers (see dedup.verify.view).
        self.memo: dict[str, object] = {}

    @cached_property
    def norm_hash(self) -> int:
        """Hash of the normalized text: equal texts after normalization, equal hashes (on first use:
        verification compares documents of different exact groups, and rarely needs it)."""
        return xxhash.xxh3_64_intdigest(normalize(self.article.text).encode("utf-8"))

    @property
    def id(self) -> str:
        return self.article.id

    @property
    def text(self) -> str:
        return self.article.text

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    def block_tokens(self, i: int) -> tuple[int, int]:
        return int(self.block_bounds[i]), int(self.block_bounds[i + 1])

    @cached_property
    def block_shingles(self) -> list[np.ndarray]:
        """Unique uint32 word k-gram hashes of each block (shingles never cross a block boundary)."""
        flat, bounds = self._hasher.kgrams_many(self.token_hashes, self.block_bounds)
        return [unique(flat[lo:hi]) for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]

    @cached_property
    def block_prints(self) -> np.ndarray:
        """uint64 fingerprint of each block's normalized tokens (equal blocks, equal prints)."""
        raw, bounds = self.token_hashes.tobytes(), (self.block_bounds * 8).tolist()
        prints = (xxhash.xxh3_64_intdigest(raw[lo:hi]) for lo, hi in pairwise(bounds))
        return np.fromiter(prints, dtype=np.uint64, count=len(self.blocks))

    @cached_property
    def token_spans(self) -> np.ndarray:
        """(start, end) of every token in the original text."""
        if self._located_spans is not None:
            return self._located_spans
        if not self._known_spans:
            # Blocks meet at whitespace, so the whole text's tokens are the blocks' tokens, unless
            # some text lies outside every block (then the count differs and blocks are split alone).
            whole = spans_in(self.text, 0, len(self.text))
            if len(whole) == self.n_tokens:
                return whole
        parts = []
        for b, (s, e) in enumerate(self.blocks):
            known = self._known_spans.get(b)
            parts.append(
                np.array(known, dtype=np.int64).reshape(-1, 2) if known is not None else spans_in(self.text, s, e)
            )
        return np.concatenate(parts) if parts else np.empty((0, 2), dtype=np.int64)

    @cached_property
    def _span_lists(self) -> tuple[list[int], list[int]]:
        # Plain lists: evidence asks for thousands of single spans, and numpy scalar access is slow.
        return self.token_spans[:, 0].tolist(), self.token_spans[:, 1].tolist()

    def span_of_tokens(self, lo: int, hi: int) -> Span:
        """Character span in the original text of tokens lo..hi-1."""
        starts, ends = self._span_lists
        return starts[lo], ends[hi - 1]

    @cached_property
    def content_ids(self) -> np.ndarray:
        """Per token: a hash of its stemmed form for content words, 0 for stopwords and short tokens."""
        return content_ids(self.token_hashes, self.tokens)

    @cached_property
    def name_mask(self) -> np.ndarray:
        """Per token: written as a name (capitalised inside a sentence, or an upper-case acronym)."""
        if not self.n_tokens:
            return np.zeros(0, dtype=bool)
        return mark_names(self.text, self.token_spans, self.sentence_bounds[:, 0], self.token_hashes, self.tokens)

    @cached_property
    def quick_names(self) -> frozenset[str]:
        """Names found by one regular-expression pass (for candidate generation, where speed counts):
        capitalised words not opening a sentence or line, and upper-case acronyms."""
        return quick_names(self.text)

    @cached_property
    def sentence_names(self) -> list[frozenset[str]]:
        """Names in each sentence."""
        return names_by_sentence(self.name_mask, self.sentence_bounds, self.tokens)

    @cached_property
    def facts(self) -> frozenset[str]:
        return frozenset(facts(self.text, self._scanned_facts))

    @cached_property
    def _scanned_facts(self) -> tuple[list[tuple[int, str]], set[str]]:
        return scan_facts(self.text)

    @cached_property
    def _counts_at(self) -> list[tuple[int, str]]:
        return counts_in_tokens(self.text, self.tokens, self.token_spans)

    @cached_property
    def counts(self) -> frozenset[str]:
        """Small numbers, ordinals and dates with their day (`dedup.prepare.facts.counts_in_tokens`)."""
        return frozenset(f for _, f in self._counts_at)

    @cached_property
    def _numbers_at(self) -> tuple[np.ndarray, list[str]]:
        return _positioned(self._scanned_facts[0])

    @cached_property
    def _figures_at(self) -> tuple[np.ndarray, list[str]]:
        return _positioned(sorted(self._scanned_facts[0] + self._counts_at))

    def _numbers_between(self, spans: np.ndarray, counts: bool = False) -> list[frozenset[str]]:
        """Numeric facts (and with `counts`, small numbers and dates) starting inside each span."""
        where, facts = self._figures_at if counts else self._numbers_at
        if not len(where):
            return [frozenset()] * len(spans)
        cuts = np.searchsorted(where, np.asarray(spans, dtype=np.int64).reshape(-1)).reshape(-1, 2).tolist()
        return [frozenset(facts[lo:hi]) for lo, hi in cuts]

    @cached_property
    def lead_numbers(self) -> frozenset[str]:
        """Figures, small numbers and dates of the first sentence, found in its text alone (a form's
        lead carries its figures; the rest of the text need not be scanned to compare two leads)."""
        if not len(self.sentence_bounds):
            return frozenset()
        lo, hi = (int(x) for x in self.sentence_bounds[0])
        start, end = self.span_of_tokens(lo, hi)
        lead = self.text[start:end]
        figures = [f for _, f in scan_facts(lead)[0]]
        spans = self.token_spans[lo:hi] - start
        return frozenset(figures + [f for _, f in counts_in_tokens(lead, self.tokens[lo:hi], spans)])

    @cached_property
    def lead_words(self) -> frozenset[int]:
        """Content words of the first sentence (stemmed ids; figures are not words): a form filled in
        again keeps its lead's words and changes its figures."""
        if not len(self.sentence_bounds):
            return frozenset()
        lo, hi = (int(x) for x in self.sentence_bounds[0])
        # The lead's tokens alone: the tile screen asks this before alignment, and computing every
        # token's content id here, one document at a time, would pre-empt the batch `content_ids_many`.
        known = self.__dict__.get("content_ids")
        ids = known[lo:hi] if known is not None else content_ids(self.token_hashes[lo:hi], self.tokens[lo:hi])
        return frozenset(ids[ids != 0].tolist())

    @cached_property
    def sentence_numbers(self) -> list[frozenset[str]]:
        """Figures of each sentence, small numbers and dates included: two lines of one form differ
        in these ("Shr six cts" and "Shr 30 cts"), whatever their words share."""
        bounds = self.sentence_bounds
        if not len(bounds):
            return []
        spans = np.stack([self.token_spans[bounds[:, 0], 0], self.token_spans[bounds[:, 1] - 1, 1]], axis=1)
        return self._numbers_between(spans, counts=True)

    @cached_property
    def _block_numbers(self) -> list[frozenset[str]]:
        return self._numbers_between(np.array(self.blocks, dtype=np.int64).reshape(-1, 2))

    @cached_property
    def fact_hashes(self) -> np.ndarray:
        """Sorted uint32 hashes of the facts (the rewrite path's fact filter and topic set use both)."""
        return unique(np.array([xxhash.xxh32_intdigest(f.encode()) for f in self.facts], dtype=np.uint32))

    @cached_property
    def _fact_offsets(self) -> list[int]:
        return [p for p, _ in self._scanned_facts[0]]

    def numbers_in(self, start: int, end: int) -> frozenset[str]:
        """Numeric facts starting inside text[start:end]: `block_numbers` of one span, with no numpy
        call (the sign stage asks this of a few short blocks of each article)."""
        offsets, found = self._fact_offsets, self._scanned_facts[0]
        return frozenset(f for _, f in found[bisect_left(offsets, start) : bisect_left(offsets, end)])

    def block_numbers(self, i: int) -> frozenset[str]:
        return self._block_numbers[i]


def _positioned(found: list[tuple[int, str]]) -> tuple[np.ndarray, list[str]]:
    """(offsets, facts) of (offset, fact) pairs in text order, for bucketing by span."""
    return np.array([p for p, _ in found], dtype=np.int64), [f for _, f in found]


class Joined(NamedTuple):
    """Token-level arrays of documents joined in order; token indices are global."""

    hashes: np.ndarray  # uint64 hash of every token
    block_bounds: np.ndarray  # int64 token bounds of every block (one more than blocks)
    block_owner: np.ndarray  # int64 document of every block
    sentence_bounds: np.ndarray  # (n, 2) int64 token bounds of every sentence
    sentence_owner: np.ndarray  # int64 document of every sentence


def join_documents(docs: Sequence[Document]) -> Joined:
    """The `Joined` arrays of `docs` (a few concatenations; no numpy call per document)."""
    n = np.arange(len(docs), dtype=np.int64)
    starts = offsets([d.n_tokens for d in docs])
    n_blocks = [len(d.blocks) for d in docs]
    n_sentences = [len(d.sentence_bounds) for d in docs]
    hashes = np.concatenate([d.token_hashes for d in docs]) if docs else np.empty(0, dtype=np.uint64)
    ends = np.concatenate([d.block_bounds[1:] for d in docs]) if docs else np.empty(0, dtype=np.int64)
    block_bounds = np.concatenate([[0], ends + np.repeat(starts[:-1], n_blocks)]).astype(np.int64)
    sentences = np.concatenate([d.sentence_bounds for d in docs]) if docs else np.empty((0, 2), dtype=np.int64)
    sentences = sentences + np.repeat(starts[:-1], n_sentences)[:, None]
    return Joined(hashes, block_bounds, np.repeat(n, n_blocks), sentences, np.repeat(n, n_sentences))


def prepare(article: Article, config: DetectorConfig, hasher: TokenHasher) -> Document:
    """Prepare one article for signing and comparison."""
    return Document(article, config, hasher)


def prepare_many(articles: Sequence[Article], config: DetectorConfig, hasher: TokenHasher) -> list[Document]:
    """`prepare` of each article, with the tokens of every ASCII text located, hashed and placed in
    blocks and sentences in one pass over all of them (`dedup.prepare.tokens.locate_many`)."""
    located = locate_many([a.text for a in articles], config.segment, hasher)
    return [Document(a, config, hasher, found) for a, found in zip(articles, located, strict=True)]


# Batch versions of the per-document arrays above, for a whole shard or verify task at once. Each is
# a few dozen numpy operations; per document, on wire stories of a few hundred words, their fixed cost
# per call outweighs the work. Each stores its result where the per-document property keeps it (the
# same arrays; tests check).


def block_shingles_many(
    docs: Sequence[Document], hasher: TokenHasher, joined: Joined | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct k-gram hashes of every block of every document: flat uint32 and bounds per block.

    Also stores each document's `block_shingles` (the same arrays, as views), if not computed yet.
    `joined` is `join_documents(docs)`, if the caller has it.
    """
    joined = joined or join_documents(docs)
    flat, bounds = hasher.kgrams_many(joined.hashes, joined.block_bounds)
    values, cuts = unique_per_run(flat, bounds)
    first_block = offsets([len(d.blocks) for d in docs]).tolist()
    cut_list = cuts.tolist()
    for d, b in zip(docs, first_block, strict=False):
        if "block_shingles" not in d.__dict__:
            d.__dict__["block_shingles"] = [values[cut_list[i] : cut_list[i + 1]] for i in range(b, b + len(d.blocks))]
    return values, cuts


def content_ids_many(docs: Sequence[Document]) -> None:
    """Store `content_ids` on every document that has none yet (one table lookup for all)."""
    todo = [d for d in docs if "content_ids" not in d.__dict__]
    if not todo:
        return
    tokens = list(chain.from_iterable(d.tokens for d in todo))
    ids = CONTENT_TABLE.lookup(np.concatenate([d.token_hashes for d in todo]), tokens.__getitem__)
    cuts = offsets([d.n_tokens for d in todo]).tolist()
    for d, lo, hi in zip(todo, cuts[:-1], cuts[1:], strict=True):
        d.__dict__["content_ids"] = ids[lo:hi]


def name_masks_many(docs: Sequence[Document]) -> None:
    """Store `name_mask` and `sentence_names` on every ASCII document with tokens that has no mask
    yet: one text of them all, joined by newlines, and token spans shifted into it."""
    todo = [d for d in docs if d.n_tokens and "name_mask" not in d.__dict__ and d.text.isascii()]
    if not todo:
        return
    joined = join_documents(todo)
    sizes = [d.n_tokens for d in todo]
    text_at = offsets([len(d.text) + 1 for d in todo])
    spans = np.concatenate([d.token_spans for d in todo]) + np.repeat(text_at[:-1], sizes)[:, None]
    tokens = list(chain.from_iterable(d.tokens for d in todo))
    bounds = joined.sentence_bounds
    mask = mark_names("\n".join(d.text for d in todo), spans, bounds[:, 0], joined.hashes, tokens)
    names = names_by_sentence(mask, bounds, tokens)
    cuts, sentence_cuts = offsets(sizes).tolist(), offsets([len(d.sentence_bounds) for d in todo]).tolist()
    for k, d in enumerate(todo):
        d.__dict__["name_mask"] = mask[cuts[k] : cuts[k + 1]]
        d.__dict__["sentence_names"] = names[sentence_cuts[k] : sentence_cuts[k + 1]]


def quick_names_many(docs: Sequence[Document]) -> None:
    """Store `quick_names` on every document with an ASCII text that has none yet (others keep the
    per-document pattern)."""
    todo = [d for d in docs if "quick_names" not in d.__dict__ and d.text.isascii()]
    if not todo:
        return
    for d, found in zip(todo, quick_names_joined([d.text for d in todo]), strict=True):
        d.__dict__["quick_names"] = found
