"""Request texts as IMR letters write them -> what is asked for."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imr_rules.classify import classify_request
from imr_rules.lexicon import Lexicon
from imr_rules.models import make_span
from imr_rules.vocabulary import RequestFact

LEXICON = Lexicon.default()

CASES: list[tuple[str, dict[str, Any]]] = [
    ("Norco 10/325mg, #90", {"kind": "medication", "drug_class": "opioid", "strength_mg": 10.0,
                             "quantity": 90, "generic": "hydrocodone/acetaminophen"}),
    ("Prescription of Norco", {"drug_class": "opioid", "strength_mg": None,
                               "dose_stated": False}),
    ("Norco 7.5 mg QTY 120.00", {"strength_mg": 7.5, "quantity": 120}),
    # a number sign in the drug's name is not the quantity; the strength of a combination
    # named in brackets is its principal drug's, in whatever order the names stand
    ("Tylenol #3 (acetaminophen/codeine 300/30mg) #60",
     {"generic": "codeine/acetaminophen", "strength_mg": 30.0, "quantity": 60}),
    ("Percocet (oxycodone/acetaminophen 10/325mg) #90", {"strength_mg": 10.0, "quantity": 90}),
    ("Flexeril (cyclobenzaprine) 10mg #30", {"strength_mg": 10.0, "quantity": 30}),
    # a patch's strength per hour, as written
    ("Duragesic 50mcg/hr #10", {"strength_mg": 50.0, "strength_text": "50mcg/hr"}),
    # work hardening is a functional restoration program
    ("Chiropractic treatment 2 x 4 for the cervical and lumbar spine",
     {"kind": "therapy", "therapy": "chiropractic", "visits": 8}),
    ("Work hardening program 10 visits",
     {"kind": "therapy", "therapy": "functional_restoration", "visits": 10}),
    ("Ultram ER 150mg #30", {"drug_class": "opioid", "strength_mg": 150.0, "quantity": 30}),
    ("Tramadol 50mg #60 no refills", {"generic": "tramadol", "refills": 0}),
    # how often it is taken, as units a day (not the "30 day" of a days' supply)
    ("Flexeril 10mg #90, 1 tab TID", {"quantity": 90, "doses_per_day": 3.0}),
    ("Norco 10/325mg #120 one tab q6h prn, 30 day supply",
     {"quantity": 120, "days_supply": 30, "doses_per_day": 4.0}),
    ("Valium 5mg #30", {"quantity": 30, "doses_per_day": None}),
    ("Retrospective request for Terocin patch #30 (DOS: 4/1/2014)",
     {"drug_class": "topical", "quantity": 30, "strength_mg": None, "ingredients_stated": True}),
    ("Prescription of Topical cream", {"drug_class": "topical", "ingredients": [],
                                       "ingredients_stated": False}),
    ("Compound cream: Flurbiprofen 20%, Gabapentin 10%, Lidocaine 5%",
     {"drug_class": "topical", "ingredients": ["flurbiprofen", "gabapentin", "lidocaine"]}),
    # compounds named by their ingredients in percent, without a form word
    ("Flurbiprofen 25%/Cyclobenzaprine 2% 240gm",
     {"drug_class": "topical", "ingredients": ["flurbiprofen", "cyclobenzaprine"],
      "dose_stated": True, "formulation": None}),
    ("Flurbiprofen 20%, Lidocaine 5%, 180 grams",
     {"drug_class": "topical", "ingredients": ["flurbiprofen", "lidocaine"]}),
    ("Lidoderm 5% patch #30", {"generic": "lidocaine", "strength_mg": None, "dose_stated": True,
                               "quantity": 30}),
    ("One TENS unit", {"kind": "device", "modality": "tens"}),
    ("A-stim unit plus supplies for home use", {"kind": "device", "modality": "unspecified"}),
    ("Solace stimulator rental", {"kind": "device", "modality": "unspecified"}),
    # devices that are no electrotherapy unit: a spinal cord stimulator has its own guideline
    # section; a unit that does not say it stimulates is not an unknown stimulator
    ("Permanent spinal cord stimulator implantation", {"kind": "device", "modality": None}),
    ("Percutaneous SCS trial with 2 leads", {"kind": "device", "modality": None, "leads": 2}),
    ("Home cervical traction unit purchase", {"kind": "device", "modality": None,
                                             "purchase": True}),
    ("Bone growth stimulator", {"kind": "device", "modality": None}),
    ("Durable medical equipment: home unit", {"kind": "device", "modality": None}),
    ("Electrical stimulation unit for the neck", {"kind": "device",
                                                 "modality": "unspecified"}),
    ("Home H-wave device purchase", {"modality": "h_wave", "purchase": True}),
    ("Interferential unit rental x 1 month", {"modality": "interferential", "purchase": False}),
    ("Bilateral L4 selective nerve root block",
     {"kind": "injection", "procedure": "selective_nerve_root_block", "levels": ["L4"],
      "side": "bilateral"}),
    ("Left L4-L5 and L5-S1 transforaminal epidural steroid injection",
     {"procedure": "epidural_steroid_injection", "approach": "transforaminal",
      "level_count": 2, "region": "lumbar"}),  # the region its levels name
    ("Re-evaluation by a pain management specialist for repeat epidural injection",
     {"kind": "consult", "specialty": "pain_management", "purpose_topic": "esi"}),
    # the side of any request that names one
    ("Post-operative physical therapy 12 sessions for the right shoulder",
     {"kind": "therapy", "side": "right", "region": "shoulder"}),
    ("Orthopedic consultation for the left knee", {"kind": "consult", "side": "left"}),
    ("TENS unit purchase for the left knee", {"kind": "device", "side": "left",
                                              "purchase": True}),
    # a discogram is imaging, at its levels
    ("Lumbar discogram at L3-L4, L4-L5 and L5-S1",
     {"kind": "imaging", "levels": ["L3-L4", "L4-L5", "L5-S1"], "level_count": 3}),
    # drugs given by injection or into a vein
    ("Botox 200 units to the cervical musculature",
     {"kind": "medication", "drug": "Botox", "generic": "botulinum toxin",
      "drug_class": "other"}),
    ("IV lidocaine infusion", {"kind": "medication", "generic": "lidocaine",
                               "drug_class": "other"}),
    # a supply, as written
    ("Custom foot orthotics (bilateral)", {"kind": "supply", "device": "Custom foot orthotics"}),
    ("Hot/cold pack for home use", {"kind": "supply", "device": "Hot/cold pack"}),
    ("LSO back brace", {"kind": "supply", "region": "lumbar"}),  # a lumbosacral orthosis
    # a consultation with the therapy it adds
    ("Pain psychology evaluation and 4 sessions of CBT",
     {"kind": "consult", "specialty": "psychology", "therapy": "psychotherapy", "visits": 4}),
    # a supply bought or rented
    ("Cold therapy unit purchase", {"kind": "supply", "purchase": True}),
    ("Hot/cold therapy unit rental", {"kind": "supply", "purchase": False}),
    # equipment for home, splints and collars are supplies
    ("Home exercise kit for the right hand", {"kind": "supply", "device": "Home exercise kit",
                                             "side": "right"}),
    ("Wrist splint, right", {"kind": "supply", "side": "right"}),
    ("Soft cervical collar", {"kind": "supply"}),
    # a home trial of a unit is a rental; a purchase after a trial is a purchase
    ("H-wave unit 30-day home trial", {"kind": "device", "purchase": False}),
    ("TENS unit purchase after a successful one-month trial", {"kind": "device",
                                                              "purchase": True}),
    # a clearance before a procedure is a consultation, whatever device it names
    ("Psychological clearance for spinal cord stimulator trial",
     {"kind": "consult", "specialty": "psychology"}),
    ("Psych evaluation before implantation of a spinal cord stimulator",
     {"kind": "consult", "specialty": "psychology"}),
    ("Outpatient physical therapy 2 x week x 6 weeks lumbar",
     {"kind": "therapy", "therapy": "physical_therapy", "visits": 12, "region": "lumbar"}),
    ("Chiropractic manipulation 2x3", {"therapy": "chiropractic", "visits": 6,
                                       "repeat": False}),
    ("Additional physical therapy 2x6", {"therapy": "physical_therapy", "visits": 12,
                                         "repeat": True}),
    ("Chiropractic treatment 2 times a week for 6 weeks",
     {"therapy": "chiropractic", "visits": 12}),
    ("Acupuncture 6 sessions", {"therapy": "acupuncture", "visits": 6}),
    ("Urine drug screen x 1", {"kind": "diagnostic", "test": "urine_drug_screen"}),
    ("CBC and hepatic function panel", {"kind": "diagnostic", "test": "lab"}),
    # nerve blocks with no topic of their own are still injections
    ("Bilateral greater occipital nerve blocks",
     {"kind": "injection", "procedure": "other", "side": "bilateral"}),
    ("Right genicular nerve block", {"kind": "injection", "procedure": "other"}),
    # how many a year
    ("Urine drug screens 4 times per year", {"test": "urine_drug_screen", "per_year": 4}),
    ("Quarterly urine drug testing", {"test": "urine_drug_screen", "per_year": 4}),
    ("Urine toxicology every 6 months", {"test": "urine_drug_screen", "per_year": 2}),
    ("Random urine drug screens monthly", {"per_year": 12}),
    ("Urine drug screen x 1", {"per_year": None}),
    ("MRI of the lumbar spine", {"kind": "imaging", "test": "mri", "region": "lumbar"}),
    ("Trigger point injections x 3", {"kind": "injection",
                                      "procedure": "trigger_point_injection"}),
    ("Bilateral L4-5 and L5-S1 medial branch blocks", {"procedure": "medial_branch_block"}),
    ("Cognitive behavioral therapy x 6 sessions",
     {"kind": "therapy", "therapy": "psychotherapy", "visits": 6}),
    ("Repeat MRI of the lumbar spine", {"kind": "imaging", "repeat": True, "region": "lumbar"}),
    ("Right knee arthroscopy with partial medial meniscectomy",
     {"kind": "surgery", "side": "right", "region": "knee"}),
    ("L4-5 posterior lumbar interbody fusion", {"kind": "surgery", "levels": ["L4-L5"]}),
    ("EMG/NCV of the bilateral lower extremities", {"kind": "diagnostic", "side": "bilateral"}),
    ("Right C5-6 interlaminar epidural steroid injection", {"region": "cervical"}),
    ("Right stellate ganglion block", {"kind": "injection", "procedure": "other",
                                       "side": "right"}),
    # a strength written with the name is not part of the name as written
    # the product without its form, which is read on its own
    ("Voltaren gel 1% 100g", {"drug": "Voltaren", "generic": "diclofenac", "formulation": "gel"}),
    ("Voltaren 1% gel", {"drug": "Voltaren", "generic": "diclofenac", "formulation": "gel"}),
    ("Terocin patches #30", {"drug": "Terocin", "formulation": "patch", "quantity": 30}),
    ("Purchase of one cane", {"kind": "supply", "device": "cane", "purchase": True}),
    # a joint injection with no procedure of its own
    ("Synvisc-One injection to the right knee", {"kind": "injection", "procedure": "other",
                                                 "side": "right"}),
    ("6 additional acupuncture sessions", {"therapy": "acupuncture", "visits": 6}),
    ("Right carpal tunnel release", {"kind": "surgery", "region": "wrist", "side": "right"}),
    # a functional capacity evaluation is a test, not a consultation
    ("Functional capacity evaluation", {"kind": "diagnostic", "test": "other"}),
    # a supply to wean the patient off the drug
    ("MS Contin 30mg #54 for weaning", {"generic": "morphine", "quantity": 54, "weaning": True}),
    ("Norco 10/325mg #60 (taper)", {"quantity": 60, "weaning": True}),
    ("Norco 10/325mg #60", {"quantity": 60, "weaning": False}),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_request_is_classified(text: str, expected: dict[str, Any]) -> None:
    request = classify_request(text, LEXICON)
    assert {k: getattr(request, k) for k in expected} == expected


@pytest.mark.parametrize(("text", "approach", "side"), [
    ("Left L5 tranſforaminal epidural steroid injection", "transforaminal", "left"),
    ("Rıght L4 transforaminal ESI", "transforaminal", "right"),
    ("BILATERALLY L4-5 interlaminar ESI", "interlaminar", "bilateral"),
])
def test_letters_re_folds_read_as_the_word_they_match(text: str, approach: str,
                                                      side: str) -> None:
    """`re` matches "ſ" as "s" and "ı" as "i" (PDF text has them): the request is still read,
    not refused for an approach or side outside the vocabulary."""
    request = classify_request(text, LEXICON)
    assert (request.approach, request.side) == (approach, side)


# -- the fact is built without the validator (`classify._request_fact`) ------------------------

_WORDS = sorted({phrase for matcher in (LEXICON.drugs, LEXICON.devices, LEXICON.procedure,
                                        LEXICON.consult, LEXICON.specialty, LEXICON.treatment)
                 for phrase, _concept, _exact in matcher.phrases}
                | {"10/325mg", "7.5 mg", "#90", "QTY 30.00", "x 12", "2x6", "no refills",
                   "30 day supply", "L4-L5", "bilateral", "Left", "transforaminal", "caudal",
                   "series of two", "cream", "patch", "unit", "purchase", "rental", "4 leads",
                   "MRI", "EMG", "lumbar", "knees", "surgery", "brace", "tranſforaminal",
                   "\u212aNEE", "é", "20%", "tablets"})


@settings(max_examples=400, deadline=None)
@given(words=st.lists(st.sampled_from(_WORDS), min_size=1, max_size=8),
       seps=st.lists(st.sampled_from([" ", "  ", ", ", "\t", "/", ": ", " (", ""]),
                     min_size=8, max_size=8),
       start=st.integers(0, 10_000), with_span=st.booleans())
def test_a_classified_request_is_what_validation_gives(words: list[str], seps: list[str],
                                                        start: int, with_span: bool) -> None:
    """Validating the fact again, from its fields or through its JSON, gives it back (the
    same values of the same types, the same fields set)."""
    text = "".join(w + s for w, s in zip(words, seps, strict=False)).strip()
    span = make_span(start, start + len(text), text) if with_span else None
    request = classify_request(text, LEXICON, span)  # never fails, whatever the letters
    again = RequestFact.model_validate({k: getattr(request, k) for k in request.model_fields_set})
    assert again == request
    assert again.model_fields_set == request.model_fields_set
    assert list(again.__dict__) == list(request.__dict__)
    assert all(type(again.__dict__[k]) is type(v) for k, v in request.__dict__.items())
    json = request.model_dump_json()
    assert RequestFact.model_validate_json(json).model_dump_json() == json
