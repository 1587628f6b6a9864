"""Batch scanning: stages that can run separately over shards (sign, candidates, verify, cluster)."""

from dedup.candidates import Candidates, find_candidates
from dedup.scan.run import ScanResult, read_articles, scan, scan_articles
from dedup.scan.verify import Verified, verify_pairs
from dedup.sketch.shard import SignedShard, concat_shards, sign_shard

__all__ = [
    "Candidates",
    "ScanResult",
    "SignedShard",
    "Verified",
    "concat_shards",
    "find_candidates",
    "read_articles",
    "scan",
    "scan_articles",
    "sign_shard",
    "verify_pairs",
]
