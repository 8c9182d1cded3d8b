"""The batch edge of the audit: read letters, audit them in worker processes, in order.

Each worker process loads the pack and compiles its rulesets once (durable_rules keeps them
per process), then parses and audits the letters it is sent. A letter that cannot be read,
parsed or audited comes back as an error for that letter; the batch goes on. That holds even
when a letter crashes its worker process (durable_rules is C code): the letters that were in
flight are audited again one at a time, and the one that crashes again comes back as an error.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from imr_rules.audit import AuditError, AuditItem, Auditor
from imr_rules.errors import ImrError
from imr_rules.inputs import read_input
from imr_rules.letters import parse_letter
from imr_rules.packs import load_pack

Result = tuple[str, list[AuditItem] | AuditError]
Job = tuple[str, str | ImrError]

_AUDITOR: Auditor | None = None
# Letters sent to a worker at a time (fewer round trips), and chunks in flight per worker
# (memory stays flat however many millions of letters the batch holds).
CHUNK = 4
CHUNKS_IN_FLIGHT = 8


def _init_worker(pack_root: str) -> None:
    global _AUDITOR
    _AUDITOR = Auditor(load_pack(pack_root))


def _error(name: str, exc: Exception) -> AuditError:
    if isinstance(exc, ImrError):
        return AuditError(file=exc.file or name, line=exc.line, message=exc.message
                           + (f" ({exc.hint})" if exc.hint else ""))
    # A bug must not lose the rest of a million-letter batch: report it with the letter.
    return AuditError(file=name, message=f"internal error while auditing "
                       f"({type(exc).__name__}: {exc}); please report it with this letter")


def audit_text(auditor: Auditor, name: str, text: str | ImrError) -> Result:
    """Parse and audit one letter's text, or say why it could not be."""
    if isinstance(text, ImrError):
        return name, _error(name, text)
    try:
        return name, auditor.audit_letter(parse_letter(text, name))
    except Exception as exc:  # noqa: BLE001 - one letter never stops the batch
        return name, _error(name, exc)


def _work(jobs: list[Job]) -> list[Result]:
    assert _AUDITOR is not None
    return [audit_text(_AUDITOR, *job) for job in jobs]


def _crashed(job: Job) -> Result:
    name = job[0]
    return name, AuditError(file=name, message="the audit of this letter crashed its worker "
                            "process (a fault in the rule engine's C code); the other letters "
                            "were audited; please report it with this letter")


def _jobs(items: Iterable[str | Path]) -> Iterator[Job]:
    for item in items:
        yield read_input(item)


def audit_inputs(items: Iterable[str | Path], pack_root: str | Path, workers: int = 1,
                 ) -> Iterator[Result]:
    """(letter, items or error) for every input, in input order, audited in `workers` worker
    processes (at least one: a crash in durable_rules' C code then loses one letter, not the
    run; reading and writing go on in this process meanwhile)."""
    yield from map_isolated(_work, _jobs(items), max(1, workers), _init_worker,
                            (str(pack_root),), _crashed)


_J = TypeVar("_J")
_R = TypeVar("_R")


def map_isolated(work: Callable[[list[_J]], list[_R]], jobs: Iterable[_J], workers: int,
                 initializer: Callable[..., None], initargs: Sequence[Any],
                 crashed: Callable[[_J], _R]) -> Iterator[_R]:
    """`work` over `jobs` in `workers` spawned processes, one result per job, in job order.

    `work` takes a chunk of jobs and returns their results (module-level, so a spawned process
    can import it). A job whose process dies (a segfault in C code, an abort) gives
    `crashed(job)`, and every other job its result: when a process dies, the jobs in flight are
    run again one at a time in a fresh pool, and only the one that kills it again is lost.
    """
    ctx = mp.get_context("spawn")  # each worker builds its own durable_rules state

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, mp_context=ctx, initializer=initializer,
                                   initargs=tuple(initargs))

    pool = new_pool()
    in_flight: deque[tuple[list[_J], Future[list[_R]]]] = deque()
    source = iter(jobs)
    finished = False
    try:
        while True:
            while len(in_flight) < workers * CHUNKS_IN_FLIGHT:
                chunk = list(islice(source, CHUNK))
                if not chunk:
                    break
                in_flight.append((chunk, pool.submit(work, chunk)))
            if not in_flight:
                finished = True
                return
            chunk, future = in_flight[0]
            try:
                results = future.result()
            except BrokenProcessPool:
                # Some chunk in flight killed a process; which one is unknown, and the pool
                # is gone: rerun every job in flight alone, in order, in fresh pools.
                pool.shutdown(wait=True, cancel_futures=True)
                pending = [job for chunk, _ in in_flight for job in chunk]
                in_flight.clear()
                pool = new_pool()
                for job in pending:
                    try:
                        (result,) = pool.submit(work, [job]).result()
                    except BrokenProcessPool:
                        pool.shutdown(wait=True, cancel_futures=True)
                        pool = new_pool()
                        result = crashed(job)
                    yield result
                continue
            in_flight.popleft()
            yield from results
    finally:
        # Done: wait for the pool's threads to end before the interpreter does (else Python
        # 3.11's exit handler may write to a pipe the pool has closed, and print a traceback).
        # Stopped early (Ctrl-C, the consumer gone): don't wait on workers that may be gone.
        pool.shutdown(wait=finished, cancel_futures=True)
