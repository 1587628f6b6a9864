"""newsdedup: find exact, near-duplicate, copied, partly reused and rewritten news articles.

Library entry points: `scan_articles` (batch; `dedup.scan.scan` for files), `Index` (one article at a time),
`compare_texts` / `compare_pairs` (direct comparison), and `Detector` with its configuration.
"""

from dedup.article import Article
from dedup.compare import compare_pairs, compare_texts
from dedup.config import DetectorConfig, LSHConfig, SegmentConfig, ShingleConfig, SignatureConfig
from dedup.decide.model import RelationModel, load_model
from dedup.decide.relation import RELATIONS, Decision
from dedup.detector import Detector
from dedup.errors import ConfigError, DedupError, InputError, StoreError
from dedup.index import Index
from dedup.scan import scan_articles

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
