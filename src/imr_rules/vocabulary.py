"""The fact vocabulary: the typed facts extraction produces and rule packs may name.

This module is the contract between `facts` (extraction) and `packs`/`engine` (rules). A pack
condition such as `request.drug_class == "muscle_relaxant" and request.days_used > 21` may only
name fact types and attributes defined here; `pack lint` checks that, and `vocabulary_schema()`
exports the same definitions as JSON Schema.

Fact types come in two shapes:
- *singletons* (`request`, `case`, `doc`): one per evaluated item, attributes named directly
  (`doc.analgesia == "present"`);
- *lists* (`medication`, `diagnosis`, `finding`, `prior_treatment`, `item`): zero or more per
  case, named through a quantifier (`any diagnosis(name == "crps")`, `none finding(...)`).

Assertion status. Documentation items and findings are `present` (the records say so), `absent`
(the records say it is not so / not documented) or `unknown` (the records are silent). Uncertain
mentions ("possible radiculopathy") are `possible`, never `present`.

Evidence. Every fact carries the spans of the words it came from: list facts one list for the
whole fact, singletons a list per attribute, so a verdict can quote exactly the words behind the
attributes a criterion used.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field

from imr_rules.models import Span

Status = Literal["present", "absent", "unknown"]
FindingStatus = Literal["present", "absent", "possible", "unknown"]

RequestKind = Literal[
    "medication", "injection", "device", "consult", "therapy", "imaging", "surgery",
    "diagnostic", "supply", "other",
]
DrugClass = Literal[
    "opioid", "muscle_relaxant", "aed", "nsaid", "topical", "antidepressant", "ppi",
    "benzodiazepine", "hypnotic", "barbiturate_analgesic", "acetaminophen", "other",
]
Modality = Literal[
    "tens", "interferential", "nmes", "h_wave", "microcurrent", "galvanic", "pens",
    "sympathetic", "rs4i", "combination", "unspecified",
]
Procedure = Literal[
    "epidural_steroid_injection", "selective_nerve_root_block", "facet_injection",
    "medial_branch_block", "radiofrequency_ablation", "trigger_point_injection",
    "sacroiliac_injection", "other",
]
WorkStatus = Literal["full_duty", "modified_duty", "temporarily_disabled", "not_working",
                     "retired", "unknown"]
TreatmentKind = Literal[
    "epidural_steroid_injection", "selective_nerve_root_block", "physical_therapy",
    "home_exercise", "chiropractic", "acupuncture", "massage", "aquatic_therapy",
    "occupational_therapy", "tens", "medication", "surgery", "trigger_point_injection",
    "facet_injection", "radiofrequency_ablation", "psychotherapy", "functional_restoration",
    "other",
]
FindingKind = Literal["exam", "imaging", "electrodiagnostic", "symptom"]


class Fact(BaseModel):
    """Base of every fact: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class SingletonFact(Fact):
    """A fact that exists once per evaluated item; evidence is kept per attribute."""

    evidence: dict[str, list[Span]] = {}


class ListFact(Fact):
    """One of zero or more facts of its type; evidence is kept for the whole fact."""

    evidence: list[Span] = []


class RequestFact(SingletonFact):
    """The disputed treatment, classified from its request text and linked to the case."""

    text: str = Field("", description="the request as written in the letter or form")
    kind: RequestKind = "other"
    drug: str | None = Field(None, description="drug as written, e.g. 'Norco'")
    generic: str | None = Field(None, description="generic name(s), e.g. "
                                "'hydrocodone/acetaminophen'")
    drug_class: DrugClass | None = None
    formulation: str | None = Field(None, description="tablet, capsule, patch, cream, gel ...")
    strength_mg: float | None = Field(None, description="strength of the principal ingredient, mg")
    strength_text: str | None = Field(None, description="strength as written, e.g. '10/325mg'")
    quantity: int | None = None
    refills: int | None = None
    days_supply: int | None = None
    doses_per_day: float | None = Field(None, description="units taken a day at most as "
                                        "prescribed ('1 tab TID' = 3), from the request or "
                                        "the records of the drug")
    dose_stated: bool = Field(False, description="the request states a strength or dose")
    device: str | None = Field(None, description="device as written, e.g. 'A-stim unit'")
    modality: Modality | None = None
    purchase: bool | None = Field(None, description="purchase (True) or rental (False)")
    leads: int | None = None
    procedure: Procedure | None = None
    approach: Literal["transforaminal", "interlaminar", "caudal"] | None = None
    levels: list[str] = Field([], description="spinal levels, e.g. ['L4-L5', 'L5-S1']")
    level_count: int | None = None
    side: Literal["left", "right", "bilateral"] | None = None
    injection_count: int | None = None
    ingredients: list[str] = Field([], description="generic names of a topical's ingredients")
    ingredients_stated: bool = False
    therapy: TreatmentKind | None = Field(None, description="for a therapy request: which "
                                          "(physical_therapy, chiropractic, acupuncture ...)")
    visits: int | None = Field(None, description="sessions or visits requested ('x 12', "
                               "'2x6', '8 sessions')")
    per_year: int | None = Field(None, description="for a diagnostic request: how many a "
                                 "year it asks for ('4 times per year', 'quarterly')")
    test: Literal["urine_drug_screen", "electrodiagnostic", "mri", "ct", "xray", "lab",
                  "other"] | None = Field(None, description="for a diagnostic or imaging "
                                          "request: which test")
    region: str | None = Field(None, description="body region the request names (or its "
                               "spinal levels name): lumbar, "
                               "cervical, thoracic, shoulder, knee, hip, hand, wrist, elbow, "
                               "ankle, foot")
    specialty: str | None = Field(None, description="for a consult: the specialty asked for")
    purpose_topic: str | None = Field(None, description="for a consult: the topic of the "
                                      "treatment it is for, e.g. 'esi'")
    repeat: bool = Field(False, description="the request asks to repeat a treatment")
    weaning: bool = Field(False, description="the request asks for a drug to wean or taper "
                          "the patient off it ('#54 for weaning', 'taper')")
    continues_current: bool | None = Field(None, description="the drug or treatment is already "
                                           "being taken or used (None: not known)")
    days_used: int | None = Field(None, description="days the requested drug has been taken up "
                                  "to the request (or UR) date")
    long_term: bool = Field(False, description="the records describe use of the requested drug "
                            "as long-term or chronic, whether or not a duration is given, or "
                            "state use for the lexicon's long-term period (long_term_use)")
    first_documented: date | None = None
    efficacy: Status = Field("unknown", description="what the records say, by the drug's name, "
                             "of the requested drug's benefit (doc.medication_efficacy is any "
                             "drug's)")
    functional_improvement: Status = Field("unknown", description="what the records say, by "
                                           "the drug's name, of functional improvement on the "
                                           "requested drug")


class CaseFact(SingletonFact):
    """Facts of the case as a whole."""

    age: int | None = None
    sex: Literal["male", "female"] | None = None
    date_of_injury: date | None = None
    request_date: date | None = None
    ur_date: date | None = None
    reference_date: date | None = Field(None, description="the request date, else the UR date")
    years_since_injury: float | None = None
    chronic_pain: Status = Field("unknown", description="pain documented for 3 months or more")
    work_status: WorkStatus = "unknown"
    returned_to_work: Status = "unknown"
    acute_flare: Status = Field("unknown", description="an acute flare, new injury or "
                                "exacerbation is documented")
    surgery_recent: Status = "unknown"
    red_flag: Status = Field("unknown", description="a red flag: a progressive neurologic "
                             "deficit, cauda equina signs, a suspected fracture, tumor or "
                             "infection")
    days_since_surgery: int | None = Field(None, description="days from the latest dated "
                                           "operation the patient had to the reference date")
    days_since_drug_test: int | None = Field(None, description="days from the latest dated "
                                             "urine drug test to the reference date")


class DocumentationFact(SingletonFact):
    """Whether the records document each item a guideline asks for (present/absent/unknown)."""

    analgesia: Status = "unknown"
    pain_scores_with_without: Status = Field("unknown", description="pain scores with and "
                                             "without medication")
    adl: Status = Field("unknown", description="activities of daily living on the treatment")
    adverse_effects: Status = Field("unknown", description="side effects are addressed")
    aberrant_behavior: Status = Field("unknown", description="aberrant drug-taking behaviour "
                                      "is addressed (the check, not the behaviour)")
    aberrant_behavior_found: Status = Field("unknown", description="aberrant behaviour observed")
    functional_improvement: Status = "unknown"
    urine_drug_test: Status = "unknown"
    urine_drug_test_consistent: Status = "unknown"
    pain_agreement: Status = "unknown"
    cures_check: Status = "unknown"
    functional_goals: Status = "unknown"
    non_opioid_trial_failed: Status = "unknown"
    first_line_trial_failed: Status = Field("unknown", description="antidepressant or AED tried")
    conservative_care_failed: Status = "unknown"
    spasm: Status = "unknown"
    medication_efficacy: Status = Field("unknown", description="the requested drug's benefit")
    trial_documented: Status = Field("unknown", description="a device trial with use and outcome")
    functional_restoration: Status = Field("unknown", description="part of an active program")
    treatment_plan_goals: Status = "unknown"
    gi_risk: Status = "unknown"
    diagnosis_uncertain: Status = "unknown"
    psychosocial_factors: Status = "unknown"


class MedicationFact(ListFact):
    """A drug the patient takes or took, as the records show it."""

    name: str
    generic: str | None = None
    drug_class: DrugClass | None = None
    strength_mg: float | None = None
    dose_text: str | None = None
    doses_per_day: float | None = Field(None, description="units taken a day at most as the "
                                        "records tell it ('two tablets twice daily' = 4)")
    first_documented: date | None = None
    days_used: int | None = None
    long_term: bool = False
    current: bool = True
    new_prescription: bool = Field(False, description="the records describe the drug only as "
                                   "newly prescribed or started")
    efficacy: Status = Field("unknown", description="the records' words on this drug's benefit "
                             "(pain relief told of it by name)")
    functional_improvement: Status = Field("unknown", description="the records' words on "
                                           "functional improvement told of this drug by name")
    status: Status = "present"


class DiagnosisFact(ListFact):
    """A diagnosis or condition named in the records, normalised to a concept id."""

    name: str = Field(description="concept id, e.g. 'radiculopathy', 'crps', 'low_back_pain'")
    text: str = ""
    category: Literal["neuropathic", "musculoskeletal", "spinal", "psychological",
                      "other"] = "other"
    region: str | None = None
    status: FindingStatus = "present"


class FindingFact(ListFact):
    """An examination, imaging or electrodiagnostic finding, or a symptom."""

    kind: FindingKind
    name: str = Field(description="concept id, e.g. 'dermatomal_sensory_loss', 'positive_slr'")
    text: str = ""
    level: str | None = None
    status: FindingStatus = "present"


class PriorTreatmentFact(ListFact):
    """A treatment tried before, with what it did."""

    kind: TreatmentKind
    text: str = ""
    on_date: date | None = Field(None, description="when it was done")
    relief_percent: float | None = None
    relief_weeks: float | None = None
    medication_reduction: Status = "unknown"
    functional_improvement: Status = "unknown"
    outcome: Literal["improved", "no_benefit", "unknown"] = "unknown"
    count: int | None = None
    status: Status = Field("present", description=(
        "present: had; absent: stated not had ('has not had a trial of TENS'); a treatment "
        "the letter never names has no fact"))


class ItemFact(ListFact):
    """Another disputed item of the same letter, with its verdict (for cross-item criteria)."""

    index: int
    topic: str | None = None
    text: str = ""
    procedure: Procedure | None = None
    outcome: Literal["medically_necessary", "not_medically_necessary"] | None = None


class CaseFacts(Fact):
    """Everything extraction knows of one case (a letter's summary, or summary + rationales)."""

    view: Literal["blind", "findings", "form"] = "blind"
    case: CaseFact = CaseFact()
    doc: DocumentationFact = DocumentationFact()
    medication: list[MedicationFact] = []
    diagnosis: list[DiagnosisFact] = []
    finding: list[FindingFact] = []
    prior_treatment: list[PriorTreatmentFact] = []


SINGLETON_FACTS: dict[str, type[SingletonFact]] = {
    "request": RequestFact,
    "case": CaseFact,
    "doc": DocumentationFact,
}
LIST_FACTS: dict[str, type[ListFact]] = {
    "medication": MedicationFact,
    "diagnosis": DiagnosisFact,
    "finding": FindingFact,
    "prior_treatment": PriorTreatmentFact,
    "item": ItemFact,
}


class AttributeSpec(Fact):
    """What a condition may do with one attribute: its value type and allowed values."""

    type: Literal["string", "number", "boolean", "date", "list"]
    values: list[str] | None = None  # the closed set of strings, where there is one
    description: str | None = None


def _attribute_spec(annotation: Any, description: str | None) -> AttributeSpec:
    args = [a for a in get_args(annotation) if a is not type(None)]
    origin = get_origin(annotation)
    if origin is Literal:
        return AttributeSpec(type="string", values=[str(a) for a in get_args(annotation)],
                             description=description)
    if origin is list:
        return AttributeSpec(type="list", description=description)
    if args and annotation not in (str, int, float, bool, date):
        # Optional[X]: describe X
        return _attribute_spec(args[0], description)
    kind = {str: "string", int: "number", float: "number", bool: "boolean",
            date: "date"}.get(annotation, "string")
    return AttributeSpec(type=kind, description=description)


def attributes(fact_type: str) -> dict[str, AttributeSpec]:
    """The attributes a condition may name on `fact_type` (evidence excluded)."""
    model = SINGLETON_FACTS.get(fact_type) or LIST_FACTS.get(fact_type)
    if model is None:
        raise KeyError(fact_type)
    return attributes_of(model)


def attributes_of(model: type[Fact]) -> dict[str, AttributeSpec]:
    """The attributes of one fact model (evidence excluded)."""
    return {
        name: _attribute_spec(field.annotation, field.description)
        for name, field in model.model_fields.items()
        if name != "evidence"
    }


def fact_types() -> dict[str, Literal["singleton", "list"]]:
    """Every fact type a condition may name, and its shape."""
    shapes: dict[str, Literal["singleton", "list"]] = {n: "singleton" for n in SINGLETON_FACTS}
    shapes.update({name: "list" for name in LIST_FACTS})
    return shapes


def vocabulary_schema() -> dict[str, Any]:
    """The vocabulary as one JSON Schema document (definitions per fact type)."""
    defs: dict[str, Any] = {}
    for name, model in {**SINGLETON_FACTS, **LIST_FACTS}.items():
        defs[name] = model.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "imr-rules fact vocabulary",
        "description": (__doc__ or "").strip().splitlines()[0],
        "x-shapes": fact_types(),
        "$defs": defs,
    }
