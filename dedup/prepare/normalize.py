"""Pure text normalization: NFKC, quotes and dashes, invisible characters, case and whitespace.

The result is used for comparing and hashing only; offsets always point into the original text,
which is why segmentation works on the original and normalization is applied per block.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["ASCII_FOLD", "fold_punctuation", "normalize"]

_ONE_TO_ONE = {
    **dict.fromkeys(map(ord, "‘’‚‛′`´"), "'"),
    **dict.fromkeys(map(ord, "“”„‟″«»"), '"'),
    **dict.fromkeys(map(ord, "‐‑‒–—―−⁃"), "-"),
    **dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u3000"), " "),
    # Zero-width characters and the soft hyphen join the word they sit in.
    **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None),
    **{c: " " for c in (*range(0, 9), 11, 12, *range(14, 32), 127, *range(128, 160))},
}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# TeX-style quotes (``like this'') are how PA wire copy of the METER era writes quotation marks.
_TEX_QUOTES = re.compile(r"``|''")
# bytes.translate table doing, for ASCII text, what fold_punctuation() and casefold() do: control
# characters to spaces, the backtick to an apostrophe, upper to lower case (a plain 256-byte lookup
# is several times faster than str.translate with a dict plus str.casefold).
_FOLD_TABLE = bytearray(range(256))
for _c, _to in _ONE_TO_ONE.items():
    if _c < 128 and isinstance(_to, str):
        _FOLD_TABLE[_c] = ord(_to)
_FOLD_TABLE[ord("A") : ord("Z") + 1] = bytes(range(ord("a"), ord("z") + 1))
ASCII_FOLD = bytes(_FOLD_TABLE)


def fold_punctuation(text: str) -> str:
    """Map typographic quotes, dashes and spaces to ASCII; drop zero-width and control characters."""
    if not text.isascii():
        # Invisible characters go first: removed after NFKC they would leave a letter and its
        # combining mark uncomposed, and normalize() would not be idempotent.
        text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    text = text.translate(_ONE_TO_ONE)
    if "``" in text or "''" in text:
        text = _TEX_QUOTES.sub('"', text)
    return text


def normalize(text: str) -> str:
    """Return the comparison form of `text`: folded punctuation, case-folded, single-spaced, stripped."""
    if text.isascii():
        # Same result on bytes: ASCII_FOLD leaves only \t \n \r and space as whitespace, which
        # bytes.split() and str.split() both split on.
        raw = text.encode("ascii").translate(ASCII_FOLD)
        if b"''" in raw:
            raw = raw.replace(b"''", b'"')
        return b" ".join(raw.split()).decode("ascii")
    # str.split() splits on exactly the characters \s matches, several times faster than a regex.
    return " ".join(fold_punctuation(text).casefold().split())
