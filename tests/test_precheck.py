"""`imr-rules check`: every example form gives its expected outcome and to-document list."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from imr_rules.engine import Engine
from imr_rules.errors import RequestFormError
from imr_rules.facts import extractor_for
from imr_rules.packs import load_pack, read_yaml
from imr_rules.precheck import Prechecker, PrecheckResult, parse_form

ROOT = Path(__file__).resolve().parents[1]
FORMS = ROOT / "examples" / "requests"
PACK = load_pack(ROOT / "rules" / "mtus-chronic-pain-2009")
CHECKER = Prechecker(Engine(PACK), extractor_for(PACK))

# form -> (topic, outcome, {criterion: status} that must hold, criteria listed to document)
EXPECTED: dict[str, tuple[str, str, dict[str, str], list[str]]] = {
    "opioid-continuation-documented.yaml": (
        "opioid", "medically_necessary",
        {"analgesia": "met", "activities_of_daily_living": "met", "adverse_effects": "met",
         "aberrant_behavior": "met", "functional_improvement": "met",
         "morphine_equivalent_dose": "met"}, []),
    "opioid-refill-from-note.yaml": (
        "opioid", "not_medically_necessary",
        {"adverse_effects": "met", "functional_improvement": "unmet",
         "activities_of_daily_living": "unknown"},
        ["analgesia", "activities_of_daily_living", "aberrant_behavior",
         "functional_improvement"]),
    "muscle-relaxant-long-term.yaml": (
        "muscle_relaxant", "not_medically_necessary",
        {"short_course": "unmet", "acute_exacerbation": "unmet"},
        ["short_course", "acute_exacerbation", "muscle_relaxant_efficacy"]),
    "esi-first-block-certifiable.yaml": (
        "esi", "medically_necessary",
        {"radiculopathy_on_exam": "met", "radiculopathy_corroborated": "met",
         "conservative_care_failed": "met", "level_limit": "met"}, []),
    "esi-repeat-short-relief.yaml": (
        "esi", "not_medically_necessary", {"repeat_block_response": "unmet"},
        ["repeat_block_response"]),
    "tens-purchase-no-trial.yaml": (
        "tens", "not_medically_necessary",
        {"tens_indication": "unmet", "tens_trial_before_purchase": "unknown"},
        ["tens_indication", "tens_trial_before_purchase"]),
    "stimulator-unspecified.yaml": (
        "electrical_stimulation", "not_medically_necessary", {"modality_specified": "unmet"},
        ["modality_specified"]),
    "topical-compound.yaml": (
        "topical", "not_medically_necessary",
        {"ingredients_stated": "met", "compound_ingredients_recommended": "unmet"},
        ["compound_ingredients_recommended", "topical_nsaid_indication"]),
    "aed-gabapentin-continuation.yaml": (
        "aed", "medically_necessary",
        {"neuropathic_indication": "met", "aed_pain_relief": "met",
         "aed_functional_improvement": "met"}, []),
    "nsaid-ppi-without-gi-risk.yaml": (
        "nsaid", "not_medically_necessary", {"ppi_gi_risk": "unmet"}, ["ppi_gi_risk"]),
    "consult-pain-management.yaml": (
        "consult", "medically_necessary", {"consult_indication": "met"}, []),
    "physical-therapy-more-visits.yaml": (
        "physical_medicine", "not_medically_necessary",
        {"visits_within_guideline": "unmet", "prior_therapy_functional_improvement": "unmet",
         "home_exercise_program": "met"},
        ["visits_within_guideline", "prior_therapy_functional_improvement"]),
    "acupuncture-trial.yaml": (
        "acupuncture", "medically_necessary", {"acupuncture_trial_visits": "met"}, []),
    "benzodiazepine-long-term.yaml": (
        "benzodiazepine", "not_medically_necessary", {"short_term_use": "unmet"},
        ["short_term_use"]),
    "fioricet.yaml": (
        "barbiturate_analgesic", "not_medically_necessary", {"bca_not_recommended": "unmet"},
        ["bca_not_recommended"]),
    "urine-drug-screen-on-opioids.yaml": (
        "urine_drug_test", "medically_necessary", {"udt_indication": "met"}, []),
    "antidepressant-duloxetine-no-benefit.yaml": (
        "antidepressant", "not_medically_necessary",
        {"antidepressant_indication": "met", "antidepressant_efficacy": "unmet",
         "antidepressant_side_effects": "unknown"}, ["antidepressant_efficacy"]),
    "imaging-lumbar-mri.yaml": (
        "imaging", "medically_necessary",
        {"imaging_conservative_care_failed": "met", "nerve_compromise_on_exam": "met"}, []),
    "trigger-point-injections.yaml": (
        "trigger_point_injection", "medically_necessary",
        {"trigger_points_documented": "met", "no_radiculopathy": "met",
         "medical_management_failed": "met"}, []),
    "medial-branch-blocks.yaml": (
        "facet_procedure", "medically_necessary",
        {"non_radicular_pain": "met", "facet_conservative_care_failed": "met",
         "facet_levels": "met"}, []),
    "hypnotic-zolpidem-long-term.yaml": (
        "hypnotic", "not_medically_necessary",
        {"hypnotic_short_term": "unmet", "insomnia_documented": "met",
         "hypnotic_efficacy": "met"}, ["hypnotic_short_term"]),
}


def check(name: str) -> PrecheckResult:
    path = FORMS / name
    data, lines = read_yaml(path, name)
    return CHECKER.check(parse_form(data, name, lines), name)


def test_every_example_form_has_an_expectation() -> None:
    assert {p.name for p in FORMS.glob("*.yaml")} == set(EXPECTED)
    topics = {t.id for t in PACK.topics}
    assert topics <= {e[0] for e in EXPECTED.values()}, "one form per topic at least"
    assert any(e[1] == "medically_necessary" for e in EXPECTED.values())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_form(name: str) -> None:
    topic, outcome, statuses, todo = EXPECTED[name]
    result = check(name)
    assert (result.topic, result.outcome) == (topic, outcome)
    got = {c.id: c.status for c in result.criteria}
    assert {k: got.get(k) for k in statuses} == statuses
    assert sorted(t.criterion for t in result.to_document) == sorted(todo)
    for t in result.to_document:
        assert t.what  # a sentence a provider's office can act on


def form_error(tmp_path: Path, text: str) -> RequestFormError:
    path = tmp_path / "form.yaml"
    path.write_text(text)
    data, lines = read_yaml(path, "form.yaml")
    with pytest.raises(RequestFormError) as info:
        CHECKER.check(parse_form(data, "form.yaml", lines), "form.yaml")
    return info.value


def test_missing_request_field_is_named(tmp_path: Path) -> None:
    e = form_error(tmp_path, "patient: {age: 40}\n")
    assert "missing field `request`" in str(e) and e.file == "form.yaml"


def test_mistyped_field_is_named_with_its_line(tmp_path: Path) -> None:
    e = form_error(tmp_path, "request: Norco 10/325 #60\npatient:\n  age: 40\n  sexx: male\n")
    assert "unknown field `patient.sexx`" in str(e) and "known here: age, sex" in str(e)
    assert e.line == 4


def test_bad_value_is_named(tmp_path: Path) -> None:
    e = form_error(tmp_path, "request: Norco\ndocumentation: {analgesia: yes please}\n")
    assert "documentation.analgesia" in str(e) and e.line == 2


def test_unknown_requested_drug_is_named(tmp_path: Path) -> None:
    e = form_error(tmp_path, 'request: "Frobozzicin 10mg #30"\n')
    assert "unknown drug 'Frobozzicin 10mg #30'" in str(e) and e.file == "form.yaml"


def test_unknown_drug_is_named(tmp_path: Path) -> None:
    e = form_error(tmp_path, "request: Norco 10/325 #60\nmedications:\n  - {name: Frobozz 5mg}\n")
    assert "unknown drug 'Frobozz 5mg'" in str(e)


def test_quantity_written_as_yaml_comment_is_refused(tmp_path: Path) -> None:
    from imr_rules.precheck import check_quantity_comments

    with pytest.raises(RequestFormError, match="quote the value") as info:
        check_quantity_comments("patient: {age: 4}\nrequest: Norco 10/325 #90\n", "f.yaml")
    assert info.value.line == 2
    check_quantity_comments('request: "Norco 10/325 #90"\n', "f.yaml")


def test_check_cli_json_and_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("request: [unclosed\n")
    result = subprocess.run(
        [sys.executable, "-m", "imr_rules", "check", str(FORMS / "stimulator-unspecified.yaml"),
         str(bad), "--format", "json"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 1
    (out,) = json.loads(result.stdout)
    assert out["outcome"] == "not_medically_necessary"
    assert [t["criterion"] for t in out["to_document"]] == ["modality_specified"]
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "bad.yaml:" in lines[0] and "Traceback" not in result.stderr


# Progress notes written for the tests in the words of well-documented requests: read through
# extraction alone, each must come out certifiable.
NOTE_FORMS = {"note-esi.yaml": "esi", "note-tens.yaml": "tens", "note-mr.yaml": "muscle_relaxant",
              "note-aed.yaml": "aed"}


@pytest.mark.parametrize("name", sorted(NOTE_FORMS))
def test_documented_note_is_certifiable(name: str) -> None:
    path = ROOT / "tests" / "fixtures" / "forms" / name
    data, lines = read_yaml(path, name)
    result = CHECKER.check(parse_form(data, name, lines), name)
    assert (result.topic, result.outcome) == (NOTE_FORMS[name], "medically_necessary"), [
        (c.id, c.status) for c in result.criteria]


def test_a_long_term_opioid_not_certifiable_carries_the_weaning_note() -> None:
    # MTUS p.124: not certifying a long-term opioid is no abrupt stop (the pack's note)
    refill = check("opioid-refill-from-note.yaml")
    assert refill.outcome == "not_medically_necessary"
    assert [n.id for n in refill.notes] == ["wean_do_not_stop"]
    assert refill.notes[0].citation.pages == ["124"] and not refill.notes[0].confirmed
    documented = check("opioid-continuation-documented.yaml")
    assert documented.outcome == "medically_necessary" and documented.notes == []
    shown = subprocess.run(
        [sys.executable, "-m", "imr_rules", "check", str(FORMS / "opioid-refill-from-note.yaml")],
        capture_output=True, text=True, cwd=ROOT, check=False)
    assert "Note:" in shown.stdout and "gradual taper" in " ".join(shown.stdout.split())
