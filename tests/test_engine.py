"""Worker processes of the process engine run as batch stages need: collection thresholds raised, and
a heap that keeps what a task frees for the next one."""

from __future__ import annotations

import ctypes
import gc

import numpy as np
import pytest

from dedup.engine import BATCH_GC_THRESHOLD, ProcessEngine

_MB = 1 << 20


def _threshold(_: int) -> tuple[int, int, int]:
    return gc.get_threshold()


_MALLINFO2_FIELDS = (
    "arena",
    "ordblks",
    "smblks",
    "hblks",
    "hblkhd",
    "usmblks",
    "fsmblks",
    "uordblks",
    "fordblks",
    "keepcost",
)


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in _MALLINFO2_FIELDS]


def _mapped_for(size: int) -> int:
    """Bytes glibc maps from the system on their own (not from its heap) for a live array of `size` bytes."""
    info = ctypes.CDLL("libc.so.6").mallinfo2
    info.restype = _MallInfo2
    before = info().hblkhd
    held = np.ones(size, dtype=np.uint8)
    mapped = int(info().hblkhd - before)
    del held
    return mapped


def test_workers_collect_garbage_at_the_batch_threshold() -> None:
    with ProcessEngine(2) as engine:
        assert set(engine.map(_threshold, range(4))) == {BATCH_GC_THRESHOLD}


def _has_mallinfo2() -> bool:
    try:
        return hasattr(ctypes.CDLL("libc.so.6"), "mallinfo2")
    except OSError:
        return False


@pytest.mark.skipif(not _has_mallinfo2(), reason="needs glibc 2.33 or later")
def test_workers_take_task_arrays_from_their_heap() -> None:
    """By default glibc maps an array of 64 MB on its own and unmaps it when freed, so the next task's
    array is faulted in page by page again; a worker's heap keeps and reuses that memory."""
    size = 64 * _MB
    assert _mapped_for(size) >= size  # this process keeps glibc's defaults
    with ProcessEngine(2) as engine:
        assert list(engine.map(_mapped_for, [size] * 4)) == [0] * 4
