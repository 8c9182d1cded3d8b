"""The batch edge of the audit: read letters, audit them in one or more processes, in order.

Each worker process loads the pack and compiles its rulesets once (durable_rules keeps them
per process), then parses and audits the letters it is sent. A letter that cannot be read,
parsed or audited comes back as an error for that letter; the batch goes on.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from imr_rules.audit import AuditError, AuditItem, Auditor
from imr_rules.errors import ImrError
from imr_rules.inputs import read_input
from imr_rules.letters import parse_letter
from imr_rules.packs import load_pack

Result = tuple[str, list[AuditItem] | AuditError]

_AUDITOR: Auditor | None = None


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


def _work(job: tuple[str, str | ImrError]) -> Result:
    assert _AUDITOR is not None
    return audit_text(_AUDITOR, *job)


def _jobs(items: Iterable[str | Path]) -> Iterator[tuple[str, str | ImrError]]:
    for item in items:
        yield read_input(item)


def audit_inputs(items: Iterable[str | Path], pack_root: str | Path, workers: int = 1,
                 auditor: Auditor | None = None) -> Iterator[Result]:
    """(letter, items or error) for every input, in input order."""
    if workers <= 1:
        local = auditor or Auditor(load_pack(pack_root))
        for name, text in _jobs(items):
            yield audit_text(local, name, text)
        return
    # spawn: each worker builds its own durable_rules state from scratch.
    ctx = mp.get_context("spawn")
    # Pool.imap reads its input as fast as it can: bound the letters in flight so memory
    # stays flat however many millions of letters the batch holds.
    in_flight = threading.Semaphore(workers * 32)
    stopped = threading.Event()  # the consumer is gone: stop feeding (no hang on Ctrl-C)

    def bounded(jobs: Iterator[tuple[str, str | ImrError]],
                ) -> Iterator[tuple[str, str | ImrError]]:
        for job in jobs:
            while not in_flight.acquire(timeout=0.2):
                if stopped.is_set():
                    return
            yield job

    try:
        with ctx.Pool(workers, initializer=_init_worker, initargs=(str(pack_root),)) as pool:
            for result in pool.imap(_work, bounded(_jobs(items)), chunksize=4):
                in_flight.release()
                yield result
    finally:
        stopped.set()
