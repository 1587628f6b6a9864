"""Detection: verify candidate pairs, decide their relation, find repeated blocks inside one text."""

from dedup.detect.align import PairFeatures, Passage, compare_documents
from dedup.detect.relation import Model, Relation, classify, load_model
from dedup.detect.repeats import RepeatBlock, find_repeats

__all__ = [
    "Model",
    "PairFeatures",
    "Passage",
    "Relation",
    "RepeatBlock",
    "classify",
    "compare_documents",
    "find_repeats",
    "load_model",
]
