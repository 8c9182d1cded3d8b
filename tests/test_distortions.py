"""tests/distortions.py: each distortion keeps the letter's words and its structure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distortions import (
    FURNITURE_RE,
    HEADINGS,
    LABELS,
    Plan,
    add_blank_lines,
    add_page_furniture,
    add_spaces,
    apply_plan,
    distorted_letters,
    from_crlf,
    paragraphs,
    plans,
    rewrap,
    strip_furniture,
    to_crlf,
    words,
)

LETTER_DIR = Path(__file__).resolve().parents[1] / "examples" / "letters"
LETTERS = {p.name: p.read_text(encoding="utf-8") for p in sorted(LETTER_DIR.glob("*.txt"))}
NAMES = sorted(LETTERS)

# Deterministic (derandomize) and quick: a few dozen examples per property.
FAST = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

DECISION_RE = re.compile(r"^\s*\S.*:\s*(?:Upheld|Overturned)\s*$")
ITEM_LABELS = ("Claims Administrator guideline:", "MAXIMUS guideline:", "Decision rationale:")

letters = st.sampled_from(NAMES)
seeds = st.integers(0, 2**32 - 1)
widths = st.integers(40, 120)


def norm(line: str) -> str:
    return " ".join(line.split())


def decision_lines(text: str) -> list[str]:
    return [norm(ln) for ln in text.split("\n") if DECISION_RE.match(ln)]


def heading_lines(text: str) -> list[str]:
    return [norm(ln) for ln in text.split("\n") if norm(ln) in HEADINGS]


def label_starts(text: str) -> list[str]:
    return [lab for ln in text.split("\n") for lab in ITEM_LABELS if norm(ln).startswith(lab)]


def structure(text: str) -> tuple[list[str], list[str], list[str]]:
    """What the parser keys on, after undoing line endings and furniture."""
    text = strip_furniture(from_crlf(text))
    return decision_lines(text), heading_lines(text), label_starts(text)


def test_letters_are_double_spaced() -> None:
    # The premise of the line-gap handling: real files put a blank line after every line.
    for text in LETTERS.values():
        lines = text.split("\n")
        assert (
            sum(1 for a, b in zip(lines, lines[1:], strict=False) if a.strip() and b.strip()) == 0
        )


def test_paragraphs_of_a_real_letter() -> None:
    text = LETTERS["003_3416dbc1d8e3e873.txt"]
    lines = text.split("\n")
    firsts = [norm(lines[a]) for a, _ in paragraphs(text)]
    assert "CLINICAL CASE SUMMARY" in firsts
    assert "Norco 10/325mg, #90: Upheld" in firsts
    assert sum(f.startswith("Decision rationale:") for f in firsts) == 3
    # Headings and decision lines are paragraphs of their own.
    for a, b in paragraphs(text):
        if norm(lines[a]) in HEADINGS or DECISION_RE.match(lines[a]):
            assert a == b


@FAST
@given(letters, widths)
def test_rewrap_keeps_words_and_structure(name: str, width: int) -> None:
    text = LETTERS[name]
    out = rewrap(text, width)
    assert words(out) == words(text)
    assert structure(out) == structure(text)
    for line in out.split("\n"):
        body = line.rstrip()
        if len(body) > width:
            # Only what rewrap must not break: a heading, decision line, label or long word.
            assert (
                norm(body) in HEADINGS
                or DECISION_RE.match(body)
                or " " not in body.strip()
                or any(label in norm(body) for label in LABELS)
            )


@FAST
@given(letters, widths, widths)
def test_rewrap_is_idempotent_and_forgets_earlier_widths(name: str, a: int, b: int) -> None:
    text = LETTERS[name]
    once = rewrap(text, b)
    assert rewrap(once, b) == once
    assert rewrap(rewrap(text, a), b) == once


def test_rewrap_keeps_blank_lines_between_paragraphs() -> None:
    text = LETTERS["000_e7842380b86787dc.txt"]
    out = rewrap(text, 60)
    assert "\n\n \n\nCLINICAL CASE SUMMARY \n\n" in out
    # Lines of one paragraph keep the double spacing and trailing space of the source.
    assert re.search(r"\S \n\n[a-z]", out)


def test_rewrap_does_not_fake_labels_or_decisions() -> None:
    text = "Decision rationale: the appeal was reviewed: Upheld denial followed by text\n"
    text += "and more words. Decision rationale: quoted\n"
    for width in range(10, 90):
        out = rewrap(text, width)
        assert words(out) == words(text)
        lines = out.split("\n")
        assert sum(norm(ln).startswith("Decision rationale:") for ln in lines) == 1
        # Labels are never split across lines, even when they are wider than the line.
        assert "\n".join(norm(ln) for ln in lines).count("Decision rationale:") == 2
        assert not any(DECISION_RE.match(ln) for ln in lines)


@FAST
@given(letters, seeds, st.sampled_from((0.05, 0.15, 0.5)))
def test_blank_lines_only_add_blank_lines(name: str, seed: int, rate: float) -> None:
    text = LETTERS[name]
    out = add_blank_lines(text, seed, rate)
    assert [ln for ln in out.split("\n") if ln.strip()] == [
        ln for ln in text.split("\n") if ln.strip()
    ]
    assert out.endswith(text[-1])


@FAST
@given(letters, seeds, st.sampled_from((0.05, 0.1, 0.5)))
def test_spaces_keep_words_lines_and_headings(name: str, seed: int, rate: float) -> None:
    text = LETTERS[name]
    out = add_spaces(text, seed, rate)
    assert words(out) == words(text)
    assert out.count("\n") == text.count("\n")
    assert structure(out) == structure(text)
    for line in out.split("\n"):
        if norm(line) in HEADINGS:
            assert "  " not in line.strip()
    assert out != text or rate < 0.1


@FAST
@given(letters, seeds, st.integers(1, 6), st.booleans())
def test_furniture_only_adds_furniture(name: str, seed: int, breaks: int, mid: bool) -> None:
    text = LETTERS[name]
    out = add_page_furniture(text, seed, breaks, mid_paragraph=mid)
    lines = out.split("\n")
    furniture = [ln for ln in lines if FURNITURE_RE.match(ln)]
    assert furniture
    assert words(strip_furniture(out)) == words(text)
    assert structure(out) == structure(text)
    if not mid:
        # Each page break sits right before the first line of a paragraph.
        src_lines = text.split("\n")
        firsts = {src_lines[a] for a, _ in paragraphs(text)}
        for i, ln in enumerate(lines):
            if FURNITURE_RE.match(ln):
                nxt = next(x for x in lines[i + 1 :] if x.strip() and not FURNITURE_RE.match(x))
                assert nxt in firsts


def test_furniture_looks_like_the_real_thing() -> None:
    text = LETTERS["002_d144e1222e08eb40.txt"]
    seen = "\n".join(add_page_furniture(text, s, 4, case_number="CM15-0191234") for s in range(20))
    assert re.search(r"^Page [2-5] of 5$", seen, re.M)
    assert re.search(
        r"^Final Determination Letter for IMR Case Number CM15-0191234 [1-4]$", seen, re.M
    )
    assert "\n\f\n" in seen


@FAST
@given(letters, st.booleans())
def test_crlf_round_trip(name: str, rewrapped: bool) -> None:
    text = rewrap(LETTERS[name], 70) if rewrapped else LETTERS[name]
    crlf = to_crlf(text)
    assert from_crlf(crlf) == text
    assert to_crlf(crlf) == crlf
    assert crlf.count("\n") == crlf.count("\r\n") == text.count("\n")
    assert words(crlf) == words(text)


@FAST
@given(letters, plans(mid_paragraph=True))
def test_any_composition_keeps_words_and_structure(name: str, plan: Plan) -> None:
    text = LETTERS[name]
    out = apply_plan(text, plan)
    assert words(strip_furniture(from_crlf(out))) == words(text)
    assert structure(out) == structure(text)


@pytest.mark.parametrize("name", NAMES)
@FAST
@given(data=st.data())
def test_distorted_letters_strategy(name: str, data: st.DataObject) -> None:
    text = LETTERS[name]
    out = data.draw(distorted_letters(text))
    # strip_furniture copes with CRLF text too.
    assert words(strip_furniture(out)) == words(text)
    assert structure(out) == structure(text)


def test_distortions_are_pure() -> None:
    text = LETTERS["004_c64081f23548906c.txt"]
    plan = Plan(width=55, spaces_seed=1, blank_seed=2, furniture_seed=3, crlf=True)
    assert apply_plan(text, plan) == apply_plan(text, plan)
    assert apply_plan(text, plan) != text
