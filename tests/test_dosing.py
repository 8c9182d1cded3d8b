"""How often a drug is taken, read as units a day at the most the prescription allows."""

from __future__ import annotations

import pytest

from imr_rules.lexicon import Lexicon


@pytest.mark.parametrize(("text", "per_day"), [
    # words for a frequency
    ("Lodine 400 mg bid, started in 01/2014", 2.0),
    ("Valium 5mg at bedtime for the spasm", 1.0),
    ("Flexeril 10 mg three times a day", 3.0),
    ("ibuprofen 800mg TID PRN", 3.0),
    ("naproxen 550 mg twice daily", 2.0),
    ("every other day", 0.5),
    # an interval: 24 hours over its shortest span
    ("one tablet every 8 hours as needed", 3.0),
    ("Duragesic 25 mcg/hr every 72 hours", 24 / 72),
    ("Norco 10/325 q4-6h prn", 6.0),
    ("every four to six hours", 6.0),
    # a count of times
    ("3 times a day", 3.0),
    ("2x daily", 2.0),
    # the units of each dose multiply it, at their most
    ("Norco 10/325 mg 1-2 tabs q4-6h prn pain", 12.0),
    ("Daypro 600 mg, two tablets once daily", 2.0),
    ("one to two capsules at bedtime", 2.0),
    # no frequency told
    ("Flexeril 10mg #90", None),
    ("Norco 10/325 for six months", None),
])
def test_units_a_day(text: str, per_day: float | None) -> None:
    found = Lexicon.default().dose_frequency.per_day(text)
    if per_day is None:
        assert found is None
    else:
        assert found is not None and found[0] == pytest.approx(per_day)


def test_the_words_that_tell_it_are_its_span() -> None:
    text = "Norco 10/325 mg, 1-2 tabs q6h prn"
    per_day, start, end = Lexicon.default().dose_frequency.per_day(text) or (0, 0, 0)
    assert (per_day, text[start:end]) == (8.0, "1-2 tabs q6h")


def test_a_frequency_table_that_is_not_doses_a_day_is_refused() -> None:
    from imr_rules.errors import ImrError

    with pytest.raises(ImrError, match="dose_frequency: 'often'"):
        Lexicon.default().extended({"concepts": {"dose_frequency": {"often": ["a lot"]}}})
