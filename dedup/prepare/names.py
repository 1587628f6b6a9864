"""Names: capitalised words inside a sentence and upper-case acronyms, per text and for many ASCII
texts at once (the two agree; tests check).

`quick_names` is one regular-expression pass (candidate generation, where speed counts);
`mark_names` marks the name tokens of a tokenized text (verification). On ASCII the pattern's
matches are fixed by the classes of a few bytes around each capital, so `quick_names_joined` looks
only at the capitals of one buffer of all the texts, with numpy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from dedup._util.bytescan import byte_class, skip_class
from dedup.prepare.words import STOPWORD_TABLE, STOPWORDS

__all__ = ["NAME_PATTERN", "mark_names", "name_spans", "names_by_sentence", "quick_names", "quick_names_joined"]

# The leading lookahead is implied by the pattern; it lets the engine reject most positions with one
# character test before the three lookbehinds (2.3 times faster on Reuters, same matches).
NAME_PATTERN = re.compile(r"(?=[A-Z])(?<![.!?\n\"“])(?<![.!?][ \"“])(?<=[ (,;:'‘])([A-Z][a-z]+(?:['’]s)?|[A-Z]{3,})\b")


def quick_names(text: str) -> frozenset[str]:
    """Capitalised words not opening a sentence or line, and upper-case acronyms, lower-cased."""
    found = {m.lower() for m in NAME_PATTERN.findall(text)}
    return frozenset(n for n in found if n not in STOPWORDS)


_UPPER = byte_class(lambda c: c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = byte_class(lambda c: c in "abcdefghijklmnopqrstuvwxyz")
_WORD = byte_class(lambda c: c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")  # ASCII \w
_BEFORE = byte_class(lambda c: c in " (,;:'")  # the ASCII characters of the pattern's `(?<=[ (,;:'‘])`
_ENDS = byte_class(lambda c: c in ".!?")
_PAD = b"\n\n\n"  # room to look three bytes past any match


def name_spans(buf: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the `NAME_PATTERN` matches in ASCII texts joined by newlines, the whole
    opening with a newline and ending with three (no look-around of the pattern sees through one).

    A match starts at a capital after one of ` (,;:'`, unless that is a space after `.!?`; it is a
    capital and lower-case letters, maybe with `'s`, not followed by a word character, or else
    three or more capitals not followed by one. A capital inside a match never follows one of
    ` (,;:'`, so matches cannot overlap and each capital is tried on its own.
    """
    raw = np.frombuffer(buf, dtype=np.uint8)
    p = np.flatnonzero((raw >= ord("A")) & (raw <= ord("Z")))
    p = p[p >= 2]
    p = p[_BEFORE[raw[p - 1]] & ~((raw[p - 1] == ord(" ")) & _ENDS[raw[p - 2]])]
    e = skip_class(raw, p + 1, _LOWER)  # the end of the lower-case letters after the capital
    possessive = (raw[e] == ord("'")) & (raw[e + 1] == ord("s")) & ~_WORD[raw[e + 2]]
    titled = (e > p + 1) & (possessive | ~_WORD[raw[e]])
    r = skip_class(raw, p, _UPPER)  # the end of the capitals from p
    acronym = (r - p >= 3) & ~_WORD[raw[r]]
    keep = titled | acronym
    ends = np.where(titled, np.where(possessive, e + 2, e), r)
    return p[keep], ends[keep]


def quick_names_joined(texts: Sequence[str]) -> list[frozenset[str]]:
    """`quick_names` of each of many ASCII texts, from one pass over all of them."""
    joined = "\n" + "\n".join(texts) + _PAD.decode()
    starts, ends = name_spans(joined.encode("ascii"))
    low = joined.lower()
    found = [low[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    text_starts = np.cumsum([1] + [len(t) + 1 for t in texts])
    cuts = np.searchsorted(starts, text_starts).tolist()
    return [frozenset(found[lo:hi]) - STOPWORDS for lo, hi in pairwise(cuts)]


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
    mask[at] = STOPWORD_TABLE.lookup(hashes[at], lambda k: tokens[where[k]]) == 0
    return mask


def names_by_sentence(mask: np.ndarray, bounds: np.ndarray, tokens: Sequence[str]) -> list[frozenset[str]]:
    """The name tokens (`mask`) of each sentence (`bounds`: token (start, end) rows, in token order)."""
    at = np.flatnonzero(mask)
    # Names of sentence k are at[cuts[k]:cuts[k + 1]] (sentences are in token order).
    cuts = np.searchsorted(at, bounds.reshape(-1)).reshape(-1, 2).tolist() if len(bounds) else []
    where = at.tolist()
    return [frozenset(tokens[i] for i in where[lo:hi]) for lo, hi in cuts]
