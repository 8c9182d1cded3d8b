"""Extraction builds its facts without re-running pydantic's validator (`models.make_model`):
every fact it builds must be one validation would have built, on any varied letter."""

from __future__ import annotations

import importlib
import random
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imr_rules.facts import Extractor
from imr_rules.letters import parse_letter
from imr_rules.models import Span, make_model
from imr_rules.vocabulary import CaseFacts, DiagnosisFact, DocumentationFact

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))  # bench/ holds scripts, not a package
corpus = importlib.import_module("corpus")
LETTERS: list[tuple[str, str]] = corpus.load_letters(REPO / "examples" / "letters")
EXTRACTOR = Extractor()


def assert_validates_to_itself(case: CaseFacts) -> None:
    """Validating the facts' JSON gives the same JSON: every value has its field's type (a
    float field holds a float, not an int) and lies within the field's choices."""
    dumped = case.model_dump_json()
    assert CaseFacts.model_validate_json(dumped).model_dump_json() == dumped
    # `==` holds 60 equal to 60.0; the repr tells them apart.
    assert repr(CaseFacts.model_validate(case.model_dump())) == repr(case)


@settings(max_examples=40, deadline=None)
@given(source=st.sampled_from(LETTERS), seed=st.integers(0, 2**32))
def test_every_fact_of_a_varied_letter_is_valid(source: tuple[str, str], seed: int) -> None:
    name, original = source
    det = parse_letter(corpus.vary_letter(original, random.Random(seed)), name)
    summary = EXTRACTOR.observe(det.summary)
    assert_validates_to_itself(EXTRACTOR.case_facts(det, "blind", summary=summary))
    for item in range(1, len(det.items) + 1):
        assert_validates_to_itself(
            EXTRACTOR.case_facts(det, "findings", item=item, summary=summary))


def test_facts_do_not_share_lists_with_the_working_observations() -> None:
    """Validation copies the lists it is given; building without it must too, so that a fact
    never aliases the extractor's working observations (which later sentences extend)."""
    name, text = LETTERS[0]
    det = parse_letter(text, name)
    summary = EXTRACTOR.observe(det.summary)
    case = EXTRACTOR.case_facts(det, "blind", summary=summary)
    working = {id(st.spans) for st in (*summary.doc.values(), *summary.case.values())}
    working |= {id(t.spans) for t in summary.treatments.values()}
    working |= {id(spans) for _s, spans, _t in summary.diagnoses.values()}
    working |= {id(spans) for _s, _level, spans, _t in summary.findings.values()}
    built = [*case.doc.evidence.values(), *case.case.evidence.values()]
    built += [f.evidence for f in (*case.diagnosis, *case.finding, *case.prior_treatment)]
    assert built and not working & {id(spans) for spans in built}


def test_make_model_refuses_what_validation_refuses() -> None:
    with pytest.raises(TypeError, match="no field"):
        make_model(DiagnosisFact, name="crps", colour="red")
    with pytest.raises(TypeError, match="needs field 'name'"):
        make_model(DiagnosisFact, text="CRPS")


def test_make_model_gives_each_model_its_own_mutable_defaults() -> None:
    a, b = make_model(DocumentationFact), make_model(DocumentationFact)
    assert a.evidence == {} and a.evidence is not b.evidence
    assert list(a.model_dump()) == list(DocumentationFact.model_fields)  # declared order
    assert make_model(DiagnosisFact, name="crps") == DiagnosisFact(name="crps")
    span = make_model(Span, start=1, end=2, text="x")
    assert span == Span(start=1, end=2, text="x")
