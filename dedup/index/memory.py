"""Memory of a process that holds an index for long: what the index costs per article, and the C heap."""

from __future__ import annotations

import numpy as np

from dedup._util import heap
from dedup.index.incremental import Index

__all__ = ["give_back_freed_memory", "keep_heap_small", "memory_per_article"]


def memory_per_article(index: Index) -> float:
    """Bytes of band tables and ids per indexed article (the fixed IDF table excluded); NaN when empty."""
    return index.article_nbytes / len(index) if len(index) else float(np.nan)


def keep_heap_small() -> None:
    """For a process that holds an index for long: have the C heap return large freed blocks (256 KB
    and over) to the system. glibc otherwise raises its mmap threshold to the size of each mapped
    block freed, after which the index's merged runs come from the heap and the holes they leave
    stay resident. Does nothing where there is no glibc."""
    heap.set_params(heap.RETURN_LARGE)


def give_back_freed_memory() -> None:
    """Return the heap's free memory to the system now (`malloc_trim`), so that a reading of the
    process's memory counts memory in use rather than the allocator's reserve."""
    heap.trim()
