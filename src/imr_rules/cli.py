"""The `imr-rules` command line: the edge where files, terminals and exit codes live.

Exit status: 0 all inputs processed; 1 some inputs failed (the rest are still reported);
2 nothing could be processed, or the command was used wrongly.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from imr_rules import __version__, build
from imr_rules.errors import ImrError, LetterError
from imr_rules.inputs import iter_letters
from imr_rules.letters import parse_letter
from imr_rules.models import Determination

if TYPE_CHECKING:
    from imr_rules.audit import AuditItem

app = typer.Typer(
    name="imr-rules",
    help="Check California IMR decisions against the MTUS criteria they rest on.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _mount_pack_tools() -> None:
    from imr_rules.cli_pack import pack_app

    app.add_typer(pack_app, name="pack", help="Rule-pack authoring: schema, lint, test, docs, "
                  "new.")


class TableOrJson(StrEnum):
    """--format of parse, facts and check."""

    json = "json"
    table = "table"


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line to stderr and exit with `code`."""
    err.print(f"[red]error:[/red] {escape(message)}", markup=True)
    raise typer.Exit(code)


def report_errors(errors: list[ImrError]) -> None:
    for e in errors:
        err.print(f"[red]error:[/red] {escape(e.one_line())}", markup=True, highlight=False)


def exit_status(done: int, failed: int) -> int:
    """0 when nothing failed, 2 when nothing succeeded, else 1."""
    if failed == 0:
        return 0
    return 2 if done == 0 else 1


def parsed_letters(paths: list[str], errors: list[ImrError]) -> Iterator[Determination]:
    """Every letter named by `paths`, parsed; the ones that cannot be go to `errors`."""
    for name, text in iter_letters(paths):
        if isinstance(text, LetterError):
            errors.append(text)
            continue
        try:
            yield parse_letter(text, name)
        except LetterError as exc:
            errors.append(exc)


@app.callback(invoke_without_command=True)
def _main(version: bool = typer.Option(
        False, "--version", help="Print the version and the build (pure or compiled).")) -> None:
    if version:
        typer.echo(f"imr-rules {__version__} ({build()} build)")
        raise typer.Exit(0)


@app.command()
def parse(
    paths: list[str] = typer.Argument(..., help="Letter files, directories of *.txt, or -"),
    format: TableOrJson = typer.Option(TableOrJson.table, "--format", "-f"),
) -> None:
    """Parse IMR letters: reviewer, patient, summary, and each item's decision and citation."""
    parsed: list[Determination] = []
    errors: list[ImrError] = []
    parsed.extend(parsed_letters(paths, errors))
    if format is TableOrJson.json:
        json.dump([d.model_dump(mode="json") for d in parsed], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        from imr_rules.report import print_determinations

        print_determinations(parsed)
    report_errors(errors)
    raise typer.Exit(exit_status(len(parsed), len(errors)))


class View(StrEnum):
    blind = "blind"
    findings = "findings"


@app.command()
def facts(
    paths: list[str] = typer.Argument(..., help="Letter files, directories of *.txt, or -"),
    view: View = typer.Option(View.blind, "--view", help="blind: the case summary only; "
                              "findings: summary plus each item's rationale"),
    format: TableOrJson = typer.Option(TableOrJson.table, "--format", "-f"),
    pack: Path | None = typer.Option(None, "--pack", "-p", help="Pack whose lexicon to add."),
) -> None:
    """Extract the case facts of IMR letters, each with the words it came from."""
    from imr_rules.facts import Extractor, extractor_for
    from imr_rules.packs import load_pack
    from imr_rules.report import LetterFacts, print_facts

    extractor = extractor_for(load_pack(pack)) if pack else Extractor()
    results: list[LetterFacts] = []
    errors: list[ImrError] = []
    for det in parsed_letters(paths, errors):
        name = det.source
        summary = extractor.observe(det.summary)
        blind_case = extractor.case_facts(det, "blind", summary=summary)
        items = []
        for i in range(1, len(det.items) + 1):
            case = (blind_case if view is View.blind else
                    extractor.case_facts(det, "findings", item=i, summary=summary))
            items.append({"item": i, "request": extractor.request(det, i, case),
                          "facts": None if view is View.blind else case})
        results.append(LetterFacts(letter=name, view=view.value,
                                   facts=blind_case if view is View.blind else None,
                                   items=items))
    if format is TableOrJson.json:
        json.dump([r.model_dump(mode="json", exclude_none=True) for r in results], sys.stdout,
                  indent=2)
        sys.stdout.write("\n")
    else:
        for r in results:
            print_facts(r)
    report_errors(errors)
    raise typer.Exit(exit_status(len(results), len(errors)))


@app.command()
def vocabulary() -> None:
    """Print the fact vocabulary (the facts rule packs may name) as JSON Schema."""
    from imr_rules.vocabulary import vocabulary_schema

    json.dump(vocabulary_schema(), sys.stdout, indent=2)
    sys.stdout.write("\n")


class AuditFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    md = "md"


DEFAULT_PACK = "mtus-chronic-pain-2009"


def resolve_pack(pack: Path | None) -> Path:
    """The pack to use: --pack, else rules/<default> here or beside the package source."""
    if pack is not None:
        return pack
    for root in (Path.cwd(), Path(__file__).resolve().parents[2]):
        candidate = root / "rules" / DEFAULT_PACK
        if (candidate / "pack.yaml").is_file():
            return candidate
    fail(f"no rule pack found (looked for rules/{DEFAULT_PACK}); pass --pack DIR")


@app.command()
def audit(
    paths: list[str] = typer.Argument(..., help="Letter files, directories of *.txt, or -"),
    pack: Path | None = typer.Option(None, "--pack", "-p", help="Rule pack directory."),
    format: AuditFormat = typer.Option(AuditFormat.table, "--format", "-f"),
    out_file: Path | None = typer.Option(None, "--out", "-o", help="Write here, not stdout."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Processes to audit with."),
) -> None:
    """Audit IMR letters: does each decision follow the pack's criteria?"""
    from imr_rules.audit import AuditError, AuditReport, PackRef, SummaryBuilder
    from imr_rules.inputs import letter_paths
    from imr_rules.packs import load_pack
    from imr_rules.runner import audit_inputs

    pack_dir = resolve_pack(pack)
    rule_pack = load_pack(pack_dir)
    inputs = list(letter_paths(paths))
    sink = out_file.open("w", encoding="utf-8", newline="") if out_file else sys.stdout
    summary = SummaryBuilder()
    items_kept: list[AuditItem] = []
    errors: list[AuditError] = []
    streaming = format in (AuditFormat.jsonl, AuditFormat.csv)
    writer = csv.writer(sink) if format is AuditFormat.csv else None
    if writer:
        from imr_rules.report import audit_csv_header

        writer.writerow(audit_csv_header())
    try:
        with _progress(len(inputs)) as advance:
            for _name, result in audit_inputs(inputs, pack_dir, workers=workers):
                advance()
                if isinstance(result, AuditError):
                    summary.add_error()
                    errors.append(result)
                    where = result.file + (f":{result.line}" if result.line else "")
                    err.print(f"[red]error:[/red] {escape(where)}: {escape(result.message)}",
                              markup=True, highlight=False)
                    if format is AuditFormat.jsonl:
                        sink.write(json.dumps({"error": result.model_dump()}) + "\n")
                    continue
                summary.add_letter(result)
                if not streaming:
                    items_kept.extend(result)
                elif writer:
                    from imr_rules.report import audit_csv_row

                    writer.writerows(audit_csv_row(i) for i in result)
                else:
                    for i in result:
                        sink.write(i.model_dump_json() + "\n")
        ref = PackRef(id=rule_pack.id, version=rule_pack.version, revision=rule_pack.revision)
        built = summary.build()
        if format is AuditFormat.jsonl:
            sink.write(json.dumps({"pack": ref.model_dump(), "summary": built.model_dump()})
                       + "\n")
        elif not streaming:
            report = AuditReport(pack=ref, summary=built, items=items_kept, errors=errors)
            if format is AuditFormat.json:
                sink.write(report.model_dump_json(indent=2) + "\n")
            elif format is AuditFormat.md:
                from imr_rules.report import audit_markdown

                sink.write(audit_markdown(report))
            else:
                from imr_rules.report import print_audit

                print_audit(report, Console(file=sink, highlight=False) if out_file else None)
    finally:
        if out_file:
            sink.close()
    raise typer.Exit(exit_status(summary.letters, summary.errors))


@app.command()
def check(
    forms: list[Path] = typer.Argument(..., help="Request forms (YAML); see examples/requests/"),
    pack: Path | None = typer.Option(None, "--pack", "-p", help="Rule pack directory."),
    format: TableOrJson = typer.Option(TableOrJson.table, "--format", "-f"),
) -> None:
    """Pre-check requests before submitting them: what is met, missing, and to document."""
    from imr_rules.engine import Engine
    from imr_rules.errors import PackError, RequestFormError
    from imr_rules.facts import extractor_for
    from imr_rules.packs import load_pack, read_yaml
    from imr_rules.precheck import (
        Prechecker,
        PrecheckResult,
        check_quantity_comments,
        parse_form,
    )
    from imr_rules.report import print_precheck

    rule_pack = load_pack(resolve_pack(pack))
    checker = Prechecker(Engine(rule_pack), extractor_for(rule_pack))
    results: list[PrecheckResult] = []
    errors: list[ImrError] = []
    for path in forms:
        try:
            try:
                data, lines = read_yaml(path, str(path))
            except PackError as exc:
                raise RequestFormError(exc.message, file=exc.file, line=exc.line,
                                       hint=exc.hint) from None
            check_quantity_comments(path.read_text(encoding="utf-8"), str(path))
            results.append(checker.check(parse_form(data, str(path), lines), str(path)))
        except ImrError as exc:
            errors.append(exc)
    if format is TableOrJson.json:
        json.dump([r.model_dump(mode="json") for r in results], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for r in results:
            print_precheck(r)
    report_errors(errors)
    raise typer.Exit(exit_status(len(results), len(errors)))


@contextmanager
def _progress(total: int) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr for long runs at a terminal; nothing otherwise."""
    if total < 50 or not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.progress import Progress

    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("auditing", total=total)
        yield lambda: progress.advance(task)


_mount_pack_tools()


def main() -> None:
    """Console-script entry point: user errors print one line, never a traceback."""
    try:
        app()
    except ImrError as exc:
        err.print(f"[red]error:[/red] {escape(exc.one_line())}", markup=True)
        sys.exit(2)
