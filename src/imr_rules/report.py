"""Rendering for people: rich tables of parsed letters, facts and verdicts (stdout)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from imr_rules.audit import AuditItem, AuditReport
from imr_rules.models import Determination, Model, Span
from imr_rules.precheck import PrecheckResult
from imr_rules.vocabulary import CaseFacts, RequestFact

# Piped or redirected output gets room for the tables instead of the 80-column default.
out = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 140)


def _short(text: str, width: int = 90) -> str:
    """Letter text for a table cell: one line, cut to `width`, rich markup escaped."""
    flat = " ".join(text.split())
    return escape(flat if len(flat) <= width else flat[: width - 1] + "…")


def print_determinations(letters: Sequence[Determination]) -> None:
    """One table per letter: who reviewed, the patient, and each item's decision and citation."""
    for d in letters:
        r, p = d.reviewer, d.patient
        out.rule(f"[bold]{d.source}")
        states = ", ".join(r.licensure_states) or "state not stated"
        out.print(
            f"reviewer: {r.specialty or '—'} ({states})"
            f"   patient: {p.age or '?'} {p.sex or ''}, injured {p.date_of_injury or '?'}"
            f"   RFA {d.dates.request_for_authorization or '—'},"
            f" UR {d.dates.utilization_review or '—'}"
        )
        out.print(f"summary: {_short(d.summary.text, 160)}")
        table = Table(show_lines=False)
        table.add_column("#", justify="right")
        table.add_column("request")
        table.add_column("decision")
        table.add_column("cited")
        table.add_column("sections / pages")
        for item in d.items:
            g = item.guideline
            cited = g.source + ("" if g.mtus_based or g.source == "none" else " (non-MTUS)")
            where = "; ".join(g.sections) + (" p." + ", ".join(g.pages) if g.pages else "")
            colour = "red" if item.decision == "upheld" else "green"
            table.add_row(str(item.index), _short(item.request.text, 60),
                          f"[{colour}]{item.decision}[/{colour}]", cited, _short(where, 60))
        out.print(table)


# --- audit ------------------------------------------------------------------------------------

def audit_csv_header() -> list[str]:
    return ["letter", "item", "request", "topic", "actual", "predicted", "consistent",
            "outcome", "decided_by", "rests_on_unknown", "findings", "cited_source",
            "cited_sections", "cited_pages", "criteria", "decision_id"]


def audit_csv_row(item: AuditItem) -> list[str]:
    """One CSV row; criteria flattened as 'id=status' pairs."""
    return [
        item.letter, str(item.item), item.request, item.topic or "", item.actual,
        item.predicted or "", "" if item.consistent is None else str(item.consistent).lower(),
        item.outcome or "", " ".join(item.decided_by), str(item.rests_on_unknown).lower(),
        " | ".join(f"{f.kind}: {f.message}" for f in item.findings), item.citation.source,
        "; ".join(item.citation.sections), ", ".join(item.citation.pages),
        " ".join(f"{c.id}={c.status}" for c in item.criteria), item.decision_id or "",
    ]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def audit_markdown(report: AuditReport) -> str:
    """The audit as a Markdown report: summary, then every item with its deciding criteria."""
    s = report.summary
    lines = [f"# IMR audit — {report.pack.id} {report.pack.version} (revision "
             f"{report.pack.revision})", "",
             f"{s.letters} letters, {s.items} items, {s.errors} errors.", "",
             "| measure | value |", "|---|---|",
             f"| predicted as decided (blind) | {_pct(s.predicted_agreement)} |",
             f"| balanced accuracy | {_pct(s.balanced_accuracy)} |",
             f"| overturn recall | {_pct(s.overturn_recall)} |",
             f"| decisions consistent with the criteria | {_pct(s.consistency)} |", ""]
    if s.by_topic:
        lines += ["| topic | items | predicted as decided |", "|---|---|---|"]
        lines += [f"| {t} | {a.items} | {_pct(a.rate)} |" for t, a in s.by_topic.items()]
        lines.append("")
    if s.findings:
        lines += ["Findings: " + ", ".join(f"{k} {v}" for k, v in s.findings.items()), ""]
    for d in s.disagreements:
        lines.append(f"- same facts, opposite decisions ({d.topic}): upheld "
                     f"{', '.join(d.upheld)}; overturned {', '.join(d.overturned)}")
    lines += ["", "## Items", "",
              "| letter | # | request | topic | actual | predicted | consistent | decided by |"
              " findings |", "|---|---|---|---|---|---|---|---|---|"]
    for i in report.items:
        lines.append(
            f"| {i.letter} | {i.item} | {i.request} | {i.topic or '—'} | {i.actual} | "
            f"{i.predicted or '—'} | {'—' if i.consistent is None else i.consistent} | "
            f"{', '.join(i.decided_by)} | {'; '.join(f.message for f in i.findings)} |")
    if report.errors:
        lines += ["", "## Errors", ""]
        lines += [f"- {e.file}{':' + str(e.line) if e.line else ''}: {e.message}"
                  for e in report.errors]
    return "\n".join(lines) + "\n"


def print_audit(report: AuditReport, console: Console | None = None) -> None:
    """The audit as tables for a person at a terminal."""
    c = console or out
    table = Table(title=f"IMR audit — pack {report.pack.id} {report.pack.version} "
                        f"({report.pack.revision})")
    table.add_column("letter", max_width=16, no_wrap=True)
    table.add_column("#", justify="right")
    table.add_column("request", max_width=30)
    table.add_column("topic", max_width=16, no_wrap=True)
    for col in ("actual", "predicted", "consistent"):
        table.add_column(col, no_wrap=True)
    table.add_column("decided by / findings", ratio=1, min_width=30)
    for i in report.items:
        ok = "—" if i.consistent is None else ("[green]yes[/green]" if i.consistent
                                                else "[red]no[/red]")
        notes = escape(", ".join(i.decided_by))
        if i.findings:
            notes += "\n" + "\n".join(f"[yellow]{escape(f.message)}[/yellow]"
                                       for f in i.findings)
        table.add_row(_short(i.letter.rsplit("/", 1)[-1], 16), str(i.item), _short(i.request, 60),
                      i.topic or "—", i.actual, i.predicted or "—", ok, notes)
    c.print(table)
    s = report.summary
    c.print(f"{s.letters} letters, {s.items} items, {s.errors} errors · predicted as decided "
            f"{_pct(s.predicted_agreement)} · balanced accuracy {_pct(s.balanced_accuracy)} · "
            f"overturn recall {_pct(s.overturn_recall)} · consistent {_pct(s.consistency)}")
    for d in s.disagreements:
        c.print(f"[yellow]same facts, opposite decisions ({d.topic}):[/yellow] upheld "
                f"{', '.join(d.upheld)}; overturned {', '.join(d.overturned)}")


# --- pre-check --------------------------------------------------------------------------------

_STATUS_STYLE = {"met": "[green]met[/green]", "unmet": "[red]unmet[/red]",
                 "unknown": "[yellow]not documented[/yellow]"}


def print_precheck(result: PrecheckResult, console: Console | None = None) -> None:
    """One request: its outcome, every criterion, and what to document."""
    c = console or out
    c.rule(f"[bold]{result.form}")
    if result.topic is None:
        c.print(f"{_short(result.request)}: no topic of pack {result.pack} applies to this "
                "request")
        return
    verdict = ("[green]certifiable[/green]" if result.outcome == "medically_necessary"
               else "[red]not certifiable as documented[/red]" if result.rests_on_unknown
               else "[red]not certifiable[/red]")
    c.print(f"{_short(result.request)} — {result.topic_title}: {verdict}")
    table = Table(show_header=True)
    for col in ("criterion", "status", "why", "guideline"):
        table.add_column(col)
    for cr in result.criteria:
        flag = "" if cr.confirmed else " (unconfirmed)"
        pages = ", ".join(cr.citation.pages)
        table.add_row(cr.id + ("" if cr.required else " (supporting)"),
                      _STATUS_STYLE[cr.status],
                      _short(cr.reason or ("" if cr.status != "met" else cr.statement), 90),
                      f"{cr.citation.section} p.{pages}{flag}" if pages else
                      cr.citation.section + flag)
    c.print(table)
    if result.to_document:
        c.print("[bold]To document:[/bold]")
        for t in result.to_document:
            c.print(f"  • {escape(t.what)} [dim]({t.criterion}: {t.status})[/dim]")
    for note in result.notes:
        pages = ", ".join(note.citation.pages)
        c.print(f"[bold]Note:[/bold] {escape(note.text)} [dim]({note.citation.section}"
                f"{' p.' + pages if pages else ''}{'' if note.confirmed else ', unconfirmed'})"
                "[/dim]")


# --- facts ------------------------------------------------------------------------------------

class FactsItem(Model):
    item: int
    request: RequestFact
    facts: CaseFacts | None = None


class LetterFacts(Model):
    """The facts of one letter in one view (what `imr-rules facts` prints)."""

    letter: str
    view: str
    facts: CaseFacts | None = None  # blind: one set for the letter
    items: list[FactsItem]


def _quote(spans: Sequence[Span]) -> str:
    return " | ".join(f"“{_short(s.text, 50)}”" for s in spans[:3]) + (
        f" (+{len(spans) - 3})" if len(spans) > 3 else "")


def _facts_table(title: str, case: CaseFacts) -> Table:
    table = Table(title=title, show_lines=False)
    for col in ("fact", "value", "evidence"):
        table.add_column(col)
    for name, single in (("case", case.case), ("doc", case.doc)):
        for attr, value in single.model_dump(exclude={"evidence"}).items():
            if value in (None, "unknown", [], False):
                continue
            table.add_row(f"{name}.{attr}", str(value), _quote(single.evidence.get(attr, [])))
    for m in case.medication:
        detail = f"{m.generic} ({m.drug_class})" + (f", {_amount(m.days_used, 'day')}"
                                                     if m.days_used is not None else "")
        detail += ", long-term" if m.long_term else ""
        table.add_row("medication", detail, _quote(m.evidence))
    for d in case.diagnosis:
        table.add_row("diagnosis", escape(f"{d.name} [{d.status}]") + (
            f" {d.region}" if d.region else ""), _quote(d.evidence))
    for f in case.finding:
        table.add_row(f"finding.{f.kind}", escape(f"{f.name} [{f.status}]") + (
            f" {f.level}" if f.level else ""), _quote(f.evidence))
    for t in case.prior_treatment:
        parts: list[str] = [t.kind, t.outcome]
        if t.relief_percent is not None:
            parts.append(f"{t.relief_percent:g}% relief")
        if t.relief_weeks is not None:
            parts.append(_amount(t.relief_weeks, "week"))
        table.add_row("prior_treatment", ", ".join(parts), _quote(t.evidence))
    return table


def _amount(n: float, unit: str) -> str:
    """'1 week', '2 weeks', '1.5 weeks'."""
    return f"{n:g} {unit}" + ("" if n == 1 else "s")


def _request_line(r: RequestFact) -> str:
    shown = r.model_dump(exclude={"evidence", "text"})
    return ", ".join(f"{k}={v}" for k, v in shown.items() if v not in (None, [], False))


def print_facts(result: LetterFacts, console: Console | None = None) -> None:
    """The facts of a letter with the words behind them, for a person checking extraction."""
    c = console or out
    c.rule(f"[bold]{result.letter}[/bold] ({result.view} view)")
    if result.facts is not None:
        c.print(_facts_table("case summary", result.facts))
    for item in result.items:
        c.print(f"[bold]item {item.item}[/bold]: {_short(item.request.text)}")
        c.print(f"  request: {escape(_request_line(item.request))}")
        if item.facts is not None:
            c.print(_facts_table(f"item {item.item}: summary + rationale", item.facts))
