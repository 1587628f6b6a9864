"""What a source accounts for of a derived article, sentence by sentence (`SideEvidence`).

The cascade's reuse rules (`relation`) and the level regression (`level`) read a pair's derived side
through this one record, so that both judge the same measurements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dedup.verify.align import PairFeatures, SentenceMatch

__all__ = ["SentenceTest", "SideEvidence", "side_evidence"]

SentenceTest = Callable[[SentenceMatch], bool]


@dataclass(frozen=True, eq=False)
class SideEvidence:
    """What a source accounts for of a derived article `d` (one array entry per sentence of d), with
    the pair's whole-text measurements."""

    tokens: np.ndarray  # int64: tokens of each sentence of d
    verbatim: np.ndarray  # float64: share of the sentence copied verbatim
    similarity: np.ndarray  # float64: similarity to its best counterpart in the source
    reworded: np.ndarray  # bool: closely reworded (the cascade's test)
    close: np.ndarray  # bool: still pairs with a sentence of the source (the rewrite test)
    verbatim_share: float  # of d inside verbatim passages
    matched_share: float  # of d inside shared passages
    cosine: float
    shared_facts: int
    d_facts: int
    copied_figures: int  # precise figures copied verbatim (`PairFeatures.copied_figures`)
    longest_tile: int  # characters of the longest verbatim passage, on side a of the pair
    source_matched: float
    source_verbatim: float
    d_tokens: int
    s_tokens: int

    def copied_tokens(self) -> float:
        """Tokens of d inside verbatim passages."""
        return self.verbatim_share * self.d_tokens


def side_evidence(f: PairFeatures, derived: str, reworded: SentenceTest, close: SentenceTest) -> SideEvidence:
    """The evidence of one pair for its `derived` side ("a" or "b"); `reworded` and `close` are the
    cascade's sentence tests, passed in to keep their thresholds."""
    d, s = ("a", "b") if derived == "a" else ("b", "a")
    side: Sequence[SentenceMatch] = getattr(f, f"sentences_{d}")
    n = len(side)
    return SideEvidence(
        tokens=np.fromiter((m.tokens for m in side), dtype=np.int64, count=n),
        verbatim=np.fromiter((m.verbatim for m in side), dtype=np.float64, count=n),
        similarity=np.fromiter((m.similarity for m in side), dtype=np.float64, count=n),
        reworded=np.fromiter((reworded(m) for m in side), dtype=bool, count=n),
        close=np.fromiter((close(m) for m in side), dtype=bool, count=n),
        verbatim_share=getattr(f, f"verbatim_{d}"),
        matched_share=getattr(f, f"matched_{d}"),
        cosine=f.cosine,
        shared_facts=f.shared_facts,
        d_facts=getattr(f, f"facts_{d}"),
        copied_figures=f.copied_figures,
        longest_tile=max((p.a[1] - p.a[0] for p in f.tiles), default=0),
        source_matched=getattr(f, f"matched_{s}"),
        source_verbatim=getattr(f, f"verbatim_{s}"),
        d_tokens=getattr(f, f"{d}_tokens"),
        s_tokens=getattr(f, f"{s}_tokens"),
    )
