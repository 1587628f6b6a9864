"""The C heap settings of long-running processes: large arrays go back to the system when freed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT, has_mallinfo2

# Frees a 20 MB mapped array (glibc then raises its mmap threshold to 20 MB), runs SETUP, and prints
# whether a fresh 1 MB array is mapped on its own (1) or taken from the heap (0).
_PROBE = """
import numpy as np
from dedup._util import heap
from tests.conftest import mapped_for

del_me = np.ones(20 << 20, dtype=np.uint8)
del del_me
{setup}
print(int(mapped_for(1 << 20) >= 1 << 20))
"""


def _mapped_after(setup: str) -> bool:
    code = _PROBE.format(setup=textwrap.dedent(setup))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.strip() == "1"


@pytest.mark.skipif(not has_mallinfo2(), reason="needs glibc 2.33 or later")
def test_return_large_keeps_arrays_mapped_after_a_larger_one_was_freed() -> None:
    assert not _mapped_after("")  # glibc's default: the freed 20 MB raised the threshold
    assert _mapped_after("heap.set_params(heap.RETURN_LARGE)")


@pytest.mark.skipif(not has_mallinfo2(), reason="needs glibc 2.33 or later")
def test_the_service_process_returns_large_arrays() -> None:
    setup = """
    from fastapi.testclient import TestClient
    from service import Settings, create_app
    with TestClient(create_app(Settings())) as client:
        client.get("/health")
    """
    assert _mapped_after(setup)
