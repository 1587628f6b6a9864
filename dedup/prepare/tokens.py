"""Normalized tokens of a text with the token bounds of its blocks and sentences.

Two paths give the same tokens and bounds. `tokenize` works on one text, a regular-expression pass
per sentence. `locate_many` works on a batch: the tokens of every ASCII text are cut from one byte
buffer, and each sentence finds its tokens by binary search over their offsets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from dedup.config import SegmentConfig
from dedup.prepare.normalize import normalize
from dedup.prepare.segment import blocks_many
from dedup.prepare.sentences import Span, block_sentences, sentences
from dedup.sketch.shingle import TokenHasher, frame_bytes, token_spans

__all__ = ["TOKEN", "Located", "Placed", "locate_many", "spans_in", "tokenize"]

_JOIN = "\u200b\u200c\u200d\u2060\u00ad"
TOKEN = re.compile(rf"[\w{_JOIN}]+(?:['’.,&][\w{_JOIN}]+)*")
_TOKEN_SPLIT = re.compile(f"({TOKEN.pattern})")
_SPACE = 32


def _norm_token(tok: str) -> str:
    return tok.lower() if tok.isascii() else normalize(tok).replace(" ", "")


def _block_tokens(
    text: str, span: Span, tokens: list[str], rows: list[tuple[int, int]], all_ascii: bool
) -> list[Span] | None:
    """Append one block's normalized tokens, sentence by sentence; returns their spans if it had to find them.

    Sentences are split only before whitespace, and no token holds whitespace, so the tokens of a
    block's sentences are exactly the block's tokens. An ASCII sentence's tokens come from its
    lower-cased text in one C-level call; their spans are found only if evidence is asked for.
    """
    s, e = span
    ascii_block = all_ascii or text[s:e].isascii()
    kept: list[Span] = []
    for ss, se in sentences(text, s, e):
        lo = len(tokens)
        if ascii_block:
            tokens.extend(TOKEN.findall(text[ss:se].lower()))
        else:
            for m in TOKEN.finditer(text, ss, se):
                tok = _norm_token(m.group())
                if tok:
                    tokens.append(tok)
                    kept.append(m.span())
        if len(tokens) > lo:
            rows.append((lo, len(tokens)))
    return None if ascii_block else kept


def tokenize(text: str, blocks: list[Span]) -> tuple[list[str], list[int], list[Span], dict[int, list[Span]]]:
    """Normalized tokens, block token bounds, sentence token bounds, and the token spans of the
    blocks that needed per-token work."""
    tokens: list[str] = []
    bounds = [0]
    rows: list[tuple[int, int]] = []
    spans: dict[int, list[Span]] = {}
    all_ascii = text.isascii()
    for b, span in enumerate(blocks):
        kept = _block_tokens(text, span, tokens, rows, all_ascii)
        if kept is not None:
            spans[b] = kept
        bounds.append(len(tokens))
    return tokens, bounds, rows, spans


def spans_in(text: str, start: int, end: int) -> np.ndarray:
    """(start, end) of the tokens of text[start:end]: byte classes on ASCII, else the lengths of its split
    (no per-token Python either way)."""
    part = text[start:end]
    if part.isascii():
        # On ASCII, `TOKEN` is the word pattern that `token_spans` finds from byte classes.
        buf, offsets = frame_bytes([part.encode("ascii")])
        starts, ends, _ = token_spans(buf, offsets)
        return np.stack([starts, ends], axis=1) + (start - 1)
    pieces = _TOKEN_SPLIT.split(part)
    # pieces alternate gap, token, gap, ..., gap: cumulative lengths give every boundary.
    edges = np.cumsum(np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))) + start
    return np.stack([edges[0:-1:2], edges[1::2]], axis=1)


class Placed(NamedTuple):
    """A text's blocks, tokens, block token bounds and (start, end) token bounds of its sentences."""

    blocks: list[Span]
    tokens: list[str]
    block_bounds: np.ndarray
    sentence_bounds: np.ndarray


class Located(NamedTuple):
    """Hashes and (start, end) spans of the tokens of one whole text, and their placing in blocks and
    sentences (None when some token fell outside every sentence: then the text is tokenized alone)."""

    hashes: np.ndarray
    spans: np.ndarray
    placed: Placed | None


def _words(buf: bytes, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    """The token strings buf[starts[i]:ends[i]]: everything else blanked, then one `str.split`."""
    edge = np.zeros(len(buf) + 1, dtype=np.int8)
    edge[starts], edge[ends] = 1, -1  # tokens never touch, so no start is another's end
    inside = np.cumsum(edge[:-1], dtype=np.int8).view(bool)
    raw = np.frombuffer(buf, dtype=np.uint8)
    return np.where(inside, raw, np.uint8(_SPACE)).tobytes().decode("ascii").split()


class _Layout(NamedTuple):
    """Blocks of each text; every block's text and end; every sentence's (start, end) and text
    (offsets into the batch's buffer)."""

    blocks: list[list[Span]]
    block_text: np.ndarray
    block_end: np.ndarray
    sentences: np.ndarray
    sentence_text: np.ndarray


def _layout(texts: Sequence[str], config: SegmentConfig, buf: bytes, offsets: np.ndarray) -> _Layout:
    """Blocks (per text) and sentences (over the whole buffer) of the ASCII texts; other texts get none.
    `buf` holds the ASCII texts as they are (others empty), framed as `frame_bytes` does."""
    found_blocks = blocks_many(texts, buf, offsets, config)
    spans = found_blocks.spans
    found, block = block_sentences(buf, spans)
    return _Layout(found_blocks.per_text, found_blocks.text, spans[:, 1], found, found_blocks.text[block])


class _Bounds(NamedTuple):
    """Token bounds of the laid-out texts: blocks (each text's run opening with 0), sentences (only
    those holding tokens), where each text's runs start, and whether all its tokens were placed."""

    blocks: np.ndarray
    block_cuts: list[int]
    sentences: np.ndarray
    sentence_cuts: list[int]
    placed: list[bool]


def _token_bounds(layout: _Layout, starts: np.ndarray, ends: np.ndarray, bounds: np.ndarray) -> _Bounds:
    """Each sentence holds the tokens lying inside it, each block those before its end (binary search
    in the buffer's token offsets; `bounds` are each text's first token)."""
    n = len(bounds) - 1
    t = layout.sentence_text
    lo = np.searchsorted(starts, layout.sentences[:, 0]) - bounds[t]
    hi = np.searchsorted(ends, layout.sentences[:, 1], side="right") - bounds[t]
    placed = np.bincount(t, weights=np.maximum(hi - lo, 0), minlength=n) == np.diff(bounds)
    keep = hi > lo
    sentence_cuts = np.searchsorted(t[keep], np.arange(n + 1))
    b = layout.block_text
    block_ends = np.searchsorted(starts, layout.block_end) - bounds[b]
    block_cuts = np.searchsorted(b, np.arange(n + 1))
    # A 0 before each text's block ends: text i's block bounds are then positions cuts[i] + i to
    # cuts[i + 1] + i, inclusive.
    with_zeros = np.insert(block_ends, block_cuts[:-1], 0)
    rows = np.stack([lo[keep], hi[keep]], axis=1)
    return _Bounds(with_zeros, (block_cuts + np.arange(n + 1)).tolist(), rows, sentence_cuts.tolist(), placed.tolist())


def locate_many(texts: Sequence[str], config: SegmentConfig, hasher: TokenHasher) -> list[Located | None]:
    """`Located` tokens of every ASCII text (None for others), found in one pass over all of them."""
    plain = [t.isascii() for t in texts]
    raw, offsets = frame_bytes([t.encode("ascii") if ok else b"" for t, ok in zip(texts, plain, strict=True)])
    buf = raw.lower()
    starts, ends, bounds = token_spans(buf, offsets)
    hashes = hasher.span_hashes(buf, starts, ends)
    shift = np.repeat(offsets[:-1], np.diff(bounds))
    spans = np.stack([starts - shift, ends - shift], axis=1)
    words = _words(buf, starts, ends)
    layout = _layout(texts, config, raw, offsets)
    found = _token_bounds(layout, starts, ends, bounds)
    cut_list, bc, sc = bounds.tolist(), found.block_cuts, found.sentence_cuts
    out: list[Located | None] = []
    for t, ok in enumerate(plain):
        if not ok:
            out.append(None)
            continue
        first, last = cut_list[t], cut_list[t + 1]
        placed = None
        if found.placed[t]:
            block_bounds, sentence_bounds = found.blocks[bc[t] : bc[t + 1]], found.sentences[sc[t] : sc[t + 1]]
            placed = Placed(layout.blocks[t], words[first:last], block_bounds, sentence_bounds)
        out.append(Located(hashes[first:last], spans[first:last], placed))
    return out
