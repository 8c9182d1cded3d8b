"""Parse the text of an IMR final determination letter into a `Determination`.

The parser works by structure, not by the wording of particular letters: it finds the section
headings and, for every disputed item, the anchors every letter of a format shares (a decision
line, the claims administrator's guideline, the IMR reviewer's guideline, the rationale). Three
formats are known:

* the common one (`Norco 10/325 #60: Upheld`, `MAXIMUS guideline:`, `Decision rationale:`);
* the early one (`1. Norco ... is not medically necessary and appropriate.`, `The Physician
  Reviewer based his/her decision on ...`, `Rationale for the Decision:`);
* the 2013 layout (`INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE`), which states the
  decisions in a numbered list near the top (`1) MAXIMUS Federal Services, Inc. has determined
  the request for ... is not medically necessary and appropriate.`), then the reviewer's
  qualifications, `Case Summary:`, `Documents Reviewed for Determination:` and, per item,
  `1) Regarding the request for ...:`, label lines ending in `Used:`, the two guidelines and
  `Rationale for the Decision:`. An item takes the decision its number has in the list (the
  last list, when it is given twice), else the one its rationale closes with (`The request for
  ... is not medically necessary ...`).

All regular expressions tolerate the whitespace PDF extraction inserts (re-wrapped lines, blank
lines, double spaces, CRLF), and every span points into the original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal, NamedTuple

import yaml

from imr_rules.dates import DateMatch, find_dates, first_date
from imr_rules.errors import LetterError
from imr_rules.models import (
    Citation,
    Decision,
    Determination,
    Item,
    KeyDates,
    Patient,
    Reviewer,
    Span,
    TextBlock,
    make_model,
    make_text_block,
)
from imr_rules.textmatch import Twin, lower, starts_word

_I = re.IGNORECASE
_W = r"\s+"  # any run of whitespace, line breaks included


def _words(phrase: str) -> str:
    """A regex for `phrase` whose words may be separated by any whitespace."""
    return _W.join(re.escape(w) for w in phrase.split())


SUMMARY_HEADING = re.compile(_words("CLINICAL CASE SUMMARY"), _I)
ITEMS_HEADING = re.compile(r"IMR\s+ISSUES\s*,?\s+DECISIONS\s*,?\s+AND\s+RATIONALES?", _I)
# Possessive `++`: what follows a word never starts with a word character, nor a space with a
# space, so giving characters back cannot help; at every "The" `re` then gives up sooner.
SUMMARY_PREAMBLE = re.compile(
    r"The\s++(?:\w++\s++){0,3}?reviewer\s+developed\s+the\s+following\s+clinical\s+case\s+"
    r"summary[^:]{0,200}?:", _I,
)
ITEMS_PREAMBLE = re.compile(
    r"The\s+Final\s+Determination\s+was\s+based\s+on\s+decisions\s+for\s+the\s+disputed\s+"
    r"items\s*/?\s*services[^:]{0,80}?:", _I,
)


class _Anchor:
    """A label every item of a letter has ("Decision rationale:"), found in lower-cased text.

    Each of its wordings is a pattern of its own that begins with a literal word, so `re` can
    skip ahead to that word (an alternation of words gives it only a set of first letters to
    look for); within an item's few lines it is tried only where `str.find` finds the word,
    which saves the search calls. An optional lead-in ("The Physician Reviewer's ") is matched
    backwards from there. The wordings never match empty text, nor overlap one another, so
    merging their matches gives the matches of their alternation.
    """

    def __init__(self, forward: tuple[str, ...], lead_in: str | None = None) -> None:
        self.forward = tuple((re.compile(f), _first_word(f)) for f in forward)
        self.lead_in = re.compile(f"(?:{lead_in})\\Z") if lead_in else None

    def _start(self, low: str, start: int) -> int:
        if self.lead_in is not None:
            lead = self.lead_in.search(low, max(0, start - 60), start)
            if lead:
                return lead.start()
        return start

    def findall(self, low: str, lo: int) -> list[tuple[int, int]]:
        """(start, end) of every match from `lo` on, in order."""
        # Over the whole text `re` skips ahead to each wording's first word about as fast as
        # `str.find`, without a call per candidate.
        found = sorted(m.span() for pattern, _ in self.forward for m in pattern.finditer(low, lo))
        return [(self._start(low, a), b) for a, b in found]

    def search(self, low: str, lo: int, hi: int) -> tuple[int, int] | None:
        """(start, end) of the first match in `low[lo:hi]`, or None."""
        first = None
        for pattern, word in self.forward:
            m = _first_word_match(pattern, word, low, lo, hi)
            if m is not None and (first is None or m.start() < first.start()):
                first = m  # the first wording's on a tie, as in `|`
        return None if first is None else (self._start(low, first.start()), first.end())


def _first_word(pattern: str) -> str:
    """The literal word a pattern begins with."""
    word = re.match(r"[a-z]+", pattern)
    assert word is not None, pattern
    return word.group()


def _first_word_match(pattern: re.Pattern[str], word: str, low: str, lo: int, hi: int,
                      ) -> re.Match[str] | None:
    """`pattern.search(low, lo, hi)` for a pattern that begins with the literal `word` and
    has no look-behind: tried only where `word` stands."""
    at = low.find(word, lo, hi)
    while at >= 0:
        m = pattern.match(low, at, hi)
        if m is not None:
            return m
        at = low.find(word, at + 1, hi)
    return None


CA_ANCHOR = _Anchor((r"claims\s+administrator\s+(?:guideline\s*:|based\s+its\s+decision\s+on)",),
                    lead_in=r"the\s+")
IMR_ANCHOR = _Anchor(
    (r"maximus\s+guideline\s*:",
     r"reviewer\s+based\s+(?:his\s*/\s*her|his|her|their)\s+decision\s+on"),
    lead_in=r"the\s+(?:physician|expert|independent\s+medical)\s+")
RATIONALE_ANCHOR = _Anchor(
    (r"decision\s+rationale\s*:", r"rationale\s+for\s+the\s+decision\s*:"),
    lead_in=r"the\s+(?:physician|expert|independent\s+medical)\s+reviewer'?s\s+")
DECISION_LINE = re.compile(
    r"^\s*(?P<req>\S.*?)\s*:\s*(?P<word>[A-Za-z][A-Za-z ]{0,30}?)\s*\.?\s*$")
# A decision word alone on its line: the request line above it, ending in ':', wrapped.
DECISION_WORD_LINE = re.compile(r"^\s*(?P<word>upheld|overturned)\s*\.?\s*$", re.IGNORECASE)
EARLY_DECISION = re.compile(
    r"[ \t]*(?:\d{1,2}\s*[.)]\s*)?(?P<req>\S.*?)\s+(?:is|are|was|were)\s+"
    r"(?P<neg>not\s*)?medically\s+necessary(?:\s+(?:and|or)\s+appropriate)?\s*\.?\s*\Z",
    re.IGNORECASE | re.DOTALL,
)
FURNITURE_LINE = re.compile(
    r"^\s*(?:\f\s*)?(?:"
    r"Page\s+\d+\s+(?:of\s+\d+)?|"
    r"(?:Final\s+Determination\s+Letter\s+for\s+)?IMR\s+Case\s+(?:Number|No\.?|#)?\s*:?\s*"
    r"CM\d{2}-\d{4,}.*|"
    r"CM\d{2}-\d{4,}\s*\d{0,3}"
    r")?\s*$",
    _I,
)
_FURNITURE_BODY = (
    r"[ \t]*(?:\f[ \t]*)?(?:Page\s+\d+\s+of\s+\d+|(?:Final\s+Determination\s+Letter\s+for\s+)?"
    r"IMR\s+Case\s+(?:Number|No\.?|#)?\s*:?\s*CM\d{2}-\d{4,}[^\n]*|CM\d{2}-\d{4,}[ \t]*\d{0,3}|\f)"
    r"[ \t\r]*$")
_FURNITURE_ANYWHERE = re.compile("^" + _FURNITURE_BODY, re.IGNORECASE | re.MULTILINE)
# The same lines found from the newline before them: a pattern that starts with a literal lets
# `re` skip ahead to it instead of trying every position for a line start. The look-ahead
# turns most lines away at once: furniture starts with a "\f" or a P, F, I or C.
_FURNITURE_AFTER_NEWLINE = re.compile(r"\n(?=[ \t]*+[pfic\f])(" + _FURNITURE_BODY + ")",
                                      re.IGNORECASE | re.MULTILINE)
SENTENCE_END = ".:;!?)\"'\u201d"

UPHELD_WORDS = {"upheld": "upheld", "uphold": "upheld", "overturned": "overturned",
                "overturn": "overturned"}


def _last_content_lines(text: str, start: int, end: int, count: int) -> list[slice]:
    """The last `count` lines of `text[start:end]` that are neither blank nor page furniture
    (all of them when there are fewer), in order, each as the slice of `text` it spans (its
    content, without the newline: `text[line]` is the line). Read from the end: the segment
    before a decision line can hold a whole rationale, of which only the last lines matter."""
    # (A `slice`, made in C, costs a fraction of a named tuple's Python-level constructor.)
    found: list[slice] = []
    stop = end
    while len(found) < count:
        # Blank lines are passed over at once: the last one with content holds the last
        # non-whitespace character.
        last = start + len(text[start:stop].rstrip())
        if last == start:
            break
        nl = text.rfind("\n", start, last)
        line_start = start if nl < 0 else nl + 1
        line_end = text.find("\n", last, stop)
        line_end = stop if line_end < 0 else line_end
        if not _is_furniture(text, line_start, line_end):
            found.append(slice(line_start, line_end))
        if nl < 0:
            break
        stop = nl
    found.reverse()
    return found


# The letters furniture starts with ("Page", "Final", "IMR", "CM"), as `FURNITURE_LINE` matches
# them (IGNORECASE also folds the Turkish dotted and dotless i to an i).
_FURNITURE_INITIALS = frozenset("CFIPcfip\u0130\u0131")


def _is_furniture(text: str, start: int, end: int) -> bool:
    """Whether the line `text[start:end]`, which is not blank, is page furniture ("Page 2 of
    5", a running footer)."""
    # Such a line starts with one of the initials (after any whitespace) and names a page or a
    # case number ("CM15-..."): most lines are told apart without running the pattern, and
    # without copying the line when its first character rules it out.
    first = text[start]
    if first not in _FURNITURE_INITIALS and not first.isspace():
        return False
    line = text[start:end]
    low = line.lower()
    return ("page" in low or "cm" in low) and FURNITURE_LINE.match(line) is not None


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """`[start, end)` without surrounding whitespace and page furniture lines."""
    while True:
        start = end - len(text[start:end].lstrip())
        line_end = text.find("\n", start, end)
        line_end = end if line_end == -1 else line_end
        if line_end < end and _is_furniture(text, start, line_end):
            start = line_end
            continue
        break
    while True:
        end = start + len(text[start:end].rstrip())
        line_start = text.rfind("\n", start, end) + 1
        if line_start > start and _is_furniture(text, line_start, end):
            end = line_start
            continue
        return start, end


def _text_block(text: str, start: int, end: int) -> TextBlock:
    """The `TextBlock` of `text[start:end]` (no validation: its values are valid as made)."""
    return make_text_block(text[start:end], start, end)


def _block(text: str, start: int, end: int) -> TextBlock:
    return _text_block(text, *_trimmed(text, start, end))


def blank_furniture(text: str) -> str:
    """`text` with page furniture lines ("Page 2 of 5", running footers) turned into spaces.

    The length and every offset stay the same, so spans found in the result point into the
    original text; extraction reads this so that a footer never splits a sentence.
    """
    return _blanked(text, _furniture_spans(text))


def _furniture_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` has page furniture lines, in order (what `blank_furniture` blanks)."""
    if "Page" not in text and "CM" not in text and "\f" not in text:
        return []
    # As `_FURNITURE_ANYWHERE.sub` would find them: the first line, then every line after a
    # newline from where the last match ended (a match never ends with a newline).
    spans: list[tuple[int, int]] = []
    first = _FURNITURE_ANYWHERE.match(text)
    if first:
        spans.append(first.span())
    spans += [m.span(1) for m in _FURNITURE_AFTER_NEWLINE.finditer(text, first.end() if first
                                                                    else 0)]
    return spans


def _blanked(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the characters of `spans` (in order, not overlapping) turned into spaces;
    `text` itself when there are none."""
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for start, end in spans:
        parts += (text[last:start], " " * (end - start))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def line_of(text: str, offset: int) -> int:
    """The 1-based line number of character `offset`."""
    return text.count("\n", 0, offset) + 1


# --- decoding (the I/O edge calls this) -------------------------------------------------------

def decode_letter(data: bytes, source: str) -> str:
    """The text of a letter file, or a LetterError saying why it is not one."""
    if not data.strip():
        raise LetterError("empty file", file=source, hint="expected the text of an IMR letter")
    sample = data[:4096]
    if b"\x00" in sample or sample.startswith(b"%PDF"):
        raise LetterError("binary file, not letter text", file=source,
                          hint="extract the PDF's text first, e.g. `pdftotext -layout`")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 40:
        raise LetterError("binary file, not letter text", file=source,
                          hint="extract the PDF's text first, e.g. `pdftotext -layout`")
    return text.lstrip("\ufeff")


# --- items ------------------------------------------------------------------------------------

class _Header(NamedTuple):
    request: tuple[int, int]
    # None: an item of the 2013 layout ("1) Regarding the request for ...:"), decided once the
    # whole letter is read (`_decide_2013`), its `decision_span` then set too.
    decision: Decision | None
    decision_span: tuple[int, int]
    start: int  # where the item begins (its header)
    number: int | None = None  # the item's number as its 2013 header writes it ("2) ...")


def _decision_word(word: str) -> Decision | None:
    return UPHELD_WORDS.get(word.strip().lower())  # type: ignore[return-value]


def _wraps_onto(text: str, line: slice, lo: int) -> bool:
    """Whether a request may continue from `line` onto the next: it does not end a sentence
    and lies after `lo`."""
    prev = text[line].rstrip()
    return bool(prev) and prev[-1] not in SENTENCE_END and line.stop > lo


def _find_header(text: str, lo: int, hi: int, item_no: int, source: str) -> _Header:
    """The decision line that ends the segment `text[lo:hi]` (the last non-blank line(s))."""
    lines = _last_content_lines(text, lo, hi, 4)  # a wrapped header has at most 4
    if not lines:
        raise LetterError(f"item {item_no}: no decision line before its guideline and rationale",
                          file=source, line=line_of(text, hi),
                          hint="each item needs a line '<request>: Upheld' or '...: Overturned'")
    last = lines[-1]
    last_text = text[last]
    alone = DECISION_WORD_LINE.match(last_text)
    if alone and len(lines) > 1 and text[lines[-2]].rstrip().endswith(":"):
        above = lines[-2]
        colon = text.rindex(":", above.start, above.stop)
        req_start, req_end = _trimmed(text, above.start, colon)
        decision_word = _decision_word(alone.group("word"))
        assert decision_word is not None
        return _Header((req_start, req_end), decision_word,
                       (last.start + alone.start("word"), last.start + alone.end("word")),
                       req_start)
    m = DECISION_LINE.match(last_text)
    if m:
        decision = _decision_word(m.group("word"))
        if decision is None:
            # "...Evidence Used: The" before a page break: a 2013 item's label line.
            regarding = _regarding_header(text, lo, hi, item_no, source)
            if regarding is not None:
                return regarding
            raise LetterError(
                f"item {item_no}: decision '{m.group('word').strip()}' is not Upheld or Overturned",
                file=source, line=line_of(text, last.start),
                hint="fix the decision word or remove the item",
            )
        req_start = last.start + m.start("req")
        req_end = last.start + m.end("req")
        # A long request may wrap: earlier lines that do not end a sentence belong to it.
        first = len(lines) - 1
        while first > 0 and len(lines) - first <= 3 and _wraps_onto(text, lines[first - 1], lo):
            first -= 1
        if first < len(lines) - 1:
            req_start = lines[first].start
        req_start, req_end = _trimmed(text, req_start, req_end)
        word_start = last.start + m.start("word")
        return _Header((req_start, req_end), decision, (word_start, last.start + m.end("word")),
                       req_start)
    # The early format: "1. Norco 10/325mg #120 is not medically necessary and appropriate."
    # The header may wrap: it starts at the latest line that is numbered or follows a sentence.
    for k in range(len(lines) - 1, max(-1, len(lines) - 4), -1):
        early = EARLY_DECISION.match(text, lines[k].start, lines[-1].stop)
        if not early:
            continue
        prev = text[lines[k - 1]].rstrip() if k > 0 else ""
        numbered = re.match(r"\s*\d{1,2}\s*[.)]", text[lines[k]]) is not None
        if not (numbered or not prev or prev[-1] in SENTENCE_END):
            continue
        req_start, req_end = _trimmed(text, early.start("req"), early.end("req"))
        early_decision: Decision = "upheld" if early.group("neg") else "overturned"
        return _Header((req_start, req_end), early_decision,
                       _trimmed(text, early.end("req"), early.end()), req_start)
    # The 2013 layout: "1) Regarding the request for ...:", its decision stated elsewhere.
    regarding = _regarding_header(text, lo, hi, item_no, source)
    if regarding is not None:
        return regarding
    raise LetterError(
        f"item {item_no}: '{last_text.strip()[:60]}' is not a decision line",
        file=source, line=line_of(text, last.start),
        hint="expected '<request>: Upheld', '<request>: Overturned', '1. <request> is [not] "
             "medically necessary ...' or '1) Regarding the request for <request>:'",
    )


def _item_anchors(low: str, lo: int) -> list[tuple[int, int]]:
    """(start, end) of every rationale anchor from `lo` on (in the lower-cased text)."""
    return RATIONALE_ANCHOR.findall(low, lo)


# --- the 2013 layout ------------------------------------------------------------------------------
#
# The earliest letters state every decision in a numbered list near the top ("1) MAXIMUS Federal
# Services, Inc. has determined the request for <request> is [not] medically necessary and
# appropriate."; the list may stand twice) and give each item a section further down: "1)
# Regarding the request for <request>:", label lines ("Medical Treatment Guideline or Medical
# Evidence Used:"), the claims administrator's and the reviewer's guidelines, "Rationale for the
# Decision:", the rationale. The patterns below read lower-cased text and each begins with a
# literal word; they run only once a header of the other formats is not found, so letters of
# those never reach them.

_REGARDING = re.compile(r"regarding\s+the\s+request\s+for\s+")
# The item's number before "Regarding", matched backwards (as `_Anchor` matches a lead-in).
_NUMBER_BEFORE = re.compile(r"(?<![\w.])(?P<n>\d{1,2})\s*[.)]\s*\Z")
_ARTICLE = re.compile(r"(?:a|an|the)\s+")
# A decision of the list; the request stops at the first "is [not] medically necessary" and never
# runs into the next decision or over a colon. "notmedically": PDF extraction loses the space.
_DETERMINED = re.compile(
    r"determined\s+(?:that\s+)?the\s+request\s+for\s+"
    r"(?P<req>\S(?:(?!determined\s)[^:]){0,400}?)\s+(?:is|are)\s+(?P<neg>not\s*)?"
    r"(?P<nec>medically\s*necessary)")
_DETERMINED_NUMBER = re.compile(r"(?<![\w.])(?P<n>\d{1,2})\s*[.)]\s*maximus\b[^\d:]{0,60}?\Z")
_CASE_SUMMARY = re.compile(r"case\s+summary\s*:")
_DOCUMENTS_REVIEWED = re.compile(
    r"documents\s+reviewed(?:\s+for\s+(?:the\s+)?determination)?\s*:")
_HEADING_2013 = re.compile(r"independent\s+medical\s+review\s+decisions?\s+and\s+rationales?")
# The rationale's closing "The request for <request> is [not] medically necessary ...", found
# from its "medically".
_CLOSING = re.compile(
    r"(?P<nec>medically\s*necessary)(?:\s+(?:and|or)\s+appropriate)?\s*(?:\.|\Z)")
_IS_BEFORE = re.compile(r"(?<!\w)(?:is|are)\s+(?P<neg>not\s*)?\Z")


class _Stated(NamedTuple):
    """A decision as the 2013 layout states it: in its decision list or a closing sentence."""

    number: int | None  # the list's number ("2) MAXIMUS ..."), when written
    request: tuple[int, int]
    decision: Decision
    span: tuple[int, int]  # the "[not] medically necessary" words


def _without_article(low: str, start: int, end: int) -> int:
    """`start`, past a leading "a", "an" or "the" of the request `low[start:end]`."""
    article = _ARTICLE.match(low, start, end)
    return article.end() if article and article.end() < end else start


def _label_lines(flat: str) -> bool:
    """Whether `flat` (lower case, single spaces) is empty or label lines that each end with
    "used:" ("Medical Treatment Guideline or Medical Evidence Used:", "Medical Treatment
    Utilization Schedule (MTUS) Citation Used:", glued as "EvidenceUsed:" too)."""
    if not flat:
        return True
    labels = flat.split(":")
    return labels[-1] == "" and all(label.rstrip().endswith("used") for label in labels[:-1])


def _regarding_header(text: str, lo: int, hi: int, item_no: int, source: str) -> _Header | None:
    """The 2013 layout's item header that ends `text[lo:hi]` ("2) Regarding the request for
    <request>:" and the label lines after it), its decision left to `_decide_2013`; None when
    the segment's end has no "Regarding the request for"."""
    floor = max(lo, hi - 2000)  # a header and its labels take a few lines
    segment = text[floor:hi]
    # Furniture blanked: a running footer ("IMR Case No.: CM13-...") has a colon of its own.
    low = lower(_blanked(segment, _furniture_spans(segment)))
    at = low.rfind("regarding")
    while at >= 0 and not (_REGARDING.match(low, at) and starts_word(low, at)):
        at = low.rfind("regarding", 0, at)
    if at < 0:
        return None
    after = _REGARDING.match(low, at)
    assert after is not None
    # The request ends at the first colon after which only label lines stand, never after one
    # that ends a line (a colon inside the request, "Lidoderm 5%: 30 patches:", stands
    # mid-line); with no colon at all, it runs up to the guidelines.
    colon = low.find(":", after.end())
    while colon >= 0 and not _label_lines(" ".join(low[colon + 1:].split())):
        next_colon = low.find(":", colon + 1)
        line_end = low.find("\n", colon)
        if next_colon < 0 or not low[colon + 1:line_end if line_end >= 0 else len(low)].strip():
            where = hi - len(text[floor + colon + 1:hi].lstrip())  # the words after the colon
            label = text[where:hi].split("\n", 1)[0].strip()[:60]
            raise LetterError(
                f"item {item_no}: '{label}' after its 'Regarding the request for ...:' is not a "
                "label line ending in 'Used:'",
                file=source, line=line_of(text, where),
                hint="between an item's header and its guidelines only lines such as 'Medical "
                     "Treatment Guideline or Medical Evidence Used:' may stand")
        colon = next_colon
    req_start, req_end = _trimmed(text, floor + after.end(), floor + colon if colon >= 0 else hi)
    req_start = floor + _without_article(low, req_start - floor, req_end - floor)
    if req_start >= req_end:
        raise LetterError(f"item {item_no}: 'Regarding the request for' names no request",
                          file=source, line=line_of(text, floor + at),
                          hint="expected '1) Regarding the request for <request>:'")
    number = _NUMBER_BEFORE.search(low, max(0, at - 40), at)
    start = floor + (number.start() if number else at)
    return _Header((req_start, req_end), None, (start, start), start,
                   int(number.group("n")) if number else None)


def _decision_list(text: str, low: str, hi: int) -> list[_Stated]:
    """The decisions the letter lists before `hi` ("1) MAXIMUS Federal Services, Inc. has
    determined the request for ... is not medically necessary and appropriate."); of a list
    given twice, the last. `low`: the text lower-cased, furniture blanked."""
    stated: list[_Stated] = []
    for m in _DETERMINED.finditer(low, 0, hi):
        lead = _DETERMINED_NUMBER.search(low, max(0, m.start() - 90), m.start())
        number = int(lead.group("n")) if lead else None
        req_start, req_end = _trimmed(text, m.start("req"), m.end("req"))
        req_start = _without_article(low, req_start, req_end)
        neg = m.group("neg")
        entry = _Stated(number, (req_start, req_end), "upheld" if neg else "overturned",
                        (m.start("neg") if neg else m.start("nec"), m.end("nec")))
        if stated and (
                (number is not None and stated[-1].number is not None
                 and number <= stated[-1].number)
                or (number is None and _request_key(low, entry.request)
                    == _request_key(low, stated[0].request))):
            stated = []  # the list again: a number counts down, or its first request recurs
        stated.append(entry)
    return stated


def _request_key(low: str, request: tuple[int, int]) -> str:
    """A request's letters and digits: equal for the same request wrapped or glued otherwise."""
    return "".join(filter(str.isalnum, low[request[0]:request[1]]))


def _closing_decision(text: str, low: str, lo: int, hi: int) -> _Stated | None:
    """The decision the rationale `text[lo:hi]` closes with: its last sentence about the request
    that ends "is [not] medically necessary [and appropriate]."."""
    lo, hi = _trimmed(text, lo, hi)
    at = low.rfind("medically", lo, hi)
    while at >= 0:
        m = _CLOSING.match(low, at, hi)
        verb = _IS_BEFORE.search(low, max(lo, at - 80), at) if m else None
        if m and verb:
            stops = list(_SENTENCE_STOP.finditer(text, max(lo, at - 600), verb.start()))
            if "request" in low[stops[-1].end() if stops else max(lo, at - 600):verb.start()]:
                neg = verb.group("neg")
                return _Stated(None, (lo, lo), "upheld" if neg else "overturned",
                               (verb.start("neg") if neg else at, m.end("nec")))
        at = low.rfind("medically", lo, at)
    return None


def _decide_2013(text: str, low: str, headers: list[_Header],
                 anchors: list[tuple[int, int]], list_end: int, source: str) -> list[_Header]:
    """`headers` with the decision of every 2013 item: the decision its number has in the
    letter's list; else the one its rationale closes with. `low`: the text lower-cased,
    furniture blanked; the list stands before `list_end`.

    When the list and the items differ in number, a list entry counts only if it names the
    item's request (a lost line or section has shifted nothing then)."""
    stated = _decision_list(text, low, list_end)
    numbered = {s.number: s for s in stated if s.number is not None}
    same_count = len(stated) == len(headers)
    decided: list[_Header] = []
    for k, header in enumerate(headers):
        if header.decision is not None:
            decided.append(header)
            continue
        number = header.number if header.number is not None else k + 1
        entry: _Stated | None = (numbered.get(number) if numbered else
                                 stated[number - 1] if 0 < number <= len(stated) else None)
        other: _Stated | None = None
        if entry is not None and not same_count and (
                _request_key(low, entry.request) != _request_key(low, header.request)):
            other, entry = entry, None
        if entry is None:
            entry = _closing_decision(text, low, anchors[k][1], headers[k + 1].start
                                      if k + 1 < len(headers) else len(text))
        if entry is None:
            request = " ".join(text[header.request[0]:header.request[1]].split())[:60]
            why = (f"the list's decision {number} is for '"
                   f"{' '.join(text[other.request[0]:other.request[1]].split())[:60]}'"
                   if other is not None else
                   f"no '{number}) MAXIMUS Federal Services, Inc. has determined the request "
                   "for ...' line")
            raise LetterError(
                f"item {k + 1}: no decision for '{request}': {why}, and its rationale does not "
                "close with 'The request for ... is [not] medically necessary'",
                file=source, line=line_of(text, header.start),
                hint="check that the letter text is complete: its decision list, the item's "
                     "rationale")
        decided.append(header._replace(decision=entry.decision, decision_span=entry.span))
    return decided


# --- citations ----------------------------------------------------------------------------------

_PAGES = re.compile(
    r"\bPages?\s*(?:\(\s*s\s*\))?\s*:?\s*(?P<list>\d{1,3}(?:\s*(?:[-\u2013]|to)\s*\d{1,3})?"
    r"(?:\s*(?:,|;|and|&)\s*\d{1,3}(?:\s*(?:[-\u2013]|to)\s*\d{1,3})?)*)", _I,
)
_PAGE_ITEM = re.compile(r"(\d{1,3})(?:\s*(?:[-\u2013]|to)\s*(\d{1,3}))?")
_SECTIONS = re.compile(r"\bSections?\s*(?:\(\s*s\s*\))?\s*:\s*(?P<list>.+?)(?=\s*\.\s*$|\Z)",
                       re.IGNORECASE | re.DOTALL)
# `\d\d*`, not `\d+`: a first digit outside any repeat lets `re` skip ahead to digits.
_EDITION = re.compile(
    r"(\d\d*)\s*(?:st|nd|rd|th)\s+Ed(?:ition|\.)?\s*,?\s*\(?\s*((?:19|20)\d{2})?", _I)
_CHAPTER = re.compile(r"\bCh(?:apter|\.)\s*(\d{1,2})\b", _I)
_NON_MTUS = re.compile(r"Non-?\s*MTUS|did\s+not\s+base\s+(?:his|her|their|his/her)\s+decision\s+"
                       r"on\s+the\s+MTUS", _I)
_NO_EVIDENCE = re.compile(r"did\s+not\s+cite\s+any\s+(?:medical\s+)?evidence", _I)
# The name alone: a "MTUS", "California" or "(ACOEM)" before it would not change which name
# is found or where it ends, and an optional start makes `re` try every position.
_GUIDELINE_NAME = re.compile(
    r"Chronic\s+Pain\s+(?:Medical\s+)?Treatment\s+Guidelines?|"
    r"Chronic\s+Pain\s+Medical\s+Treatment(?:\s+Guidelines?)?|"
    r"Postsurgical\s+Treatment\s+Guidelines?|Acupuncture\s+Medical\s+Treatment\s+Guidelines?|"
    r"Official\s+Disability\s+Guidelines?|"
    r"American\s+College\s+of\s+Occupational\s+and\s+Environmental\s+Medicine", _I,
)
_LEAD = re.compile(
    r"^\s*(?:Decision\s+based\s+on\s+)?(?:Non-?\s*MTUS\s+Citation\s+)?(?:the\s+)?"
    r"(?:MTUS|CA\s+MTUS|California\s+MTUS)?\s*(?:\(\s*[\w\s]*\)\s*)?"
    r"(?:Chronic\s+Pain\s+(?:Medical\s+)?Treatment(?:\s+Guidelines?)?)?\s*(?:\(?(?:19|20)\d{2}\)?)?"
    r"\s*,?\s*", _I,
)
_PART_OF_MTUS = re.compile(r",?\s*which\s+(?:is|are)\s+(?:a\s+)?part\s+of\s+the\s+MTUS.*$", _I)
_LEADING_YEAR = re.compile(r"^\s*(?:\(\s*(?:19|20)\d{2}\s*\)|(?:19|20)\d{2})")
_LIST_SEPARATOR = re.compile(r"\s*[;,]\s*")
# `\b2009\b` with the leading boundary checked behind the year: a pattern that starts with
# the literal lets `re` skip ahead to it (`\b` first, it is tried at every position).
_YEAR_2009 = re.compile(r"2009(?<!\w2009)\b")
# Fast twins (lower-cased ASCII text) of the patterns read from a citation.
_PAGES_T = Twin(_PAGES)
_SECTIONS_T = Twin(_SECTIONS)
_EDITION_T = Twin(_EDITION)
_CHAPTER_T = Twin(_CHAPTER)
_NON_MTUS_T = Twin(_NON_MTUS)
_NO_EVIDENCE_T = Twin(_NO_EVIDENCE)
_GUIDELINE_NAME_T = Twin(_GUIDELINE_NAME)


@lru_cache(maxsize=1)
def _section_titles() -> dict[str, str]:
    """Known guideline section titles (lower-case key → title), used to split section lists."""
    path = Path(__file__).with_name("lexicons") / "sections.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {" ".join(t.lower().split()): t for t in data.get("sections", [])}


def _split_sections(listing: str) -> list[str]:
    """Split 'Opioids, criteria for use, Opioids for chronic pain' into its section titles.

    Titles contain commas, so pieces are merged back: a piece that starts in lower case
    continues the title before it, and known titles (lexicons/sections.yaml) are kept whole.
    """
    flat = " ".join(listing.split())
    if "," not in flat and ";" not in flat:  # one piece: the title itself
        return [flat] if flat else []
    pieces = [p.strip() for p in _LIST_SEPARATOR.split(flat) if p.strip()]
    known = _section_titles()
    titles: list[str] = []
    i = 0
    while i < len(pieces):
        best = i
        for j in range(min(len(pieces), i + 4) - 1, i, -1):
            if ", ".join(pieces[i:j + 1]).lower() in known:
                best = j
                break
        title = ", ".join(pieces[i:best + 1])
        i = best + 1
        while (best == i - 1 and i < len(pieces) and pieces[i][:1].islower()
               and title.lower() not in known):
            title = f"{title}, {pieces[i]}"
            i += 1
        titles.append(title)
    return titles


def _pages(text: str, low: str | None) -> tuple[list[str], tuple[int, int] | None]:
    pages: list[str] = []
    where: tuple[int, int] | None = None
    if low is not None and "page" not in low:
        return pages, where
    for m in _PAGES_T.finditer(text, low, 0, len(text)):
        where = where or (m.start(), m.end())
        # From `text`, not the lower-cased copy: "to" joins a range, "TO" does not.
        for a, b in _PAGE_ITEM.findall(text, m.start("list"), m.end("list")):
            pages.append(f"{a}-{b}" if b else a)
    return pages, where


def parse_citation(text: str, span: Span | None) -> Citation:
    """The guideline a 'MAXIMUS guideline' (or 'Reviewer based ... decision on') text cites."""
    flat = " ".join(blank_furniture(text).split())
    low = flat.lower() if flat.isascii() else None  # the patterns' fast twins read it
    n = len(flat)
    name_match = _GUIDELINE_NAME_T.search(flat, low, 0, n)
    if not flat or (not name_match and _NO_EVIDENCE_T.search(flat, low, 0, n)
                    and "MTUS" not in flat.upper().replace("NON-MTUS", "")):
        return make_model(Citation, source="none", mtus_based=False, text=text, span=span)
    # Quick tests first, on ASCII text (whitespace in `flat` is single spaces): every match of
    # `_NON_MTUS` holds a "non" or a "did", every match of `_EDITION` a " ed".
    non_mtus = ((low is None or "non" in low or "did" in low)
                and _NON_MTUS_T.search(flat, low, 0, n) is not None)
    upper = flat.upper()
    if "ACOEM" in upper or "AMERICAN COLLEGE OF OCCUPATIONAL" in upper:
        source = "ACOEM"
    elif "ODG" in upper or "OFFICIAL DISABILITY" in upper:
        source = "ODG"
    elif "MTUS" in upper or "CHRONIC PAIN MEDICAL TREATMENT" in upper:
        source = "MTUS"
    else:
        source = "other"
    mtus_based = not non_mtus and ("MTUS" in upper or "CHRONIC PAIN" in upper)
    if mtus_based and source in ("ACOEM", "ODG") and "CHRONIC PAIN" in upper:
        source = "MTUS"
    guideline = None
    if name_match:
        name = " ".join(flat[name_match.start():name_match.end()].split())
        if name.lower().startswith("chronic pain"):
            guideline = "Chronic Pain Medical Treatment Guidelines"
        elif name.lower().startswith("american college"):
            guideline = "ACOEM Practice Guidelines"
        else:
            guideline = name
    elif source == "ACOEM":
        guideline = "ACOEM Practice Guidelines"
    edition = None
    ed = _EDITION_T.search(flat, low, 0, n) if low is None or " ed" in low else None
    if ed:
        edition = f"{ed.group(1)}{_ordinal(int(ed.group(1)))} Edition" + (
            f" ({ed.group(2)})" if ed.group(2) else "")
    elif "2009" in flat and _YEAR_2009.search(flat):
        edition = "2009"
    # Every match of `_CHAPTER` holds a "chapter" or a "ch.", every match of `_PAGES` a "page",
    # every match of `_SECTIONS` a "section".
    chapter_match = (_CHAPTER_T.search(flat, low, 0, n)
                     if low is None or "chapter" in low or "ch." in low else None)
    chapter = chapter_match.group(1) if chapter_match else None
    pages, pages_at = _pages(flat, low)
    sections = _citation_sections(flat, low, pages_at, chapter_match, name_match)
    return make_model(Citation, source=source, mtus_based=mtus_based, guideline=guideline,
                      edition=edition, chapter=chapter, sections=sections, pages=pages,
                      text=text, span=span)


def _ordinal(n: int) -> str:
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _citation_sections(flat: str, low: str | None, pages_at: tuple[int, int] | None,
                       chapter: re.Match[str] | None, name: re.Match[str] | None) -> list[str]:
    """The sections `flat` cites; `name`: the guideline's name found in the whole of it."""
    explicit = (_SECTIONS_T.search(flat, low, 0, len(flat))
                if low is None or "section" in low else None)
    if explicit:
        listing = flat[explicit.start("list"):explicit.end("list")]
        listing = _PAGES.split(listing)[0] if _PAGES.search(listing) else listing
        return _split_sections(listing.strip(" .,;"))
    if chapter:
        # ACOEM: "..., Chapter 7, Independent Medical Examinations and Consultations, Page 127"
        after = flat[chapter.end():pages_at[0] if pages_at and pages_at[0] > chapter.end()
                     else len(flat)]
        title = after.strip(" ,.;:")
        return [title] if title else []
    # MTUS style: "Decision based on MTUS Chronic Pain Treatment Guidelines Epidural steroid
    # injections Page(s): 46." — the words between the guideline's name and the pages.
    limit = pages_at[0] if pages_at else len(flat)
    body = flat[:limit]
    if name and name.end() > limit:  # the name runs into the pages: look again before them
        name = _GUIDELINE_NAME_T.search(flat, low, 0, limit)
    body = body[name.end():] if name else _LEAD.sub("", body, count=1)
    # A quick test first: the pattern may start with a comma or a space, so `re` tries it at
    # every position.
    if not body.isascii() or "which" in body.lower():
        body = _PART_OF_MTUS.sub("", body)
    body = _LEADING_YEAR.sub("", body)
    body = body.strip(" ,.;:")
    return _split_sections(body) if body and not body.lower().startswith("page") else []


# --- the letter as a whole ------------------------------------------------------------------------

_REVIEWER_TITLE = re.compile(r"case\s+file\s+to\s+an?\s+(?P<title>(?:\w+\s+){0,2}?reviewer)", _I)
_BOARD = re.compile(
    r"Board\s+Certified\s+in\s+(?P<spec>[A-Z][^,.;]*?)"
    r"(?:\s*,\s*(?:and\s+)?(?:has\s+)?(?:a\s+)?sub-?\s*specialty\s+in\s+(?P<sub>[A-Z][^,.;]*?))?"
    r"(?=\s*(?:,|\.|;|\s+and\s+is\s+licensed|\s+and\s+(?:has|is)\b))", _I,
)
# Credential lines may wrap; each value runs to the next label or heading.
_CRED_END = (r"(?=\s*(?:State\s*\(?s?\)?\s+of\s+Licensure|Certification\s*\(?s?\)?\s*/|"
             r"CLINICAL\s+CASE|The\s+\w+\s+reviewer|\Z))")
_CRED_SPECIALTY = re.compile(
    r"Certification\s*\(?s?\)?\s*/\s*Specialty\s*:\s*(?P<spec>\S.{0,120}?)" + _CRED_END,
    re.IGNORECASE | re.DOTALL)
_CRED_STATES = re.compile(
    r"State\s*\(?s?\)?\s+of\s+Licensure\s*:\s*(?P<states>\S.{0,160}?)" + _CRED_END,
    re.IGNORECASE | re.DOTALL)
_LICENSED_IN = re.compile(r"licensed\s+to\s+practice\s+in\s+(?P<states>[A-Z][A-Za-z ,]+?)"
                          r"(?=\s*\.|\s+and\s+(?:has|is)\b)", _I)
# `\d\d{0,2}`, not `\d{1,3}`: a first digit outside any repeat lets `re` skip ahead to digits.
_AGE = re.compile(r"\b(?P<age>\d\d{0,2})\s*-?\s*(?:years?|yrs?|y/o|yo)\b(?:\s*-?\s*old)?", _I)
# "a male injured worker, age 44," / "aged 44": the age without "years"
_AGE_WORD = re.compile(r"\baged?\s*:?\s+(?P<age>\d\d{0,2})\b", _I)
_SEX = re.compile(r"\b(?P<sex>female|male|woman|man|gentleman|lady)\b", _I)
# The sex as a capital letter right after the age: "38 y/o M delivery driver", "34 yo F".
_SEX_AFTER_AGE = re.compile(r"\s*[-,]?\s*(?P<sex>[MF])\b(?!\.\w|/)")
# Each alternative starts at a word and with a literal letter: their fast twins then let `re`
# skip ahead to the letters that can start a match (a leading group or `\b` would make it try
# every position of the summary).
_INJURY = re.compile(
    r"\bdate\s+of\s+(?:the\s+)?(?:industrial\s+)?injury|\binjury\s+date|\bDOI\b|"
    r"\bindustrial(?:ly)?\s+injur(?:y|ed)|\bwas\s+injured|\bwere\s+injured|"
    r"\binjured\s+(?:on|at\s+work|(?:his|her|their|the)\s)|\bhurt\s+(?:his|her|their)\s|"
    r"\bdate\s+of\s+(?:the\s+)?(?:industrial\s+)?accident|"
    r"\bsustained\s+an?\s+(?:\w+\s+){0,3}?injury|\bsuffered\s+an?\s+(?:\w+\s+){0,3}?injury|"
    r"\breported\s+an?\s+(?:\w+\s+){0,3}?injury", _I,
)
# "request for authorization dated ...", "On 07-15-2014 the provider requested ...", "On 4/13/15
# the surgeon recommended a fusion and requested ..."
_RFA = re.compile(r"\brequest\s+for\s+authori[sz]ation|\bRFA\b|\b(?:provider|physician|doctor|"
                  r"surgeon|clinician|practitioner)\s+(?:has\s+|had\s+)?(?:requested|recommended)\b|"
                  r"\brequests?\s+(?:is\s+|are\s+|was\s+|were\s+)?dated\b|\b(?:was|were)\s+submitted\s+on\b|"
                  # "... and baclofen 10 mg #60 were requested on 12/19/13"
                  r"\b(?:was|were)\s+requested\s+on\b|"
                  # "The 02/20/2014 request is for an MRI": the date right before it
                  r"\brequests?\s+(?:is|was|are|were)\s+for\b", _I)
_UR = re.compile(r"\butili[sz]ation\s+review|\bUR\b|\bnon-?\s?certifi(?:ed|cation)\b", _I)
# How an injury happened ("was struck by a falling pallet on 03/19/2012", "fell from a ladder
# on 09/09/2009"): read only in the sentence that introduces the patient (with the age), where
# the date it tells is the injury's when no words name the date of injury.
_INJURY_EVENT = re.compile(
    r"\b(?:fell|slipped|tripped|struck|(?:was|were)\s+hit|lifting|lifted|carrying|pulling|"
    r"pushing|twisted|twisting|bending|reaching|accident|incident|collision|assaulted|crushed|"
    r"caught|rolled|ran\s+over|landed|dropped|pinned|rear-ended|jammed|strained|stepped|hurt|"
    r"injur(?:y|ies|ed))\b", _I)
# Fast twins (lower-cased ASCII text) of the patterns read from the summary and the header.
_TWINS = {p: Twin(p) for p in (_INJURY, _RFA, _UR, _INJURY_EVENT)}
_REVIEWER_TITLE_T = Twin(_REVIEWER_TITLE)
_CRED_SPECIALTY_T = Twin(_CRED_SPECIALTY)
_BOARD_T = Twin(_BOARD)
_CRED_STATES_T = Twin(_CRED_STATES)
_LICENSED_IN_T = Twin(_LICENSED_IN)
_ITEMS_HEADING_T = Twin(ITEMS_HEADING)
_SUMMARY_HEADING_T = Twin(SUMMARY_HEADING)
_ITEMS_PREAMBLE_T = Twin(ITEMS_PREAMBLE)
_SUMMARY_PREAMBLE_T = Twin(SUMMARY_PREAMBLE)
_AGE_T = Twin(_AGE)
_SEX_T = Twin(_SEX)
_AGE_WORD_T = Twin(_AGE_WORD)
# The full stop factored out of the alternatives: a literal first character lets `re` skip
# ahead to it.
_SENTENCE_STOP = re.compile(r"\.(?:\s+(?=[A-Z])|\s*$)", re.MULTILINE)


@lru_cache(maxsize=8)
def _non_space(count: int) -> re.Pattern[str]:
    return re.compile(r"(?:\s*\S){" + str(count) + "}")


def _after_chars(text: str, pos: int, count: int, limit: int) -> int:
    """The offset `count` non-whitespace characters after `pos` (whitespace varies in PDFs)."""
    m = _non_space(count).match(text, pos, limit)
    return m.end() if m else limit


def _sentence_end(text: str, pos: int, limit: int) -> int:
    m = _SENTENCE_STOP.search(text, pos, limit)
    return m.start() + 1 if m else limit


def _date_after(text: str, pattern: re.Pattern[str], lo: int, hi: int,
                window: int, low: str | None = None) -> DateMatch | None:
    """The first date in the sentence after a match of `pattern` (within `window` chars).
    `low`: the text lower-cased, when it is ASCII (the pattern then runs as its `Twin`)."""
    return next(_dates_told(text, pattern, lo, hi, window, low), None)


def _latest_date_told(text: str, pattern: re.Pattern[str], lo: int, hi: int,
                      window: int, low: str | None = None, not_after: date | None = None,
                      ) -> DateMatch | None:
    """Of the dates `_dates_told` gives (those not after `not_after`, when there are any), the
    latest (the first of equal ones)."""
    latest = later = None
    for found in _dates_told(text, pattern, lo, hi, window, low):
        if not_after is not None and found.value > not_after:
            later = later or found
        elif latest is None or found.value > latest.value:
            latest = found
    return latest or later


def _dates_told(text: str, pattern: re.Pattern[str], lo: int, hi: int,
                window: int, low: str | None = None) -> Iterator[DateMatch]:
    """For each match of `pattern`, the date it tells: the first in the sentence after it
    (within `window` chars), else one right before it, else the one the sentence opens with
    ("On 12/03/2014, the treating orthopedic surgeon requested ...")."""
    twin = _TWINS.get(pattern) if low is not None else None
    matches = (twin.finditer(text, low, lo, hi) if twin is not None
               else pattern.finditer(text, lo, hi))
    for m in matches:
        end = _sentence_end(text, m.end(), hi)
        if end - m.end() > window:  # `window` non-space characters span at least `window`
            end = min(end, _after_chars(text, m.end(), window, hi))
        found = (first_date(text, m.end(), end) or _date_just_before(text, m.start(), lo)
                 or _date_opening_sentence(text, m.start(), lo))
        if found:
            yield found


# "On 12/03/2014, the ..." / "In March 2015 the ...": the words a sentence opens with before
# its date.
_OPENING_WORDS = re.compile(r"\s*(?:(?:On|In|As\s+of)\s+)?", _I)


def _date_opening_sentence(text: str, at: int, lo: int) -> DateMatch | None:
    """The date the sentence `at` is in opens with ("On DATE, ..."; the sentence's start looked
    for within 160 characters before `at`)."""
    start = max(lo, at - 160)
    opening = _OPENING_WORDS.match(text, max(text.rfind(".", start, at) + 1, start), at)
    assert opening is not None  # every part of the pattern is optional
    d = first_date(text, opening.end(), at)
    return d if d is not None and d.start == opening.end() else None


# What may stand between a date and the words it dates: "On 5/20/2014, utilization review".
_DATE_LEAD_GAP = re.compile(r"\s*,?\s*(?:(?:the|a|an)\s+)?\Z", _I)


def _date_just_before(text: str, at: int, lo: int) -> DateMatch | None:
    """A date that ends right before `at`, nothing but a comma or an article between."""
    start = max(lo, at - 40)
    dates = find_dates(text, start, at) if any(c.isdigit() for c in text[start:at]) else []
    if dates and _DATE_LEAD_GAP.match(text, dates[-1].end, at):
        return dates[-1]
    return None


_STATE_SEPARATOR = re.compile(r"\s*(?:,|;|\band\b)\s*")


def _states(raw: str) -> list[str]:
    parts = _STATE_SEPARATOR.split(raw.strip(" .;"))
    return [" ".join(p.split()) for p in parts if p.strip()]


@lru_cache(maxsize=1)
def _specialties() -> list[str]:
    path = Path(__file__).with_name("lexicons") / "specialties.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list(data.get("specialties", []))


@lru_cache(maxsize=1)
def _specialty_tokens() -> list[tuple[str, list[str]]]:
    """Each known specialty with its words as `normalize_specialty` compares them."""
    return [(known, known.lower().replace(" and ", " & ").split()) for known in _specialties()]


def _token_match(got: str, known: str) -> bool:
    # "Rehabn" is a clipped "Rehabilitation": a token matches a known one it begins, allowing
    # one stray trailing letter.
    return known.startswith(got) or (len(got) >= 5 and known.startswith(got[:-1]))


def normalize_specialty(raw: str) -> str:
    """A specialty as the board names it, repairing truncation ('Physical Medicine & Rehabn')."""
    clean = " ".join(raw.replace(" and ", " & ").split()).strip(" .,;")
    tokens = clean.lower().split()
    for known, k_tokens in _specialty_tokens():
        if k_tokens == tokens:
            return known
    for known, k_tokens in _specialty_tokens():
        if len(tokens) == len(k_tokens) and all(
                _token_match(g, k) for g, k in zip(tokens, k_tokens, strict=True)):
            return known
    return " ".join(raw.split()).strip(" .,;")


def _group(m: re.Match[str], name: str, source: str) -> str | None:
    """The text of group `name` of `m` in `source` (a match made in a lower-cased copy)."""
    a, b = m.span(name)
    return None if a < 0 else source[a:b]


def _reviewer(text: str, hi: int, low: str | None = None) -> Reviewer:
    # Read with whitespace collapsed: a page break (furniture blanked to spaces) can fall
    # inside a credential ("Physical <footer> Medicine & Rehabilitation"), and only the values
    # are kept, not where they stand.
    head = " ".join(text[:hi].split())
    low_head = None if low is None else lower(head)
    n = len(head)
    title = None
    m = _REVIEWER_TITLE_T.search(head, low_head, 0, n)
    if m:
        title = " ".join((_group(m, "title", head) or "").split()).lower()
    specialty = None
    cred = _CRED_SPECIALTY_T.search(head, low_head, 0, n)
    if cred:
        specialty = normalize_specialty(_group(cred, "spec", head) or "")
    else:
        board = _BOARD_T.search(head, low_head, 0, n)
        if board:
            specialty = normalize_specialty(_group(board, "spec", head) or "")
            sub = _group(board, "sub", head)
            if sub:
                specialty += f" ({' '.join(sub.split())})"
    states: list[str] = []
    st = _CRED_STATES_T.search(head, low_head, 0, n)
    if st:
        states = _states(_group(st, "states", head) or "")
    else:
        lic = _LICENSED_IN_T.search(head, low_head, 0, n)
        if lic:
            states = _states(_group(lic, "states", head) or "")
    return make_model(Reviewer, specialty=specialty, licensure_states=states, title=title)


def _patient(text: str, lo: int, hi: int, low: str | None = None) -> Patient:
    intro_end = min(hi, lo + 600)
    age_m = _AGE_T.search(text, low, lo, intro_end) or _AGE_WORD_T.search(text, low, lo,
                                                                          intro_end)
    sex_m = _SEX_T.search(text, low, lo, intro_end)
    sex: Literal["male", "female"] | None = None
    if sex_m:
        word = sex_m.group("sex").lower()
        sex = "female" if word in ("female", "woman", "lady") else "male"
    elif age_m is not None and (letter := _SEX_AFTER_AGE.match(text, age_m.end())):
        sex = "female" if letter.group("sex") == "F" else "male"
    injury = _date_after(text, _INJURY, lo, hi, 120, low)
    if injury is None and age_m is not None:
        # The sentence that introduces the patient tells how the injury happened, and when.
        opening = _sentence_end(text, age_m.end(), hi)
        injury = _date_after(text, _INJURY_EVENT, age_m.end(), opening, 200, low)
    return make_model(Patient, age=int(age_m.group("age")) if age_m else None, sex=sex,
                      date_of_injury=injury.value if injury else None)


def parse_letter(text: str, source: str = "<letter>") -> Determination:
    """Parse one letter. Raises LetterError (naming `source` and the line) when it cannot."""
    low = lower(text)
    fast_low = low if text.isascii() else None  # the header patterns' fast twins read it
    items_heading = _ITEMS_HEADING_T.search(text, fast_low, 0, len(text))
    anchors = _item_anchors(low, items_heading.end() if items_heading else 0)
    if not items_heading and not anchors:
        stated = _HEADING_2013.search(low) or _DETERMINED.search(low)
        if stated:  # a letter of the 2013 layout that lacks its items' sections
            raise LetterError("no decision rationales: the letter lists decisions but has no "
                              "item with a 'Rationale for the Decision:'", file=source,
                              line=line_of(text, stated.start()),
                              hint="check that the letter text is complete")
        raise LetterError("not an IMR final determination letter (no 'IMR ISSUES, DECISIONS AND "
                          "RATIONALES' section and no decision rationales)", file=source,
                          hint="check that the file is the text of an IMR letter")
    if not anchors:
        where = items_heading.end() if items_heading else 0
        raise LetterError("no decision lines: the letter has no disputed item with a decision "
                          "and rationale", file=source, line=line_of(text, where),
                          hint="check that the letter text is complete")
    first_rationale = anchors[0][0]
    furniture = _furniture_spans(text)
    clean = _blanked(text, furniture)  # footers may fall inside a preamble or a date
    if fast_low is not None:  # ASCII: lower-casing moves no character, and spaces stay spaces
        clean_low: str | None = _blanked(fast_low, furniture)
    else:  # blanking may have taken out the text's only non-ASCII characters
        clean_low = clean.lower() if furniture and clean.isascii() else None
    # Where the items begin: after the items heading, else after the items preamble ("The
    # Final Determination was based on decisions ..."), else after the summary.
    region_start = items_heading.end() if items_heading else 0
    preamble = _ITEMS_PREAMBLE_T.search(
        text, fast_low, region_start,
        min(first_rationale, region_start + 400) if items_heading else first_rationale)
    summary_pre = _SUMMARY_PREAMBLE_T.search(clean, clean_low, 0,
                                             items_heading.start() if items_heading
                                             else preamble.start() if preamble
                                             else first_rationale)
    if preamble:
        region_start = preamble.end()
    elif not items_heading and summary_pre:
        region_start = summary_pre.end()

    headers: list[_Header] = []
    # Per item, its claims administrator's and reviewer's guideline labels. Searched from the
    # end of the item's request they would be the same: the request ends before both.
    guideline_labels: list[tuple[tuple[int, int] | None, tuple[int, int] | None]] = []
    lo = region_start
    layout_2013 = False
    for n, (a_start, a_end) in enumerate(anchors, start=1):
        ca = CA_ANCHOR.search(low, lo, a_start)
        imr = IMR_ANCHOR.search(low, lo, a_start)
        first_anchor = min(ca[0] if ca else a_start, imr[0] if imr else a_start, a_start)
        header = _find_header(text, lo, first_anchor, n, source)
        if header.decision is None:
            layout_2013 = True
        headers.append(header)
        guideline_labels.append((ca, imr))
        lo = a_end

    if layout_2013:
        # The summary: after "Case Summary:" ("Expert Reviewer Case Summary:"), up to
        # "Documents Reviewed for Determination:" or else the first item. The reviewer's
        # qualifications and the decision list stand before it.
        low_2013 = clean_low if clean_low is not None else lower(clean)
        header_limit = headers[0].start
        # Of several headings ("Expert Reviewer Case Summary:", a preamble, "Case Summary:"),
        # the summary follows the last; the reviewer stands before the first.
        case_summaries = list(_CASE_SUMMARY.finditer(low_2013, 0, header_limit))
        s_start = case_summaries[-1].end() if case_summaries else 0
        reviewer_limit = case_summaries[0].start() if case_summaries else header_limit
        documents = _DOCUMENTS_REVIEWED.search(low_2013, s_start, header_limit)
        if documents:
            header_limit = documents.start()
        headers = _decide_2013(text, low_2013, headers, anchors, reviewer_limit, source)
    else:
        # The summary: after its preamble ("The expert reviewer developed the following
        # clinical case summary ...:"), else after its heading, up to the items.
        header_limit = (items_heading.start() if items_heading else
                        preamble.start() if preamble else headers[0].start)
        summary_heading = _SUMMARY_HEADING_T.search(text, fast_low, 0, header_limit)
        if summary_pre and summary_pre.end() <= header_limit:
            s_start = summary_pre.end()
            reviewer_limit = (summary_heading.start() if summary_heading
                              and summary_heading.start() < summary_pre.start()
                              else summary_pre.start())
        elif summary_heading:
            s_start = summary_heading.end()
            reviewer_limit = summary_heading.start()
        else:
            s_start = 0
            reviewer_limit = header_limit
    summary = _block(text, s_start, header_limit)

    items: list[Item] = []
    for n, ((a_start, a_end), header, (ca, imr)) in enumerate(
            zip(anchors, headers, guideline_labels, strict=True)):
        item_end = headers[n + 1].start if n + 1 < len(headers) else len(text)
        ca_block = None
        if ca:
            ca_block = _block(text, ca[1], imr[0] if imr and imr[0] > ca[1] else a_start)
        if imr:
            g = _block(text, imr[1], a_start)
            citation = parse_citation(g.text, g.span)
        else:
            citation = make_model(Citation, source="none", mtus_based=False)
        items.append(make_model(
            Item,
            index=n + 1,
            request=_text_block(text, *header.request),
            decision=header.decision,
            decision_span=Span.of(text, *header.decision_span),
            claims_administrator_guideline=ca_block,
            guideline=citation,
            rationale=_block(text, a_end, item_end),
        ))

    # Page furniture can fall inside a sentence ("September <footer> 9, 2015"): the header
    # fields are read from `clean`, the copy with furniture blanked (same offsets).
    # The request under review and its review are the latest a summary tells of ("a request
    # for aquatic therapy was previously non-certified on 2/17/15 ... The requests were
    # non-certified on 7/2/15").
    ur = _latest_date_told(clean, _UR, summary.span.start, header_limit, 200, clean_low)
    # A "request" later than the review is not the one reviewed.
    rfa = _latest_date_told(clean, _RFA, summary.span.start, header_limit, 160, clean_low,
                            not_after=ur.value if ur else None)
    fields = {
        "source": source,
        "reviewer": _reviewer(clean, reviewer_limit, clean_low),
        "patient": _patient(clean, summary.span.start, summary.span.end, clean_low),
        "dates": make_model(KeyDates, request_for_authorization=rfa.value if rfa else None,
                            utilization_review=ur.value if ur else None),
        "summary": summary,
        "items": items,
    }
    # Validated only when `source` is not a plain string (the rest is valid as made).
    return (make_model(Determination, **fields) if type(source) is str
            else Determination(**fields))


def read_letter(path: Path) -> str:
    """The text of the letter file at `path` (I/O edge); LetterError if it is not readable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LetterError(f"cannot read file: {exc.strerror}", file=str(path),
                          hint="check the path and permissions") from None
    return decode_letter(data, str(path))
