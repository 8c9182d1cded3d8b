"""The I/O edge for letters: turn command-line paths into (name, text-or-error) pairs.

A batch never stops at a bad file: each input yields either its text or the LetterError that
says what is wrong with it, and the caller reports errors beside the results.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from imr_rules.errors import LetterError
from imr_rules.letters import decode_letter, read_letter


def letter_paths(paths: Sequence[str]) -> Iterator[str | Path]:
    """Expand PATH arguments: a file as is, a directory to its `*.txt` files (sorted), `-` as is."""
    for raw in paths:
        if raw == "-":
            yield raw
            continue
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix.lower() == ".txt")
        else:
            yield path


def read_input(item: str | Path) -> tuple[str, str | LetterError]:
    """(name, text) of one input, or (name, error) when it cannot be read as a letter."""
    if item == "-":
        return "<stdin>", _read_stdin()
    path = Path(item)
    if not path.exists():
        return str(path), LetterError("no such file or directory", file=str(path),
                                      hint="check the path")
    try:
        return str(path), read_letter(path)
    except LetterError as exc:
        return str(path), exc


def _read_stdin() -> str | LetterError:
    try:
        return decode_letter(sys.stdin.buffer.read(), "<stdin>")
    except LetterError as exc:
        return exc


def iter_letters(paths: Sequence[str]) -> Iterator[tuple[str, str | LetterError]]:
    """Every input named by `paths`, read, in order."""
    for item in letter_paths(paths):
        yield read_input(item)
