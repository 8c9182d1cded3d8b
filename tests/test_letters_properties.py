"""The parse is stable under what PDF text extraction does to a letter (hypothesis)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distortions import distorted_letters, strip_furniture
from imr_rules.letters import parse_letter
from imr_rules.models import Determination

ROOT = Path(__file__).resolve().parents[1]
# The example letters, and letters written for the tests in the layouts they lack (2013).
LETTERS = sorted((ROOT / "examples" / "letters").glob("*.txt")) + [
    ROOT / "tests" / "fixtures" / "letters" / "written_2013_layout.txt"]


def _flat(text: str) -> str:
    """Words only: whitespace and page furniture are what extraction changes."""
    return " ".join(strip_furniture(text).split())


def essence(d: Determination) -> list[tuple[object, ...]]:
    """What must not change: items, decisions, citations, and the words of each part."""
    return [(_flat(i.request.text), i.decision, i.guideline.source, i.guideline.mtus_based,
             i.guideline.pages, [_flat(s).lower() for s in i.guideline.sections],
             i.guideline.edition, _flat(i.rationale.text)) for i in d.items]


def check_spans(text: str, d: Determination) -> None:
    for item in d.items:
        for block in (item.request, item.rationale, item.claims_administrator_guideline):
            if block is not None:
                assert text[block.span.start:block.span.end] == block.text
        for span in (item.decision_span, item.guideline.span):
            if span is not None:
                assert text[span.start:span.end] == span.text
    assert text[d.summary.span.start:d.summary.span.end] == d.summary.text


@pytest.mark.parametrize("path", LETTERS,
                         ids=[p.name[:3] if p.name[0].isdigit() else p.stem for p in LETTERS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_parse_is_stable_under_pdf_distortions(path: Path, data: st.DataObject) -> None:
    original = path.read_text(encoding="utf-8")
    expected = parse_letter(original, path.name)
    distorted = data.draw(distorted_letters(original))
    got = parse_letter(distorted, path.name)
    assert essence(got) == essence(expected)
    assert (got.patient, got.reviewer.specialty, got.dates) == (
        expected.patient, expected.reviewer.specialty, expected.dates)
    assert _flat(got.summary.text) == _flat(expected.summary.text)
    check_spans(distorted, got)
    assert_valid(got)


def assert_valid(d: Determination) -> None:
    """The parser builds its models without running pydantic's validator (`make_model`):
    validating what it built must give the same letter, field for field."""
    assert Determination.model_validate(d.model_dump()) == d
    assert Determination.model_validate_json(d.model_dump_json()) == d


# A page's footer and the next page's header, as pdftotext lays them out.
PAGE_BREAK = ("\r\n\r\n\r\n  \r\n\r\nFinal Determination Letter for IMR Case Number "
              "CM13-4279348 1\r\n\r\n\f\r\n\r\nPage 2 of 2\r\n\r\n")


@pytest.mark.parametrize("path", [p for p in LETTERS if "Specialty:" in p.read_text()],
                         ids=lambda p: p.name[:3])
def test_a_page_break_inside_the_reviewer_credentials_keeps_them(path: Path) -> None:
    """A page footer and header falling between the words of the reviewer's specialty
    ("Physical <page break> Medicine & Rehabilitation") change neither it nor the states."""
    original = path.read_text(encoding="utf-8")
    label = original.index("Specialty:") + len("Specialty:")
    first_word_end = original.index(" ", original.index(next(
        w for w in original[label:].split()), label))
    broken = original[:first_word_end] + PAGE_BREAK + original[first_word_end:]
    expected, got = parse_letter(original, path.name), parse_letter(broken, path.name)
    assert expected.reviewer.specialty
    assert got.reviewer == expected.reviewer
