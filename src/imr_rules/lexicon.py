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
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from imr_rules.errors import ImrError

LEXICON_DIR = Path(__file__).with_name("lexicons")


class DrugEntry(BaseModel):
    """One drug product: what the letters call it and what it is."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    name: str
    aliases: list[str] = []
    generic: str
    drug_class: str = Field(alias="class")
    ingredients: list[str] = []
    formulation: str | None = None


def _phrase_pattern(phrase: str) -> str:
    """Regex text for one lexicon phrase (see concepts.yaml for the conventions)."""
    if len(phrase) > 2 and phrase.startswith("/") and phrase.endswith("/"):
        return f"(?:{phrase[1:-1]})"
    body = r"\s+".join(re.escape(word) for word in phrase.split())
    body = body.replace(r"\-", r"[-\s]?") if "-" in phrase else body
    # Short all-capital abbreviations ("PT", "TENS", "CURES") match only in capitals: in lower
    # case they are ordinary words ("pt" is "patient", "cures" a verb).
    is_abbreviation = re.fullmatch(r"[A-Z0-9&'/]+s?", phrase) and phrase.upper() != phrase.lower()
    if len(phrase) <= 5 and is_abbreviation:
        return f"(?-i:{body})"
    return body


def _key(text: str) -> str:
    # Spaces, hyphens and apostrophes vary in letters ("flare-up", "flare up", "ADL's").
    return re.sub(r"[^0-9a-z&/%+]", "", text.lower())


class PhraseMatcher:
    """Finds the phrases of many concepts in text, longest phrase first, in one scan."""

    def __init__(self, entries: Mapping[str, Sequence[str]]) -> None:
        self._by_key: dict[str, str] = {}
        self._regex_concepts: list[str] = []
        literals: list[str] = []
        regexes: list[str] = []
        for concept, phrases in entries.items():
            for phrase in phrases:
                phrase = str(phrase)
                if len(phrase) > 2 and phrase.startswith("/") and phrase.endswith("/"):
                    regexes.append(f"(?P<r{len(self._regex_concepts)}>{phrase[1:-1]})")
                    self._regex_concepts.append(concept)
                else:
                    self._by_key.setdefault(_key(phrase), concept)
                    literals.append(phrase)
        literals.sort(key=len, reverse=True)
        alternatives = []
        if literals:
            alternatives.append("(?P<lit>" + "|".join(_phrase_pattern(p) for p in literals) + ")")
        alternatives.extend(regexes)
        self.empty = not alternatives
        self._pattern = re.compile(
            r"(?<!\w)(?:" + "|".join(alternatives or ["(?!x)x"]) + r")(?![\w])", re.IGNORECASE)

    def finditer(self, text: str, start: int = 0, end: int | None = None,
                 ) -> Iterator[tuple[str, int, int]]:
        """(concept, start, end) of every non-overlapping mention in `text[start:end]`."""
        stop = len(text) if end is None else end
        for m in self._pattern.finditer(text, start, stop):
            if m.lastgroup == "lit":
                concept = self._by_key.get(_key(m.group()))
                if concept is None:
                    continue
            elif m.lastgroup:
                concept = self._regex_concepts[int(m.lastgroup[1:])]
            else:
                continue
            yield concept, m.start(), m.end()

    def search(self, text: str, start: int = 0, end: int | None = None,
               ) -> tuple[str, int, int] | None:
        """The first mention in `text[start:end]`, or None."""
        return next(self.finditer(text, start, end), None)


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
        self._raw = {"concepts": concepts, "drugs": list(drugs), "devices": list(devices)}
        diag = concepts.get("diagnosis", {})
        self.diagnosis = PhraseMatcher({k: v["phrases"] for k, v in diag.items()})
        self.diagnosis_category = {k: v.get("category", "other") for k, v in diag.items()}
        self.diagnosis_region = {k: v.get("region") for k, v in diag.items()}
        self.findings = {kind: PhraseMatcher(entries)
                         for kind, entries in concepts.get("finding", {}).items()}
        self.imaging_context = PhraseMatcher({"imaging": concepts.get("imaging_context", [])})
        self.electro_context = PhraseMatcher(
            {"electrodiagnostic": concepts.get("electrodiagnostic_context", [])})
        self.treatment = PhraseMatcher(concepts.get("treatment", {}))
        self.procedure = PhraseMatcher(concepts.get("procedure", {}))
        docs = concepts.get("documentation", {})
        self.documentation = PhraseMatcher({k: v["phrases"] for k, v in docs.items()})
        self.monitoring = frozenset(k for k, v in docs.items() if v.get("monitoring"))
        self.case = PhraseMatcher(concepts.get("case", {}))
        self.work = PhraseMatcher(concepts.get("work", {}))
        self.specialty = PhraseMatcher(concepts.get("specialty", {}))
        self.consult = PhraseMatcher({"consult": concepts.get("consult", {}).get("phrases", [])})
        self.consult_purpose = PhraseMatcher(concepts.get("consult_purpose", {}))
        self.context = PhraseMatcher(concepts.get("context", {}))
        self.drug_reference = PhraseMatcher({"drug": concepts.get("drug_reference", [])})
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
            names[key] = [entry.name, *entry.aliases]
        self.drugs = PhraseMatcher(names)
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

    def extended(self, extra: Mapping[str, Any] | None) -> Lexicon:
        """A new lexicon with a pack's `lexicon:` additions (drugs, devices, concept phrases)."""
        if not extra:
            return self
        concepts = _merge(self._raw["concepts"], extra.get("concepts", {}))
        drugs = [*self._raw["drugs"], *extra.get("drugs", [])]
        devices = [*self._raw["devices"], *extra.get("devices", [])]
        return Lexicon(concepts, drugs, devices, source="pack lexicon")


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
