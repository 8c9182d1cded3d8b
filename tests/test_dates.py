"""Dates as letters write them, including what PDF extraction does to them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imr_rules.dates import find_dates


@pytest.mark.parametrize(("text", "expected"), [
    ("date of injury 08/04/2012.", [("08/04/2012", date(2012, 8, 4), "day")]),
    ("injury of 2/10/04; UR 11/4/13", [("2/10/04", date(2004, 2, 10), "day"),
                                       ("11/4/13", date(2013, 11, 4), "day")]),
    ("on 12-06-1998", [("12-06-1998", date(1998, 12, 6), "day")]),
    ("(09- 03-2015)", [("09- 03-2015", date(2015, 9, 3), "day")]),
    ("(09-\n\n03- 2015)", [("09-\n\n03- 2015", date(2015, 9, 3), "day")]),
    ("injury, June 30, 2008.", [("June 30, 2008", date(2008, 6, 30), "day")]),
    ("since at least April 13, 2015", [("April 13, 2015", date(2015, 4, 13), "day")]),
    ("on Sept 9, 2015;", [("Sept 9, 2015", date(2015, 9, 9), "day")]),
    ("since at least April, 2015", [("April, 2015", date(2015, 4, 1), "month")]),
    ("seen 30 June 2008", [("30 June 2008", date(2008, 6, 30), "day")]),
    ("2015-04-13", [("2015-04-13", date(2015, 4, 13), "day")]),
    ("Soma since 06/2013.", [("06/2013", date(2013, 6, 1), "month")]),
    ("started in 6-2012 and", [("6-2012", date(2012, 6, 1), "month")]),
    # day, month name and year joined by hyphens
    ("injured on 12-Mar-2010 at", [("12-Mar-2010", date(2010, 3, 12), "day")]),
    ("RFA 02-Feb-2016;", [("02-Feb-2016", date(2016, 2, 2), "day")]),
    ("since Mar-2014", [("Mar-2014", date(2014, 3, 1), "month")]),
])
def test_date_forms(text: str, expected: list[tuple[str, date, str]]) -> None:
    assert [(text[d.start:d.end], d.value, d.precision) for d in find_dates(text)] == expected


@pytest.mark.parametrize("text", [
    "pages 76-78; 60,61", "L4-5 and L5-S1", "Norco 7.5/325 #90", "13/45/2015", "relief 1-2 weeks",
    "she may return", "02/30/2015", "13/2013", "pain 7/10", "Norco 10/325 #90",
])
def test_not_dates(text: str) -> None:
    assert find_dates(text) == []


@given(st.dates(min_value=date(1970, 1, 1), max_value=date(2039, 12, 31)),
       st.sampled_from(["{m:02d}/{d:02d}/{y}", "{m}-{d}-{y}", "{m:02d}- {d:02d}-{y}",
                        "{month} {d}, {y}"]),
       st.text(alphabet="abc ,.;", max_size=10), st.text(alphabet="abc ,.;", max_size=10))
def test_a_written_date_is_found_whole(value: date, form: str, before: str, after: str) -> None:
    written = form.format(m=value.month, d=value.day, y=value.year,
                          month=value.strftime("%B"))
    text = f"{before} {written} {after}"
    (found,) = find_dates(text)
    assert (found.value, text[found.start:found.end]) == (value, written)
