"""Tests of imr_rules.assertion: sentence splitting and assertion status (negation, scope)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from imr_rules.assertion import AssertionScope, split_sentences
from imr_rules.errors import ImrError
from imr_rules.textmatch import Tokens

CASES_FILE = Path(__file__).parent / "assertion" / "sentences.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))["cases"]
SCOPE = AssertionScope.default()


def _find(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """The span of the `occurrence`-th (1-based) occurrence of `needle` in `text`."""
    i = -1
    for _ in range(occurrence):
        i = text.index(needle, i + 1)
    return i, i + len(needle)


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


# ------------------------------------------------------------------------------ YAML cases


def test_case_file_is_well_formed() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    assert len(CASES) >= 170
    families = {c["family"] for c in CASES}
    assert {"pre_negation", "post_negation", "pseudo", "termination", "uncertainty",
            "hypothetical", "lists", "double_negation", "window", "mixed"} <= families


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    text = case["text"]
    sentence = (0, len(text))
    concepts = [_find(text, c["text"], c.get("occurrence", 1)) for c in case["concepts"]]
    expected = [c["status"] for c in case["concepts"]]
    assert SCOPE.statuses(text, sentence, concepts) == expected
    # status() agrees with statuses(), concept by concept
    assert [SCOPE.status(text, sentence, c) for c in concepts] == expected


# ------------------------------------------------------------------------------ splitting

MESSY = (
    " HOW THE IMR FINAL DETERMINATION WAS MADE \n\n"
    "CLINICAL CASE SUMMARY \n\n"
    "The injured worker is a 52 year old male seen by Dr. Lopez on 09.03.2015 for low \n\n"
    "back pain. He takes Norco 7.5 mg. #90 and Soma q.i.d. for spasm, i.e. daily, e.g. at \n\n"
    "night. An MRI vs. CT was discussed at L4-5.The utilization review denied the \n\n"
    "\n\n"
    "request. \n\n \n\n"
    "Norco 7.5mg #90: Upheld \n\n"
    "Claims Administrator guideline: Decision based on MTUS.   \n\n"
    "Decision rationale: There is no documentation of functional improvement, and the \n"
    "Page 3 of 5\n"
    "treating physician did not provide No. 3 of the reports.\n"
    "Page 4 of 5\n"
    "The request is not medically necessary."
)


def test_split_messy_pdf_text() -> None:
    got = [" ".join(s.split()) for s in _sentences(MESSY)]
    assert got == [
        "HOW THE IMR FINAL DETERMINATION WAS MADE",
        "CLINICAL CASE SUMMARY",
        "The injured worker is a 52 year old male seen by Dr. Lopez on 09.03.2015 for low "
        "back pain.",
        "He takes Norco 7.5 mg. #90 and Soma q.i.d. for spasm, i.e. daily, e.g. at night.",
        "An MRI vs. CT was discussed at L4-5.",
        "The utilization review denied the request.",
        "Norco 7.5mg #90: Upheld",
        "Claims Administrator guideline: Decision based on MTUS.",
        "Decision rationale: There is no documentation of functional improvement, and the "
        "Page 3 of 5 treating physician did not provide No. 3 of the reports.",
        "The request is not medically necessary.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The report was noted on this report.The utilization review denied it.",
         ["The report was noted on this report.", "The utilization review denied it."]),
        ('He is "working without restrictions."The report follows.',
         ['He is "working without restrictions."', "The report follows."]),
        ("Pain is 7.5 out of 10. Relief lasted 2.5 weeks.",
         ["Pain is 7.5 out of 10.", "Relief lasted 2.5 weeks."]),
        ("Seen by Dr. Smith vs. Dr. Jones. Plan unchanged.",
         ["Seen by Dr. Smith vs. Dr. Jones.", "Plan unchanged."]),
        ("Levels L4-5 and L5-S1 were injected. Relief was 60%.",
         ["Levels L4-5 and L5-S1 were injected.", "Relief was 60%."]),
        ("Is relief documented? No. The request is denied!",
         ["Is relief documented?", "No.", "The request is denied!"]),
        ("Take 1 tab q.i.d. as needed. Refills: none.",
         ["Take 1 tab q.i.d. as needed.", "Refills: none."]),
        ("Diagnoses:\n1. Lumbar strain\n2. Radiculopathy",
         ["Diagnoses:", "1. Lumbar strain", "2. Radiculopathy"]),
        ("", []),
        ("   \n\n  ", []),
    ],
)
def test_split_cases(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


def test_split_respects_start_end() -> None:
    text = "First one. Second one here. Third one."
    s0 = text.index("Second")
    e0 = text.index("Third")
    assert split_sentences(text, s0, e0) == [(s0, s0 + len("Second one here."))]
    assert split_sentences(text, 5, 5) == []


def test_split_mid_sentence_page_break_is_not_a_boundary() -> None:
    text = "It is unclear if this is a request for repeat ESI, or a \n\n\n\nrequest for a consult."
    assert len(split_sentences(text)) == 1


def test_split_a_footer_blanked_before_a_number_is_not_a_boundary() -> None:
    from imr_rules.letters import blank_furniture

    line = "an NSAID, and the treating physician wrote that he also takes pantoprazole"
    text = blank_furniture(f"{line} \n\nPage 2 of 4 \n\n20 mg daily with it. \n")
    assert len(split_sentences(text)) == 1
    # a paragraph break (no footer) before a number still ends a sentence
    assert len(split_sentences(f"{line} \n\n \n\n2014 was the year of the surgery.")) == 2


def test_split_seed_letters_reasonably() -> None:
    seeds = sorted(Path("/work/shared/seeds").glob("*.txt"))
    if not seeds:
        pytest.skip("seed letters not available")
    for path in seeds:
        text = path.read_text(encoding="utf-8")
        spans = split_sentences(text)
        assert 20 < len(spans) < 120
        for s, e in spans:
            # no sentence ends in the middle of a lowercase-continued line
            assert not text[e - 1].isspace() and not text[s].isspace()


TEXT_CHARS = st.sampled_from(list("abcXYZ .!?\n\n  \t\f\"')(#;:,-0123456789") + ["Dr. ", "No. ",
                                                                                  "e.g. ", "\n\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXT_CHARS, max_size=80).map("".join), st.integers(0, 90), st.integers(0, 90))
@example("-0-", 0, 3)  # a page number line: furniture, in no span
@example("a.\n- 2 -\nb", 1, 9)
def test_split_spans_are_ordered_trimmed_and_inside(text: str, a: int, b: int) -> None:
    start, end = min(a, b), max(a, b)
    spans = split_sentences(text, start, end)
    hi = min(end, len(text))
    prev_end = start
    for s, e in spans:
        assert prev_end <= s < e <= hi
        assert not text[s].isspace() and not text[e - 1].isspace()
        prev_end = e
    # every non-space character lies in a span, except a line of page furniture ("- 3 -")
    covered = {i for s, e in spans for i in range(s, e)}
    for line in re.finditer(r"[^\n\f]+", text[:hi]):
        if _FURNITURE_LINE.fullmatch(line.group().strip()):
            covered.update(range(line.start(), line.end()))
    assert all(text[i].isspace() or i in covered for i in range(start, hi))


# What split_sentences leaves out between sentences, when it stands on a line of its own.
_FURNITURE_LINE = re.compile(r"Page\s+\d+(?:\s+of\s+\d+)?|CM\d{2}-\d{5,8}|-\s*\d{1,3}\s*-", re.I)


# ------------------------------------------------------------------------------ properties

_STATUS_CASES = [(c["text"], k) for c in CASES for k in c["concepts"]]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_STATUS_CASES), st.randoms(use_true_random=False))
def test_status_survives_reflow(case: tuple[str, dict[str, Any]], rnd: Any) -> None:
    text, concept = case
    cs, ce = _find(text, concept["text"], concept.get("occurrence", 1))
    # Re-flow: every single space becomes a random run of spaces/newlines, as PDF text has.
    pieces = re.split(r"( )", text)
    out: list[str] = []
    new_cs = new_ce = -1
    pos = 0
    for piece in pieces:
        if pos == cs:
            new_cs = sum(map(len, out))
        if pos == ce:
            new_ce = sum(map(len, out))
        out.append(rnd.choice([" ", "\n", "  ", " \n\n", "\n "]) if piece == " " else piece)
        pos += len(piece)
    if pos == ce:
        new_ce = sum(map(len, out))
    reflowed = "".join(out)
    if new_cs < 0 or new_ce < 0:  # concept boundary inside a token: cannot happen here
        return
    assert reflowed[new_cs:new_ce].split() == text[cs:ce].split()
    got = SCOPE.status(reflowed, (0, len(reflowed)), (new_cs, new_ce))
    assert got == concept["status"]


_CONTEXT = st.sampled_from([
    "There is no documentation of anything.",
    "Guidelines state that opioids should be weaned.",
    "The patient denies side effects but",
    "Possible radiculopathy",
    "However,",
    "No",
    "",
])


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_STATUS_CASES), _CONTEXT, _CONTEXT)
def test_status_ignores_text_outside_the_sentence(case: tuple[str, dict[str, Any]],
                                                  before: str, after: str) -> None:
    text, concept = case
    cs, ce = _find(text, concept["text"], concept.get("occurrence", 1))
    prefix = before + " "
    doc = prefix + text + " " + after
    sentence = (len(prefix), len(prefix) + len(text))
    got = SCOPE.status(doc, sentence, (cs + len(prefix), ce + len(prefix)))
    assert got == concept["status"]


# ------------------------------------------------------------------------------ API


def test_default_is_cached() -> None:
    assert AssertionScope.default() is AssertionScope.default()


def test_extend_adds_triggers_and_keeps_original() -> None:
    text = "The worker is status post lumbar fusion."
    span = _find(text, "lumbar fusion")
    assert SCOPE.status(text, (0, len(text)), span) == "present"
    extended = SCOPE.extend({"families": {"negation": {"pre": ["status post"]}}})
    assert extended.status(text, (0, len(text)), span) == "absent"
    assert SCOPE.status(text, (0, len(text)), span) == "present"


def test_extend_new_family_and_backward_termination() -> None:
    text = "Refills: denied by pharmacy"
    span = _find(text, "Refills")
    ext = SCOPE.extend({"families": {"pharmacy": {"status": "absent",
                                                  "post": ["denied by pharmacy"]}}})
    assert ext.status(text, (0, len(text)), span) == "absent"
    ext2 = ext.extend({"termination_backward": [":"]})
    assert ext2.status(text, (0, len(text)), span) == "present"


def test_from_file_round_trip(tmp_path: Path) -> None:
    lex = tmp_path / "lex.yaml"
    lex.write_text(yaml.safe_dump({
        "window": 3,
        "termination": ["but", ";"],
        "families": {"negation": {"status": "absent", "pre": ["no"],
                                  "post": ["re:was\\s+not\\s+seen"]}},
    }))
    scope = AssertionScope.from_file(lex)
    text = "No pain but swelling; edema was not seen; no a b c d spasm."
    s = (0, len(text))
    assert scope.statuses(text, s, [_find(text, "pain"), _find(text, "swelling"),
                                    _find(text, "edema"), _find(text, "spasm")]) == [
        "absent", "present", "absent", "present"]


@pytest.mark.parametrize(
    "lexicon",
    [
        {},
        {"families": {"neg": {"pre": ["no"]}}},
        {"families": {"neg": {"status": "present", "pre": ["no"]}}},
        {"families": {"neg": {"status": "absent", "pre": "no"}}},
        {"families": {"neg": {"status": "absent", "prefix": ["no"]}}},
        {"families": {"neg": {"status": "absent", "pre": ["re:(unclosed"]}}},
    ],
)
def test_bad_lexicon_raises_imr_error(lexicon: dict[str, Any]) -> None:
    with pytest.raises(ImrError):
        AssertionScope.from_dict(lexicon)


def test_concept_outside_sentence_is_an_error() -> None:
    text = "No pain. Swelling."
    with pytest.raises(ValueError):
        SCOPE.status(text, (0, 8), (9, 17))


def test_triggers_reports_matches() -> None:
    text = "There is no evidence of spasm, which was not documented."
    found = [t for _, _, t in SCOPE.triggers(text, (0, len(text)))]
    assert found[0] == "There is no evidence of"
    assert "which" in found


def _scans_agree(scope: AssertionScope, text: str) -> None:
    """`scan_lowered` finds the same triggers trying each candidate word's own part of the
    pattern as trying the whole pattern everywhere."""
    low = text.lower()
    starts = scope.candidates(Tokens(text, low))
    assert starts is not None
    for s, e in [*split_sentences(text), (0, len(text))]:
        assert scope.scan_lowered(low, s, e, starts) == scope.scan_lowered(low, s, e)


def test_word_patterns_find_what_the_whole_pattern_finds() -> None:
    texts = [c["text"] for c in CASES if c["text"].isascii()]
    assert len(texts) > 150
    for text in texts:
        _scans_agree(SCOPE, text)
    # Regex triggers that share a leading word with phrases, and a punctuation trigger.
    scope = SCOPE.extend({"families": {"negation": {"pre": [
        r"re:was\s+never\s+(?:seen|tried)", r"re:(?:is|are)\s+absent", "was never"]}}})
    _scans_agree(scope, "The brace was never tried; it is absent here. Was never seen? "
                        "The test was never done, is absent_ly and no_pain.")
