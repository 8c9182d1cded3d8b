"""The lead words that let extraction skip a sentence-level pattern: a pattern never matches
a text none of whose words is one of its lead words (hypothesis)."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from imr_rules import facts
from imr_rules.textmatch import LeadWords, Tokens, lower

# Per pattern: its words, their near misses, and filler; and the glue between words.
FILLER = ["the", "of", "in", "with", "was", "patient", "x", "_", "1234", "Relief", "NOT"]
POOLS = {
    "relief": ["relief", "reliefs", "reduction", "reduced", "improve", "improved",
               "improvement", "benefit", "benefits", "decrease", "decreased", "helped",
               "better", "effective", "ineffective", "no_relief"],
    "no_benefit": ["failed", "to", "provide", "document", "no", "not", "did", "without",
                   "minimal", "little", "unsuccessful", "ineffective", "relief", "benefit",
                   "improvement", "help", "improve", "any", "significant"],
    "med_reduction": ["reduction", "reduced", "reducing", "decrease", "decreased", "less",
                      "lower", "medication", "medications", "pain", "opioid", "opioids",
                      "narcotic", "narcotics", "use", "was", "were", "of", "in"],
    "count": ["several", "multiple", "multiply", "two", "three", "four", "numerous", "1",
              "12", "123", "1234", "injections", "blocks", "ESIs", "epidural", "epidurals",
              "sessions", "visits", "prior", "lumbar"],
}
GLUE = [" ", " ", " ", "  ", ", ", ". ", "\n", "-", "/", "_", "("]

PAIRS = {"relief": (facts._RELIEF_WORDS_T, facts._RELIEF_LEADS),
         "no_benefit": (facts._NO_BENEFIT_T, facts._NO_BENEFIT_LEADS),
         "med_reduction": (facts._MED_REDUCTION_T, facts._MED_REDUCTION_LEADS),
         "count": (facts._COUNT_WORDS_T, facts._COUNT_LEADS)}


@st.composite
def sentences(draw: st.DrawFn, pool: list[str]) -> str:
    words = draw(st.lists(st.sampled_from(pool + FILLER), min_size=1, max_size=8))
    glue = draw(st.lists(st.sampled_from(GLUE), min_size=len(words), max_size=len(words)))
    return "".join(w + g for w, g in zip(words, glue, strict=True))


@pytest.mark.parametrize("name", sorted(PAIRS))
@settings(max_examples=600, deadline=None)
@given(data=st.data())
def test_a_pattern_matches_only_where_a_lead_word_stands(name: str, data: st.DataObject,
                                                         ) -> None:
    twin, leads = PAIRS[name]
    text = data.draw(sentences(POOLS[name]))
    low = lower(text)
    if twin.search(text, low, 0, len(text)) is not None:
        assert leads.any_in(Tokens(text, low).words)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_every_three_words_that_match_hold_a_lead_word(name: str) -> None:
    """Exhaustively: every sentence of three of the pattern's words."""
    twin, leads = PAIRS[name]
    pool = POOLS[name] + ["the"]
    for text in map(" ".join, product(pool, repeat=3)):
        low = lower(text)
        if twin.search(text, low, 0, len(text)) is not None:
            assert leads.any_in(Tokens(text, low).words), text


def test_lead_words_exact_prefix_and_number() -> None:
    leads = LeadWords(("no",), prefixes=("improve",), digits=2)
    assert leads.any_in(["the", "no"]) and not leads.any_in(["not", "know"])
    assert leads.any_in(["improved"]) and not leads.any_in(["unimproved"])
    assert leads.any_in(["12"]) and not leads.any_in(["123"]) and not leads.any_in([""])
