"""Letter text -> `CaseFacts`: what the records showed, in the vocabulary of the rule packs.

Two views of a letter:
- **blind**: the clinical case summary only — what the records showed, before the reviewer's
  reasoning; used to predict the decision;
- **findings**: the summary plus the rationale of one item — the reviewer's own findings
  ("no documentation of functional improvement"); used to check the decision's consistency.

Extraction reads sentence by sentence. Concepts come from the lexicons (`lexicon.py`), the
assertion status of every mention from `assertion.py` (negation, uncertainty and guideline
restatements are decided there, once, never in rules), and numbers (relief percent and
duration, days of use) from the words next to the concept they belong to. Every fact keeps the
spans of the words it came from.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from operator import itemgetter
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from imr_rules.assertion import AssertionScope, TriggerStarts, split_sentences, word_starts
from imr_rules.classify import REGION_NAMES as _REGION_NAMES
from imr_rules.classify import REGION_T as _REGION_T
from imr_rules.classify import RequestWords, classify_request, name_as_written, request_words
from imr_rules.dates import DateMatch, find_dates, first_date
from imr_rules.letters import blank_furniture
from imr_rules.lexicon import WHOLE_EXAMINATION, Lexicon, MultiMatcher, PhraseMatcher
from imr_rules.models import (
    Determination,
    KeyDates,
    Patient,
    Span,
    TextBlock,
    copy_model,
    make_model,
    make_span,
)
from imr_rules.packs import Lexicon as PackLexicon
from imr_rules.packs import RulePack
from imr_rules.textmatch import NUMBER_WORDS as _NUMBER_WORDS
from imr_rules.textmatch import LeadWords, Tokens, lower
from imr_rules.textmatch import Twin as _Twin
from imr_rules.vocabulary import (
    CaseFact,
    CaseFacts,
    DiagnosisFact,
    DocumentationFact,
    FindingFact,
    MedicationFact,
    PriorTreatmentFact,
    RequestFact,
)

View = Literal["blind", "findings"]
Assertion = Literal["present", "absent", "possible", "hypothetical"]

# "No aberrant behavior is discussed": a negation that the verb after the concept makes a
# statement about the records ("not documented"), unlike "no aberrant behavior was noted".
_RECORD_VERB_AFTER = re.compile(
    r"\b(?:is|are|was|were|has\s+been|have\s+been)\s+(?:\w+\s+)?(?:documented|discussed|"
    r"mentioned|addressed|provided|recorded|described|indicated|reported)\b", re.IGNORECASE)
# The words of a drug test's result right before a drug ("was negative for tramadol and
# positive for hydrocodone").
# ("positive for oxycodone, morphine and also for hydrocodone": each a finding of the test)
_RESULT_FOR_BEFORE = re.compile(r"\b(?:positive|negative)\s+(?:only\s+)?for\s+(?:the\s+)?"
                                r"(?:[\w/-]+(?:,\s+[\w/-]+)*(?:,\s+|,?\s+(?:and|or)\s+(?:also\s+)?"
                                r"(?:for\s+)?))?\Z", re.IGNORECASE)
# A region named right after a diagnosis: "of the left ankle", "in both knees".
_OF_REGION = re.compile(r"\s+(?:of|in|at)\s+(?:the\s+|his\s+|her\s+|both\s+)?"
                        r"(?:(?:right|left|bilateral)\s+)?" + _REGION_T.slow.pattern,
                        re.IGNORECASE)
# Between a stop word and a drug named after it: a new clause ("..., and", ";", "then").
_NEW_CLAUSE = re.compile(r",\s*and\b|;|\bthen\b", re.IGNORECASE)
# How far after a drug a word of its stop may stand and still be that drug's stop.
_OWN_STOP_REACH = 60
# What makes a stop after a drug not the drug's: a subject of its own between them ("... and
# she has not stopped"), or a stop of doing something ("stopped working").
_OTHER_SUBJECT = re.compile(r"\b(?:he|she|they|i|we|patient|applicant|claimant)\b",
                            re.IGNORECASE)
_GERUND_AFTER = re.compile(r"\s+\w+ing\b", re.IGNORECASE)
# Mentions that make a result phrase in the sentence after a drug test's about something else.
_NOT_A_DRUG_TEST_RESULT = frozenset(("imaging_context", "electrodiagnostic_context",
                                     "diagnosis"))
# Words after a drug that tell it was taken: in a sentence about the request, such a drug is
# one the patient took, not only the one asked for.
_TAKEN_AFTER_T = _Twin(re.compile(
    r"\b(?:(?:has|have|had)\s+(?:been\s+)?(?:taken|taking|used|using)|(?:was|were)\s+"
    r"(?:used|taken)|since)\b", re.IGNORECASE))
# A work status told as a return ("a return to modified duty", "returned to work").
_RETURN_TO_T = _Twin(re.compile(r"\b(?:returned|return|returning|went\s+back|back)\s+to\b",
                                re.IGNORECASE))
# Words of a sentence that may deny a treatment was had ("has never used", "has not had").
_DENIAL_WORDS = ("never", "not ", "n't", "no ", "without")
# A drug named as the patient's own ("an early refill of his Norco"): one taken.
_POSSESSIVE_BEFORE = re.compile(r"\b(?:his|her|their)\s+\Z", re.IGNORECASE)
# Words for a dose of a drug named before ("within an hour of a dose", "after each dose").
_DOSE_TOLD_T = _Twin(re.compile(r"\b(?:a|each|every|one|the|his|her|their)\s+dose\b",
                                re.IGNORECASE))
# A plan's further lines are short; a label ("Work:", "Dx:") starts another part of the note.
_PLAN_LINE_WORDS = 15
_LABEL = re.compile(r"\s*[A-Za-z][\w/&-]*(?:\s+[\w/&-]+){0,3}\s*:")
# Between a drug and a frequency, words of its dose changed ("Percocet cut from 4 a day to 1-2
# a day", "reduce his Norco from four tablets to two a day"): not the dose prescribed.
_DOSE_CHANGED = re.compile(r"\b(?:from|cut|reduced|decreased|increased|tapered|lowered)\b",
                           re.IGNORECASE)
# A word that stands for a drug named before ("She says it takes the edge off", "It lets him
# work his full shift", "the patch helps her sleep").
_DRUG_PRONOUN_T = _Twin(re.compile(
    r"\b(?:it|(?:this|the)\s+(?:medication|medicine|drug|patch|cream|gel|ointment|lotion))\b",
    re.IGNORECASE))
# A mention that ends "no evidence of ...": what was looked for and not seen.
_EVIDENCE_OF_BEFORE = re.compile(r"\bevidence\s+of\s+(?:[\w'-]+,?\s+){0,6}\Z", re.IGNORECASE)
# "50-60%", "70 percent": `a` is the (first) percent. The pattern starts with a digit, so `re`
# skips ahead to digits; the look-behind after it says what a leading `(?<![\d.])` would.
# Digits are read greedily (a shorter run is followed by a digit, which neither form allows
# next), so trying both forms after `a` finds what two alternatives with their own groups would.
_PERCENT = re.compile(r"(?P<a>\d(?<![\d.]\d)\d{0,2})(?:\s*(?:%|percent)?\s*(?:-|to|\u2013)\s*"
                      r"(?P<b>\d{1,3})\s*(?:%|percent)|\s*(?:%|percent))", re.IGNORECASE)
# A share of the pain relieved, in words ("more than half of his back pain gone"), as a percent.
_SHARES = {"half": 50.0, "one half": 50.0, "a third": 33.0, "one third": 33.0,
           "two thirds": 67.0, "a quarter": 25.0, "one quarter": 25.0, "three quarters": 75.0}
_SHARE_T = _Twin(re.compile(r"\b(?:more\s+than|over|about|nearly|almost|roughly|at\s+least)\s+"
                            r"(?P<share>half|(?:a|one)\s+third|two[- ]thirds|(?:a|one)\s+quarter|"
                            r"three[- ]quarters)\b", re.IGNORECASE))
_NUM = (r"(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
        r"(?:a\s+)?few|several|(?:a\s+)?couple\s+of|a|an)")
_DURATION = re.compile(
    rf"(?P<a>{_NUM})(?:\s*(?:-|to|\u2013)\s*(?P<b>{_NUM}))?\s*[- ]?\s*"
    r"(?P<unit>days?|weeks?|wks?|months?|years?|yrs?)\b", re.IGNORECASE)
# Every match of `_DURATION` or `_USE_DURATION` holds one of these (lower-cased): text without
# any has none, found without a scan of every position (`_DURATION`'s leading group gives `re`
# no first character to skip ahead to) or of every "for", "over" and "in".
_DURATION_UNIT = re.compile(r"day|week|wk|month|year|yr")
_USE_DURATION = re.compile(
    rf"\b(?:(?:for|over|in)\s+|x\s*)(?:at\s+least\s+|approximately\s+|about\s+|"
    rf"(?P<more>(?:more|longer)\s+than)\s+(?:the\s+)?(?:recommended\s+)?|over\s+)?"
    rf"(?:as\s+far\s+back\s+as\s+)?(?:the\s+)?(?:last|past|prior)?\s*"
    rf"(?:(?P<n>{_NUM})(?:\s*(?:-|to|\u2013)\s*(?P<n2>{_NUM}))?)?\s*"
    r"(?P<unit>days?|weeks?|months?|years?)\b", re.IGNORECASE)
# "since (at least) April 2015", "started on 1/15/2014": the date a drug was first taken. Every
# alternative starts with a literal word ("was started on" spelt out before "started on", as an
# optional "was" would be tried), so `re` skips ahead to the letters that can start one.
_STARTED = ("started", "begun", "initiated", "added", "first prescribed", "first dispensed",
            "initially prescribed", "prescribed")
_SINCE = re.compile(
    r"\b(?:since|was\s+(?:" + "|".join(_STARTED) + r")\s+(?:for\s+(?:this|that|it)\s+)?(?:on|in)"
    + "".join(rf"|{word}\s+(?:for\s+(?:this|that|it)\s+)?(?:on|in)" for word in _STARTED)
    + r")\s+(?:at\s+least\s+)?(?:as\s+early\s+as\s+)?(?:about\s+)?", re.IGNORECASE)
# After a list of drugs, words that take up all of them: "Ultram and Flexeril; both have been
# prescribed since at least January 2014", "..., all of which she has taken for a year".
_ALL_OF_THEM = re.compile(r"\b(?:both|all|each|these|those|they|which\s+(?:have|were|are))\b",
                          re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"\b(?P<y>(?:19|20)\d{2})\b")
# "open reduction and internal fixation" is surgery, not relief
_RELIEF_WORDS = re.compile(r"\b(?:relief|(?<!open\s)reduction|improve\w*|benefit\w*|decrease\w*|"
                           r"helped|helpful|better|effective)\b", re.IGNORECASE)
# Patterns searched in many sentences start every alternative with `\b` and a literal word
# (no leading group): their `Twin` then lets `re` skip ahead to the letters that can start one.
_NO_BENEFIT_AFTER = (r"\s+(?:\w+\s+){0,2}"
                     r"(?:relief|benefit|improvement|help|helped|helpful|improved)\b")
_NO_BENEFIT = re.compile(
    r"\bfailed\s+(?!to\s+(?:document|provide|indicate|show))|"
    + "|".join(rf"\b{word}{_NO_BENEFIT_AFTER}"
               for word in ("no", "without", "w/o", "not", "minimal", "little",
                            r"failed\s+to\s+provide"))
    # "did not do much", "didn't help"
    + r"|\bdid\s+not\s+(?:help|improve|do\s+much|do\s+anything)"
    + r"|\bdidn[\'’]?t\s+(?:help|do\s+much|do\s+anything)"
    + r"|\bineffective\b|\bunsuccessful\b"
    # "without lasting change"
    + r"|\b(?:no|without)\s+(?:any\s+)?(?:lasting|significant|sustained|meaningful)\s+change\b"
    # "with temporary benefit only": no lasting benefit
    + r"|\b(?:only\s+)?(?:temporary|transient|short-lived)\s+(?:benefit|relief|improvement)\b"
    # "..., none of which produced lasting change": every treatment before it
    + r"|\b(?:none|neither)\s+(?:of\s+(?:which|these|them|those)\s+)?(?:\w+\s+){0,2}?"
      r"(?:helped|controlled|produced|provided|gave|relieved|improved|worked|resolved)\b"
    # "physical therapy (16 visits), acupuncture (8 visits) ..., none with lasting help"
    + r"|\b(?:none|neither)\s+with\s+(?:any\s+)?(?:lasting\s+|significant\s+|sustained\s+)?"
      r"(?:help|relief|benefit|improvement)\b",
    re.IGNORECASE)
_REDUCED_WHAT = r"\s+(?:\w+\s+){0,3}(?:medication|pain\s+medication|opioid|narcotic|analgesic)s?\b"
_WHAT_REDUCED = r"s?\s+(?:use\s+)?(?:was\s+|were\s+)?(?:reduced|decreased)\b"
# "a reduction in Norco use", "decreased medication intake": the drug named by its name.
# (not the use of a limb or an aid: "restrictions reduced from no use of the right arm")
_REDUCED_USE = (r"\s+(?:in\s+)?(?:\w+\s+){0,2}(?:use|usage|intake|consumption|requirements?)\b"
                r"(?!\s+of\s+(?:(?:the|his|her|their)\s+)?(?:right|left|both|bilateral|upper|"
                r"lower|arms?|hands?|legs?|shoulders?|knees?|wrists?|back|neck|cane|walker|"
                r"brace)\b)")
# "her Norco use decreased", "decreased her Norco from 4 tablets to 2", "cut back on Norco".
_USE_REDUCED = (r"\buse\s+(?:was\s+|were\s+|has\s+|had\s+)?(?:reduced|decreased|fell|dropped|"
                r"went\s+down|came\s+down)\b")
_FEWER_TABLETS = r"\s+(?:\w+\s+){0,6}?(?:tablets?|pills?)\b"
# "2 tablets a day", "twice a day": a frequency, not a duration of relief
_FREQUENCY_BEFORE = re.compile(r"(?:\d|times|tablets?|pills?|twice|once|doses?)\s+\Z",
                               re.IGNORECASE)
_MED_REDUCTION = re.compile(
    "|".join([*(rf"\b{word}(?:{_REDUCED_WHAT}|{_REDUCED_USE}|{_FEWER_TABLETS})"
                for word in (r"reduc\w*", r"decreas\w*", "less", "lower")),
              *(rf"\b{word}{_WHAT_REDUCED}" for word in ("medication", "opioid", "narcotic")),
              _USE_REDUCED, r"\bcut\s+back\s+on\b",
              # "she cut her tramadol from three tablets a day to two"
              rf"\bcut{_FEWER_TABLETS}",
              # "she cut her Tylenol use in half"
              rf"\bcut{_REDUCED_USE}", rf"\bcut{_REDUCED_WHAT}",
              # "with Percocet cut from 4 a day to 1-2 a day"
              r"\b(?:cut|reduced|decreased)\s+from\s+(?:\d|one|two|three|four|five|six|eight)"]),
    re.IGNORECASE)
_EQUIVALENTS_AFTER = re.compile(r"\s+(?:milligram\s+)?equivalen", re.IGNORECASE)
# "10/325 mg" right after a drug's name (no anchors: matching at the name's end within the
# drug's own words is matching its words alone).
# After a drug's name, or the other name of it in brackets: "cyclobenzaprine (Flexeril) 10mg".
_STRENGTH = re.compile(r"\s*\)?\s*(?P<dose>(?P<a>\d+(?:\.\d+)?)\s*(?:/\s*\d+(?:\.\d+)?)?\s*"
                       r"(?:mg|mcg|%)?)")
_LEVEL = re.compile(r"\b[CTLS]\s?\d{1,2}(?:\s*-\s*[CTLS]?\s?\d{1,2})?\b")

# The number words that count sessions or injections ("two" ... "twelve", "several").
_COUNTING_WORDS = tuple(w for w, n in _NUMBER_WORDS.items()
                        if n >= 2 and w not in ("few", "couple"))
_COUNT_WORD_LEADS = ("multiple", "multiply", "numerous", *_COUNTING_WORDS)
# "24 sessions of", "two L4-5 epidural steroid injections" (not the 5 of "L4-5": a number
# right after a hyphen or slash is part of a level or a date).
_COUNT_WORDS = re.compile(r"\b(?<![-/.])(?P<w>" + "|".join(_COUNT_WORD_LEADS) + r"|"
                          r"\d{1,3})\s+(?:[\w-]+\s+){0,4}?"
                          r"(?:injections?|blocks?|ESIs?|epidurals?|sessions|visits|treatments)",
                          re.IGNORECASE)
# A count told right after a treatment's name: "PT x 12", "acupuncture x6 (2014)".
_TIMES_AFTER = re.compile(r"\s*(?:(?:x|\u00d7)\s*(?P<n>\d{1,3})\b(?!\s*(?:/|per\b|a\s+week|weekly|"
                          r"weeks?\b|x\b))|\((?P<p>\d{1,3})\))", re.IGNORECASE)
# The treatment told as the patient's first, at the end of its own words: "had a left L5-S1
# transforaminal epidural steroid injection under fluoroscopy, his first".
_FIRST_AFTER = re.compile(r"[^.;,]*,\s+(?:his|her|their)\s+first\b(?!\s+(?:in|since)\b)",
                          re.IGNORECASE)
# What stands between a count and the treatment it counts ("12 sessions of physical therapy",
# "24 sessions of post-operative physical therapy"): "of" and up to two words that join nothing.
_COUNT_OF = re.compile(r"\s+(?:of\s+(?:(?!(?:and|or|with|plus|then)\b)[\w-]+\s+){0,2})?",
                       re.IGNORECASE)
_UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
# Documentation items that speak of a drug's effect: in a sentence about an injection or
# therapy, relief belongs to that treatment (prior_treatment), not to the medication.
_MEDICATION_EFFECTS = frozenset({"analgesia", "medication_efficacy", "pain_scores_with_without"})
# Documentation items also recorded per drug, when a sentence names the drug they are told of.
_PER_DRUG = {"medication_efficacy": "efficacy", "functional_improvement": "functional_improvement"}
_SOURCE_RANK = {"absent_record": 3, "present": 2, "possible": 1, "absent": 0}
# The case facts read from the words of the case family (its `long_term` goes to the drugs).
_CASE_STATUSES = frozenset(("acute_flare", "chronic_pain", "surgery_recent", "red_flag"))
_NONE: frozenset[str] = frozenset()

# The words every match of the patterns read once per treatment sentence starts with: a
# sentence with none of them is not searched (most have none, and a search tries nearly every
# letter of the sentence).
_RELIEF_LEADS = LeadWords(("relief", "reduction", "helped", "helpful", "better", "effective"),
                          prefixes=("improve", "benefit", "decrease"))
_NO_BENEFIT_LEADS = LeadWords(("failed", "no", "without", "w", "not", "minimal", "little", "did",
                               "ineffective", "unsuccessful", "none", "neither", "only",
                               "temporary", "transient", "short-lived"))
_MED_REDUCTION_LEADS = LeadWords(("less", "lower", "medication", "medications", "opioid",
                                  "opioids", "narcotic", "narcotics", "use", "cut"),
                                 prefixes=("reduc", "decreas"))
_COUNT_LEADS = LeadWords(_COUNT_WORD_LEADS, digits=3)
# "... and 6 more", "... and another 8 sessions": the second part of a count
_MORE_NUMBER = r"\d{1,3}|" + "|".join(w for w in _COUNTING_WORDS if w != "several")
_MORE_T = _Twin(re.compile(rf"\band\s+(?:(?P<n>{_MORE_NUMBER})\s+(?:more|additional)|another\s+"
                           rf"(?P<m>{_MORE_NUMBER}))\b", re.IGNORECASE))
_RECORD_VERB_AFTER_T = _Twin(_RECORD_VERB_AFTER)
_RELIEF_WORDS_T = _Twin(_RELIEF_WORDS)
_NO_BENEFIT_T = _Twin(_NO_BENEFIT)
_MED_REDUCTION_T = _Twin(_MED_REDUCTION)
# Medication use told unchanged, in a sentence about a treatment's outcome.
_NO_MED_CHANGE_T = _Twin(re.compile(
    r"\b(?:use|intake|dose|dosage|doses)\s+(?:did\s+not|didn't|has\s+not|had\s+not|was\s+not)\s+"
    r"(?:change|changed|reduced|decreased)\b"
    r"|\bno\s+(?:change|reduction|decrease)\s+in\s+(?:(?:his|her|their|the)\s+)?(?:[\w/-]+\s+){0,2}?"
    r"(?:use|intake|dose|dosage|medications?)\b", re.IGNORECASE))
# A sentence that opens with the date a treatment was had: "On 10/27/2015 he had a ...",
# "On September 10, 2015, she underwent ..." (up to the treatment's name, no other verb).
_ON_DATE_HAD = re.compile(
    r"\s*On\s+[\w/,. -]{4,25}?,?\s+(?:he|she|they|the\s+(?:patient|injured\s+worker|applicant|"
    r"claimant|employee))\s+(?:had|underwent|received|was\s+given|got)\s+(?:[\w-]+\s+){0,6}?\Z",
    re.IGNORECASE)
# Between a word of a drug stopped (the context lexicon's "discontinued") and the drug: "she
# stopped the naproxen she had been taking", "weaned off his Norco".
_STOPPED_GAP = re.compile(r"\s+(?:taking\s+|using\s+)?(?:(?:the|his|her|their)\s+)?",
                          re.IGNORECASE)
# Between a drug and the word of its stop right after it: "(Norco stopped because of nausea)",
# "Valium 5 mg was d/c'd": that drug's stop, not the sentence's other drugs'.
_STOPPED_AFTER = re.compile(r"(?:\s+\d+(?:\.\d+)?\s*(?:mg|mcg)?)?\s*,?\s+(?:was\s+|"
                            r"has\s+been\s+|had\s+been\s+)?", re.IGNORECASE)
_COUNT_WORDS_T = _Twin(_COUNT_WORDS, strip=False)
_SINCE_T = _Twin(_SINCE)
_USE_DURATION_T = _Twin(_USE_DURATION)
_DURATION_T = _Twin(_DURATION)
_ALL_OF_THEM_T = _Twin(_ALL_OF_THEM)
_PERCENT_T = _Twin(_PERCENT)


@dataclass
class _Status:
    """The strongest statement seen about one documentation or case item in one block."""

    rank: int = -1
    status: str = "unknown"
    spans: list[Span] = field(default_factory=list)

    def see(self, status: str, rank: int, span: Span) -> None:
        if rank > self.rank:
            self.rank, self.status, self.spans = rank, status, [span]
        elif rank == self.rank:
            self.spans.append(span)


@dataclass
class _Treatment:
    kind: str
    spans: list[Span] = field(default_factory=list)
    relief_percent: float | None = None
    relief_weeks: float | None = None
    medication_reduction: str = "unknown"
    outcome: str = "unknown"
    on_date: date | None = None
    # every mention's date, for operations: one block may tell of several ("a discectomy in
    # 2012 and a fusion on 5/7/2015"), and the latest is the one recent or not
    dates: list[date] = field(default_factory=list)
    # operations told by their year alone ("a laminectomy in 2008"): the years
    years: list[int] = field(default_factory=list)
    count: int | None = None
    functional_improvement: str = "unknown"
    status: str = "present"  # "absent": only stated not had ("has not had a trial of TENS")


_EXTENDED = re.compile(r"\b(?:ER|CR|SR|XR|XL|LA|extended|controlled|sustained|long[- ]acting)\b",
                       re.IGNORECASE)
_IMMEDIATE = re.compile(r"\b(?:IR|immediate|short[- ]acting)\b", re.IGNORECASE)


def _release(name: str) -> str:
    """How a product named so releases its drug: "extended", "immediate", or "" (not said)."""
    return ("extended" if _EXTENDED.search(name) else "immediate" if _IMMEDIATE.search(name)
            else "")


# Observations hold a drug's medications by generic; a second product of it with its own dose
# by generic, this mark and the product's lexicon key.
_PRODUCT_SEP = "|"


@dataclass
class _Medication:
    key: str
    name: str
    spans: list[Span] = field(default_factory=list)
    strength_mg: float | None = None
    dose_text: str | None = None
    doses_per_day: float | None = None
    first_documented: date | None = None
    duration_days: int | None = None
    long_term: bool = False
    current: bool = True
    new: bool = True  # every mention so far says it is newly prescribed


@dataclass(frozen=True)
class _MergedFacts:
    """The list facts of some blocks, merged (by name)."""

    diagnoses: dict[tuple[str, str | None], DiagnosisFact]
    findings: dict[tuple[str, str], FindingFact]
    treatments: dict[str, PriorTreatmentFact]
    medications: dict[str, MedicationFact]


@dataclass
class Observations:
    """Everything read from one block of text (a summary or a rationale), before merging."""

    doc: dict[str, _Status] = field(default_factory=dict)
    case: dict[str, _Status] = field(default_factory=dict)
    work: list[tuple[str, Span]] = field(default_factory=list)
    # (concept, region) -> (status, spans, words): one entry per region ("right knee strain,
    # lumbar strain"); the key holds the region (`_region_key`)
    diagnoses: dict[tuple[str, str | None], tuple[str, list[Span], str]] = field(
        default_factory=dict)
    findings: dict[tuple[str, str], tuple[str, str | None, list[Span], str]] = field(
        default_factory=dict)
    treatments: dict[str, _Treatment] = field(default_factory=dict)
    medications: dict[str, _Medication] = field(default_factory=dict)
    # generic -> item (medication_efficacy, functional_improvement) -> what sentences naming
    # that drug say of it
    drug_doc: dict[str, dict[str, _Status]] = field(default_factory=dict)
    # the dates of the urine drug tests the block tells of, with their words
    drug_tests: list[tuple[date, Span]] = field(default_factory=list)
    # drug class -> how long the class as a whole has been taken: (first date or None, days
    # or None, the words)
    class_use: dict[str, tuple[date | None, int | None, list[Span]]] = field(
        default_factory=dict)
    # The block's text (furniture blanked) and its offset in the letter, when its dates are
    # wanted but not read yet (`dates`).
    undated: tuple[str, int] | None = field(default=None, repr=False, compare=False)
    _dates: list[DateMatch] = field(default_factory=list, repr=False)
    # Facts `build_case` made of this block alone (immutable models), for the next view of the
    # same letter: the summary is merged into every view. Keyed by what they depend on.
    built: dict[tuple[Any, ...], BaseModel] = field(default_factory=dict, repr=False,
                                                    compare=False)
    # This block's list facts merged (`build_case`), by reference date and lexicon.
    merged: dict[tuple[Any, ...], _MergedFacts] = field(default_factory=dict, repr=False,
                                                        compare=False)

    @property
    def dates(self) -> list[DateMatch]:
        """Every date of the block (offsets into the letter), read when first asked for: a
        letter's key dates usually give the case's reference date, and then none is asked."""
        if self.undated is not None:
            text, base = self.undated
            self._dates = [DateMatch(d.start + base, d.end + base, d.value, d.precision)
                           for d in find_dates(text)]
            self.undated = None
        return self._dates


_FINDING_RANK = {"present": 3, "possible": 2, "absent": 1}
_WORK_STATUSES = frozenset(("full_duty", "modified_duty", "temporarily_disabled", "not_working",
                            "retired"))
_AT_WORK = frozenset(("returned_to_work", "full_duty", "modified_duty"))
_OFF_WORK = frozenset(("temporarily_disabled", "not_working", "retired"))
_WHOLE_PERSON = frozenset(("psychological", "other"))  # diagnosis categories with no region
# What a mention of a normal examination says of its finding, by the mention's own status: a
# negation reaching it is one spread from a list ("no spasm, intact sensation"), as "sensation
# was not intact" is a finding phrase of its own.
_NORMAL_SAYS = {"present": "absent", "absent": "absent", "possible": "possible"}
# The measure told right after a motion ("flexion to 40 degrees", "abduction: 0-130°",
# "flexion was limited to about 30 degrees"): its last number, in degrees; and the normal
# when the note gives it ("flexion 50/60 deg").
_DEGREES = re.compile(r"[\s:]*(?:(?:was|is|were|are)\s+)?(?:(?:mildly|moderately|severely|"
                      r"markedly|slightly|significantly|somewhat)\s+)?(?:(?:limited|restricted|"
                      r"reduced|decreased),?\s+)?(?:(?:to|of|at)\s+)?(?:(?:only|about|"
                      r"approximately)\s+)?"
                      r"(?:\d{1,3}\s*(?:-|\u2013|to)\s*)?(?P<d>\d{1,3})(?:\s*/\s*(?P<of>\d{2,3}))?"
                      r"\s*(?:\u00b0|degrees?\b|deg\b)", re.IGNORECASE)
# How far after a drug's name its dosing may be told ("Norco 10/325 mg, one to two tablets
# every 4-6 hours as needed for pain"), within the words that are the drug's own.
_DOSING_REACH = 90
# A strength grade on the 0-5 scale told right after a muscle or motion: "5/5", "4+/5",
# "strength 4 out of 5", "strength of 4+/5".
_GRADE = re.compile(r"[\s:]*(?:strength\s+(?:of\s+)?)?(?:(?:is|was|were|are)\s+)?"
                    r"(?P<g>[0-5])(?P<m>[+-])?\s*(?:/\s*5|out\s+of\s+5)(?![\d/])", re.IGNORECASE)
# How far before a measured motion the joint it is of may be named ("Right shoulder MRI ...
# [the history and the medications] ... Exam: ... forward flexion 150 degrees"): a paragraph
# of a summary.
_JOINT_REACH = 1500


def _finding_list_patterns(lexicon: Lexicon) -> dict[str, tuple[re.Pattern[str], re.Pattern[str],
                                                                 dict[str, str]]]:
    """Per finding family ("finding.exam", "normal.exam"), what reads an examination list
    (`Lexicon.finding_list_nouns`): the adjectives that may start it, the pattern of a further
    noun of it (lower-cased text), and the finding each noun names."""
    adjectives = lexicon.finding_list_adjectives
    if not adjectives:
        return {}
    starts = re.compile("(?:" + "|".join(re.escape(a.lower()) for a in adjectives) + r")\b")
    out = {}
    for kind, finding_of in lexicon.finding_list_nouns.items():
        said = {" ".join(noun.lower().split()): finding for noun, finding in finding_of.items()}
        alternatives = sorted(said, key=len, reverse=True)  # the longest noun first
        nouns = re.compile(r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)(?P<noun>"
                           + "|".join(r"\s+".join(map(re.escape, n.split())) for n in alternatives)
                           + r")\b")
        for family in (f"finding.{kind}", f"normal.{kind}"):
            out[family] = (starts, nouns, said)
    return out


class Extractor:
    """Reads letters into facts. Build once (lexicons and triggers compile here); reuse."""

    def __init__(self, lexicon: Lexicon | None = None, scope: AssertionScope | None = None
                 ) -> None:
        self.lexicon = lexicon or Lexicon.default()
        self.scope = scope or AssertionScope.default()
        self._subject: str | None = None
        self._low: str | None = None  # the block being read, lower-cased (ASCII blocks)
        self._words: list[int] | None = None  # its word starts, when first needed
        self._scan: tuple[int, int, list[Any]] | None = None  # the last sentence's triggers
        self._references: set[int] = set()  # where the block says "the medication" of its subject
        self._tokens: Tokens | None = None  # the block's words (ASCII blocks)
        self._candidates: TriggerStarts | None = None  # where the block's triggers may start
        # The block's sentence starts and each sentence's mentions.
        self._sentence_starts: list[int] = []
        self._buckets: list[list[tuple[str, str, int, int]]] = []
        # The letter being read, and per item its request's words and classification.
        self._letter: Determination | None = None
        self._words_of: dict[int, RequestWords] = {}
        self._classified: dict[int, RequestFact] = {}
        lx = self.lexicon
        # The families read in every block; drug references last (only with a subject).
        families: list[tuple[str, PhraseMatcher]] = [
            ("diagnosis", lx.diagnosis),
            *((f"finding.{kind}", m) for kind, m in lx.findings.items()),
            *((f"normal.{kind}", m) for kind, m in lx.normal_findings.items()),
            ("imaging_context", lx.imaging_context),
            ("electrodiagnostic_context", lx.electro_context),
            ("doc", lx.documentation), ("drug_test_result", lx.drug_test_result),
            ("case", lx.case), ("work", lx.work),
            ("treatment", lx.treatment), ("drug", lx.drugs), ("context", lx.context),
            ("motion", lx.rom_motions), ("muscle", lx.graded_muscles),
        ]
        self._families = MultiMatcher(families)
        # A class named as a whole: in a summary only (a rationale's "opioids" are the
        # guideline's, or the requested drug's).
        self._summary_families = MultiMatcher(
            [*families, ("drug_class", lx.drug_class_reference)])
        self._families_with_subject = MultiMatcher(
            [*families, ("drug_reference", lx.drug_reference),
             ("therapy_reference", lx.therapy_reference)])
        self._therapy: str | None = None  # the treatment kind a rationale's request asks for
        # The sentence being read (its index in the block), and the treatments (no drugs) the
        # last sentence that named treatments named, with that sentence's index.
        self._sentence_k = 0
        self._procedure_told: tuple[int, tuple[str, ...]] | None = None
        # A note's plan: whether the last sentence read opened or continued one, whether the
        # sentence being read is a further line of it, and the assertion trigger of a plan
        # label, which such a line is read after (None: the scope has none).
        self._plan_open = False
        self._planned = False
        label = self.scope.scan_lowered("plan:", 0, 5)
        self._plan_trigger = label[0] if label else None
        self._finding_lists = _finding_list_patterns(lx)
        self._list_families = frozenset(self._finding_lists)
        # Items whose mention tells pain relief, not only that relief was looked at: pain
        # scores with and without a drug ("7/10 without medication and 4/10 with Daypro") and
        # the groups that stand for them ("Naproxen brings his pain from 7/10 down to 5/10").
        scores = {k for k, v in lx.present_also.items() if "analgesia" in v}
        self._tells_relief = frozenset(
            scores | {k for k, v in lx.doc_also.items() if not scores.isdisjoint(v)})

    # -- one block of text -------------------------------------------------------------------

    def observe(self, block: TextBlock, subject: str | None = None,
                dates: bool = True, therapy: str | None = None) -> Observations:
        """Read one block (its spans are offsets into the letter, via `block.span`).

        `subject` is the drug lexicon key of the item a rationale decides: there, "the
        medication", "opioids" or "this muscle relaxant" mean that drug; `therapy` the
        treatment kind it asks for more of: there, "the sessions" are of that therapy.
        `dates`: collect every date of the block (the summary's give the case's reference
        date).
        """
        obs = Observations()
        self._start_block(subject, therapy)
        original, base = block.text, block.span.start
        # Footers inside a sentence must not split it; offsets stay those of the letter.
        text = blank_furniture(original)
        low = lower(text)
        # Assertion status reads the block's own lower-cased copy and word starts (ASCII text:
        # the same characters as lower-casing each sentence alone).
        self._low = low if text.isascii() else None
        self._words = None
        if dates:
            obs.undated = (text, base)
        sentences = split_sentences(text)
        if not sentences:
            return obs
        starts = [a for a, _b in sentences]
        ends = [b for _a, b in sentences]
        # One scan of the block per family, then each mention to its sentence.
        buckets: list[list[tuple[str, str, int, int]]] = [[] for _ in sentences]
        families = (self._families_with_subject if subject is not None or therapy is not None
                    else self._summary_families if dates else self._families)
        tokens = Tokens(text, low)
        self._tokens = None
        if self._low is not None:
            self._words = tokens.word_starts()
            self._tokens = tokens
            self._candidates = None  # found when a sentence first needs its triggers
        found = families.find_tokens(tokens)
        # In order of start (a stable sort: mentions at one offset keep their family order),
        # so every sentence's bucket is in order too.
        found.sort(key=itemgetter(2))
        for mention in found:
            k = bisect_right(starts, mention[2]) - 1
            if k >= 0 and mention[3] <= ends[k]:
                buckets[k].append(mention)
        # A drug test's result may be told in the sentence after the test's.
        self._sentence_starts, self._buckets = starts, buckets
        pending_duration: tuple[int | None, bool, Span] | None = None
        for k, (s, e) in enumerate(sentences):
            self._planned = self._plan_open and self._plan_goes_on(text, s, e)
            self._plan_open = self._planned
            if buckets[k]:
                self._sentence_k = k
                pending_duration = self._sentence(original, text, base, s, e, buckets[k], obs,
                                                  pending_duration)
            elif self._procedure_told is not None and self._procedure_told[0] == k - 1:
                # a sentence of its outcome alone ("PT x 18 in 2012. No lasting benefit.")
                told = self._procedure_outcome(text, s, e, self._procedure_told[1])
                if told:
                    self._treatments(original, text, base, s, e, told, obs)
                self._procedure_told = None
        if obs.class_use:
            self._apply_class_use(obs)
        return obs

    def _start_block(self, subject: str | None, therapy: str | None) -> None:
        """Forget what was read in the last block: a block's reading state starts empty."""
        # A method of its own, not assignments in `observe`: there a type checker (and mypyc,
        # which trusts it) would take `_procedure_told` for None after the sentences set it.
        self._subject = subject
        self._therapy = therapy
        self._scan = None
        self._references = set()
        self._procedure_told = None
        self._plan_open = False

    def _class_use(self, original: str, text: str, base: int, s: int, e: int,
                   drug_class: str, a: int, b: int, obs: Observations) -> None:
        """Record how long the drug class named at `[a, b)` has been taken, when the sentence
        says ("treated with opioid medications since at least 2010", "on narcotics for
        years"), and says it of this patient."""
        low = self._low
        since = _SINCE_T.search(text, low, b, e)
        first = _since_date(text, since.end(), e) if since else None
        days = _use_duration(text, s, e, low)
        if first is None and days is None:
            return
        status = self._statuses(text, s, e, [(a, b)])[0][0]
        if status != "present":
            return
        end = first[1] if first else e
        obs.class_use[drug_class] = (first[0] if first else None, days,
                                     [self._span(original, base, a, b),
                                      self._span(original, base, since.start() if since else a,
                                                 end)])

    def _apply_class_use(self, obs: Observations) -> None:
        """Give each current drug of a class the block says has long been taken, and that has
        no date or duration of its own, the class's."""
        for med in obs.medications.values():
            if not med.current or med.first_documented or med.duration_days:
                continue
            use = obs.class_use.get(self.lexicon.drug(med.key).drug_class)
            if use is not None:
                med.first_documented, med.duration_days = use[0], use[1]
                med.spans += use[2]

    def _statuses(self, text: str, s: int, e: int, concepts: list[tuple[int, int]],
                  ) -> list[tuple[Assertion, bool]]:
        """`AssertionScope.statuses_detailed` for mentions of the sentence `[s, e)` of the
        block being read."""
        low = self._low
        if low is None:
            return self.scope.statuses_detailed(text, (s, e), concepts)
        scan = self._scan
        if scan is None or scan[0] != s or scan[1] != e:
            if self._candidates is None and self._tokens is not None:
                self._candidates = self.scope.candidates(self._tokens)
            scan = self._scan = (s, e, self.scope.scan_lowered(low, s, e, self._candidates))
        matches = scan[2]
        if self._planned and self._plan_trigger is not None:
            # a further line of a note's plan reads as if its label stood before it (right
            # before: a mention may start the line)
            matches = [(s - 1, s - 1, self._plan_trigger[2]), *matches]
        if not matches:
            return [("present", False)] * len(concepts)
        words = self._words
        if words is None:
            words = self._words = word_starts(text)
        decide = self.scope.decide
        return [decide(matches, words, cs, ce, low) for cs, ce in concepts]

    @staticmethod
    def _plan_goes_on(text: str, s: int, e: int) -> bool:
        """Whether the sentence `[s, e)`, after a note's plan, is a further line of it: terse
        ("UDS for medication monitoring.", "RTC 4 wks."), with no label of its own and no date
        (the narrative's "RFA dated 01/16/2014" ends it)."""
        return (len(text[s:e].split()) <= _PLAN_LINE_WORDS and _LABEL.match(text, s) is None
                and not find_dates(text, s, e))

    def _drug_test_dates(self, original: str, text: str, base: int, s: int, a: int, e: int,
                         obs: Observations) -> None:
        """Record the dates of the drug test named at `a` in the sentence starting at `s`:
        those after it up to `e` ("urine drug screens dated 9-30-2014 and 1-13-2015"), else
        those before it."""
        if _DIGIT.search(text, s, e) is None:
            return
        dates = find_dates(text, a, e) or find_dates(text, s, a)
        obs.drug_tests += [(d.value, self._span(original, base, d.start, d.end)) for d in dates]

    def _drug_run_before(self, text: str, mentions: list[tuple[str, str, int, int]],
                         at: int) -> tuple[str, ...]:
        """The generics of the drugs the sentence lists right before offset `at`: the last
        drug named before it, and those a plain list joins to it ("tramadol and naproxen")."""
        named = [(c, a, b) for f, c, a, b in mentions if f == "drug" and b <= at]
        if not named:
            return ()
        run = [named[-1]]
        for prev in reversed(named[:-1]):
            if not _list_gap(text, prev[2], run[0][1]) or _PAST_MARKER_T.search(
                    text, self._low, prev[2], run[0][1]) is not None:
                break
            run.insert(0, prev)
        return tuple(dict.fromkeys(self.lexicon.drug(c).generic for c, _a, _b in run))

    def _drugs_of_clause(self, text: str, mentions: list[tuple[str, str, int, int]],
                         drugs: tuple[str, ...], s: int, at: int) -> tuple[str, ...]:
        """The drugs what is said at `at` is said of: the sentence's `drugs`, unless it stands in
        a relative clause right after some of them ("gabapentin (since 3-2015), which reduced
        her pain ..., and Lunesta": the gabapentin's)."""
        if len(drugs) < 2:
            return drugs
        last = max((b for f, _c, _a, b in mentions if f == "drug" and b <= at), default=None)
        if last is None or at - last > 80:
            return drugs
        # ... or right after the drug it is said of, its subject ("said that Elavil had
        # improved his sleep", "Celebrex allows her to continue working")
        subject = at - last <= 25 and _CLAUSE_MARK.search(text, last, at) is None
        if not subject and _WHICH.search(text, last, at) is None:
            return drugs
        return self._drug_run_before(text, mentions, at) or drugs

    def _drug_dosed_before(self, text: str, s: int, e: int) -> str | None:
        """The one drug the sentence before `[s, e)` names, when this sentence tells of a dose
        ("within an hour of a dose", "each dose"); else None."""
        if _DOSE_TOLD_T.search(text, self._low, s, e) is None:
            return None
        return self._drug_before(s)

    def _drug_before(self, s: int) -> str | None:
        """The generic of the one drug the sentence before the one starting at `s` names
        (None: none, or several)."""
        k = bisect_right(self._sentence_starts, s) - 1
        if k < 1:
            return None
        named = {self.lexicon.drug(c).generic for f, c, _a, _b in self._buckets[k - 1]
                 if f == "drug"}
        return named.pop() if len(named) == 1 else None

    def _listed_findings(self, text: str, mentions: list[tuple[str, str, int, int]],
                         ) -> list[tuple[str, str, int, int]]:
        """`mentions`, with the findings a list names after a finding mention that starts with
        one of its adjectives ("normal sensation, reflexes and strength"), in order."""
        low = self._low if self._low is not None else lower(text)
        more: list[tuple[str, str, int, int]] = []
        for family, _c, a, b in mentions:
            listing = self._finding_lists.get(family)
            if listing is None or listing[0].match(low, a) is None:
                continue
            nouns, finding_of = listing[1], listing[2]
            at = b
            while (m := nouns.match(low, at)) is not None:
                more.append((family, finding_of[" ".join(m.group("noun").split())],
                             m.start("noun"), m.end("noun")))
                at = m.end()
        if not more:
            return mentions
        return sorted([*mentions, *more], key=itemgetter(2))

    def _span(self, text: str, base: int, s: int, e: int) -> Span:
        return make_span(base + s, base + e, text[s:e])

    def _sentence(self, original: str, text: str, base: int, s: int, e: int,
                  found: list[tuple[str, str, int, int]], obs: Observations,
                  pending: tuple[int | None, bool, Span] | None,
                  ) -> tuple[int | None, bool, Span] | None:
        # The sentence's context words first: they decide which mentions count.
        families = [f for f, _c, _a, _b in found]
        imaging = "imaging_context" in families
        electro = "electrodiagnostic_context" in families
        said = {c for f, c, _a, _b in found if f == "context"} if "context" in families else _NONE
        # A sentence about the request and its review names the treatment asked for, not one
        # the patient had: it gives no medications or prior treatments.
        about_request = "request" in said
        if "plan_label" in said:
            self._plan_open = True
        mentions: list[tuple[str, str, int, int]] = []  # (family, concept, start, end)
        asked_for: set[int] = set()  # where a sentence about the request names treatments
        denies: bool | None = None  # whether a sentence about the request has a denial word
        named_drug = False
        procedure_sentence = drug_sentence = False
        reference: tuple[str, int, int] | None = None
        sessions: tuple[int, int] | None = None  # "the sessions", of the rationale's therapy
        for mention in found:
            f, c = mention[0], mention[1]
            if f == "treatment":
                if about_request:
                    # the treatment asked for is none had; one told as never had is kept (the
                    # statuses decide: "asked for a TENS unit ...; he has never used one"), in
                    # the few such sentences that have a word of denial
                    if denies is None:
                        denies = self._low is None or any(
                            self._low.find(w, s, e) >= 0 for w in _DENIAL_WORDS)
                    if denies and c != "medication":
                        asked_for.add(mention[2])
                        mentions.append(mention)
                    continue
                if c == "medication":
                    drug_sentence = True
                else:
                    procedure_sentence = True
            elif f == "drug":
                if about_request and _TAKEN_AFTER_T.search(
                        text, self._low, mention[3], min(e, mention[3] + 60)) is None and (
                        _STARTED_ONLY.search(text, max(s, mention[2] - 40), mention[2]) is None
                        and _POSSESSIVE_BEFORE.search(text, max(s, mention[2] - 10),
                                                      mention[2]) is None):
                    continue  # the drug asked for, unless told as taken ("Celebrex was used
                    # until the carrier stopped authorizing it") or as prescribed ("and
                    # prescribed Savella ...; she has not started it, pending authorization")
                if _EQUIVALENTS_AFTER.match(text, mention[3]):
                    continue  # "135 mg morphine equivalents per day" is a unit, not a drug
                if text.find("for", max(s, mention[2] - 30), mention[2]) >= 0 and (
                        _RESULT_FOR_BEFORE.search(text, max(s, mention[2] - 60), mention[2])):
                    continue  # "positive for hydrocodone": a drug test's finding, not a drug taken
                named_drug = drug_sentence = True
            elif f == "drug_reference":
                if not about_request and reference is None:
                    reference = (c, mention[2], mention[3])
                continue
            elif f == "motion":
                if not about_request:
                    self._motion_measured(original, text, base, c, mention[2], mention[3], obs)
                continue
            elif f == "muscle":
                if not about_request:
                    self._strength_graded(original, text, base, mention[2], mention[3], obs)
                continue
            elif f == "therapy_reference":
                if not about_request and sessions is None:
                    sessions = (mention[2], mention[3])
                continue
            elif f == "drug_class":
                if not about_request and c not in obs.class_use:
                    self._class_use(original, text, base, s, e, c, mention[2], mention[3], obs)
                continue
            elif f in ("imaging_context", "electrodiagnostic_context", "context") or (
                    f == "finding.imaging" and not imaging) or (
                    f == "finding.electrodiagnostic" and not electro):
                continue
            mentions.append(mention)
        if not self._list_families.isdisjoint(families):
            mentions = self._listed_findings(text, mentions)
        if not named_drug and reference is not None and self._subject is not None:
            mentions.append(("drug", self._subject, reference[1], reference[2]))
            self._references.add(reference[1])
            drug_sentence = True
        if sessions is not None and self._therapy is not None and not procedure_sentence:
            mentions.append(("treatment", self._therapy, *sessions))
            mentions.sort(key=itemgetter(2))  # numbers go to the treatment named before them
            procedure_sentence = True
        # Relief told in the sentence right after one that names a single procedure, naming
        # none itself ("On 10/27/2015 he had a transforaminal ESI. At the visit of 12/03/2015
        # he said he had been 'maybe 30 percent better' for about three weeks"): the
        # procedure's outcome, not a drug's.
        outcome_of: list[tuple[str, int, int]] = []
        if not procedure_sentence and not about_request and self._procedure_told is not None \
                and self._procedure_told[0] == self._sentence_k - 1:
            outcome_of = self._procedure_outcome(text, s, e, self._procedure_told[1], named_drug)
            procedure_sentence = bool(outcome_of)
        if not mentions and not outcome_of:
            return pending
        detailed = self._statuses(text, s, e, [(a, b) for _f, _c, a, b in mentions])
        # The drugs the sentence names: what it says of benefit and function is also theirs.
        sentence_drugs = tuple({self.lexicon.drug(c).generic for f, c, _a, _b in mentions
                                if f == "drug"}) if drug_sentence else ()
        if not named_drug and self._subject is None and not about_request and not \
                procedure_sentence and any(m[0] == "doc" for m in mentions):
            # A summary's "it" or "the patch" for the one drug the sentence before names
            # ("She has used a Lidoderm patch. She says it takes the edge off so she can fold
            # laundry"): what the sentence says of benefit and function is that drug's.
            referred = self._drug_before(s)
            if referred is not None and _DRUG_PRONOUN_T.search(text, self._low, s, e):
                sentence_drugs, drug_sentence = (referred,), True
        long_term = False
        function: str | None = None  # what the sentence says of functional improvement
        treated: list[tuple[str, int, int]] = []
        not_had: list[tuple[str, int, int]] = []
        present_drugs: list[tuple[str, int, int]] = []
        for (family, concept, a, b), (status, by_record) in zip(mentions, detailed, strict=True):
            if status == "hypothetical":
                continue
            # Prior treatments, drugs and work status are read only where they are stated.
            if family == "treatment" and a in asked_for:
                if status == "absent" and concept != "medication":
                    not_had.append((concept, a, b))
                continue
            if family == "treatment":
                # "it is unclear whether she had physical therapy": not a treatment she had
                if status == "present":
                    treated.append((concept, a, b))
                elif status == "absent" and _NO_BENEFIT_FROM_T.search(
                        text, self._low, s, a) is not None:
                    # "no lasting benefit from two ESIs and 20 physical therapy visits": the
                    # benefit is denied, the treatments were had (anywhere in the list before)
                    treated.append((concept, a, b))
                elif status == "absent" and concept != "medication":
                    # ("a lack of documentation of the efficacy of this medication" tells of
                    # a drug's record, not of medication not had)
                    not_had.append((concept, a, b))
            elif family == "drug":
                if status != "absent" or _SCORE_WITHOUT_BEFORE.search(text, max(s, a - 30), a):
                    # ("8 without Norco and 4 with it": a score without the drug taken)
                    present_drugs.append((concept, a, b))
            elif family == "work":
                if status == "present":
                    obs.work.append((concept, self._span(original, base, a, b)))
                    if function is None and concept != "not_working" and _RETURN_TO_T.search(
                            text, self._low, max(s, a - 15), b) is not None:
                        # "Six acupuncture sessions ... were followed by a return to modified
                        # duty": a return to work is the treatment's functional improvement
                        # (8 CCR 9792.20 counts reduced work restrictions)
                        function = "present"
            elif family == "diagnosis":
                self._diagnosis(text, s, a, concept, status, self._span(original, base, a, b),
                                obs)
            elif family.startswith("finding."):
                self._finding(text, a, e, family[8:], concept, status,
                              self._span(original, base, a, b), obs)
            elif family.startswith("normal."):
                # "sensation was intact": the finding is absent (`_NORMAL_SAYS`); "neuro
                # intact": every finding that examination covers
                kind = family[7:]
                if concept == WHOLE_EXAMINATION and status == "absent":
                    continue  # "not neurologically intact" says not which finding
                for finding in (self.lexicon.normal_exam_covers[kind]
                                if concept == WHOLE_EXAMINATION else (concept,)):
                    self._finding(text, a, e, kind, finding, _NORMAL_SAYS[status],
                                  self._span(original, base, a, b), obs)
            elif family == "drug_test_result":
                self._drug_test_result(found, s, concept, status, by_record,
                                       self._span(original, base, a, b), obs)
            else:
                if status == "absent" and not by_record:
                    said_of = _RECORD_VERB_AFTER_T.search(text, self._low, b, e)
                    # "No side effects were reported": the patient reported none (the check was
                    # made), unlike "no side effects are documented".
                    by_record = said_of is not None and not (
                        concept in self.lexicon.monitoring
                        and said_of.group().lower().endswith("reported"))
                elif (status == "absent" and by_record and concept in self.lexicon.monitoring
                      and _EVIDENCE_OF_BEFORE.search(text, max(s, a - 80), a) is not None):
                    # "There was no evidence of drug-seeking or aberrant behavior": none was
                    # seen, so the check was made (unlike "no documentation of ...").
                    by_record = False
                if family == "doc":
                    if concept in _MEDICATION_EFFECTS and procedure_sentence:
                        continue  # "60-75% of pain reduction" after an injection: not analgesia
                    drugs_told = sentence_drugs
                    if not drug_sentence and concept in self.lexicon.drug_sentence_only:
                        # Or one that tells of a dose of the one drug the sentence before
                        # names ("Tylenol #3 was added on 12/17/2013. ... pain dropping from
                        # 7/10 to 4/10 within an hour of a dose").
                        dosed = self._drug_dosed_before(text, s, e)
                        if dosed is None:
                            continue
                        drugs_told = (dosed,)
                    if status == "possible":
                        continue  # "unclear whether she performs a home exercise program"
                    if concept in self.lexicon.negative_docs:
                        # "Percocet, and, in the past, tramadol and naproxen, which were
                        # stopped for lack of effect": the drugs of the list right before it.
                        drugs_told = self._drug_run_before(text, mentions, a) or drugs_told
                    else:
                        drugs_told = self._drugs_of_clause(text, mentions, drugs_told, s, a)
                    span = self._span(original, base, a, b)
                    self._documentation(concept, status, by_record, span, obs, drugs_told)
                    if concept == "urine_drug_test" and status == "present" and not about_request:
                        # its dates run to the next item the sentence tells of ("..., and a
                        # CURES report from February 2015")
                        upto = min((m[2] for m in found if m[2] > b and m[0] == "doc"
                                    and m[1] != concept), default=e)
                        self._drug_test_dates(original, text, base, s, a, upto, obs)
                    if function != "absent" and (
                            concept == "functional_improvement"
                            or "functional_improvement" in self.lexicon.doc_also.get(concept, ())):
                        function = status  # ("back to lifting 40 lb": what a group tells too)
                    relief = concept == "analgesia" or (status == "present"
                                                        and concept in self._tells_relief)
                    if relief and drug_sentence:
                        # Pain relief told of a drug is that drug's documented benefit.
                        self._documentation("medication_efficacy", status, by_record, span, obs,
                                            drugs_told)
                    elif relief and not procedure_sentence:
                        # So is relief told right after a sentence that starts or names one
                        # drug ("Gabapentin was started on 8/5/14. At follow-up the burning
                        # pain had decreased by 30%").
                        before = self._drug_before(s)
                        if before is not None:
                            self._documentation("medication_efficacy", status, by_record, span,
                                                obs, (before,))
                elif concept == "long_term":  # family "case"
                    long_term = long_term or status == "present"  # read with the drugs
                else:
                    rank = _SOURCE_RANK["absent_record" if status == "absent" and
                                        by_record else status]
                    obs.case.setdefault(concept, _Status()).see(
                        "present" if status in ("present", "possible") else "absent", rank,
                        self._span(original, base, a, b))
        if sentence_drugs and not procedure_sentence and not about_request:
            # "His pain level is 8 without Norco and 4 with it", "VAS 8 before Norco and VAS 7
            # after it": scores with and without the drug, in any notation
            pair = _score_pair(text, self._low, s, e)
            if pair is not None:
                (pain_without, pain_with), told_at, told_end = pair
                span = self._span(original, base, told_at, told_end)
                eased = "present" if pain_with < pain_without else "absent"
                told_of = self._drugs_of_clause(text, mentions, sentence_drugs, s, told_at)
                # the scores are documented either way; relief only when lower with the drug
                obs.doc.setdefault("pain_scores_with_without", _Status()).see(
                    "present", _SOURCE_RANK["present"], span)
                self._documentation("analgesia", eased, False, span, obs)
                self._documentation("medication_efficacy", eased, False, span, obs, told_of)
        if not_had:
            self._not_had(original, text, base, e, not_had, obs)
        if treated:
            procedures = tuple(dict.fromkeys(c for c, _a, _b in treated if c != "medication"))
            self._procedure_told = (self._sentence_k, procedures) if procedures else None
        else:
            self._procedure_told = None
        treated.extend(outcome_of)
        # where the sentence says a drug was discontinued
        stops = ([(a, b) for f, c, a, b in found if f == "context" and c == "discontinued"]
                 if "discontinued" in said else [])
        if treated:
            self._treatments(original, text, base, s, e, treated, obs, function,
                             [a for f, _c, a, _b in mentions if f == "drug"],
                             [b for _a, b in stops])
        elif not present_drugs:
            return None  # no drug, no medication: nothing carries over to the next sentence
        return self._medications(original, text, base, s, e, present_drugs, treated, obs,
                                 pending, long_term, stops, "new_prescription" in said)

    def _diagnosis(self, text: str, s: int, a: int, concept: str, status: str, span: Span,
                   obs: Observations) -> None:
        region = self.lexicon.diagnosis_region.get(concept)
        if region is None and self.lexicon.diagnosis_category[concept] not in _WHOLE_PERSON:
            # The region named nearest before the diagnosis ("lumbar radiculopathy"); a
            # condition of the whole person (depression, obesity) has none.
            before = list(_REGION_T.finditer(text, self._low, max(s, a - 40), a))
            named = before[-1].group("r") if before else None
            if not before or a - before[-1].end() > 15:
                # ... unless the diagnosis is "of" a region named right after it ("post-traumatic
                # arthritis of the left ankle", "lumbar radiculopathy and sprain of the wrist")
                after = _OF_REGION.match(text, a + len(span.text))
                named = after.group("r") if after else named
            if named:
                word = " ".join(named.lower().split())
                region = _REGION_NAMES.get(word, word)
        key = _region_key(obs.diagnoses, concept, region)
        old = obs.diagnoses.get(key)
        if old is None or _FINDING_RANK[status] > _FINDING_RANK[old[0]]:
            obs.diagnoses[key] = (status, [span], span.text)
        elif _FINDING_RANK[status] == _FINDING_RANK[old[0]]:
            old[1].append(span)

    def _procedure_outcome(self, text: str, s: int, e: int, kinds: tuple[str, ...],
                           names_drug: bool = False) -> list[tuple[str, int, int]]:
        """The words of sentence `[s, e)` that tell the outcome of the treatments `kinds` named
        in the sentence before (no benefit; a pain score that fell; a percent, or a time, with
        words of relief), as mentions of them: of the one treatment named there, or of all of
        several when the sentence opens with "None" or "Neither". In a sentence that names
        drugs (`names_drug`), words of no benefit are theirs, not the treatments'."""
        low = self._low
        if len(kinds) > 1:
            # "Prior tx: PT, chiropractic, acupuncture, ESIs, meds. None gave lasting improvement."
            every = _NONE_OF_THEM.match(text, s, e) if not names_drug else None
            if every is None or _NO_BENEFIT_T.search(text, low, s, e) is None:
                return []
            return [(kind, every.start(), every.end()) for kind in kinds]
        kind = kinds[0]
        failed = None if names_drug else _NO_BENEFIT_T.search(text, low, s, e)
        if failed is not None:
            # "Tx to date: PT x 18 in 2012. No lasting benefit."
            return [(kind, failed.start(), failed.end())]
        drop = _SCORE_DROP.search(text, s, e)
        if drop is not None:
            # "during use her pain dropped from seven to four out of ten"
            return [(kind, drop.start(), drop.end())]
        relief = _RELIEF_WORDS_T.search(text, low, s, e)
        if relief is None:
            return []
        told = (_PERCENT_T.search(text, low, s, e) if low is None or low.find("%", s, e) >= 0
                or low.find("percent", s, e) >= 0 else None) or _DURATION_T.search(
                    text, low, s, e)
        if told is None:
            return []
        return [(kind, min(relief.start(), told.start()), max(relief.end(), told.end()))]

    def _motion_measured(self, original: str, text: str, base: int, motion: str, a: int,
                         b: int, obs: Observations) -> None:
        """A motion measured in degrees ("flexion to 40 degrees"): decreased range of motion
        when below the lexicon's fraction of the normal for that motion at the joint named
        last before it, otherwise range of motion not decreased. When no joint is named, or
        none with a normal for that motion, only a measure below the lowest normal of any joint
        says something (decreased). A motion with no measure says nothing."""
        measure = _DEGREES.match(text, b)
        if measure is None:
            self._strength_graded(original, text, base, a, b, obs)
            return
        normal = self.lexicon.rom_normal[motion]
        expected: float | None = None
        if measure.group("of"):
            expected = float(measure.group("of"))  # the note's own normal
        elif joints := list(_REGION_T.finditer(text, self._low, max(0, a - _JOINT_REACH), a)):
            joint = " ".join(joints[-1].group("r").lower().split())
            expected = normal.get(_REGION_NAMES.get(joint, joint))
        below = self.lexicon.rom_decreased_below
        if int(measure.group("d")) < (expected or min(normal.values())) * below:
            status = "present"
        elif expected is not None:
            status = "absent"
        else:
            return
        self._finding(text, a, b, "exam", "decreased_rom", status,
                      self._span(original, base, a, measure.end()), obs)

    def _strength_graded(self, original: str, text: str, base: int, a: int, b: int,
                         obs: Observations) -> None:
        """A muscle or motion graded right after it ("EHL 5/5", "quadriceps strength 4+/5"):
        motor weakness below full strength, none at full strength."""
        grade = _GRADE.match(text, b)
        if grade is None:
            return
        weak = grade.group("g") != "5" or grade.group("m") == "-"
        self._finding(text, a, b, "exam", "motor_weakness", "present" if weak else "absent",
                      self._span(original, base, a, grade.end()), obs)

    def _finding(self, text: str, a: int, e: int, kind: str, concept: str, status: str,
                 span: Span, obs: Observations) -> None:
        level_m = _LEVEL.search(text, a, min(e, a + 80))
        level = " ".join(level_m.group().split()) if level_m else None
        key = (kind, concept)
        old = obs.findings.get(key)
        if old is None or _FINDING_RANK[status] > _FINDING_RANK[old[0]]:
            obs.findings[key] = (status, level, [span], span.text)
        elif _FINDING_RANK[status] == _FINDING_RANK[old[0]]:
            old[2].append(span)

    def _documentation(self, concept: str, status: str, by_record: bool, span: Span,
                       obs: Observations, drugs: tuple[str, ...] = ()) -> None:
        """Record what a mention says of documentation item `concept`; `drugs`: the generics
        of the drugs its sentence names (their own benefit and functional improvement)."""
        lexicon = self.lexicon
        if concept in lexicon.negative_docs:
            # "The ibuprofen barely touched the pain": no benefit from the drugs named, said of
            # them only (the records may tell of another drug's benefit). "It was not
            # ineffective" is too rare to read either way.
            if status == "present" and not by_record:
                for other in lexicon.doc_also.get(concept, ()):
                    _tell_of_drugs(obs, drugs, other, "absent", _SOURCE_RANK["absent"], span)
            return
        if concept in lexicon.drug_docs:
            rank = _SOURCE_RANK["absent_record" if status == "absent" and by_record else status]
            said = "absent" if status == "absent" else "present"
            for other in lexicon.doc_also.get(concept, ()):
                _tell_of_drugs(obs, drugs, other, said, rank, span)
                # of the letter, the weakest statement: any other word on the item wins
                obs.doc.setdefault(other, _Status()).see(said, _SOURCE_RANK[said], span)
            return
        for other in lexicon.doc_also.get(concept, ()):
            self._documentation(other, status, by_record, span, obs, drugs)
        for other in lexicon.documents.get(concept, ()):
            obs.doc.setdefault(other, _Status()).see("present", _SOURCE_RANK["present"], span)
        if concept in lexicon.doc_groups:
            return  # "the 4 A's": said of its items only
        record_negation = status == "absent" and by_record
        # "8/10 without and 4/10 with medications": the pain relief is documented (present_also);
        # "no aberrant behavior", and "no documentation of aberrant behavior" as the reviewers
        # read it: none was found (absent_also).
        implied = (lexicon.present_also if status == "present" else
                   lexicon.absent_also if status == "absent" else None)
        if implied:
            for other in implied.get(concept, ()):
                obs.doc.setdefault(other, _Status()).see(status, _SOURCE_RANK[status], span)
        if status == "absent" and not record_negation and concept in lexicon.monitoring:
            # "denies side effects", "no aberrant behavior": the check is documented.
            status = "present"
        rank = _SOURCE_RANK["absent_record" if record_negation else status]
        said = "absent" if status == "absent" else "present"
        obs.doc.setdefault(concept, _Status()).see(said, rank, span)
        _tell_of_drugs(obs, drugs, concept, said, rank, span)

    def _drug_test_result(self, found: list[tuple[str, str, int, int]], s: int, result: str,
                          status: str, by_record: bool, span: Span, obs: Observations) -> None:
        """doc.urine_drug_test_consistent from a result phrase of the sentence starting at
        `s` (whose mentions are `found`), when it or the sentence before names a drug test."""
        if status not in ("present", "absent") or by_record:
            # Uncertain, or "no documentation that the screen was consistent": not a result.
            return
        if not _names_drug_test(found):
            k = bisect_right(self._sentence_starts, s) - 1
            if k < 1 or not _names_drug_test(self._buckets[k - 1]) or any(
                    f in _NOT_A_DRUG_TEST_RESULT or f.startswith("finding.") for f, *_ in found):
                # "consistent with" about something else ("MRI findings were consistent with
                # radiculopathy", after a sentence about a drug screen)
                return
        matched = (result == "consistent") == (status == "present")
        obs.doc.setdefault("urine_drug_test_consistent", _Status()).see(
            "present" if matched else "absent", _SOURCE_RANK[status], span)
        # The screen is a check for aberrant drug-taking, and its result what it found: a
        # substance not prescribed is such behaviour, a consistent screen found none.
        obs.doc.setdefault("aberrant_behavior", _Status()).see(
            "present", _SOURCE_RANK["present"], span)
        obs.doc.setdefault("aberrant_behavior_found", _Status()).see(
            "absent" if matched else "present", _SOURCE_RANK[status], span)

    def _treatments(self, original: str, text: str, base: int, s: int, e: int,
                    treated: list[tuple[str, int, int]], obs: Observations,
                    function: str | None = None, drug_starts: Sequence[int] = (),
                    stop_ends: Sequence[int] = ()) -> None:
        """Read the prior treatments `treated` of the sentence `[s, e)`: their relief,
        duration, outcome, count and date, and `function`, what the sentence says of
        functional improvement ("completed 12 sessions with objective functional
        improvement"), as theirs. `drug_starts`: where the sentence names drugs;
        `stop_ends`: where its words of a drug stopped (the context lexicon's) end."""
        # Numbers belong to the nearest treatment named before them in the sentence.
        starts = [a for _c, a, _b in treated]
        for concept, a, b in treated:
            t = obs.treatments.get(concept)
            if t is None or t.status == "absent":  # had after all: what was had counts
                t = obs.treatments[concept] = _Treatment(concept)
            t.spans.append(self._span(original, base, a, b))
        low = self._low
        # The sentence's words (ASCII blocks): patterns none of whose leading words it has
        # are not searched.
        tokens = self._tokens
        words = (tokens.words[bisect_left(tokens.starts, s):bisect_left(tokens.starts, e)]
                 if tokens is not None else None)
        relief_said = _led_search(_RELIEF_WORDS_T, _RELIEF_LEADS, words, text, low, s, e)
        if relief_said is None and (low is None or low.find("pain", s, e) >= 0):
            relief_said = _SCORE_DROP.search(text, s, e)  # "pain dropped from 7 to 4 of ten"
        relief = relief_said is not None
        if relief:
            # Every percent holds a "%" or the word "percent".
            percents = (_PERCENT_T.finditer(text, low, s, e) if low is None
                        or low.find("%", s, e) >= 0 or low.find("percent", s, e) >= 0 else ())
            shares = [(m.start(), m.end(), float(m.group("a"))) for m in percents]
            if not shares and (share := _SHARE_T.search(text, low, s, e)) is not None:
                # "more than half of his back pain gone": a share in words
                shares = [(share.start(), share.end(),
                           _SHARES[" ".join(share.group("share").lower().replace("-", " ")
                                            .split())])]
            for at, end, value in shares:
                owner = treated[max(0, _teller(text, treated, starts, at))][0]
                t = obs.treatments[owner]
                t.relief_percent = value if t.relief_percent is None else min(
                    t.relief_percent, value)
                t.spans.append(self._span(original, base, at, end))
            durations = (_DURATION_T.finditer(text, low, s, e)
                         if low is None or _DURATION_UNIT.search(low, s, e) else ())
            for m in durations:
                if not _RELIEF_WORDS_T.search(text, low, max(s, m.start() - 60),
                                              min(e, m.end() + 40)):
                    continue
                if m.group("a").lower() in ("a", "an") and _FREQUENCY_BEFORE.search(
                        text, max(s, m.start() - 20), m.start()):
                    continue
                owner = treated[max(0, _teller(text, treated, starts, m.start()))][0]
                weeks = _weeks(m.group("a"), m.group("unit"))
                if weeks is None:
                    continue
                t = obs.treatments[owner]
                t.relief_weeks = weeks if t.relief_weeks is None else min(t.relief_weeks, weeks)
                t.spans.append(self._span(original, base, m.start(), m.end()))
        # What the sentence says of every treatment it names: read once. An outcome told in a
        # relative clause is that of the treatment the clause follows ("..., an ESI in 2012
        # that provided no lasting benefit, and a TENS unit which did not help"); else of all.
        no_benefit_said = _led_search(_NO_BENEFIT_T, _NO_BENEFIT_LEADS, words, text, low, s, e)
        failed_own: set[str] = set()
        helped_own: set[str] = set()
        # Clauses need a relative word and two treatments to tell apart: most sentences have
        # neither, and every outcome of theirs is all their treatments'.
        # (A list of treatments told in clauses apart, "PT x 12 with improvement; chiropractic
        # x 6 w/o lasting benefit", tells each one's outcome in its own clause.)
        semicolons = text.find(";", starts[0], e) >= 0 if len(treated) > 1 else False
        clauses = len(treated) > 1 and (
            no_benefit_said is not None or relief_said is not None) and (
                semicolons or _RELATIVE_T.search(text, low, s, e) is not None)
        failed_all = no_benefit_said is not None and not clauses
        helped_all = relief_said is not None and not clauses
        if clauses:
            failed_spans: list[tuple[int, int]] = []
            if no_benefit_said is not None:
                for m in _NO_BENEFIT_T.finditer(text, low, no_benefit_said.start(), e):
                    failed_spans.append(m.span())
                    if m.group().lower().startswith(("none", "neither")):
                        # "..., none of which helped": said of all the treatments before it,
                        # unless drugs stand between ("PT, with ibuprofen and naproxen,
                        # neither of which controlled his pain": the drugs').
                        last = max((b for _c, a, b in treated if a < m.start()), default=None)
                        if last is not None and not any(last <= d < m.start()
                                                        for d in drug_starts):
                            failed_all = True
                        continue
                    told_of = _clause_owner(text, low, treated, starts, m, semicolons)
                    if told_of is None:
                        failed_all = True
                    else:
                        failed_own.add(told_of)
            if relief_said is not None:
                for m in _RELIEF_WORDS_T.finditer(text, low, relief_said.start(), e):
                    if any(a <= m.start() < b for a, b in failed_spans):
                        continue  # "minimal relief": said of a failure
                    told_of = _clause_owner(text, low, treated, starts, m, semicolons)
                    if told_of is None:
                        helped_all = True
                    else:
                        helped_own.add(told_of)
        red = _led_search(_MED_REDUCTION_T, _MED_REDUCTION_LEADS, words, text, low, s, e)
        reduction = None
        if red:
            st = self._statuses(text, s, e, [(red.start(), red.end())])[0][0]
            reduction = "absent" if st == "absent" else "present"
        elif _NO_MED_CHANGE_T.search(text, low, s, e) is not None:
            reduction = "absent"  # "his Norco use did not change"
        elif any(_STOPPED_GAP.fullmatch(text, stop, d) for stop in stop_ends
                 for d in drug_starts if 0 < d - stop <= 30):
            reduction = "present"  # "... relief; during that time she stopped the naproxen"
        # A count is that of the treatment its words name ("24 sessions of physical therapy
        # and 6 sessions of chiropractic"), else of the one named last before it.
        counts: dict[str, int] = {}
        if words is None or _COUNT_LEADS.any_in(words):
            for count in _COUNT_WORDS_T.finditer(text, low, s, e):
                word = count.group("w").lower()
                # "12 sessions of physical therapy"; not "therapy x 8 visits, chiropractic"
                named = [c for c, a, _b in treated
                         if count.start() < a and (a <= count.end() or _COUNT_OF.fullmatch(
                             text, count.end(), a) is not None)]
                owner = named[0] if named else treated[
                    max(0, bisect_right(starts, count.start()) - 1)][0]
                if owner in counts:
                    continue
                counts[owner] = int(_count(word) or 2)  # "multiple", "numerous": at least two
                # "12 sessions of physical therapy in late 2013 and 6 more in 2014": one count
                more = _MORE_T.search(text, low, count.end(), e)
                if more is not None and not any(count.end() < ta < more.end() + 25
                                                for c, ta, _tb in treated if c != owner):
                    counts[owner] += int(_count(more.group("n") or more.group("m")) or 0)
        for concept, _a, b in treated:
            # "PT x 12", "chiropractic x 6": the count right after the treatment's name (not the
            # "2 x 4" of a plan, which has a number before the "x")
            times = _TIMES_AFTER.match(text, b, e)
            if times is not None:
                counts[concept] = int(times.group("n") or times.group("p"))
            elif _FIRST_AFTER.match(text, b, min(e, b + 90)) is not None:
                counts[concept] = 1  # "... transforaminal epidural steroid injection, his first"
        # A treatment named only as the time of another ("injections after the fusion helped")
        # takes none of the sentence's outcomes.
        timing: frozenset[str] | set[str] = _NONE
        if (failed_all or helped_all) and len(treated) > 1:
            named_as_time = [k > 0 and _time_of_before(text, treated, k)
                             for k in range(len(treated))]
            if any(named_as_time):
                timing = ({c for (c, _a, _b), t in zip(treated, named_as_time, strict=True) if t}
                          - {c for (c, _a, _b), t in zip(treated, named_as_time, strict=True)
                             if not t})
        for concept, a, _b in treated:
            t = obs.treatments[concept]
            if concept in timing:
                failed, helped = concept in failed_own, concept in helped_own
            else:
                failed = concept in failed_own or (failed_all and concept not in helped_own)
                helped = concept in helped_own or helped_all
            if failed:
                t.outcome = "no_benefit"
            elif t.outcome == "unknown" and helped:
                t.outcome = "improved"
            if reduction is not None:
                t.medication_reduction = reduction
            if concept in counts and t.count is None:
                t.count = counts[concept]
            if function is not None:
                t.functional_improvement = function
            if t.on_date is None and (on := _ON_DATE_HAD.match(text, s, a)) is not None:
                # "On September 10, 2015 she had a right C6-C7 interlaminar ESI"
                told = first_date(text, s, on.end())
                if told is not None:
                    t.on_date = _day_of(told)
            if (t.on_date is None or concept == "surgery") \
                    and _DIGIT.search(text, a, e) is not None:
                # Only a date after the treatment's name is its date ("The 5/27/2014 report
                # indicates ... epidural in 2012" is the report's date). Every date has a
                # digit: most treatments are followed by none and need no date search.
                # (within its own clause: "a solid fusion ..., and electrodiagnostic testing
                # on 8/21/2012 showed ..." is no date of the fusion)
                clause = _NEW_CLAUSE.search(text, a, e)
                end = e if clause is None else clause.start()
                for d in find_dates(text, a, end):
                    if t.on_date is None:
                        t.on_date = d.value
                    if concept == "surgery":
                        t.dates.append(d.value)
                    break
                else:
                    if concept == "surgery" and (year := _IN_YEAR.search(text, b, end)):
                        t.years.append(int(year.group("y")))

    def _not_had(self, original: str, text: str, base: int, e: int,
                 not_had: list[tuple[str, int, int]], obs: Observations) -> None:
        """Record the treatments of a sentence stated not had ("He has not had a trial of
        TENS", "no physical therapy"), unless the block already tells of them had, or the
        sentence limits the time ("has not had therapy since 2013": it had some before)."""
        for concept, a, b in not_had:
            if concept in obs.treatments:
                t = obs.treatments[concept]
                if t.status == "absent":
                    t.spans.append(self._span(original, base, a, b))
                continue
            if _FOR_A_TIME_T.search(text, self._low, b, e) is not None:
                continue
            obs.treatments[concept] = _Treatment(
                concept, spans=[self._span(original, base, a, b)], status="absent")

    def _medications(self, original: str, text: str, base: int, s: int, e: int,
                     drugs: list[tuple[str, int, int]], treated: list[tuple[str, int, int]],
                     obs: Observations, pending: tuple[int | None, bool, Span] | None,
                     has_long_term: bool, stops: list[tuple[int, int]], newly: bool,
                     ) -> tuple[int | None, bool, Span] | None:
        """Record the sentence's `drugs` as medications. `stops`: where it says a drug was
        discontinued, in order."""
        lx = self.lexicon
        stopped = stops[0][0] if stops else None
        if not drugs:
            # "has been taking the following medications for at least six months." — the
            # duration belongs to the drugs the next sentence lists.
            if not any(c == "medication" for c, _a, _b in treated):
                return None
            duration = _use_duration(text, s, e, self._low)
            if duration or has_long_term:
                span = self._span(original, base, s, e)
                return (duration, has_long_term, span)
            return None
        low = self._low
        bounds = [a for _k, a, _b in drugs] + [e]
        procedure = any(kind != "medication" for kind, _a, _b in treated)
        # What the sentence says after its last drug of all its drugs ("both have been ...").
        shared = (_ALL_OF_THEM_T.search(text, low, drugs[-1][2], e)
                  if len(drugs) > 1 else None)
        # "..., and tramadol, which was discontinued due to nausea", "gabapentin (stopped for
        # dizziness)": that drug only; else the sentence's every drug.
        stopped_one = None
        if stopped is not None:
            before = [d for d in drugs if d[2] <= stopped]
            if before and stopped - before[-1][2] <= _OWN_STOP_REACH and (
                    "(" in text[before[-1][2]:stopped]  # "gabapentin (stopped for dizziness)"
                    or (_STOPPED_AFTER.fullmatch(text, before[-1][2], stopped) is not None
                        and not (len(before) > 1  # "Norco and Soma stopped": the list's
                                 and _list_gap(text, before[-2][2], before[-1][1])))
                    or _RELATIVE_T.search(text, low, before[-1][2], stopped) is not None):
                stopped_one = before[-1][1]
        # A plain list of drugs with their doses ("Norco 10/325 mg three times daily and Soma
        # 350 mg twice daily for over a year, and ..."): the date or duration told after a
        # later drug of the list, before anything else is said, is said of them all.
        listed = [_list_gap(text, b, bounds[i + 1])
                  for i, (_k, _a, b) in enumerate(drugs[:-1])] if shared is None else []
        opening_since = _SINCE_T.search(text, low, s, drugs[0][1])
        for i, (key, a, b) in enumerate(drugs):
            entry = lx.drug(key)
            own_end = bounds[i + 1]
            strength = _STRENGTH.match(text, b, own_end)
            held = entry.generic
            med = obs.medications.get(held)
            if (med is not None and med.strength_mg is not None and strength
                    and strength.group("a") and (med.key != key or _release(med.name)
                                                 != _release(text[a:b]))):
                # Two products of one drug, each with its dose ("OxyContin 40 mg every 12 hours
                # and oxycodone 15 mg for breakthrough pain", "Nucynta ER 100 mg and Nucynta
                # 50 mg"): two medications.
                held = f"{entry.generic}{_PRODUCT_SEP}{key}"
                med = obs.medications.get(held)
            if med is None:
                named = key != self._subject or a not in self._references  # not "the medication"
                med = obs.medications[held] = _Medication(
                    key, name_as_written(text[a:b]) if named else entry.name)
            med.spans.append(self._span(original, base, a, b))
            if strength and med.strength_mg is None and strength.group("a"):
                med.strength_mg = float(strength.group("a"))
                med.dose_text = " ".join(strength.group("dose").split()) or None
            if med.doses_per_day is None and (dosed := lx.dose_frequency.per_day(
                    text, b, min(own_end, b + _DOSING_REACH))) is not None and \
                    _DOSE_CHANGED.search(text, b, dosed[1]) is None:
                # (not a dose changed: "Percocet cut from 4 a day to 1-2 a day")
                # "Norco 10/325 mg 1-2 tablets q6h prn", told in the drug's own words
                med.doses_per_day = dosed[0]
                med.spans.append(self._span(original, base, dosed[1], dosed[2]))
            since = _SINCE_T.search(text, low, b, own_end)
            since_end = own_end
            if since is None and shared is not None and own_end < e:
                # an earlier drug's date, told after "both"
                since, since_end = _SINCE_T.search(text, low, shared.end(), e), e
            told = None  # (start, end) of the list's words that tell a date or duration
            if listed and i < len(listed) and listed[i]:
                told = self._told_of_list(text, drugs, bounds, listed, i)
            if since is None and told is not None:
                since, since_end = _SINCE_T.search(text, low, *told), told[1]
            dated = None
            if since is None and opening_since is not None and _NEW_CLAUSE.search(
                    text, opening_since.end(), a) is None:
                # "Since 2012 she has taken celecoxib ... together with pantoprazole": a date
                # the sentence opens with, before its drugs, is each one's without its own
                dated = _since_date(text, opening_since.end(), drugs[0][1])
                said_from = opening_since.start()
            if dated is None and since:
                dated = _since_date(text, since.end(), since_end)
                said_from = since.start()  # "since at least April 13, 2015"
            elif dated is None and (started := _started_before(text, low, max(s, a - 70), a)):
                # "was started on tramadol 50 mg on 2/3/2015": the date after the drug; for a
                # switch, else the one before it ("until December 2013, when he was switched
                # to Zohydro ER").
                dated = _dated_after(text, b, own_end)
                said_from = started.start()
                if dated is None and started.group().lower().startswith(_SWITCH_WORDS):
                    dated = _until_date(text, s, started.start())
            if dated and (med.first_documented is None or dated[0] < med.first_documented):
                med.first_documented = dated[0]
                # The evidence runs to the date's end.
                med.spans.append(self._span(original, base, said_from, dated[1]))
            own_duration = _use_duration(text, b, own_end, low)
            if own_duration is not None and newly and _PLANNED_COURSE_T.search(
                    text, low, b, own_end) is not None:
                # "The physician prescribed Amrix 15mg once daily for two weeks": the course
                # prescribed, not the days it has been taken.
                own_duration = None
            if own_duration is None and shared is not None and i < len(drugs) - 1:
                own_duration = _use_duration(text, shared.end(), e, low)
            elif own_duration is None and told is not None:
                own_duration = _use_duration(text, told[0], told[1], low)
            if own_duration is None and i == len(drugs) - 1 and not procedure:
                # "For the past six months she has taken Norco": a duration before the drugs is
                # the last one's, unless the sentence tells of a procedure ("an ESI gave 70%
                # relief for four months"); one after an earlier drug is that drug's own.
                own_duration = _use_duration(text, s, drugs[0][1], low)
            if own_duration is not None:
                med.duration_days = max(med.duration_days or 0, own_duration)
            if has_long_term:
                med.long_term = True
            # "He prescribed capsaicin cream, and Lyrica was continued": Lyrica is not new.
            med.new = med.new and newly and not _continued(text, low, s, a, b, own_end)
            if (stopped is not None and stopped_one in (None, a)
                    # a drug a new clause names after the stop ("... stopped authorizing it,
                    # and the physician then prescribed Arthrotec") is not the one stopped
                    and not (a > stopped and _NEW_CLAUSE.search(text, stopped, a))) or any(
                    # a later stop in the drug's own clause, before the next drug ("...;
                    # Lyrica caused leg swelling and was stopped after a month; ...")
                    b < p < own_end and p - b <= _OWN_STOP_REACH
                    and _NEW_CLAUSE.search(text, b, p) is None
                    # not a stop of the patient's ("and she stopped using the cane")
                    and _OTHER_SUBJECT.search(text, b, p) is None
                    and _GERUND_AFTER.match(text, p_end) is None
                    for p, p_end in stops[1:]) or _until_date(
                    text, b, own_end) is not None or _LEFT_BEFORE_T.search(
                    text, low, max(s, a - 40), a) or (
                    i < len(drugs) - 1 and _replaced_by_next(text, low, b, own_end)) or (
                    (tried := _TRIED_BEFORE_T.search(text, low, s, a)) is not None
                    and _PAST_MARKER_T.search(text, low, s, e)
                    # "He previously tried Norco ..., and has been using Duragesic since 2013"
                    and _NOW_CLAUSE.search(text, tried.end(), a) is None):
                med.current = False
            if pending is not None:
                p_days, p_long, p_span = pending
                if p_days is not None:
                    med.duration_days = max(med.duration_days or 0, p_days)
                med.long_term = med.long_term or p_long
                med.spans.append(p_span)
        return None

    def _told_of_list(self, text: str, drugs: list[tuple[str, int, int]], bounds: list[int],
                      listed: list[bool], i: int) -> tuple[int, int] | None:
        """The words after a later drug of the plain list that drug `i` starts, that tell a
        date or duration (the first such drug's, up to the next drug or the sentence's end),
        or None. After the last drug, words with a relative clause tell of that drug alone."""
        low = self._low
        k = i
        joined = True  # every gap so far a bare "and" ("A and B for a year, and C")
        while k < len(listed) and listed[k]:
            joined = joined and "," not in text[drugs[k][2]:drugs[k + 1][1]]
            k += 1
            start, end = drugs[k][2], bounds[k + 1]
            last = k == len(drugs) - 1
            if last and _RELATIVE_T.search(text, low, start, end) is not None:
                return None
            if (_SINCE_T.search(text, low, start, end) is not None
                    or _use_duration(text, start, end, low) is not None):
                # Inside a list of items each set off by commas ("ibuprofen, Robaxin since
                # 01-2015, and tramadol"), words before the next item are that item's own; so
                # are words in brackets after it ("..., Ambien 10 mg qhs (since 6/2013)").
                if "(" in text[start:end] and not joined:
                    return None
                return (start, end) if last or joined else None
        return None

    # -- facts ---------------------------------------------------------------------------------

    def case_facts(self, determination: Determination, view: View = "blind",
                   item: int | None = None, summary: Observations | None = None) -> CaseFacts:
        """The facts of a letter in one view. `item` (1-based) picks the rationale of the
        findings view; `summary` reuses observations already made of the summary."""
        blocks = [summary or self.observe(determination.summary)]
        if view == "findings":
            numbers = range(1, len(determination.items) + 1) if item is None else [item]
            for number in numbers:
                # "the medication" in a rationale is the drug its request names, "the
                # sessions" are of the therapy it asks for.
                subject = self._request_words(determination, number).drug
                therapy = self._classify(determination, number).therapy
                blocks.append(self.observe(determination.items[number - 1].rationale,
                                           subject=subject, dates=False, therapy=therapy))
        return build_case(determination.patient, determination.dates, blocks, view,
                          self.lexicon)

    def _request_words(self, determination: Determination, item: int) -> RequestWords:
        """The words of item `item`'s request, read once per letter for the rationale's
        subject and the request's classification."""
        if self._letter is not determination:
            # Kept for the letter being read only (keyed on text, they would also serve other
            # letters' identical requests, which real letters seldom have and a varied corpus
            # often has).
            self._letter = determination
            self._words_of.clear()
            self._classified.clear()
        words = self._words_of.get(item)
        if words is None:
            words = self._words_of[item] = request_words(
                determination.items[item - 1].request.text, self.lexicon)
        return words

    def request(self, determination: Determination, item: int, case: CaseFacts) -> RequestFact:
        """The request of item `item` (1-based), classified and linked to the case."""
        return link_request(self._classify(determination, item), case)

    def _classify(self, determination: Determination, item: int) -> RequestFact:
        """Item `item`'s request classified, once per letter (each view links it)."""
        classified = self._classified.get(item) if self._letter is determination else None
        if classified is None:
            words = self._request_words(determination, item)  # (a new letter clears the cache)
            block = determination.items[item - 1].request
            classified = self._classified[item] = classify_request(
                block.text, self.lexicon, block.span, words)
        return classified


def _tell_of_drugs(obs: Observations, drugs: tuple[str, ...], item: str, said: str, rank: int,
                   span: Span) -> None:
    """Record `item` (a per-drug documentation item: benefit, function) as `said` of each of
    `drugs` (generics); other items are the letter's only."""
    if item in _PER_DRUG:
        for generic in drugs:
            obs.drug_doc.setdefault(generic, {}).setdefault(item, _Status()).see(said, rank, span)


def _names_drug_test(mentions: list[tuple[str, str, int, int]]) -> bool:
    return any(f == "doc" and c == "urine_drug_test" for f, c, _a, _b in mentions)


def extractor_for(pack: RulePack) -> Extractor:
    """An extractor whose lexicons include what a pack adds (`lexicon:` drugs, concept
    phrases and assertion triggers)."""
    lexicon, scope = pack_lexicon(pack.lexicon)
    return Extractor(lexicon=lexicon, scope=scope)


def pack_lexicon(extension: PackLexicon) -> tuple[Lexicon, AssertionScope]:
    """The built-in lexicon and assertion scope with a pack's `lexicon:` additions; raises
    ImrError when they do not fit. Built once per distinct extension (a pack is loaded, then
    its extractor made)."""
    return _pack_lexicon(json.dumps(extension.model_dump(by_alias=True), sort_keys=True))


@lru_cache(maxsize=8)
def _pack_lexicon(extension: str) -> tuple[Lexicon, AssertionScope]:
    extra = json.loads(extension)
    drugs = [{"name": d["name"], "generic": d["generic"] or d["name"].lower(),
              "class": d["class"] or "other", "ingredients": d["ingredients"]}
             for d in extra["drugs"]]
    lexicon = Lexicon.default().extended({"drugs": drugs, "devices": extra["devices"],
                                          "concepts": extra["concepts"]})
    scope = AssertionScope.default()
    if extra["triggers"]:
        scope = scope.extend(extra["triggers"])
    return lexicon, scope


# -- merging -------------------------------------------------------------------------------------

_F = TypeVar("_F", bound=BaseModel)


def _built(model: type[_F], **values: Any) -> _F:
    """An instance of `model` holding `values`, built without re-running the validator: the
    callers below give every value its field's exact type (tests/test_facts_properties.py
    re-validates every fact of a corpus). Lists handed in must be the fact's own (copied from
    the working observations), as validation would have copied them."""
    return make_model(model, **values)


_M = TypeVar("_M", bound=BaseModel)
_V = TypeVar("_V")


def _cached(obs: Observations, key: tuple[Any, ...], make: Callable[[], _M]) -> _M:
    """The fact `make` builds from `obs` alone, built once per block."""
    found = obs.built.get(key)
    if found is None:
        found = obs.built[key] = make()
    return found  # type: ignore[return-value]


def _later_wins(blocks: list[Observations], attr: str) -> dict[str, _Status]:
    """Per item, the status of the latest block that says anything (the reviewer's rationale
    speaks after the summary and is the reviewer's own finding)."""
    merged: dict[str, _Status] = {}
    for obs in blocks:
        for key, st in getattr(obs, attr).items():
            merged[key] = st
    return merged


def _present_wins(blocks: list[Observations], attr: str) -> dict[str, _Status]:
    merged: dict[str, _Status] = {}
    for obs in blocks:
        for key, st in getattr(obs, attr).items():
            if key not in merged or merged[key].status != "present":
                merged[key] = st
    return merged


def build_case(patient: Patient, dates: KeyDates, blocks: list[Observations],
               view: Literal["blind", "findings", "form"],
               lexicon: Lexicon | None = None) -> CaseFacts:
    """Merge the observations of a letter's (or a form's) blocks into one `CaseFacts`."""
    lexicon = lexicon or Lexicon.default()
    reference = dates.request_for_authorization or dates.utilization_review
    if reference is None and blocks:
        reference = max((d.value for d in blocks[0].dates), default=None)

    def make_doc() -> DocumentationFact:
        doc_status = _later_wins(blocks, "doc")
        return _built(DocumentationFact,
            **{k: v.status for k, v in doc_status.items()},
            evidence={k: list(v.spans) for k, v in doc_status.items()},
        )

    if blocks and not any(obs.doc for obs in blocks[1:]):
        # Only the first block speaks of documentation: its facts alone.
        doc = _cached(blocks[0], ("doc",), make_doc)
    else:
        doc = make_doc()
    if blocks and not any(obs.case or obs.work for obs in blocks[1:]):
        # Only the first block speaks of the case: one fact for every view with this patient.
        case = _cached(blocks[0], ("case", patient, dates),
                       lambda: _case_fact(patient, dates, blocks, reference, lexicon))
    else:
        case = _case_fact(patient, dates, blocks, reference, lexicon)

    diagnoses: dict[tuple[str, str | None], DiagnosisFact] = {}
    findings: dict[tuple[str, str], FindingFact] = {}
    treatments: dict[str, PriorTreatmentFact] = {}
    medications: dict[str, MedicationFact] = {}
    rest = blocks
    if blocks:
        # The first block's facts alone, merged once for every view that starts with it (the
        # summary's, for the blind view and every item's findings view); copied, then the
        # other blocks merged into the copies.
        first = blocks[0].merged.get((reference, lexicon))
        if first is None:
            first = blocks[0].merged[(reference, lexicon)] = _MergedFacts(
                *_merge_blocks(blocks[:1], reference, lexicon, {}, {}, {}, {}))
        diagnoses, findings = dict(first.diagnoses), dict(first.findings)
        treatments, medications = dict(first.treatments), dict(first.medications)
        rest = blocks[1:]
    _merge_blocks(rest, reference, lexicon, diagnoses, findings, treatments, medications)
    doc = _failed_care(doc, treatments, lexicon)
    return _built(CaseFacts,
        view=view, case=case, doc=doc, medication=list(medications.values()),
        diagnosis=list(diagnoses.values()), finding=list(findings.values()),
        prior_treatment=list(treatments.values()))


def _failed_care(doc: DocumentationFact, treatments: dict[str, PriorTreatmentFact],
                 lexicon: Lexicon) -> DocumentationFact:
    """`doc` with the items the failed prior treatments document ("PT x 18, chiro x 6, all w/o
    lasting relief": conservative care failed) where no words said anything of them."""
    update: dict[str, Any] = {}
    for item, kinds in lexicon.failed_treatments.items():
        if getattr(doc, item) != "unknown":
            continue
        failed = [t for kind, t in treatments.items()
                  if kind in kinds and t.status == "present" and t.outcome == "no_benefit"]
        if failed:
            update[item] = "present"
            update.setdefault("evidence", dict(doc.evidence))[item] = [
                span for t in failed for span in t.evidence]
    return copy_model(doc, update) if update else doc


def _merge_blocks(blocks: list[Observations], reference: date | None, lexicon: Lexicon,
                  diagnoses: dict[tuple[str, str | None], DiagnosisFact],
                  findings: dict[tuple[str, str], FindingFact],
                  treatments: dict[str, PriorTreatmentFact],
                  medications: dict[str, MedicationFact],
                  ) -> tuple[dict[tuple[str, str | None], DiagnosisFact],
                             dict[tuple[str, str], FindingFact],
                             dict[str, PriorTreatmentFact], dict[str, MedicationFact]]:
    """Merge the list facts of `blocks`, in order, into the four dicts given; returns them.
    (`build_case` keeps the first block's merge for every view: each fact here is made once.)"""
    for obs in blocks:
        for (name, region), (status, spans, said) in obs.diagnoses.items():
            key = _region_key(diagnoses, name, region)
            old = diagnoses.get(key)
            if old is not None and old.region != key[1]:  # moved to the region's key
                old = diagnoses[key] = copy_model(old, {"region": key[1]})
            if old is None or _FINDING_RANK[status] > _FINDING_RANK.get(old.status, 0):
                diagnoses[key] = _built(
                    DiagnosisFact, name=name, text=said, status=status,
                    category=lexicon.diagnosis_category.get(name, "other"),
                    region=key[1], evidence=list(spans))
        for fkey, (status, level, spans, said) in obs.findings.items():
            old_f = findings.get(fkey)
            if old_f is None or _FINDING_RANK[status] > _FINDING_RANK.get(old_f.status, 0):
                findings[fkey] = _built(FindingFact, kind=fkey[0], name=fkey[1], text=said,
                                        status=status, level=level, evidence=list(spans))
        for kind, t in obs.treatments.items():
            treatments[kind] = _merge_treatment(treatments.get(kind), t)
        drug_doc = obs.drug_doc
        for held, m in obs.medications.items():
            generic = held.partition(_PRODUCT_SEP)[0]
            medications[held] = _merge_medication(medications.get(held), m, generic, reference,
                                                  lexicon, drug_doc.get(generic) if drug_doc
                                                  else None)
        if drug_doc:
            # What the block says by name of drugs it does not list itself (a rationale's words
            # on a drug of the summary); a later block's word wins, as for doc.
            for held, med in medications.items():
                if held in obs.medications:
                    continue
                told = drug_doc.get(held.partition(_PRODUCT_SEP)[0])
                if told:
                    medications[held] = copy_model(med, _told_fields(told) | {
                        "evidence": [*med.evidence, *_told_spans(told)]})
    return diagnoses, findings, treatments, medications


def _case_fact(patient: Patient, dates: KeyDates, blocks: list[Observations],
               reference: date | None, lexicon: Lexicon) -> CaseFact:
    """The facts of the case: the patient, the key dates, and what the blocks say of the case
    and of work."""
    # Facts of the case: a present statement anywhere stands (a rationale's broad negation,
    # "has not failed a trial ... for this exacerbation", does not undo the summary's flare).
    case_status = _present_wins(blocks, "case")
    case_fields: dict[str, object] = {k: v.status for k, v in case_status.items()
                                      if k in _CASE_STATUSES}
    case_evidence: dict[str, list[Span]] = {k: list(v.spans) for k, v in case_status.items()
                                            if k in case_fields}
    if patient.date_of_injury and reference:
        years = (reference - patient.date_of_injury).days / 365.25
        case_fields["years_since_injury"] = round(years, 2)
        chronic_after = lexicon.chronic_pain_days
        since_injury = (reference - patient.date_of_injury).days
        if chronic_after is not None and since_injury >= chronic_after:
            case_fields["chronic_pain"] = "present"
        elif chronic_after is not None and since_injury >= 0:
            # Injured within the period: pain cannot yet be chronic, and the injury is a new
            # one, unless the words of the letter say otherwise (pain from before the injury).
            if case_fields.get("chronic_pain") != "present":
                case_fields["chronic_pain"] = "absent"
            case_fields.setdefault("acute_flare", "present")
    if reference is not None:
        operations = _dated_operations(blocks, reference, lexicon.recent_surgery_days)
        if operations:
            since = [age for age, _said in operations if age >= 0]
            if since:
                latest = min(since)
                case_fields["days_since_surgery"] = latest
                case_evidence["days_since_surgery"] = [
                    span for age, said in operations if age == latest for span in said]
            if "surgery_recent" not in case_fields:
                recent = _surgery_recent(operations, lexicon.recent_surgery_days)
                if recent is not None:
                    case_fields["surgery_recent"], case_evidence["surgery_recent"] = recent
        tested = [(age, said) for obs in blocks for on, said in obs.drug_tests
                  if (age := (reference - on).days) >= 0]
        if tested:
            last_test = min(age for age, _said in tested)
            case_fields["days_since_drug_test"] = last_test
            case_evidence["days_since_drug_test"] = [
                said for age, said in tested if age == last_test]
    if "surgery_recent" not in case_fields:
        none_had = _no_surgery(blocks)
        if none_had:  # "No surgery.", "He has never had surgery."
            case_fields["surgery_recent"], case_evidence["surgery_recent"] = "absent", none_had
    work = [w for obs in blocks for w in obs.work]
    if work:
        # Summaries tell the case in order: the last status told is the current one ("he was
        # released to modified duty, but ... has not worked since the injury").
        statuses = [c for c, _s in work if c in _WORK_STATUSES]
        if statuses:
            case_fields["work_status"] = statuses[-1]
        said = [c for c, _s in work if c in _AT_WORK or c in _OFF_WORK]
        if said:
            case_fields["returned_to_work"] = "present" if said[-1] in _AT_WORK else "absent"
            case_evidence["returned_to_work"] = [s for _c, s in work]
        case_evidence["work_status"] = [s for _c, s in work]
    return _built(CaseFact,
        age=patient.age, sex=patient.sex, date_of_injury=patient.date_of_injury,
        request_date=dates.request_for_authorization, ur_date=dates.utilization_review,
        reference_date=reference, evidence=case_evidence, **case_fields,
    )


def _dated_operations(blocks: list[Observations], reference: date, recent_days: int | None,
                      ) -> list[tuple[int, list[Span]]]:
    """(days before `reference`, words) of every dated operation the blocks say was had. An
    operation told by its year alone counts from the year's last day, and only when that is
    more than `recent_days` before the reference: then it is surely not recent."""
    dated: list[tuple[int, list[Span]]] = []
    for obs in blocks:
        t = obs.treatments.get("surgery")
        if t is None or t.status != "present":
            continue
        days = [(reference - on).days for on in t.dates or ([t.on_date] if t.on_date else [])]
        if not days and recent_days is not None:
            days = [age for year in t.years
                    if (age := (reference - date(year, 12, 31)).days) > recent_days]
        dated += [(age, t.spans) for age in days]
    return dated


def _no_surgery(blocks: list[Observations]) -> list[Span]:
    """The words that say no operation was had, when the blocks tell of none had (else [])."""
    told = [t for obs in blocks if (t := obs.treatments.get("surgery")) is not None]
    if not told or any(t.status == "present" for t in told):
        return []
    return [span for t in told for span in t.spans]


def _surgery_recent(operations: list[tuple[int, list[Span]]], days: int | None,
                    ) -> tuple[str, list[Span]] | None:
    """Whether the dated `operations` are recent (within `days` before the reference date),
    with their words; None when there are none. A date of month precision may be a month
    late: only an operation older by a month more is not recent."""
    if days is None or not operations:
        return None
    spans = [s for _age, said in operations for s in said]
    if any(0 <= age <= days for age, _said in operations):
        return "present", spans
    if all(age > days + 31 for age, _said in operations):
        return "absent", spans
    return None


def _region_key(known: dict[tuple[str, str | None], _V], name: str, region: str | None,
                ) -> tuple[str, str | None]:
    """The key of diagnosis `name` in `region` among the `known` ones: a mention without a
    region is the one named before (in any region), else its own; one with a region is that
    region's. A first mention with a region takes over an entry that had none: it moves to
    the region's key, which is where the entry's region is kept."""
    if region is None:
        return next((k for k in known if k[0] == name), (name, None))
    key = (name, region)
    if key not in known and (name, None) in known:
        known[key] = known.pop((name, None))
    return key


def _merge_treatment(old: PriorTreatmentFact | None, t: _Treatment) -> PriorTreatmentFact:
    def low(a: float | None, b: float | None) -> float | None:
        return b if a is None else a if b is None else min(a, b)

    if old is not None and old.status == "absent" and t.status == "present":
        old = None  # stated not had in one block, had in another: had
    elif old is not None and t.status == "absent":
        if old.status == "absent":
            return copy_model(old, {"evidence": [*old.evidence, *t.spans]})
        return old
    if old is None:
        return _built(PriorTreatmentFact,
            kind=t.kind, text=t.spans[0].text, on_date=t.on_date, status=t.status,
            relief_percent=t.relief_percent, relief_weeks=t.relief_weeks,
            medication_reduction=t.medication_reduction,
            functional_improvement=t.functional_improvement,
            outcome=t.outcome, count=t.count, evidence=list(t.spans))
    return copy_model(old, {
        "relief_percent": low(old.relief_percent, t.relief_percent),
        "relief_weeks": low(old.relief_weeks, t.relief_weeks),
        "medication_reduction": t.medication_reduction if t.medication_reduction != "unknown"
        else old.medication_reduction,
        "outcome": t.outcome if t.outcome != "unknown" else old.outcome,
        "functional_improvement": t.functional_improvement
        if t.functional_improvement != "unknown" else old.functional_improvement,
        "on_date": old.on_date or t.on_date,
        "count": old.count or t.count,
        "evidence": [*old.evidence, *t.spans],
    })


def _told_fields(told: dict[str, _Status]) -> dict[str, str]:
    """The medication fields (efficacy, functional_improvement) a block's words on a drug set."""
    return {_PER_DRUG[item]: st.status for item, st in told.items()}


def _told_spans(told: dict[str, _Status]) -> list[Span]:
    return [sp for st in told.values() for sp in st.spans]


def _merge_medication(old: MedicationFact | None, m: _Medication, generic: str,
                      reference: date | None, lexicon: Lexicon,
                      told: dict[str, _Status] | None = None) -> MedicationFact:
    """`old` (what earlier blocks said of the drug) with block's `m`; `told`: what the block
    says of the drug's benefit and function by its name (it wins, as a later block's doc does)."""
    said: dict[str, str] = {"efficacy": old.efficacy if old else "unknown",
                            "functional_improvement": old.functional_improvement if old
                            else "unknown"}
    spans = m.spans
    if told:
        said |= _told_fields(told)
        spans = [*spans, *_told_spans(told)]
    first = m.first_documented
    if old is not None and old.first_documented and (first is None or old.first_documented < first):
        first = old.first_documented
    days = m.duration_days
    if first and reference and reference >= first:
        days = max(days or 0, (reference - first).days)
    if old is not None and old.days_used is not None:
        days = max(days or 0, old.days_used)
    entry = lexicon.drug(m.key)
    # a strength in percent is a topical's ("a cream of ketoprofen 10%, gabapentin 6%"): the
    # drug applied to the skin, whatever its oral class
    topical = m.dose_text is not None and m.dose_text.endswith("%")
    return _built(MedicationFact,
        name=m.name, generic=generic, drug_class="topical" if topical else entry.drug_class,
        strength_mg=m.strength_mg if m.strength_mg is not None else (old.strength_mg if old
                                                                      else None),
        dose_text=m.dose_text or (old.dose_text if old else None),
        doses_per_day=m.doses_per_day if m.doses_per_day is not None else (
            old.doses_per_day if old else None),
        first_documented=first, days_used=days,
        long_term=m.long_term or bool(old and old.long_term) or (
            days is not None and lexicon.long_term_days is not None
            and days >= lexicon.long_term_days),
        current=m.current and (old.current if old else True),
        new_prescription=m.new and (old.new_prescription if old else True),
        **said, evidence=[*(old.evidence if old else []), *spans],
    )


# -- linking a request to the case -------------------------------------------------------------

@lru_cache(maxsize=4096)  # generic names come from the lexicons: a small vocabulary
def _components(generic: str | None) -> frozenset[str]:
    """The generic names of a drug's ingredients ("hydrocodone/acetaminophen": two)."""
    return frozenset(p.strip() for p in (generic or "").split("/") if p.strip())


_PROCEDURE_TREATMENTS = {
    "epidural_steroid_injection": {"epidural_steroid_injection", "selective_nerve_root_block"},
    "selective_nerve_root_block": {"epidural_steroid_injection", "selective_nerve_root_block"},
    "facet_injection": {"facet_injection"},
    "medial_branch_block": {"facet_injection"},
    "radiofrequency_ablation": {"radiofrequency_ablation"},
    "trigger_point_injection": {"trigger_point_injection"},
}


def link_request(request: RequestFact, case: CaseFacts) -> RequestFact:
    """The request with what the case says of it: is the drug or treatment already in use,
    since when, for how many days, and is that use long-term."""
    update: dict[str, object] = {}
    evidence: dict[str, list[Span]] = {}  # evidence of what the case adds
    if request.kind == "medication" and request.generic:
        wanted = _components(request.generic)
        # The product asked for first, when the case takes two of its drug (OxyContin and
        # oxycodone IR), then any product with an ingredient of it.
        asked = (request.drug or "").lower()
        taken = [m for m in case.medication
                 if m.current and not wanted.isdisjoint(_components(m.generic))]
        if len(taken) > 1:
            taken.sort(key=lambda m: m.name.lower() != asked)  # a stable sort
        if taken:
            med = taken[0]
            if med.new_prescription and not med.days_used and not med.long_term:
                # "Cyclobenzaprine is prescribed for a short course": a new start.
                update["continues_current"] = False
                evidence["continues_current"] = list(med.evidence)
            else:
                update.update(continues_current=True, days_used=med.days_used,
                              long_term=med.long_term, first_documented=med.first_documented)
                evidence["continues_current"] = list(med.evidence)
                evidence["days_used"] = list(med.evidence)
            if request.doses_per_day is None and med.doses_per_day is not None:
                # the dosing the records tell of the drug asked for ("Valium 5mg at bedtime")
                update["doses_per_day"] = med.doses_per_day
                evidence["doses_per_day"] = list(med.evidence)
            # What the records say of this drug's benefit and function, by its name.
            if med.efficacy != "unknown":
                update["efficacy"] = med.efficacy
            if med.functional_improvement != "unknown":
                update["functional_improvement"] = med.functional_improvement
        else:
            # Taken before and stopped ("gabapentin was stopped in 2013"): asking for it again
            # continues nothing.
            stopped = [m for m in case.medication
                       if not m.current and not wanted.isdisjoint(_components(m.generic))]
            if stopped:
                update["continues_current"] = False
                evidence["continues_current"] = [s for m in stopped for s in m.evidence]
    elif request.kind == "injection" and request.procedure:
        kinds = _PROCEDURE_TREATMENTS.get(request.procedure, set())
        prior = [t for t in case.prior_treatment if t.kind in kinds]
        had = [t for t in prior if t.status == "present"]
        if had:
            update.update(continues_current=True, repeat=True)
            evidence["repeat"] = [s for t in had for s in t.evidence]
        elif prior:
            # "She has not had an epidural injection": the first one.
            update.update(continues_current=False, repeat=False)
            evidence["repeat"] = [s for t in prior for s in t.evidence]
    elif request.kind == "therapy" and request.therapy:
        # more sessions of a therapy already had ("chiropractic 2 x 3" after "Chiro x 6")
        prior = [t for t in case.prior_treatment if t.kind == request.therapy]
        had = [t for t in prior if t.status == "present"]
        if prior:
            update.update(repeat=bool(had), continues_current=bool(had))
            evidence["repeat"] = [s for t in had or prior for s in t.evidence]
    elif request.kind == "device" and request.modality:
        prior = [t for t in case.prior_treatment if t.kind == request.modality]
        had = [t for t in prior if t.status == "present"]
        if prior:
            update["continues_current"] = bool(had)
            evidence["continues_current"] = [s for t in had or prior for s in t.evidence]
    if not update:
        return request
    update["evidence"] = {**request.evidence, **evidence}
    return copy_model(request, update)  # `model_copy`, without `copy.copy`'s generic work


def _led_search(pattern: _Twin, leads: LeadWords, words: list[str] | None, text: str,
                low: str | None, s: int, e: int) -> re.Match[str] | None:
    """`pattern.search` in `text[s:e]`, skipped when none of the span's `words` (None: not
    known) is one of the pattern's `leads`."""
    if words is not None and not leads.any_in(words):
        return None
    return pattern.search(text, low, s, e)


# -- numbers in words ----------------------------------------------------------------------------

# Words that limit a "not had" to a time: before it, the treatment may have been had.
# ("in the past" alone is ever: "has not used a TENS unit in the past")
_FOR_A_TIME = re.compile(r"\b(?:since|recent|recently|anymore|any\s+longer|again|in\s+the\s+"
                         r"(?:past|last)\s+(?:\w+\s+)?(?:days?|weeks?|months?|years?)|"
                         r"in\s+the\s+last|for\s+(?:the\s+)?(?:past|last)|in\s+over|in\s+\d)\b",
                         re.IGNORECASE)
_FOR_A_TIME_T = _Twin(_FOR_A_TIME)
# A benefit denied of the treatments named after it ("no lasting benefit from ...").
_NO_BENEFIT_FROM = re.compile(
    rf"\b(?:no|without|little|minimal){_NO_BENEFIT_AFTER}\s+(?:from|with|after|following)\b",
    re.IGNORECASE)
_NO_BENEFIT_FROM_T = _Twin(_NO_BENEFIT_FROM)
_RELATIVE = re.compile(r"\b(?:that|which)\b", re.IGNORECASE)
# The words between two treatments when the second tells the time of the first ("injections
# after the surgery", "therapy prior to his fusion").
_TIME_OF_BEFORE = re.compile(r"\s+(?:(?:in|on)\s+\d{4}\s+)?(?:before|after|following|prior\s+to)"
                             r"\s+(?:(?:the|his|her|their|a|an)\s+)?(?:[\w-]+\s+){0,2}\Z",
                             re.IGNORECASE)
_RELATIVE_T = _Twin(_RELATIVE)
_WHICH = re.compile(r",?\s*\bwhich\b", re.IGNORECASE)
_CLAUSE_MARK = re.compile(r"[,;:()]")


def _teller(text: str, treated: list[tuple[str, int, int]], starts: list[int], at: int) -> int:
    """The index of the treatment that words at `at` tell of: the last named before them,
    unless it is named as the time of the one before it ("injections after the fusion, which
    helped for a week"; "the fusion surgery": two names of one operation). -1: none."""
    k = bisect_right(starts, at) - 1
    while k > 0 and (text[treated[k - 1][2]:treated[k][1]].isspace()
                     or _time_of_before(text, treated, k)):
        k -= 1
    return k


def _time_of_before(text: str, treated: list[tuple[str, int, int]], k: int) -> bool:
    """Whether treatment `k` is named as the time of the one before it ("injections after the
    fusion"): the words just before it say so (only the last 60 characters of the gap can)."""
    a, b = treated[k - 1][2], treated[k][1]
    return _TIME_OF_BEFORE.search(text, max(a, b - 60), b) is not None


# A sentence that opens by telling of every treatment named before: "None gave lasting
# improvement", "Neither helped".
_NONE_OF_THEM = re.compile(r"\s*(?:None|Neither)(?:\s+of\s+(?:them|these|those))?\b",
                           re.IGNORECASE)
# A pain score's number, in digits or words ("7", "seven").
_SCORE_NUMBER = r"(?:\d{1,2}|" + "|".join(
    w for w in _NUMBER_WORDS if len(w) > 2 and w not in ("several", "few", "couple")) + ")"
_OUT_OF_TEN = r"(?:\s*/\s*10|\s+out\s+of\s+(?:10|ten))"
# Pain told falling from one score to another: "pain dropped from seven to four out of ten",
# "pain decreased from 7/10 to 3/10".
_SCORE_DROP = re.compile(
    r"\bpain\s+(?:\w+\s+){0,2}?(?:(?:dropped|decreased|fell|went\s+down|came\s+down|improved)\s+"
    r"from\s+" + _SCORE_NUMBER + _OUT_OF_TEN + r"?\s+(?:down\s+)?to\s+" + _SCORE_NUMBER + r"\b"
    # "his pain was 5/10 from 8/10"
    r"|(?:was|is|went\s+to|came\s+down\s+to)\s+" + _SCORE_NUMBER + _OUT_OF_TEN + r"?\s+from\s+"
    + _SCORE_NUMBER + r"\b)", re.IGNORECASE)
# A pain score in any notation, told right before the word that says when it holds: "7/10 w/o",
# "ten out of ten without them", "8 without Norco", "4 with it", "VAS 8 before", "pain level 6
# without". The cue words are found first (most have no score before them), then the score.
_SCORE_CUE = re.compile(r"\b(?:without|w/o|before|with|after)\b", re.IGNORECASE)
_SCORE_BEFORE_CUE = re.compile(
    r"(?<![/\d.+-])\b(?P<n>" + _SCORE_NUMBER[3:-1] + r")" + _OUT_OF_TEN + r"?\s*,?\s*\Z",
    re.IGNORECASE)
_SCORE_BASELINE = frozenset(("without", "w/o", "before"))
# A score told without a drug, right before the drug's name ("8 without Norco"): the drug is
# taken, the "without" no negation of it.
_SCORE_WITHOUT_BEFORE = re.compile(
    r"(?<![/\d.+-])\b" + _SCORE_NUMBER + _OUT_OF_TEN + r"?\s+(?:without|w/o)\s+"
    r"(?:(?:the|his|her|their)\s+)?\Z", re.IGNORECASE)
_PAIN_WORDS = ("pain", "vas", "/10", "of ten", "of 10")


def _score_pair(text: str, low: str | None, s: int, e: int
                ) -> tuple[tuple[int, int], int, int] | None:
    """((pain without, pain with), start, end) when sentence `[s, e)` tells a pain score
    without (or before) a drug and one with (or after) it; None otherwise."""
    if low is not None and (low.find("with", s, e) < 0 and low.find("after", s, e) < 0
                            or not any(low.find(w, s, e) >= 0 for w in _PAIN_WORDS)):
        return None
    before = after = None
    first = last = -1
    for cue in _SCORE_CUE.finditer(text, s, e):
        m = _SCORE_BEFORE_CUE.search(text, max(s, cue.start() - 24), cue.start())
        if m is None:
            continue
        word = m.group("n").lower()
        value = int(word) if word.isdigit() else _NUMBER_WORDS[word]
        if value > 10:
            continue
        if cue.group().lower() in _SCORE_BASELINE:
            before = value if before is None else before
        else:
            after = value if after is None else after
        first = m.start() if first < 0 else first
        last = cue.end()
    if before is None or after is None:
        return None
    return (before, after), first, last


def _clause_owner(text: str, low: str | None, treated: list[tuple[str, int, int]],
                  starts: list[int], said: re.Match[str] | None, semicolons: bool = False
                  ) -> str | None:
    """The treatment whose relative clause (`that`/`which` after its name) tells `said`, or,
    in a list of clauses apart (`semicolons`), whose own clause does; None when `said` is
    told in neither."""
    if said is None:
        return None
    k = _teller(text, treated, starts, said.start())
    if k < 0:
        return None
    concept, _a, b = treated[k]
    gap = said.start() - b
    if gap < 0 or gap > 60:
        return None
    if semicolons and ";" not in text[b:said.start()]:
        return concept
    return concept if _RELATIVE_T.search(text, low, b, said.start()) is not None else None


def _count(word: str | None) -> float | None:
    if word is None:
        return None
    w = word.lower()
    if " " in w:  # "a few", "a couple of": the word that counts
        w = w.removesuffix(" of").split()[-1]
    if w in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[w])
    try:
        return float(w)
    except ValueError:
        return None


def _weeks(amount: str, unit: str) -> float | None:
    n = _count(amount)
    if n is None:
        return None
    return round(n * _UNIT_DAYS[unit.lower()[0]] / 7, 2)


# The course a new prescription is written for ("for two weeks", "for the next 10 days"):
# days or weeks, with nothing of time gone by ("for the past two weeks").
_PLANNED_COURSE_T = _Twin(re.compile(r"\bfor\s+(?:the\s+next\s+|up\s+to\s+|another\s+)?"
                                     + _NUM + r"\s+(?:days?|weeks?)\b", re.IGNORECASE))


def _use_duration(text: str, s: int, e: int, low: str | None = None) -> int | None:
    """Days of use a phrase like 'for at least six months' or 'over the last year' states."""
    if low is not None and _DURATION_UNIT.search(low, s, e) is None:
        return None
    m = _USE_DURATION_T.search(text, low, s, e)
    if not m:
        return None
    # A range gives its upper end ("for longer than the recommended 2-3 weeks": 3 weeks).
    n = _count(m.group("n2") or m.group("n")) if m.group("n") else 1.0
    if n is None:
        return None
    days = int(n * _UNIT_DAYS[m.group("unit").lower()[0]])
    # "more than six months" is at least a day more than six months.
    return days + 1 if m.group("more") else days


# Between two drugs of a plain list: a dose, how often, what for, then a comma or "and"; no
# verb or clause word ("Norco 10 mg and has taken Soma ..." is two statements).
_CLAUSE_WORDS = frozenset((
    "is", "are", "was", "were", "has", "have", "had", "been", "be", "take", "takes", "taking",
    "took", "started", "stopped", "discontinued", "switched", "changed", "increased",
    "decreased", "tapered", "which", "that", "who", "but", "however", "although", "while",
    "whereas", "he", "she", "they", "it", "also", "prescribed", "use", "uses", "using", "used",
    "report", "reports", "reported", "then", "now", "previously", "before", "after", "since",
    "until", "with", "without", "not", "no",
))
_WORD_OF_GAP = re.compile(r"[a-z]+")
_LIST_JOIN = re.compile(r"(?:,\s*(?:and\s+)?|\band\s+)\Z", re.IGNORECASE)


def _list_gap(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]`, between two drugs, joins them in a plain list: a dose, how
    often and what for, then a comma or "and" (no stop, no verb or clause word)."""
    if end - start > 80:
        return False
    gap = text[start:end]
    if "." in gap or ";" in gap or ":" in gap or _LIST_JOIN.search(gap) is None:
        return False
    return _CLAUSE_WORDS.isdisjoint(_WORD_OF_GAP.findall(gap.lower()))


# A drug taken before and no longer: "was switched from naproxen to Celebrex", "weaned off
# Norco" (the words right before the drug), or tried in the past ("has tried naproxen and
# tramadol in the past without benefit": a trying word before it, a past marker in the sentence).
_LEFT_BEFORE = re.compile(r"\b(?:switched|changed|transitioned|weaned|tapered)\s+(?:\w+\s+)?"
                          r"(?:from|off(?:\s+of)?)\s+(?:(?:his|her|the)\s+)?\Z", re.IGNORECASE)
_TRIED_BEFORE = re.compile(r"\b(?:tried|trialed|had\s+(?:previously\s+)?(?:taken|used|been\s+on)|"
                           r"previously\s+(?:took|used|taken))\b", re.IGNORECASE)
_PAST_MARKER = re.compile(r"\b(?:in\s+the\s+past|previously|formerly|without\s+(?:benefit|relief|"
                          r"success|improvement))\b", re.IGNORECASE)
_LEFT_BEFORE_T = _Twin(_LEFT_BEFORE)
_TRIED_BEFORE_T = _Twin(_TRIED_BEFORE)
# A clause of the present after one of drugs tried before.
_NOW_CLAUSE = re.compile(r";|\b(?:and|but)\s+(?:(?:he|she|they)\s+)?(?:has|have|is|are|now|"
                         r"currently|continues|takes|uses)\b|\b(?:now|currently)\b",
                         re.IGNORECASE)
_PAST_MARKER_T = _Twin(_PAST_MARKER)
# A drug named right after the words that start it: "was started on", "he was prescribed".
_STARTED_JUST_BEFORE = (r"\b(?:started|initiated|began|begun|restarted|prescribed)\s+"
                        r"(?:\w+\s+){0,2}\Z")
_STARTED_ONLY = re.compile(_STARTED_JUST_BEFORE, re.IGNORECASE)
_STARTED_BEFORE = re.compile(
    _STARTED_JUST_BEFORE
    # "was switched from Norco 10/325 mg to Nucynta ER 50 mg on 11/03/2015"
    + r"|\b(?:switched|changed|transitioned|converted)\b[^.;]{0,50}?\bto\s+(?:\w+\s+)?\Z"
    # "Ibuprofen 800 mg was replaced by Daypro 600 mg ..., in 12/2013"
    + r"|\b(?:replaced|substituted)\s+(?:by|with)\s+(?:\w+\s+)?\Z",
    re.IGNORECASE)
_SWITCH_WORDS = ("switch", "chang", "transition", "convert", "replac", "substitut")
# A drug that is the subject of a switch to the drug named next: "Norco 10/325mg, taken since
# 2011, was changed to Hysingla ER", "Ibuprofen 800 mg was replaced by Daypro".
_REPLACED_BY_NEXT = re.compile(
    r"\b(?:was|were|has\s+been|had\s+been)\s+(?:then\s+|later\s+|subsequently\s+|eventually\s+)?"
    r"(?:changed|switched|replaced|converted|transitioned|substituted)\s+(?:over\s+)?"
    r"(?:to|by|with)\s+(?:(?:the|a|an)\s+)?\Z", re.IGNORECASE)


def _replaced_by_next(text: str, low: str | None, end: int, next_start: int) -> bool:
    """Whether the words between a drug (ending at `end`) and the next drug named say the
    first was replaced by the second."""
    if low is not None and not any(low.find(w, end, next_start) >= 0 for w in _SWITCH_WORDS):
        return False
    return _REPLACED_BY_NEXT.search(text, end, next_start) is not None


def _started_before(text: str, low: str | None, start: int, end: int) -> re.Match[str] | None:
    """`_STARTED_BEFORE` in `text[start:end]`: the words that start the drug named at `end`
    (a switch is looked for only where one of its words is)."""
    if low is not None and not any(low.find(w, start, end) >= 0 for w in _SWITCH_WORDS):
        return _STARTED_ONLY.search(text, max(start, end - 40), end)
    return _STARTED_BEFORE.search(text, start, end)


# A drug told as continued or taken already: "Lyrica was continued", "continue Daypro", "she
# also takes ibuprofen".
_CONTINUED_AFTER = re.compile(r"\s*,?\s*(?:(?:was|were|is|are|will\s+be)\s+)?continued\b",
                              re.IGNORECASE)
_CONTINUED_BEFORE = re.compile(r"\b(?:continu\w*|takes|is\s+taking|has\s+been\s+taking|"
                               r"uses|is\s+using|since\s+(?:starting|beginning|taking))\s+"
                               r"(?:(?:also|with|on|the|his|her)\s+){0,2}\Z", re.IGNORECASE)
_CONTINUED_WORDS = ("continu", "tak", "uses", "using", "since")


def _continued(text: str, low: str | None, s: int, a: int, b: int, own_end: int) -> bool:
    """Whether the words around the drug at `a:b` tell it is continued or taken already (up
    to the next drug)."""
    if low is not None and not any(low.find(w, max(s, a - 30), own_end) >= 0
                                   for w in _CONTINUED_WORDS):
        return False
    return (_CONTINUED_AFTER.match(text, b, own_end) is not None
            or _CONTINUED_BEFORE.search(text, max(s, a - 30), a) is not None)


_UNTIL = re.compile(r"\buntil\s+(?:about\s+|approximately\s+|around\s+)?\Z", re.IGNORECASE)
_UNTIL_WORD = re.compile(r"until", re.IGNORECASE)


def _until_date(text: str, start: int, end: int) -> tuple[date, int] | None:
    """The first date of `text[start:end]` right after 'until' ("maintained on Norco until
    December 2013": taken no longer), and where its words end."""
    if _UNTIL_WORD.search(text, start, end) is None:  # (run for every drug: no copy made)
        return None
    d = first_date(text, start, end)
    if d is None or not _UNTIL.search(text, max(start, d.start - 20), d.start):
        return None
    return _day_of(d), d.end


# The words right before the date a drug was started: "tramadol 50 mg on 2/3/2015".
_ON_DATE_BEFORE = re.compile(r"\b(?:on|in|dated)\s+\Z", re.IGNORECASE)


def _dated_after(text: str, start: int, end: int) -> tuple[date, int] | None:
    """The first date of `text[start:end]` that follows 'on', 'in' or 'dated' (a month named
    gives its last day), and where its words end."""
    d = first_date(text, start, end)
    if d is None or not _ON_DATE_BEFORE.search(text, max(start, d.start - 8), d.start):
        return None
    return _day_of(d), d.end


def _day_of(d: DateMatch) -> date:
    """The day a date names; a month named gives its last day."""
    if d.precision == "day":
        return d.value
    nxt = (d.value.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def _since_date(text: str, start: int, end: int) -> tuple[date, int] | None:
    """The date after 'since (at least)' (a day, or the end of a month or a year named) and
    where its words end in `text`."""
    if (event := _SINCE_EVENT.match(text, start)) is not None:
        start = event.end()  # "since surgery 1/9/14": the event's date
    d = first_date(text, start, min(end, start + 30))
    if d is not None and d.start - start <= 3:
        return _day_of(d), d.end
    y = _YEAR.match(text, start)
    if y:
        return date(int(y.group("y")), 12, 31), y.end()
    part = _PART_OF_YEAR.match(text, start)
    if part:
        # "since early 2015": the part's last day (a lower bound of the days used)
        month = _PART_LAST_MONTH[part.group("part").lower()]
        return _day_of(DateMatch(part.start(), part.end(), date(int(part.group("y")), month, 1),
                                 "month")), part.end()
    return None


# An operation's year told alone ("a laminectomy and discectomy in 2008")
_IN_YEAR = re.compile(r"\bin\s+(?P<y>(?:19|20)\d{2})\b(?!\s*[-/])")
# An event named between "since" and its date ("since surgery 1/9/14", "since the injury of
# 3/2/2011").
_SINCE_EVENT = re.compile(r"(?:(?:the|his|her|their)\s+)?(?:surgery|operation|injury|accident|"
                          r"procedure|fall)\s+(?:(?:on|of|in|dated)\s+)?", re.IGNORECASE)


# "early 2015", "mid-2013", "the end of 2012", "the spring of 2014": a part of a year, by the
# last month it may mean.
_PART_LAST_MONTH = {"early": 4, "beginning": 4, "start": 4, "mid": 8, "middle": 8, "late": 12,
                    "end": 12, "spring": 6, "summer": 9, "fall": 12, "autumn": 12, "winter": 12}
_PART_OF_YEAR = re.compile(
    r"(?:the\s+)?(?P<part>" + "|".join(_PART_LAST_MONTH) + r")(?:\s+of|-)?\s*(?:the\s+year\s+)?"
    r"(?P<y>(?:19|20)\d{2})\b", re.IGNORECASE)
