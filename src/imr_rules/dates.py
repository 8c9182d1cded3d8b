"""Dates as IMR letters write them, including the damage PDF extraction does to them.

Letters write `08/04/2012`, `2/10/04`, `12-06-1998`, `June 30, 2008`, `Sept 9, 2015`,
`April, 2015`, and PDF extraction splits them across spaces and lines (`09- 03-2015`). Every
match keeps its span in the original text so facts can point back to it.
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_NAME = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
# Separators may be surrounded by spaces or a line break: PDF text splits "09-03-2015" into
# "09- 03-2015" or "09-\n03- 2015". The same separator must be used twice. No look-behind at
# the start (it would stop `re` from skipping to digits): the left edge is checked in code.
_NUMERIC = re.compile(
    r"(?P<y0>(?:19|20)\d{2})-(?P<m0>\d{2})-(?P<d0>\d{2})\b"
    r"|(?P<m>\d{1,2})\s{0,16}(?P<sep>[/.-])\s{0,16}"
    r"(?P<d>\d{1,2})\s{0,16}(?P=sep)\s{0,16}(?P<y>\d{4}|\d{2})(?![\d/])"
)
# "June 30, 2008", "30 June 2008", "April, 2015" (month precision), in one pattern.
_WRITTEN = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})\s+)?(?P<mon>{_MONTH_NAME})"
    rf"(?:\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?)?,?\s+(?P<y>(?:19|20)\d{{2}})\b",
    re.IGNORECASE,
)


class DateMatch(NamedTuple):
    """A date found in text: its span and value. `precision` says how much the text gave."""

    start: int
    end: int
    value: date
    precision: str  # "day" | "month"


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        # IMR letters start in 2013; two-digit years are injuries (1980s on) or recent dates.
        year += 2000 if year <= 40 else 1900
    return year


def _make(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_dates(text: str, start: int = 0, end: int | None = None) -> list[DateMatch]:
    """Every full or month-precision date in `text[start:end]`, in order, without overlaps.

    Day-precision dates win over a month-year reading of the same words.
    """
    stop = len(text) if end is None else end
    found: list[DateMatch] = []
    for m in _NUMERIC.finditer(text, start, stop):
        a = m.start()
        if a > 0 and (text[a - 1].isdigit() or text[a - 1] in "/.-"):
            continue
        if m.group("y0"):
            value = _make(int(m.group("y0")), int(m.group("m0")), int(m.group("d0")))
        else:
            value = _make(_year(m.group("y")), int(m.group("m")), int(m.group("d")))
        if value is not None:
            found.append(DateMatch(a, m.end(), value, "day"))
    for m in _WRITTEN.finditer(text, start, stop):
        month = _MONTHS[m.group("mon").lower()[:3]]
        day = m.group("d2") or m.group("d1")
        if day is None:
            found.append(DateMatch(m.start("mon"), m.end(), date(int(m.group("y")), month, 1),
                                   "month"))
            continue
        value = _make(int(m.group("y")), month, int(day))
        if value is not None:
            begin = m.start() if m.group("d1") and not m.group("d2") else m.start("mon")
            found.append(DateMatch(begin, m.end(), value, "day"))
    if len(found) > 1:
        found.sort(key=lambda d: (d.start, -(d.end - d.start)))
        result: list[DateMatch] = []
        for match in found:
            if result and match.start < result[-1].end:
                continue
            result.append(match)
        return result
    return found


def first_date(text: str, start: int = 0, end: int | None = None) -> DateMatch | None:
    """The first date in `text[start:end]`, or None."""
    for match in find_dates(text, start, end):
        return match
    return None
