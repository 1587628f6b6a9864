"""What the index answers for one article, and the terms it stores beside each article."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = ["IndexReport", "pack_terms", "unpack_terms"]


@dataclass
class IndexReport:
    """Relations of one article to earlier ones (output-contract records) and its repeated blocks.

    `candidates` were found by LSH and `verified` of them checked; `truncated` says the work budget ran
    out first (the relations are those found so far). `replayed`: the same article was added before,
    and this is the report it got then (a client's retry).
    """

    id: str
    relations: list[dict[str, Any]] = field(default_factory=list)
    repeats: list[dict[str, Any]] = field(default_factory=list)
    added: bool = False
    truncated: bool = False
    candidates: int = 0
    verified: int = 0
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The report as stored beside its article (without `replayed`, which describes one answer)."""
        record = asdict(self)
        record.pop("replayed")
        return record

    @classmethod
    def from_dict(cls, record: dict[str, Any], replayed: bool = False) -> IndexReport:
        """A stored report; fields this version does not know are dropped."""
        known = {k: record[k] for k in ("id", "relations", "repeats", "added", "truncated", "candidates", "verified")}
        return cls(**{k: v for k, v in known.items() if v is not None}, replayed=replayed)


def pack_terms(buckets: np.ndarray, counts: np.ndarray) -> bytes:
    """An article's IDF terms (int32 buckets, uint16 counts) as bytes for the store."""
    return buckets.astype("<i4").tobytes() + counts.astype("<u2").tobytes()


def unpack_terms(packed: bytes) -> tuple[np.ndarray, np.ndarray]:
    n = len(packed) // 6
    return np.frombuffer(packed, "<i4", n).astype(np.int32), np.frombuffer(packed, "<u2", n, offset=4 * n)
