"""Verdict + Determination -> AuditRecord: does each decision follow from the criteria?

For every disputed item of a letter:
- `predicted` — what the criteria say from the **blind** facts (the case summary alone);
- `consistent` — whether the reviewer's actual decision follows from the criteria given the
  reviewer's **own findings** (summary plus that item's rationale);
- `findings` — what an auditor should look at: a decision that contradicts the criteria, a
  citation that does not cover the treatment, a request no topic of the pack applies to.

All functions here are pure; reading files, processes and printing live in `runner` and `cli`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import Field

from imr_rules.engine import Engine
from imr_rules.facts import Extractor, extractor_for
from imr_rules.models import Citation, Decision, Determination, Item, Model
from imr_rules.packs import RulePack, Topic
from imr_rules.verdicts import CriterionResult, NoteResult, Verdict

FindingKind = Literal[
    "decision_contradicts_criteria", "citation_not_covering", "no_citation", "no_topic",
    "pack_not_in_force",
]


class Finding(Model):
    """Something about one decision an auditor should look at."""

    kind: FindingKind
    message: str
    criteria: list[str] = []


class CitationOut(Model):
    source: str
    mtus_based: bool
    sections: list[str] = []
    pages: list[str] = []


class AuditItem(Model):
    """The audit of one disputed item."""

    letter: str
    item: int
    request: str
    topic: str | None
    topic_title: str | None = None
    actual: Decision
    predicted: Decision | None = Field(description="from the blind facts; None: no topic")
    consistent: bool | None = Field(description="the actual decision follows from the "
                                    "criteria on the reviewer's findings; None: no topic")
    outcome: str | None = Field(None, description="the criteria's outcome on the findings")
    decided_by: list[str] = []
    predicted_decided_by: list[str] = []
    rests_on_unknown: bool = False
    criteria: list[CriterionResult] = Field([], description="criteria on the findings view")
    notes: list[NoteResult] = Field([], description="the topic's notes that go with the "
                                    "outcome on the findings view")
    citation: CitationOut
    findings: list[Finding] = []
    decision_id: str | None = None
    fingerprint: str | None = Field(None, description="topic and blind criterion statuses: "
                                    "items with equal fingerprints rest on the same facts")


class AuditError(Model):
    file: str
    line: int | None = None
    message: str


class TopicAgreement(Model):
    items: int
    agree: int
    rate: float


class Disagreement(Model):
    """Letters that decided the same documented facts in opposite ways."""

    fingerprint: str
    topic: str
    upheld: list[str]
    overturned: list[str]


class AuditSummary(Model):
    letters: int
    items: int
    errors: int
    predicted_agreement: float | None = Field(description="share of items predicted as decided")
    balanced_accuracy: float | None = Field(description="mean of the per-class recalls "
                                            "(upheld, overturned)")
    overturn_recall: float | None = Field(description="overturned items predicted overturned")
    uphold_recall: float | None = None
    consistency: float | None = Field(description="share of items whose decision follows the "
                                      "criteria on the reviewer's findings")
    by_topic: dict[str, TopicAgreement] = {}
    findings: dict[str, int] = {}
    disagreements: list[Disagreement] = []


class PackRef(Model):
    id: str
    version: str
    revision: str


class AuditReport(Model):
    pack: PackRef
    summary: AuditSummary
    items: list[AuditItem]
    errors: list[AuditError] = []


# --- one letter --------------------------------------------------------------------------------

def _decision(outcome: str | None) -> Decision | None:
    if outcome is None:
        return None
    return "overturned" if outcome == "medically_necessary" else "upheld"


def _page_numbers(pages: Iterable[str]) -> set[int]:
    numbers: set[int] = set()
    for p in pages:
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+))?\s*", p)
        if not m:
            continue
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        if hi < lo:  # "111-13"
            hi = int(str(lo)[: len(str(lo)) - len(m.group(2))] + m.group(2))
        numbers.update(range(lo, min(hi, lo + 200) + 1))
    return numbers


def citation_covers(citation: Citation, topic: Topic) -> bool | None:
    """Whether a letter's citation covers the topic (None: it names no page or section)."""
    pages = _page_numbers(citation.pages)
    sections = [" ".join(s.lower().split()) for s in citation.sections]
    if not pages and not sections:
        return None
    if pages & _page_numbers(topic.covers.pages):
        return True
    covered = [s.lower() for s in topic.covers.sections]
    return any(c in s or s in c for s in sections for c in covered if s and c)


def _contradiction(actual: Decision, verdict: Verdict) -> Finding | None:
    if _decision(verdict.outcome) == actual:
        return None
    if actual == "overturned":
        unmet = [c.id for c in verdict.criteria if c.required and c.status == "unmet"]
        unknown = [c.id for c in verdict.criteria if c.required and c.status == "unknown"]
        parts = []
        if unmet:
            parts.append("unmet: " + ", ".join(unmet))
        if unknown:
            parts.append("not documented: " + ", ".join(unknown))
        return Finding(kind="decision_contradicts_criteria", criteria=unmet + unknown,
                       message="overturned although required criteria are not met ("
                       + "; ".join(parts) + ")")
    met = [c.id for c in verdict.criteria if c.required and c.status == "met"]
    return Finding(kind="decision_contradicts_criteria", criteria=met,
                   message="upheld although every required criterion is met ("
                   + ", ".join(met) + ")")


def _fingerprint(verdict: Verdict) -> str | None:
    if verdict.topic is None:
        return None
    statuses = ",".join(f"{c.id}={c.status}" for c in sorted(verdict.criteria,
                                                              key=lambda c: c.id))
    return f"{verdict.topic}|{statuses}"


class Auditor:
    """Audits letters against one pack. Build once per process; `audit_letter` is pure."""

    def __init__(self, pack: RulePack, extractor: Extractor | None = None) -> None:
        self.pack = pack
        self.engine = Engine(pack)
        self.extractor = extractor or extractor_for(pack)

    def audit_letter(self, det: Determination) -> list[AuditItem]:
        """The audit of every item of one parsed letter."""
        ex = self.extractor
        summary_obs = ex.observe(det.summary)
        blind = ex.case_facts(det, "blind", summary=summary_obs)
        n = len(det.items)
        blind_requests = [ex.request(det, i, blind) for i in range(1, n + 1)]
        blind_verdicts = self.engine.evaluate_items(blind_requests, blind)
        finding_cases = [ex.case_facts(det, "findings", item=i, summary=summary_obs)
                         for i in range(1, n + 1)]
        finding_requests = [ex.request(det, i, finding_cases[i - 1]) for i in range(1, n + 1)]
        # Each item is judged on its own rationale; cross-item criteria (a consultation for a
        # procedure of the same letter) see the other items' outcomes on their own findings.
        finding_verdicts = self.engine.evaluate_items(finding_requests, finding_cases)
        letter_findings = [f for f in (self._version_finding(det),) if f is not None]
        return [self._item(det, item, blind_v, found_v, letter_findings)
                for item, blind_v, found_v in zip(det.items, blind_verdicts, finding_verdicts,
                                                  strict=True)]

    def _version_finding(self, det: Determination) -> Finding | None:
        """A finding when the letter's request (or UR) date falls outside the pack's dates."""
        when = det.dates.request_for_authorization or det.dates.utilization_review
        g = self.pack.guideline
        if when is None or (g.effective_from <= when and (g.effective_to is None
                                                           or when <= g.effective_to)):
            return None
        until = g.effective_to.isoformat() if g.effective_to else "now"
        return Finding(kind="pack_not_in_force",
                       message=f"the request dates from {when.isoformat()}, outside "
                               f"{self.pack.id} ({g.effective_from.isoformat()} to {until}); "
                               "audit it with the pack in force on that date")

    def _item(self, det: Determination, item: Item, blind_v: Verdict, found_v: Verdict,
              letter_findings: list[Finding]) -> AuditItem:
        topic = self.pack.topic(found_v.topic) if found_v.topic else None
        g = item.guideline
        findings: list[Finding] = []
        consistent: bool | None = None
        if topic is None:
            findings.append(Finding(kind="no_topic", message=f"no topic of pack "
                                    f"{self.pack.id} applies to this request"))
        else:
            contradiction = _contradiction(item.decision, found_v)
            consistent = contradiction is None
            if contradiction:
                findings.append(contradiction)
            if g.source == "none":
                findings.append(Finding(kind="no_citation",
                                        message="the decision cites no guideline"))
            elif citation_covers(g, topic) is False:
                cited = "; ".join(g.sections) + (" p." + ", ".join(g.pages) if g.pages else "")
                findings.append(Finding(
                    kind="citation_not_covering",
                    message=f"the cited {g.source} {cited.strip()} does not cover "
                            f"{topic.title} (pages {', '.join(topic.covers.pages) or '—'})"))
        return AuditItem(
            letter=det.source, item=item.index, request=" ".join(item.request.text.split()),
            topic=found_v.topic, topic_title=found_v.topic_title, actual=item.decision,
            predicted=_decision(blind_v.outcome), consistent=consistent,
            outcome=found_v.outcome, decided_by=found_v.decided_by,
            predicted_decided_by=blind_v.decided_by, rests_on_unknown=found_v.rests_on_unknown,
            criteria=found_v.criteria, notes=found_v.notes,
            citation=CitationOut(source=g.source, mtus_based=g.mtus_based,
                                 sections=g.sections, pages=g.pages),
            findings=findings + letter_findings, decision_id=found_v.decision_id,
            fingerprint=_fingerprint(blind_v),
        )


# --- many letters ------------------------------------------------------------------------------

class SummaryBuilder:
    """Accumulates the summary item by item, so a run over millions of letters streams."""

    def __init__(self) -> None:
        self.letters = 0
        self.errors = 0
        self.items = 0
        self.confusion: Counter[tuple[str, str]] = Counter()
        self.consistent = Counter[bool]()
        self.topics: dict[str, Counter[str]] = defaultdict(Counter)
        self.findings: Counter[str] = Counter()
        self.groups: dict[str, dict[str, list[str]]] = {}

    def add_letter(self, items: Sequence[AuditItem]) -> None:
        self.letters += 1
        for item in items:
            self.items += 1
            if item.predicted is not None:
                self.confusion[(item.actual, item.predicted)] += 1
                t = self.topics[item.topic or "-"]
                t["items"] += 1
                t["agree"] += item.predicted == item.actual
            if item.consistent is not None:
                self.consistent[item.consistent] += 1
            for f in item.findings:
                self.findings[f.kind] += 1
            if item.fingerprint:
                group = self.groups.setdefault(item.fingerprint, {"upheld": [], "overturned": []})
                if len(group[item.actual]) < 20:  # enough to show; counts stay bounded
                    group[item.actual].append(f"{item.letter}#{item.item}")

    def add_error(self) -> None:
        self.errors += 1

    def build(self) -> AuditSummary:
        def rate(num: int, den: int) -> float | None:
            return round(num / den, 4) if den else None

        c = self.confusion
        predicted = sum(c.values())
        agree = c[("upheld", "upheld")] + c[("overturned", "overturned")]
        up = rate(c[("upheld", "upheld")], c[("upheld", "upheld")] + c[("upheld", "overturned")])
        over = rate(c[("overturned", "overturned")],
                    c[("overturned", "overturned")] + c[("overturned", "upheld")])
        recalls = [r for r in (up, over) if r is not None]
        disagreements = [
            Disagreement(fingerprint=fp, topic=fp.split("|")[0], upheld=g["upheld"],
                         overturned=g["overturned"])
            for fp, g in self.groups.items() if g["upheld"] and g["overturned"]]
        return AuditSummary(
            letters=self.letters, items=self.items, errors=self.errors,
            predicted_agreement=rate(agree, predicted),
            balanced_accuracy=round(sum(recalls) / len(recalls), 4) if recalls else None,
            overturn_recall=over, uphold_recall=up,
            consistency=rate(self.consistent[True], sum(self.consistent.values())),
            by_topic={k: TopicAgreement(items=v["items"], agree=v["agree"],
                                        rate=rate(v["agree"], v["items"]) or 0.0)
                      for k, v in sorted(self.topics.items())},
            findings=dict(sorted(self.findings.items())),
            disagreements=disagreements,
        )
