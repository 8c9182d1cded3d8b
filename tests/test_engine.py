"""The durable_rules engine on the example pack: verdict contents, evidence, items, sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from imr_rules.engine import Engine
from imr_rules.models import Span
from imr_rules.packs import load_pack
from imr_rules.vocabulary import (
    CaseFact,
    CaseFacts,
    DiagnosisFact,
    DocumentationFact,
    FindingFact,
    MedicationFact,
    PriorTreatmentFact,
    RequestFact,
)

EXAMPLE = Path(__file__).parent / "packs" / "example"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_pack(EXAMPLE))


def relaxant(**kw: object) -> RequestFact:
    return RequestFact.model_validate({"kind": "medication", "drug": "Zanaflex",
                                       "drug_class": "muscle_relaxant", **kw})


def test_unmet_criterion_has_reason_citation_and_evidence(engine: Engine) -> None:
    text = "Zanaflex since 180 days ago."
    request = relaxant(continues_current=True, days_used=180,
                       evidence={"days_used": [Span.of(text, 15, 18)]})
    verdict = engine.evaluate(request, CaseFacts(doc=DocumentationFact(spasm="present")))
    result = verdict.criterion("short_course")
    assert result is not None and result.status == "unmet"
    assert result.reason == "muscle relaxant used 180 days; the guideline allows 14-21"
    assert result.citation.pages == ["63"] and result.citation.source == "MTUS"
    assert result.confirmed is False and result.citation.confirmed is False
    assert [(e.fact, e.attribute, e.text) for e in result.evidence] == [
        ("request", "days_used", "180")]
    assert verdict.outcome == "not_medically_necessary"
    assert verdict.decided_by == ["short_course"]
    assert verdict.rests_on_unknown is False
    assert verdict.derived == {"continuing_use": True}
    assert any("short_course: unmet" in line for line in verdict.trace)


def test_list_fact_evidence_is_the_matched_fact(engine: Engine) -> None:
    text = "ESI 1/2013 gave 60% relief for 8 weeks. L5 radiculopathy, MRI shows compression."
    request = RequestFact(kind="injection", procedure="epidural_steroid_injection", repeat=True,
                          level_count=1)
    facts = CaseFacts(
        diagnosis=[DiagnosisFact(name="radiculopathy", evidence=[Span.of(text, 40, 56)])],
        finding=[FindingFact(kind="imaging", name="root_compression",
                             evidence=[Span.of(text, 58, 81)])],
        prior_treatment=[
            PriorTreatmentFact(kind="physical_therapy", evidence=[Span.of(text, 0, 3)]),
            PriorTreatmentFact(kind="epidural_steroid_injection", relief_percent=60,
                               relief_weeks=8, evidence=[Span.of(text, 0, 39)])])
    verdict = engine.evaluate(request, facts)
    assert verdict.outcome == "medically_necessary"
    repeat = verdict.criterion("repeat_relief")
    assert repeat is not None
    assert [e.text for e in repeat.evidence] == [text[0:39]]
    radic = verdict.criterion("radiculopathy")
    assert radic is not None
    assert {e.fact for e in radic.evidence} == {"diagnosis", "finding"}


def test_rests_on_unknown_when_nothing_is_documented(engine: Engine) -> None:
    verdict = engine.evaluate(relaxant(continues_current=True), CaseFacts())
    assert verdict.outcome == "not_medically_necessary"
    assert set(verdict.decided_by) == {"short_course", "acute_flare"}
    assert verdict.rests_on_unknown is True
    short = verdict.criterion("short_course")
    assert short is not None and short.reason == (
        "how long the muscle relaxant has been taken is not documented")
    assert short.to_document is not None


def test_supporting_criteria_do_not_decide(engine: Engine) -> None:
    facts = CaseFacts(case=CaseFact(acute_flare="present"),
                      medication=[MedicationFact(name="Soma", drug_class="muscle_relaxant")])
    verdict = engine.evaluate(relaxant(days_used=7), facts)
    other = verdict.criterion("other_relaxant")
    assert other is not None and other.status == "unmet" and not other.required
    assert verdict.outcome == "medically_necessary"
    assert verdict.decided_by == ["short_course", "acute_flare"]


def test_no_topic_gives_no_outcome(engine: Engine) -> None:
    verdict = engine.evaluate(RequestFact(kind="device", modality="tens"), CaseFacts())
    assert verdict.topic is None and verdict.outcome is None and verdict.criteria == []
    assert engine.topic_for(RequestFact(kind="device")) is None


def test_decision_id_is_deterministic(engine: Engine) -> None:
    a = engine.evaluate(relaxant(days_used=7), CaseFacts())
    b = Engine(load_pack(EXAMPLE)).evaluate(relaxant(days_used=7), CaseFacts())
    c = engine.evaluate(relaxant(days_used=8), CaseFacts())
    assert a.decision_id == b.decision_id != c.decision_id
    assert a.pack_revision == load_pack(EXAMPLE).revision


def test_items_are_evaluated_in_dependency_order(engine: Engine) -> None:
    requests = [
        RequestFact(kind="consult", purpose_topic="esi", text="pain management consult"),
        RequestFact(kind="injection", procedure="epidural_steroid_injection", level_count=4,
                    text="L3-S1 ESI"),
        RequestFact(kind="medication", drug_class="opioid", generic="tramadol",
                    strength_mg=50, quantity=60, days_supply=30),
    ]
    verdicts = engine.evaluate_items(requests, CaseFacts())
    assert [v.topic for v in verdicts] == ["consult", "esi", "opioid"]
    assert verdicts[1].outcome == "not_medically_necessary"
    consult = verdicts[0].criterion("procedure_supported")
    assert consult is not None and consult.status == "unmet"
    assert consult.reason == "the esi it is for is itself not supported"
    # the same consult when the ESI is supported
    facts = CaseFacts(diagnosis=[DiagnosisFact(name="radiculopathy")],
                      finding=[FindingFact(kind="electrodiagnostic", name="emg_positive")])
    requests[1] = requests[1].model_copy(update={"level_count": 1})
    verdicts = engine.evaluate_items(requests, facts)
    assert verdicts[1].outcome == "medically_necessary"
    assert verdicts[0].outcome == "medically_necessary"


def test_two_engines_of_one_pack_coexist_and_sessions_are_freed(engine: Engine) -> None:
    other = Engine(load_pack(EXAMPLE))
    for days in range(1, 1500):  # more sessions than the C core keeps alive at once
        assert engine.evaluate(relaxant(days_used=days), CaseFacts()).outcome == \
            other.evaluate(relaxant(days_used=days), CaseFacts()).outcome


def test_facts_no_rule_matches_do_not_raise(engine: Engine) -> None:
    facts = CaseFacts(finding=[FindingFact(kind="symptom", name="numbness")],
                      diagnosis=[DiagnosisFact(name="depression")],
                      medication=[MedicationFact(name="Prozac", drug_class="antidepressant")])
    verdict = engine.evaluate(relaxant(days_used=3, ingredients=["x"], levels=["L4-L5"]), facts)
    assert verdict.topic == "muscle_relaxant"


def test_decision_id_tells_apart_every_input(engine: Engine) -> None:
    base = relaxant(days_used=7)
    ids = {engine.evaluate(r, f).decision_id for r, f in [
        (base, CaseFacts()),
        (relaxant(days_used=7, strength_mg=float("nan")), CaseFacts()),
        (relaxant(days_used=7, strength_mg=float("inf")), CaseFacts()),
        (relaxant(days_used=7, strength_mg=None), CaseFacts(case=CaseFact(age=40))),
        (base, CaseFacts(prior_treatment=[PriorTreatmentFact(kind="physical_therapy",
                                                             relief_weeks=float("nan"))])),
        (base, CaseFacts(prior_treatment=[PriorTreatmentFact(kind="physical_therapy")])),
    ]}
    assert len(ids) == 6
    assert engine.evaluate(base, CaseFacts()).decision_id == \
        engine.evaluate(relaxant(days_used=7), CaseFacts()).decision_id


def test_items_sharing_facts_get_the_verdicts_of_single_evaluations(engine: Engine) -> None:
    facts = CaseFacts(case=CaseFact(acute_flare="present"),
                      diagnosis=[DiagnosisFact(name="radiculopathy")],
                      medication=[MedicationFact(name="Soma", drug_class="muscle_relaxant")])
    requests = [relaxant(days_used=7), relaxant(days_used=40),
                RequestFact(kind="injection", procedure="epidural_steroid_injection",
                            level_count=1),
                RequestFact(kind="device", modality="tens")]
    shared = engine.evaluate_items(requests, facts)
    per_item = engine.evaluate_items(requests, [facts.model_copy() for _ in requests])
    single = [engine.evaluate(r, facts) for r in requests]
    assert shared == per_item == single
