"""Jobs for tests/test_runner.py, importable by the spawned worker processes (kept apart from
the test module so that a worker imports nothing else)."""

from __future__ import annotations

import os
import signal

_TAG = ""


def init(tag: str) -> None:
    global _TAG
    _TAG = tag


def square_or_die(jobs: list[int]) -> list[str]:
    """Each job's square, tagged; a negative job kills its process as a segfault would."""
    out = []
    for job in jobs:
        if job < 0:
            os.kill(os.getpid(), signal.SIGSEGV)
        out.append(f"{_TAG}{job * job}")
    return out


def lost(job: int) -> str:
    return f"crashed:{job}"
