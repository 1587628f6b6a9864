"""`Document.quick_names` of a whole shard: the name pattern's matches in every ASCII text at once.

The regular expression tries every character of every text. On ASCII its matches are fixed by the
classes of a few bytes around each capital, so only the capitals of one buffer of all the texts
are looked at, with numpy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dedup.document import STOPWORDS, Document
from dedup.segment import skip_class

__all__ = ["name_spans", "quick_names_many"]


def _table(chars: str) -> np.ndarray:
    return np.array([chr(c) in chars for c in range(256)], dtype=bool)


_UPPER = _table("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = _table("abcdefghijklmnopqrstuvwxyz")
_WORD = _table("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")  # ASCII \w
_BEFORE = _table(" (,;:'")  # the ASCII characters of the pattern's `(?<=[ (,;:'‘])`
_ENDS = _table(".!?")
_PAD = b"\n\n\n"  # room to look three bytes past any match


def name_spans(buf: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the `document._NAME` matches in ASCII texts joined by newlines, the whole
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


def quick_names_many(docs: Sequence[Document]) -> None:
    """Store `quick_names` on every document with an ASCII text that has none yet (others keep the
    per-document pattern)."""
    todo = [d for d in docs if "quick_names" not in d.__dict__ and d.text.isascii()]
    if not todo:
        return
    joined = "\n" + "\n".join(d.text for d in todo) + _PAD.decode()
    starts, ends = name_spans(joined.encode("ascii"))
    low = joined.lower()
    names = [low[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    text_starts = np.cumsum([1] + [len(d.text) + 1 for d in todo])
    cuts = np.searchsorted(starts, text_starts).tolist()
    for d, lo, hi in zip(todo, cuts[:-1], cuts[1:], strict=True):
        d.__dict__["quick_names"] = frozenset(names[lo:hi]) - STOPWORDS
