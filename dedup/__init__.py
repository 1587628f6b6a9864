"""newsdedup: find exact, near-duplicate, copied, partly reused and rewritten news articles.

Library entry points: `scan_articles` (batch; `dedup.scan.scan` for files), `Index` (one article at a time),
`compare_texts` / `compare_pairs` (direct comparison), and `Detector` with its configuration.
"""

from typing import TYPE_CHECKING, Any

from dedup.article import Article
from dedup.compare import compare_pairs, compare_texts
from dedup.config import DetectorConfig, LSHConfig, SegmentConfig, ShingleConfig, SignatureConfig
from dedup.decide.model import RelationModel, load_model
from dedup.decide.relation import RELATIONS, Decision
from dedup.detector import Detector
from dedup.errors import ConfigError, DedupError, InputError, StoreError
from dedup.scan import scan_articles

if TYPE_CHECKING:
    from dedup.index import Index

__version__ = "0.1.0"

__all__ = [
    "RELATIONS",
    "Article",
    "ConfigError",
    "Decision",
    "DedupError",
    "Detector",
    "DetectorConfig",
    "Index",
    "InputError",
    "LSHConfig",
    "RelationModel",
    "SegmentConfig",
    "ShingleConfig",
    "SignatureConfig",
    "StoreError",
    "compare_pairs",
    "compare_texts",
    "load_model",
    "scan_articles",
]


def __getattr__(name: str) -> Any:
    # `Index` (the streaming index, its stores) is imported on first use: `dedup scan` never needs it,
    # and every command line run would pay for importing it (30 ms of a Reuters scan's start).
    if name == "Index":
        from dedup.index import Index

        return Index
    raise AttributeError(f"module 'dedup' has no attribute {name!r}")
