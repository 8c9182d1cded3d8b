"""Benchmark corpus: many well-formed IMR letters made by varying a few real ones.

``make_corpus(letters, n, seed)`` yields ``n`` letters lazily (memory stays flat) and
deterministically: letter ``i`` depends only on ``seed`` and ``i``, so a corpus of 100 is the
first 100 letters of a corpus of 10,000 with the same seed.

A varied letter keeps the source letter's layout (the same headings, the same items in the same
order with the same decisions, the same line style) and changes:

* every date, shifted by one random offset of whole years plus days (``08/04/2012``,
  ``2/10/04``, ``12-06-1998``, ``June 30, 2008``, ``April, 2015``, ``8/2011``, the split
  artifacts ``09- 03-2015`` / ``(09-`` newline ``03- 2015)``, and years in context such as
  "since 2011", "in 2012 to 2013", "chronic 1998 injury"); each date keeps its format. The day
  offset is chosen so that no full date changes year beyond the year offset, which keeps "chronic
  1998 injury" consistent with the injury date. Guideline years ("Treatment 2009", "(2004)") are
  not dates and stay;
* the patient's age, and sex with every patient pronoun after the CLINICAL CASE SUMMARY
  heading (the reviewer's "He/she", "his/her" stay);
* drug strengths and quantities ("Norco 10/325mg, #90" -> "Norco 7.5/325mg, #60"): one mapping
  per drug and original value, so the request line, the summary and the rationale still agree;
* relief percents and durations, in the clinical case summary only (the rationale's numbers are
  mostly the guideline's criteria, "at least 50% ... for six to eight weeks", and stay);
* the order of the summary's sentences (the first, the patient intro, stays first), sometimes
  dropping or duplicating one; the summary is then re-wrapped to the source's line width.

Each source letter is compiled once into a template (literal text and slots); a variant only
fills the slots, so generation is cheap (9,000-10,000 letters/s on one core here).

Use from another bench script: run scripts from the repo root as ``python bench/<script>.py``;
Python then puts bench/ first on ``sys.path`` and ``from corpus import make_corpus`` works.
From elsewhere (tests), insert the folder first:
``sys.path.insert(0, str(REPO / "bench"))``.

CLI: ``python bench/corpus.py --n 10000 --seed 0 --out DIR [--letters examples/letters]``.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import random
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = ["load_letters", "make_corpus", "vary_letter"]

REPO = Path(__file__).resolve().parents[1]
DEFAULT_LETTERS = REPO / "examples" / "letters"


# ---------------------------------------------------------------------------------------------
# Variant context: the random choices one variant makes, shared by all slots of the letter.


@dataclass
class _Ctx:
    rng: random.Random
    years: int
    days: int
    female: bool
    age_delta: int
    # Keyed by (drug, original number): "Norco 10/325mg" and "Norco 10mg" are the same strength,
    # "#120" and "QTY 120.00" the same quantity, wherever in the letter they occur.
    strengths: dict[tuple[str, float], str] = field(default_factory=dict)
    quantities: dict[tuple[str, float], int] = field(default_factory=dict)


Slot = Callable[[_Ctx], str]
Segments = list[str | Slot]


def _render(segments: Segments, ctx: _Ctx) -> str:
    return "".join([s if isinstance(s, str) else s(ctx) for s in segments])


# ---------------------------------------------------------------------------------------------
# Dates

_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(_MONTHS)} | {"Sept": 9}
_MONTH_NUM = {m: i + 1 for i, m in enumerate(_MONTHS)} | _MONTH_ABBR
_MONTH_RE = "|".join(sorted(_MONTH_NUM, key=len, reverse=True))
# A PDF line break or a stray space may follow a date separator: "09- 03-2015", "(09-\n\n03-".
_SEP_WS = r"[ \t]*(?:\n[ \t]*)*"


def _shift(d: dt.date, ctx: _Ctx) -> dt.date:
    year = d.year + ctx.years
    day = min(d.day, calendar.monthrange(year, d.month)[1])  # Feb 29 in a non-leap year
    return dt.date(year, d.month, day) + dt.timedelta(days=ctx.days)


def _two_digit_year(y: int) -> int:
    return 2000 + y if y < 50 else 1900 + y


class _DateSlot:
    """A full date: remembers the original (to bound the day offset) and how to format it."""

    __slots__ = ("date", "fmt")

    def __init__(self, date: dt.date, fmt: Callable[[dt.date], str]) -> None:
        self.date = date
        self.fmt = fmt

    def __call__(self, ctx: _Ctx) -> str:
        return self.fmt(_shift(self.date, ctx))


def _num_date_slot(m: re.Match[str]) -> _DateSlot | None:
    mo, s1, da, s2, yr = m.group("mo", "s1", "da", "s2", "yr")
    try:
        year = int(yr) if len(yr) == 4 else _two_digit_year(int(yr))
        d = dt.date(year, int(mo), int(da))
    except ValueError:
        return None
    # "2/10/04" is unpadded; "10/18/2012" could be either and is written padded.
    padded = len(mo) == 2 and len(da) == 2
    short = len(yr) == 2

    def fmt(n: dt.date) -> str:
        y = f"{n.year % 100:02d}" if short else str(n.year)
        if padded:
            return f"{n.month:02d}{s1}{n.day:02d}{s2}{y}"
        return f"{n.month}{s1}{n.day}{s2}{y}"

    return _DateSlot(d, fmt)


def _name_date_slot(m: re.Match[str]) -> _DateSlot:
    name, s1, da, s2, yr = m.group("mname", "ms1", "mda", "ms2", "myr")
    month = _MONTH_NUM[name]
    day = min(int(da), calendar.monthrange(int(yr), month)[1])
    d = dt.date(int(yr), month, day)
    abbr = name in _MONTH_ABBR and name != "May"

    def fmt(n: dt.date) -> str:
        mname = _MONTHS[n.month - 1]
        if abbr:
            mname = "Sept" if name == "Sept" and n.month == 9 else mname[:3]
        return f"{mname}{s1}{n.day}{s2}{n.year}"

    return _DateSlot(d, fmt)


def _month_year_slot(mname: str, sep: str, yr: str, numeric: bool) -> Slot:
    month = int(mname) if numeric else _MONTH_NUM[mname]
    d = dt.date(int(yr), month, 15)
    abbr = not numeric and mname in _MONTH_ABBR and mname != "May"

    def slot(ctx: _Ctx) -> str:
        n = _shift(d, ctx)
        if numeric:
            return f"{n.month:0{len(mname)}d}{sep}{n.year}"
        name = _MONTHS[n.month - 1]
        return f"{name[:3] if abbr else name}{sep}{n.year}"

    return slot


def _year_slot(year: int) -> Slot:
    return lambda ctx: str(year + ctx.years)


# ---------------------------------------------------------------------------------------------
# Drugs: plausible strengths per drug (the first number of "10/325"), and quantities.

_STRENGTHS: dict[str, tuple[str, ...]] = {}
for _names, _values in (
    (("norco", "hydrocodone", "vicodin", "percocet"), ("5", "7.5", "10")),
    (("oxycodone", "roxicodone"), ("5", "10", "15", "30")),
    (("oxycontin",), ("10", "20", "40", "80")),
    (("tramadol", "ultram"), ("50", "100", "150")),
    (("nucynta", "tapentadol"), ("50", "75", "100")),
    (("zanaflex", "tizanidine"), ("2", "4", "6")),
    (("neurontin", "gabapentin"), ("100", "300", "600", "800")),
    (("flexeril", "cyclobenzaprine"), ("5", "7.5", "10")),
    (("soma", "carisoprodol"), ("250", "350")),
    (("naproxen",), ("250", "375", "500", "550")),
    (("anaprox",), ("275", "550")),
    (("ibuprofen", "motrin"), ("400", "600", "800")),
    (("lyrica", "pregabalin"), ("25", "50", "75", "150")),
    (("omeprazole", "prilosec"), ("20", "40")),
    (("cymbalta", "duloxetine"), ("20", "30", "60")),
    (("ambien", "zolpidem"), ("5", "10")),
    (("celebrex", "celecoxib"), ("100", "200")),
    (("meloxicam", "mobic"), ("7.5", "15")),
    (("baclofen",), ("5", "10", "20")),
):
    for _n in _names:
        _STRENGTHS[_n] = _values
_QUANTITIES = (30, 60, 90, 120, 180)
_DRUG_NAMES = "|".join(sorted(_STRENGTHS, key=len, reverse=True))


def _fmt_num(x: float) -> str:
    return f"{x:g}"


def _strength_slot(drug: str, value: str) -> Slot:
    first, slash, rest = value.partition("/")
    known = _STRENGTHS.get(drug)
    base = float(first)
    choices = known or tuple(_fmt_num(base * f) for f in (0.5, 1, 2))

    key = (drug, base)

    def slot(ctx: _Ctx) -> str:
        new = ctx.strengths.get(key)
        if new is None:
            new = ctx.strengths[key] = ctx.rng.choice(choices)
        return new + slash + rest

    return slot


def _quantity_slot(drug: str, value: str) -> Slot:
    decimals = value.partition(".")[2]
    key = (drug, float(value))

    def slot(ctx: _Ctx) -> str:
        q = ctx.quantities.get(key)
        if q is None:
            q = ctx.quantities[key] = ctx.rng.choice(_QUANTITIES)
        return f"{q}.{'0' * len(decimals)}" if decimals else str(q)

    return slot


# ---------------------------------------------------------------------------------------------
# Sex and pronouns


def _cased(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word.capitalize() if like[0].isupper() else word


# "her" is the object or the possessive; the word after it decides (a noun follows a possessive).
_OBJECT_FOLLOWERS = frozenset(
    ("to", "for", "with", "and", "or", "that", "on", "in", "at", "from", "of", "by", "as")
    + ("is", "was", "has", "had", "but", "than", "so", "if", "when")
)


def _pronoun_slot(word: str, next_word: str) -> Slot:
    w = word.lower()
    if w == "her":
        nxt = next_word.lower()
        kind = "obj" if not nxt or not nxt[0].isalpha() or nxt in _OBJECT_FOLLOWERS else "poss"
    else:
        kind = {
            "he": "subj", "she": "subj", "him": "obj", "his": "poss", "hers": "abs",
            "himself": "refl", "herself": "refl", "female": "sex", "male": "sex",
            "woman": "noun", "man": "noun",
        }[w]  # fmt: skip
    forms = {
        "subj": ("she", "he"), "obj": ("her", "him"), "poss": ("her", "his"),
        "abs": ("hers", "his"), "refl": ("herself", "himself"), "sex": ("female", "male"),
        "noun": ("woman", "man"),
    }[kind]  # fmt: skip
    female, male = _cased(forms[0], word), _cased(forms[1], word)
    return lambda ctx: female if ctx.female else male


# ---------------------------------------------------------------------------------------------
# Summary-only numbers: ages, relief percents, durations

_WORD_NUMS = ["one", "two", "three", "four", "five", "six"]
_WORD_NUMS += ["seven", "eight", "nine", "ten", "eleven", "twelve"]
_WORD_VALUE = {w: i + 1 for i, w in enumerate(_WORD_NUMS)}


def _age_slot(age: int) -> Slot:
    return lambda ctx: str(max(18, min(85, age + ctx.age_delta)))


def _percent_slot(lo: int, sep: str, hi: int | None) -> Slot:
    def slot(ctx: _Ctx) -> str:
        new_lo = ctx.rng.randrange(10, 95, 5)
        if hi is None:
            return str(new_lo)
        return f"{new_lo}{sep}{min(100, new_lo + max(5, hi - lo))}"

    return slot


def _duration_slot(lo: str, sep: str, hi: str | None) -> Slot:
    as_word = lo.lower() in _WORD_VALUE
    lo_v = _WORD_VALUE[lo.lower()] if as_word else int(lo)
    hi_v = (_WORD_VALUE[hi.lower()] if as_word else int(hi)) if hi else None
    # A plural unit stays plural: "2 weeks" never becomes "1 weeks".
    floor = 1 if lo_v == 1 and hi_v is None else 2

    def fmt(v: int) -> str:
        return _cased(_WORD_NUMS[v - 1], lo) if as_word else str(v)

    cap = 12 if as_word else 52
    top = min(cap, max(floor, 2 * lo_v + 2))

    def slot(ctx: _Ctx) -> str:
        new_lo = ctx.rng.randint(floor, top)
        if hi_v is None:
            return fmt(new_lo)
        new_hi = min(cap, new_lo + max(1, hi_v - lo_v))
        return f"{fmt(new_lo)}{sep}{fmt(new_hi)}" if new_hi > new_lo else fmt(new_lo)

    return slot


# ---------------------------------------------------------------------------------------------
# Compilation of text into segments

_DATE_PATTERNS = [
    rf"(?P<mname>\b(?:{_MONTH_RE}))(?P<ms1>\.?\s+)(?P<mda>\d{{1,2}})"
    r"(?P<ms2>,\s*)(?P<myr>(?:19|20)\d\d)\b",
    rf"(?P<myname>\b(?:{_MONTH_RE}))(?P<mysep>\.?,?[ \t]+)(?P<myyr>(?:19|20)\d\d)\b",
    rf"(?<![\w/.-])(?P<mo>\d{{1,2}})(?P<s1>[/-]{_SEP_WS})(?P<da>\d{{1,2}})(?P<s2>[/-]{_SEP_WS})"
    rf"(?P<yr>(?:19|20)\d\d|\d\d)(?![\w/]|-\d|\.\d)",
    r"(?<![\w/.-])(?P<nmo>\d{1,2})(?P<nsep>/)(?P<nyr>(?:19|20)\d\d)(?![\w/]|\.\d)",
    # Years count as dates only after words that introduce a point in time; "Treatment 2009"
    # and "(2004)" name guideline editions.
    r"(?P<ypre>\b(?:since|Since|in|In|to|from|From|chronic|until|through|during|before|after)"
    r"\s+(?:at least\s+)?)(?P<year>(?:19|20)\d\d)\b(?![-/]\d| Edition)",
]
_DRUG_PATTERN = (
    rf"(?P<drug>\b(?i:{_DRUG_NAMES})\b|\b[A-Z][a-z]{{3,}}\b)"
    r"(?P<form>\s+(?:tablets?|tabs?|capsules?|caps?|ER|XR|CR|SR))?"
    r"(?:(?P<spre>\s+)(?P<strength>\d+(?:\.\d+)?(?:/\d+(?:\.\d+)?)?)(?![\d/.]*\d)"
    r"(?P<unit>\s?mg\b)?)?"
    r"(?:(?P<qpre>,?\s*(?:#\s?|QTY\s+|qty\s+))(?P<qty>\d+(?:\.\d+)?)\b)?"
)
_PRONOUN_PATTERN = (
    r"(?<![\w/])(?P<pron>[Hh]e|[Ss]he|[Hh]im|[Hh]is|[Hh]er|[Hh]ers|[Hh]imself|[Hh]erself"
    r"|[Ff]emale|[Mm]ale|[Ww]oman|[Mm]an)(?![\w/])(?=(?P<pnext>\W*\w*))"
)
_AGE_PATTERN = r"(?P<age>\b\d{1,3})(?=\s*-?\s*years?[- ]old)"
_PERCENT_PATTERN = r"(?P<plo>\b\d{1,3})(?:(?P<psep>\s*(?:-|to)\s*)(?P<phi>\d{1,3}))?(?=\s*%)"
_DURATION_PATTERN = (
    rf"(?P<dlo>\b(?:\d{{1,2}}|(?i:{'|'.join(_WORD_NUMS)})))"
    rf"(?:(?P<dsep>\s*(?:-|to)\s*)(?P<dhi>\d{{1,2}}|(?i:{'|'.join(_WORD_NUMS)})))?"
    r"(?=\s+(?:days?|weeks?|months?)\b)"
)

_RE_DATES = re.compile("|".join(_DATE_PATTERNS))
_RE_TAIL = re.compile("|".join([*_DATE_PATTERNS, _PRONOUN_PATTERN, _DRUG_PATTERN]))
_RE_SUMMARY = re.compile(
    "|".join(
        [
            *_DATE_PATTERNS,
            _AGE_PATTERN,
            _PERCENT_PATTERN,
            _DURATION_PATTERN,
            _PRONOUN_PATTERN,
            _DRUG_PATTERN,
        ]
    )
)


def _slots_for(m: re.Match[str]) -> Segments | None:
    """Segments replacing match ``m``, or None to keep its text as it is."""
    gd = m.groupdict()
    if gd["mname"] is not None:
        return [_name_date_slot(m)]
    if gd["myname"] is not None:
        return [_month_year_slot(gd["myname"], gd["mysep"], gd["myyr"], numeric=False)]
    if gd["mo"] is not None:
        s = _num_date_slot(m)
        return [s] if s else None
    if gd["nmo"] is not None:
        if not 1 <= int(gd["nmo"]) <= 12:
            return None
        return [_month_year_slot(gd["nmo"], gd["nsep"], gd["nyr"], numeric=True)]
    if gd["year"] is not None:
        return [gd["ypre"], _year_slot(int(gd["year"]))]
    if gd.get("age") is not None:
        return [_age_slot(int(gd["age"]))]
    if gd.get("plo") is not None:
        lo, hi = int(gd["plo"]), gd["phi"]
        return [_percent_slot(lo, gd["psep"] or "", int(hi) if hi else None)]
    if gd.get("dlo") is not None:
        return [_duration_slot(gd["dlo"], gd["dsep"] or "", gd["dhi"])]
    if gd.get("pron") is not None:
        return [_pronoun_slot(gd["pron"], gd["pnext"].strip(" \t\n"))]
    if gd.get("drug") is not None:
        strength, qty = gd["strength"], gd["qty"]
        known = gd["drug"].lower() in _STRENGTHS
        if strength is None and qty is None:
            return None
        if not known and gd["unit"] is None and qty is None:
            return None  # "Page 127", "Grade 2": a capitalized word and a number, no drug
        drug = gd["drug"].lower()
        segs: Segments = [gd["drug"] + (gd["form"] or "")]
        if strength is not None:
            segs += [gd["spre"], _strength_slot(drug, strength), gd["unit"] or ""]
        if qty is not None:
            segs += [gd["qpre"], _quantity_slot(drug, qty)]
        return segs
    raise AssertionError(f"unhandled match {m.group()!r}")  # pragma: no cover


def _compile(text: str, pattern: re.Pattern[str]) -> Segments:
    segs: Segments = []
    pos = 0
    m = pattern.search(text)
    while m is not None:
        repl = _slots_for(m)
        if repl is None:
            # A rejected match ("Since 2011" read as a drug) may hide one that starts inside it.
            m = pattern.search(text, m.start() + 1)
            continue
        segs.append(text[pos : m.start()])
        segs.extend(repl)
        pos = m.end()
        m = pattern.search(text, max(pos, m.start() + 1))
    segs.append(text[pos:])
    # Merge adjacent literals so rendering joins fewer pieces.
    merged: Segments = []
    for s in segs:
        if isinstance(s, str) and merged and isinstance(merged[-1], str):
            merged[-1] += s
        elif s != "":
            merged.append(s)
    return merged


def _date_slots(segs: Segments) -> list[dt.date]:
    return [s.date for s in segs if isinstance(s, _DateSlot)]


# ---------------------------------------------------------------------------------------------
# Letter templates

# A period that ends an abbreviation or a list number ("diagnosis is:1. Grade I") ends no sentence.
_NO_SPLIT_AFTER = re.compile(
    r"^(?:.*\W)?(?:Dr|Mr|Mrs|Ms|vs|No|approx|e\.g|i\.e|etc|St|Jr|Sr)\.$|^(?:\S*:)?\d{1,2}\.$"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z\"(])")


def _sentences(text: str) -> list[str]:
    """``text`` (one line) split into sentences; joined with spaces they give ``text`` back."""
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        last_word = text[start : m.start()].rsplit(None, 1)[-1]
        if _NO_SPLIT_AFTER.match(last_word):
            continue
        out.append(text[start : m.end()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


@dataclass
class _Template:
    head: Segments
    sentences: list[Segments]
    tail: Segments
    width: int
    line_end: str
    years: tuple[int, int]
    days: tuple[int, int]


_HEADING_SUMMARY = re.compile(r"^[ \t]*CLINICAL CASE SUMMARY[ \t]*$", re.M)
_HEADING_ISSUES = re.compile(r"^[ \t]*IMR ISSUES, DECISIONS AND RATIONALES[ \t]*$", re.M)
_INTRO_END = re.compile(r"medical records:[ \t]*\n")


@lru_cache(maxsize=256)
def _template(text: str) -> _Template:
    hs, hi = _HEADING_SUMMARY.search(text), _HEADING_ISSUES.search(text)
    if hs is None or hi is None or hi.start() < hs.end():
        # Not the usual layout: vary dates, pronouns and drugs, keep the order of everything.
        head: Segments = []
        sentences: list[Segments] = []
        tail = _compile(text, _RE_TAIL)
        body = ""
    else:
        intro = _INTRO_END.search(text, hs.end(), hi.start())
        body_start = intro.end() if intro else hs.end()
        raw = text[body_start : hi.start()]
        lead = raw[: len(raw) - len(raw.lstrip())]
        trail = raw[len(raw.rstrip()) :]
        body = raw.strip()
        head = _compile(text[:body_start] + lead, _RE_DATES)
        sentences = [_compile(s, _RE_SUMMARY) for s in _sentences(" ".join(body.split()))]
        tail = _compile(trail + text[hi.start() :], _RE_TAIL)
    # The body's own line style ("line \n\n" in the real letters): trailing space or not, and
    # the number of blank lines between two lines of the paragraph.
    lines = body.split("\n")
    text_idx = [i for i, ln in enumerate(lines) if ln.strip()]
    gap = min((b - a - 1 for a, b in zip(text_idx, text_idx[1:], strict=False)), default=0)
    spaced = 2 * sum(ln[-1:].isspace() for ln in lines if ln.strip()) > len(text_idx)
    line_end = (" " if spaced else "") + "\n" * (gap + 1)
    width = max((len(ln.rstrip()) for ln in lines), default=95)
    dates = _date_slots(head) + _date_slots(tail) + [d for s in sentences for d in _date_slots(s)]
    # Day offsets that keep every full date in its (year-shifted) year.
    doys = [d.timetuple().tm_yday for d in dates]
    days = (1 - min(doys), 365 - max(doys)) if doys else (-180, 180)
    latest = max((d.year for d in dates), default=2015)
    earliest = min((d.year for d in dates), default=2000)
    # Keep dates within the era IMR letters come from (1970s injuries, decisions up to ~2025).
    years = (max(-6, 1975 - earliest), min(8, 2025 - latest))
    return _Template(head, sentences, tail, width, line_end, years, days)


def _wrap(text: str, width: int, line_end: str) -> str:
    lines: list[str] = []
    current: list[str] = []
    length = -1
    for w in text.split():
        if current and length + 1 + len(w) > width:
            lines.append(" ".join(current))
            current, length = [], -1
        current.append(w)
        length += 1 + len(w)
    if current:
        lines.append(" ".join(current))
    # The last line's ending is the template tail's first characters.
    return line_end.join(lines)


def vary_letter(text: str, rng: random.Random) -> str:
    """A well-formed variant of the IMR letter ``text``, drawn with ``rng``.

    Promises: the same headings, and the same items in the same order with the same decisions
    and labels as ``text``; every date still a valid date in its original format; drug strengths
    and quantities changed consistently within the letter. The result depends only on ``text``
    and the state of ``rng``.
    """
    t = _template(text)
    ctx = _Ctx(
        rng=rng,
        years=rng.randint(*t.years) if t.years[0] <= t.years[1] else 0,
        days=rng.randint(*t.days) if t.days[0] <= t.days[1] else 0,
        female=rng.random() < 0.5,
        age_delta=rng.randint(-12, 12),
    )
    parts = [_render(t.head, ctx)]
    if t.sentences:
        rendered = [_render(s, ctx) for s in t.sentences]
        rest = rendered[1:]
        rng.shuffle(rest)
        roll = rng.random()
        if roll < 0.15 and len(rest) > 1:
            del rest[rng.randrange(len(rest))]
        elif roll < 0.3 and rest:
            rest.insert(rng.randrange(len(rest) + 1), rng.choice(rest))
        parts.append(_wrap(" ".join([rendered[0], *rest]), t.width, t.line_end))
    parts.append(_render(t.tail, ctx))
    return "".join(parts)


def make_corpus(
    letters: Sequence[tuple[str, str]], n: int, seed: int = 0
) -> Iterator[tuple[str, str]]:
    """Yield ``n`` ``(name, text)`` variants of ``letters`` (``(name, text)`` pairs), lazily.

    Letter ``i`` varies source ``letters[i % len(letters)]`` with an RNG seeded from ``(seed,
    i)`` only, so the corpus is reproducible and a shorter corpus is a prefix of a longer one.
    Names are ``"{i:06d}_{source stem}.txt"``, unique within a corpus.
    """
    if not letters:
        raise ValueError("make_corpus needs at least one source letter")
    stems = [name.removesuffix(".txt") for name, _ in letters]
    for i in range(n):
        k = i % len(letters)
        # A str seed goes through SHA-512, so nearby (seed, i) pairs give unrelated streams,
        # identically in every process.
        rng = random.Random(f"imr-corpus:{seed}:{i}")
        yield f"{i:06d}_{stems[k]}.txt", vary_letter(letters[k][1], rng)


def load_letters(directory: Path = DEFAULT_LETTERS) -> list[tuple[str, str]]:
    """``(file name, text)`` for every ``*.txt`` in ``directory``, sorted by name."""
    files = sorted(directory.glob("*.txt"))
    if not files:
        raise SystemExit(f"error: no *.txt letters in {directory}")
    return [(p.name, p.read_text(encoding="utf-8")) for p in files]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--n", type=int, default=10_000, help="number of letters (default 10000)")
    ap.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "corpus")
    ap.add_argument("--letters", type=Path, default=DEFAULT_LETTERS, help="source letters")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    count = 0
    for name, text in make_corpus(load_letters(args.letters), args.n, args.seed):
        (args.out / name).write_text(text, encoding="utf-8")
        count += 1
    print(f"wrote {count} letters to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
