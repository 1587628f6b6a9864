"""Cut text into blocks (paragraphs) and sentences, as (start, end) offsets into the original text.

Handles blank-line paragraphs, one paragraph per line, hard-wrapped text whose paragraphs start with
an indent (Reuters-21578) or end on a short line (PA wire copy), and long unbroken text, which is cut
into windows of a few sentences. Every span slices the original text to a non-blank stretch with no
leading or trailing whitespace.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import numpy as np

from dedup.config import SegmentConfig

__all__ = [
    "Span",
    "block_sentences",
    "blocks",
    "paragraphs",
    "sentence_ends",
    "sentence_windows",
    "sentences",
    "skip_class",
]

Span = tuple[int, int]

_INDENT = re.compile(r"[ \t]{2,}\S|\t\S")
_SENTENCE_END = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+["'“‘(\[]?[A-Z0-9$£€])""")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "gov",
        "sen",
        "rep",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "maj",
        "rev",
        "hon",
        "pres",
        "supt",
        "insp",
        "det",
        "co",
        "corp",
        "inc",
        "ltd",
        "plc",
        "bros",
        "no",
        "nos",
        "vs",
        "etc",
        "al",
        "approx",
        "dept",
        "est",
        "fig",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "calif",
        "colo",
        "conn",
        "fla",
        "ga",
        "ill",
        "ind",
        "kan",
        "ky",
        "la",
        "md",
        "mass",
        "mich",
        "minn",
        "miss",
        "mo",
        "mont",
        "neb",
        "nev",
        "okla",
        "ore",
        "pa",
        "penn",
        "tenn",
        "tex",
        "va",
        "vt",
        "wash",
        "wis",
        "wyo",
        "ariz",
        "ark",
        "del",
        "mt",
        "ft",
        "u.s",
        "u.k",
        "u.n",
        "d.c",
        "a.m",
        "p.m",
    ]
)


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


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
            span = _trim(text, s, e)
            if span:
                spans.append(span)
    return spans


def _is_abbreviation(text: str, end: int) -> bool:
    """True when the full stop ending at `end` closes an abbreviation or an initial, not a sentence."""
    j = end
    while j > 0 and text[j - 1] in ".!?\"'”’)]":
        j -= 1
    i = j
    while i > 0 and (text[i - 1].isalpha() or text[i - 1] == "."):
        i -= 1
    word = text[i:j].lower()
    if text[j : j + 1] != ".":
        return False
    return len(word) == 1 or word in _ABBREVIATIONS


def sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans inside text[start:end]."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    cursor = start
    for m in _SENTENCE_END.finditer(text, start, end):
        if _is_abbreviation(text, m.end()):
            continue
        span = _trim(text, cursor, m.end())
        if span:
            spans.append(span)
        cursor = m.end()
    span = _trim(text, cursor, end)
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


def sentence_windows(text: str, span: Span, config: SegmentConfig) -> list[Span]:
    """A long paragraph cut into windows of `window_sentences` sentences."""
    sents = sentences(text, *span)
    step = config.window_sentences
    return [(sents[i][0], sents[min(i + step, len(sents)) - 1][1]) for i in range(0, len(sents), step)]


def _table(test: Callable[[str], bool]) -> np.ndarray:
    return np.array([c < 128 and test(chr(c)) for c in range(256)], dtype=bool)


# Byte classes of `_SENTENCE_END` and `_is_abbreviation` on ASCII text.
_STOP = _table(lambda c: c in ".!?")
_CLOSE = _table(lambda c: c in "\"')]")
_SPACE = _table(str.isspace)
_OPEN = _table(lambda c: c in "\"'([")
_HEAD = _table(lambda c: c.isupper() or c.isdigit() or c == "$")
_TRAIL = _table(lambda c: c in ".!?\"')]")  # what `_is_abbreviation` steps back over first
_WORDISH = _table(lambda c: c.isalpha() or c == ".")  # then this
_LONGEST = max(map(len, _ABBREVIATIONS))


def skip_class(raw: np.ndarray, at: np.ndarray, cls: np.ndarray, step: int = 1, most: int = -1) -> np.ndarray:
    """Each position moved past the bytes of class `cls` (forward; with step -1, back over the bytes
    before it), at most `most` bytes if that is not -1. Runs are short: a few vector steps."""
    at = at.copy()
    ahead = 0 if step > 0 else -1
    moving = np.flatnonzero(cls[raw[at + ahead]])
    while len(moving) and most != 0:
        at[moving] += step
        moving = moving[cls[raw[at[moving] + ahead]]]
        most -= 1
    return at


def sentence_ends(buf: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Where `sentences` ends a sentence in ASCII text opening with a newline (the ends of the matches
    of `_SENTENCE_END` that `_is_abbreviation` lets through), and where the next one starts.

    A match starts a run of `.!?`, takes the closing quotes and brackets after it, and needs
    whitespace, then maybe an opening quote or bracket, then a capital, a digit or `$`; trying it
    later in the run gives the same end. Found with byte classes, looking only near `.!?`.
    """
    raw = np.frombuffer(buf + b"\0\0", dtype=np.uint8)  # a byte of no class after everything
    stops = np.flatnonzero((raw == ord(".")) | (raw == ord("!")) | (raw == ord("?")))  # faster than _STOP[raw]
    first = stops[~_STOP[raw[stops - 1]]]
    end = skip_class(raw, skip_class(raw, first, _STOP), _CLOSE)
    after = skip_class(raw, end, _SPACE)
    opened = _OPEN[raw[after]] & _HEAD[raw[np.minimum(after + 1, len(raw) - 1)]]
    ok = (after > end) & (_HEAD[raw[after]] | opened)
    end, after = end[ok], after[ok]
    # `_is_abbreviation`: the word before the final run of stops and closers, if it opens with a full stop.
    j = skip_class(raw, end, _TRAIL, step=-1)
    i = skip_class(raw, j, _WORDISH, step=-1, most=_LONGEST + 1)
    dotted = raw[j] == ord(".")
    abbreviation = dotted & (j - i == 1)
    for k in np.flatnonzero(dotted & (j - i > 1) & (j - i <= _LONGEST)).tolist():
        abbreviation[k] = buf[i[k] : j[k]].decode("ascii").lower() in _ABBREVIATIONS
    return end[~abbreviation], after[~abbreviation]


def block_sentences(buf: bytes, spans: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`sentences(text, s, e)` of every block (s, e) of an (n, 2) array, as one (m, 2) array in order,
    and the block of each, with no Python step per sentence.

    For ASCII text (one or more texts joined by newlines, opening with one) and the spans of
    `blocks()`: trimmed, in order, each followed by whitespace. A sentence ends at punctuation
    followed by whitespace, so no match crosses a block, and one ending at a block's very end (let
    through by the text after it) would close no sentence there. Sentences need no trimming: each
    opens a block or the text after a sentence end's whitespace, and ends one or on punctuation.
    """
    cuts, nexts = sentence_ends(buf)
    first, last = spans[:, 0], spans[:, 1]
    block = np.maximum(np.searchsorted(first, cuts, side="right") - 1, 0)
    inside = (cuts > first[block]) & (cuts < last[block]) if len(first) else np.zeros(len(cuts), dtype=bool)
    # Blocks are apart and cuts fall inside them, so sorted starts and sorted ends pair up.
    starts = np.sort(np.concatenate([first, nexts[inside]]))
    ends = np.sort(np.concatenate([cuts[inside], last]))
    found = np.stack([starts, ends], axis=1)
    return found, np.searchsorted(first, starts, side="right") - 1
