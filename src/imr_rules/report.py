"""Rendering for people: rich tables of parsed letters, facts and verdicts (stdout)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from imr_rules.models import Determination

out = Console(highlight=False, soft_wrap=False)


def _short(text: str, width: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


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
