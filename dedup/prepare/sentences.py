"""Cut text into sentences, as (start, end) offsets into the original text: per text and, for ASCII
text, many texts at once from byte classes over one buffer (the two agree; tests check)."""

from __future__ import annotations

import re

import numpy as np

from dedup._util.bytescan import byte_class, skip_class
from dedup.config import SegmentConfig

__all__ = ["Span", "block_sentences", "sentence_ends", "sentence_windows", "sentences", "trim"]

Span = tuple[int, int]

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


def trim(text: str, start: int, end: int) -> Span | None:
    """text[start:end] without leading and trailing whitespace, or None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


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
        span = trim(text, cursor, m.end())
        if span:
            spans.append(span)
        cursor = m.end()
    span = trim(text, cursor, end)
    if span:
        spans.append(span)
    return spans


def sentence_windows(text: str, span: Span, config: SegmentConfig) -> list[Span]:
    """A long paragraph cut into windows of `window_sentences` sentences."""
    sents = sentences(text, *span)
    step = config.window_sentences
    return [(sents[i][0], sents[min(i + step, len(sents)) - 1][1]) for i in range(0, len(sents), step)]


# Byte classes of `_SENTENCE_END` and `_is_abbreviation` on ASCII text.
_STOP = byte_class(lambda c: c in ".!?")
_CLOSE = byte_class(lambda c: c in "\"')]")
_SPACE = byte_class(str.isspace)
_OPEN = byte_class(lambda c: c in "\"'([")
_HEAD = byte_class(lambda c: c.isupper() or c.isdigit() or c == "$")
_TRAIL = byte_class(lambda c: c in ".!?\"')]")  # what `_is_abbreviation` steps back over first
_WORDISH = byte_class(lambda c: c.isalpha() or c == ".")  # then this
_LONGEST = max(map(len, _ABBREVIATIONS))


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
