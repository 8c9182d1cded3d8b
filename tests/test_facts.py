"""Facts a reviewer relied on, read from the seed letters (blind view where the summary says it).

Each test names the words of the letter it rests on; the evidence spans must quote them.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imr_rules.facts import Extractor
from imr_rules.letters import parse_letter
from imr_rules.models import Determination, Span
from imr_rules.vocabulary import CaseFacts, RequestFact

LETTERS = Path(__file__).resolve().parents[1] / "examples" / "letters"
EXTRACTOR = Extractor()


@cache
def letter(prefix: str) -> tuple[str, Determination]:
    path = next(LETTERS.glob(f"{prefix}_*.txt"))
    text = path.read_text(encoding="utf-8")
    return text, parse_letter(text, path.name)


def blind(prefix: str) -> CaseFacts:
    return EXTRACTOR.case_facts(letter(prefix)[1], "blind")


def findings(prefix: str, item: int) -> CaseFacts:
    return EXTRACTOR.case_facts(letter(prefix)[1], "findings", item=item)


def request(prefix: str, item: int, case: CaseFacts | None = None) -> RequestFact:
    return EXTRACTOR.request(letter(prefix)[1], item, case or blind(prefix))


def quoted(spans: list[Span]) -> str:
    return " | ".join(" ".join(s.text.split()) for s in spans)


# --- 000: muscle relaxant for at least six months; prior injection relief about 2 weeks --------

def test_000_medications_taken_at_least_six_months() -> None:
    meds = {m.generic: m for m in blind("000").medication}
    assert set(meds) == {"hydrocodone/acetaminophen", "tramadol", "tizanidine"}
    assert meds["tizanidine"].days_used == 180
    assert "six" in quoted(meds["tizanidine"].evidence)
    zanaflex = request("000", 5)
    assert (zanaflex.drug_class, zanaflex.continues_current, zanaflex.days_used) == (
        "muscle_relaxant", True, 180)


def test_000_prior_injection_relief_about_two_weeks() -> None:
    (esi,) = [t for t in blind("000").prior_treatment if t.kind == "epidural_steroid_injection"]
    assert esi.relief_weeks is not None and esi.relief_weeks <= 2
    assert esi.relief_percent is None
    assert "2 weeks" in quoted(esi.evidence)


def test_000_diagnoses_and_findings() -> None:
    case = blind("000")
    assert {"radiculopathy", "degenerative_disc_disease", "facet_arthropathy", "spondylosis",
            "spinal_stenosis", "low_back_pain"} <= {d.name for d in case.diagnosis}
    exam = {(f.kind, f.name): f for f in case.finding}
    assert exam[("exam", "dermatomal_sensory_loss")].level == "L4"
    assert ("imaging", "canal_stenosis") in exam


def test_000_rationale_findings_on_opioids() -> None:
    case = findings("000", 3)  # "very little, if any, functional improvement or pain relief"
    assert case.doc.functional_improvement == "absent"
    assert case.doc.analgesia == "absent"
    assert request("000", 3, case).long_term  # "Despite the long-term use of narcotics"


# --- 001: everything the reviewer said was missing is unknown ---------------------------------

def test_001_prior_injection_level_and_duration_unknown() -> None:
    (esi,) = [t for t in blind("001").prior_treatment if t.kind == "epidural_steroid_injection"]
    assert (esi.relief_percent, esi.relief_weeks, esi.outcome) == (None, None, "improved")


def test_001_requests_lack_modality_ingredients_and_dose() -> None:
    stim, cream, norco = request("001", 2), request("001", 3), request("001", 4)
    assert (stim.kind, stim.modality) == ("device", "unspecified")
    assert (cream.drug_class, cream.ingredients, cream.ingredients_stated) == ("topical", [], False)
    assert (norco.drug_class, norco.strength_mg, norco.dose_stated) == ("opioid", None, False)


def test_001_consult_is_for_the_repeat_epidural_and_the_flare_is_documented() -> None:
    consult = request("001", 1)
    assert (consult.kind, consult.specialty, consult.purpose_topic) == (
        "consult", "pain_management", "esi")
    case = blind("001")
    assert case.case.acute_flare == "present"
    assert "exacerbation" in quoted(case.case.evidence["acute_flare"])
    assert {"epidural_steroid_injection", "physical_therapy", "medication"} <= {
        t.kind for t in case.prior_treatment}


def test_001_rationale_no_failed_non_opioid_trial() -> None:
    assert findings("001", 4).doc.non_opioid_trial_failed == "absent"
    assert blind("001").doc.non_opioid_trial_failed == "unknown"


# --- 002 ----------------------------------------------------------------------------------------

def test_002_findings_and_work_status() -> None:
    case = blind("002")
    names = {f.name for f in case.finding if f.status == "present"}
    assert {"positive_slr", "dermatomal_sensory_loss", "tenderness"} <= names
    assert case.case.work_status == "temporarily_disabled"
    assert case.case.returned_to_work == "absent"
    assert {"radiculopathy", "spinal_stenosis", "spondylosis", "sprain_strain"} <= {
        d.name for d in case.diagnosis}


def test_002_rationales_document_what_is_missing() -> None:
    opioid = findings("002", 1).doc
    assert (opioid.urine_drug_test, opioid.pain_agreement, opioid.functional_improvement) == (
        "absent", "absent", "absent")
    assert findings("002", 2).case.acute_flare == "absent"  # "without ... acute flare-up"
    assert findings("002", 3).doc.functional_improvement == "absent"


# --- 003: Norco since 2015-04-13, pain well controlled, back to work with restrictions ---------

def test_003_norco_since_april_13_2015_and_days_to_the_ur_date() -> None:
    case = blind("003")
    norco = next(m for m in case.medication if m.generic == "hydrocodone/acetaminophen")
    assert norco.first_documented == date(2015, 4, 13)
    assert case.case.ur_date == date(2015, 9, 9)
    assert norco.days_used == (date(2015, 9, 9) - date(2015, 4, 13)).days
    assert request("003", 2).days_used == norco.days_used


def test_003_analgesia_present_and_return_to_work() -> None:
    case = blind("003")
    assert case.doc.analgesia == "present"
    assert "well controlled" in quoted(case.doc.evidence["analgesia"])
    assert case.case.returned_to_work == "present"
    assert case.case.work_status == "modified_duty"


def test_003_tens_only_proposed_is_not_a_prior_treatment() -> None:
    # "The treating physician felt the injured worker would benefit greatly from a home TENS"
    assert "tens" not in {t.kind for t in blind("003").prior_treatment}
    assert request("003", 1).continues_current is None


def test_003_diagnoses() -> None:
    assert {"post_laminectomy_syndrome", "radiculopathy", "arachnoiditis", "sciatica"} <= {
        d.name for d in blind("003").diagnosis}


def test_003_rationale_dates_zanaflex_use() -> None:
    zanaflex = request("003", 3, findings("003", 3))
    assert zanaflex.days_used is not None and zanaflex.days_used > 21


# --- 004: transforaminal injections with 60-75% relief; Norco not mentioned ---------------------

def test_004_prior_transforaminal_injections_60_to_75_percent() -> None:
    (esi,) = [t for t in blind("004").prior_treatment if t.kind == "epidural_steroid_injection"]
    assert esi.relief_percent == 60
    assert "60-75%" in quoted(esi.evidence)
    assert blind("004").doc.analgesia == "unknown"  # that relief is the injection's


def test_004_norco_not_among_documented_medications() -> None:
    case = blind("004")
    assert "hydrocodone/acetaminophen" not in {m.generic for m in case.medication}
    assert request("004", 1).continues_current is None
    assert case.case.work_status == "full_duty"


def test_004_rationale_four_as_not_documented() -> None:
    doc = findings("004", 1).doc
    assert (doc.analgesia, doc.adl, doc.adverse_effects, doc.aberrant_behavior) == (
        "absent", "absent", "absent", "absent")


# --- evidence spans quote the letter -----------------------------------------------------------

def _all_spans(case: CaseFacts, req: RequestFact) -> list[Span]:
    spans: list[Span] = []
    for singleton in (case.case, case.doc, req):
        for attr_spans in singleton.evidence.values():
            spans += attr_spans
    for facts in (case.medication, case.diagnosis, case.finding, case.prior_treatment):
        for fact in facts:
            spans += fact.evidence
    return spans


@settings(max_examples=40, deadline=None)
@given(prefix=st.sampled_from(["000", "001", "002", "003", "004"]), data=st.data())
def test_every_evidence_span_slices_the_letter(prefix: str, data: st.DataObject) -> None:
    text, det = letter(prefix)
    item = data.draw(st.integers(1, len(det.items)))
    view = data.draw(st.sampled_from(["blind", "findings"]))
    case = EXTRACTOR.case_facts(det, view, item=item)
    spans = _all_spans(case, EXTRACTOR.request(det, item, case))
    assert spans
    for span in spans:
        assert text[span.start:span.end] == span.text
        # A quote is whole words: it neither starts nor ends inside a word of the letter.
        assert not (span.start > 0 and text[span.start - 1].isalnum()
                    and text[span.start].isalnum()), span
        assert not (span.end < len(text) and text[span.end].isalnum()
                    and text[span.end - 1].isalnum()), span


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_findings_view_keeps_what_the_summary_showed(prefix: str) -> None:
    summary_only = {d.name for d in blind(prefix).diagnosis}
    for item in range(1, len(letter(prefix)[1].items) + 1):
        assert summary_only <= {d.name for d in findings(prefix, item).diagnosis}


# --- how long a drug has been taken, in the words summaries use ------------------------------

# (long_term: words such as "chronically", or 180 days of use and more, the lexicon's long_term_use)
@pytest.mark.parametrize(("sentence", "days", "long_term", "first", "quote"), [
    ("He has been on Norco for over 2 years.", 730, True, None, None),
    ("She has been prescribed Soma since at least 2013.", 152, False, date(2013, 12, 31),
     "since at least 2013"),
    ("Norco was started on 1/15/2014.", 137, False, date(2014, 1, 15), "was started on 1/15/2014"),
    ("Norco was first prescribed on 1/15/2014.", 137, False, date(2014, 1, 15),
     "was first prescribed on 1/15/2014"),
    ("He has taken Norco since at least April 13, 2015, trigger point injections and yoga.",
     None, False, date(2015, 4, 13), "since at least April 13, 2015"),
    ("He has taken Zanaflex since at least April, 2015, far exceeding the guidelines.", None,
     False, date(2015, 4, 30), "since at least April, 2015"),
    ("The patient has been taking Zanaflex for the past 8 months.", 240, True, None, None),
    ("He has used Zanaflex for longer than the recommended 2-3 weeks.", 22, False, None, None),
    ("He has been on Norco for more than 6 months.", 181, True, None, None),
    ("He has taken Flexeril x 3 months.", 90, False, None, None),
    ("She has taken Soma since 06/2013.", 336, True, date(2013, 6, 30), "since 06/2013"),
    ("She was started on tramadol 50 mg on 2/3/2014.", 118, False, date(2014, 2, 3),
     "started on tramadol 50 mg on 2/3/2014"),
    ("He was prescribed Norco 10/325 in January 2014 for pain.", 121, False,
     date(2014, 1, 31), "prescribed Norco 10/325 in January 2014"),
    ("The physician prescribed Cymbalta 30 mg at this visit.", None, False, None, None),
    ("Valium 5 mg twice daily was added on 3/10/2014.", 83, False, date(2014, 3, 10),
     "was added on 3/10/2014"),
    # the relief's duration, not the drug's
    ("The last epidural injection provided 70% relief for four months with a reduction in "
     "Norco use.", None, False, None, None),
    ("He has used cyclobenzaprine chronically.", None, True, None, None),
    ("He continues to take Flexeril.", None, False, None, None),
])
def test_days_of_use(sentence: str, days: int | None, long_term: bool,
                     first: date | None, quote: str | None) -> None:
    from imr_rules.facts import build_case
    from imr_rules.models import KeyDates, Patient, TextBlock

    obs = EXTRACTOR.observe(TextBlock(text=sentence, span=Span.of(sentence, 0, len(sentence))))
    case = build_case(Patient(date_of_injury=date(2010, 1, 1)),
                      KeyDates(request_for_authorization=date(2014, 6, 1)), [obs], "form")
    (med,) = case.medication
    assert (med.days_used, med.long_term, med.first_documented) == (days, long_term, first)
    # The start date's evidence quotes the words that give it, to the date's last character.
    assert quote is None or med.evidence[-1].text == quote


def test_modified_duty_is_not_a_sentence_about_the_request() -> None:
    from imr_rules.facts import build_case
    from imr_rules.models import KeyDates, Patient, TextBlock

    text = "He returned to modified duty, which he attributes to pain relief from Norco."
    obs = EXTRACTOR.observe(TextBlock(text=text, span=Span.of(text, 0, len(text))))
    case = build_case(Patient(), KeyDates(), [obs], "form")
    assert [m.generic for m in case.medication] == ["hydrocodone/acetaminophen"]
    assert case.case.work_status == "modified_duty"


# --- the result of a drug test, and aberrant behaviour found ----------------------------------

def _case_of(text: str) -> CaseFacts:
    """The facts of `text` read as one block, as a form's text is."""
    from imr_rules.facts import build_case
    from imr_rules.models import KeyDates, Patient, TextBlock

    obs = EXTRACTOR.observe(TextBlock(text=text, span=Span.of(text, 0, len(text))))
    return build_case(Patient(), KeyDates(), [obs], "form")


def _doc_of(text: str) -> dict[str, str]:
    return _case_of(text).doc.model_dump(exclude={"evidence"})


@pytest.mark.parametrize(("text", "consistent"), [
    ("A urine drug screen dated 03/04/2014 was consistent with prescribed medications.",
     "present"),
    ("A UDS was performed on 3/4/14. The results were consistent with his prescribed "
     "medications.", "present"),
    ("There were no inconsistent urine drug screens.", "present"),
    ("Urine drug screen was inconsistent, positive for marijuana.", "absent"),
    ("The most recent UDS was positive for cocaine.", "absent"),
    ("Urine drug screen on 2/2/14 was negative for the prescribed hydrocodone.", "absent"),
    ("UDS 1/2/14: negative for prescribed opioids.", "absent"),
    # not a result: unstated, a guideline, uncertain, or another test's "consistent with"
    ("There is no documentation that the urine drug screen was consistent with prescribed "
     "medications.", "unknown"),
    ("Guidelines state that urine drug screens should be consistent with prescribed "
     "medications.", "unknown"),
    ("The MRI was consistent with a disc herniation.", "unknown"),
    ("The patient had a UDS in May. MRI findings were consistent with radiculopathy.",
     "unknown"),
    ("A UDS was done in May. He works full time. The results were consistent.", "unknown"),
    # a drug missing and another found, or one found that is not prescribed: inconsistent
    ("A urine drug screen collected on March 3, 2015 was negative for hydrocodone and "
     "positive for oxycodone, which is not prescribed.", "absent"),
    ("A urine drug screen was positive for oxycodone, which was not prescribed by this "
     "physician.", "absent"),
    ("A urine drug screen on 01/22/2014 was positive for oxymorphone and also for hydrocodone, "
     "which was not prescribed.", "absent"),
    ("A urine drug screen detected butalbital only, in keeping with what was prescribed at the "
     "time.", "present"),
    ("A urine drug screen was positive for the prescribed oxycodone and also for THC, which is "
     "not prescribed.", "absent"),
    ("The UDS was positive for hydrocodone and also for alprazolam, which no physician has "
     "prescribed.", "absent"),
    ("A urine drug screen was positive for morphine and oxycodone, as prescribed, and also for "
     "alprazolam, which none of her physicians prescribes.", "absent"),
    ("A urine drug screen on 12/03/2015 was consistent with his prescriptions.", "present"),
    ("A urine drug screen dated December 8, 2015 was consistent with oxycodone.", "present"),
    ("A urine drug screen was not consistent with oxycodone.", "absent"),
    # a drug missing after the ones found; no illicit drug found says nothing of it
    ("A urine drug screen dated 07-14-2015 was positive for tapentadol and negative for "
     "carisoprodol; this result was not discussed in the notes.", "absent"),
    ("A urine drug screen was positive for oxycodone and negative for illicit substances.",
     "unknown"),
    # only the prescribed drug found, as expected: consistent
    ("A urine drug test on 12/01/2015 was positive only for tapentadol, as expected.",
     "present"),
    # a terse note's verbless result
    ("UDS 11/2015 consistent.", "present"),
    ("UDS 11/2015 consistent with his medications.", "present"),
])
def test_drug_test_result(text: str, consistent: str) -> None:
    assert _doc_of(text)["urine_drug_test_consistent"] == consistent


@pytest.mark.parametrize(("text", "checked", "found"), [
    # a screen or CURES report is the check; its result is what the check found
    ("A urine drug screen on 12/03/2015 was consistent with his prescriptions.", "present",
     "absent"),
    ("The UDS was positive for hydrocodone and also for alprazolam, which no physician has "
     "prescribed.", "present", "present"),
    ("A CURES report was reviewed.", "present", "unknown"),
    ("No urine drug screen was performed.", "unknown", "unknown"),
])
def test_a_drug_screen_is_the_check_for_aberrant_behavior(text: str, checked: str,
                                                          found: str) -> None:
    doc = _doc_of(text)
    assert (doc["aberrant_behavior"], doc["aberrant_behavior_found"]) == (checked, found)


@pytest.mark.parametrize(("text", "checked", "found"), [
    # behaviour told of documents the check too
    ("The patient has a history of early refills and lost prescriptions.", "present",
     "present"),
    ("The patient has exhibited drug-seeking behavior.", "present", "present"),
    ("The patient did not exhibit aberrant behavior.", "present", "absent"),
    ("The patient denies aberrant behavior.", "present", "absent"),
    # no evidence of a behaviour: it was looked for and not seen (the check was made) ...
    ("There is no evidence of aberrant drug-seeking behavior.", "present", "absent"),
    ("There was no evidence of misuse or other aberrant behavior.", "present", "absent"),
    # ... unlike the records being silent on it
    ("There is no documentation of aberrant behavior or early refills.", "absent", "absent"),
    ("No aberrant behavior is documented.", "absent", "absent"),
    ("Monitoring for aberrant behavior is documented.", "present", "unknown"),
    # a behaviour not seen, however the negation is worded, was checked for
    ("The CURES report was reviewed with no evidence of early refills or multiple "
     "prescribers.", "present", "absent"),
    # a report that found another prescriber
    ("A CURES report showed an oxycodone prescription from a second prescriber, an urgent "
     "care physician.", "present", "present"),
])
def test_aberrant_behaviour_checked_and_found(text: str, checked: str, found: str) -> None:
    doc = _doc_of(text)
    assert (doc["aberrant_behavior"], doc["aberrant_behavior_found"]) == (checked, found)


@pytest.mark.parametrize(("text", "field", "status"), [
    # post-operative pain or a recent operation
    ("She has significant post-operative pain that limits her physical therapy.",
     "surgery_recent", "present"),
    ("He is 6 weeks post-op from a right knee arthroscopy.", "surgery_recent", "present"),
    ("There is no postoperative pain.", "surgery_recent", "absent"),
    ("The patient is status post lumbar fusion in 2009.", "surgery_recent", "unknown"),
    ("He underwent surgery 3 weeks after the injury in 2005.", "surgery_recent", "unknown"),
    # a flare, new injury or exacerbation
    ("He presented with a flare of low back pain after lifting a tire.", "acute_flare",
     "present"),
    ("Over three months he has noticed progressively worse low back pain.", "acute_flare",
     "present"),
    ("There is no new injury or exacerbation.", "acute_flare", "absent"),
    ("He acknowledged fear of re-injury.", "acute_flare", "unknown"),  # feared, not happened
])
def test_case_status_as_summaries_tell_it(text: str, field: str, status: str) -> None:
    assert getattr(_case_of(text).case, field) == status


@pytest.mark.parametrize(("text", "red_flag"), [
    ("PR-2 02-11-14: L foot weaker (EHL 3+/5); he has tripped twice. Bowel and bladder function "
     "normal. No saddle numbness.", "present"),
    ("He has progressive weakness of the left ankle dorsiflexors.", "present"),
    ("There are no red flags and no saddle anesthesia.", "absent"),
    ("He has chronic low back pain.", "unknown"),
])
def test_red_flags(text: str, red_flag: str) -> None:
    assert _case_of(text).case.red_flag == red_flag


@pytest.mark.parametrize(("text", "status", "returned"), [
    ("The patient has not returned to work.", "not_working", "absent"),
    ("He has not worked since the injury.", "not_working", "absent"),
    ("The injured worker is not currently working.", "not_working", "absent"),
    ("The patient is temporarily totally disabled.", "temporarily_disabled", "absent"),
    ("He returned to work on modified duty.", "modified_duty", "present"),
    ("He returned to work in 01-2015 as a dispatcher with permanent restrictions.",
     "modified_duty", "present"),
    ("She is working full duty.", "full_duty", "present"),
    ("She continues to work her regular job.", "full_duty", "present"),
    # a note's label
    ("Work: modified, no overhead work.", "modified_duty", "present"),
    ("Work status: full duty.", "full_duty", "present"),
    ("He is not working.", "not_working", "absent"),
    ("She is unable to return to work.", "not_working", "absent"),
    # "not working" names no disability status
    ("Not working since 11-2013.", "not_working", "absent"),
    # a goal is not a status
    ("He remains off work. The goal is to return to work.", "temporarily_disabled", "absent"),
    ("His stated goals are to return to work and to lift his daughter.", "unknown", "unknown"),
    ("The treatment plan lists goals of returning to full duty within 3 months.", "unknown",
     "unknown"),
])
def test_work_status(text: str, status: str, returned: str) -> None:
    case = _case_of(text).case
    assert (case.work_status, case.returned_to_work) == (status, returned)


@pytest.mark.parametrize(("text", "checked"), [
    ("The patient denies side effects.", "present"),  # the check is documented
    ("There is no mention of side effects.", "absent"),  # the records are silent
    ("There was no mention of side effects in the progress notes.", "absent"),
    ("There was no discussion of side effects.", "absent"),
    ("The progress report does not document side effects.", "absent"),
    ("The provider failed to document any side effects.", "absent"),
    ("The records have not addressed adverse effects.", "absent"),
    ("The patient does not have side effects from Norco.", "present"),
    ("Tramadol ER 150 mg daily. No s/e reported.", "present"),
    # what the patient reported, or what was looked for and not seen: the check was made
    ("No side effects were reported.", "present"),
    ("No adverse effects from the medication were reported by the patient.", "present"),
    ("There was no evidence of medication side effects.", "present"),
    # what the records do not say: not made
    ("No side effects are documented.", "absent"),
    ("Side effects were not discussed.", "absent"),
])
def test_side_effect_check_denied_or_not_documented(text: str, checked: str) -> None:
    assert _doc_of(text)["adverse_effects"] == checked


@pytest.mark.parametrize(("text", "analgesia", "function"), [
    ("The records document pain relief and improved function with Norco.", "present",
     "present"),
    ("Her pain has improved.", "present", "unknown"),
    ("Pain relief or improved function is not documented.", "absent", "absent"),
])
def test_pain_relief_leaves_the_function_words_to_functional_improvement(
        text: str, analgesia: str, function: str) -> None:
    doc = _doc_of(text)
    assert (doc["analgesia"], doc["functional_improvement"]) == (analgesia, function)


def test_a_phrase_of_another_item_overlapping_the_end_of_one_still_counts() -> None:
    """"functional benefit" (functional improvement) and "benefit from treatment" (the
    medication's efficacy) share a word: each item is read."""
    doc = _doc_of("The records have not demonstrated the specific symptom relief or functional "
                  "benefit from treatment already rendered.")
    assert (doc["functional_improvement"], doc["medication_efficacy"]) == ("absent", "absent")


@pytest.mark.parametrize(("text", "item", "status"), [
    # a negation inside a phrase's words is a negation, never part of the phrase
    ("He reported no significant benefit from Flexeril.", "medication_efficacy", "absent"),
    # conservative care failed, however said
    ("She has exhausted all conservative measures.", "conservative_care_failed", "present"),
    ("Despite these measures the pain has returned to its previous level.",
     "conservative_care_failed", "present"),
    ("Conservative treatment has been exhausted.", "conservative_care_failed", "present"),
    ("Conservative care: 18 sessions of physical therapy and NSAIDs, without lasting "
     "improvement.", "conservative_care_failed", "present"),
    ("Conservative care: 18 sessions of physical therapy and NSAIDs, without lasting "
     "improvement.", "functional_restoration", "present"),
    ("Conservative care has included physical therapy.", "conservative_care_failed",
     "unknown"),
    # what a treatment let the patient do again is functional improvement
    ("She was able to resume light household tasks.", "functional_improvement", "present"),
    ("Lyrica was started in August; since then she is able to walk her dog for 30 minutes.",
     "functional_improvement", "present"),
    ("She is able to walk her dog for 30 minutes.", "functional_improvement", "unknown"),
    ("The medication enables him to work full shifts.", "functional_improvement", "present"),
    ("Tramadol allows him to do light household chores.", "functional_improvement", "present"),
    ("Tramadol allows him to do light household chores.", "adl", "present"),
    ("Nucynta has allowed him to get back to a full 8-hour shift.", "functional_improvement",
     "present"),
    ("The naproxen enabled her to return to her usual household tasks.",
     "functional_improvement", "present"),
    ("He reports that with his medications he is able to walk his dog for 15 minutes; without "
     "them he stays in bed.", "functional_improvement", "present"),
    ("On her current regimen, she is able to do light housework.", "functional_improvement",
     "present"),
    ("He reported that with the Duragesic patch he is able to walk 30 minutes.",
     "functional_improvement", "present"),
    ("With Norco, she is able to do her household chores.", "functional_improvement",
     "present"),
    ("With a cane she is able to walk a block.", "functional_improvement", "unknown"),
    # what he does with the drug, told in the present
    ("Tramadol ER 150 mg daily; with it he walks 30 min and does his own laundry.",
     "functional_improvement", "present"),
    ("With a cane he walks a block.", "functional_improvement", "unknown"),
    # a score change told in speech ("from an 8 to a 5"), not a dose or a count
    ("Tramadol ER 150 mg daily \u201cbrings it down from an 8 to a 5.\u201d",
     "pain_scores_with_without", "present"),
    ("Tramadol was cut from a 2 to a 1 tablet a day.", "pain_scores_with_without", "unknown"),
    ("She stated that Percocet lets her work her modified job four hours a day.",
     "functional_improvement", "present"),
    ("He is now able to mow his lawn, which he had stopped doing.", "functional_improvement",
     "present"),
    ("Since the acupuncture she is again able to stock overhead shelves.",
     "functional_improvement", "present"),
    # a clause of its own after a negated one, opening with "since"
    ("She rated her pain 7/10 without Butrans and 4/10 with it, and stated that since the "
     "change she has been able to work her full-duty shifts.", "functional_improvement",
     "present"),
    ("She does her own grocery shopping.", "adl", "present"),
    ("The report does not describe her function with these medications.",
     "functional_improvement", "absent"),
    # a score change told of a dose of the one drug the sentence before names
    ("Tylenol #3 was added on 12/17/2013. He described the neck pain dropping from 7/10 to "
     "about 4/10 within an hour of a dose.", "pain_scores_with_without", "present"),
    ("Norco was started in May. His pain went from 7/10 to 4/10 after physical therapy.",
     "pain_scores_with_without", "unknown"),
    ("There is no documentation that the medication allows him to work.",
     "functional_improvement", "absent"),
    # a drug's benefit told by a verb, in a sentence that names the drug
    ("She reports that the trazodone has helped her sleep.", "medication_efficacy", "present"),
    ("He said that Elavil had improved his sleep.", "medication_efficacy", "present"),
    ("Physical therapy has helped.", "medication_efficacy", "unknown"),
    ("The trazodone has not helped her sleep.", "medication_efficacy", "absent"),
    # the check for aberrant behaviour, whatever the plural
    ("No aberrant drug behaviors were noted.", "aberrant_behavior", "present"),
    ("No aberrant drug behaviors were noted.", "aberrant_behavior_found", "absent"),
    ("A urine drug screen was consistent with the prescribed tramadol.",
     "urine_drug_test_consistent", "present"),
    ("He signed a controlled substance agreement on that date.", "pain_agreement", "present"),
    ("On Lodine she rates her pain 3-4/10, against 6/10 before a dose.",
     "pain_scores_with_without", "present"),
    ("There is no comparison of pain with and without the medication.",
     "pain_scores_with_without", "absent"),
    # a diagnosis still to be ruled out is an uncertain one
    ("A CT showed lucency around the S1 pedicle screw, concerning for pseudarthrosis.",
     "diagnosis_uncertain", "present"),
    ("An occult fracture cannot be ruled out.", "diagnosis_uncertain", "present"),
    ("Diagnoses: lumbar spondylolisthesis, rule out right L5 radiculopathy.",
     "diagnosis_uncertain", "present"),
    ("He noted no benefit from the medication.", "medication_efficacy", "absent"),
    ("His pain has not improved.", "analgesia", "unknown"),
    ("The medications have not helped.", "analgesia", "unknown"),
    ("He has exhibited no aberrant behavior.", "aberrant_behavior_found", "absent"),
    # pain scores with and without medication, however the comparison is worded
    ("His pain is 7/10 without and 4/10 with medications.", "pain_scores_with_without",
     "present"),
    ("Without medications his pain is 9/10; with medications it is 5/10.",
     "pain_scores_with_without", "present"),
    # scores with and without medication document the pain relief
    ("His pain is 7/10 without and 4/10 with medications.", "analgesia", "present"),
    ("There is no documentation of pain scores with and without medications.",
     "pain_scores_with_without", "absent"),
    ("There is no documentation of pain scores with and without medications.", "analgesia",
     "unknown"),
    ("The report does not quantify the pain level with and without medications.",
     "pain_scores_with_without", "absent"),
    ("The report does not document pain levels with and without medication.",
     "pain_scores_with_without", "absent"),
    ("VAS ratings with and without opioids were not recorded.", "pain_scores_with_without",
     "absent"),
    ("He rated his pain 4 out of 10 with medications and 8 out of 10 without them.",
     "pain_scores_with_without", "present"),
    # the score without medication told as what it would be: the patient's report, not a plan
    ("She rated her pain 5/10 on her current medications, which she said would be 8/10 "
     "without medication.", "pain_scores_with_without", "present"),
    ("Without medication her pain would go up to 9/10.", "pain_scores_with_without",
     "present"),
    ("She rated her pain 5 out of 10 on her medications, which she said would be 8 out of 10 "
     "without medication.", "pain_scores_with_without", "present"),
    # a score before and after, in a sentence that names a drug
    ("Tramadol reduces her pain from 9/10 to 5/10.", "pain_scores_with_without", "present"),
    ("Her pain increased from 4/10 to 8/10 after the fall.", "pain_scores_with_without",
     "unknown"),
    ("The epidural injection reduced his pain from 8/10 to 3/10 for a month.",
     "pain_scores_with_without", "unknown"),
    # relief told right after a sentence that names one drug is that drug's
    ("Gabapentin 300 mg three times daily was started on 8/5/14. At the follow-up visit he "
     "reported that the burning pain had decreased by roughly 30%.", "medication_efficacy",
     "present"),
    ("Norco and Soma were refilled. His pain decreased by 30%.", "medication_efficacy",
     "unknown"),
    ("Lyrica was added. The epidural injection decreased his pain by 50%.",
     "medication_efficacy", "unknown"),
    # a plan told with its goal
    ("The physician documents a plan to taper the OxyContin by 10% every 2 weeks, with a goal "
     "of a total dose under 90 mg.", "treatment_plan_goals", "present"),
    ("Guidelines recommend a plan to taper opioids with a goal of discontinuation.",
     "treatment_plan_goals", "unknown"),
    # an upset stomach told of, or denied, documents the side-effect check
    ("She takes Prilosec 20 mg daily for gastric upset that she attributes to the naproxen.",
     "adverse_effects", "present"),
    ("He denied stomach upset or dizziness.", "adverse_effects", "present"),
    ("He naps during the day, which he attributes to the medications.", "adverse_effects",
     "present"),
    ("He attributes his pain to the injury.", "adverse_effects", "unknown"),
    ("Suboxone keeps his pain at 3-4 out of 10.", "medication_efficacy", "present"),
    # scores with and without "his medications", "meds" in short
    ("Pain rated 8/10 without his medications and 4/10 with them.", "pain_scores_with_without",
     "present"),
    ("c/o LBP 8/10 w/o meds, 4/10 w/ meds.", "pain_scores_with_without", "present"),
    # uncertain documentation documents nothing
    ("It is unclear whether she performs a home exercise program.", "functional_restoration",
     "unknown"),
    ("It is unclear if he has had a TENS trial.", "trial_documented", "unknown"),
    # a TENS trial, as reviewers tell it
    ("She completed a 30-day home rental trial of a TENS unit from 01-06-2014 to 02-05-2014.",
     "trial_documented", "present"),
    ("A TENS unit was trialed for one month with 50% relief.", "trial_documented", "present"),
    # first-line and non-opioid trials that failed, or could not be tolerated
    ("She has failed nortriptyline and gabapentin.", "first_line_trial_failed", "present"),
    ("No trial of gabapentin or an antidepressant noted.", "first_line_trial_failed", "absent"),
    ("She has not tried an antidepressant.", "first_line_trial_failed", "absent"),
    ("He is intolerant of NSAIDs due to gastritis.", "non_opioid_trial_failed", "present"),
    ("He could not tolerate naproxen.", "non_opioid_trial_failed", "present"),
    ("He has not failed NSAIDs.", "non_opioid_trial_failed", "absent"),
    # what the records do not describe, even when the words after name the item again
    ("There is no description of what activities of daily living he is able to perform.",
     "adl", "absent"),
    ("No mention of side effects.", "adverse_effects", "absent"),
    # "not yet" negates; its "yet" does not end the scope as "yet" alone does
    ("She has not yet started physical therapy.", "functional_restoration", "absent"),
    # the patient's own requests are behaviour, not a treatment requested
    ("She requested early refills twice in the past three months.", "aberrant_behavior_found",
     "present"),
])
def test_documentation_as_reviewers_word_it(text: str, item: str, status: str) -> None:
    assert _doc_of(text)[item] == status


@pytest.mark.parametrize(("text", "outcome"), [
    ("The medications have not helped.", "no_benefit"),
    ("Physical therapy has not helped her pain.", "no_benefit"),
    ("Physical therapy has helped her pain.", "improved"),
    ("He completed physical therapy in 2010 without lasting change.", "no_benefit"),
    ("He finished physical therapy in 2011 without any lasting change.", "no_benefit"),
    ("She used a TENS unit daily from March through May 2015, which \u201cdid not do much.\u201d",
     "no_benefit"),
    ("The TENS unit didn\u2019t do much.", "no_benefit"),
])
def test_a_treatment_that_has_not_helped(text: str, outcome: str) -> None:
    (treatment,) = _case_of(text).prior_treatment
    assert treatment.outcome == outcome


@pytest.mark.parametrize(("text", "function"), [
    ("She has completed 12 sessions of physical therapy with objective functional improvement.",
     "present"),
    ("She completed 12 sessions of physical therapy without functional improvement.", "absent"),
    ("Physical therapy was helpful.", "unknown"),
])
def test_functional_improvement_from_a_prior_treatment(text: str, function: str) -> None:
    (treatment,) = _case_of(text).prior_treatment
    assert (treatment.kind, treatment.functional_improvement) == ("physical_therapy", function)


def test_an_uncertain_treatment_is_not_one_the_patient_had() -> None:
    assert _case_of("It is unclear whether she had physical therapy.").prior_treatment == []


def test_a_treatment_not_yet_started_is_not_one_the_patient_had() -> None:
    (therapy,) = _case_of("She has not yet started physical therapy.").prior_treatment
    assert (therapy.kind, therapy.status) == ("physical_therapy", "absent")


@pytest.mark.parametrize(("text", "statuses"), [
    # stated not had: absent, with the words
    ("He has not had a trial of TENS.", {"tens": "absent"}),
    ("She has not had any psychological treatment to date.", {"psychotherapy": "absent"}),
    ("There is no documentation of a home exercise program.", {"home_exercise": "absent"}),
    # a benefit denied: the treatments were had
    ("He had no lasting benefit from two caudal epidural steroid injections in 2014, a course "
     "of acupuncture, and 20 physical therapy visits.",
     {"epidural_steroid_injection": "present", "acupuncture": "present",
      "physical_therapy": "present"}),
    # not had for a time only: had before, so nothing is stated
    ("She has not had physical therapy since 2013.", {}),
    # "in the past" with no span of time is ever
    ("She has not used a TENS unit in the past.", {"tens": "absent"}),
    ("He has not had acupuncture in the past year.", {}),
    # had, in another sentence of the block: had
    ("He has not had physical therapy recently. He completed 12 sessions of physical therapy "
     "in 2012.", {"physical_therapy": "present"}),
    ("He denies chiropractic care. Chiropractic care was provided in 2014.",
     {"chiropractic": "present"}),
])
def test_treatments_stated_not_had(text: str, statuses: dict[str, str]) -> None:
    assert {t.kind: t.status for t in _case_of(text).prior_treatment} == statuses


@pytest.mark.parametrize(("text", "current"), [
    # a drug discontinued in a relative clause after it: that drug only
    ("Medications have included naproxen, Flexeril, and tramadol, which was discontinued due "
     "to nausea.", {"naproxen": True, "cyclobenzaprine": True, "tramadol": False}),
    ("Norco and Soma were discontinued in March.",
     {"hydrocodone/acetaminophen": False, "carisoprodol": False}),
    # in short
    ("Valium 5 mg was d/c'd in 2013.", {"diazepam": False}),
    # the drug the stop follows, not the sentence's others; a list's stop is every drug's
    ("Butrans 10 mcg/hr patch weekly since 6/2015 (Norco stopped because of nausea).",
     {"buprenorphine": True, "hydrocodone/acetaminophen": False}),
    ("He takes Lyrica; Valium 5 mg was d/c'd in 2013.", {"pregabalin": True, "diazepam": False}),
    ("Norco and Soma stopped in March.",
     {"hydrocodone/acetaminophen": False, "carisoprodol": False}),
    # each clause's stop is its own drug's: not only the sentence's first stop counts
    ("Gabapentin was titrated to 2400 mg a day and stopped in 2012 because of dizziness; "
     "Lyrica caused leg swelling and was stopped after a month; she continues nortriptyline "
     "25 mg at bedtime.", {"gabapentin": False, "pregabalin": False, "nortriptyline": True}),
    # ... but not a stop of the patient's
    ("Gabapentin was stopped for dizziness; Lyrica 75 mg twice a day helps and she has not "
     "stopped working.", {"gabapentin": False, "pregabalin": True}),
    ("Gabapentin was stopped for dizziness; with Lyrica 75 mg she stopped using the cane.",
     {"gabapentin": False, "pregabalin": True}),
])
def test_a_drug_discontinued(text: str, current: dict[str, bool]) -> None:
    assert {m.generic: m.current for m in _case_of(text).medication} == current


@pytest.mark.parametrize("text", [
    "A urine drug screen was negative for tramadol and positive for hydrocodone, which is not "
    "prescribed.",
    "Her UDS was positive for oxycodone and Norco, as expected.",
    "The UDS was positive for oxycodone, morphine and hydrocodone.",
    "A urine drug screen was positive for oxymorphone and also for hydrocodone.",
])
def test_drugs_a_drug_test_found_are_not_drugs_taken(text: str) -> None:
    assert _case_of(text).medication == []


def test_a_drug_taken_after_a_test_result_is_a_drug_taken() -> None:
    text = "The UDS was negative for oxycodone, and he takes Norco."
    assert [m.generic for m in _case_of(text).medication] == ["hydrocodone/acetaminophen"]


@pytest.mark.parametrize(("text", "current"), [
    ("Current medications are tramadol and Lyrica 75 mg; she had previously taken gabapentin "
     "for about 4 months.", {"tramadol": True, "pregabalin": True, "gabapentin": False}),
    ("He previously used ibuprofen with good effect.", {"ibuprofen": False}),
    # a clause of the present after the drugs tried before
    ("He previously tried Norco and gabapentin (stopped for dizziness), and has been using "
     "Duragesic 50 mcg/hr since 2013.",
     {"hydrocodone/acetaminophen": False, "gabapentin": False, "fentanyl": True}),
])
def test_a_drug_taken_before_is_not_current(text: str, current: dict[str, bool]) -> None:
    assert {m.generic: m.current for m in _case_of(text).medication} == current


@pytest.mark.parametrize(("text", "products"), [
    # two products of one drug, each with its dose: two medications
    ("He takes OxyContin 40 mg every 12 hours and Roxicodone 15 mg up to four times daily.",
     [("OxyContin", 40.0), ("Roxicodone", 15.0)]),
    ("Medications: MS Contin 30 mg twice daily, morphine IR 15 mg for breakthrough pain.",
     [("MS Contin", 30.0), ("morphine IR", 15.0)]),
    ("She takes Nucynta ER 100 mg twice daily and Nucynta 50 mg as needed.",
     [("Nucynta ER", 100.0), ("Nucynta", 50.0)]),
    # the drug named again without a dose is the one already named
    ("He takes OxyContin 40 mg. The oxycodone was reduced last month.", [("OxyContin", 40.0)]),
    ("She takes Norco 10/325 mg. Hydrocodone 10 mg was refilled.", [("Norco", 10.0)]),
    # ... and so is one product named twice, by its brand and by its generic
    ("He takes Ultram 50 mg. The tramadol 50 mg was refilled.", [("Ultram", 50.0)]),
])
def test_two_products_of_one_drug(text: str, products: list[tuple[str, float]]) -> None:
    assert [(m.name, m.strength_mg) for m in _case_of(text).medication] == products


@pytest.mark.parametrize(("text", "strength"), [
    ("He takes cyclobenzaprine (Flexeril) 10mg three times daily.", 10.0),
    ("He takes Flexeril (cyclobenzaprine) 7.5 mg at night.", 7.5),
    ("Norco (hydrocodone/APAP) 10/325 mg every 6 hours.", 10.0),
    ("Norco (since 2013) as needed.", None),
])
def test_a_strength_after_the_other_name_in_brackets(text: str, strength: float | None) -> None:
    (med,) = _case_of(text).medication
    assert med.strength_mg == strength


@pytest.mark.parametrize(("text", "efficacy"), [
    ('He said the ibuprofen "barely touched" the pain.', {"ibuprofen": "absent"}),
    ("Tramadol and naproxen were stopped for lack of effect.",
     {"tramadol": "absent", "naproxen": "absent"}),
    ("He took ibuprofen and naproxen, neither of which controlled his symptoms.",
     {"ibuprofen": "absent", "naproxen": "absent"}),
    # told of the drugs listed right before it, not of every drug of the sentence
    ("Medications have included Percocet, Xanax, and, in the past, tramadol and naproxen, "
     "which were stopped for lack of effect.",
     {"oxycodone/acetaminophen": "unknown", "alprazolam": "unknown", "tramadol": "absent",
      "naproxen": "absent"}),
    # said of the drugs named only: the letter's own record of benefit is left alone
    ("Ibuprofen was ineffective. Norco 10/325 helps.",
     {"ibuprofen": "absent", "hydrocodone/acetaminophen": "unknown"}),
    ("Norco 10/325, which he says has lost its effect.",
     {"hydrocodone/acetaminophen": "absent"}),
    # pain told unchanged on the drug; other things unchanged say nothing of it
    ("He describes his pain on Zohydro as about the same at 7/10.", {"hydrocodone": "absent"}),
    ("Her pain is unchanged despite the oxycodone.", {"oxycodone": "absent"}),
    ("There has been no change in his pain with Norco.",
     {"hydrocodone/acetaminophen": "absent"}),
    ("The neurological findings are unchanged and he continues Norco.",
     {"hydrocodone/acetaminophen": "unknown"}),
    ("His Norco dose has not changed.", {"hydrocodone/acetaminophen": "unknown"}),
    # "did not help", "made no difference"
    ("Nortriptyline was stopped in May 2015; it made no difference to her pain.",
     {"nortriptyline": "absent"}),
    ("The physician wrote that Soma has not made a difference.", {"carisoprodol": "absent"}),
    ("Lyrica did not help.", {"pregabalin": "absent"}),
    ("Meloxicam 15 mg daily since 2013 \u2013 pt \u201ccan\u2019t tell a difference\u201d with it.",
     {"meloxicam": "absent"}),
    ("The note states that Lyrica “has not changed the numbness or the pain.”",
     {"pregabalin": "absent"}),
    # denied, a word of no effect says nothing
    ("Naproxen was not ineffective.", {"naproxen": "unknown"}),
])
def test_a_drug_that_did_not_help(text: str, efficacy: dict[str, str]) -> None:
    case = _case_of(text)
    assert {m.generic: m.efficacy for m in case.medication} == efficacy
    assert case.doc.medication_efficacy != "absent"


@pytest.mark.parametrize(("text", "efficacy"), [
    # pain scores with and without the drug, or before and on it, are its benefit
    ("Pain 7/10 without medication and 4/10 with Daypro.", {"oxaprozin": "present"}),
    ("On Lodine she rates her pain 3-4/10, against 6/10 before a dose.", {"etodolac": "present"}),
    ("Naproxen brings his back pain from 7/10 down to 5/10.", {"naproxen": "present"}),
    # fewer headaches or spasms, and the opposite
    ("Gabapentin reduced the number of headache days by about 30%.", {"gabapentin": "present"}),
    ("Baclofen reduces his leg spasms from several an hour to a few a day.",
     {"baclofen": "present"}),
    ("Tramadol has not reduced her pain.", {"tramadol": "absent"}),
    # looking for relief is not finding it
    ("The 4 A's were documented for Norco.", {"hydrocodone/acetaminophen": "unknown"}),
])
def test_a_drug_that_helped(text: str, efficacy: dict[str, str]) -> None:
    case = _case_of(text)
    assert {m.generic: m.efficacy for m in case.medication} == efficacy
    assert case.doc.medication_efficacy == (
        "unknown" if set(efficacy.values()) == {"unknown"} else next(iter(efficacy.values())))


@pytest.mark.parametrize(("text", "function"), [
    ("She says Lodine lets her finish her shift.", {"etodolac": "present"}),
    ("Since starting Lyrica she sleeps 6 hours a night instead of 3, and she has resumed "
     "walking 20 minutes a day.", {"pregabalin": "present"}),
    ("He resumed taking Norco in May.", {"hydrocodone/acetaminophen": "unknown"}),
    ("He takes Norco 10/325 mg; with it he can work his full shift and walk his dog.",
     {"hydrocodone/acetaminophen": "present"}),
    # the activity quoted
    ("He takes diclofenac; the physician wrote that it lets him “lift cases to shoulder height.”",
     {"diclofenac": "present"}),
    ("He takes Norco 10/325 mg; with it he cannot sleep through the night.",
     {"hydrocodone/acetaminophen": "unknown"}),
])
def test_what_a_drug_lets_the_patient_do(text: str, function: dict[str, str]) -> None:
    case = _case_of(text)
    assert {m.generic: m.functional_improvement for m in case.medication} == function
    # what it lets the patient do are activities of daily living on the treatment
    assert case.doc.adl == ("present" if "present" in function.values() else "unknown")


@pytest.mark.parametrize(("text", "efficacy", "function"), [
    # "it" or "the patch" for the one drug the sentence before names
    ("She has used a Lidoderm patch on the hand. She says it takes the edge off so she can "
     "fold laundry.", "present", "present"),
    ("Percocet 10/325 mg has been prescribed since 9/2014. It lets him work his full shift.",
     "unknown", "present"),
    ("He applies Voltaren gel twice a day. The gel has helped her sleep.", "present", "unknown"),
    # two drugs before: whose "it" is not known
    ("He takes Norco and Soma. It lets him work his full shift.", "unknown", "unknown"),
    # the sentence before names no drug; "it" there is something else
    ("He had an MRI in 2014. It lets the surgeon plan the fusion. He takes Norco.", "unknown",
     "unknown"),
])
def test_a_drug_referred_to_by_it(text: str, efficacy: str, function: str) -> None:
    case = _case_of(text)
    assert {m.efficacy for m in case.medication} == {efficacy}
    assert {m.functional_improvement for m in case.medication} == {function}


@pytest.mark.parametrize(("text", "efficacy", "function", "scores"), [
    # what the records do not say a drug does: its benefit and function are not documented
    ("Norco is refilled at each visit; the notes do not say what it does for his pain or for "
     "his activity level.", "absent", "absent", "unknown"),
    ("Tizanidine has been taken since 2013; the note does not describe spasm or what "
     "tizanidine does for him.", "absent", "unknown", "unknown"),
    ("He takes Norco 10/325. The notes list pain levels but not with and without Norco, and do "
     "not name any activity Norco makes possible.", "unknown", "absent", "absent"),
    # told, the same words document them
    ("He explains what Norco does for his pain: it halves it.", "present", "unknown",
     "unknown"),
    ("His pain levels with and without Norco are 8/10 and 4/10.", "present", "unknown",
     "present"),
    # a study's contrast is not a drug
    ("He takes Norco. An MRI with and without contrast was read as normal.", "unknown",
     "unknown", "unknown"),
])
def test_what_the_records_say_a_drug_does(text: str, efficacy: str, function: str,
                                          scores: str) -> None:
    case = _case_of(text)
    assert [(m.efficacy, m.functional_improvement) for m in case.medication] == [
        (efficacy, function)]
    assert case.doc.pain_scores_with_without == scores


@pytest.mark.parametrize(("text", "efficacy"), [
    # what a relative clause or a subject says is said of its drug, not of the sentence's others
    ("Medications include gabapentin 600 mg three times a day, which reduced her pain from 8/10 "
     "to 6/10, and Lunesta 3 mg at bedtime.", {"gabapentin": "present", "eszopiclone": "unknown"}),
    ("He reported drowsiness from gabapentin, which resolved, and said that Elavil had improved "
     "his sleep.", {"gabapentin": "unknown", "amitriptyline": "present"}),
    # a list of drugs before it: all of them
    ("Norco and Soma have helped him return to work.",
     {"hydrocodone/acetaminophen": "present", "carisoprodol": "present"}),
    ("Her mood and pain are \u201csomewhat better\u201d on Cymbalta.", {"duloxetine": "present"}),
])
def test_what_is_said_of_one_drug_among_several(text: str, efficacy: dict[str, str]) -> None:
    assert {m.generic: m.efficacy for m in _case_of(text).medication} == efficacy


@pytest.mark.parametrize(("text", "per_day"), [
    # a dose changed is not the dose taken
    ("The TFESI gave 70% relief, with Percocet cut from 4 a day to 1-2 a day. Percocet 5/325 mg "
     "1 tab q6h prn since 2012.", 4),
    ("Percocet 5/325 mg 1 tab q6h prn since 2012.", 4),
])
def test_the_dosing_of_a_drug_not_its_change(text: str, per_day: float) -> None:
    (med,) = _case_of(text).medication
    assert med.doses_per_day == per_day


@pytest.mark.parametrize(("text", "told"), [
    ("Tramadol ER 150 mg daily since 01-2015. The notes do not describe the effect of tramadol "
     "on his pain or function.", ("absent", "absent")),
    # when a dose starts to work and how long its relief lasts tell its benefit
    ("Norco 10/325 mg three times a day. Norco starts to work within 30 minutes and the relief "
     "lasts about five hours.", ("present", "unknown")),
])
def test_a_drug_s_effect_on_pain_and_function(text: str, told: tuple[str, str]) -> None:
    (med,) = _case_of(text).medication
    assert (med.efficacy, med.functional_improvement) == told


def test_what_the_records_do_not_say_of_one_drug_leaves_the_others_documented() -> None:
    case = _case_of("Norco brings his pain from 7/10 down to 4/10. Tizanidine has been taken "
                    "since 2013; the note does not describe what tizanidine does for him.")
    assert {m.generic: m.efficacy for m in case.medication} == {
        "hydrocodone/acetaminophen": "present", "tizanidine": "absent"}
    assert (case.doc.analgesia, case.doc.medication_efficacy) == ("present", "present")


@pytest.mark.parametrize(("text", "drug_test", "physical_therapy"), [
    # the terse lines after a note's plan label are planned too ...
    ("No prior UDS in the records. A/P: Refill Norco 10/325 #120. PT 2 x 4 for the flare. "
     "UDS for medication monitoring. RTC 4 wks.", "absent", None),
    ("Plan: refill meloxicam. UDS at the next visit.", "unknown", None),
    # ... up to a label of another part of the note, or a dated line of the narrative
    ("Plan: refill meloxicam. Work: TTD. UDS done last month, and PT helped.", "present",
     "present"),
    ("A/P: refill Norco. RFA dated 01/16/2014. A UDS on 12/02/2013 was consistent.", "present",
     None),
    # a long sentence after a plan is the narrative again
    ("Plan: refill meloxicam. He completed twelve sessions of PT in 2012 with some benefit and "
     "has continued his exercises at home since then without a break.", "unknown", "present"),
])
def test_the_lines_of_a_notes_plan(text: str, drug_test: str, physical_therapy: str | None
                                   ) -> None:
    case = _case_of(text)
    assert case.doc.urine_drug_test == drug_test
    assert next((t.status for t in case.prior_treatment if t.kind == "physical_therapy"),
                None) == physical_therapy


@pytest.mark.parametrize(("text", "recent"), [
    # no operation had: none recent
    ("No surgery.", "absent"),
    ("He has never had surgery.", "absent"),
    # an operation had, undated: not known; one proposed says nothing
    ("He underwent a fusion. He has had no surgery since.", "unknown"),
    ("Surgery was not recommended.", "unknown"),
])
def test_no_operation_had_is_none_recent(text: str, recent: str) -> None:
    assert _case_of(text).case.surgery_recent == recent


@pytest.mark.parametrize(("text", "classes"), [
    # "diclofenac" alone is the oral drug; named with its form, the topical one
    ("He takes diclofenac 75 mg twice a day.", {"diclofenac": "nsaid"}),
    ("He applies diclofenac cream to the knee.", {"diclofenac": "topical"}),
    # a strength in percent is a topical's, whatever the drug's oral class
    ("Current medications are omeprazole 20 mg twice a day and a topical cream of gabapentin 6% "
     "and lidocaine 5%.", {"omeprazole": "ppi", "gabapentin": "topical"}),
])
def test_the_class_of_a_drug_as_taken(text: str, classes: dict[str, str]) -> None:
    assert {m.generic: m.drug_class for m in _case_of(text).medication} == classes


@pytest.mark.parametrize(("text", "failed"), [
    # conservative treatments told without lasting benefit: conservative care failed
    ("Tx to date: PT x 18 (2012-13), chiro x 6, HEP, all w/o lasting relief.", "present"),
    ("Prior care included 12 physical therapy visits and 8 chiropractic visits; neither gave "
     "lasting relief.", "present"),
    # an injection is not conservative care; a therapy that helped is not failed
    ("Two epidural injections gave no lasting relief.", "unknown"),
    ("Physical therapy in 2012 gave good relief.", "unknown"),
    # the words of the record win
    ("PT x 12 gave no lasting relief. He has not failed conservative care.", "absent"),
])
def test_conservative_care_failed_from_the_treatments_that_failed(text: str, failed: str
                                                                  ) -> None:
    assert _case_of(text).doc.conservative_care_failed == failed


@pytest.mark.parametrize("text", [
    "The left L5-S1 transforaminal epidural steroid injection is medically necessary.",
    "Norco 10/325 #90 is not medically necessary.",
    "The medical necessity of Soma 350 mg has not been established.",
])
def test_a_conclusion_on_the_request_names_no_treatment_had(text: str) -> None:
    case = _case_of(text)
    assert (case.medication, case.prior_treatment) == ([], [])


def test_a_treatment_asked_for_and_told_never_had() -> None:
    case = _case_of("The physician also asked for a TENS unit to purchase for home use; the "
                    "patient has never used a TENS unit, in the clinic or at home.")
    assert [(t.kind, t.status) for t in case.prior_treatment] == [("tens", "absent")]


def test_a_drug_named_as_the_patients_own_in_a_sentence_about_a_request() -> None:
    (med,) = _case_of("He asked for an early refill of his Norco.").medication
    assert med.generic == "hydrocodone/acetaminophen"
    assert _case_of("The physician requested Norco 10/325 #90.").medication == []


@pytest.mark.parametrize(("text", "relief"), [
    # scores with and without a drug, in any notation: the drug's relief, documented
    ("Naproxen 550 mg bid; per the PTP, pain is 7/10 w/o and 4/10 with it.", "present"),
    ("He rates his pain seven out of ten with his OxyContin and ten out of ten without it.",
     "present"),
    ("His pain level is 8 without Norco and 4 with it.", "present"),
    ("Meloxicam 15 mg daily since 4/2015; pain level 6 without, 3 with.", "present"),
    ("VAS 8 before Norco and VAS 8 after it.", "absent"),
])
def test_pain_scores_with_and_without_a_drug(text: str, relief: str) -> None:
    case = _case_of(text)
    assert (case.doc.pain_scores_with_without, case.doc.analgesia) == ("present", relief)
    (med,) = case.medication
    assert med.efficacy == relief


@pytest.mark.parametrize("text", [
    "Strength 4/5 with pain on Norco.",
    "He takes Norco 10 with food for pain.",
])
def test_numbers_that_are_no_pain_scores(text: str) -> None:
    assert _case_of(text).doc.pain_scores_with_without == "unknown"


def test_the_symptom_a_drug_reduces_is_still_a_symptom() -> None:
    case = _case_of("Baclofen reduces his leg spasms from several an hour to a few a day.")
    assert (case.doc.spasm, case.medication[0].efficacy) == ("present", "present")


def test_a_drugs_effect_the_records_do_not_describe() -> None:
    (med,) = _case_of("He also uses Lidoderm patches, though the records do not describe their "
                      "effect.").medication
    assert (med.generic, med.efficacy) == ("lidocaine", "absent")


def test_benefit_told_of_a_drug_by_name_is_that_drugs() -> None:
    from imr_rules.facts import link_request
    from imr_rules.vocabulary import RequestFact

    case = _case_of("He has taken gabapentin 300 mg since 2013. At his last visit the burning "
                    "pain had decreased by 30%. He also uses Lidoderm patches. Naproxen 550 mg "
                    "has allowed him to get back to work. There is no documentation of "
                    "functional improvement from the Lidoderm patches.")
    said = {m.generic: (m.efficacy, m.functional_improvement) for m in case.medication}
    assert said["gabapentin"] == ("present", "unknown")  # the sentence after it
    assert said["naproxen"] == ("unknown", "present")
    assert said["lidocaine"] == ("unknown", "absent")
    asked = link_request(RequestFact(kind="medication", drug="Lidoderm", generic="lidocaine"),
                         case)
    assert (asked.efficacy, asked.functional_improvement) == ("unknown", "absent")
    assert case.doc.functional_improvement in ("present", "absent")  # one record for all drugs


def test_a_request_links_to_the_product_asked_for() -> None:
    from imr_rules.facts import link_request
    from imr_rules.vocabulary import RequestFact

    case = _case_of("He has taken OxyContin 40 mg since 2012 and Roxicodone 15 mg since "
                    "March 2014.")
    request = RequestFact(kind="medication", drug="Roxicodone", generic="oxycodone")
    assert link_request(request, case).first_documented == date(2014, 3, 31)


def test_a_treatment_stated_not_had_is_not_a_repeat() -> None:
    from imr_rules.facts import link_request
    from imr_rules.vocabulary import RequestFact

    case = _case_of("He has not had a TENS unit before.")
    tens = RequestFact(kind="device", modality="tens")
    assert link_request(tens, case).continues_current is False
    case = _case_of("She has not had an epidural injection.")
    esi = RequestFact(kind="injection", procedure="epidural_steroid_injection")
    linked = link_request(esi, case)
    assert (linked.continues_current, linked.repeat) == (False, False)
    assert "epidural injection" in quoted(linked.evidence["repeat"])


def test_a_drug_taken_before_and_stopped_is_not_continued_by_asking_for_it() -> None:
    from imr_rules.facts import link_request
    from imr_rules.vocabulary import RequestFact

    case = _case_of("Gabapentin was stopped in 2013 for dizziness. She takes Norco 10/325 mg.")
    gralise = link_request(RequestFact(kind="medication", drug="Gralise", generic="gabapentin"),
                           case)
    assert gralise.continues_current is False
    assert "Gabapentin" in quoted(gralise.evidence["continues_current"])
    # a drug the case does not name at all stays unknown
    assert link_request(RequestFact(kind="medication", drug="Soma", generic="carisoprodol"),
                        case).continues_current is None


@pytest.mark.parametrize(("text", "new"), [
    ("He also prescribed capsaicin 0.075% cream for the upper trapezius areas, and Lyrica was "
     "continued.", {"capsaicin": True, "pregabalin": False}),
    ("She prescribed Savella 50 mg twice a day; the patient has not started it, pending "
     "authorization.", {"milnacipran": True}),
    ("The physician started Lyrica and will continue Norco.",
     {"pregabalin": True, "hydrocodone/acetaminophen": False}),
    ("Since starting Lyrica her widespread pain has gone from 8/10 to 5/10.",
     {"pregabalin": False}),
])
def test_a_new_prescription_is_of_the_drugs_not_continued(text: str, new: dict[str, bool]
                                                          ) -> None:
    assert {m.generic: m.new_prescription for m in _case_of(text).medication} == new


@pytest.mark.parametrize(("text", "status"), [
    ("The provider failed to clearly document the 4 A's for ongoing opioid management.",
     "absent"),
    ("The 4 A's of opioid management were not addressed.", "absent"),
    ("The 4 A's have been documented at each visit.", "present"),
    ("Guidelines require documentation of the 4 A's for ongoing opioid management.",
     "unknown"),
])
def test_the_four_as_speak_of_each_a(text: str, status: str) -> None:
    doc = _doc_of(text)
    assert [doc[a] for a in ("analgesia", "adl", "adverse_effects", "aberrant_behavior")] \
        == [status] * 4


@pytest.mark.parametrize(("text", "relief", "weeks", "reduction"), [
    ("The last epidural injection provided 70% relief for four months with a reduction in "
     "Norco use.", 70, 17.14, "present"),
    ("Following the previous ESI, the patient reported 30% improvement lasting 2 weeks.", 30,
     2, "unknown"),
    ("He reports that the ESI gave 60% relief for 3 months and he decreased his medication "
     "intake.", 60, 12.86, "present"),
    ("The previous epidural steroid injection provided 70% relief for 8 weeks, and her Norco "
     "use decreased from 4 tablets to 1-2 tablets per day.", 70, 8, "present"),
    # "2 tablets a day" is how often, not how long
    ("After the epidural injection she decreased her Norco from 4 to 2 tablets a day.", None,
     None, "present"),
    ("After the epidural injection she was able to cut back on her Norco.", None, None,
     "present"),
    ("With the epidural injection she cut her Norco use in half.", None, None, "present"),
    ("The ESI gave ~70% relief for about 3 months, with Percocet cut from 4 a day to 1-2 a day.",
     70, 12.86, "present"),
    # a share in words
    ("He had an epidural injection in 2013. He reported more than half of his back pain gone "
     "for about seven months; the relief wore off in 9/2013.", 50, 30, "unknown"),
    ("After the epidural injection she had relief of about two-thirds of her leg pain for 8 "
     "weeks.", 67, 8, "unknown"),
])
def test_prior_injection_relief(text: str, relief: float | None, weeks: float | None,
                                reduction: str) -> None:
    (esi,) = [t for t in _case_of(text).prior_treatment
              if t.kind == "epidural_steroid_injection"]
    assert (esi.relief_percent, esi.relief_weeks, esi.medication_reduction) \
        == (relief, weeks, reduction)


def _letter(request: str, rationale: str) -> Determination:
    """A one-item letter of the common format with this request and rationale."""
    return parse_letter(
        "CLINICAL CASE SUMMARY\n\nThe expert reviewer developed the following clinical case "
        "summary based on a review of the case file, including all medical records:\n\n"
        "The patient is a 50 year old male injured on 01/02/2010. He has neck pain.\n\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\n\nThe Final Determination was based on decisions "
        "for the disputed items/services set forth below:\n\n"
        f"{request}: Upheld\n\n"
        "Claims Administrator guideline: Decision based on MTUS Chronic Pain Treatment "
        "Guidelines.\n\nMAXIMUS guideline: Decision based on MTUS Chronic Pain Treatment "
        f"Guidelines.\n\nDecision rationale: {rationale}\n", "sessions.txt")


@pytest.mark.parametrize(("request_text", "rationale", "kind", "function"), [
    ("Additional physical therapy x 8", "She completed 12 visits without functional "
     "improvement.", "physical_therapy", "absent"),
    ("Acupuncture x 6 more sessions", "The initial 6 sessions produced clinically significant "
     "functional improvement.", "acupuncture", "present"),
])
def test_a_rationales_sessions_are_of_the_therapy_it_decides(request_text: str, rationale: str,
                                                             kind: str, function: str) -> None:
    letter = _letter(request_text, rationale)
    (treatment,) = EXTRACTOR.case_facts(letter, "findings", item=1).prior_treatment
    assert (treatment.kind, treatment.functional_improvement) == (kind, function)


def test_sessions_of_a_named_treatment_stay_its_own() -> None:
    letter = _letter("Additional physical therapy x 8",
                     "She had 6 sessions of acupuncture with functional improvement.")
    kinds = [t.kind for t in EXTRACTOR.case_facts(letter, "findings", item=1).prior_treatment]
    assert kinds == ["acupuncture"]


@pytest.mark.parametrize(("text", "drugs"), [
    ("He takes oxycodone 15 mg #180, which is 135 mg morphine equivalents per day.",
     ["oxycodone"]),
    ("The morphine equivalent dose is 40 mg per day.", []),
    ("He takes morphine ER 30 mg twice a day.", ["morphine"]),
])
def test_morphine_equivalents_are_a_unit_not_a_drug(text: str, drugs: list[str]) -> None:
    assert [m.generic for m in _case_of(text).medication] == drugs


@pytest.mark.parametrize(("sentence", "days"), [
    # a duration after one drug is that drug's, not the next one's
    ("She takes naproxen 550 mg for the past 8 months, and omeprazole 20 mg daily was added.",
     {"naproxen": 240, "omeprazole": None}),
    ("For the past six months she has taken Norco.", {"hydrocodone/acetaminophen": 180}),
    ("He takes Norco 10 mg and has taken Soma 350 mg for 6 months.",
     {"hydrocodone/acetaminophen": None, "carisoprodol": 180}),
    ("He takes Norco 10 mg and Soma 350 mg, which he has used for 6 months.",
     {"hydrocodone/acetaminophen": None, "carisoprodol": 180}),
    # ... unless the drugs are a plain list (doses and how often between them) ...
    ("He has taken Norco and Soma for 6 months.",
     {"hydrocodone/acetaminophen": 180, "carisoprodol": 180}),
    ("She has been taking Ultram ER 150 mg once daily and Naprosyn 550 mg twice daily for "
     "over a year.", {"tramadol": 365, "naproxen": 365}),
    ("Medications: Norco 10/325 mg q6h prn pain, Flexeril 10 mg tid and Ambien 10 mg at "
     "bedtime for the past 6 months.",
     {"hydrocodone/acetaminophen": 180, "cyclobenzaprine": 180, "zolpidem": 180}),
    # ... up to the drug after which it is told
    ("He takes Norco 10 mg twice daily and Motrin 800 mg daily for over a year, and Prilosec "
     "20 mg daily for the stomach upset that he attributes to the Motrin.",
     {"hydrocodone/acetaminophen": 365, "ibuprofen": 365, "omeprazole": None}),
    # ... or words after the list take up all its drugs
    ("She takes Ultram 50 mg and Flexeril 10 mg; both have been prescribed for 8 months.",
     {"tramadol": 240, "cyclobenzaprine": 240}),
    ("He uses Norco, Soma and Ambien, all of which he has taken for over a year.",
     {"hydrocodone/acetaminophen": 365, "carisoprodol": 365, "zolpidem": 365}),
    ("He uses Norco and Soma, which were continued, and Motrin for 2 weeks.",
     {"hydrocodone/acetaminophen": None, "carisoprodol": None, "ibuprofen": 14}),
])
def test_a_duration_belongs_to_its_own_drug(sentence: str, days: dict[str, int | None]) -> None:
    assert {m.generic: m.days_used for m in _case_of(sentence).medication} == days


@pytest.mark.parametrize(("sentence", "long_term"), [
    # use for the lexicon's long-term period (long_term_use: 180 days) is long-term use
    ("He has taken Norco for 8 months.", True),
    ("He has taken Norco for 6 months.", True),
    ("He has taken Flexeril for 3 weeks.", False),
    ("He has taken Flexeril for 5 months.", False),
    # words say so without a duration
    ("He has been on Norco chronically.", True),
])
def test_long_term_use_from_days_of_use(sentence: str, long_term: bool) -> None:
    (med,) = _case_of(sentence).medication
    assert med.long_term is long_term


@pytest.mark.parametrize(("sentence", "first"), [
    ("Medications are Ultram ER 150 mg daily and Flexeril 7.5 mg three times a day; both have "
     "been prescribed since at least January 2014.",
     {"tramadol": "2014-01-31", "cyclobenzaprine": "2014-01-31"}),
    ("She takes Ultram since 2012 and Flexeril; these were refilled.",
     {"tramadol": "2012-12-31", "cyclobenzaprine": None}),
    # a plain list of drugs: the date after the last is all of theirs
    ("She takes Norco 10 mg, Soma 350 mg and Ambien 10 mg at bedtime since at least March "
     "2013.", {"hydrocodone/acetaminophen": "2013-03-31", "carisoprodol": "2013-03-31",
               "zolpidem": "2013-03-31"}),
    # ... but in a list of items set off by commas, a date before the next item is its own
    ("Medications have included naproxen, Flexeril since 03-2014, and Norco.",
     {"naproxen": None, "cyclobenzaprine": "2014-03-31", "hydrocodone/acetaminophen": None}),
    # ... and so is a date in brackets after an item
    ("Meds: naproxen 550 mg BID, omeprazole 20 mg BID, Ambien 10 mg qhs (since 6/2013).",
     {"naproxen": None, "omeprazole": None, "zolpidem": "2013-06-30"}),
    # an event named between "since" and its date
    ("Naproxen 550 mg 1 PO BID (since surgery 1/9/14).", {"naproxen": "2014-01-09"}),
    # a date the sentence opens with is its drugs'
    ("Since 2012 she has taken celecoxib 200 mg once a day together with pantoprazole 20 mg.",
     {"celecoxib": "2012-12-31", "pantoprazole": "2012-12-31"}),
    ("Since the injury he has had PT; he takes Norco 10/325 mg.",
     {"hydrocodone/acetaminophen": None}),
    # a part of a year: its last possible day
    ("He has used Ambien since early 2012.", {"zolpidem": "2012-04-30"}),
    ("Lyrica 75 mg twice daily for neuropathic pain, which he has taken since at least "
     "mid-2013.", {"pregabalin": "2013-08-31"}),
    ("She has taken Norco since the end of 2011.", {"hydrocodone/acetaminophen": "2011-12-31"}),
    # the drug switched to starts on the date told
    ("She was switched from Percocet to Nucynta ER 50 mg on 04/12/2014.",
     {"oxycodone/acetaminophen": None, "tapentadol": "2014-04-12"}),
    ("Ibuprofen 800 mg was replaced by Daypro 600 mg, two tablets once daily, in 12/2013.",
     {"ibuprofen": None, "oxaprozin": "2013-12-31"}),
    # ... or, told before the switch, on that date
    ("He took Norco until December 2013, when the physician switched him to Zohydro ER 20mg.",
     {"hydrocodone/acetaminophen": None, "hydrocodone": "2013-12-31"}),
    # a drug prescribed on a date is documented from it
    ("Zofran 4mg was prescribed for this on 02/18/2014.", {"ondansetron": "2014-02-18"}),
])
def test_a_start_date_after_a_list_of_drugs(sentence: str, first: dict[str, str | None]) -> None:
    given = {m.generic: m.first_documented for m in _case_of(sentence).medication}
    assert {g: str(d) if d else None for g, d in given.items()} == first


@pytest.mark.parametrize(("text", "regions"), [
    ("Diagnoses: right knee strain, lumbar strain.", ["knee", "lumbar"]),
    # a mention without a region is the diagnosis named before, or takes the region named after
    ("He has a lumbar strain. The strain persists.", ["lumbar"]),
    ("He has a strain. It is a lumbar strain.", ["lumbar"]),
    # a later, surer mention without a region keeps the region
    ("He has a possible lumbar strain. The strain is confirmed.", ["lumbar"]),
])
def test_one_diagnosis_in_several_regions(text: str, regions: list[str]) -> None:
    assert [d.region for d in _case_of(text).diagnosis if d.name == "sprain_strain"] == regions


@pytest.mark.parametrize(("text", "kind", "name"), [
    ("Examination showed decreased cervical range of motion.", "exam", "decreased_rom"),
    ("The lumbar spine was restricted in flexion.", "exam", "decreased_rom"),
    ("MRI of the lumbar spine showed a disc protrusion with impingement of the left S1 nerve "
     "root.", "imaging", "nerve_root_impingement"),
    ("MRI showed a disc extrusion abutting the left S1 nerve root.", "imaging",
     "nerve_root_impingement"),
    ("MRI showed a disc extrusion with compression of the traversing left S1 nerve root.",
     "imaging", "nerve_root_impingement"),
    ("The MRI showed moderate stenosis at L4-5.", "imaging", "canal_stenosis"),
    ("Lumbar flexion was limited to 40 degrees.", "exam", "decreased_rom"),
    ("She has decreased finger range of motion.", "exam", "decreased_rom"),
    ("Grip strength was 4/5 with decreased grip strength on the right.", "exam",
     "motor_weakness"),
    # tests of the knee, the sacroiliac joint and the shoulder, and signs of CRPS
    ("There was joint line tenderness with a positive McMurray's test.", "exam",
     "positive_mcmurray"),
    ("Patrick's test was positive on the right.", "exam", "positive_faber"),
    ("Neer and Hawkins signs were positive.", "exam", "impingement_sign"),
    ("The right hand shows allodynia and color change.", "exam", "allodynia"),
    ("There were positive Tinel's and Phalen's signs at the right wrist.", "exam",
     "tinel_sign"),
    ("There were positive Tinel's and Phalen's signs at the right wrist.", "exam",
     "phalen_sign"),
    ("MRI of the right knee showed a tear of the medial meniscus.", "imaging",
     "meniscal_tear"),
    ("There was limited right wrist range of motion.", "exam", "decreased_rom"),
    ("He has decreased cervical rotation.", "exam", "decreased_rom"),
    ("Exam showed decreased right grip strength.", "exam", "motor_weakness"),
    ("There was 4+/5 strength of the right triceps.", "exam", "motor_weakness"),
    # a terse examination
    ("Objective: TTP left lumbar paraspinals; SLR negative on the right; Achilles reflex 1+ "
     "left, 2+ right; decreased light touch over the lateral left foot.", "exam",
     "reflex_change"),
    ("Objective: TTP left lumbar paraspinals; SLR negative on the right.", "exam", "tenderness"),
    ("Decreased light touch over the lateral left foot (S1 distribution).", "exam",
     "dermatomal_sensory_loss"),
    # movement limited, a reflex told as a jerk
    ("On exam, cervical extension and left rotation were limited.", "exam", "decreased_rom"),
    ("Ankle dorsiflexion was limited to 5 degrees.", "exam", "decreased_rom"),
    ("There was an absent right ankle jerk.", "exam", "reflex_change"),
    # graded in words or after the muscle; a brisk reflex; sensation told noun first
    ("Hip flexor strength 4 out of 5 bilaterally.", "exam", "motor_weakness"),
    ("Quadriceps 4+/5 on the right.", "exam", "motor_weakness"),
    ("There was right wrist extension strength of 4+/5.", "exam", "motor_weakness"),
    ("Motor: ankle dorsiflexion 4/5 on the left.", "exam", "motor_weakness"),
    ("The right foot was swollen, with reduced ankle motion.", "exam", "decreased_rom"),
    ("Objective: lumbar flexion 50/60 deg, SLR neg bilat.", "exam", "decreased_rom"),
    ("Knee and ankle reflexes 3+ with sustained clonus.", "exam", "reflex_change"),
    ("Pinprick was decreased in the right C6 dermatome.", "exam", "dermatomal_sensory_loss"),
    # pain that runs into a limb
    ("He has low back pain with burning pain down the right leg to the lateral foot.",
     "symptom", "radiating_pain"),
    ("She has neck pain with tingling running down the left arm into the thumb.", "symptom",
     "radiating_pain"),
    ("L leg pain 7/10 down the lateral calf to the top of the foot.", "symptom",
     "radiating_pain"),
    ("Pain down the back of the left leg to the heel.", "symptom", "radiating_pain"),
    ("Low back pain with burning into both legs.", "symptom", "radiating_pain"),
    # imaging named in short
    ("XR C-spine 06/2014: facet arthrosis C5-6 and C6-7, no instability.", "imaging",
     "facet_hypertrophy"),
    ("CT 3/2014 showed a 4 mm disc protrusion at L4-5.", "imaging", "disc_herniation"),
])
def test_findings_as_reports_word_them(text: str, kind: str, name: str) -> None:
    assert (kind, name, "present") in [(f.kind, f.name, f.status)
                                       for f in _case_of(text).finding]


@pytest.mark.parametrize(("text", "status"), [
    # a motion measured in degrees, against the normal for the joint named before it
    ("Objective: TTP left lumbar paraspinals; flexion 40 degrees with pain.", "present"),
    ("Examination: tenderness over the lower lumbar facets, flexion to 45 degrees and extension "
     "to 10 degrees with pain.", "present"),
    ("Right shoulder: tenderness over the AC joint; forward flexion 150 degrees, abduction "
     "130 degrees.", "present"),
    ("She is 3 months after a right total knee replacement. At the exam the incision was well "
     "healed, flexion to 105 degrees.", "present"),
    ("Cervical rotation was 50 degrees to each side.", "present"),
    ("PE: cervical rotation mildly reduced, 60 deg bilat.", "present"),
    ("Wrist flexion: 0-30\u00b0.", "present"),
    # at the joint's normal, or within a tenth of it: not decreased
    ("Lumbar flexion was 90 degrees and extension 30 degrees.", "absent"),
    ("The left shoulder has forward flexion to 170 degrees.", "absent"),
    # no joint named: decreased only below the lowest normal of any joint for that motion
    ("Flexion to 35 degrees.", "present"),
    # a normal range of motion told in words
    ("There was full cervical range of motion and normal strength.", "absent"),
    ("Range of motion was within normal limits.", "absent"),
])
def test_range_of_motion_told_as_a_measure(text: str, status: str) -> None:
    found = [f for f in _case_of(text).finding if f.name == "decreased_rom"]
    assert [f.status for f in found] == [status]
    if "degree" in text or "\u00b0" in text:
        assert any(ch.isdigit() for span in found[0].evidence for ch in span.text)


@pytest.mark.parametrize("text", [
    "Wrist flexion and extension strength was 5/5.",  # strength, not a range
    "Flexion-extension x-rays showed no instability.",
    "He asked for an extension of the authorization by 30 days.",
    "Flexion to 100 degrees.",  # normal for a spine, decreased for a knee: no joint named
])
def test_motions_without_a_measure_in_degrees_say_nothing(text: str) -> None:
    assert [f for f in _case_of(text).finding if f.name == "decreased_rom"] == []


def test_a_normal_electrodiagnostic_study_told_as_a_whole() -> None:
    (finding,) = _case_of("EMG/NCV of the upper extremities performed in 01-2015 was "
                          "normal.").finding
    assert (finding.kind, finding.name, finding.status) == (
        "electrodiagnostic", "radiculopathy", "absent")


@pytest.mark.parametrize("text", [
    "A trigger point injection was given into the right buttock.",
    "He fell down the stairs at work.",
    "She caught her daughter as she fell into her arms.",
])
def test_words_of_a_limb_that_are_no_radiating_pain(text: str) -> None:
    assert [f.name for f in _case_of(text).finding] == []


@pytest.mark.parametrize(("text", "findings"), [
    # pain of a limb is radiating pain, told or denied
    ("She denied radiating arm pain, numbness or tingling.",
     {"radiating_pain": "absent", "numbness": "absent"}),
    ("He has no leg pain.", {"radiating_pain": "absent"}),
    ("He has neck pain with pain into the left shoulder and upper arm.",
     {"radiating_pain": "present"}),
    ("Cervical MRI showed a 2 mm disc bulge with no cord or root compression.",
     {"disc_bulge": "present", "nerve_root_impingement": "absent"}),
    ("Right leg pain of 8/10, burning, in an L5 distribution.", {"radiating_pain": "present"}),
    # imaging findings told as a verb, or with the part of the structure between
    ("MRI L-spine 06/2011: L4-5 disc herniation, impinging the L L5 nerve root.",
     {"disc_herniation": "present", "nerve_root_impingement": "present"}),
    ("A right knee MRI showed a degenerative tear of the posterior horn of the medial meniscus.",
     {"meniscal_tear": "present"}),
])
def test_findings_in_other_words(text: str, findings: dict[str, str]) -> None:
    assert {f.name: f.status for f in _case_of(text).finding} == findings


@pytest.mark.parametrize(("text", "statuses"), [
    # a normal examination states its findings absent
    ("Sensation was intact to light touch.", {"dermatomal_sensory_loss": "absent"}),
    ("Sensory examination was normal and strength was 5/5 throughout.",
     {"dermatomal_sensory_loss": "absent", "motor_weakness": "absent"}),
    ("Deep tendon reflexes were 2+ and symmetric.", {"reflex_change": "absent"}),
    ("He had normal reflexes and full strength in the lower extremities.",
     {"reflex_change": "absent", "motor_weakness": "absent"}),
    # "not intact" is a finding
    ("Sensation was not intact in the left L5 dermatome.", {"dermatomal_sensory_loss": "present"}),
    # a finding stated present as well stays present
    ("Sensation was intact except for decreased sensation in the left L5 dermatome.",
     {"dermatomal_sensory_loss": "present"}),
    ("Reflexes were 1+ and symmetric.", {"reflex_change": "present"}),
    # one statement of several normal findings
    ("Sensation and reflexes in the upper extremities were normal.",
     {"dermatomal_sensory_loss": "absent", "reflex_change": "absent"}),
    ("Upper extremity strength, sensation and deep tendon reflexes were within normal limits.",
     {"motor_weakness": "absent", "dermatomal_sensory_loss": "absent",
      "reflex_change": "absent"}),
    ("Sensation was decreased in the left L5 dermatome and strength was normal.",
     {"dermatomal_sensory_loss": "present", "motor_weakness": "absent"}),
    # a finding's words never reach into the next clause
    ("Grip strength was decreased but reflexes were normal.",
     {"motor_weakness": "present", "reflex_change": "absent"}),
    # "negative" qualifies the sign after it, not the rest of the list
    ("Exam: negative straight leg raise bilaterally, intact sensation, symmetric reflexes.",
     {"positive_slr": "absent", "dermatomal_sensory_loss": "absent", "reflex_change": "absent"}),
    ("Negative straight leg raise bilaterally, 5/5 strength, and diminished sensation in the "
     "right thigh.", {"positive_slr": "absent", "motor_weakness": "absent",
                      "dermatomal_sensory_loss": "present"}),
    # a list that shares its adjective: each noun of it names its finding
    ("She had normal sensation, reflexes and strength in the lower extremities.",
     {"dermatomal_sensory_loss": "absent", "reflex_change": "absent", "motor_weakness": "absent"}),
    ("Examination showed decreased sensation and strength in the left leg.",
     {"dermatomal_sensory_loss": "present", "motor_weakness": "present"}),
    ("There is no decreased sensation or strength.",
     {"dermatomal_sensory_loss": "absent", "motor_weakness": "absent"}),
    ("Diminished sensation, deep tendon reflexes and motor strength at L5 on the left.",
     {"dermatomal_sensory_loss": "present", "reflex_change": "present",
      "motor_weakness": "present"}),
    # ... not the next item of a list with words of its own
    ("Decreased sensation at L5, 5/5 strength and normal reflexes.",
     {"dermatomal_sensory_loss": "present", "motor_weakness": "absent",
      "reflex_change": "absent"}),
    # uncertain and hypothetical mentions say nothing for sure
    ("It is unclear whether sensation was intact.", {"dermatomal_sensory_loss": "possible"}),
    ("Spurling's test was positive on the right.", {"spurling_sign": "present"}),
    ("Spurling's maneuver was negative.", {"spurling_sign": "absent"}),
    # a terse examination: the result after the sign, full strength graded after the muscles
    ("Straight leg raising negative bilaterally, absent ankle reflexes.",
     {"positive_slr": "absent", "reflex_change": "present"}),
    ("SLR positive on the left at 40 degrees, negative on the right.", {"positive_slr": "present"}),
    ("EHL, ankle dorsiflexion and plantar flexion 5/5 bilaterally.", {"motor_weakness": "absent"}),
    ("He had 5 out of 5 strength in both lower extremities.", {"motor_weakness": "absent"}),
    ("Deltoid strength was 5 out of 5.", {"motor_weakness": "absent"}),
    ("EHL 5-/5 on the left.", {"motor_weakness": "present"}),
    # abbreviated: "neg", "DTRs 2+", "motor 5/5"
    ("PE: Spurling's neg; motor 5/5 BUE; DTRs 2+ and symmetric; sensation intact.",
     {"spurling_sign": "absent", "motor_weakness": "absent", "reflex_change": "absent",
      "dermatomal_sensory_loss": "absent"}),
    ("There was a negative Spurling's sign.", {"spurling_sign": "absent"}),
    # range of motion after the region's "ROM"
    ("Lumbar ROM decreased in flexion and extension.", {"decreased_rom": "present"}),
    ("C-spine ROM decreased ~25% in all planes.", {"decreased_rom": "present"}),
    # a hand muscle graded after its abbreviation
    ("APB 4+/5 L, grip 5/5 R.", {"motor_weakness": "present"}),
    # a neurological examination told normal as a whole: no weakness and no sensory loss ...
    ("SLR neg bilat; neuro intact BLE.", {"positive_slr": "absent", "motor_weakness": "absent",
                                          "dermatomal_sensory_loss": "absent"}),
    ("She had a normal neurological examination.",
     {"motor_weakness": "absent", "dermatomal_sensory_loss": "absent"}),
    # ... but a finding told with it stays, and "not intact" names none
    ("Neurological exam was normal except for decreased sensation in the left L5 dermatome.",
     {"motor_weakness": "absent", "dermatomal_sensory_loss": "present"}),
    ("He is not neurologically intact.", {}),
    ("Intact strength in both upper extremities.", {"motor_weakness": "absent"}),
    ("Spurling neg, DTR 2+ and symmetric.", {"spurling_sign": "absent", "reflex_change": "absent"}),
    # normal told after a list of its nouns
    ("Sensation and reflexes intact in the LE.",
     {"dermatomal_sensory_loss": "absent", "reflex_change": "absent"}),
    ("Strength and sensation normal throughout.",
     {"motor_weakness": "absent", "dermatomal_sensory_loss": "absent"}),
    ("Sensation and reflexes not intact on the left.", {}),
    ("Lumbar flexion 58/60 deg.", {"decreased_rom": "absent"}),
])
def test_normal_examination_findings(text: str, statuses: dict[str, str]) -> None:
    assert {f.name: f.status for f in _case_of(text).finding if f.kind == "exam"} == statuses


@pytest.mark.parametrize(("text", "current"), [
    # drugs taken before and no longer
    ("He has tried naproxen and tramadol in the past without benefit.",
     {"naproxen": False, "tramadol": False}),
    ("She was switched from naproxen to Celebrex 200 mg daily in 2014.",
     {"naproxen": False, "celecoxib": True}),
    ("He was weaned off Norco last year.", {"hydrocodone/acetaminophen": False}),
    # a drug a new clause names after the stop is not the one stopped; a drug told as taken in
    # a sentence about an insurer's authorization is a drug taken
    ("Celebrex 200 mg daily was used until the carrier stopped authorizing it in 05/2014, and "
     "the treating physician then prescribed Arthrotec 75 mg twice a day, which she has taken "
     "since 06/2014.", {"celecoxib": False, "diclofenac/misoprostol": True}),
    ("Norco was discontinued, and Soma was started.",
     {"hydrocodone/acetaminophen": False, "carisoprodol": True}),
    ("He stopped Norco and Soma last month.",
     {"hydrocodone/acetaminophen": False, "carisoprodol": False}),
    # the subject of a switch to the drug named next (a dose changed is no switch)
    ("Norco 10/325mg, taken since 2011, was changed to Hysingla ER 40mg once daily in April "
     "2015.", {"hydrocodone/acetaminophen": False, "hydrocodone": True}),
    ("Ibuprofen 800 mg was replaced by Daypro 600 mg in 12/2013.",
     {"ibuprofen": False, "oxaprozin": True}),
    ("Norco was changed to 10/325 from 5/325 and Soma was added.",
     {"hydrocodone/acetaminophen": True, "carisoprodol": True}),
    # taken until a date
    ("He was maintained on Norco 10/325 four times daily until December 2013, when the pain "
     "physician switched him to Zohydro ER 20mg.",
     {"hydrocodone/acetaminophen": False, "hydrocodone": True}),
    # tried and still taken
    ("He has tried Lyrica with good effect and continues it.", {"pregabalin": True}),
    ("He failed physical therapy in the past and takes Norco daily.",
     {"hydrocodone/acetaminophen": True}),
    # a proposed drug is not one taken
    ("The physician proposed transitioning to a Butrans 10 mcg/hr patch.", {}),
])
def test_drugs_taken_before_and_no_longer(text: str, current: dict[str, bool]) -> None:
    assert {m.generic: m.current for m in _case_of(text).medication} == current


@pytest.mark.parametrize(("text", "status", "returned"), [
    # the last status told is the current one
    ("He was released to modified duty, but his employer cannot accommodate his restrictions "
     "and he has not worked since the injury.", "not_working", "absent"),
    ("She was off work for a year. She returned to work with restrictions in May.",
     "modified_duty", "present"),
    # the job at the time of injury is not a return to work
    ("She was working as a bank teller when she fell. She remains off work on temporary total "
     "disability.", "temporarily_disabled", "absent"),
])
def test_work_status_as_the_case_went(text: str, status: str, returned: str) -> None:
    case = _case_of(text).case
    assert (case.work_status, case.returned_to_work) == (status, returned)


@pytest.mark.parametrize(("text", "relief"), [
    # injections with no kind of their own are still prior treatments, with their relief
    ("A subacromial corticosteroid injection on March 3, 2015 provided 70% relief for about 3 "
     "months.", (70.0, "improved")),
    ("A right sacroiliac joint injection gave 50% relief for 6 weeks.", (50.0, "improved")),
])
def test_injections_of_no_kind_of_their_own(text: str, relief: tuple[float, str]) -> None:
    (t,) = _case_of(text).prior_treatment
    assert (t.kind, t.relief_percent, t.outcome) == ("other", *relief)


@pytest.mark.parametrize(("text", "kind"), [
    ("He continues a home stretching program.", "home_exercise"),
    ("He underwent bilateral knee arthroscopies in 2008.", "surgery"),
    ("She does a daily home walking routine.", "home_exercise"),
    ("She does the home exercises taught in therapy most days.", "home_exercise"),
    ("R C5-6 and C6-7 MBB 12/08/2015 (lidocaine): 50% better for about 2 hrs.",
     "facet_injection"),
])
def test_treatments_as_summaries_name_them(text: str, kind: str) -> None:
    assert [t.kind for t in _case_of(text).prior_treatment] == [kind]


@pytest.mark.parametrize(("text", "flare"), [
    ("She reports increased spasm in the low back over the past two weeks.", "present"),
    ("She denies any increased spasm.", "absent"),
    # pain that rose over a recent period, not pain that rises with an activity
    ("Pain increased over the last 2 weeks after he helped his brother move furniture.",
     "present"),
    ("Pain increases with bending.", "unknown"),
])
def test_an_acute_flare_as_told(text: str, flare: str) -> None:
    assert _case_of(text).case.acute_flare == flare


@pytest.mark.parametrize(("text", "weeks"), [
    ("He had a cervical epidural injection which helped for a few days.", 0.29),
    ("The injections after the fusion helped for a couple of weeks.", 2.0),
    ("A facet injection gave relief for several weeks.", 3.0),
])
def test_relief_told_in_words(text: str, weeks: float) -> None:
    treatment = _case_of(text).prior_treatment[0]
    assert treatment.relief_weeks == weeks


@pytest.mark.parametrize(("text", "counts"), [
    # a count is the treatment's its words name, else the one named before it
    ("He has completed 24 sessions of physical therapy and 6 sessions of chiropractic "
     "treatment.", {"physical_therapy": 24, "chiropractic": 6}),
    ("He had two L4-5 epidural steroid injections, in 2013 and 2014.",
     {"epidural_steroid_injection": 2}),
    ("She had acupuncture, 8 visits, without benefit.", {"acupuncture": 8}),
    # ... also with words between ("of post-operative"), not with a list joined by "and"
    ("Treatment has included surgery, 24 sessions of post-operative physical therapy and "
     "medications.", {"surgery": None, "physical_therapy": 24, "medication": None}),
    # a terse count after the name; treatments counted by that word
    ("Tx to date: PT x 12 in 2012; chiropractic x 6 in 2013.",
     {"physical_therapy": 12, "chiropractic": 6}),
    ("She has had 12 acupuncture treatments in 2014 and 2015.", {"acupuncture": 12}),
    ("She attended PT 2 x 4 in 2015.", {"physical_therapy": None}),
    ("Prior tx: PT (24 visits, 2012-2013), chiropractic (12), acupuncture (8), meds.",
     {"physical_therapy": 24, "chiropractic": 12, "acupuncture": 8, "medication": None}),
    ("He had a left L5-S1 transforaminal epidural steroid injection, his first.",
     {"epidural_steroid_injection": 1}),
    ("He had an epidural injection, his first in two years.", {"epidural_steroid_injection": None}),
    # a level is not a count
    ("He had a C6-7 epidural injection.", {"epidural_steroid_injection": None}),
])
def test_counts_belong_to_their_treatment(text: str, counts: dict[str, int | None]) -> None:
    assert {t.kind: t.count for t in _case_of(text).prior_treatment} == counts


@pytest.mark.parametrize(("text", "outcomes"), [
    # an outcome in a relative clause is the treatment's the clause follows
    ("Treatment has included physical therapy, chiropractic care, a lumbar epidural steroid "
     "injection in 2012 that provided no lasting benefit, and acupuncture.",
     {"physical_therapy": "unknown", "chiropractic": "unknown",
      "epidural_steroid_injection": "no_benefit", "acupuncture": "unknown"}),
    ("He had physical therapy, which helped, and acupuncture.",
     {"physical_therapy": "improved", "acupuncture": "unknown"}),
    # otherwise it is every treatment's of the sentence
    ("Physical therapy and acupuncture provided no benefit.",
     {"physical_therapy": "no_benefit", "acupuncture": "no_benefit"}),
    ("She failed physical therapy and chiropractic care.",
     {"physical_therapy": "no_benefit", "chiropractic": "no_benefit"}),
    # each relative clause of a list tells its own treatment's outcome
    ("Past care has included massage, three facet injections that gave little relief, and "
     "acupuncture which did not help.",
     {"massage": "unknown", "facet_injection": "no_benefit", "acupuncture": "no_benefit"}),
    ("She had chiropractic care which helped, and a TENS unit that provided no benefit.",
     {"chiropractic": "improved", "tens": "no_benefit"}),
    # a benefit only temporary is no lasting benefit
    ("Physical therapy provided only temporary relief.", {"physical_therapy": "no_benefit"}),
    # "none/neither of which" tells of every treatment before it ...
    ("He has had 24 visits of physical therapy, chiropractic care and a course of aquatic "
     "therapy, none of which produced lasting change.",
     {"physical_therapy": "no_benefit", "chiropractic": "no_benefit",
      "aquatic_therapy": "no_benefit"}),
    ("She tried physical therapy and acupuncture, neither of which helped.",
     {"physical_therapy": "no_benefit", "acupuncture": "no_benefit"}),
    # ... unless drugs stand between: then it tells of them
    ("He had physical therapy and acupuncture, which eased the headaches, along with ibuprofen "
     "and naproxen, neither of which controlled his symptoms.",
     {"physical_therapy": "unknown", "acupuncture": "unknown"}),
    # a treatment named as the time of another does not own the clause after it
    ("He had two epidural injections after the fusion surgery which gave minimal relief.",
     {"epidural_steroid_injection": "no_benefit", "surgery": "unknown"}),
    ("Physical therapy prior to his knee surgery, which helped for a month, was completed.",
     {"physical_therapy": "improved", "surgery": "unknown"}),
    # ... nor any outcome of the sentence
    ("Two lumbar epidural injections after the fusion helped for a couple of weeks.",
     {"epidural_steroid_injection": "improved", "surgery": "unknown"}),
    ("Physical therapy and surgery did not help.",
     {"physical_therapy": "no_benefit", "surgery": "no_benefit"}),
])
def test_an_outcome_belongs_to_its_treatments(text: str, outcomes: dict[str, str]) -> None:
    assert {t.kind: t.outcome for t in _case_of(text).prior_treatment} == outcomes


@pytest.mark.parametrize(("text", "outcome"), [
    ("He had six sessions of cognitive behavioral therapy that he described as helpful.",
     "improved"),
    ("Physical therapy was not helpful.", "no_benefit"),
    ("He has had acupuncture (8 visits) and a cervical pillow, none with lasting help.",
     "no_benefit"),
])
def test_a_treatment_told_helpful_or_not(text: str, outcome: str) -> None:
    (treatment,) = _case_of(text).prior_treatment
    assert treatment.outcome == outcome


@pytest.mark.parametrize(("text", "counts"), [
    # a count after its treatment, in brackets or with "x"
    ("Care to date has included acupuncture, physical therapy (16 sessions), aquatic therapy "
     "and medications.",
     {"acupuncture": None, "physical_therapy": 16, "aquatic_therapy": None, "medication": None}),
    ("He was treated with chiropractic care x 6 visits, physical therapy x 9 visits and "
     "medications.", {"chiropractic": 6, "physical_therapy": 9, "medication": None}),
    # a count before the treatment it names
    ("She completed 18 sessions of physical therapy and 4 sessions of acupuncture.",
     {"physical_therapy": 18, "acupuncture": 4}),
    ("Massage, two lumbar epidural steroid injections and 20 chiropractic visits.",
     {"massage": None, "epidural_steroid_injection": 2, "chiropractic": 20}),
    # counted in words up to twelve
    ("He completed six sessions of cognitive behavioral therapy and twelve physical therapy "
     "visits.", {"psychotherapy": 6, "physical_therapy": 12}),
    ("He has had physical therapy (16 visits) and acupuncture (8 visits), none with lasting help.",
     {"physical_therapy": 16, "acupuncture": 8}),
    # a count told in two parts is one count; "more" of another treatment is not
    ("He finished 18 sessions of physical therapy in 2011 and another 8 sessions in 2012.",
     {"physical_therapy": 26}),
    ("She had 12 sessions of physical therapy in late 2013 and 6 more in 2014.",
     {"physical_therapy": 18}),
    ("She had 12 sessions of physical therapy and 6 more of acupuncture.",
     {"physical_therapy": 12, "acupuncture": None}),
])
def test_a_count_belongs_to_its_treatment(text: str, counts: dict[str, int | None]) -> None:
    assert {t.kind: t.count for t in _case_of(text).prior_treatment} == counts


@pytest.mark.parametrize(("text", "diagnoses"), [
    # conditions of the whole person take no region from the words before them
    ("Diagnoses: right knee medial meniscus tear, obesity and type 2 diabetes.",
     {"meniscal_tear": "knee", "obesity": None, "diabetes": None}),
    ("Diagnoses include lumbar strain and depression.",
     {"sprain_strain": "lumbar", "depression": None}),
    # the sacroiliac joint is the low back's (its blocks are in the low back chapter)
    ("Diagnoses: right shoulder impingement and sacroiliitis.",
     {"shoulder_impingement": "shoulder", "sacroiliac_joint_dysfunction": "lumbar"}),
    # the region a diagnosis is "of", named right after it
    ("The diagnoses include post-traumatic arthritis of the left ankle.",
     {"osteoarthritis": "ankle"}),
    ("Diagnoses: lumbar radiculopathy and sprain of the wrist.",
     {"radiculopathy": "lumbar", "sprain_strain": "wrist"}),
    # de Quervain's is a tenosynovitis of the wrist, whatever words stand before it
    ("She has been diagnosed with right de Quervain\u2019s tenosynovitis and right wrist sprain.",
     {"de_quervain_tenosynovitis": "wrist", "sprain_strain": "wrist"}),
    # a torn cuff is the shoulder's, occipital neuralgia the neck's; constipation from opioids
    # is a condition of the whole person
    ("Diagnoses: partial-thickness rotator cuff tear; occipital neuralgia; opioid-induced "
     "constipation.", {"rotator_cuff_tear": "shoulder", "occipital_neuralgia": "cervical",
                       "constipation": None}),
])
def test_diagnoses_and_their_regions(text: str, diagnoses: dict[str, str | None]) -> None:
    assert {d.name: d.region for d in _case_of(text).diagnosis} == diagnoses


@pytest.mark.parametrize(("text", "drugs"), [
    # drugs beside the pain drugs are medications of the case too
    ("Medications include Norco, Colace 100 mg, Zofran and metformin.",
     {"hydrocodone/acetaminophen": "opioid", "docusate": "other", "ondansetron": "other",
      "metformin": "other"}),
    ("She takes Tylenol #3 as needed.", {"codeine/acetaminophen": "opioid"}),
    ("He takes Senokot, MiraLax, lisinopril and HCTZ.",
     {"senna": "other", "polyethylene glycol": "other", "lisinopril": "other",
      "hydrochlorothiazide": "other"}),
])
def test_other_drugs_of_a_medication_list(text: str, drugs: dict[str, str]) -> None:
    assert {m.generic: m.drug_class for m in _case_of(text).medication} == drugs


@pytest.mark.parametrize(("text", "recent"), [
    # an operation dated long before the request is not recent (recent_surgery: 180 days)
    ("She underwent right knee arthroscopy with partial medial meniscectomy on 7/19/2010.",
     "absent"),
    # one dated within the period is
    ("He had an L4-5 fusion on 3/2/2015.", "present"),
    # undated, or only planned: unknown
    ("She is status post carpal tunnel release.", "unknown"),
    ("He is scheduled for an L4-5 fusion on 7/1/2015.", "unknown"),
    # what the letter says wins over the date
    ("He had a fusion on 3/2/2011 and now has post-operative pain.", "present"),
])
def test_surgery_recent_from_the_operations_date(text: str, recent: str) -> None:
    from imr_rules.facts import build_case
    from imr_rules.models import KeyDates, Patient, TextBlock

    obs = EXTRACTOR.observe(TextBlock(text=text, span=Span.of(text, 0, len(text))))
    case = build_case(Patient(), KeyDates(request_for_authorization=date(2015, 6, 1)), [obs],
                      "form")
    assert case.case.surgery_recent == recent


@pytest.mark.parametrize(("injured", "text", "chronic", "flare"), [
    # injured more than 90 days before the request (chronic_pain_after): chronic pain
    (date(2014, 1, 5), "He complains of low back pain.", "present", "unknown"),
    # injured 8 days before: a new injury, its pain not yet chronic
    (date(2015, 5, 24), "He complains of low back pain.", "absent", "present"),
    # unless the letter says the pain is older than the injury
    (date(2015, 5, 24), "He has had chronic low back pain for years.", "present", "present"),
])
def test_chronic_pain_and_new_injury_from_the_date_of_injury(
        injured: date, text: str, chronic: str, flare: str) -> None:
    from imr_rules.facts import build_case
    from imr_rules.models import KeyDates, Patient, TextBlock

    obs = EXTRACTOR.observe(TextBlock(text=text, span=Span.of(text, 0, len(text))))
    case = build_case(Patient(date_of_injury=injured),
                      KeyDates(request_for_authorization=date(2015, 6, 1)), [obs], "form")
    assert (case.case.chronic_pain, case.case.acute_flare) == (chronic, flare)


@pytest.mark.parametrize(("text", "days"), [
    ("A urine drug screen collected on 11/20/2014 was consistent.", 193),
    # the latest of those told, and not a date of the next item of the sentence
    ("Random urine drug screens dated 9-30-2014 and 1-13-2015 were both consistent, and a CURES "
     "report from May 2015 showed a single prescriber.", 139),
    # a test not done, or the one requested, has no date
    ("A urine drug screen was not performed on 3/3/2015.", None),
    ("The request for a urine drug screen is dated 5/20/2015.", None),
])
def test_days_since_the_last_drug_test(text: str, days: int | None) -> None:
    from imr_rules.facts import build_case
    from imr_rules.models import KeyDates, Patient, TextBlock

    obs = EXTRACTOR.observe(TextBlock(text=text, span=Span.of(text, 0, len(text))))
    case = build_case(Patient(), KeyDates(request_for_authorization=date(2015, 6, 1)), [obs],
                      "form")
    assert case.case.days_since_drug_test == days


@pytest.mark.parametrize(("text", "days"), [
    ("He had an L4-5 fusion on 3/2/2015.", 91),
    # the latest operation had counts
    ("She had a discectomy on 1/5/2012. She underwent a revision fusion on 5/7/2015.", 25),
    ("She had a discectomy on 1/5/2012 and a revision fusion on 5/7/2015.", 25),
    # undated, planned, or after the request: no count
    ("She is status post carpal tunnel release.", None),
    ("He is scheduled for an L4-5 fusion on 7/1/2015.", None),
    # an operation told by its year alone: from the year's last day, when surely not recent
    ("He underwent an L4-L5 laminectomy and discectomy in 2008 and has not worked since.", 2343),
    ("He had a knee arthroscopy in 2014.", None),
    # a date in another clause is not the operation's
    ("A CT myelogram showed a solid fusion, and electrodiagnostic testing on 3/2/2015 showed a "
     "radiculopathy.", None),
])
def test_days_since_surgery_from_the_operations_date(text: str, days: int | None) -> None:
    from imr_rules.facts import build_case
    from imr_rules.models import KeyDates, Patient, TextBlock

    blocks = [EXTRACTOR.observe(TextBlock(text=s, span=Span.of(s, 0, len(s))))
              for s in text.split(". ")]  # two sentences, two blocks (summary, rationale)
    case = build_case(Patient(), KeyDates(request_for_authorization=date(2015, 6, 1)), blocks,
                      "form")
    assert case.case.days_since_surgery == days
    if days is not None:
        assert case.case.evidence["days_since_surgery"]


@pytest.mark.parametrize(("text", "first"), [
    # how long a class has been taken is its drugs', when they tell no date of their own
    ("She has been treated with opioid medications since at least 2010. Current medications "
     "are Duragesic 50 mcg/hr, Norco 10/325 mg and Lyrica.",
     {"fentanyl": "2010-12-31", "hydrocodone/acetaminophen": "2010-12-31", "pregabalin": None}),
    ("He has taken muscle relaxants since March 2014. He takes Soma, and has used Norco "
     "since 2015.",
     {"carisoprodol": "2014-03-31", "hydrocodone/acetaminophen": "2015-12-31"}),
    # a guideline's words about a class are not the patient's
    ("Opioids are not recommended since 2010 guidelines. He takes Norco.",
     {"hydrocodone/acetaminophen": None}),
])
def test_a_class_taken_for_long(text: str, first: dict[str, str | None]) -> None:
    given = {m.generic: m.first_documented for m in _case_of(text).medication}
    assert {g: str(d) if d else None for g, d in given.items()} == first


def test_open_reduction_is_surgery_not_relief() -> None:
    (surgery,) = _case_of("He underwent open reduction and internal fixation of the wrist."
                          ).prior_treatment
    assert (surgery.kind, surgery.outcome) == ("surgery", "unknown")


@pytest.mark.parametrize(("text", "new"), [
    ("The physician prescribed naproxen sodium 550 mg, Soma 350 mg, and Ambien 10 mg.",
     [True, True, True]),
    ("He has been prescribed Norco for years.", [False]),
])
def test_drugs_the_physician_prescribed_are_new(text: str, new: list[bool]) -> None:
    assert [m.new_prescription for m in _case_of(text).medication] == new


@pytest.mark.parametrize(("text", "per_day"), [
    ("She was started on Valium 5mg at bedtime; she also takes ibuprofen 800mg three times a "
     "day.", {"diazepam": 1.0, "ibuprofen": 3.0}),
    ("Medications: Norco 10/325 mg 1-2 tabs q4-6h prn, Flexeril 10 mg tid.",
     {"hydrocodone/acetaminophen": 12.0, "cyclobenzaprine": 3.0}),
    # a frequency told after another drug is that drug's
    ("He takes Norco 10/325 and gabapentin 300 mg three times daily.",
     {"hydrocodone/acetaminophen": None, "gabapentin": 3.0}),
])
def test_how_often_each_drug_is_taken(text: str, per_day: dict[str, float | None]) -> None:
    assert {m.generic: m.doses_per_day for m in _case_of(text).medication} == per_day


def test_a_request_takes_the_dosing_the_records_tell_of_its_drug() -> None:
    from imr_rules.facts import link_request
    from imr_rules.vocabulary import RequestFact

    case = _case_of("She was started on Valium 5mg at bedtime for the spasm.")
    asked = link_request(RequestFact(kind="medication", drug="Valium", generic="diazepam",
                                     quantity=30), case)
    assert asked.doses_per_day == 1.0
    assert "at bedtime" in quoted(asked.evidence["doses_per_day"])
    # the request's own dosing wins
    told = RequestFact(kind="medication", drug="Valium", generic="diazepam", doses_per_day=2.0)
    assert link_request(told, case).doses_per_day == 2.0


@pytest.mark.parametrize(("text", "told"), [
    # relief told in the sentence after the one naming the procedure, the date it opens with
    ("On September 10, 2015 she had a right C6-C7 interlaminar epidural steroid injection. At "
     "the follow-up visit the physician wrote that the injection had given her about 60% relief "
     "for roughly two months; during that time she stopped the naproxen she had been taking.",
     {"on_date": date(2015, 9, 10), "relief_percent": 60.0, "relief_weeks": 8.57,
      "medication_reduction": "present", "outcome": "improved"}),
    ("He had a transforaminal ESI in 2014. He reported 60% relief that lasted about eight "
     "weeks, and his Norco use fell from four tablets a day to one.",
     {"relief_percent": 60.0, "medication_reduction": "present"}),
    ("On 10/27/2015 he had a left L5-S1 transforaminal epidural steroid injection. At the visit "
     "of 12/03/2015 he said he had been maybe 30 percent better for about three weeks; his "
     "Norco use did not change.",
     {"on_date": date(2015, 10, 27), "relief_percent": 30.0, "relief_weeks": 3.0,
      "medication_reduction": "absent"}),
    # the use of a limb is no drug's
    ("She had an epidural injection in 2014 with 50% relief; her work restrictions were "
     "reduced from no use of the right arm to no lifting over 15 pounds.",
     {"relief_percent": 50.0, "medication_reduction": "unknown"}),
    # ... not after a sentence between them, nor when that sentence names its own treatment
    ("He had a lumbar epidural injection in 2014. He moved to Fresno. He was 50% better.",
     {"relief_percent": None}),
])
def test_the_outcome_of_a_procedure_told_after_it(text: str, told: dict[str, object]) -> None:
    (esi,) = [t for t in _case_of(text).prior_treatment if t.kind == "epidural_steroid_injection"]
    assert {k: getattr(esi, k) for k in told} == told


def test_a_home_trial_told_by_its_log() -> None:
    case = _case_of("From 01/06/2014 to 02/05/2014 she used a rented two-lead TENS unit at home. "
                    "Her log shows use two to three times a day; during use her pain dropped "
                    "from seven to four out of ten, and she cut her tramadol from three tablets "
                    "a day to two.")
    (tens,) = [t for t in case.prior_treatment if t.kind == "tens"]
    assert (tens.outcome, tens.medication_reduction) == ("improved", "present")
    assert case.doc.trial_documented == "present"


@pytest.mark.parametrize(("text", "outcomes"), [
    # an outcome told alone in the sentence right after the treatment's
    ("Tx to date: PT x 18 in 2012. No lasting benefit. Chiro x 6 in 2013 helped.",
     {"physical_therapy": "no_benefit", "chiropractic": "improved"}),
    # ... not after a sentence between them
    ("He had PT in 2012. He moved to Fresno. No lasting benefit.",
     {"physical_therapy": "unknown"}),
    # "None ..." after a list tells of every treatment in it
    ("Prior tx: PT (24 visits), chiropractic (12), acupuncture (8). None gave lasting "
     "improvement.", {"physical_therapy": "no_benefit", "chiropractic": "no_benefit",
                      "acupuncture": "no_benefit"}),
    ("He had PT and chiropractic. No lasting benefit.",
     {"physical_therapy": "unknown", "chiropractic": "unknown"}),
    # relief told as a score from a score, and an activity regained
    ("Chiro x 6 in 11/2013. After it his pain was 5/10 from 8/10 and he was back to lifting "
     "40 lb at work.", {"chiropractic": "improved"}),
    # no benefit told of drugs the next sentence names is theirs, not the procedure's
    ("He had three stellate ganglion blocks with 60% relief for 4 weeks. He has tried naproxen "
     "in the past without benefit.", {"other": "improved"}),
])
def test_an_outcome_told_in_a_sentence_of_its_own(text: str, outcomes: dict[str, str]) -> None:
    assert {t.kind: t.outcome for t in _case_of(text).prior_treatment} == outcomes


def test_more_of_a_therapy_had_is_a_repeat() -> None:
    from imr_rules.facts import link_request
    from imr_rules.vocabulary import RequestFact

    case = _case_of("Tx to date: chiro x 6 in 2013 with improvement.")
    chiro = link_request(RequestFact(kind="therapy", therapy="chiropractic", visits=6), case)
    assert (chiro.repeat, chiro.continues_current) == (True, True)
    assert "chiro" in quoted(chiro.evidence["repeat"])
    pt = link_request(RequestFact(kind="therapy", therapy="physical_therapy", visits=6), case)
    assert pt.repeat is False and pt.continues_current is None


def test_a_list_in_clauses_tells_each_treatments_outcome_in_its_own() -> None:
    case = _case_of("Tx to date: PT x 12 in 2012 with improvement; HEP, which he admits he "
                    "stopped doing; chiropractic x 6 in 03-2013 w/o lasting benefit.")
    told = {t.kind: (t.outcome, t.on_date) for t in case.prior_treatment}
    assert told["physical_therapy"] == ("improved", None)  # not the date of the next clause
    assert told["chiropractic"] == ("no_benefit", date(2013, 3, 1))


@pytest.mark.parametrize(("text", "function"), [
    # a return to work told with a treatment's result is its functional improvement
    ("Six acupuncture sessions in late 2013 were followed by a return to modified duty.",
     "present"),
    ("After 8 sessions of chiropractic he went back to work.", "present"),
    # a work status is no return, and one not made says nothing
    ("She had 12 sessions of PT and is working full duty.", "unknown"),
    ("He has not returned to work after 12 sessions of PT.", "unknown"),
])
def test_a_return_to_work_after_a_treatment(text: str, function: str) -> None:
    (treatment,) = _case_of(text).prior_treatment
    assert treatment.functional_improvement == function

