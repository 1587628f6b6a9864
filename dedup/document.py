"""An article prepared for comparison: tokens with offsets, blocks, sentences, shingles and facts.

Tokens are found in the original text and normalized one by one, so every token, block and sentence
keeps exact character offsets into the text as given, while hashing sees the normalized form.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from functools import cached_property
from itertools import pairwise
from typing import NamedTuple

import numpy as np
import xxhash

from dedup.arrays import offsets, unique
from dedup.article import Article
from dedup.config import DetectorConfig
from dedup.facts import _stem, counts_in_tokens, facts, scan_facts
from dedup.memo import Memo
from dedup.normalize import normalize
from dedup.segment import Span, blocks
from dedup.shingle import TokenHasher
from dedup.stopwords import ENGLISH_STOP_WORDS
from dedup.token_table import TokenTable
from dedup.tokens import Located, locate_many, spans_in, tokenize

__all__ = [
    "STOPWORDS",
    "Document",
    "Joined",
    "join_documents",
    "mark_names",
    "names_by_sentence",
    "prepare",
    "prepare_many",
]

STOPWORDS = frozenset(ENGLISH_STOP_WORDS) | frozenset({"said", "says", "told", "would", "also", "year"})
# The leading lookahead is implied by the pattern; it lets the engine reject most positions with one
# character test before the three lookbehinds (2.3 times faster on Reuters, same matches).
_NAME = re.compile(r"(?=[A-Z])(?<![.!?\n\"“])(?<![.!?][ \"“])(?<=[ (,;:'‘])([A-Z][a-z]+(?:['’]s)?|[A-Z]{3,})\b")


def _content_id(tok: str) -> int:
    """Hash of a token's stemmed form if it is a content word, else 0."""
    if tok in STOPWORDS or len(tok) < 3 or tok.replace(",", "").replace(".", "").isdigit():
        return 0
    return xxhash.xxh3_64_intdigest(_stem(tok).encode("utf-8")) | 1


# Tokens recur across a corpus: their ids are looked up (`_content_id` is pure), by token hash
# for whole documents, by token for the few a table misses.
_CONTENT_IDS = Memo(_content_id, 1 << 16)
CONTENT_TABLE = TokenTable(_CONTENT_IDS.__getitem__)
_STOPWORD_TABLE = TokenTable(lambda tok: tok in STOPWORDS, bits=18)


def _capitals(text: str, spans: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per token span: does it start with a capital, and is it all upper-case (`str.isupper`)."""
    if not text.isascii():
        initial = np.array([text[s].isupper() for s in spans[:, 0].tolist()], dtype=bool)
        upper = np.array([text[s:e].isupper() for s, e in spans.tolist()], dtype=bool)
        return initial, upper
    raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    capital = (raw >= 65) & (raw <= 90)
    lower_before = np.concatenate([[0], np.cumsum((raw >= 97) & (raw <= 122))])
    # ASCII: upper-case means no lower-case letter and at least one capital (the initial here).
    initial = capital[spans[:, 0]]
    return initial, initial & (lower_before[spans[:, 1]] == lower_before[spans[:, 0]])


def mark_names(
    text: str, spans: np.ndarray, sentence_starts: np.ndarray, hashes: np.ndarray, tokens: Sequence[str]
) -> np.ndarray:
    """Per token (`spans` in `text`, `hashes`, `tokens`): written as a name, capitalised inside a
    sentence (`sentence_starts`: token indices) or an upper-case acronym, and not a stopword.
    `text` may join several documents: their spans then point into it."""
    first = np.zeros(len(spans), dtype=bool)
    first[sentence_starts] = True
    initial, upper = _capitals(text, spans)
    length = spans[:, 1] - spans[:, 0]
    mask = initial & (length >= 2) & ((~first & ~upper) | (upper & (length > 2)))
    at = np.flatnonzero(mask)
    where = at.tolist()
    mask[at] = _STOPWORD_TABLE.lookup(hashes[at], lambda k: tokens[where[k]]) == 0
    return mask


def names_by_sentence(mask: np.ndarray, bounds: np.ndarray, tokens: Sequence[str]) -> list[frozenset[str]]:
    """The name tokens (`mask`) of each sentence (`bounds`: token (start, end) rows, in token order)."""
    at = np.flatnonzero(mask)
    # Names of sentence k are at[cuts[k]:cuts[k + 1]] (sentences are in token order).
    cuts = np.searchsorted(at, bounds.reshape(-1)).reshape(-1, 2).tolist() if len(bounds) else []
    where = at.tolist()
    return [frozenset(tokens[i] for i in where[lo:hi]) for lo, hi in cuts]


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
        # Results of pure functions of this document kept by their callers (see dedup.detect.view).
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
        return CONTENT_TABLE.lookup(self.token_hashes, self.tokens.__getitem__)

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
        found = {m.lower() for m in _NAME.findall(self.text)}
        return frozenset(n for n in found if n not in STOPWORDS)

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
        """Small numbers, ordinals and dates with their day (`dedup.facts.counts_in_tokens`)."""
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
    blocks and sentences in one pass over all of them (`dedup.tokens.locate_many`)."""
    located = locate_many([a.text for a in articles], config.segment, hasher)
    return [Document(a, config, hasher, found) for a, found in zip(articles, located, strict=True)]
