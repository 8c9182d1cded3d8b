"""A provider's request form -> what the criteria say before the request is submitted.

A form (YAML) describes the request, the patient, medications, prior treatments, findings and
documentation items, and/or carries a free-text progress note that goes through the same
extraction as IMR letters. Fields given on the form win over what the note says. The result
says, criterion by criterion, what is met, what the records show is not met, what is not
documented, and what to document so that the request can be certified.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from imr_rules.classify import classify_request
from imr_rules.engine import Engine
from imr_rules.errors import RequestFormError
from imr_rules.facts import Extractor, build_case, link_request
from imr_rules.models import KeyDates, Model, Patient, Span, TextBlock
from imr_rules.verdicts import CriterionResult, NoteResult, Verdict
from imr_rules.vocabulary import (
    CaseFacts,
    DiagnosisFact,
    FindingFact,
    FindingKind,
    MedicationFact,
    PriorTreatmentFact,
    Status,
    TreatmentKind,
    WorkStatus,
)


class FormModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FormPatient(FormModel):
    age: int | None = Field(None, ge=0, le=120)
    sex: Literal["male", "female"] | None = None
    date_of_injury: dt.date | None = None


class FormMedication(FormModel):
    name: str = Field(description="as written, with strength: 'Norco 10/325mg'")
    started: dt.date | None = None
    days_used: int | None = Field(None, ge=0)
    long_term: bool = False
    current: bool = True


class FormTreatment(FormModel):
    kind: TreatmentKind
    date: dt.date | None = None
    relief_percent: float | None = Field(None, ge=0, le=100)
    relief_weeks: float | None = Field(None, ge=0)
    medication_reduction: Status = "unknown"
    functional_improvement: Status = "unknown"
    outcome: Literal["improved", "no_benefit", "unknown"] = "unknown"


class FormFinding(FormModel):
    kind: FindingKind
    name: str
    level: str | None = None
    status: Literal["present", "absent", "possible"] = "present"


class FormCase(FormModel):
    acute_flare: Status = "unknown"
    chronic_pain: Status = "unknown"
    work_status: WorkStatus = "unknown"
    returned_to_work: Status = "unknown"


class RequestForm(FormModel):
    """A pre-check request form (see examples/requests/)."""

    request: str = Field(description="the treatment requested, as on the RFA")
    date: dt.date | None = Field(None, description="the request date (default: today)")
    patient: FormPatient = FormPatient()
    diagnoses: list[str] = Field([], description="diagnoses in words: 'lumbar radiculopathy'")
    medications: list[FormMedication] = []
    prior_treatments: list[FormTreatment] = []
    findings: list[FormFinding] = []
    documentation: dict[str, Status] = Field({}, description="doc.* items: present | absent")
    case: FormCase = FormCase()
    note: str | None = Field(None, description="a free-text progress note, read like a letter")


class ToDocument(Model):
    criterion: str
    status: Literal["unmet", "unknown"]
    what: str


class PrecheckResult(Model):
    """What the criteria say of a request, and what to document."""

    form: str
    request: str
    topic: str | None
    topic_title: str | None = None
    outcome: str | None
    rests_on_unknown: bool = False
    criteria: list[CriterionResult] = []
    notes: list[NoteResult] = Field([], description="the topic's notes that go with the outcome")
    to_document: list[ToDocument] = []
    decision_id: str | None = None
    pack: str
    pack_revision: str


# A strength or a count: the request names a drug the lexicon does not know.
_LOOKS_LIKE_A_DRUG = re.compile(r"\d\s*(?:mg|mcg|ml|%)\b|#\s*\d", re.IGNORECASE)
_HASH_COMMENT = re.compile(r"^\s*(?P<key>request|name)\s*:\s*[^\"'\s].*?\s#\s?\d", re.MULTILINE)


def check_quantity_comments(text: str, source: str) -> None:
    """Refuse `request: Norco 10/325 #90`: YAML reads ` #90` as a comment and drops it."""
    m = _HASH_COMMENT.search(text)
    if m:
        line = text.count("\n", 0, m.start()) + 1
        raise RequestFormError(
            f"`{m.group('key')}` has a quantity after ' #', which YAML reads as a comment",
            file=source, line=line, hint='quote the value: request: "Norco 10/325mg #90"')


def parse_form(data: Any, source: str, lines: dict[tuple[Any, ...], int] | None = None,
               ) -> RequestForm:
    """Validate form data; a missing or mistyped field raises RequestFormError naming it."""
    if not isinstance(data, dict):
        raise RequestFormError("a request form is a YAML mapping with at least `request:`",
                               file=source, line=1, hint="see examples/requests/")
    try:
        return RequestForm.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        field = ".".join(str(p) for p in loc) or "(form)"
        line = None
        if lines:
            from imr_rules.packs import line_of

            line = line_of(lines, loc)
        kind = first["type"]
        if kind == "missing":
            message = f"missing field `{field}`"
        elif kind == "extra_forbidden":
            known = ", ".join(_fields_at(loc[:-1]))
            message = f"unknown field `{field}` (known here: {known})"
        else:
            message = f"field `{field}`: {first['msg']}"
        raise RequestFormError(message, file=source, line=line,
                               hint="see examples/requests/ for a complete form") from None


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    model: type[BaseModel] = RequestForm
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[str(part)].annotation
        inner = getattr(annotation, "__args__", (annotation,))[0]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            model = inner
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
    return list(model.model_fields)


class Prechecker:
    """Pre-checks forms against one engine (compiled once)."""

    def __init__(self, engine: Engine, extractor: Extractor | None = None) -> None:
        self.engine = engine
        self.extractor = extractor or Extractor()

    def case_facts(self, form: RequestForm, source: str) -> CaseFacts:
        """The form's facts: the note's extraction, overlaid with the form's own fields."""
        lx = self.extractor.lexicon
        reference = form.date or dt.date.today()
        patient = Patient(age=form.patient.age, sex=form.patient.sex,
                          date_of_injury=form.patient.date_of_injury)
        blocks = []
        if form.note:
            blocks.append(self.extractor.observe(
                TextBlock(text=form.note, span=Span.of(form.note, 0, len(form.note)))))
        base = build_case(patient, KeyDates(request_for_authorization=reference), blocks,
                          "form", lx)
        medications = {m.generic: m for m in base.medication}
        for i, med in enumerate(form.medications):
            hit = lx.drugs.search(med.name)
            if hit is None:
                raise RequestFormError(
                    f"medications[{i}].name: unknown drug '{med.name}'", file=source,
                    hint="check the spelling, or add it under `lexicon: drugs:` in the pack")
            entry = lx.drug(hit[0])
            days = med.days_used
            if days is None and med.started:
                days = (reference - med.started).days
            medications[entry.generic] = MedicationFact(
                name=med.name, generic=entry.generic, drug_class=entry.drug_class,
                first_documented=med.started, days_used=days, long_term=med.long_term,
                current=med.current)
        diagnoses = {d.name: d for d in base.diagnosis}
        for i, words in enumerate(form.diagnoses):
            found = [c for c, _s, _e in lx.diagnosis.finditer(words)]
            if not found and words in lx.diagnosis_category:
                found = [words]
            if not found:
                raise RequestFormError(
                    f"diagnoses[{i}]: '{words}' is not a known diagnosis", file=source,
                    hint="use the usual clinical words, e.g. 'lumbar radiculopathy'")
            for name in found:
                diagnoses[name] = DiagnosisFact(
                    name=name, text=words, status="present",
                    category=lx.diagnosis_category.get(name, "other"),
                    region=lx.diagnosis_region.get(name))
        treatments = {t.kind: t for t in base.prior_treatment}
        for t in form.prior_treatments:
            treatments[t.kind] = PriorTreatmentFact(
                kind=t.kind, on_date=t.date, relief_percent=t.relief_percent,
                relief_weeks=t.relief_weeks, medication_reduction=t.medication_reduction,
                functional_improvement=t.functional_improvement, outcome=t.outcome)
        findings = {(f.kind, f.name): f for f in base.finding}
        for f in form.findings:
            findings[(f.kind, f.name)] = FindingFact(kind=f.kind, name=f.name, level=f.level,
                                                     status=f.status)
        known_doc = set(type(base.doc).model_fields) - {"evidence"}
        for key in form.documentation:
            if key not in known_doc:
                raise RequestFormError(
                    f"documentation.{key}: unknown documentation item", file=source,
                    hint="known: " + ", ".join(sorted(known_doc)))
        doc = base.doc.model_copy(update=dict(form.documentation))
        case_update = {k: v for k, v in form.case.model_dump().items() if v != "unknown"}
        case = base.case.model_copy(update=case_update)
        return base.model_copy(update={
            "case": case, "doc": doc, "medication": list(medications.values()),
            "diagnosis": list(diagnoses.values()), "finding": list(findings.values()),
            "prior_treatment": list(treatments.values())})

    def check(self, form: RequestForm, source: str) -> PrecheckResult:
        """Evaluate one form."""
        case = self.case_facts(form, source)
        classified = classify_request(form.request, self.extractor.lexicon)
        if classified.kind == "other" and _LOOKS_LIKE_A_DRUG.search(form.request):
            raise RequestFormError(
                f"request: unknown drug '{form.request}'", file=source,
                hint="check the spelling, or add it under `lexicon: drugs:` in the pack")
        request = link_request(classified, case)
        verdict = self.engine.evaluate(request, case)
        return _result(form, source, verdict)


def _result(form: RequestForm, source: str, verdict: Verdict) -> PrecheckResult:
    todo = [ToDocument(criterion=c.id, status=c.status,
                       what=c.to_document or c.reason or c.statement)
            for c in verdict.criteria if c.required and c.status != "met"]
    return PrecheckResult(
        form=source, request=form.request, topic=verdict.topic,
        topic_title=verdict.topic_title, outcome=verdict.outcome,
        rests_on_unknown=verdict.rests_on_unknown, criteria=verdict.criteria, notes=verdict.notes,
        to_document=todo, decision_id=verdict.decision_id, pack=verdict.pack,
        pack_revision=verdict.pack_revision)

