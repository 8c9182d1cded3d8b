"""Tools for pack authors: the test runner with criterion coverage, Markdown docs, a scaffold."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from imr_rules.engine import Engine
from imr_rules.errors import PackError
from imr_rules.packs import (
    Criterion,
    Note,
    PackCases,
    RulePack,
    Topic,
    line_of,
    load_pack,
    read_yaml,
)
from imr_rules.vocabulary import (
    CaseFact,
    CaseFacts,
    DiagnosisFact,
    DocumentationFact,
    FindingFact,
    ItemFact,
    MedicationFact,
    PriorTreatmentFact,
    RequestFact,
)


class CaseResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    name: str
    passed: bool
    failures: list[str] = []
    trace: list[str] = []


class TestReport(BaseModel):
    """Results of `pack test`: every case, and criterion coverage."""

    __test__ = False  # not a pytest class
    model_config = ConfigDict(frozen=True)

    cases: list[CaseResult]
    coverage: dict[str, dict[str, bool]]  # "topic.criterion" -> status -> seen

    @property
    def failed(self) -> list[CaseResult]:
        return [c for c in self.cases if not c.passed]

    @property
    def coverage_percent(self) -> float:
        pairs = [seen for statuses in self.coverage.values() for seen in statuses.values()]
        return 100.0 * sum(pairs) / len(pairs) if pairs else 100.0


_LIST_MODELS: dict[str, type[Any]] = {
    "medication": MedicationFact, "diagnosis": DiagnosisFact, "finding": FindingFact,
    "prior_treatment": PriorTreatmentFact,
}


def case_inputs(request: dict[str, Any], facts: dict[str, Any]
                ) -> tuple[RequestFact, CaseFacts, list[ItemFact]]:
    """The models a test case's YAML describes (raises pydantic ValidationError)."""
    facts = dict(facts)
    items = [ItemFact.model_validate(i) for i in facts.pop("item", []) or []]
    case_facts = CaseFacts(
        case=CaseFact.model_validate(facts.pop("case", {}) or {}),
        doc=DocumentationFact.model_validate(facts.pop("doc", {}) or {}),
        **{name: [model.model_validate(row) for row in facts.pop(name, []) or []]
           for name, model in _LIST_MODELS.items()},
    )
    if facts:
        raise PackError(f"unknown fact types in a test case: {', '.join(facts)}")
    return RequestFact.model_validate(request), case_facts, items


def reachable_statuses(topic: Topic, criterion: Criterion) -> list[str]:
    """The statuses a criterion can have by construction, which coverage counts: `met` needs a
    met_when and `unmet` an unmet_when; `unknown` cannot happen when a condition is the
    topic's own applies_when (a "not recommended" rule: it holds wherever it is evaluated)."""
    def norm(text: str | None) -> str:
        return " ".join((text or "").split())

    statuses = [s for s, cond in (("met", criterion.met_when), ("unmet", criterion.unmet_when))
                if cond]
    if norm(topic.applies_when) not in (norm(criterion.met_when), norm(criterion.unmet_when)):
        statuses.append("unknown")
    return statuses


def run_tests(pack_dir: Path | str, engine: Engine | None = None) -> TestReport:
    """Run every case of `<pack>/tests/*.yaml` and record criterion coverage."""
    pack = load_pack(pack_dir)
    engine = engine or Engine(pack)
    coverage = {f"{t.id}.{c.id}": {s: False for s in reachable_statuses(t, c)}
                for t in pack.topics for c in t.criteria}
    results: list[CaseResult] = []
    for test_file in sorted((pack.root / "tests").glob("*.yaml")):
        display = _display(test_file)
        data, lines = read_yaml(test_file, display)
        try:
            cases = PackCases.model_validate(data or {})
        except ValidationError as exc:
            err = exc.errors()[0]
            raise PackError(f"{'.'.join(map(str, err['loc']))}: {err['msg']}", file=display,
                            line=line_of(lines, tuple(err["loc"])),
                            hint="see `imr-rules pack schema`, $defs.PackCases") from None
        for index, case in enumerate(cases.cases):
            line = line_of(lines, ("cases", index))
            try:
                request, facts, items = case_inputs(case.request, case.facts)
            except (ValidationError, PackError) as exc:
                message = str(exc).splitlines()[0] if isinstance(exc, ValidationError) else \
                    exc.message
                raise PackError(f"case {case.name!r}: {message}", file=display, line=line,
                                hint="fix the case's facts") from None
            verdict = engine.evaluate(request, facts, items)
            failures: list[str] = []
            exp = case.expect
            if "topic" in exp.model_fields_set and exp.topic != verdict.topic:
                failures.append(f"topic: expected {exp.topic}, got {verdict.topic}")
            if exp.outcome is not None and exp.outcome != verdict.outcome:
                failures.append(f"outcome: expected {exp.outcome}, got {verdict.outcome}")
            if exp.rests_on_unknown is not None and exp.rests_on_unknown != \
                    verdict.rests_on_unknown:
                failures.append(f"rests_on_unknown: expected {exp.rests_on_unknown}")
            if exp.notes is not None and exp.notes != [n.id for n in verdict.notes]:
                failures.append(f"notes: expected {exp.notes}, got "
                                f"{[n.id for n in verdict.notes]}")
            for cid, status in exp.criteria.items():
                got = verdict.criterion(cid)
                actual = got.status if got else "not_applicable"
                if actual != status:
                    failures.append(f"{cid}: expected {status}, got {actual}")
            for result in verdict.criteria:
                key = f"{verdict.topic}.{result.id}"
                if key in coverage:
                    coverage[key][result.status] = True
            results.append(CaseResult(file=display, line=line, name=case.name,
                                      passed=not failures, failures=failures,
                                      trace=verdict.trace))
    return TestReport(cases=results, coverage=coverage)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ------------------------------------------------------------------------------------- docs

_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.])")


def _pages(pages: list[str]) -> str:
    return ", ".join(pages) if pages else "(no pages)"


def render_docs(pack: RulePack) -> dict[str, str]:
    """A Markdown page per topic (file name -> text) plus an index: criteria, citations, the
    thresholds each condition uses, and UNCONFIRMED flags."""
    pages: dict[str, str] = {}
    index = [f"# {pack.title}", "",
             f"Pack `{pack.id}` version {pack.version} (revision `{pack.revision}`); "
             f"{pack.guideline.source} {pack.guideline.name}, {pack.guideline.edition}.", ""]
    if pack.derive:
        index += ["Derived values every topic sees:", ""]
        index += [f"- `derived.{d.name}` = `{d.value or d.when}`" for d in pack.derive]
        index.append("")
    for topic in pack.topics:
        index.append(f"- [{topic.title}]({topic.id}.md)")
        out = [f"# {topic.title}", "",
               f"Cites {pack.citation_source(topic.citation)} *{topic.citation.section}*, "
               f"pages {_pages(topic.citation.pages)}.", "",
               f"Applies when: `{topic.applies_when}`", ""]
        own = topic.derive[len(pack.derive):]  # (the pack's come first: shown in the index)
        if own:
            out += ["## Derived values", ""]
            for d in own:
                out.append(f"- `derived.{d.name}` = `{d.value or d.when}`")
            out.append("")
        out += ["## Criteria", ""]
        for crit in topic.criteria:
            flag, cited = _cited(pack, topic, crit)
            kind = "required" if crit.required else "supporting"
            out += [f"### `{crit.id}` ({kind}){flag}", "", crit.statement, "", cited]
            for key in ("applies_when", "met_when", "unmet_when"):
                text = getattr(crit, key)
                if text:
                    out.append(f"- {key.replace('_', ' ').capitalize()}: `{text}`")
            thresholds = _thresholds(pack, crit)
            if thresholds:
                out.append(f"- Thresholds: {', '.join(thresholds)}")
            if crit.to_document:
                out.append(f"- To document: {crit.to_document}")
            out.append("")
        if topic.notes:
            out += ["## Notes", ""]
            for note in topic.notes:
                flag, cited = _cited(pack, topic, note)
                with_outcome = f" when the outcome is {note.outcome}" if note.outcome else ""
                out += [f"### `{note.id}`{flag}", "", note.text, "", cited,
                        f"- Shown{with_outcome}" + (f" and `{note.when}`" if note.when else ""),
                        ""]
        out += [f"Decision: `{topic.decision.policy}` (medically necessary when every applicable "
                "required criterion is met).", ""]
        pages[f"{topic.id}.md"] = "\n".join(out)
    used_tables = []
    for name, table in pack.tables.items():
        flag = " **UNCONFIRMED**" if table.citation and not table.citation.confirmed else ""
        used_tables.append(f"- `table.{name}`{flag}: {table.description or ''} "
                           f"{table.data()}")
    if used_tables:
        index += ["", "## Tables", "", *used_tables]
    pages["index.md"] = "\n".join(index) + "\n"
    return pages


def _cited(pack: RulePack, topic: Topic, entry: Criterion | Note) -> tuple[str, str]:
    """A criterion's or a note's UNCONFIRMED flag (or "") and its citation line."""
    citation = entry.citation or topic.citation
    flag = " **UNCONFIRMED**" if not (entry.confirmed and citation.confirmed) else ""
    return flag, (f"- Citation: {pack.citation_source(citation)} *{citation.section}*, "
                  f"pages {_pages(citation.pages)}")


def _thresholds(pack: RulePack, crit: Any) -> list[str]:
    found: list[str] = []
    tables = pack.table_data()
    for key in ("applies_when", "met_when", "unmet_when"):
        text = getattr(crit, key) or ""
        for m in re.finditer(r"table\.(\w+)\[\s*[\"'](\w+)[\"']\s*\]", text):
            table = tables.get(m.group(1))
            if isinstance(table, dict) and m.group(2) in table:
                item = f"{m.group(1)}[{m.group(2)}] = {table[m.group(2)]}"
                if item not in found:
                    found.append(item)
        stripped = re.sub(r"\"[^\"]*\"|'[^']*'", "", text)
        for m in _NUMBER.finditer(stripped):
            if m.group(1) not in found:
                found.append(m.group(1))
    return found


# --------------------------------------------------------------------------------- scaffold

def scaffold(name: str, where: Path) -> Path:
    """Create `where/name` with pack.yaml, one topic and one passing test; returns its path.
    Raises PackError when the name is not a valid pack id or the directory exists."""
    if not re.match(r"^[a-z0-9][a-z0-9_.-]*$", name):
        raise PackError(f"'{name}' is not a valid pack id",
                        hint="use lowercase letters, digits, '-', '_' or '.'")
    root = where / name
    if root.exists():
        raise PackError(f"{root} already exists", hint="choose another name or directory")
    (root / "topics").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pack.yaml").write_text(_PACK.format(name=name), encoding="utf-8")
    (root / "topics" / "muscle_relaxant.yaml").write_text(_TOPIC, encoding="utf-8")
    (root / "tests" / "muscle_relaxant.yaml").write_text(_TEST, encoding="utf-8")
    return root


_PACK = """\
id: {name}
title: {name} (describe the guideline this pack encodes)
version: 0.1.0
guideline:
  source: MTUS
  name: Chronic Pain Medical Treatment Guidelines
  edition: "2009"
  effective_from: 2009-07-18
  effective_to: null
topics:
  - topics/muscle_relaxant.yaml
tables:
  limits:
    description: numbers the criteria compare with
    citation: {{section: "Muscle relaxants (for pain)", pages: ["63"], confirmed: false}}
    rows: {{max_days: 21}}
"""

_TOPIC = """\
id: muscle_relaxant
title: Muscle relaxants (for pain)
applies_when: 'request.drug_class == "muscle_relaxant"'
citation: {section: "Muscle relaxants (for pain)", pages: ["63-66"]}
covers:
  pages: ["63-66"]
  sections: ["muscle relaxants"]
criteria:
  - id: short_course
    statement: Muscle relaxants are for a short course only, no more than 2-3 weeks.
    citation: {section: "Muscle relaxants (for pain)", pages: ["63"]}
    confirmed: false
    met_when: 'request.days_used <= table.limits["max_days"]'
    unmet_when: 'request.days_used > table.limits["max_days"]'
    reasons:
      unmet: "muscle relaxant used {request.days_used} days"
      unknown: "how long the muscle relaxant has been taken is not documented"
    to_document: the date the muscle relaxant was started
decision:
  policy: all_required
"""

_TEST = """\
cases:
  - name: short_course unmet - six months of tizanidine
    request: {kind: medication, drug: Zanaflex, generic: tizanidine,
              drug_class: muscle_relaxant, days_used: 180}
    expect:
      topic: muscle_relaxant
      outcome: not_medically_necessary
      criteria: {short_course: unmet}
  - name: short_course met - ten days
    request: {kind: medication, drug_class: muscle_relaxant, days_used: 10}
    expect:
      outcome: medically_necessary
      criteria: {short_course: met}
  - name: short_course unknown - duration not documented
    request: {kind: medication, drug_class: muscle_relaxant}
    expect:
      outcome: not_medically_necessary
      rests_on_unknown: true
      criteria: {short_course: unknown}
"""


