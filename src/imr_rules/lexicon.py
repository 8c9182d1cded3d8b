"""The extractor's lexicons (data files under `lexicons/`), compiled once into phrase matchers.

Drug names (brand -> generic -> class), devices, and the concept families of `concepts.yaml`
are data, not code; a rule pack extends them through its `lexicon:` section. Compiling is the
expensive part and happens once per process (`Lexicon.default()` is cached); matching is one
regex scan per family over a block of text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from itertools import compress, repeat
from operator import add, itemgetter
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from imr_rules.dosing import DoseFrequency
from imr_rules.errors import ImrError
from imr_rules.models import DrugEntry
from imr_rules.textmatch import (
    PhraseIndex,
    Tokens,
    WordTable,
    lower,
    starts_word,
    top_level_alternatives,
)

LEXICON_DIR = Path(__file__).with_name("lexicons")
# devices.yaml's modality of a device that is no electrotherapy unit (an implanted stimulator,
# a traction unit): its requests carry no modality.
NO_MODALITY = "none"


def _is_regex(phrase: str) -> bool:
    return len(phrase) > 2 and phrase.startswith("/") and phrase.endswith("/")


def _is_abbreviation(phrase: str) -> bool:
    # Short all-capital abbreviations ("PT", "TENS", "CURES") match only in capitals: in lower
    # case they are ordinary words ("pt" is "patient", "cures" a verb).
    return (len(phrase) <= 5 and re.fullmatch(r"[A-Z0-9&'/]+s?", phrase) is not None
            and phrase.upper() != phrase.lower())


def _key(text: str) -> str:
    # Spaces, hyphens and apostrophes vary in letters ("flare-up", "flare up", "ADL's").
    return re.sub(r"[^0-9a-z&/%+]", "", text.lower())


# The concept of a normal_finding kind that stands for its whole examination.
WHOLE_EXAMINATION = "whole_examination"


class PhraseMatcher:
    """Finds the phrases of many concepts in text: the longest phrase at each word, no overlaps.

    Literal phrases are looked up word by word (`textmatch.PhraseIndex`); phrases written
    /like this/ are regular expressions (case-insensitive); short capital abbreviations match
    only in capitals.
    """

    def __init__(self, entries: Mapping[str, Sequence[str]]) -> None:
        self.phrases: list[tuple[str, str, bool]] = []  # (phrase, concept, case-sensitive)
        self.regexes: list[tuple[str, str]] = []  # (pattern, concept)
        for concept, phrases in entries.items():
            for raw in phrases:
                phrase = str(raw)
                if _is_regex(phrase):
                    self.regexes.append((phrase[1:-1], concept))
                else:
                    self.phrases.append((phrase, concept, _is_abbreviation(phrase)))
        self._index = PhraseIndex()
        self._index.add_group(self.phrases)
        self._regex = compile_regexes([self.regexes])

    def find(self, text: str, lowered: str | None = None, start: int = 0,
             end: int | None = None, tokens: Tokens | None = None,
             ) -> list[tuple[str, int, int]]:
        """(concept, start, end) of every non-overlapping mention in `text[start:end]`.

        Pass `lowered` (`textmatch.lower(text)`) and `tokens` when the caller has them.
        """
        low = lowered if lowered is not None else lower(text)
        toks = tokens if tokens is not None else Tokens(text, low)
        found = self._index.find(toks, start, end)[0]
        if self._regex is not None:
            found = merge_regex_matches(found, self._regex, low, start, end, 0)
        return found

    def finditer(self, text: str, start: int = 0, end: int | None = None,
                 ) -> Iterator[tuple[str, int, int]]:
        """The mentions of `find`, one by one."""
        return iter(self.find(text, None, start, end))

    def search(self, text: str, start: int = 0, end: int | None = None,
               tokens: Tokens | None = None) -> tuple[str, int, int] | None:
        """The first mention in `text[start:end]`, or None."""
        found = self.find(text, tokens.lowered if tokens else None, start, end, tokens)
        return found[0] if found else None


class RegexGroups:
    """The regex phrases of several groups, each compiled on its own.

    Most regexes start with the literal letters of a word ("fail\\w*\\s+..."): the prefix.
    Given the text's words (`Tokens`), such a regex is tried only at the words that begin with
    its prefix, found through a table from word to regexes that is filled once per distinct
    word (the vocabulary of letters is small). Regexes that start with a digit ("7/10 with
    medications") are tried, in ASCII text, at the words that start with a digit. Without the
    words, a regex runs on a text only when the text contains its anchor (a plain substring
    search) and is tried where its prefix occurs.
    """

    def __init__(self, entries: list[tuple[re.Pattern[str], tuple[str, ...] | None, str, int,
                                           str]], digit_led: frozenset[int] = frozenset(),
                 ) -> None:
        # (pattern, anchors or None, prefix, group, concept). The prefix is the literal text
        # every match starts with ("" when unknown). `digit_led`: the entries without a prefix
        # whose every match starts with a digit.
        self.entries = entries
        prefixed = [(k, prefix) for k, (_p, _a, prefix, _g, _c) in enumerate(entries) if prefix]
        self._unprefixed = [k for k, (_p, _a, prefix, _g, _c) in enumerate(entries)
                            if not prefix]
        self._digit_led = digit_led
        self._undigited = [k for k in self._unprefixed if k not in digit_led]
        digits = tuple(sorted(digit_led))
        # word -> the entries whose prefix it begins with (or a digit, when it starts with one)
        self._by_word: WordTable[tuple[int, ...]] = WordTable(
            lambda word: tuple(k for k, prefix in prefixed if word.startswith(prefix))
            + (digits if word[:1].isdigit() else ()))

    def _at_words(self, tokens: Tokens) -> list[tuple[int, int, int]]:
        """(entry, start, end) of every match of the prefixed regexes in the text of `tokens`,
        by entry, then in order of start: each regex tried only at the words that begin with
        its prefix, and never inside one of its own matches."""
        low = tokens.lowered
        by_word = self._by_word.bounded()
        described = list(map(by_word.__getitem__, tokens.words))
        entries = self.entries
        resume: dict[int, int] = {}  # entry -> where its next match may start
        found: list[tuple[int, int, int]] = []
        for at, ks in compress(zip(tokens.starts, described, strict=True), described):
            for k in ks:
                if at < resume.get(k, 0):
                    continue
                m = entries[k][0].match(low, at)
                if m is not None:
                    b = m.end()
                    resume[k] = b if b > at else at + 1
                    if starts_word(low, at):
                        found.append((k, at, b))
        return found

    def finditer(self, low: str, start: int = 0, end: int | None = None,
                 tokens: Tokens | None = None) -> Iterator[tuple[int, str, int, int]]:
        """(group, concept, start, end) of every match in the lower-cased text (pass its
        `tokens` when reading all of it), by regex, then in order of start."""
        stop = len(low) if end is None else end
        entries = self.entries
        if tokens is not None and start == 0 and stop == len(low):
            # The prefixed regexes at the words that begin with their prefix, the others as
            # below; merged back into the order of the regexes (a stable sort: each one's
            # matches stay in order of start).
            found = self._at_words(tokens)
            scanned = self._unprefixed
            if self._digit_led:
                if low.isascii():
                    scanned = self._undigited  # found at the words, as digits start them
                else:
                    # A digit outside ASCII starts no word: scanned for like the others.
                    found = [f for f in found if f[0] not in self._digit_led]
            for k in scanned:
                found += ((k, a, b) for _g, _c, a, b in self._search(k, low, start, stop))
            found.sort(key=itemgetter(0))
            for k, a, b in found:
                yield entries[k][3], entries[k][4], a, b
            return
        for k in range(len(entries)):
            yield from self._search(k, low, start, stop)

    def _search(self, k: int, low: str, start: int, stop: int,
                ) -> Iterator[tuple[int, str, int, int]]:
        """(group, concept, start, end) of every match of regex `k` in `low[start:stop]`."""
        pattern, anchors, prefix, group, concept = self.entries[k]
        if anchors is not None and (anchors[0] not in low if len(anchors) == 1
                                    else not any(a in low for a in anchors)):
            return
        if not prefix:
            for m in pattern.finditer(low, start, stop):
                # The left word boundary is checked here, not in the pattern: a leading
                # look-behind would stop `re` from skipping ahead to the pattern's first
                # word.
                if starts_word(low, m.start()):
                    yield group, concept, m.start(), m.end()
            return
        # Every match starts with the prefix: try the pattern only where it occurs (what
        # `finditer` finds, without the engine scanning the rest of the text).
        a = low.find(prefix, start, stop)
        while a >= 0:
            hit = pattern.match(low, a, stop)
            if hit is None:
                a = low.find(prefix, a + 1, stop)
                continue
            b = hit.end()
            if starts_word(low, a):
                yield group, concept, a, b
            a = low.find(prefix, b if b > a else a + 1, stop)


# A pattern whose first element is one digit (`\d`, not `\d*` or `\d?`).
_DIGIT_LEAD = re.compile(r"\\d(?![*?{])")
_LEADING_ALTERNATION = re.compile(r"\(\?:([a-z|?]+)\)")


def _literal_lead(pattern: str, shortest: int = 3) -> str | None:
    """The letters every match of `pattern` starts with: 'medications?' gives 'medication'
    (a letter a quantifier follows is optional, so it is not part of the anchor)."""
    lead = re.match(r"[a-z]+", pattern)
    if lead is None:
        return None
    word = lead.group()
    if pattern[lead.end():lead.end() + 1] in ("?", "*", "{"):
        word = word[:-1]
    return word if len(word) >= shortest else None


def _anchors(pattern: str) -> tuple[str, ...] | None:
    """Literal letters one of which every match of `pattern` contains (None: unknown)."""
    lead = _literal_lead(pattern)
    if lead:
        return (lead,)
    alt = _LEADING_ALTERNATION.match(pattern)
    if alt:
        words = [_literal_lead(w) for w in alt.group(1).split("|")]
        if all(words):
            return tuple(w for w in words if w)
    return None


def compile_regexes(groups: Sequence[Sequence[tuple[str, str]]]) -> RegexGroups | None:
    """The regex phrases of every group, or None when there are none."""
    entries: list[tuple[re.Pattern[str], tuple[str, ...] | None, str, int, str]] = []
    digit_led: set[int] = set()
    for g, regexes in enumerate(groups):
        for pattern, concept in regexes:
            # Text is matched lower-cased, so the pattern's letters are lower-cased too
            # (escapes such as \S keep their case); no IGNORECASE keeps `re`'s fast paths.
            lowered = re.sub(r"(?<!\\)[A-Z]", lambda m: m.group().lower(), pattern)
            if lowered.startswith(r"\d{1,2}"):
                # The same match, but a leading character class lets `re` skip to digits.
                lowered = r"\d\d?" + lowered[len(r"\d{1,2}"):]
            single = len(top_level_alternatives(lowered)) == 1
            prefix = (_literal_lead(lowered, shortest=1) or "") if single else ""
            if single and not prefix and _DIGIT_LEAD.match(lowered):
                digit_led.add(len(entries))
            entries.append((re.compile("(?:" + lowered + r")(?![\w])"), _anchors(lowered),
                            prefix, g, concept))
    return RegexGroups(entries, frozenset(digit_led)) if entries else None


def merge_regex_matches(found: list[tuple[str, int, int]], regexes: RegexGroups, low: str,
                        start: int, end: int | None, group: int,
                        ) -> list[tuple[str, int, int]]:
    """`found` plus the regex matches of `group`, in order, without overlaps."""
    extra = [(c, a, b) for g, c, a, b in regexes.finditer(low, start, end) if g == group]
    if not extra:
        return found
    return _without_overlaps(sorted(found + extra, key=lambda f: (f[1], -f[2])))


class MultiMatcher:
    """Several named matchers run together over a block: one word pass, one regex scan."""

    def __init__(self, matchers: Sequence[tuple[str, PhraseMatcher]]) -> None:
        self.names = [name for name, _m in matchers]
        self._labels = [(name,) for name in self.names]
        self._index = PhraseIndex()
        for _name, m in matchers:
            self._index.add_group(m.phrases)
        self._regex = compile_regexes([m.regexes for _n, m in matchers])

    def find(self, text: str, lowered: str) -> list[tuple[str, str, int, int]]:
        """(matcher name, concept, start, end) of every mention; within a matcher, a mention
        hides those it contains and those of its concept it overlaps (`_without_overlaps`)."""
        return self.find_tokens(Tokens(text, lowered))

    def find_tokens(self, tokens: Tokens) -> list[tuple[str, str, int, int]]:
        """`find`, for a text whose `Tokens` the caller has."""
        lowered = tokens.lowered
        per_group = self._index.find(tokens)
        if self._regex is not None:
            extra: list[list[tuple[str, int, int]]] = [[] for _ in self.names]
            for owner, concept, a, b in self._regex.finditer(lowered, tokens=tokens):
                extra[owner].append((concept, a, b))
            for g, more in enumerate(extra):
                if more:
                    per_group[g] = _without_overlaps(sorted(per_group[g] + more,
                                                            key=lambda f: (f[1], -f[2])))
        mentions: list[tuple[str, str, int, int]] = []
        for label, found in zip(self._labels, per_group, strict=True):
            if found:
                mentions += map(add, repeat(label), found)  # (name,) + (concept, start, end)
        return mentions


def _without_overlaps(found: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Of one matcher's (concept, start, end) mentions, sorted by start and longest first, the
    ones not hidden: a mention hides those inside it, and those of its own concept it overlaps;
    one of another concept that runs past its end is kept ("functional benefit" and "benefit
    from treatment": functional improvement, and the medication's efficacy)."""
    kept: list[tuple[str, int, int]] = []
    for f in found:
        if kept and f[1] < kept[-1][2] and (f[0] == kept[-1][0] or f[2] <= kept[-1][2]):
            continue
        kept.append(f)
    return kept


_TRAILING_STRENGTH = re.compile(r"\s+\d+(?:\.\d+)?\s*%$")


def _days(concepts: Mapping[str, Any], key: str, source: str) -> int | None:
    """The `days` of the period `key` of a concepts mapping (None: not given)."""
    days = (concepts.get(key) or {}).get("days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 1):
        raise ImrError(f"{key}: days must be a whole number of days, not {days!r}",
                       file=source, hint=f"write e.g. `{key}: {{days: 180}}`")
    return days


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise ImrError(f"cannot load lexicon: {exc}", file=str(path),
                       line=line + 1 if line is not None else None,
                       hint="fix the YAML") from None


class Lexicon:
    """All compiled lexicons the extractor uses."""

    def __init__(self, concepts: Mapping[str, Any], drugs: Sequence[Mapping[str, Any]],
                 devices: Sequence[Mapping[str, Any]], source: str = "<lexicon>") -> None:
        self._raw: dict[str, Any] = {"concepts": concepts, "drugs": list(drugs),
                                     "devices": list(devices)}
        diag = concepts.get("diagnosis", {})
        self.diagnosis = PhraseMatcher({k: v["phrases"] for k, v in diag.items()})
        self.diagnosis_category = {k: v.get("category", "other") for k, v in diag.items()}
        self.diagnosis_region = {k: v.get("region") for k, v in diag.items()}
        self.findings = {kind: PhraseMatcher(entries)
                         for kind, entries in concepts.get("finding", {}).items()}
        # Phrases of a normal examination: a mention states its finding absent ("sensation
        # was intact": no dermatomal sensory loss).
        # An examination told normal as a whole ("neurologically intact"): the concept
        # `WHOLE_EXAMINATION` of its kind, which states every finding it covers absent.
        whole = concepts.get("normal_examination", {})
        self.normal_exam_covers: dict[str, tuple[str, ...]] = {
            kind: tuple(entry.get("covers", ())) for kind, entry in whole.items()}
        self.normal_findings = {
            kind: PhraseMatcher({**entries, **({WHOLE_EXAMINATION: whole[kind].get("phrases", [])}
                                               if kind in whole else {})})
            for kind, entries in concepts.get("normal_finding", {}).items()}
        # An examination list sharing one adjective: the adjectives, and per finding kind the
        # nouns that name a finding ("normal sensation, reflexes and strength").
        listing = concepts.get("finding_list", {})
        self.finding_list_adjectives: tuple[str, ...] = tuple(listing.get("adjectives", ()))
        self.finding_list_nouns: dict[str, dict[str, str]] = {
            kind: {noun: finding for finding, nouns in entries.items() for noun in nouns}
            for kind, entries in listing.get("nouns", {}).items()}
        self.imaging_context = PhraseMatcher({"imaging": concepts.get("imaging_context", [])})
        self.electro_context = PhraseMatcher(
            {"electrodiagnostic": concepts.get("electrodiagnostic_context", [])})
        self.treatment = PhraseMatcher(concepts.get("treatment", {}))
        self.procedure = PhraseMatcher(concepts.get("procedure", {}))
        docs = concepts.get("documentation", {})
        self.documentation = PhraseMatcher({k: v["phrases"] for k, v in docs.items()})
        # item -> the items a mention of it speaks of too (with the same status); the entries
        # that are not doc items themselves stand for theirs ("the 4 A's")
        self.doc_also: dict[str, tuple[str, ...]] = {
            k: tuple(v["also"]) for k, v in docs.items() if v.get("also")}
        from imr_rules.vocabulary import DocumentationFact
        self.doc_groups = frozenset(k for k in self.doc_also
                                    if k not in DocumentationFact.model_fields)
        self.monitoring = frozenset(k for k, v in docs.items() if v.get("monitoring"))
        # items read only in a sentence that names a drug
        self.drug_sentence_only = frozenset(
            k for k, v in docs.items() if v.get("drug_sentence_only"))
        # item -> the items a negated mention of it says are absent too
        self.absent_also: dict[str, tuple[str, ...]] = {
            k: tuple(v["absent_also"]) for k, v in docs.items() if v.get("absent_also")}
        # item -> the items a mention of it (present) documents too
        self.present_also: dict[str, tuple[str, ...]] = {
            k: tuple(v["present_also"]) for k, v in docs.items() if v.get("present_also")}
        # groups whose words say the opposite of their items ("barely touched the pain": no
        # benefit); only a mention that is not negated counts
        self.negative_docs = frozenset(k for k, v in docs.items() if v.get("negative"))
        # groups said of the drugs of their sentence, and of the letter's items only where
        # nothing else is said of them ("the note does not describe what tizanidine does for
        # him" leaves the opioid's documented relief alone)
        self.drug_docs = frozenset(k for k, v in docs.items() if v.get("of_drugs"))
        # item -> the prior treatment kinds whose failure documents it
        self.failed_treatments: dict[str, frozenset[str]] = {
            k: frozenset(v["failed_treatments"]) for k, v in docs.items()
            if v.get("failed_treatments")}
        # item -> the items any mention of it, however negated, documents
        self.documents: dict[str, tuple[str, ...]] = {
            k: tuple(v["documents"]) for k, v in docs.items() if v.get("documents")}
        # Days of use that make a drug's use long-term (None: only words say so); days from
        # the injury that make pain chronic; days after an operation while it is recent.
        self.long_term_days = _days(concepts, "long_term_use", source)
        self.chronic_pain_days = _days(concepts, "chronic_pain_after", source)
        self.recent_surgery_days = _days(concepts, "recent_surgery", source)
        # Range of motion told in degrees: the motions' words, their normal per region and the
        # fraction of normal below which a measure is a decreased range of motion.
        rom = concepts.get("range_of_motion") or {}
        motions = rom.get("motions") or {}
        self.rom_motions = PhraseMatcher({k: v["phrases"] for k, v in motions.items()})
        self.rom_normal: dict[str, dict[str, float]] = {
            k: dict(v["normal"]) for k, v in motions.items()}
        below = rom.get("decreased_below", 1.0)
        self.rom_decreased_below: float = (below if isinstance(below, int | float)
                                           and not isinstance(below, bool) else 0.0)
        self.graded_muscles = PhraseMatcher({"muscle": concepts.get("graded_muscles", [])})
        self.dose_frequency = DoseFrequency(concepts.get("dose_frequency") or {}, source)
        self.drug_test_result = PhraseMatcher(concepts.get("drug_test_result", {}))
        self.case = PhraseMatcher(concepts.get("case", {}))
        self.work = PhraseMatcher(concepts.get("work", {}))
        self.specialty = PhraseMatcher(concepts.get("specialty", {}))
        self.consult = PhraseMatcher({"consult": concepts.get("consult", {}).get("phrases", [])})
        self.consult_purpose = PhraseMatcher(concepts.get("consult_purpose", {}))
        self.context = PhraseMatcher(concepts.get("context", {}))
        self.drug_reference = PhraseMatcher({"drug": concepts.get("drug_reference", [])})
        self.drug_class_reference = PhraseMatcher(concepts.get("drug_class_reference", {}))
        self.therapy_reference = PhraseMatcher(
            {"therapy": concepts.get("therapy_reference", [])})
        self.drug_entries: dict[str, DrugEntry] = {}
        names: dict[str, list[str]] = {}
        for i, raw in enumerate(drugs):
            try:
                entry = DrugEntry.model_validate(raw)
            except ValidationError as exc:
                where = ".".join(str(p) for p in exc.errors()[0]["loc"])
                raise ImrError(f"drug entry {i + 1} ({raw.get('name', '?')}): {where}: "
                               f"{exc.errors()[0]['msg']}", file=source,
                               hint="each drug needs name, generic and class") from None
            key = _key(entry.name)
            self.drug_entries[key] = entry
            # A strength at a name's end ("Voltaren Gel 1%") is read as the strength: matched
            # as part of the name, it would cut "1%" to "1" in the name as written.
            names[key] = [_TRAILING_STRENGTH.sub("", name) or name
                          for name in (entry.name, *entry.aliases)]
        self.drugs = PhraseMatcher(names)
        _check_against_vocabulary(self, concepts, source)
        self.ingredients = PhraseMatcher(self._ingredient_names())
        self.devices = PhraseMatcher(
            {str(d["modality"]) + "|" + str(d["name"]): [d["name"], *d.get("aliases", [])]
             for d in devices})

    def _ingredient_names(self) -> dict[str, list[str]]:
        """Ingredient id -> the words that name it (generic names, and brands of one drug)."""
        names: dict[str, list[str]] = {}
        for entry in self.drug_entries.values():
            for ingredient in entry.ingredients:
                names.setdefault(ingredient, [ingredient.replace("_", " ")])
            if "/" not in entry.generic:
                ident = entry.generic.replace(" ", "_")
                names.setdefault(ident, [entry.generic])
        return names

    def drug(self, key: str) -> DrugEntry:
        return self.drug_entries[key]

    @classmethod
    def from_dir(cls, folder: Path) -> Lexicon:
        concepts = _load_yaml(folder / "concepts.yaml") or {}
        drugs_doc = _load_yaml(folder / "drugs.yaml") or {}
        devices_doc = _load_yaml(folder / "devices.yaml") or {}
        drugs = drugs_doc.get("drugs", drugs_doc) if isinstance(drugs_doc, dict) else drugs_doc
        devices = (devices_doc.get("devices", devices_doc) if isinstance(devices_doc, dict)
                   else devices_doc)
        return cls(concepts, drugs or [], devices or [], source=str(folder / "drugs.yaml"))

    @classmethod
    def default(cls) -> Lexicon:
        """The built-in lexicons (compiled once per process)."""
        return _default_lexicon()

    def extended(self, extra: Mapping[str, Any] | None, source: str = "pack lexicon"
                 ) -> Lexicon:
        """A new lexicon with a pack's `lexicon:` additions (drugs, devices, concept phrases);
        raises ImrError, naming `source`, when they do not fit the lexicons' shape."""
        if not extra:
            return self
        try:
            concepts = _merge(self._raw["concepts"], extra.get("concepts") or {})
            drugs = [*self._raw["drugs"], *(extra.get("drugs") or [])]
            devices = [*self._raw["devices"], *(extra.get("devices") or [])]
            return Lexicon(concepts, drugs, devices, source=source)
        except ImrError:
            raise
        except (KeyError, TypeError, AttributeError, ValueError, re.error) as exc:
            # A phrase list where a mapping belongs, a concept without `phrases`, a bad regex.
            raise ImrError("lexicon additions do not fit the shape of the built-in "
                           "lexicons/concepts.yaml (family -> concept -> phrases; a diagnosis "
                           f"is {{category, phrases}}): {type(exc).__name__}: {exc}",
                           file=source, hint="compare with src/imr_rules/lexicons/concepts.yaml"
                           ) from None


def _check_against_vocabulary(lexicon: Lexicon, concepts: Mapping[str, Any],
                              source: str) -> None:
    """Values the lexicons give facts must be ones the vocabulary allows: checked once here,
    so facts can be built without re-validation for every letter."""
    from imr_rules import vocabulary as v

    def allowed(model: type[Any], field: str) -> set[str]:
        return set(v.attributes_of(model)[field].values or [])

    problems: list[str] = []
    for name, cat in lexicon.diagnosis_category.items():
        if cat not in allowed(v.DiagnosisFact, "category"):
            problems.append(f"diagnosis {name}: category '{cat}'")
    for kind in lexicon.findings:
        if kind not in allowed(v.FindingFact, "kind"):
            problems.append(f"finding kind '{kind}'")
    for kind, entries in concepts.get("normal_finding", {}).items():
        known = concepts.get("finding", {}).get(kind, {})
        problems += [f"normal_finding {kind}.{name}: no finding {kind}.{name} to state absent"
                     for name in entries if name not in known]
    for item, kinds in lexicon.failed_treatments.items():
        problems += [f"documentation {item}: failed_treatments '{kind}'" for kind in sorted(kinds)
                     if kind not in allowed(v.PriorTreatmentFact, "kind")]
    for kind, covers in lexicon.normal_exam_covers.items():
        known = concepts.get("finding", {}).get(kind, {})
        problems += [f"normal_examination {kind}: no finding {kind}.{name} to state absent"
                     for name in covers if name not in known]
        if kind not in lexicon.normal_findings:
            problems.append(f"normal_examination {kind}: no normal_finding {kind}")
    for kind, nouns in lexicon.finding_list_nouns.items():
        known = concepts.get("finding", {}).get(kind, {})
        problems += [f"finding_list {kind}: no finding {kind}.{name}"
                     for name in set(nouns.values()) if name not in known]
    from imr_rules.classify import REGION_IDS
    for motion, normal in lexicon.rom_normal.items():
        problems += [f"range_of_motion {motion}: region '{region}'" for region in normal
                     if region not in REGION_IDS]
        as_written: Any = normal  # not checked yet: any value, whatever the annotation says
        problems += [f"range_of_motion {motion}.{region}: normal {degrees!r} (degrees > 0)"
                     for region, degrees in as_written.items()
                     if isinstance(degrees, bool) or not isinstance(degrees, int | float)
                     or degrees <= 0]
        if not normal:
            problems.append(f"range_of_motion {motion}: no normal")
    if not 0 < lexicon.rom_decreased_below <= 1:
        below = (concepts.get("range_of_motion") or {}).get("decreased_below")
        problems.append(f"range_of_motion decreased_below {below!r} "
                        "(a fraction of normal, above 0 and at most 1)")
    for kind in concepts.get("treatment", {}):
        if kind not in allowed(v.PriorTreatmentFact, "kind"):
            problems.append(f"treatment '{kind}'")
    items = v.DocumentationFact.model_fields
    for item in concepts.get("documentation", {}):
        if item not in items and item not in lexicon.doc_groups:
            problems.append(f"documentation item '{item}'")
    for key, mapping in (("absent_also", lexicon.absent_also), ("also", lexicon.doc_also),
                         ("present_also", lexicon.present_also),
                         ("documents", lexicon.documents)):
        for item, others in mapping.items():
            problems += [f"documentation item {item}: {key} '{other}'" for other in others
                         if other not in items or other == item]
    problems += [f"documentation item {item}: negative without `also`"
                 for item in lexicon.negative_docs if item not in lexicon.doc_groups]
    problems += [f"documentation item {item}: also '{other}', which has an `also` of its own"
                 for item, others in lexicon.doc_also.items() for other in others
                 if other in lexicon.doc_also]
    for result in concepts.get("drug_test_result", {}):
        if result not in ("consistent", "inconsistent"):
            problems.append(f"drug_test_result '{result}' (consistent or inconsistent)")
    for drug_class in concepts.get("drug_class_reference", {}):
        if drug_class not in allowed(v.MedicationFact, "drug_class"):
            problems.append(f"drug_class_reference '{drug_class}'")
    for entry in lexicon.drug_entries.values():
        if entry.drug_class not in allowed(v.MedicationFact, "drug_class"):
            problems.append(f"drug {entry.name}: class '{entry.drug_class}'")
    modalities = allowed(v.RequestFact, "modality") | {NO_MODALITY}
    problems += [f"device {d.get('name')}: modality '{d.get('modality')}'"
                 for d in lexicon._raw["devices"] if str(d.get("modality")) not in modalities]
    if problems:
        raise ImrError("lexicon values outside the fact vocabulary: " + "; ".join(problems[:5]),
                       file=source, hint="use the values `imr-rules vocabulary` lists")


def _merge(base: Any, extra: Any) -> Any:
    """Deep merge: mappings merge, lists concatenate, scalars from `extra` win."""
    if isinstance(base, Mapping) and isinstance(extra, Mapping):
        merged = dict(base)
        for key, value in extra.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(extra, list):
        return [*base, *extra]
    return extra


@cache
def _default_lexicon() -> Lexicon:
    return Lexicon.from_dir(LEXICON_DIR)
