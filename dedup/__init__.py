"""newsdedup: find exact, near-duplicate, copied, partly reused and rewritten news articles.

Library entry points: `scan` / `scan_articles` (batch), `Index` (one article at a time),
`compare_texts` / `compare_pairs` (direct comparison), and `Detector` with its configuration.
"""

from dedup.article import Article
from dedup.batch import scan, scan_articles
from dedup.compare import compare_pairs, compare_texts
from dedup.config import DetectorConfig, LSHConfig, SegmentConfig, ShingleConfig, SignatureConfig
from dedup.detect.relation import RELATIONS, Model, load_model
from dedup.detector import Detector
from dedup.errors import ConfigError, DedupError, InputError, StoreError
from dedup.index import Index

__version__ = "0.1.0"

__all__ = [
    "RELATIONS",
    "Article",
    "ConfigError",
    "DedupError",
    "Detector",
    "DetectorConfig",
    "Index",
    "InputError",
    "LSHConfig",
    "Model",
    "SegmentConfig",
    "ShingleConfig",
    "SignatureConfig",
    "StoreError",
    "compare_pairs",
    "compare_texts",
    "load_model",
    "scan",
    "scan_articles",
]
