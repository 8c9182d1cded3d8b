"""What PDF text extraction does to an IMR letter, as pure functions and hypothesis strategies.

The parser's property tests feed it a real letter distorted the ways extraction distorts text:
lines re-broken at another width, extra blank lines, extra spaces, page-break furniture
("Page 2 of 5", the running footer, a form-feed line) and CRLF line endings.

Every distortion is a pure function ``(text, params) -> text``; the random ones take an integer
``seed`` instead of a ``random.Random`` so the same call always gives the same text. All of them
keep the sequence of whitespace-separated words (``words(text)``), apart from the furniture
lines that :func:`add_page_furniture` inserts and :func:`strip_furniture` removes again.

Invariants the parser may rely on (they hold for every distortion and every composition):

* a section heading ("CLINICAL CASE SUMMARY", "IMR ISSUES, DECISIONS AND RATIONALES", ...)
  stays whole on one line, and no heading text is moved to the start of a wrapped line;
* a decision line ("Norco 10/325 # 60:  Upheld") stays whole on one line, nothing is inserted
  inside it, and re-wrapping never produces a new line that looks like one;
* a re-wrapped continuation line never starts with an item label ("Decision rationale:", ...).

Real PDFs do break a page inside a paragraph; :func:`add_page_furniture` does that only when
asked (``mid_paragraph=True``), never inside a line.

The letters in examples/letters are "double spaced": every physical line is followed by one
empty line, and paragraphs are separated by longer runs of blank or space-only lines. The
functions work out that line gap per text (the smallest run of blank lines between two text
lines) instead of assuming it, so they also work on single-spaced text.

Functions expect LF line endings; :func:`to_crlf` is meant to be the last step.

Import from a test module in tests/ as ``from distortions import ...``: tests/ has no
``__init__.py``, so pytest's default (prepend) import mode puts tests/ on ``sys.path``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from hypothesis import strategies as st

__all__ = [
    "FURNITURE_RE",
    "HEADINGS",
    "LABELS",
    "Plan",
    "add_blank_lines",
    "add_page_furniture",
    "add_spaces",
    "apply_plan",
    "distorted_letters",
    "from_crlf",
    "paragraphs",
    "plans",
    "rewrap",
    "strip_furniture",
    "to_crlf",
    "words",
]

HEADINGS: tuple[str, ...] = (
    "HOW THE IMR FINAL DETERMINATION WAS MADE",
    "CLINICAL CASE SUMMARY",
    "IMR ISSUES, DECISIONS AND RATIONALES",
    "INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE",  # the 2013 layout
)

# Lines that start a paragraph of their own in every letter layout: item labels and the
# credential lines. Re-wrapping must not move these phrases to the start of a continuation
# line, or a parser that (rightly) keys on them would see a label that is not there.
LABELS: tuple[str, ...] = (
    "Claims Administrator guideline:",
    "MAXIMUS guideline:",
    "Decision rationale:",
    "The Expert Reviewer has the following credentials:",
    "State(s) of Licensure:",
    "Certification(s)/Specialty:",
    "The Final Determination was based on",
    # The 2013 layout: its headings, an item's labels, and its numbered lines (the decision
    # list, the items' headers).
    "Medical Qualifications of the Expert Reviewer:",
    "Case Summary:",
    "Documents Reviewed for Determination:",
    "Medical Treatment Guideline or Medical Evidence Used:",
    "The Claims Administrator based its decision on",
    "The Physician Reviewer based his/her decision on",
    "Rationale for the Decision:",
    *(f"{n}) {label}" for n in range(1, 10) for label in (
        "MAXIMUS Federal Services, Inc. has determined", "Regarding the request for")),
)
_LABEL_WORDS: tuple[tuple[str, ...], ...] = tuple(tuple(p.split()) for p in LABELS + HEADINGS)
_DECISION_LINE_RE = re.compile(r"^\s*\S.*:\s*(?:Upheld|Overturned)\s*$", re.IGNORECASE)
_DECISION_WORDS = frozenset({"upheld", "overturned"})

FURNITURE_RE = re.compile(
    r"^[ \t]*(?:"
    r"Page \d+ of \d+"
    r"|Final Determination Letter for IMR Case Number CM\d{2}-\d{7}(?: \d+)?"
    r"|\f"
    r")[ \t\r]*$"
)
"""Matches one whole line of the furniture that :func:`add_page_furniture` inserts."""


def words(text: str) -> list[str]:
    """The whitespace-separated words of ``text`` (what every distortion preserves)."""
    return text.split()


def _is_blank(line: str) -> bool:
    return not line.strip()


def _heading_or_decision(line: str) -> bool:
    s = " ".join(line.split())
    return s in HEADINGS or bool(_DECISION_LINE_RE.match(line))


def _starts_with_label(line_words: Sequence[str]) -> bool:
    return any(tuple(line_words[: len(lw)]) == lw for lw in _LABEL_WORDS)


def _line_gap(lines: Sequence[str]) -> int:
    """The number of blank lines between two lines of the same paragraph in this text."""
    text_idx = [i for i, line in enumerate(lines) if not _is_blank(line)]
    runs = [b - a - 1 for a, b in zip(text_idx, text_idx[1:], strict=False)]
    return min(runs) if runs else 0


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraphs of ``text`` as ``(first, last)`` indices into ``text.split("\\n")``.

    A paragraph is a run of text lines separated only by the text's normal line gap. It also
    ends before a line that starts with an item label or credential line, and headings and
    decision lines are always paragraphs of their own. Blank lines between paragraphs belong to
    no paragraph.
    """
    lines = text.split("\n")
    gap = _line_gap(lines)
    out: list[tuple[int, int]] = []
    first = last = -1
    for i, line in enumerate(lines):
        if _is_blank(line):
            continue
        boundary = (
            first < 0
            or i - last - 1 > gap
            or _heading_or_decision(line)
            or _heading_or_decision(lines[last])
            or _starts_with_label(line.split())
        )
        if boundary:
            if first >= 0:
                out.append((first, last))
            first = i
        last = i
    if first >= 0:
        out.append((first, last))
    return out


def _bad_break(current: Sequence[str], ws: Sequence[str], i: int) -> bool:
    """Whether breaking the line before ``ws[i]`` would split a label or heading across lines
    or fake structure the text does not have (a label starting a line, a decision line)."""
    for lw in _LABEL_WORDS:
        k = len(lw)
        for j in range(max(0, i - k + 1), i + 1):
            if tuple(ws[j : j + k]) == lw:
                return True
    last = current[-1].strip(".,;").lower()
    return last in _DECISION_WORDS and any(":" in w for w in current)


def _wrap(ws: Sequence[str], width: int) -> list[str]:
    # Greedy fill, never splitting a word; a word longer than the width gets a line to itself.
    lines: list[str] = []
    current = [ws[0]]
    length = len(ws[0])
    for i in range(1, len(ws)):
        w = ws[i]
        if length + 1 + len(w) <= width or _bad_break(current, ws, i):
            current.append(w)
            length += 1 + len(w)
        else:
            lines.append(" ".join(current))
            current = [w]
            length = len(w)
    lines.append(" ".join(current))
    return lines


def rewrap(text: str, width: int) -> str:
    """Re-break every paragraph's lines at ``width`` characters (not counting trailing space).

    Words are never split; a line is only longer than ``width`` when a single word is, or when
    breaking earlier would start a line with an item label or end one like a decision line.
    Headings and decision lines are left as they are. Blank lines between paragraphs are kept
    exactly; inside a paragraph lines are separated by the text's line gap, and each line ends
    with a space if most of the paragraph's original lines did (as in the real letters).
    Idempotent, and ``rewrap(rewrap(t, a), b) == rewrap(t, b)``.
    """
    if width < 1:
        raise ValueError(f"width must be positive, got {width}")
    lines = text.split("\n")
    gap = _line_gap(lines)
    out: list[str] = []
    pos = 0
    for first, last in paragraphs(text):
        out.extend(lines[pos:first])
        pos = last + 1
        para = lines[first : last + 1]
        if first == last and _heading_or_decision(para[0]):
            out.append(para[0])
            continue
        text_lines = [ln for ln in para if not _is_blank(ln)]
        trailing = " " if 2 * sum(ln[-1:].isspace() for ln in text_lines) > len(text_lines) else ""
        wrapped = _wrap(" ".join(para).split(), width)
        for j, line in enumerate(wrapped):
            if j:
                out.extend([""] * gap)
            out.append(line + trailing)
    out.extend(lines[pos:])
    return "\n".join(out)


def add_blank_lines(text: str, seed: int, rate: float = 0.15) -> str:
    """Insert 1-3 blank or space-only lines after about ``rate`` of the lines.

    Lines themselves are never changed or split.
    """
    rng = random.Random(seed)
    lines = text.split("\n")
    out: list[str] = []
    # Nothing goes after the last line, so a text that ends without a newline still does.
    for line in lines[:-1]:
        out.append(line)
        if rng.random() < rate:
            out.extend(rng.choice(("", "", " ", "  ")) for _ in range(rng.randint(1, 3)))
    out.append(lines[-1])
    return "\n".join(out)


def add_spaces(text: str, seed: int, rate: float = 0.1, protect_headings: bool = True) -> str:
    """Widen about ``rate`` of the gaps between words to 2-3 spaces and add trailing spaces.

    Also gives about ``rate`` of the lines 1-3 extra trailing spaces and a few a leading space.
    With ``protect_headings`` (the default) the gaps inside a heading line stay single, so a
    parser may match headings literally after collapsing only leading/trailing space.
    """
    rng = random.Random(seed)
    out: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            if not (protect_headings and " ".join(line.split()) in HEADINGS):
                # Splitting on single spaces keeps existing runs of spaces (empty parts).
                parts = line.split(" ")
                line = parts[0] + "".join(
                    (" " * rng.randint(2, 3) if p and rng.random() < rate else " ") + p
                    for p in parts[1:]
                )
            if rng.random() < rate / 4:
                line = " " + line
            if rng.random() < rate:
                line += " " * rng.randint(1, 3)
        out.append(line)
    return "\n".join(out)


def _furniture_block(rng: random.Random, case_number: str, page: int, pages: int) -> list[str]:
    footer = f"Final Determination Letter for IMR Case Number {case_number} {page - 1}"
    header = f"Page {page} of {pages}"
    return rng.choice(
        (
            [footer, "\f", header],
            [footer, "\f"],
            ["\f", header],
            [footer],
            [header],
            ["\f"],
        )
    )


def add_page_furniture(
    text: str,
    seed: int,
    breaks: int | None = None,
    case_number: str | None = None,
    mid_paragraph: bool = False,
) -> str:
    """Insert ``breaks`` page breaks (default 1-4), each a few furniture lines.

    A break is some of: the running footer "Final Determination Letter for IMR Case Number
    CM15-0191234 3" (number of the page that ends), a form-feed line, and "Page 4 of 5".
    Breaks go only between paragraphs (see :func:`paragraphs`), or with ``mid_paragraph``
    also between two lines of a paragraph; never inside a line, so never inside a decision
    line or heading. Each furniture line is followed by the text's line gap. Page numbers
    increase through the text. Remove the furniture again with :func:`strip_furniture`.
    """
    rng = random.Random(seed)
    lines = text.split("\n")
    paras = paragraphs(text)
    if len(paras) < 2:
        return text
    gap = _line_gap(lines)
    # Insertion points are indices of the line a break goes before.
    points = [first for first, _ in paras[1:]]
    if mid_paragraph:
        points += [
            i
            for first, last in paras
            for i in range(first + 1, last + 1)
            if not _is_blank(lines[i])
        ]
    n = breaks if breaks is not None else rng.randint(1, 4)
    chosen = sorted(rng.sample(points, min(n, len(points))))
    case = case_number or f"CM{rng.randint(13, 16)}-{rng.randint(0, 9_999_999):07d}"
    pages = len(chosen) + 1
    inserts: dict[int, list[str]] = {}
    for k, at in enumerate(chosen):
        block: list[str] = []
        for fl in _furniture_block(rng, case, k + 2, pages):
            block.append(fl)
            block.extend([""] * gap)
        inserts[at] = block
    out: list[str] = []
    for i, line in enumerate(lines):
        out.extend(inserts.get(i, ()))
        out.append(line)
    return "\n".join(out)


def strip_furniture(text: str) -> str:
    """Remove every line :data:`FURNITURE_RE` matches (inverse of :func:`add_page_furniture`
    for the words; blank lines it added stay)."""
    return "\n".join(line for line in text.split("\n") if not FURNITURE_RE.match(line))


def to_crlf(text: str) -> str:
    """Give every line a CRLF ending (idempotent: existing CRLFs are not doubled)."""
    return from_crlf(text).replace("\n", "\r\n")


def from_crlf(text: str) -> str:
    """Turn CRLF endings back into LF; ``from_crlf(to_crlf(t)) == t`` for text without CR."""
    return text.replace("\r\n", "\n")


@dataclass(frozen=True)
class Plan:
    """Which distortions to apply, with their parameters; ``None`` means skip that step.

    Hypothesis prints the plan of a failing example, and ``apply_plan(letter, plan)``
    reproduces the distorted text exactly.
    """

    width: int | None = None
    spaces_seed: int | None = None
    spaces_rate: float = 0.1
    blank_seed: int | None = None
    blank_rate: float = 0.15
    furniture_seed: int | None = None
    furniture_breaks: int = 2
    mid_paragraph: bool = False
    crlf: bool = False


def apply_plan(text: str, plan: Plan) -> str:
    """Apply the plan's distortions in the order extraction would: wrap, spaces, blank lines,
    furniture, line endings. (Re-wrapping last would undo the extra spaces and blank lines.)"""
    if plan.width is not None:
        text = rewrap(text, plan.width)
    if plan.spaces_seed is not None:
        text = add_spaces(text, plan.spaces_seed, plan.spaces_rate)
    if plan.blank_seed is not None:
        text = add_blank_lines(text, plan.blank_seed, plan.blank_rate)
    if plan.furniture_seed is not None:
        text = add_page_furniture(
            text, plan.furniture_seed, plan.furniture_breaks, mid_paragraph=plan.mid_paragraph
        )
    if plan.crlf:
        text = to_crlf(text)
    return text


_SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def plans(draw: st.DrawFn, mid_paragraph: bool = False) -> Plan:
    """Any subset of the distortions with random parameters (widths 40..120).

    ``mid_paragraph`` lets page breaks fall between two lines of a paragraph as well.
    """
    return Plan(
        width=draw(st.none() | st.integers(40, 120)),
        spaces_seed=draw(st.none() | _SEEDS),
        spaces_rate=draw(st.sampled_from((0.05, 0.1, 0.3))),
        blank_seed=draw(st.none() | _SEEDS),
        blank_rate=draw(st.sampled_from((0.05, 0.15, 0.4))),
        furniture_seed=draw(st.none() | _SEEDS),
        furniture_breaks=draw(st.integers(1, 4)),
        mid_paragraph=mid_paragraph and draw(st.booleans()),
        crlf=draw(st.booleans()),
    )


def distorted_letters(text: str, mid_paragraph: bool = False) -> st.SearchStrategy[str]:
    """Strategy: ``text`` after any subset of the distortions (see :func:`plans`).

    Draw plans with :func:`plans` and apply them with :func:`apply_plan` instead when the test
    needs to know which distortions were applied.
    """
    return plans(mid_paragraph=mid_paragraph).map(partial(apply_plan, text))
