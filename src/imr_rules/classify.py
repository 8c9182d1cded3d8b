"""Request text -> `RequestFact`: what is asked for, in the vocabulary the rule packs use.

"Norco 10/325mg, #90" becomes a medication of class opioid, generic hydrocodone/acetaminophen,
10 mg, quantity 90; "Bilateral L4 selective nerve root block" an injection with its level and
side; "A-stim unit plus supplies for home use" a device whose modality is not stated. Drug,
device and concept names come from the lexicons; only the shapes of numbers are patterns here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from types import NoneType, UnionType
from typing import Any, Literal, NamedTuple, Union, get_args, get_origin

from imr_rules.lexicon import NO_MODALITY, Lexicon, MultiMatcher, compile_regexes
from imr_rules.models import Span, make_model, make_span
from imr_rules.textmatch import NUMBER_WORDS, PhraseIndex, Tokens, Twin, starts_word
from imr_rules.vocabulary import RequestFact

# Patterns that start with a word run as `Twin`s: over an ASCII request's lower-cased text,
# without IGNORECASE and the leading word boundary, which make `re` try every position. Those
# that start with a number, or with a word common inside others ("rent"), gain nothing.
_STRENGTH = re.compile(
    r"(?<![\w.#])(?P<a>\d+(?:\.\d+)?)\s*(?:(?P<u1>mcg/hr?|mg|mcg|g|%|ml)\b\s*)?"
    r"(?:/\s*(?P<b>\d+(?:\.\d+)?)\s*)?(?P<u>mcg/hr?|mcg|mg|g|%|ml)?\b", re.IGNORECASE)
_QUANTITY = re.compile(
    r"(?:#\s*|\bQTY\s*:?\s*|\bquantity\s*(?:of\s*)?:?\s*|\bx\s*)(?P<n>\d+)(?:\.0+)?\b"
    r"|(?P<n2>\d+)\s+(?:tablets|tabs|capsules|caps|patches|pills)\b",
    re.IGNORECASE,
)
# `_QUANTITY` for lower-cased ASCII text, without IGNORECASE and the word boundaries before
# "qty", "quantity" and "x" (checked by `_quantity`), which make `re` try each branch at every
# position.
_QUANTITY_LOW = re.compile(
    r"(?:#\s*|qty\s*:?\s*|quantity\s*(?:of\s*)?:?\s*|x\s*)(?P<n>\d+)(?:\.0+)?\b"
    r"|(?P<n2>\d+)\s+(?:tablets|tabs|capsules|caps|patches|pills)\b")
_REFILLS = re.compile(
    r"\b(?P<none>no)\s+refills?\b|\b(?P<n>\d+)\s+refills?\b|\brefills?\s*(?:x|:)?\s*(?P<m>\d+)\b",
    re.IGNORECASE,
)
_DAYS_SUPPLY = re.compile(r"\b(?P<n>\d+)[-\s]*days?(?:'|\u2019)?\s*supply\b|"
                          r"\bfor\s+(?P<m>\d+)\s+days\b", re.IGNORECASE)
_LEVEL = re.compile(r"\b(?P<a>[CTLS])\s?(?P<an>\d{1,2})(?:\s*(?:-|/|to)\s*(?P<b>[CTLS])?\s?"
                    r"(?P<bn>\d{1,2}))?\b")
# The kinds of request that may ask to repeat a treatment, and those that may name a side
# ("physical therapy for the right shoulder", "TENS unit for the left knee").
_REPEATABLE = frozenset(("consult", "injection", "therapy", "imaging", "diagnostic", "surgery"))
_SIDED = frozenset(("injection", "imaging", "diagnostic", "surgery", "therapy", "consult",
                    "device", "supply"))
_SIDE = Twin(re.compile(r"\b(?P<side>bilateral|left|right|bilaterally)\b", re.IGNORECASE))
_APPROACH = Twin(re.compile(r"\b(?P<a>transforaminal|interlaminar|caudal)\b", re.IGNORECASE))
_LEADS = Twin(re.compile(r"\b(?P<n>[24])[-\s]*leads?\b", re.IGNORECASE))
_COUNT = Twin(re.compile(r"\b(?:x|times)\s*(?P<n>\d)\b|\bseries\s+of\s+(?P<w>two|three|2|3)\b",
                         re.IGNORECASE))
# (a "30-day home trial" of a unit is a rental)
_PURCHASE = re.compile(r"\b(?P<buy>purchase|purchasing|buy)\b|\b(?P<rent>rental|rent|renting|"
                       r"trial)\b", re.IGNORECASE)
_REPEAT = Twin(re.compile(r"\brepeat(?:ed)?\b|\bsecond\b|\badditional\b|\banother\b",
                          re.IGNORECASE))
# A drug asked for to wean the patient off it ("MS Contin 30mg #54 for weaning", "taper").
_WEANING = Twin(re.compile(r"\b(?:wean\w*|taper\w*)\b", re.IGNORECASE))
# The forms of a product applied to the skin, as request and record words name them.
_SKIN_FORMS = r"cream|gel|lotion|ointment|patch(?:es)?|liniment|spray|solution"
_TOPICAL = Twin(re.compile(r"\b(?P<f>" + _SKIN_FORMS + r"|compound(?:ed)?|topical|transdermal)\b",
                           re.IGNORECASE))
_FORMULATION = Twin(re.compile(r"\b(?P<f>tablets?|tabs?|capsules?|caps?|" + _SKIN_FORMS
                               + r"|injection|ER|XR|SR|CR)\b", re.IGNORECASE))
_DEVICE = Twin(re.compile(r"\b(?:unit|units|device|stimulator|stim|machine|electrodes?)\b",
                          re.IGNORECASE))
_STIMULATES = Twin(re.compile(r"\b(?:stimulat\w*|stim|e-stim|estim|electrical|electric|"
                              r"electrotherapy|electro)\b", re.IGNORECASE))
_THERAPY = Twin(re.compile(r"\b(?:physical\s+therapy|physiotherapy|PT|chiropractic|chiropractor|"
                           r"work\s+hardening|work\s+conditioning|"
                           r"acupuncture|massage|aquatic\s+therapy|occupational\s+therapy|"
                           r"manipulation|therapy\s+sessions?|functional\s+restoration|"
                           r"psychotherapy|cognitive\s+behaviou?ral\s+therapy|CBT)\b",
                           re.IGNORECASE))
_IMAGING = Twin(re.compile(r"\b(?:MRI|CT|x-?rays?|radiographs?|imaging|bone\s+scan|ultrasound|"
                           r"myelogram|discogram|discography)\b", re.IGNORECASE))
_DIAGNOSTIC = Twin(re.compile(r"\b(?:EMG|NCV|NCS|electrodiagnostic|nerve\s+conduction|"
                              r"urine\s+(?:drug|toxicology)|drug\s+(?:screen|test)|"
                              r"lab(?:s|oratory)?|blood\s+work|genetic\s+testing|CBC|"
                              r"(?:hepatic|liver|renal|kidney)\s+function|metabolic\s+panel|"
                              r"functional\s+capacity\s+(?:evaluation|exam\w*|assessment|test\w*)|"
                              r"FCE)\b",
                              re.IGNORECASE))
_CAPACITY_EVALUATION = Twin(re.compile(r"\b(?:functional\s+capacity|FCE)\b", re.IGNORECASE))
_SURGERY = Twin(re.compile(r"\b(?:surgery|surgical|arthroscop\w*|fusion|laminectomy|discectomy|"
                           r"decompression|arthroplasty|\w+ectomy|\w+otomy|\w+plasty|repair|"
                           r"release)\b", re.IGNORECASE),
                strip=False)  # "\w+ectomy" may start at any letter: keep the boundary
_SUPPLY = Twin(re.compile(r"\b(?:supplies|brace|cane|walker|wheelchair|mattress|pillow|"
                          r"hot\s*/?\s*cold|cold\s+therapy|orthotics?|garment|cushion|kit|"
                          r"splints?|collar|heating\s+pad|theraband|"
                          r"resistance\s+bands?)\b", re.IGNORECASE))
_PERCENT_STRENGTH = re.compile(r"\d\s*%")
_PERCENT_STRENGTH_WORD = re.compile(r"\s*\b\d+(?:\.\d+)?\s*%")
_FORM_AFTER_NAME = re.compile(r"(?:\s+(?:" + _SKIN_FORMS + r"|topical))+$", re.IGNORECASE)
_TOPICAL_DOSE = re.compile(r"\d\s*(?:%|(?:mg|g)\b)")  # a strength of a topical or compound
_DOSE = re.compile(r"\d\s*(?:mg|mcg|%)")  # a strength of any drug, in lower-cased text
# Body regions as letters name them (shared with fact extraction).
REGION = re.compile(
    r"\b(?P<r>lumbar|lumbosacral|low\s+back|lower\s+back|l-spine|lso|cervical|neck|c-spine|"
    r"thoracic|t-spine|shoulders?|knees?|hips?|hands?|wrists?|elbows?|ankles?|feet|foot|"
    r"carpal\s+tunnel|genicular)\b",
    re.IGNORECASE)
# What a region word means (REGION_NAMES), as the ids every region takes.
REGION_IDS = frozenset({"lumbar", "cervical", "thoracic", "shoulder", "knee", "hip", "hand",
                        "wrist", "elbow", "ankle", "foot"})
# A spinal level's first letter -> its region (the sacrum's levels are read with the lumbar spine).
_SPINE_REGION = {"C": "cervical", "T": "thoracic", "L": "lumbar", "S": "lumbar"}
REGION_T = Twin(REGION)  # its fast twin, for ASCII text (shared with fact extraction)
REGION_NAMES = {"lumbosacral": "lumbar", "low back": "lumbar", "lower back": "lumbar",
                 "lso": "lumbar",  # a lumbosacral orthosis
                 "l-spine": "lumbar", "neck": "cervical", "c-spine": "cervical",
                 "t-spine": "thoracic", "shoulders": "shoulder", "knees": "knee",
                 "hips": "hip", "hands": "hand", "wrists": "wrist", "elbows": "elbow",
                 "ankles": "ankle", "feet": "foot", "carpal tunnel": "wrist",
                 "genicular": "knee"}  # the genicular nerves are the knee's


def name_as_written(words: str) -> str:
    """A drug product as the letter names it, without a strength written inside the name or
    the form after it ("Voltaren 1% gel" is "Voltaren", "Terocin patches" "Terocin"; the
    strength and the formulation are read on their own), one space apart."""
    name = " ".join(_PERCENT_STRENGTH_WORD.sub(" ", words).split())
    bare = _FORM_AFTER_NAME.sub("", name)
    return bare or name


# What may stand between a drug's name and its strength ("Ultram ER 150mg", "Norco tablets 10").
# (and the generic names in brackets: "Tylenol #3 (acetaminophen/codeine 300/30mg)")
_BEFORE_STRENGTH = re.compile(r"(?:[\s,]|\b(?:ER|XR|SR|CR|ODT|DS|tablets?|tabs?|capsules?|caps?|"
                              r"patch(?:es)?|gel|cream|oral)\b|"
                              r"\((?P<names>[a-z][a-z/-]*(?:\s+[a-z][a-z/-]*){0,3})\)?)*",
                              re.IGNORECASE)


def _strength(text: str, start: int, principal: str = "") -> tuple[float, int, int] | None:
    """The strength written just after a drug name: '10/325mg' -> (10.0, start, end); of a
    combination whose components are named in brackets in another order, the strength of
    `principal` ("Tylenol #3 (acetaminophen/codeine 300/30mg)" -> 30.0 for codeine)."""
    m = _STRENGTH.search(text, start, start + 40)
    before = _BEFORE_STRENGTH.fullmatch(text, start, m.start()) if m else None
    if not m or not before:
        return None  # "Terocin patch #30 (DOS 4/1/2014)": a date, not a strength
    names = (before.group("names") or "").lower().split("/")
    if m.group("b") and len(names) == 2 and names[1].strip() == principal:
        return float(m.group("b")), m.start(), m.end()
    if not (m.group("u") or m.group("u1") or m.group("b")) and text[start:m.start()].strip():
        # A bare number is a strength only right after the name ("Norco 10").
        return None
    if "%" in (m.group("u"), m.group("u1")) or text[m.end():m.end() + 3].lstrip().startswith("%"):
        return None  # "Lidoderm 5% patch": a concentration, not an amount in mg
    return float(m.group("a")), m.start(), m.end()


def _quantity(text: str, low: str | None, start: int = 0) -> re.Match[str] | None:
    """`_QUANTITY.search(text, start)`; `low`: the text lower-cased, when it is ASCII."""
    if low is None:
        return _QUANTITY.search(text, start)
    m = _QUANTITY_LOW.search(low, start)
    # Only the branches that lost their word boundary start with a letter: a match of one
    # inside a word ("max 30") is no match there, and none of the other branches can start
    # at a letter.
    while m is not None and low[m.start()].isalpha() and not starts_word(low, m.start()):
        m = _QUANTITY_LOW.search(low, m.start() + 1)
    return m


_APPROACHES = ("transforaminal", "interlaminar", "caudal")
_SIDES = {"bilateral": "bilateral", "bilaterally": "bilateral", "left": "left", "right": "right"}
_SIDE_WORDS = tuple(_SIDES)


def _word_of(said: str, words: tuple[str, ...]) -> str:
    """Which of `words` the text `said` is, matched case-insensitively as `re` matched it:
    `re` folds "ſ" to "s" and "ı" to "i", `str.lower` does not ("Tranſforaminal")."""
    low = said.lower()
    if low in words:
        return low
    return next(w for w in words if re.fullmatch(re.escape(w), said, re.IGNORECASE))


def _levels(text: str) -> list[str]:
    levels: list[str] = []
    for m in _LEVEL.finditer(text):
        a = f"{m.group('a').upper()}{m.group('an')}"
        if m.group("bn"):
            b_region = (m.group("b") or m.group("a")).upper()
            levels.append(f"{a}-{b_region}{m.group('bn')}")
        else:
            levels.append(a)
    return levels


def _level_count(levels: list[str]) -> int | None:
    if not levels:
        return None
    # "L4-L5 and L5-S1" are two segments; "L4, L5" two roots.
    return len(dict.fromkeys(levels))


# The lexicons that decide a request's kind, in the order `request_words` reads them.
_KINDS = ("consult", "drug", "device", "procedure")
_NO_MENTION = (None,)  # the first of no mentions


@dataclass(frozen=True)
class _KindMatchers:
    """The lexicons that decide a request's kind, read together in one pass over its words:
    `full` with their regex phrases, `plain` their literal phrases only (as `full` indexes
    them), and the letters each match of a regex starts with (None when some regex has no
    such lead)."""

    full: MultiMatcher
    plain: PhraseIndex
    leads: tuple[str, ...] | None


@lru_cache(maxsize=8)
def _kind_matchers(lexicon: Lexicon) -> _KindMatchers:
    """The kind matchers of `lexicon` (built once per lexicon)."""
    matchers = [lexicon.consult, lexicon.drugs, lexicon.devices, lexicon.procedure]
    plain = PhraseIndex()
    for matcher in matchers:
        plain.add_group(matcher.phrases)
    regexes = compile_regexes([m.regexes for m in matchers])
    leads = tuple(prefix for _p, _a, prefix, _g, _c in regexes.entries) if regexes else ()
    return _KindMatchers(MultiMatcher(list(zip(_KINDS, matchers, strict=True))), plain,
                         None if "" in leads else leads)


class RequestWords(NamedTuple):
    """A request text's words and the mentions of the lexicons that decide its kind."""

    tokens: Tokens
    # "consult", "drug", "device", "procedure" -> (concept, start, end) of each mention
    mentions: dict[str, list[tuple[str, int, int]]]

    @property
    def drug(self) -> str | None:
        """The drug lexicon key of the first drug the request names, if any."""
        found = self.mentions["drug"]
        return found[0][0] if found else None


def request_words(text: str, lexicon: Lexicon) -> RequestWords:
    """Read a request's words once, for its classification and for the rationale's subject."""
    tokens = Tokens(text)
    matchers = _kind_matchers(lexicon)
    if matchers.leads is not None and not any(map(tokens.lowered.__contains__, matchers.leads)):
        # The text holds no regex phrase's lead ("transforaminal ..."), as most requests do:
        # the literal phrases give every mention, without the regex pass.
        return RequestWords(tokens, dict(zip(_KINDS, matchers.plain.find(tokens), strict=True)))
    mentions: dict[str, list[tuple[str, int, int]]] = {kind: [] for kind in _KINDS}
    for name, concept, s, e in matchers.full.find_tokens(tokens):
        mentions[name].append((concept, s, e))
    return RequestWords(tokens, mentions)


def classify_request(text: str, lexicon: Lexicon, span: Span | None = None,
                     words: RequestWords | None = None) -> RequestFact:
    """Classify one request text. Never fails: what cannot be read stays unknown (None).
    `words`: `request_words(text, lexicon)`, when the caller has it."""
    evidence: dict[str, list[Span]] = {}
    base = span.start if span else None

    def note(s: int, e: int, *attrs: str) -> None:
        if base is not None:
            # One span serves every attribute the words gave (spans are immutable).
            said = make_span(base + s, base + e, text[s:e])
            for attr in attrs:
                evidence.setdefault(attr, []).append(said)

    fields: dict[str, object] = {"text": text}
    words = words or request_words(text, lexicon)
    tokens, mentions = words.tokens, words.mentions  # read once for every lexicon
    # The patterns' twins read the lower-cased text; they match as IGNORECASE does on ASCII.
    low = tokens.lowered if text.isascii() else None
    n = len(text)
    # The first mention of each (None: none), as the matcher's own `search` gives it.
    consult = (mentions["consult"] or _NO_MENTION)[0]
    drug = (mentions["drug"] or _NO_MENTION)[0]
    device = (mentions["device"] or _NO_MENTION)[0]
    procedure = (mentions["procedure"] or _NO_MENTION)[0]

    if consult and _CAPACITY_EVALUATION.search(text, low, 0, n) is not None:
        consult = None  # a functional capacity evaluation is a test, not a consultation
    if consult and (not drug or consult[1] < drug[1]) and (
            not procedure or consult[1] < procedure[1]) and (not device or consult[1] < device[1]):
        fields["kind"] = "consult"
        note(consult[1], consult[2], "kind")
        specialty = lexicon.specialty.search(text, tokens=tokens)
        if specialty:
            fields["specialty"] = specialty[0]
            note(specialty[1], specialty[2], "specialty")
        purpose = lexicon.consult_purpose.search(text, consult[2], tokens=tokens)
        if purpose:
            fields["purpose_topic"] = purpose[0]
            note(purpose[1], purpose[2], "purpose_topic")
        # "Pain psychology evaluation and 4 sessions of CBT": the therapy it adds
        if _THERAPY.search(text, low, 0, n) and (therapy := lexicon.treatment.search(
                text, tokens=tokens)):
            fields["therapy"] = therapy[0]
            note(therapy[1], therapy[2], "therapy")
            fields["visits"] = _visits(text)
    elif procedure:
        fields["kind"] = "injection"
        fields["procedure"] = procedure[0]
        note(procedure[1], procedure[2], "procedure")
        approach = _APPROACH.search(text, low, 0, n)
        if approach:
            fields["approach"] = _word_of(approach.group("a"), _APPROACHES)
        levels = _levels(text)
        fields["levels"] = levels
        fields["level_count"] = _level_count(levels)
        count = _COUNT.search(text, low, 0, n)
        if count:
            fields["injection_count"] = int(count.group("n") or NUMBER_WORDS.get(
                count.group("w").lower(), count.group("w")))
    elif drug and _compounded(text, low, lexicon.drug(drug[0]).drug_class):
        # "Compound cream: Flurbiprofen 20%, Gabapentin 10%": a topical named by ingredients.
        form = _TOPICAL.search(text, low, 0, n)
        ingredients = _ingredients(tokens, lexicon, mentions["drug"])
        fields.update(kind="medication", drug_class="topical", ingredients=ingredients,
                      ingredients_stated=bool(ingredients),
                      formulation=_normal_formulation(form.group("f")) if form else None,
                      dose_stated=_TOPICAL_DOSE.search(text) is not None)
        note(drug[1], drug[2], "ingredients")
    elif drug:
        entry = lexicon.drug(drug[0])
        fields.update(kind="medication", drug=name_as_written(text[drug[1]:drug[2]]),
                      generic=entry.generic,
                      drug_class=entry.drug_class)
        note(drug[1], drug[2], "drug", "generic", "drug_class")
        strength = _strength(text, drug[2], entry.generic.split("/")[0])
        if strength is not None:
            value, s, e = strength
            fields.update(strength_mg=value, strength_text=" ".join(text[s:e].split()),
                          dose_stated=True)
            note(s, e, "strength_mg", "dose_stated")
        formulation = entry.formulation
        if formulation is None:
            f = _FORMULATION.search(text, low, drug[2], n)
            formulation = _normal_formulation(f.group("f")) if f else None
        fields["formulation"] = formulation
        if entry.drug_class == "topical":
            ingredients = list(entry.ingredients) or _ingredients(tokens, lexicon, mentions["drug"])
            if not ingredients and "/" not in entry.generic:
                ingredients = [entry.generic.replace(" ", "_")]
            fields["ingredients"] = ingredients
            fields["ingredients_stated"] = bool(ingredients)
    elif device or (_DEVICE.search(text, low, 0, n)
                    and not _SUPPLY.search(text, low, 0, len(text.split(" plus ")[0]))
                    and not _THERAPY.search(text, low, 0, n)):
        fields["kind"] = "device"
        modality: str | None
        if device:
            modality = device[0].split("|")[0]
            fields["device"] = text[device[1]:device[2]]
            if modality == NO_MODALITY:
                modality = None
            else:
                note(device[1], device[2], "modality")
        else:
            m = _DEVICE.search(text, low, 0, n)
            assert m is not None
            # The device as written: the words before "unit"/"device", e.g. "A-stim unit".
            head = text[:m.end()].split(" for ")[0]
            fields["device"] = " ".join(head.split()[-3:])
            # A stimulator of a kind the lexicon does not know cannot be assessed; a unit that
            # does not say it stimulates ("home unit") is no electrotherapy unit.
            stimulates = _STIMULATES.search(text, low, 0, n)
            modality = "unspecified" if stimulates else None
            if stimulates:
                note(stimulates.start(), stimulates.end(), "modality")
        fields["modality"] = modality
        leads = _LEADS.search(text, low, 0, n)
        if leads:
            fields["leads"] = int(leads.group("n"))
    elif (form := _TOPICAL.search(text, low, 0, n)) or (
            _PERCENT_STRENGTH.search(text)
            and (ingredients := _ingredients(tokens, lexicon, mentions["drug"]))):
        # A topical product named only by its form ("Topical cream", "compound cream: ..."),
        # or by ingredients in percent ("Flurbiprofen 20%, Lidocaine 5%, 180 grams").
        fields["kind"] = "medication"
        fields["drug_class"] = "topical"
        fields["formulation"] = _normal_formulation(form.group("f")) if form else None
        if form:  # (without a form word, the condition above read them)
            ingredients = _ingredients(tokens, lexicon, mentions["drug"])
        fields["ingredients"] = ingredients
        fields["ingredients_stated"] = bool(ingredients)
        if form:
            note(form.start(), form.end(), "ingredients_stated")
        fields["dose_stated"] = _TOPICAL_DOSE.search(text) is not None
    elif _THERAPY.search(text, low, 0, n):
        fields["kind"] = "therapy"
        therapy = lexicon.treatment.search(text, tokens=tokens)
        if therapy:
            fields["therapy"] = therapy[0]
            note(therapy[1], therapy[2], "therapy")
    elif _DIAGNOSTIC.search(text, low, 0, n):
        fields["kind"] = "diagnostic"
        fields["test"] = _test(text)
        per_year = _per_year(text)
        if per_year is not None:
            fields["per_year"] = per_year
    elif _IMAGING.search(text, low, 0, n):
        fields["kind"] = "imaging"
        fields["test"] = _test(text)
        levels = _levels(text)  # "Lumbar discogram at L3-L4, L4-L5 and L5-S1"
        if levels:
            fields["levels"] = levels
            fields["level_count"] = _level_count(levels)
    elif _SURGERY.search(text, low, 0, n):
        fields["kind"] = "surgery"
        levels = _levels(text)
        fields["levels"] = levels
        fields["level_count"] = _level_count(levels)
    elif _SUPPLY.search(text, low, 0, n):
        fields["kind"] = "supply"
        fields["device"] = _as_written(text)
    elif consult:
        fields["kind"] = "consult"

    if fields.get("kind") in ("therapy", "diagnostic"):
        fields["visits"] = _visits(text)
    kind = fields.get("kind")
    # "TENS unit purchase", "Interferential unit rental", "Cold therapy unit purchase"
    if kind in ("device", "supply") and (buy := _PURCHASE.search(text)):
        fields["purchase"] = buy.group("buy") is not None
    # "Additional physical therapy 2x6", "Repeat MRI", "re-evaluation ... for repeat epidural"
    if kind in _REPEATABLE and _REPEAT.search(text, low, 0, n):
        fields["repeat"] = True
    # "Right knee arthroscopy", "EMG/NCV of the bilateral lower extremities"
    if kind in _SIDED and (side := _SIDE.search(text, low, 0, n)):
        fields["side"] = _SIDES[_word_of(side.group("side"), _SIDE_WORDS)]
    if fields.get("kind") == "medication":
        if weaning := _WEANING.search(text, low, 0, n):
            fields["weaning"] = True
            note(weaning.start(), weaning.end(), "weaning")
        # after the drug's name, which may hold a number sign of its own ("Tylenol #3 #60")
        q = _quantity(text, low, drug[2] if drug else 0)
        if q:
            fields["quantity"] = int(q.group("n") or q.group("n2"))
            note(q.start(), q.end(), "quantity")
        # Every match says "refill", every one of `_DAYS_SUPPLY` "day": most requests say
        # neither, and a substring search costs far less than `re` trying every position.
        r = _REFILLS.search(text) if low is None or "refill" in low else None
        if r:
            fields["refills"] = 0 if r.group("none") else int(r.group("n") or r.group("m"))
        d = _DAYS_SUPPLY.search(text) if low is None or "day" in low else None
        if d:
            fields["days_supply"] = int(d.group("n") or d.group("m"))
            note(d.start(), d.end(), "days_supply")
        dosed = lexicon.dose_frequency.per_day(text, drug[2] if drug else 0)
        if dosed is not None and not (d and d.start() <= dosed[1] < d.end()):
            # "Flexeril 10mg #90, 1 tab TID" (not the "30 day" of a days' supply)
            fields["doses_per_day"] = dosed[0]
            note(dosed[1], dosed[2], "doses_per_day")
        if "dose_stated" not in fields:
            fields["dose_stated"] = _DOSE.search(text.lower()) is not None
    region = REGION_T.search(text, low, 0, n)
    if region:
        word = " ".join(region.group("r").lower().split())
        fields["region"] = REGION_NAMES.get(word, word)
        note(region.start(), region.end(), "region")
    elif isinstance(spinal := fields.get("levels"), list) and spinal:
        # "Bilateral L4-5 and L5-S1 radiofrequency ablation": the spine region of its levels
        fields["region"] = _SPINE_REGION[str(spinal[0])[0]]
    fields["evidence"] = evidence
    return _request_fact(fields)


# -- the fact, built ---------------------------------------------------------------------------

def _literal_values(annotation: Any) -> frozenset[object] | None:
    """The values a field typed `annotation` (a Literal of strings, or one or None) allows;
    None when it is not such a field."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, UnionType) and NoneType in args and len(args) == 2:
        values = _literal_values(next(a for a in args if a is not NoneType))
        return None if values is None else values | {None}
    if origin is Literal and all(type(a) is str for a in args):
        return frozenset(args)
    return None


# The Literal fields, with their values.
_LITERALS = {name: values for name, info in RequestFact.model_fields.items()
             if (values := _literal_values(info.annotation)) is not None}
# The fields whose values the classifier takes as they are: the caller's text, and names of
# concepts (the keys of a lexicon's YAML, whatever their type).
_TAKEN = {"text": str, "specialty": str, "purpose_topic": str}


def _request_fact(fields: dict[str, object]) -> RequestFact:
    """`RequestFact.model_validate(fields)`. Validation costs as much as the rest of a short
    request's classification (it copies the defaults of some 35 fields): the fact is built
    directly when validation would keep every value as it is, else validated (and refused)
    as ever. The classifier makes its numbers, flags, lists and spans of their fields' types
    (tests re-validate its facts); what it reads from the text or a lexicon may be out of a
    Literal's values (a pack's procedure, "tranſforaminal" read as "transforaminal"), and
    the caller's text or a concept's name of another type: those are checked."""
    for name in fields.keys() & _LITERALS.keys():
        if fields[name] not in _LITERALS[name]:
            return RequestFact.model_validate(fields)
    for name in fields.keys() & _TAKEN.keys():
        if type(fields[name]) is not _TAKEN[name]:
            return RequestFact.model_validate(fields)
    return make_model(RequestFact, **fields)


# 2 x week x 6 weeks, 3 times a week for 4 weeks: searched first, as a count written before it
# ("treatment 2 times a week ...") would otherwise be taken for the number of visits.
_VISITS_PER_WEEK = re.compile(
    r"\b(?P<w1>\d{1,2})\s*(?:x|times)\s*(?:a\s+|per\s+|/\s*)?(?:week|wk)s?\s*(?:x|for)\s*"
    r"(?P<w2>\d{1,2})\s*(?:weeks?|wks?)\b", re.IGNORECASE)
_VISITS_TIMES = re.compile(r"\b(?P<a>\d{1,2})\s*(?:x|times)\s*(?P<b>\d{1,2})\b", re.IGNORECASE)
_VISITS = re.compile(
    r"\b(?P<a>\d{1,2})\s*(?:x|times)\s*(?P<b>\d{1,2})\b"          # 2x6, 3 x 4
    r"|\bx\s*(?P<c>\d{1,2})\b"                                     # x 12
    r"|\b(?P<d>\d{1,2})\s+(?:additional\s+|more\s+)?(?:[a-z-]+\s+){0,2}?"
    r"(?:sessions?|visits?|treatments?)\b"  # 8 sessions, 6 additional acupuncture sessions
    r"|\b(?:sessions?|visits?|treatments?)\s*(?:#|:)?\s*(?P<e>\d{1,2})\b"
    r"|#\s*(?P<f>\d{1,2})\b", re.IGNORECASE)


def _visits(text: str) -> int | None:
    """Sessions a therapy request asks for: '2x6' is 12, 'x 8' and '8 sessions' are 8."""
    m = _VISITS_PER_WEEK.search(text)
    if m:
        return int(m.group("w1")) * int(m.group("w2"))
    # a frequency times weeks wherever it stands ("Chiropractic treatment 2 x 4": not the
    # "treatment 2" before it)
    m = _VISITS_TIMES.search(text)
    if m:
        return int(m.group("a")) * int(m.group("b"))
    m = _VISITS.search(text)
    if not m:
        return None
    if m.group("a"):
        return int(m.group("a")) * int(m.group("b"))
    return int(next(g for g in (m.group("c"), m.group("d"), m.group("e"), m.group("f")) if g))


_TESTS = tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in (
    ("urine_drug_screen", r"urine|drug\s+(?:screen|test)|toxicology|UDS|UDT"),
    ("electrodiagnostic", r"EMG|NCV|NCS|electrodiagnostic|nerve\s+conduction"),
    ("mri", r"MRI|magnetic\s+resonance"), ("ct", r"\bCT\b|computed\s+tomography"),
    ("xray", r"x-?rays?|radiographs?"), ("lab", r"lab|blood|panel|CBC|liver")))


# How often a year: "4 times per year", "twice a year", "quarterly", "every 3 months".
_PER_YEAR = re.compile(
    r"\b(?P<n>\d+|one|two|three|four|five|six|twelve)\s+times\s+(?:per|a|each|every)\s+year\b|"
    r"\b(?P<twice>twice)\s+(?:per|a|each|every)\s+year\b|"
    r"\b(?P<word>annual(?:ly)?|yearly|semi-?annual(?:ly)?|bi-?annual(?:ly)?|quarterly|monthly)\b|"
    r"\bevery\s+(?P<months>\d+|two|three|four|six)\s+months\b", re.IGNORECASE)
_PER_YEAR_WORDS = {"annual": 1, "annually": 1, "yearly": 1, "semiannual": 2, "semiannually": 2,
                   "biannual": 2, "biannually": 2, "quarterly": 4, "monthly": 12}


def _per_year(text: str) -> int | None:
    """How many a year the request asks for, when it says."""
    m = _PER_YEAR.search(text)
    if m is None:
        return None
    if m.group("n"):
        return NUMBER_WORDS.get(m.group("n").lower()) or int(m.group("n"))
    if m.group("twice"):
        return 2
    if m.group("months"):
        months = NUMBER_WORDS.get(m.group("months").lower()) or int(m.group("months"))
        return max(1, 12 // months)
    return _PER_YEAR_WORDS[m.group("word").lower().replace("-", "")]


# Where the name of a supply ends: its purpose, count, side or purchase terms follow.
_AFTER_NAME = re.compile(r"\s*(?:\(|,|;|\bfor\b|\bx\s*\d|\bpurchase\b|\brental\b|"
                         r"\bto\s+(?:purchase|rent)\b)", re.IGNORECASE)


_BOUGHT_BEFORE_NAME = re.compile(r"^(?:(?:purchase|rental|rent|buy)\s+(?:of\s+)?)?"
                                 r"(?:(?:one|a|an|1)\s+)?(?=\S)", re.IGNORECASE)


def _as_written(text: str) -> str:
    """A supply's name as the request writes it: "Custom foot orthotics (bilateral)" ->
    "Custom foot orthotics", "Hot/cold pack for home use" -> "Hot/cold pack"."""
    # "Purchase of one cane" is a cane (the purchase is read on its own)
    text = _BOUGHT_BEFORE_NAME.sub("", text.strip()) or text
    m = _AFTER_NAME.search(text)
    name = " ".join(text[:m.start() if m else len(text)].split())
    return name or " ".join(text.split())


def _test(text: str) -> str:
    for name, pattern in _TESTS:
        if pattern.search(text):
            return name
    return "other"


def _compounded(text: str, low: str | None, drug_class: str) -> bool:
    """Whether a drug named in the text is an ingredient of a topical (cream, gel, compound)
    rather than the product itself (a fentanyl patch is an opioid, a Lidoderm patch topical)."""
    if drug_class == "topical":
        return False
    form = _TOPICAL.search(text, low, 0, len(text))
    if form is None:
        # "Flurbiprofen 25%/Cyclobenzaprine 2% 240gm": no oral drug is dosed in percent
        return _PERCENT_STRENGTH.search(text) is not None
    return form.group("f").lower() not in ("patch", "patches", "transdermal", "solution")


_FORMULATIONS = {"tab": "tablet", "tabs": "tablet", "tablets": "tablet", "cap": "capsule",
                 "caps": "capsule", "capsules": "capsule", "patches": "patch",
                 "compound": "cream", "compounded": "cream", "topical": "cream",
                 "transdermal": "patch", "liniment": "lotion", "er": "extended_release",
                 "xr": "extended_release", "sr": "extended_release", "cr": "extended_release"}


def _normal_formulation(word: str) -> str:
    w = word.lower()
    return _FORMULATIONS.get(w, w)


def _ingredients(tokens: Tokens, lexicon: Lexicon, drugs: list[tuple[str, int, int]],
                 ) -> list[str]:
    """Ingredient ids named in a topical's request text (its `tokens`, and the drug mentions
    of `lexicon.drugs` in it), in order, without repeats."""
    found: list[str] = []
    for ingredient, _s, _e in lexicon.ingredients.find(tokens.text, tokens.lowered,
                                                       tokens=tokens):
        if ingredient not in found:
            found.append(ingredient)
    for key, _s, _e in drugs:
        entry = lexicon.drug(key)
        for ingredient in entry.ingredients or [entry.generic.replace(" ", "_")]:
            if ingredient not in found and "/" not in ingredient:
                found.append(ingredient)
    return found
