"""`imr-rules pack ...`: the pack authors' commands (schema, lint, test, docs, new)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from imr_rules.errors import ImrError
from imr_rules.packs import lint_pack, load_pack, pack_schema
from imr_rules.packtools import render_docs, run_tests, scaffold

pack_app = typer.Typer(help="Write, check, test and document rule packs.",
                       no_args_is_help=True, add_completion=False)


def _fail(error: ImrError) -> None:
    typer.echo(f"error: {error.one_line()}", err=True)
    raise typer.Exit(1)


@pack_app.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of pack.yaml and topic files."""
    typer.echo(json.dumps(pack_schema(), indent=2, default=str))


@pack_app.command("lint")
def lint_cmd(pack_dir: Path = typer.Argument(..., help="pack directory or its pack.yaml")) -> None:
    """Report every problem in a pack as file:line: message; exit 1 on any error."""
    messages = lint_pack(pack_dir)
    for message in messages:
        typer.echo(str(message))
    errors = sum(m.severity == "error" for m in messages)
    warnings = len(messages) - errors
    typer.echo(f"{errors} error(s), {warnings} warning(s)", err=True)
    if errors:
        raise typer.Exit(1)


@pack_app.command("test")
def test_cmd(pack_dir: Path = typer.Argument(..., help="pack directory"),
             min_coverage: float = typer.Option(0.0, "--min-coverage",
                                                help="fail below this percent of (criterion, "
                                                "status) pairs seen")) -> None:
    """Run the pack's tests/*.yaml; print failures with the criterion trace, and coverage."""
    try:
        report = run_tests(pack_dir)
    except ImrError as error:
        _fail(error)
        return
    for case in report.failed:
        typer.echo(f"FAIL {case.file}:{case.line}: {case.name}")
        for failure in case.failures:
            typer.echo(f"    {failure}")
        typer.echo("    trace:")
        for line in case.trace:
            typer.echo(f"      {line}")
    typer.echo(f"{len(report.cases) - len(report.failed)} passed, {len(report.failed)} failed")
    typer.echo("criterion coverage (met / unmet / unknown):")
    for key, seen in report.coverage.items():
        # x seen, - not seen, . cannot happen (see packtools.reachable_statuses)
        marks = " ".join(("." if s not in seen else "x" if seen[s] else "-")
                         for s in ("met", "unmet", "unknown"))
        typer.echo(f"  {marks}  {key}")
    typer.echo(f"coverage {report.coverage_percent:.0f}%")
    if report.failed:
        raise typer.Exit(1)
    if report.coverage_percent < min_coverage:
        typer.echo(f"coverage {report.coverage_percent:.0f}% is below --min-coverage "
                   f"{min_coverage:g}", err=True)
        raise typer.Exit(1)


@pack_app.command("docs")
def docs_cmd(pack_dir: Path = typer.Argument(..., help="pack directory"),
             out: Path = typer.Option(None, "--out", "-o",
                                      help="directory to write; default: print")) -> None:
    """A Markdown page per topic: criteria, citations, thresholds, UNCONFIRMED flags."""
    try:
        pages = render_docs(load_pack(pack_dir))
    except ImrError as error:
        _fail(error)
        return
    if out is None:
        for name, text in pages.items():
            typer.echo(f"<!-- {name} -->\n{text}")
        return
    out.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (out / name).write_text(text, encoding="utf-8")
    typer.echo(f"wrote {len(pages)} pages to {out}")


@pack_app.command("new")
def new_cmd(name: str = typer.Argument(..., help="pack id"),
            where: Path = typer.Option(Path("rules"), "--dir", help="parent directory")) -> None:
    """Create a pack scaffold with one topic and one test that pass lint and test."""
    try:
        root = scaffold(name, where)
    except ImrError as error:
        _fail(error)
        return
    typer.echo(f"created {root}")
