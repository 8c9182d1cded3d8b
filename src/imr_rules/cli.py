"""The `imr-rules` command line: the edge where files, terminals and exit codes live.

Exit status: 0 all inputs processed; 1 some inputs failed (the rest are still reported);
2 nothing could be processed, or the command was used wrongly.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import NoReturn

import typer
from rich.console import Console

from imr_rules import __version__
from imr_rules.errors import ImrError, LetterError
from imr_rules.inputs import iter_letters
from imr_rules.letters import parse_letter
from imr_rules.models import Determination

app = typer.Typer(
    name="imr-rules",
    help="Check California IMR decisions against the MTUS criteria they rest on.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class ParseFormat(StrEnum):
    json = "json"
    table = "table"


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line to stderr and exit with `code`."""
    err.print(f"[red]error:[/red] {message}", markup=True)
    raise typer.Exit(code)


def report_errors(errors: list[ImrError]) -> None:
    for e in errors:
        err.print(f"[red]error:[/red] {e.one_line()}", markup=True, highlight=False)


def exit_status(done: int, failed: int) -> int:
    """0 when nothing failed, 2 when nothing succeeded, else 1."""
    if failed == 0:
        return 0
    return 2 if done == 0 else 1


@app.callback(invoke_without_command=True)
def _main(version: bool = typer.Option(False, "--version", help="Print the version.")) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit(0)


@app.command()
def parse(
    paths: list[str] = typer.Argument(..., help="Letter files, directories of *.txt, or -"),
    format: ParseFormat = typer.Option(ParseFormat.table, "--format", "-f"),
) -> None:
    """Parse IMR letters: reviewer, patient, summary, and each item's decision and citation."""
    parsed: list[Determination] = []
    errors: list[ImrError] = []
    for name, text in iter_letters(paths):
        if isinstance(text, LetterError):
            errors.append(text)
            continue
        try:
            parsed.append(parse_letter(text, name))
        except LetterError as exc:
            errors.append(exc)
    if format is ParseFormat.json:
        json.dump([d.model_dump(mode="json") for d in parsed], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        from imr_rules.report import print_determinations

        print_determinations(parsed)
    report_errors(errors)
    raise typer.Exit(exit_status(len(parsed), len(errors)))


def main() -> None:
    """Console-script entry point: user errors print one line, never a traceback."""
    try:
        app()
    except ImrError as exc:
        fail(exc.one_line())
