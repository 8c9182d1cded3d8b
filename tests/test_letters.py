"""The parser reads every seed letter as expected.yaml says a correct reading does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from imr_rules.errors import LetterError
from imr_rules.letters import decode_letter, normalize_specialty, parse_citation, parse_letter
from imr_rules.models import Determination

ROOT = Path(__file__).resolve().parents[1]
LETTERS = ROOT / "examples" / "letters"
EXPECTED: dict[str, Any] = yaml.safe_load((ROOT / "tests" / "seeds_expected.yaml").read_text())[
    "letters"]


def _flat(text: str) -> str:
    return " ".join(text.split())


def parsed(name: str) -> Determination:
    return parse_letter((LETTERS / name).read_text(encoding="utf-8"), name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_patient_and_reviewer(name: str) -> None:
    expected = EXPECTED[name]
    d = parsed(name)
    assert d.patient.age == expected["patient"]["age"]
    assert d.patient.sex == expected["patient"]["sex"]
    assert d.patient.date_of_injury == expected["patient"]["date_of_injury"]
    assert d.reviewer.specialty == expected["reviewer_specialty"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_items_decisions_and_citations(name: str) -> None:
    expected_items = EXPECTED[name]["items"]
    d = parsed(name)
    assert [_flat(i.request.text) for i in d.items] == [e["request"] for e in expected_items]
    assert [i.decision for i in d.items] == [e["decision"] for e in expected_items]
    for item, exp in zip(d.items, expected_items, strict=True):
        g, eg = item.guideline, exp["guideline"]
        source = eg["source"].split()[0]
        assert g.source == source
        assert g.mtus_based == eg.get("mtus_based", source == "MTUS")
        if "Chronic Pain" in eg["source"]:
            assert g.guideline == "Chronic Pain Medical Treatment Guidelines"
        if eg["source"].endswith("2009"):
            assert g.edition == "2009"
        if "edition" in eg:
            assert g.edition == eg["edition"]
        if "chapter" in eg:
            assert g.chapter == str(eg["chapter"])
        assert g.pages == eg.get("pages", [])
        if "section" in eg:
            assert [s.lower() for s in g.sections] == [
                s.strip().lower() for s in eg["section"].split(";")]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_span_slices_the_original_text(name: str) -> None:
    text = (LETTERS / name).read_text(encoding="utf-8")
    d = parse_letter(text, name)
    blocks = [d.summary] + [b for i in d.items for b in (i.request, i.rationale,
                                                        i.claims_administrator_guideline) if b]
    for block in blocks:
        assert text[block.span.start:block.span.end] == block.text == block.span.text
    for item in d.items:
        assert text[item.decision_span.start:item.decision_span.end].lower() == item.decision
        assert item.guideline.span is not None
        assert text[item.guideline.span.start:item.guideline.span.end] == item.guideline.text


def test_summary_is_the_case_summary_only() -> None:
    d = parsed("001_030cb33236d584c4.txt")
    assert d.summary.text.startswith("The injured worker is a 29 year old male")
    assert _flat(d.summary.text).endswith("decision was 11/4/13.")
    assert d.dates.utilization_review is not None
    assert d.dates.utilization_review.isoformat() == "2013-11-04"


def test_key_dates_survive_split_dates() -> None:
    d = parsed("002_d144e1222e08eb40.txt")
    assert str(d.dates.request_for_authorization) == "2015-08-28"
    assert str(d.dates.utilization_review) == "2015-10-05"


@pytest.mark.parametrize(("sentence", "rfa"), [
    ("On 07-15-2014 the provider requested a repeat epidural injection.", "2014-07-15"),
    ("The treating physician requested Norco 10/325 #90 on 3/2/2015.", "2015-03-02"),
    ("A request for authorization dated 04/07/2014 asked for Norco.", "2014-04-07"),
    ("On 12/03/2014, the treating orthopedic surgeon requested a knee arthroscopy.",
     "2014-12-03"),
    ("Requests dated 2/2/15 for Butrans and Elavil followed.", "2015-02-02"),
    ("On 4/13/15 the surgeon recommended a lumbar fusion and requested a repeat MRI.",
     "2015-04-13"),
    ("Requests for Xanax, trazodone and CBT were submitted on October 6, 2014.", "2014-10-06"),
    ("The request was submitted on 5/14/2015.", "2015-05-14"),
    ("The request is dated 09/30/2014 and was non-certified.", "2014-09-30"),
    ("The 02/20/2014 request is for an MRI of the right shoulder.", "2014-02-20"),
    ("On 6/9/2015 the request was for 12 sessions of physical therapy.", "2015-06-09"),
    # the request reviewed is the latest one told of
    ("A request for authorization dated 01/02/2014 asked for PT. A second request for "
     "authorization dated 03/04/2014 asked for Norco.", "2014-03-04"),
])
def test_the_request_date_as_summaries_tell_it(sentence: str, rfa: str) -> None:
    text = seed_text().replace("The RFA (request for authorization) dated", "The note dated")
    start = text.index("CLINICAL CASE SUMMARY")
    cut = text.index("\n", text.index("including all medical records:", start)) + 1
    d = parse_letter(text[:cut] + sentence + "\n" + text[cut:], "rfa.txt")
    assert str(d.dates.request_for_authorization) == rfa


def test_a_request_later_than_the_review_is_not_the_one_reviewed() -> None:
    text = ("CLINICAL CASE SUMMARY\n\nThe patient is a 40 year old man injured on 1/1/2010. A new "
            "request for authorization dated 05/06/2014 followed the denial of the request for "
            "authorization dated 03/04/2014 by utilization review on 04/01/2014."
            "\n\nIMR ISSUES, DECISIONS AND RATIONALES\n\n1. Norco 10/325mg #60 is not "
            "medically necessary and appropriate.\n\nRationale for the Decision:\nNo 4 A's.\n")
    dates = parse_letter(text, "later.txt").dates
    assert (str(dates.request_for_authorization), str(dates.utilization_review)) == (
        "2014-03-04", "2014-04-01")


@pytest.mark.parametrize(("sentence", "ur"), [
    ("The requests were non-certified on 2/10/15.", "2015-02-10"),
    ("A request for aquatic therapy was previously non-certified on utilization review on "
     "2/17/15. The requests were non-certified on utilization review on 7/2/15.", "2015-07-02"),
    ("Utilization review on 7/2/15 denied the request; an earlier UR of 2/17/15 had modified "
     "it.", "2015-07-02"),
])
def test_the_review_date_is_the_latest_review_told_of(sentence: str, ur: str) -> None:
    text = ("CLINICAL CASE SUMMARY\n\nThe patient is a 40 year old man injured on 1/1/2010. "
            + sentence + "\n\nIMR ISSUES, DECISIONS AND RATIONALES\n\n1. Omeprazole 20mg #60 "
            "is not medically necessary and appropriate.\n\nRationale for the Decision:\nNo GI "
            "risk.\n")
    assert str(parse_letter(text, "ur.txt").dates.utilization_review) == ur


@pytest.mark.parametrize(("sentence", "age"), [
    ("This is a male injured worker, age 44, who hurt his neck on 1/5/2014.", 44),
    ("The patient, aged 61, injured her knee on 1/5/2014.", 61),
    ("The patient is a 52-year-old man injured on 1/5/2014.", 52),
])
def test_the_age_as_summaries_tell_it(sentence: str, age: int) -> None:
    text = ("CLINICAL CASE SUMMARY\n\n" + sentence + "\n\nIMR ISSUES, DECISIONS AND "
            "RATIONALES\n\n1. Omeprazole 20mg #60 is not medically necessary and appropriate."
            "\n\nRationale for the Decision:\nNo GI risk.\n")
    assert parse_letter(text, "age.txt").patient.age == age


@pytest.mark.parametrize(("sentence", "sex"), [
    ("This is a 38 y/o M delivery driver with DOI 11-02-13.", "male"),
    ("34 yo F delivery van driver, DOI 4/22/13: rear-ended at a stoplight.", "female"),
    ("The patient is a 52-year-old woman injured on 1/5/2014.", "female"),
    # a capital after the age that is no sex
    ("The patient is 45 years old. F. Smith, MD, treats him.", None),
    ("A 45 year old M.D. examined the claimant on 1/5/2014.", None),
])
def test_the_sex_as_summaries_tell_it(sentence: str, sex: str | None) -> None:
    text = ("CLINICAL CASE SUMMARY\n\n" + sentence + "\n\nIMR ISSUES, DECISIONS AND "
            "RATIONALES\n\n1. Omeprazole 20mg #60 is not medically necessary and appropriate."
            "\n\nRationale for the Decision:\nNo GI risk.\n")
    assert parse_letter(text, "sex.txt").patient.sex == sex


@pytest.mark.parametrize(("sentence", "injury"), [
    ("The patient is a 34-year-old woman who injured her low back on 09/02/2014 while lifting.",
     "2014-09-02"),
    ("This 61 year old man injured his right shoulder at work on March 3, 2012.", "2012-03-03"),
    ("He hurt his neck in a fall on 5/1/2016.", "2016-05-01"),
    ("The patient was injured on 11/20/2009 when a pallet fell.", "2009-11-20"),
    ("She sustained an industrial injury to the wrist on 2/14/2013.", "2013-02-14"),
    ("Date of injury: 07/07/2011.", "2011-07-07"),
    # how it happened, in the sentence that introduces the patient
    ("This 44 year-old male warehouse loader was struck on the head by a falling pallet on "
     "03/19/2012.", "2012-03-19"),
    ("The patient is a 55-year-old female who fell about six feet from a ladder while stocking "
     "shelves on 09/09/2009, landing on her buttock.", "2009-09-09"),
    ("The applicant is a 67-year-old woman who worked as a school cafeteria cook until a loaded "
     "food cart rolled over her right foot on March 2, 2011.", "2011-03-02"),
    ("This 52 year old driver was rear-ended at a stop light on 4/4/2013.", "2013-04-04"),
    # a visit's date in that sentence is not the injury's
    ("This 50-year-old man was seen on 06/01/2016 for chronic neck pain.", "None"),
])
def test_the_date_of_injury_as_summaries_tell_it(sentence: str, injury: str) -> None:
    text = ("CLINICAL CASE SUMMARY\n\n" + sentence + " A note of 01/05/2017 follows.\n\n"
            "IMR ISSUES, DECISIONS AND RATIONALES\n\n1. Omeprazole 20mg #60 is not medically "
            "necessary and appropriate.\n\nRationale for the Decision:\nNo GI risk.\n")
    assert str(parse_letter(text, "doi.txt").patient.date_of_injury) == injury


def test_licensure_from_credentials_block_and_from_prose() -> None:
    assert parsed("003_3416dbc1d8e3e873.txt").reviewer.licensure_states == [
        "California", "North Carolina"]
    assert parsed("000_e7842380b86787dc.txt").reviewer.licensure_states == ["California"]


def test_the_early_letter_format_is_read() -> None:
    text = (
        "CLINICAL CASE SUMMARY\n\nThe physician reviewer developed the following clinical case "
        "summary based on a review of the case file, including all medical records:\n\n"
        "The patient is a 52 year old man who was injured on 3/14/2011.\n\n"
        "IMR ISSUES, DECISIONS AND RATIONALES\n\nThe Final Determination was based on decisions "
        "for the disputed items/services set forth below:\n\n"
        "1. Omeprazole 20mg #60 is not medically necessary and appropriate.\n\n"
        "The Claims Administrator based its decision on the MTUS Chronic Pain Medical Treatment "
        "Guidelines, NSAIDs, GI symptoms & cardiovascular risk, pages 68-69.\n\n"
        "The Physician Reviewer based his/her decision on the MTUS Chronic Pain Medical "
        "Treatment Guidelines, NSAIDs, GI symptoms & cardiovascular risk, pages 68-69, which "
        "are part of the MTUS.\n\nRationale for the Decision:\nNo GI risk factor is documented."
        "\n\n2. Physical therapy x 6 visits is medically necessary and appropriate.\n\n"
        "The Physician Reviewer based his/her decision on the MTUS Chronic Pain Medical "
        "Treatment Guidelines, Physical Medicine, pages 98-99.\n\n"
        "The Physician Reviewer's decision rationale:\nThe flare is documented.\n"
    )
    d = parse_letter(text, "early.txt")
    assert [(i.request.text, i.decision) for i in d.items] == [
        ("Omeprazole 20mg #60", "upheld"), ("Physical therapy x 6 visits", "overturned")]
    assert d.items[0].guideline.pages == ["68-69"]
    assert d.items[0].guideline.sections == ["NSAIDs, GI symptoms & cardiovascular risk"]
    assert d.items[1].rationale.text == "The flare is documented."
    assert d.patient.sex == "male" and str(d.patient.date_of_injury) == "2011-03-14"


def test_the_early_format_survives_a_lost_space_before_medically() -> None:
    """PDF extraction glues words ("is notmedically necessary"): still an upheld decision."""
    text = (
        "CLINICAL CASE SUMMARY\n\nThe patient is a 44 year old female who was injured on "
        "8/28/2001.\n\nIMR ISSUES, DECISIONS AND RATIONALES\n\n"
        "1. Functional restoration program x 28 days is notmedically necessary and appropriate."
        "\n\nThe Physician Reviewer based his/her decision on the MTUS Chronic Pain Medical "
        "Treatment Guidelines, Chronic pain programs, pages 30-32.\n\nRationale for the "
        "Decision:\nNo baseline functional testing is documented.\n")
    (item,) = parse_letter(text, "glued.txt").items
    assert (item.request.text, item.decision) == ("Functional restoration program x 28 days",
                                                  "upheld")


@pytest.mark.parametrize(("raw", "pages", "sections"), [
    ("Decision based on MTUS Chronic Pain Treatment Guidelines Page(s): 74-94.", ["74-94"], []),
    ("Decision based on MTUS Chronic Pain Treatment Guidelines Topical\nanalgesics Page(s): 60,"
     " 111-113.", ["60", "111-113"], ["Topical analgesics"]),
    ("Decision based on MTUS Chronic Pain Medical Treatment 2009, Section(s): Opioids, dosing, "
     "Weaning of Medications.", [], ["Opioids, dosing", "Weaning of Medications"]),
    ("Decision based on MTUS Chronic Pain Treatment Guidelines Opioids Pages 76 to 78 and 80",
     ["76-78", "80"], ["Opioids"]),
])
def test_citation_forms(raw: str, pages: list[str], sections: list[str]) -> None:
    c = parse_citation(raw, None)
    assert (c.source, c.mtus_based, c.pages, c.sections) == ("MTUS", True, pages, sections)


def test_non_mtus_odg_citation() -> None:
    c = parse_citation("The Expert Reviewer did not base their decision on the MTUS. Decision "
                       "based on Non-MTUS Citation Official Disability Guidelines (ODG), Pain "
                       "Chapter, Ambien.", None)
    assert (c.source, c.mtus_based) == ("ODG", False)


def test_no_evidence_citation() -> None:
    c = parse_citation("The Claims Administrator did not cite any medical evidence for its "
                       "decision.", None)
    assert (c.source, c.mtus_based) == ("none", False)


def test_clipped_specialty_is_repaired() -> None:
    assert normalize_specialty("Physical Medicine & Rehabn") == "Physical Medicine & Rehabilitation"
    assert normalize_specialty("Anesthesia") == "Anesthesia"
    assert normalize_specialty("Underwater Basket Weaving") == "Underwater Basket Weaving"


# --- bad input ----------------------------------------------------------------------------------

def seed_text(name: str = "003_3416dbc1d8e3e873.txt") -> str:
    return (LETTERS / name).read_text(encoding="utf-8")


def test_decision_word_other_than_upheld_or_overturned() -> None:
    text = seed_text().replace("Norco 10/325mg, #90: Upheld", "Norco 10/325mg, #90: Modified")
    with pytest.raises(LetterError) as info:
        parse_letter(text, "bad.txt")
    assert info.value.file == "bad.txt" and info.value.line is not None
    assert "'Modified' is not Upheld or Overturned" in str(info.value)


def test_letter_without_decision_lines() -> None:
    text = seed_text()
    cut = text.index("set forth below:") + len("set forth below:")
    with pytest.raises(LetterError, match="no decision lines"):
        parse_letter(text[:cut] + "\n\n", "cut.txt")


def test_not_a_letter() -> None:
    with pytest.raises(LetterError, match="not an IMR final determination letter"):
        parse_letter("Dear Sir,\nyour order ships on 05/06/2015.\n", "order.txt")


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty file"), (b"  \n\n ", "empty file"), (b"%PDF-1.4\n...", "binary file"),
    (b"\x00\x01\x02binary" * 50, "binary file"),
])
def test_undecodable_files(data: bytes, message: str) -> None:
    with pytest.raises(LetterError, match=message):
        decode_letter(data, "x.txt")


@pytest.mark.parametrize(("old", "new"), [
    ("Norco 10/325mg, #90: Upheld", "Norco 10/325mg, #90: Upheld."),
    ("Norco 10/325mg, #90: Upheld", "Norco 10/325mg, #90:\n\nUpheld"),
    ("Norco 10/325mg, #90: Upheld", "Norco 10/325mg, #90: UPHELD"),
])
def test_decision_line_variants(old: str, new: str) -> None:
    text = seed_text().replace(old, new)
    d = parse_letter(text, "variant.txt")
    assert [(_flat(i.request.text), i.decision) for i in d.items][1] == (
        "Norco 10/325mg, #90", "upheld")
    assert len(d.items) == 3


@pytest.mark.parametrize("remove", [
    ["IMR ISSUES, DECISIONS AND RATIONALES"],
    ["IMR ISSUES, DECISIONS AND RATIONALES",
     "The Final Determination was based on decisions for the disputed items/services set forth "
     "below:"],
    ["CLINICAL CASE SUMMARY"],
])
def test_letters_missing_a_heading_still_parse(remove: list[str]) -> None:
    text = seed_text()
    for words in remove:
        assert words in text
        text = text.replace(words, "")
    d = parse_letter(text, "variant.txt")
    assert [i.decision for i in d.items] == ["upheld"] * 3
    assert _flat(d.summary.text).startswith("The injured worker was a 49 year old female")
    assert _flat(d.summary.text).endswith("a prescription for Norco #90.")
    assert d.reviewer.specialty == "Family Practice"


def test_furniture_initials_are_every_character_furniture_can_start_with() -> None:
    """`_is_furniture` turns a line away by its first character: the set must hold every
    character the pattern's first letters match (with IGNORECASE, in any script)."""
    import re
    import sys

    from imr_rules.letters import _FURNITURE_INITIALS

    first = re.compile(r"[pfic]", re.IGNORECASE)
    assert {chr(c) for c in range(sys.maxunicode + 1) if first.match(chr(c))} \
        == _FURNITURE_INITIALS


@pytest.mark.parametrize("text", ["2009", "in 2009.", "x2009", "2009x", "_2009", "(2009)",
                                  "20099", "12009 2009b", "é2009", "2009é", "Treatment 2009,"])
def test_year_2009_is_found_as_a_whole_word(text: str) -> None:
    import re

    from imr_rules.letters import _YEAR_2009

    assert bool(_YEAR_2009.search(text)) == bool(re.search(r"\b2009\b", text))


@pytest.mark.parametrize(("sentence", "ur"), [
    ("On 5/20/2014, utilization review denied the request.", "2014-05-20"),
    ("On May 20, 2014 the utilization review non-certified the request.", "2014-05-20"),
    ("The utilization review dated 5/20/2014 non-certified the request.", "2014-05-20"),
    ("An MRI was done on 5/1/2014. Utilization review denied the request.", "None"),
])
def test_the_ur_date_before_or_after_its_words(sentence: str, ur: str) -> None:
    text = (LETTERS / "000_e7842380b86787dc.txt").read_text()
    opening = "Patient is a 67 year-old female with date of injury 08/04/2012."
    assert opening in text
    det = parse_letter(text.replace(opening, f"{opening} {sentence}"), "000.txt")
    assert str(det.dates.utilization_review) == ur


# --- the 2013 layout ----------------------------------------------------------------------------
# A letter written for the tests in the layout of the earliest letters: the decisions listed
# twice ("1) MAXIMUS Federal Services, Inc. has determined the request for ..."), then per item
# "1) Regarding the request for ...:", a label line ending in "Used:", the two guidelines and
# "Rationale for the Decision:". PDF damage: wrapped lines, a glued "notmedically", page
# furniture between the lines of a decision and of a guideline.

LETTER_2013 = ROOT / "tests" / "fixtures" / "letters" / "written_2013_layout.txt"
AQUATIC = "aquatic therapy program, 2 times a week for 6 weeks"
NAPROXEN = "Naproxen sodium 550mg #60"
# The list's two entries, as the letter writes them (both lists).
LISTED_1 = ("1) MAXIMUS Federal Services, Inc. has determined the request for an aquatic therapy\n"
            "program, 2 times a week for 6 weeks is notmedically necessary and appropriate.\n")
LISTED_2_TOP = ("2) MAXIMUS Federal Services, Inc. has determined the request for Naproxen sodium\n"
                "550mg #60 is medically necessary and appropriate.\n")
LISTED_2 = ("2) MAXIMUS Federal Services, Inc. has determined the request for Naproxen sodium\n"
            "Page 2 of 5\n550mg #60 is medically necessary and appropriate.\n")
CLOSING_2 = ("The request\nfor Naproxen sodium 550mg #60 is medically necessary and "
             "appropriate.\n")


def letter_2013(*replacements: tuple[str, str]) -> str:
    text = LETTER_2013.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


def without_the_lists(text: str) -> str:
    for entry in (LISTED_1, LISTED_2_TOP, LISTED_2):
        assert entry in text
        text = text.replace(entry, "")
    return text


def decisions(d: Determination) -> list[tuple[str, str]]:
    return [(_flat(i.request.text), i.decision) for i in d.items]


def test_the_2013_layout_is_read() -> None:
    text = letter_2013()
    d = parse_letter(text, LETTER_2013.name)
    # The leading article is dropped: "an aquatic therapy program" names the treatment as the
    # other formats' decision lines do.
    assert decisions(d) == [(AQUATIC, "upheld"), (NAPROXEN, "overturned")]
    # The decision is the last list's (the second item's words wrap around a page break).
    assert [_flat(i.decision_span.text) for i in d.items] == ["notmedically necessary",
                                                              "medically necessary"]
    heading = text.index("INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE")
    assert all(heading < i.decision_span.start < text.index("Case Summary:") for i in d.items)
    first, second = d.items
    assert (first.guideline.source, first.guideline.pages, first.guideline.sections) == (
        "MTUS", ["22"], ["Aquatic therapy"])
    assert (second.guideline.pages, second.guideline.sections) == (["67-68"], ["NSAIDs"])
    assert second.claims_administrator_guideline is not None
    assert _flat(second.claims_administrator_guideline.text).startswith("the MTUS Chronic Pain")
    # The page break between the two guidelines is left out.
    assert second.claims_administrator_guideline.text.endswith("which is part of the MTUS.")
    assert first.rationale.text.startswith("The guidelines support aquatic therapy")
    assert _flat(first.rationale.text).endswith("is not medically necessary and appropriate.")
    # The summary: the disclaimer (it dates the utilization review) and the quoted summary, up
    # to the documents reviewed.
    assert d.summary.text.startswith("Disclaimer: The following case summary")
    assert d.summary.text.endswith('refill of Naproxen."')
    assert str(d.dates.utilization_review) == "2013-07-12"
    assert (d.patient.age, d.patient.sex, str(d.patient.date_of_injury)) == (58, "male",
                                                                             "2010-03-02")
    assert d.reviewer.specialty == "Physical Medicine & Rehabilitation"
    assert d.reviewer.licensure_states == ["California"]


def test_every_span_of_the_2013_layout_slices_the_original_text() -> None:
    for text in (letter_2013(), without_the_lists(letter_2013())):
        d = parse_letter(text, LETTER_2013.name)
        blocks = [d.summary] + [b for i in d.items for b in (
            i.request, i.rationale, i.claims_administrator_guideline) if b]
        spans = [i.decision_span for i in d.items] + [i.guideline.span for i in d.items
                                                      if i.guideline.span]
        for block in blocks:
            assert text[block.span.start:block.span.end] == block.text == block.span.text
        for span in spans:
            assert text[span.start:span.end] == span.text
        # The decision's words: "not medically necessary" (or glued) for an upheld denial.
        for item in d.items:
            words = item.decision_span.text.replace("not", "not ").split()
            assert words == (["not", "medically", "necessary"] if item.decision == "upheld"
                             else ["medically", "necessary"])


def test_2013_summary_follows_the_last_case_summary_heading() -> None:
    """A heading of its own and a preamble before "Case Summary:" stay out of the summary."""
    text = letter_2013(("Case Summary:", "Expert Reviewer Case Summary:\nThe expert reviewer "
                        "developed the following case summary:\nCase Summary:"))
    d = parse_letter(text, "headings.txt")
    assert d.summary.text.startswith("Disclaimer: The following case summary")
    assert d.reviewer.specialty == "Physical Medicine & Rehabilitation"


def test_2013_the_last_list_decides() -> None:
    """The list near the top may differ from the one after the heading: the last counts."""
    text = letter_2013((LISTED_2_TOP, LISTED_2_TOP.replace("is medically", "is not medically")))
    assert decisions(parse_letter(text, "twice.txt")) == [(AQUATIC, "upheld"),
                                                          (NAPROXEN, "overturned")]


def test_2013_decision_from_the_rationale_closing_sentence() -> None:
    text = without_the_lists(letter_2013())
    d = parse_letter(text, "no_list.txt")
    assert decisions(d) == [(AQUATIC, "upheld"), (NAPROXEN, "overturned")]
    first, second = d.items
    assert first.decision_span.text == "not medically necessary"
    assert first.rationale.span.start < first.decision_span.start < first.rationale.span.end
    assert second.rationale.span.start < second.decision_span.start < second.rationale.span.end


def test_2013_no_decision_anywhere_names_the_item_line() -> None:
    text = without_the_lists(letter_2013((CLOSING_2, "The patient may continue it.\n")))
    with pytest.raises(LetterError) as info:
        parse_letter(text, "undecided.txt")
    error = info.value
    header = "2) Regarding the request for Naproxen"
    assert (error.file, error.line) == ("undecided.txt", text[:text.index(header)].count("\n") + 1)
    assert "item 2: no decision for 'Naproxen sodium 550mg #60'" in str(error)
    assert "\n" not in str(error)


@pytest.mark.parametrize(("replacements", "expected"), [
    # The list names a third request that has no section of its own (lost in extraction): the
    # items still take their own numbers' decisions.
    ([(LISTED_2, LISTED_2 + "3) MAXIMUS Federal Services, Inc. has determined the request for "
       "a lumbar brace is medically necessary and appropriate.\n")],
     [(AQUATIC, "upheld"), (NAPROXEN, "overturned")]),
    # The list lacks the second decision (both times): that item's rationale decides.
    ([(LISTED_2, ""), (LISTED_2_TOP, "")], [(AQUATIC, "upheld"), (NAPROXEN, "overturned")]),
    # Three listed, two items, and the list's second decision ("not medically necessary")
    # names another request: it is not the Naproxen's, which its rationale decides.
    ([(LISTED_2, LISTED_2.replace("is medically", "is not medically").replace(
        "Naproxen sodium", "Omeprazole") + LISTED_2.replace("2)", "3)"))],
     [(AQUATIC, "upheld"), (NAPROXEN, "overturned")]),
])
def test_2013_list_and_items_differ_in_count(replacements: list[tuple[str, str]],
                                             expected: list[tuple[str, str]]) -> None:
    assert decisions(parse_letter(letter_2013(*replacements), "count.txt")) == expected


def test_2013_list_entry_for_another_request_and_no_closing_sentence() -> None:
    text = letter_2013((LISTED_2, LISTED_2.replace("Naproxen sodium", "Omeprazole") +
                        LISTED_2.replace("2)", "3)")), (CLOSING_2, "No more.\n"))
    with pytest.raises(LetterError, match=r"item 2: .*the list's decision 2 is for 'Omeprazole"):
        parse_letter(text, "count.txt")


@pytest.mark.parametrize("replacements", [
    # No label line; the other known wording of the label, glued to the header's line.
    [("Medical Treatment Guideline or Medical Evidence Used:\n", "")],
    [("6 weeks:\nMedical Treatment Guideline or Medical Evidence Used:",
      "6 weeks: Medical Treatment Utilization Schedule (MTUS) Citation Used:")],
    # Two label lines, one glued; a page break inside the header.
    [("Medical Treatment Guideline or Medical Evidence Used:",
      "Medical Treatment Guideline or Medical EvidenceUsed:\nMTUS Citation Used:")],
    [("2 times a week for\n6 weeks:", "2 times a week for\nPage 3 of 5\n\n6 weeks:")],
    # The header without its number, in any case; CRLF line endings.
    [("1) Regarding the request for", "REGARDING THE REQUEST FOR")],
    [("\n", "\r\n")],
])
def test_2013_item_header_variants(replacements: list[tuple[str, str]]) -> None:
    d = parse_letter(letter_2013(*replacements), "variant.txt")
    assert [(" ".join(strip_page(i.request.text).split()), i.decision) for i in d.items] == [
        (AQUATIC, "upheld"), (NAPROXEN, "overturned")]


def strip_page(text: str) -> str:
    return text.replace("Page 3 of 5", "")


def test_2013_request_with_a_colon_inside_is_kept_whole() -> None:
    text = letter_2013(("Regarding the request for Naproxen sodium 550mg #60:",
                        "Regarding the request for Naproxen sodium: 550mg #60:"))
    assert _flat(parse_letter(text, "colon.txt").items[1].request.text) == (
        "Naproxen sodium: 550mg #60")


def test_2013_unknown_label_after_the_header_names_its_line() -> None:
    text = letter_2013(("Medical Treatment Guideline or Medical Evidence Used:",
                        "Medical Evidence Applied:"))
    with pytest.raises(LetterError) as info:
        parse_letter(text, "label.txt")
    assert info.value.line == text[:text.index("Medical Evidence Applied:")].count("\n") + 1
    assert "item 1: 'Medical Evidence Applied:' after its 'Regarding the request for" in str(
        info.value)


def test_2013_letter_without_its_items_is_named() -> None:
    text = letter_2013()
    cut = text[:text.index("1) Regarding the request for")]
    with pytest.raises(LetterError, match="no decision rationales") as info:
        parse_letter(cut, "cut.txt")
    assert info.value.line == text[:text.index("INDEPENDENT MEDICAL")].count("\n") + 1
