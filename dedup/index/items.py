"""The index's articles by number: their ids, id hashes (to find one for a delete), deletion marks and
normalized-text hashes (to tell a copy of an earlier one), without a Python object per article."""

from __future__ import annotations

import sys
from array import array

import numpy as np
import xxhash

from dedup.index.snapshot import IdArrays

__all__ = ["Items"]


def _id_hash(article_id: str) -> int:
    return xxhash.xxh3_64_intdigest(article_id.encode())


class Items:
    """Item numbers 0.. in the order articles were added; deleted ones keep their number."""

    def __init__(self, ids: IdArrays | None = None, norms: np.ndarray | None = None) -> None:
        # Article ids as one UTF-8 buffer and its end offsets.
        self.id_bytes, self.id_ends, self.id_hashes, self.dead = ids or (
            bytearray(),
            array("Q"),
            array("Q"),
            bytearray(),
        )
        self.norms = array("Q", norms.tobytes()) if norms is not None else array("Q")
        self.n_dead = self.dead.count(1)

    def __len__(self) -> int:
        return len(self.id_ends)

    @property
    def live(self) -> int:
        return len(self.id_ends) - self.n_dead

    def append(self, ids: list[str], norm_hashes: np.ndarray) -> np.ndarray:
        """Number new articles (ids and normalized-text hashes, in order); their item numbers."""
        first = len(self.id_ends)
        for article_id in ids:
            self.id_bytes += article_id.encode()
            self.id_ends.append(len(self.id_bytes))
            self.id_hashes.append(_id_hash(article_id))
        self.dead += bytes(len(ids))
        self.norms.extend(norm_hashes.tolist())
        return np.arange(first, first + len(ids), dtype=np.uint32)

    def id(self, item: int) -> str:
        """The id of item number `item`."""
        start = self.id_ends[item - 1] if item else 0
        return self.id_bytes[start : self.id_ends[item]].decode()

    def numbered(self, article_id: str) -> list[int]:
        """The items (live or deleted) numbered for this id, in order."""
        hashes = np.frombuffer(self.id_hashes, dtype=np.uint64)
        found = np.flatnonzero(hashes == _id_hash(article_id)).tolist()
        del hashes  # a live view would stop the array from growing
        return [item for item in found if self.id(item) == article_id]

    def forget(self, article_id: str) -> None:
        """Mark the live items with this id deleted."""
        for item in self.numbered(article_id):
            if not self.dead[item]:
                self.dead[item] = 1
                self.n_dead += 1

    def dead_marks(self) -> np.ndarray | None:
        """Per item, 1 if deleted (a view; None while none is)."""
        return np.frombuffer(self.dead, dtype=np.uint8) if self.n_dead else None

    def arrays(self) -> IdArrays:
        return self.id_bytes, self.id_ends, self.id_hashes, self.dead

    @property
    def nbytes(self) -> int:
        """Bytes of the ids: their UTF-8 buffer, end offsets, hashes, deletion marks and text hashes."""
        return sum(sys.getsizeof(a) for a in (self.id_bytes, self.id_ends, self.id_hashes, self.dead, self.norms))
