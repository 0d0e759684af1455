"""A batch run has the C allocator keep freed memory for the next chunk (glibc only)."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys

import pytest

# Ten rounds of the same large blocks, allocated, written and freed, as chunks do; prints the
# page faults of all rounds and of the first alone.
CHURN = """
import resource, sys
from advisor.batch import runner
if sys.argv[1] == "keep":
    runner._keep_freed_memory()
faults = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def round_():
    blocks = [bytearray(6 << 20), bytearray(3 << 20), bytearray(1 << 20)]
    del blocks
start = faults()
round_()
first = faults() - start
for _ in range(9):
    round_()
print(faults() - start, first)
"""


def _glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (AttributeError, ValueError, OSError):
        return False


@pytest.mark.skipif(not _glibc(), reason="mallopt is glibc's")
def test_chunks_reuse_the_memory_an_earlier_chunk_freed():
    done = subprocess.run(
        [sys.executable, "-c", CHURN, "keep"], capture_output=True, text=True, check=True, cwd=os.getcwd()
    )
    total, first = map(int, done.stdout.split())
    assert first > 2000  # 10 MB were faulted in once (4 KB pages)
    assert total < first * 1.5, (total, first)  # and then reused: no round faults them in again


def test_nothing_changes_where_the_allocator_is_not_glibc(monkeypatch):
    def no_glibc(name: str) -> str:
        raise ValueError(name)

    calls: list[object] = []
    monkeypatch.setattr(os, "confstr", no_glibc)
    monkeypatch.setattr(ctypes, "CDLL", lambda *args: calls.append(args))
    from advisor.batch import runner

    runner._keep_freed_memory()
    assert calls == []  # the C library was not even opened
