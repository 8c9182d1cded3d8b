"""Dates as IMR letters write them, including the damage PDF extraction does to them.

Letters write `08/04/2012`, `2/10/04`, `12-06-1998`, `June 30, 2008`, `Sept 9, 2015`,
`April, 2015`, and PDF extraction splits them across spaces and lines (`09- 03-2015`). Every
match keeps its span in the original text so facts can point back to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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
# "June 30, 2008", "30 June 2008", "12-Mar-2010", "April, 2015" (month precision), in one
# pattern.
_WRITTEN = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})(?:\s+|-))?(?P<mon>{_MONTH_NAME})"
    rf"(?:\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?)?(?:,?\s+|-)(?P<y>(?:19|20)\d{{2}})\b",
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


# The same two patterns, shaped so that `re` can skip ahead to a possible first character (a
# pattern that starts with a group or a word boundary is tried at every position):
# `_NUMERIC` with its first digit factored out (`a1` marks the year-first form, `mt` holds the
# month's optional second digit); `_WRITTEN` split by its first character (a day or a month
# name), on lower-cased text, without the leading word boundary (checked in code).
_NUMERIC_TAIL = (
    r"(?:(?P<a1>)(?:(?<=1)9|(?<=2)0)\d{2}-(?P<m0>\d{2})-(?P<d0>\d{2})\b"
    r"|(?P<mt>\d?)\s{0,16}(?P<sep>[/.-])\s{0,16}"
    r"(?P<d>\d{1,2})\s{0,16}(?P=sep)\s{0,16}(?P<y>\d{4}|\d{2})(?![\d/])"
    # "since 06/2013": a month and a four-digit year (month precision), tried last
    r"|(?P<mm>\d?)\s{0,2}(?P<sep2>[/-])\s{0,2}(?P<yy>(?:19|20)\d{2})(?![\d/-]))"
)
_NUMERIC_FAST = re.compile(r"\d" + _NUMERIC_TAIL)
# For ASCII text, where they are the same: `re` finds a `[0-9]` faster than a `\d`.
_NUMERIC_ASCII = re.compile(r"[0-9]" + _NUMERIC_TAIL)
_WRITTEN_TAIL = (r"(?:\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?)?(?:,?\s+|-)(?P<y>(?:19|20)\d{2})\b")
_WRITTEN_DAY = re.compile(rf"(?P<d1>[0-9]\d?)(?:\s+|-)(?P<mon>{_MONTH_NAME}){_WRITTEN_TAIL}")
_WRITTEN_MONTH = re.compile(rf"(?P<mon>{_MONTH_NAME}){_WRITTEN_TAIL}")


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


# (start, end, month start, month, first day or None, second day or None, year)
_Written = tuple[int, int, int, str, str | None, str | None, str]


def _spaced_year(text: str, start: int, stop: int) -> bool:
    """Whether `text[start:stop]` has a "19" or "20" right after whitespace or a hyphen
    (every written date ends in such a year)."""
    for century in ("19", "20"):
        at = text.find(century, start + 1, stop)
        while at >= 0:
            if text[at - 1].isspace() or text[at - 1] == "-":
                return True
            at = text.find(century, at + 1, stop)
    return False


def _written(text: str, start: int, stop: int, seg: str) -> list[_Written]:
    """The matches of `_WRITTEN` in `text[start:stop]` (`seg`), as `finditer` gives them."""
    if not _spaced_year(text, start, stop):
        return []
    if not seg.isascii():
        return [(m.start(), m.end(), m.start("mon"), m.group("mon"), m.group("d1"),
                 m.group("d2"), m.group("y")) for m in _WRITTEN.finditer(text, start, stop)]
    # Matched in the lower-cased window (ASCII: `_WRITTEN_DAY` may start with `[0-9]`); the
    # leading \b is checked against the text itself (the window's own start is no word
    # boundary unless the text's is).
    low = seg.lower()
    out: list[_Written] = []
    pos = 0
    n = len(low)
    by_day = _WRITTEN_DAY.search(low, pos, n)
    by_month = _WRITTEN_MONTH.search(low, pos, n)
    while by_day is not None or by_month is not None:
        # At one position only one of them can match (a digit or a letter comes first).
        if by_month is None or (by_day is not None and by_day.start() < by_month.start()):
            m = by_day
        else:
            m = by_month
        assert m is not None
        a = m.start()
        at = start + a
        if at == 0 or not _is_word(text[at - 1]):  # the pattern's leading \b
            d1 = m.group("d1") if m.re is _WRITTEN_DAY else None
            out.append((at, start + m.end(), start + m.start("mon"), m.group("mon"), d1,
                        m.group("d2"), m.group("y")))
            pos = m.end() if m.end() > a else a + 1
        else:
            pos = a + 1
        if by_day is not None and by_day.start() < pos:
            by_day = _WRITTEN_DAY.search(low, pos, n)
        if by_month is not None and by_month.start() < pos:
            by_month = _WRITTEN_MONTH.search(low, pos, n)
    return out


def _numeric_dates(text: str, start: int, stop: int, ascii_: bool) -> Iterator[DateMatch]:
    """The numeric dates in `text[start:stop]` (`ascii_`: that window is ASCII), in order."""
    for m in (_NUMERIC_ASCII if ascii_ else _NUMERIC_FAST).finditer(text, start, stop):
        a = m.start()
        if a > 0 and (text[a - 1].isdigit() or text[a - 1] in "/.-\u2013\u2014"):
            continue
        if m.group("a1") is not None:
            value = _make(int(text[a:a + 4]), int(m.group("m0")), int(m.group("d0")))
        elif m.group("yy") is not None:
            month = int(text[a:m.end("mm")])
            if 1 <= month <= 12:
                yield DateMatch(a, m.end(), date(int(m.group("yy")), month, 1), "month")
            continue
        else:
            value = _make(_year(m.group("y")), int(text[a:m.end("mt")]), int(m.group("d")))
        if value is not None:
            yield DateMatch(a, m.end(), value, "day")


def _written_dates(text: str, start: int, stop: int, seg: str) -> Iterator[DateMatch]:
    """The written dates in `text[start:stop]` (`seg`), in order."""
    for a, b, mon_start, mon, d1, d2, year in _written(text, start, stop, seg):
        month = _MONTHS[mon.lower()[:3]]
        day = d2 or d1
        if day is None:
            yield DateMatch(mon_start, b, date(int(year), month, 1), "month")
            continue
        value = _make(int(year), month, int(day))
        if value is not None:
            begin = a if d1 and not d2 else mon_start
            yield DateMatch(begin, b, value, "day")


def _first_key(d: DateMatch) -> tuple[int, int]:
    """Of two dates, the one with the smaller key comes first (the longer at one start)."""
    return d.start, -(d.end - d.start)


def find_dates(text: str, start: int = 0, end: int | None = None) -> list[DateMatch]:
    """Every full or month-precision date in `text[start:end]`, in order, without overlaps.

    Day-precision dates win over a month-year reading of the same words.
    """
    stop = len(text) if end is None else end
    seg = text[start:stop]
    found = [*_numeric_dates(text, start, stop, seg.isascii()),
             *_written_dates(text, start, stop, seg)]
    if len(found) > 1:
        found.sort(key=_first_key)
        result: list[DateMatch] = []
        for match in found:
            if result and match.start < result[-1].end:
                continue
            result.append(match)
        return result
    return found


def first_date(text: str, start: int = 0, end: int | None = None) -> DateMatch | None:
    """The first date in `text[start:end]` (the first `find_dates` gives), or None."""
    stop = len(text) if end is None else end
    seg = text[start:stop]
    # Each kind comes in order; the first of all is the first of one of them (on a tie the
    # numeric one, which `find_dates` sorts first).
    numeric = next(_numeric_dates(text, start, stop, seg.isascii()), None)
    written = next(_written_dates(text, start, stop, seg), None)
    if written is None or (numeric is not None and _first_key(numeric) <= _first_key(written)):
        return numeric
    return written
