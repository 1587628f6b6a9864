"""Words: stopwords, stems and content-word ids, and a table that looks them up for whole arrays
of tokens by their hashes.

Documents carry a seeded 64-bit hash of every token (`Document.token_hashes`). Per-token classes
(a content word's stemmed id, whether a word is a stopword) are pure functions of the token, so a
direct-mapped table indexed by the hash's low bits (`TokenTable`) answers most tokens of a corpus
with three numpy gathers instead of one dict lookup per token. Misses (a token not seen yet, or whose
slot another token took) are computed in Python and take the slot.

The stopwords are scikit-learn's `ENGLISH_STOP_WORDS` (the Glasgow Information Retrieval list), kept
here as data so that preparing a document does not import scikit-learn (0.7 s at every start of the
CLI, a worker process or the service). A test checks the list against scikit-learn's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import xxhash

from dedup._util.memo import Memo

__all__ = [
    "CONTENT_IDS",
    "CONTENT_TABLE",
    "ENGLISH_STOP_WORDS",
    "STOPWORDS",
    "STOPWORD_TABLE",
    "TokenTable",
    "content_id",
    "content_ids",
    "stem",
]

_WORDS = """
a about above across after afterwards again against all almost alone along already also although
always am among amongst amoungst amount an and another any anyhow anyone anything anyway anywhere
are around as at back be became because become becomes becoming been before beforehand behind being
below beside besides between beyond bill both bottom but by call can cannot cant co con could
couldnt cry de describe detail do done down due during each eg eight either eleven else elsewhere
empty enough etc even ever every everyone everything everywhere except few fifteen fifty fill find
fire first five for former formerly forty found four from front full further get give go had has
hasnt have he hence her here hereafter hereby herein hereupon hers herself him himself his how
however hundred i ie if in inc indeed interest into is it its itself keep last latter latterly least
less ltd made many may me meanwhile might mill mine more moreover most mostly move much must my
myself name namely neither never nevertheless next nine no nobody none noone nor not nothing now
nowhere of off often on once one only onto or other others otherwise our ours ourselves out over own
part per perhaps please put rather re same see seem seemed seeming seems serious several she should
show side since sincere six sixty so some somehow someone something sometime sometimes somewhere
still such system take ten than that the their them themselves then thence there thereafter thereby
therefore therein thereupon these they thick thin third this those though three through throughout
thru thus to together too top toward towards twelve twenty two un under until up upon us very via
was we well were what whatever when whence whenever where whereafter whereas whereby wherein
whereupon wherever whether which while whither who whoever whole whom whose why will with within
without would yet you your yours yourself yourselves
"""

ENGLISH_STOP_WORDS: frozenset[str] = frozenset(_WORDS.split())
STOPWORDS = frozenset(ENGLISH_STOP_WORDS) | frozenset({"said", "says", "told", "would", "also", "year"})


def stem(tok: str) -> str:
    """A light stem, so that "officers" meets "officer" and "airing" "aired"."""
    if len(tok) > 5 and tok.endswith("ing"):
        return tok[:-3]
    if len(tok) > 4 and tok.endswith("ed"):
        return tok[:-2]
    if len(tok) > 4 and tok.endswith("ies"):
        return tok[:-3] + "y"
    if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
        return tok[:-1]
    return tok


def content_id(tok: str) -> int:
    """Hash of a token's stemmed form if it is a content word, else 0."""
    if tok in STOPWORDS or len(tok) < 3 or tok.replace(",", "").replace(".", "").isdigit():
        return 0
    return xxhash.xxh3_64_intdigest(stem(tok).encode("utf-8")) | 1


class TokenTable:
    """`table.lookup(hashes, token)[i]` is `function(token(i))`, for the uint64 hash `hashes[i]` of `token(i)`.

    Correct as long as two tokens never share a 64-bit hash (the shingles assume as much). `bits`
    sets the slots (2**bits, 16 bytes each); the hashes' low bits must be well mixed (they are
    fmix64 outputs).
    """

    def __init__(self, function: Callable[[str], int], bits: int = 20) -> None:
        if not 1 <= bits <= 30:
            raise ValueError(f"bits: use 1 to 30 (got {bits})")
        self.function = function
        self._mask = np.uint64((1 << bits) - 1)
        self._keys = np.zeros(1 << bits, dtype=np.uint64)
        self._values = np.zeros(1 << bits, dtype=np.uint64)

    def lookup(self, hashes: np.ndarray, token: Callable[[int], str]) -> np.ndarray:
        """uint64 `function` of each token: `token(i)` gives the token of `hashes[i]` (asked only on a
        miss, so a caller passes `tokens.__getitem__` instead of building a list)."""
        slot = (hashes & self._mask).astype(np.intp)
        values = self._values[slot]
        # An empty slot holds key 0: a token hashing to 0 is never taken as found.
        miss = np.flatnonzero((self._keys[slot] != hashes) | (hashes == 0))
        if len(miss):
            function = self.function
            fresh = np.fromiter((function(token(i)) for i in miss.tolist()), dtype=np.uint64, count=len(miss))
            values[miss] = fresh
            self._keys[slot[miss]] = hashes[miss]
            self._values[slot[miss]] = fresh
        return values


# Tokens recur across a corpus: their ids are looked up (`content_id` is pure), by token hash
# for whole documents, by token for the few a table misses.
CONTENT_IDS = Memo(content_id, 1 << 16, name="content_words")
CONTENT_TABLE = TokenTable(CONTENT_IDS.__getitem__)
STOPWORD_TABLE = TokenTable(lambda tok: tok in STOPWORDS, bits=18)


def content_ids(token_hashes: np.ndarray, tokens: Sequence[str]) -> np.ndarray:
    """Per token: a hash of its stemmed form for content words, 0 for stopwords and short tokens."""
    return CONTENT_TABLE.lookup(token_hashes, tokens.__getitem__)
