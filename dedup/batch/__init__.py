"""Batch scanning: stages that can run separately over shards (sign, candidates, verify, cluster)."""

from dedup.batch.candidates import Candidates, find_candidates
from dedup.batch.scan import ScanResult, read_articles, scan, scan_articles
from dedup.batch.sign import SignedShard, concat_shards, sign_shard
from dedup.batch.verify import Verified, verify_pairs

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
