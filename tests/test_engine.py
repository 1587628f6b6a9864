"""Worker processes of the process engine run as batch stages need: collection thresholds raised, and
a heap that keeps what a task frees for the next one."""

from __future__ import annotations

import gc

import pytest

from dedup.scan.engine import BATCH_GC_THRESHOLD, ProcessEngine
from tests.conftest import has_mallinfo2, mapped_for

_MB = 1 << 20


def _threshold(_: int) -> tuple[int, int, int]:
    return gc.get_threshold()


def test_workers_collect_garbage_at_the_batch_threshold() -> None:
    with ProcessEngine(2) as engine:
        assert set(engine.map(_threshold, range(4))) == {BATCH_GC_THRESHOLD}


@pytest.mark.skipif(not has_mallinfo2(), reason="needs glibc 2.33 or later")
def test_workers_take_task_arrays_from_their_heap() -> None:
    """By default glibc maps an array of 64 MB on its own and unmaps it when freed, so the next task's
    array is faulted in page by page again; a worker's heap keeps and reuses that memory."""
    size = 64 * _MB
    assert mapped_for(size) >= size  # this process keeps glibc's defaults
    with ProcessEngine(2) as engine:
        assert list(engine.map(mapped_for, [size] * 4)) == [0] * 4
