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
from dedup.normalize import normalize
from dedup.segment import Span, blocks, sentences
from dedup.shingle import TokenHasher, frame_bytes, token_spans

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


def _layout(texts: Sequence[str], plain: list[bool], config: SegmentConfig) -> tuple[list[list[Span]], np.ndarray]:
    """Blocks of each ASCII text, and (text, start, end, is block end) of every sentence in order."""
    layouts: list[list[Span]] = []
    rows: list[tuple[int, int, int, int]] = []
    for t, (text, ok) in enumerate(zip(texts, plain, strict=True)):
        spans = blocks(text, config) if ok else []
        layouts.append(spans)
        for s, e in spans:
            found = sentences(text, s, e)
            rows.extend((t, ss, se, 0) for ss, se in found)
            rows.append((t, e, e, 1))
    return layouts, np.array(rows, dtype=np.int64).reshape(-1, 4)


def locate_many(texts: Sequence[str], config: SegmentConfig, hasher: TokenHasher) -> list[Located | None]:
    """`Located` tokens of every ASCII text (None for others), found in one pass over all of them."""
    plain = [t.isascii() for t in texts]
    buf, offsets = frame_bytes([t.encode("ascii").lower() if ok else b"" for t, ok in zip(texts, plain, strict=True)])
    starts, ends, bounds = token_spans(buf, offsets)
    hashes = hasher.span_hashes(buf, starts, ends)
    shift = np.repeat(offsets[:-1], np.diff(bounds))
    spans = np.stack([starts - shift, ends - shift], axis=1)
    words = _words(buf, starts, ends)
    layouts, rows = _layout(texts, plain, config)
    text_of, is_block_end = rows[:, 0], rows[:, 3].astype(bool)
    lo = np.searchsorted(starts, rows[:, 1] + offsets[text_of]) - bounds[text_of]
    hi = np.searchsorted(ends, rows[:, 2] + offsets[text_of], side="right") - bounds[text_of]
    # A block end's `lo` counts the tokens before it; a sentence holds tokens lo..hi-1.
    held = np.where(is_block_end, 0, np.maximum(hi - lo, 0))
    placed_all = np.bincount(text_of, weights=held, minlength=len(texts)) == np.diff(bounds)
    keep = is_block_end | (hi > lo)
    cuts = np.searchsorted(text_of[keep], np.arange(len(texts) + 1)).tolist()
    lo_k, hi_k, end_k = lo[keep], hi[keep], is_block_end[keep]
    cut_list = bounds.tolist()
    out: list[Located | None] = []
    for t, ok in enumerate(plain):
        if not ok:
            out.append(None)
            continue
        a, b, first, last = cuts[t], cuts[t + 1], cut_list[t], cut_list[t + 1]
        placed = None
        if placed_all[t]:
            ends_here = end_k[a:b]
            block_bounds = np.concatenate([[0], lo_k[a:b][ends_here]])
            sentence_bounds = np.stack([lo_k[a:b][~ends_here], hi_k[a:b][~ends_here]], axis=1)
            placed = Placed(layouts[t], words[first:last], block_bounds, sentence_bounds)
        out.append(Located(hashes[first:last], spans[first:last], placed))
    return out
