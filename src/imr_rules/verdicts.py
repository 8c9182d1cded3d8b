"""Verdicts: what the engine concludes for one disputed item, criterion by criterion."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from imr_rules.models import Model

Status = Literal["met", "unmet", "unknown"]
Outcome = Literal["medically_necessary", "not_medically_necessary"]


class EvidenceRef(Model):
    """Words of the source text behind a fact a criterion used."""

    fact: str = Field(description="fact type, e.g. 'doc' or 'prior_treatment'")
    attribute: str | None = Field(None, description="for a singleton: the attribute")
    start: int
    end: int
    text: str = ""


class CitationRef(Model):
    source: str
    section: str
    pages: list[str] = []
    confirmed: bool = True


class CriterionResult(Model):
    """One applicable criterion: its status and why."""

    id: str
    statement: str
    status: Status
    required: bool
    confirmed: bool = Field(description="false: the criterion's source text is not yet "
                            "verified against the guideline (UNCONFIRMED)")
    reason: str | None = Field(None, description="shown when unmet or unknown, placeholders "
                               "filled from the facts")
    citation: CitationRef
    evidence: list[EvidenceRef] = []
    to_document: str | None = None


class NoteResult(Model):
    """A note of the topic whose condition held: guidance that goes with the outcome."""

    id: str
    text: str
    confirmed: bool
    citation: CitationRef


class Verdict(Model):
    """The engine's verdict on one request against one pack."""

    decision_id: str = Field(description="deterministic hash of the pack revision and inputs")
    pack: str
    pack_version: str
    pack_revision: str
    topic: str | None = None
    topic_title: str | None = None
    outcome: Outcome | None = Field(None, description="None when no topic applies")
    decided_by: list[str] = Field([], description="ids of the criteria that decided the "
                                  "outcome")
    rests_on_unknown: bool = Field(False, description="not medically necessary only because "
                                   "required criteria are not documented (none shown unmet)")
    criteria: list[CriterionResult] = []
    notes: list[NoteResult] = []
    derived: dict[str, Any] = {}
    trace: list[str] = []

    def criterion(self, criterion_id: str) -> CriterionResult | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)
