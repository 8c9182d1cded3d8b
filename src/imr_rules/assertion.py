"""Sentence splitting and assertion status (negation, uncertainty, hypothetical) for extraction.

Two things live here, both built for a hot loop (every regex is compiled once, at import or when
a lexicon is built; no call compiles anything):

`split_sentences(text, start, end)` cuts PDF-extracted letter text into sentence spans.

`AssertionScope` decides, ConText-style, whether a concept mention in a sentence is asserted
about the patient (`present`), negated (`absent`), uncertain (`possible`) or not an assertion
about this patient's records at all (`hypothetical`: guideline restatements, requirements,
conditionals). The trigger phrases are data, in `lexicons/context.yaml`; a rule pack can load
its own (`from_file`) or add to the default (`extend`).

How a status is decided
-----------------------
Triggers are matched once per sentence with one compiled regex (a trie of the lexicon's
phrases, longest phrase first, plus a few regex entries). Each matched phrase has roles:

- *pre* trigger of a family: scopes forward over at most `window` words;
- *post* trigger: scopes backward over at most `post_window` words;
- *pseudo* trigger: a phrase that contains a trigger but is not one ("no change in",
  "not medically necessary", "gram negative"); it has no role, it only blocks the shorter
  trigger inside it (the regex prefers the longest phrase at a position);
- *termination*: ends every scope that would cross it ("but", "however", "although", ";");
  `termination_backward` ends only backward scopes (":"); a family's own `termination` ends
  only that family's scopes; its `soft_termination` (a new clause subject: "the patient",
  "was noted and") ends the scope of its ordinary pre-triggers but not of *clausal* ones
  ("no evidence that the patient has failed ..." negates the whole complement clause);
- *record* trigger: a pre-trigger that states something about this patient's records
  ("there is no documentation of"); it also ends the non-clausal scopes of every other
  family, so a guideline framing earlier in the sentence does not swallow it ("Although
  guidelines recommend TENS for neuropathic pain, there is no documentation of neuropathic
  pain"), while a clausal one keeps it ("if there is no documentation of ...").

Text is lowercased before matching (length-preserving); lexicon phrases are lowercase, and a
`re:` entry is matched against lowercased text and must start at a word start.

Triggers that overlap the concept itself are ignored (the concept "pain scores with and
without medication" is not negated by its own "without").

Family precedence, for a concept inside several scopes:

1. a hypothetical *pre*-trigger wins over everything: a requirement or condition governs what
   it introduces, negated or not ("MTUS requires that there be no evidence of aberrant
   behavior", "if there is no improvement after one month" -> hypothetical);
2. otherwise the nearest negation/uncertainty *pre*-trigger decides (so "no radiculopathy,
   possible facet pain" -> facet pain possible); a pre-trigger beats post-triggers, which is
   how "there is no documentation of functional improvement as required by MTUS" stays absent;
   a negation pre-trigger together with a negation post-trigger is a double negation and
   gives present ("no evidence that the urine drug screen was not performed");
3. otherwise the nearest *post*-trigger decides ("documentation of X is required" ->
   hypothetical, "a urine drug screen was not performed" -> absent);
4. otherwise present.

Decisions recorded in the lexicon: "consistent with" is not an uncertainty cue (reviewers use
it for corroborating findings: "MRI findings consistent with L5 radiculopathy" -> present);
"cannot be ruled out"/"cannot rule out" are uncertainty ("possible"); "not without" is a pseudo
(double negation: "not without risk" -> risk present); "no change in", "no increase in",
"no further", "not necessarily", "not only" and "without difficulty" are pseudo-triggers
("ambulates without difficulty and has a normal gait": the gait is present, at the cost of
"difficulty" itself reading present).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import accumulate, compress, repeat
from pathlib import Path
from typing import Any, Literal

import yaml

from imr_rules.errors import ImrError
from imr_rules.textmatch import (
    ASCII_LOWER,
    Tokens,
    WordTable,
    phrase_words,
    top_level_alternatives,
    trie_regex,
)

AssertionStatus = Literal["present", "absent", "possible", "hypothetical"]
# A post-trigger containing one of these speaks of the records ("was not documented").
_RECORD_WORD = re.compile(r"document|discuss|mention|provided|address|indicat|record|submitted|"
                          r"evidence|report")
_STATUSES: frozenset[str] = frozenset(("present", "absent", "possible", "hypothetical"))
_ALNUM_LEAD = re.compile(r"[a-z0-9]*")

# A comma before a conjunction, or a semicolon: what follows is a clause of its own.
_CLAUSE_BREAK = re.compile(r"[,;]\s*(?:and|but|or)\b|;")


def _word_lead(phrase: str) -> str:
    """The letters and digits `phrase` starts with ("" when it starts otherwise)."""
    return _ALNUM_LEAD.match(phrase).group()  # type: ignore[union-attr]

# --------------------------------------------------------------------------------------------
# Sentence splitting
# --------------------------------------------------------------------------------------------

def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Abbreviations after which a period never ends a sentence, whatever follows (compared
# lowercased, without the final period and without leading brackets/quotes).
_HARD_ABBREV = _wordset("""
    dr mr mrs ms prof sr jr st vs v e.g i.e eg ie cf al approx appt dept esp fig incl
    u.s a.k.a aka viz ca
""")
# Abbreviations that are usually followed by a number ("No. 3", "pg. 78"): no split before a
# digit, but a split before a capitalised word.
_NUM_ABBREV = _wordset("no nos pg p pp vol ch sec para ref tab tabs cap caps qty #")
# Units and dosing shorthand: "Norco 10 mg. #60", "1 tab q.i.d. for pain" - never a boundary
# unless a capitalised word follows.
_SOFT_ABBREV = _wordset("""
    mg mcg ml cc gm g kg lb lbs hr hrs wk wks mo mos yr yrs min mins sec q.i.d t.i.d b.i.d
    q.d q.h.s p.r.n h.s p.o qid tid bid prn po qhs
""")

# A line shorter than this (stripped) that does not end in terminal punctuation and is followed
# by a line that starts like a sentence is a heading or a form field ("Norco 10/325 # 60:
# Upheld", "CLINICAL CASE SUMMARY"); wrapped body lines of IMR letters are 75-100 characters.
_SHORT_LINE = 66

# Candidate boundaries. Terminal punctuation (plus closing quotes/brackets) followed by
# whitespace, end of text, or glued to a capitalised word ("report.The"); decimals, dates and
# "q.i.d." never match because a digit or a lowercase letter follows their inner periods.
# A line break where the next line does not start in lowercase (possessive `\s*+` so it
# cannot back off to a space); whether the text before it ends in punctuation is checked in
# Python. A line break right after another or after terminal punctuation is never a boundary
# (split_sentences skips it), so the patterns leave it out: a double-spaced extraction has
# one after every line.
# Two simple patterns scanned separately are about four times faster than one alternation.
_AFTER_TERMINAL = r"""[.!?"'\u201d\u2019)\]]*+(?=\s|\Z|["\u201c(\[]?[A-Z][a-z])"""
_AFTER_LINE_BREAK = r"(?=\s*+(?:[^a-z\s]|\Z))"
_TERM_CANDIDATE = re.compile(r"[.!?]" + _AFTER_TERMINAL)
_LINE_CANDIDATE = re.compile(r"""[\n\f](?<![\n\f.!?"'\u201d\u2019)\]][\n\f])""" + _AFTER_LINE_BREAK)
# The same patterns for a text without "!", "?" or form feed (most letters): the regex engine
# tests a leading character class with a call per character of the text, but scans for a
# leading literal character with a tight loop, about five times faster.
_PERIOD_CANDIDATE = re.compile(r"\." + _AFTER_TERMINAL)
_NEWLINE_CANDIDATE = re.compile(r"""\n(?<![\n\f.!?"'\u201d\u2019)\]]\n)""" + _AFTER_LINE_BREAK)
_TERMINAL = frozenset(".!?\"'\u201d\u2019)]")
# Whitespace and page furniture between sentences: skipped; furniture lines belong to no span.
_GAP = re.compile(
    r"""(?:\s++|(?<![^\n\f])[^\S\n]*+
        (?:Page\s+\d+(?:\s+of\s+\d+)?|CM\d{2}-\d{5,8}|-\s*\d{1,3}\s*-)[^\S\n]*+(?=\n|\f|\Z))*+""",
    re.VERBOSE | re.IGNORECASE,
)
_ALLCAPS = re.compile(r"[A-Z0-9][A-Z0-9 ,&/()'.-]*[A-Z][A-Z0-9 ,&/()'.:-]*")
_ENUMERATOR = re.compile(r"\(?(?:\d{1,2}|[ivx]{1,4}|[a-h])\)?")


def _skip_gap(text: str, i: int, hi: int) -> int:
    """The first position at or after `i` that is neither whitespace nor page furniture."""
    m = _GAP.match(text, i, hi)
    return m.end() if m else i


def _line_before(text: str, i: int, lo: int) -> str:
    """The stripped text of the line that ends at `i` (not before `lo`)."""
    ls = max(text.rfind("\n", lo, i) + 1, lo)
    # A line also starts after a form feed: only one after the last newline can matter.
    ls = text.rfind("\f", ls, i) + 1 or ls
    return text[ls:i].strip()


_SIDE_AFTER = re.compile(r"\b(?:on|at|in|to|of|and|or|the)\s+\Z", re.IGNORECASE)


def _period_ends_sentence(text: str, p: int, q: int, nxt: int, lo: int, hi: int) -> bool:
    """Whether the terminal punctuation at text[p:q] ends a sentence whose successor starts at
    `nxt` (== `q` when glued to the next word)."""
    if nxt >= hi:
        return True
    if text[p] != ".":  # "!" and "?" always end a sentence when something sentence-like follows
        return not text[nxt].islower()
    # The whitespace-delimited token before the punctuation, text[j:p]. Most tokens follow a
    # space: the text after the last space is the token unless it holds other whitespace
    # (every whitespace character but the space is unprintable).
    j = text.rfind(" ", lo, p) + 1 or lo
    raw = text[j:p]
    if not raw.isprintable():
        j = p
        while j > lo and not text[j - 1].isspace():
            j -= 1
        raw = text[j:p]
    # Lowercased, without leading brackets.
    tok = raw.lstrip("(\"'\u201c[").lower()
    c = text[nxt]
    if not tok:
        return not c.islower()
    if tok in _HARD_ABBREV:
        return False
    if nxt == q:  # glued: "report.The" - but not "Dr.Smith", "U.S.Dept", "J.Smith"
        return "." not in tok and len(tok) > 1 and tok not in _SOFT_ABBREV
    if c.islower():
        return False
    if c.isdigit():
        # "No. 3", "pg. 78", an enumerator "1. 2." or a unit before a number: not a boundary
        return not (tok in _NUM_ABBREV or tok in _SOFT_ABBREV or tok.isdigit() and len(tok) <= 2)
    if c in "#(":
        return tok not in _SOFT_ABBREV and tok not in _NUM_ABBREV
    # A list enumerator alone at the start of its line ("1. Lumbar strain") opens an item. Such a
    # line is the token itself (at most 6 characters, an enumerator too): other tokens need not
    # read the line.
    if (len(tok) <= 6 and _ENUMERATOR.fullmatch(text, j, p)
            and _ENUMERATOR.fullmatch(_line_before(text, p, lo))):
        return False
    # A single capital letter is an initial ("J. Smith"), except the roman numeral I and a side
    # after a preposition ("neg on R. Decreased sensation ...").
    return not (len(tok) == 1 and tok.isalpha() and tok != "i"
                and _SIDE_AFTER.search(text, max(lo, j - 8), j) is None)


def _line_break_ends_sentence(text: str, i: int, gap_end: int, lo: int) -> bool:
    """Whether a line break at `i` (previous line without terminal punctuation) ends a
    sentence, the next text starting at `gap_end`."""
    c = text[gap_end]
    if c.islower():
        return False
    gap = text[i:gap_end]
    # A page break, or a blank line plus a whitespace-only line (the paragraph break of
    # double-spaced extractions), is a paragraph end unless the text continues in lowercase.
    if "\f" in gap or gap.count("\n") >= 3:
        # ... or a footer blanked in the middle of a full line's sentence, before a number
        # ("He takes pantoprazole | Page 2 of 4 | 20 mg daily"): the sentence goes on
        return not (c.isdigit() and "    " in gap
                    and len(_line_before(text, i, lo)) >= _SHORT_LINE)
    line = _line_before(text, i, lo)
    if len(line) < _SHORT_LINE:
        return True
    return _ALLCAPS.fullmatch(line) is not None


def _boundary_candidates(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """The candidate boundaries of `text[lo:hi]`, in order: `(p, q)` for terminal punctuation
    `text[p:q]`, `(p, -1)` for a line break at `p`."""
    term = _TERM_CANDIDATE if "!" in text or "?" in text else _PERIOD_CANDIDATE
    line = _LINE_CANDIDATE if "\f" in text else _NEWLINE_CANDIDATE
    candidates = list(map(re.Match.span, term.finditer(text, lo, hi)))
    candidates += zip(map(re.Match.start, line.finditer(text, lo, hi)), repeat(-1))
    candidates.sort()
    return candidates


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans `[s, e)` of `text[start:end]`, in order.

    Promises: spans are ordered, do not overlap, lie inside `[start, end)`, and are trimmed
    (neither `text[s]` nor `text[e - 1]` is whitespace; no span is empty). Page furniture that
    falls between sentences ("Page 2 of 5", a case number line) belongs to no span.

    Boundaries: terminal punctuation followed by a sentence-like start (not after "Dr.", "vs.",
    "e.g.", "No. 3", "10 mg. #60", decimals, dates, "q.i.d."), terminal punctuation glued to a
    capitalised word ("report.The"), and line breaks that end a heading, a form field or a
    paragraph. A line broken mid-sentence is never a boundary when the next line starts in
    lowercase.
    """
    hi = len(text) if end is None else min(end, len(text))
    lo = max(0, start)
    spans: list[tuple[int, int]] = []
    if lo >= hi:
        return spans
    cur = _skip_gap(text, lo, hi)
    candidates = _boundary_candidates(text, lo, hi)
    for p, q in candidates:
        if p < cur:
            continue
        if q >= 0:  # terminal punctuation text[p:q]
            # Mostly one space and the next word follow: no furniture can start after a space.
            if q + 1 < hi and text[q] == " " and not text[q + 1].isspace():
                nxt = q + 1
            else:
                nxt = _skip_gap(text, q, hi)
            if not _period_ends_sentence(text, p, q, nxt, lo, hi):
                continue
            cut = q
        else:  # a line break at p
            i = p
            while i > cur and text[i - 1] in " \t\r\u00a0":
                i -= 1
            if i <= cur or text[i - 1] in _TERMINAL or text[i - 1] in "\n\f":
                continue  # punctuation before it was already judged; or a blank line
            nxt = _skip_gap(text, i, hi)
            if nxt >= hi or not _line_break_ends_sentence(text, i, nxt, lo):
                continue
            cut = i
        s, e = cur, cut
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
        cur = nxt
    if cur < hi:
        e = hi
        while e > cur and text[e - 1].isspace():
            e -= 1
        if e > cur:
            spans.append((cur, e))
    return spans


# --------------------------------------------------------------------------------------------
# Assertion scope
# --------------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_WORD_SPLIT = re.compile(r"([^\W_]+(?:['\u2019][^\W_]+)*)")


def word_starts(text: str) -> list[int]:
    """The start of every word of `text` (as `AssertionScope` counts words for its windows)."""
    offsets = list(accumulate(map(len, _WORD_SPLIT.split(text))))
    return offsets[0:-1:2]
_ALL = "*"
_TRIGGER_KEYS = ("pre", "post", "both", "clausal", "record", "pseudo", "termination",
                 "soft_termination")


@dataclass(slots=True)
class _Entry:
    """The roles of one lexicon phrase (a phrase may have several)."""

    pre: list[str] = field(default_factory=list)  # families it scopes forward for
    post: list[str] = field(default_factory=list)  # families it scopes backward for
    clausal: bool = False  # pre scope ignores soft termination
    record: bool = False  # a statement about the records: reaches over its whole list
    ends: set[str] = field(default_factory=set)  # families whose scopes it ends (`*`: all)
    ends_soft: set[str] = field(default_factory=set)  # ends non-clausal pre scopes of these
    ends_backward: bool = False  # ends every backward scope
    # Derived once the lexicon is read, for `decide`: (family, reach in words, family status)
    # for each family of `pre` and of `post`, in the same order.
    forward: tuple[tuple[str, int, AssertionStatus], ...] = ()
    backward: tuple[tuple[str, int, AssertionStatus], ...] = ()


# `re.Pattern.match` of a pattern: (text, start, end) -> match or None.
Matcher = Callable[[str, int, int], "re.Match[str] | None"]
# What a word that may start a trigger says: whether it always does (True) or which next words
# it needs, and the pattern to try where it starts.
_Starter = tuple[bool | frozenset[str], Matcher]
# `AssertionScope.candidates`: where triggers may start, in order, and the pattern to try at each.
TriggerStarts = tuple[list[int], list[Matcher]]


@dataclass(frozen=True, slots=True)
class _Family:
    name: str
    status: AssertionStatus
    window: int
    post_window: int
    clausal_window: int  # a clausal trigger governs its whole clause, however long


def _leading_literals(pattern: str) -> list[str] | None:
    """Literal texts one of which every match of `pattern` starts with (None: not known).
    Understands a leading run of letters and a leading `(?:word|word|...)` group, in each
    top-level alternative."""
    alternatives = top_level_alternatives(pattern)
    if len(alternatives) > 1:
        found: list[str] = []
        for alternative in alternatives:
            lead_words = _leading_literals(alternative)
            if lead_words is None:
                return None
            found += lead_words
        return found
    lead = re.match(r"[a-z']+", pattern)
    if lead:
        word = lead.group()
        if pattern[lead.end():lead.end() + 1] in ("?", "*", "{"):
            word = word[:-1]
        return [word] if word else None
    group = re.match(r"\(\?:((?:[a-z']+\|)*[a-z']+)\)", pattern)
    if group and pattern[group.end():group.end() + 1] not in ("?", "*", "{"):
        return group.group(1).split("|")
    return None


def _norm(s: str) -> str:
    return " ".join(s.lower().split())


class AssertionScope:
    """ConText-style assertion status from a trigger lexicon (see the module docstring).

    Build it once (`default()`, `from_file()`, `from_dict()`, `extend()`); an instance is
    immutable and safe to share. `status`/`statuses` cost one regex scan per sentence.
    """

    def __init__(self, lexicon: Mapping[str, Any], source: str = "<dict>") -> None:
        self._lexicon: dict[str, Any] = _validated(lexicon, source)
        self._source = source
        self._families: dict[str, _Family] = {}
        entries: dict[str, _Entry] = {}

        def entry(raw: str) -> _Entry:
            key = raw if raw.startswith("re:") else _norm(raw)
            if key not in entries:
                entries[key] = _Entry()
            return entries[key]

        default_window = int(self._lexicon.get("window", 8))
        for name, fam in self._lexicon["families"].items():
            window = int(fam.get("window", default_window))
            self._families[name] = _Family(
                name, fam["status"], window, int(fam.get("post_window", window)),
                int(fam.get("clausal_window", max(window, 30))))
            for raw in fam.get("pre", []):
                entry(raw).pre.append(name)
            for raw in fam.get("post", []):
                e = entry(raw)
                e.post.append(name)
                # "was not documented", "is not discussed": a statement about the records.
                if _RECORD_WORD.search(raw):
                    e.record = True
            for raw in fam.get("both", []):
                e = entry(raw)
                e.pre.append(name)
                e.post.append(name)
            for raw in fam.get("clausal", []):
                e = entry(raw)
                e.pre.append(name)
                e.clausal = True
            for raw in fam.get("record", []):
                e = entry(raw)
                e.pre.append(name)
                e.record = True
            for raw in fam.get("pseudo", []):
                entry(raw)
            for raw in fam.get("termination", []):
                entry(raw).ends.add(name)
            for raw in fam.get("soft_termination", []):
                entry(raw).ends_soft.add(name)
        # A record trigger starts a new assertion about the records: it ends the non-clausal
        # scopes of other families (second pass, once every family is known). Clausal ones
        # ("if", "guidelines state that") keep it: "if there is no documentation of X" stays
        # hypothetical.
        for name, fam in self._lexicon["families"].items():
            for raw in fam.get("record", []):
                entry(raw).ends_soft.update(f for f in self._families if f != name)
        for raw in self._lexicon.get("termination", []):
            entry(raw).ends.add(_ALL)
        for raw in self._lexicon.get("termination_backward", []):
            entry(raw).ends_backward = True
        fams = self._families
        for en in entries.values():
            long_reach = en.clausal or en.record
            en.forward = tuple(
                (name, fams[name].clausal_window if long_reach else fams[name].window,
                 fams[name].status) for name in en.pre)
            en.backward = tuple((name, fams[name].post_window, fams[name].status)
                                for name in en.post)

        # A punctuation mark that only ends scopes (";", ",") is not scanned for: `decide`
        # looks for it between a trigger and its concept (commas are many; scopes that reach
        # over one are few). Per family, the marks that end its scopes, and those that end its
        # non-clausal ones (soft).
        self._stops: dict[str, str] = {}
        self._soft_stops: dict[str, str] = {}
        for key in [k for k in entries if len(k) == 1 and not k.isalnum()]:
            en = entries[key]
            if en.pre or en.post or en.clausal or en.record or en.ends_backward or (
                    _ALL in en.ends):
                continue  # a trigger, or a global termination: scanned as before
            for name in en.ends:
                self._stops[name] = self._stops.get(name, "") + key
            for name in en.ends_soft:
                self._soft_stops[name] = self._soft_stops.get(name, "") + key
            del entries[key]
        # What `_stopped` looks for, by (family, clausal trigger): built once, not per mention.
        self._marks = {(name, clausal): self._stops.get(name, "") + (
            "" if clausal else self._soft_stops.get(name, ""))
            for name in {*self._stops, *self._soft_stops} for clausal in (False, True)}
        literal = [k for k in entries if not k.startswith("re:")]
        patterns = [k for k in entries if k.startswith("re:")]
        alts = []
        self._group_entry: dict[str, _Entry] = {}
        for i, key in enumerate(patterns):
            try:
                re.compile(key[3:])
            except re.error as exc:
                raise ImrError(f"bad regex trigger {key!r}: {exc}", file=source,
                               hint="regex triggers are Python regexes after 're:'") from exc
            alts.append(f"(?P<r{i}>{key[3:]})")
            self._group_entry[f"r{i}"] = entries[key]
        # The regex entries are tried at every word start before the trie: when each one
        # starts with known words, one look-ahead over those words skips them all at once
        # (same matches, same order).
        leads = [_leading_literals(key[3:]) for key in patterns]
        if alts and all(leads):
            words = sorted({w for lead in leads if lead for w in lead}, key=lambda w: (-len(w), w))
            alts = ["(?=" + "|".join(re.escape(w) for w in words) + ")(?:" + "|".join(alts)
                    + ")"]
        word_start = [p for p in literal if p[0].isalnum()]
        other_start = [p for p in literal if not p[0].isalnum()]
        if word_start:
            alts.append("(?P<w>" + trie_regex(word_start) + ")")
        # Every trigger starts a word (or is punctuation): one guard up front lets most
        # positions fail at once. Text is lowercased before matching (no IGNORECASE: it
        # disables the engine's first-character checks and costs several times the time).
        pattern = r"(?<![\w])(?:" + "|".join(alts) + ")" if alts else r"(?!x)x"
        if other_start:
            pattern += "|(?P<o>" + trie_regex(other_start) + ")"
        self._regex = re.compile(pattern)
        self._literal: dict[str, _Entry] = {k: entries[k] for k in literal}
        # Where a trigger can start: at a word that is a phrase's first word or begins with a
        # regex trigger's leading word, or at a punctuation trigger. `candidates` lists those
        # places once per text, so a sentence's scan tries a pattern there only (the regex
        # engine would try every character). Unknown when a regex's first word is not known.
        # A word may start a trigger always (a one-word phrase, a regex's leading word) or only
        # before certain next words (the second words of the phrases it begins).
        singles: set[str] = set()
        seconds: dict[str, set[str]] = {}
        self._phrases_after: dict[str, list[str]] = {}  # the word phrases, by first word
        for phrase in word_start:
            tokens = phrase_words(phrase)
            self._phrases_after.setdefault(tokens[0], []).append(phrase)
            if len(tokens) == 1:
                singles.add(tokens[0])
            else:
                seconds.setdefault(tokens[0], set()).add(tokens[1])
        lead_words = [w for lead in leads for w in (lead or [""])]
        lead_prefixes = tuple(_word_lead(w) for w in lead_words)
        # Each regex trigger with the word beginnings its matches start with, in lexicon order.
        self._regex_alternatives = [
            (f"(?P<r{i}>{key[3:]})", tuple(_word_lead(w) for w in lead or [""]), lead or [])
            for i, (key, lead) in enumerate(zip(patterns, leads, strict=True))]
        self._word_patterns: dict[tuple[tuple[int, ...], str], Matcher] = {}

        def starts_trigger(word: str) -> _Starter | None:
            if word in singles or word.startswith(lead_prefixes):
                return True, self._word_matcher(word)
            if word in seconds:
                return frozenset(seconds[word]), self._word_matcher(word)
            return None

        known = all(lead_prefixes) and all(_word_lead(p) for p in word_start)
        self._starts_trigger: WordTable[_Starter | None] | None = (
            WordTable(starts_trigger) if known else None)
        self._punctuation_starts = sorted({p[0] for p in other_start})
        self._punctuation_match: Matcher = re.compile(
            "(?P<o>" + trie_regex(other_start) + ")" if other_start else r"(?!x)x").match
        self._last: tuple[str, list[tuple[int, int, _Entry]], list[int]] | None = None

    # -- construction ------------------------------------------------------------------------

    def _word_matcher(self, word: str) -> Matcher:
        """`match` of the part of the whole pattern that can match where the word `word`
        starts: the regex triggers whose leading words it may begin and the phrases whose
        first word it is, in the whole pattern's order (so the same match, tried faster)."""
        chosen = tuple(i for i, (_alt, prefixes, _lead) in enumerate(self._regex_alternatives)
                       if word.startswith(prefixes))
        phrases = self._phrases_after.get(word)
        key = (chosen, word if phrases else "")
        found = self._word_patterns.get(key)
        if found is None:
            alts = []
            if chosen:
                words = sorted({w for i in chosen for w in self._regex_alternatives[i][2]},
                               key=lambda w: (-len(w), w))
                alts.append("(?=" + "|".join(re.escape(w) for w in words) + ")(?:"
                            + "|".join(self._regex_alternatives[i][0] for i in chosen) + ")")
            if phrases:
                alts.append("(?P<w>" + trie_regex(phrases) + ")")
            found = self._word_patterns[key] = re.compile(
                r"(?<![\w])(?:" + "|".join(alts) + ")").match
        return found

    @classmethod
    def default(cls) -> AssertionScope:
        """The scope built from the packaged `lexicons/context.yaml` (built once, cached)."""
        return _default_scope()

    @classmethod
    def from_file(cls, path: str | Path) -> AssertionScope:
        """A scope built from a lexicon YAML file (same shape as `lexicons/context.yaml`)."""
        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ImrError(f"cannot read trigger lexicon: {exc}", file=str(p)) from exc
        return cls(data, source=str(p))

    @classmethod
    def from_dict(cls, lexicon: Mapping[str, Any]) -> AssertionScope:
        """A scope built from a lexicon already loaded as a mapping."""
        return cls(lexicon)

    def extend(self, extra_triggers: Mapping[str, Any]) -> AssertionScope:
        """A new scope: this lexicon plus `extra_triggers` (same shape as the YAML: optional
        `termination`, `termination_backward`, and `families` whose lists are appended to, or
        new families with a `status`). Scalars given (`window`, ...) replace the old ones."""
        merged: dict[str, Any] = {k: v for k, v in self._lexicon.items() if k != "families"}
        merged["families"] = {n: dict(f) for n, f in self._lexicon["families"].items()}
        for key in ("termination", "termination_backward"):
            merged[key] = list(merged.get(key, [])) + list(extra_triggers.get(key, []))
        if "window" in extra_triggers:
            merged["window"] = extra_triggers["window"]
        for name, fam in (extra_triggers.get("families") or {}).items():
            old = merged["families"].setdefault(name, {})
            for key, value in fam.items():
                if key in _TRIGGER_KEYS:
                    old[key] = list(old.get(key, [])) + list(value)
                else:
                    old[key] = value
        return AssertionScope(merged, source=f"{self._source} + extension")

    # -- use ---------------------------------------------------------------------------------

    def status(self, text: str, sentence: tuple[int, int],
               concept: tuple[int, int]) -> AssertionStatus:
        """The assertion status of the mention `text[concept[0]:concept[1]]`, which lies inside
        the sentence `text[sentence[0]:sentence[1]]`. Only the sentence's text is read."""
        return self.statuses_detailed(text, sentence, [concept])[0][0]

    def statuses(self, text: str, sentence: tuple[int, int],
                 concepts: list[tuple[int, int]]) -> list[AssertionStatus]:
        """`status` for several mentions of one sentence, scanning the sentence once."""
        return [status for status, _record in self.statuses_detailed(text, sentence, concepts)]

    def statuses_detailed(self, text: str, sentence: tuple[int, int],
                          concepts: list[tuple[int, int]],
                          ) -> list[tuple[AssertionStatus, bool]]:
        """`statuses`, each with whether a *record* trigger decided it: `("absent", True)` is
        "not documented" ("there is no documentation of side effects"), `("absent", False)`
        is "not so" ("denies side effects", "no aberrant behavior was noted")."""
        s, e = sentence
        if not 0 <= s <= e <= len(text):
            raise ValueError(f"sentence {sentence} is outside the text (length {len(text)})")
        sent = text[s:e]
        last = self._last
        if last is not None and last[0] == sent:
            matches, words = last[1], last[2]
        else:
            matches, words = self._scan(sent)
            self._last = (sent, matches, words)
        out: list[tuple[AssertionStatus, bool]] = []
        for cs, ce in concepts:
            if not s <= cs <= ce <= e:
                raise ValueError(f"concept {(cs, ce)} is not inside sentence {sentence}")
            out.append(self.decide(matches, words, cs - s, ce - s, sent))
        return out

    def candidates(self, tokens: Tokens) -> TriggerStarts | None:
        """The offsets of a text (given its `Tokens`) where a trigger may start, in order, each
        with the pattern to try there, for `scan_lowered`; None when not known (then the whole
        pattern is tried at every position)."""
        table = self._starts_trigger
        if table is None:
            return None
        words, starts = tokens.words, tokens.starts
        last = len(words) - 1
        # What the table says of every word, in one C-level pass; Python reads only the words
        # that may start a trigger.
        says = list(map(table.bounded().__getitem__, words))
        offsets: list[int] = []
        matchers: list[Matcher] = []
        for i in compress(range(len(words)), says):
            then, match = says[i]  # type: ignore[misc]
            if then is True or (i < last and words[i + 1] in then):  # type: ignore[operator]
                offsets.append(starts[i])
                matchers.append(match)
        low = tokens.lowered
        more = []
        for char in self._punctuation_starts:
            at = low.find(char)
            while at >= 0:
                more.append(at)
                at = low.find(char, at + 1)
        if more:
            # A punctuation trigger never starts where a word does: offsets are distinct.
            both = sorted([*zip(offsets, matchers, strict=True),
                           *zip(more, repeat(self._punctuation_match))])
            offsets = [at for at, _m in both]
            matchers = [m for _at, m in both]
        return offsets, matchers

    def scan_lowered(self, low: str, start: int, end: int,
                     candidates: TriggerStarts | None = None,
                     ) -> list[tuple[int, int, _Entry]]:
        """The trigger matches of the sentence `[start, end)` of an ASCII text whose lower-cased
        copy is `low`, with offsets into it (no copy of the sentence is made). The character
        before a sentence never continues a word, so matching inside the whole text gives what
        matching the sentence alone gives. `candidates`: the text's `candidates`, to find the
        same matches faster. Use with `decide`."""
        entry = self._entry
        matches: list[tuple[int, int, _Entry]] = []
        if candidates is None:
            for m in self._regex.finditer(low, start, end):
                en = entry(m.lastgroup, m.group())
                if en is not None:
                    matches.append((m.start(), m.end(), en))
            return matches
        # What `finditer` gives, trying at each candidate its own part of the pattern: a
        # match is never followed by one that overlaps it.
        offsets, matchers = candidates
        resume = start
        for i in range(bisect_left(offsets, start), len(offsets)):
            at = offsets[i]
            if at >= end:
                break
            if at < resume:
                continue
            hit = matchers[i](low, at, end)
            if hit is None:
                continue
            ts, te = hit.span()
            resume = te if te > at else at + 1
            en = entry(hit.lastgroup, low[ts:te])
            if en is not None:
                matches.append((ts, te, en))
        return matches

    def _entry(self, group: str | None, said: str) -> _Entry | None:
        """The trigger entry of a match: a phrase's by its (lower-cased) words, a regex
        trigger's by its group."""
        if group == "w" or group == "o":
            # Most matches are written as in the lexicon (one space between words); None
            # cannot happen: the trie only holds lexicon phrases.
            return self._literal.get(said) or self._literal.get(_norm(said))
        return self._group_entry[group]  # type: ignore[index]

    def decide(self, matches: list[tuple[int, int, _Entry]], words: list[int], cs: int,
               ce: int, text: str) -> tuple[AssertionStatus, bool]:
        """The status (and whether a record trigger decided it) of the mention `[cs, ce)`
        given the sentence's `scan_lowered` matches, the text's word starts (`word_starts`)
        and the text itself or lower-cased (for the punctuation that ends scopes), all in the
        same offsets."""
        if not matches:
            return "present", False
        near_pre: tuple[int, AssertionStatus, bool] | None = None  # (start, status, record)
        neg_post = False
        near_post: tuple[int, AssertionStatus, bool] | None = None
        # The word indices of the concept's start and end, found when first needed.
        at_cs = at_ce = -1
        for idx, (ts, te, en) in enumerate(matches):
            if ts < cs:
                # Before the concept, or overlapping its start ("no objective" + "objective
                # gains"): a pre-trigger candidate at distance 0 in the latter case.
                if not en.forward:
                    continue
                before = te < cs
                if before:
                    if at_cs < 0:
                        at_cs = bisect_left(words, cs)
                    distance = at_cs - bisect_left(words, te)
                for name, reach, status in en.forward:
                    if before and (distance > reach or self._blocked(matches, idx + 1, cs, name,
                                                                     clausal=en.clausal)
                                   or self._stopped(text, te, cs, name, en.clausal)):
                        continue
                    if status == "hypothetical":
                        # A hypothetical pre-trigger wins over everything: nothing else counts.
                        return "hypothetical", False
                    if near_pre is None or ts >= near_pre[0]:
                        near_pre = (ts, status, en.record)
            elif te > ce:
                # After the concept, or overlapping its end; a trigger wholly inside the
                # concept ("pain scores with and without medication") is part of its name.
                if not en.backward:
                    continue
                after = ts > ce
                if after:
                    if at_ce < 0:
                        at_ce = bisect_left(words, ce)
                    distance = bisect_left(words, ts) - at_ce
                for name, reach, status in en.backward:
                    if after and (distance > reach
                                  or self._blocked_back(matches, idx, ce, name)
                                  or self._stopped(text, ce, ts, name, False)):
                        continue
                    if status == "absent" and not (after and _CLAUSE_BREAK.search(text, ce, ts)):
                        # (a negation told in a clause of its own after ", and" negates that
                        # clause's subject: no double negation of a concept before it)
                        neg_post = True
                    if near_post is None or ts < near_post[0]:
                        near_post = (ts, status, en.record)
        if near_post is not None and near_post[1] == "hypothetical" and (
                near_pre is None or not near_pre[2]):
            # "No surgery is planned", "Surgery was not recommended": what was proposed or
            # not, as a hypothetical pre-trigger, outweighs a negation (not a record's: "no
            # documentation of X as required by the MTUS" says X is not documented)
            return near_post[1], near_post[2]
        if near_pre is not None:
            if near_pre[1] == "absent" and neg_post:
                if near_post is not None and _CLAUSE_BREAK.search(text, near_pre[0], cs):
                    # "There are no red flags, and plain radiographs have not been obtained":
                    # the concept starts a clause of its own, which its post-trigger negates
                    return near_post[1], near_post[2]
                # double negation: "no evidence that X was not performed"
                return "present", False
            return near_pre[1], near_pre[2]
        if near_post is not None:
            return near_post[1], near_post[2]
        return "present", False

    def triggers(self, text: str, sentence: tuple[int, int]) -> list[tuple[int, int, str]]:
        """The lexicon phrases matched in a sentence (absolute spans, matched text); for
        debugging and for rule-pack authors checking a lexicon."""
        s, e = sentence
        matches, _ = self._scan(text[s:e])
        return [(s + a, s + b, text[s + a:s + b]) for a, b, _ in matches]

    # -- internals ---------------------------------------------------------------------------

    def _scan(self, sent: str) -> tuple[list[tuple[int, int, _Entry]], list[int]]:
        matches: list[tuple[int, int, _Entry]] = []
        literal = self._literal
        groups = self._group_entry
        low = sent.lower()
        if len(low) != len(sent):  # a few non-ASCII letters lowercase to two characters
            low = sent.translate(ASCII_LOWER)
        for m in self._regex.finditer(low):
            g = m.lastgroup
            if g == "w" or g == "o":
                en = literal.get(_norm(m.group()))
                if en is None:  # cannot happen: the trie only holds lexicon phrases
                    continue
            else:
                en = groups[g]  # type: ignore[index]
            matches.append((m.start(), m.end(), en))
        words = [m.start() for m in _WORD.finditer(sent)] if matches else []
        return matches, words

    def _stopped(self, text: str, start: int, end: int, name: str, clausal: bool) -> bool:
        """Whether a punctuation mark that ends family `name`'s scopes (its soft ones too,
        unless the trigger is clausal) lies in `text[start:end]`."""
        marks = self._marks.get((name, clausal))
        return marks is not None and any(text.find(mark, start, end) >= 0 for mark in marks)

    @staticmethod
    def _blocked(matches: list[tuple[int, int, _Entry]], first: int, cs: int, name: str,
                 *, clausal: bool) -> bool:
        """Whether a termination between the pre-trigger (ending before matches[first]) and the
        concept start `cs` ends the trigger's forward scope; so does one the concept starts
        with ("... without Butrans, and since then she has been able to work": a new clause)."""
        for j in range(first, len(matches)):
            ts, te, en = matches[j]
            if te > cs and ts != cs:
                break
            if _ALL in en.ends or name in en.ends:
                return True
            if not clausal and name in en.ends_soft:
                return True
        return False

    @staticmethod
    def _blocked_back(matches: list[tuple[int, int, _Entry]], idx: int, ce: int,
                      name: str) -> bool:
        """Whether a termination between the concept end `ce` and the post-trigger
        matches[idx] ends the trigger's backward scope."""
        for j in range(idx - 1, -1, -1):
            ts, te, en = matches[j]
            if ts < ce:
                break
            if en.ends_backward or _ALL in en.ends or name in en.ends or name in en.ends_soft:
                return True
        return False


def _validated(lexicon: Any, source: str) -> dict[str, Any]:
    """The lexicon mapping, checked for shape; raises ImrError naming the source and the key."""
    if not isinstance(lexicon, Mapping) or not isinstance(lexicon.get("families"), Mapping):
        raise ImrError("a trigger lexicon needs a 'families' mapping", file=source)
    for key in ("termination", "termination_backward"):
        _check_phrases(lexicon.get(key, []), key, source)
    for name, fam in lexicon["families"].items():
        if not isinstance(fam, Mapping):
            raise ImrError(f"family {name!r} must be a mapping", file=source)
        if fam.get("status") not in _STATUSES or fam.get("status") == "present":
            raise ImrError(f"family {name!r} needs a status: absent, possible or hypothetical",
                           file=source)
        for key, value in fam.items():
            if key in _TRIGGER_KEYS:
                _check_phrases(value, f"{name}.{key}", source)
            elif key in ("window", "post_window"):
                if not isinstance(value, int) or value < 0:
                    raise ImrError(f"{name}.{key} must be a non-negative integer", file=source)
            elif key not in ("status", "description"):
                raise ImrError(f"unknown key {name}.{key}", file=source,
                               hint=f"expected one of {', '.join(_TRIGGER_KEYS)}, window, "
                                    "post_window, status, description")
    return dict(lexicon)


def _check_phrases(value: Any, where: str, source: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ImrError(f"{where} must be a list of non-empty strings", file=source)


@cache
def _default_scope() -> AssertionScope:
    ref = resources.files("imr_rules").joinpath("lexicons/context.yaml")
    data = yaml.safe_load(ref.read_text(encoding="utf-8"))
    return AssertionScope(data, source="imr_rules/lexicons/context.yaml")
