"""The batch runner: results come in input order, and a letter that kills its worker process
(a fault in durable_rules' C code) costs only itself — the batch neither hangs nor stops."""

from __future__ import annotations

import pytest

import crash_jobs
from imr_rules.runner import CHUNK, map_isolated


def run(jobs: list[int], workers: int = 2) -> list[str]:
    return list(map_isolated(crash_jobs.square_or_die, jobs, workers, crash_jobs.init, ("t",),
                             crash_jobs.lost))


def test_results_come_in_job_order() -> None:
    jobs = list(range(50))
    assert run(jobs) == [f"t{j * j}" for j in jobs]


@pytest.mark.parametrize("where", [0, CHUNK - 1, CHUNK + 1, 37])
def test_a_job_that_kills_its_process_costs_only_itself(where: int) -> None:
    jobs = list(range(1, 41))
    jobs[where] = -1
    expected = [f"t{j * j}" if j >= 0 else "crashed:-1" for j in jobs]
    assert run(jobs) == expected


def test_several_crashes_in_one_batch() -> None:
    jobs = [1, -2, 3, 4, -5, 6, 7, 8, 9, -10, 11]
    assert run(jobs) == ["t1", "crashed:-2", "t9", "t16", "crashed:-5", "t36", "t49", "t64",
                         "t81", "crashed:-10", "t121"]


def test_stopping_early_leaves_no_pool_running() -> None:
    results = map_isolated(crash_jobs.square_or_die, range(1000), 2, crash_jobs.init, ("t",),
                           crash_jobs.lost)
    assert next(results) == "t0"
    results.close()  # the consumer is gone: the pool shuts down, nothing hangs
