"""Verify a candidate pair: verbatim tiles, reworded sentences, and what they measure; repeats inside one text."""

from dedup.verify.align import PairFeatures, Passage, compare_documents
from dedup.verify.repeats import RepeatBlock, find_repeats

__all__ = ["PairFeatures", "Passage", "RepeatBlock", "compare_documents", "find_repeats"]
