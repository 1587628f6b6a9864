"""Cut text into blocks (paragraphs), as (start, end) offsets into the original text: per text
(`blocks`) and many ASCII texts at once (`blocks_many`; the two agree, tests check).

Handles blank-line paragraphs, one paragraph per line, hard-wrapped text whose paragraphs start with
an indent (Reuters-21578) or end on a short line (PA wire copy), and long unbroken text, which is cut
into windows of a few sentences. Every span slices the original text to a non-blank stretch with no
leading or trailing whitespace.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np

from dedup._util.bytescan import byte_class, skip_class
from dedup.config import SegmentConfig
from dedup.prepare.sentences import Span, sentence_windows, trim

__all__ = ["Blocks", "Span", "blocks", "blocks_many", "paragraphs"]


_INDENT = re.compile(r"[ \t]{2,}\S|\t\S")


def _groups(text: str) -> Iterator[tuple[list[Span], list[int]]]:
    """Runs of non-blank lines, separated by blank lines: each line's span (with its newline) and its
    length without trailing whitespace."""
    group: list[Span] = []
    lengths: list[int] = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line) + 1
        width = len(line.rstrip())
        if width:
            group.append((start, min(end, len(text))))
            lengths.append(width)
        elif group:
            yield group, lengths
            group, lengths = [], []
        start = end
    if group:
        yield group, lengths


def _is_hard_wrapped(lengths: list[int]) -> bool:
    if len(lengths) < 3:
        return False
    width = max(lengths)
    if width > 100:
        return False
    full = sum(1 for n in lengths[:-1] if n >= 0.6 * width)
    return full >= 0.6 * (len(lengths) - 1)


def _split_wrapped(text: str, lines: list[Span], lengths: list[int]) -> Iterator[Span]:
    width = max(lengths)
    indented = [bool(_INDENT.match(text, s)) for s, _ in lines]
    # Indents mark paragraphs only when they are the layout's habit, not a stray quote indent.
    use_indent = sum(indented[1:]) >= max(1, 0.1 * len(lines))
    start = lines[0][0]
    for i, (s, e) in enumerate(lines):
        if i > 0 and use_indent and indented[i] and s > start:
            yield start, s
            start = s
        if not use_indent and lengths[i] < 0.7 * width and i + 1 < len(lines):
            yield start, e
            start = e
    yield start, lines[-1][1]


_TERMINAL = frozenset(".!?:;\"'”’)]<")


def _join_wrapped_lines(text: str, lines: list[Span]) -> Iterator[Span]:
    """One paragraph per line, except a line cut mid-sentence: no closing punctuation, lower-case next."""
    start = lines[0][0]
    for (s, e), nxt in zip(lines, [*lines[1:], None], strict=True):
        stripped = text[s:e].rstrip()
        if nxt is not None and stripped and stripped[-1] not in _TERMINAL:
            head = text[nxt[0] : nxt[1]].lstrip()[:1]
            if head.islower():
                continue
        yield start, e
        if nxt is not None:
            start = nxt[0]


def paragraphs(text: str) -> list[Span]:
    """Paragraph spans of `text` (see the module docstring for the layouts recognised)."""
    spans: list[Span] = []
    for group, lengths in _groups(text):
        pieces: Iterator[Span]
        if len(group) == 1:
            pieces = iter(group)
        elif _is_hard_wrapped(lengths):
            pieces = _split_wrapped(text, group, lengths)
        else:
            pieces = _join_wrapped_lines(text, group)
        for s, e in pieces:
            span = trim(text, s, e)
            if span:
                spans.append(span)
    return spans


def blocks(text: str, config: SegmentConfig | None = None) -> list[Span]:
    """Paragraphs, with any paragraph longer than `max_block_chars` cut into sentence windows."""
    config = config or SegmentConfig()
    out: list[Span] = []
    for s, e in paragraphs(text):
        if e - s <= config.max_block_chars:
            out.append((s, e))
        else:
            out += sentence_windows(text, (s, e), config)
    return out


# Many ASCII texts at once (`blocks_many`): every rule of `paragraphs` is a test on a line, its group
# (run of non-blank lines) or the line before it, so it is answered for all lines of a shard with
# array operations: a paragraph opens at a group's first line or where its layout cuts, and runs from
# the first non-space byte of that line to the last of the line before the next cut. Only paragraphs
# longer than `max_block_chars` (rare in wire copy) are cut into sentence windows by the per-text code.

_INLINE_SPACE = byte_class(lambda c: c.isspace() and c != "\n")  # a line's newline ends the steps
_TAB_OR_SPACE = byte_class(lambda c: c in " \t")  # `_INDENT`'s leading run
_TERMINAL_BYTE = byte_class(lambda c: c in _TERMINAL)
_INLINE_BYTES = bytes(np.flatnonzero(_INLINE_SPACE).tolist())
_STEPS = 16
_LOWER = byte_class(str.islower)
_NEWLINE = 10
_TAB = 9


class Blocks(NamedTuple):
    """Blocks of every text: (start, end) in the buffer, each block's text, and per text as offsets
    into that text (the form of `blocks`)."""

    spans: np.ndarray
    text: np.ndarray
    per_text: list[list[Span]]


class _Lines(NamedTuple):
    """The non-blank lines of the buffer: start, first and one past the last non-space byte, and
    whether each opens a group (follows a blank line or opens a text)."""

    start: np.ndarray
    first: np.ndarray
    last: np.ndarray
    opens: np.ndarray


def _skip_spaces(raw: np.ndarray, at: np.ndarray, limit: np.ndarray, step: int = 1) -> np.ndarray:
    """Each position moved over the spaces after it (before it, with step -1), up to `limit`. A few
    vector steps cover the usual indents; the rare long runs are finished one by one."""
    at = skip_class(raw, at, _INLINE_SPACE, step, most=_STEPS)
    ahead = 0 if step > 0 else -1
    for k in np.flatnonzero((at != limit) & _INLINE_SPACE[raw[at + ahead]]).tolist():
        lo, hi = sorted((int(at[k]), int(limit[k])))
        run = raw[lo:hi].tobytes()
        at[k] += step * (len(run) - len((run.lstrip if step > 0 else run.rstrip)(_INLINE_BYTES)))
    return at


def _lines(raw: np.ndarray, offsets: np.ndarray) -> _Lines:
    """Lines as `text.split("\\n")` cuts each text; the buffer's framing newlines cut between texts.
    Their ends are found by stepping over the few spaces at each (no class lookup of every byte)."""
    end = int(offsets[-1])
    breaks = np.flatnonzero(raw[:end] == _NEWLINE)
    starts, stops = breaks[:-1] + 1, breaks[1:]
    first = _skip_spaces(raw, starts, stops)
    kept = np.flatnonzero(first < stops)
    text_start = np.zeros(end + 1, dtype=bool)
    text_start[offsets[:-1]] = True
    opens = text_start[starts[kept]] | (np.diff(kept, prepend=-2) != 1)
    last = _skip_spaces(raw, stops[kept], starts[kept], step=-1)
    return _Lines(starts[kept], first[kept], last, opens)


def _cuts(raw: np.ndarray, lines: _Lines) -> np.ndarray:
    """Whether each line opens a paragraph: `_split_wrapped` on hard-wrapped groups, else
    `_join_wrapped_lines` (which leaves a one-line group whole)."""
    opens, first, width = lines.opens, lines.first, lines.last - lines.start
    heads = np.flatnonzero(opens)
    group = np.cumsum(opens) - 1
    size = np.diff(np.append(heads, len(opens)))
    widest = np.maximum.reduceat(width, heads)
    closes = np.append(opens[1:], True)
    full = np.add.reduceat(((width >= 0.6 * widest[group]) & ~closes).astype(np.int64), heads)
    hard = (size >= 3) & (widest <= 100) & (full >= 0.6 * (size - 1))
    # `_INDENT` matches: a run of spaces and tabs up to the first non-space byte, two long or one tab.
    lead = first - lines.start
    run_ends = skip_class(raw, lines.start, _TAB_OR_SPACE)
    indented = (run_ends == first) & ((lead >= 2) | ((lead == 1) & (raw[lines.start] == _TAB)))
    use_indent = np.add.reduceat((indented & ~opens).astype(np.int64), heads) >= np.maximum(1, 0.1 * size)
    before = np.roll(width, 1)  # the line before (only read where a line is not a group's first)
    short = before < 0.7 * widest[group]
    joined = ~_TERMINAL_BYTE[raw[np.roll(lines.last, 1) - 1]] & _LOWER[raw[first]]
    layout_cut = np.where(hard[group], np.where(use_indent[group], indented, short), ~joined)
    return opens | layout_cut


def blocks_many(texts: Sequence[str], buf: bytes, offsets: np.ndarray, config: SegmentConfig) -> Blocks:
    """`segment.blocks(text, config)` of each text framed in `buf` as `shingle.frame_bytes` frames
    ASCII texts (a text framed empty gets no blocks)."""
    raw = np.frombuffer(buf, dtype=np.uint8)
    lines = _lines(raw, offsets)
    if not len(lines.start):
        return Blocks(np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64), [[] for _ in texts])
    at = np.flatnonzero(_cuts(raw, lines))
    spans = np.stack([lines.first[at], lines.last[np.append(at[1:], len(lines.start)) - 1]], axis=1)
    owner = np.searchsorted(offsets, spans[:, 0], side="right") - 1
    if np.any(spans[:, 1] - spans[:, 0] > config.max_block_chars):
        spans, owner = _cut_long(texts, offsets, spans, owner, config)
    local = spans - offsets[owner][:, None]
    pairs = list(zip(local[:, 0].tolist(), local[:, 1].tolist(), strict=True))
    cuts = np.searchsorted(owner, np.arange(len(texts) + 1)).tolist()
    return Blocks(spans, owner, [pairs[cuts[t] : cuts[t + 1]] for t in range(len(texts))])


def _cut_long(
    texts: Sequence[str], offsets: np.ndarray, spans: np.ndarray, owner: np.ndarray, config: SegmentConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Paragraphs with the long ones replaced by their sentence windows (buffer offsets)."""
    out: list[Span] = []
    owners: list[int] = []
    for (s, e), t in zip(spans.tolist(), owner.tolist(), strict=True):
        if e - s <= config.max_block_chars:
            out.append((s, e))
            owners.append(t)
            continue
        base = int(offsets[t])
        found = sentence_windows(texts[t], (s - base, e - base), config)
        out.extend((a + base, b + base) for a, b in found)
        owners.extend([t] * len(found))
    return np.array(out, dtype=np.int64).reshape(-1, 2), np.array(owners, dtype=np.int64)
