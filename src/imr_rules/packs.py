"""Rule packs: the YAML format as pydantic models, safe loading with line numbers, and lint.

`load_pack()` returns a validated `RulePack` or raises `PackError` (`file:line: message (what to
do)`); `lint_pack()` returns every problem as a `LintMessage`. YAML is read with the safe loader
only; conditions are parsed by `imr_rules.conditions`, never evaluated as code. The format is
documented in docs/pack-format.md.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from imr_rules import conditions as cl
from imr_rules import vocabulary
from imr_rules.errors import ImrError, PackError

# ----------------------------------------------------------------------------------- models


class PackModel(BaseModel):
    """Base of the pack file models: no unknown keys (a typo is an error, not a silent default)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Citation(PackModel):
    source: str | None = Field(None, description="MTUS | ACOEM | ODG | other; default: the "
                               "pack's guideline source")
    section: str
    pages: list[str] = []
    confirmed: bool = True


class Guideline(PackModel):
    source: Literal["MTUS", "ACOEM", "ODG", "other"] = "MTUS"
    name: str
    edition: str
    effective_from: date
    effective_to: date | None = None


class Table(PackModel):
    """Data conditions refer to as `table.<name>`: `rows` (key -> value) or `values` (a list)."""

    description: str | None = None
    citation: Citation | None = None
    rows: dict[str, float | int | str | bool] | None = None
    values: list[float | int | str | bool] | None = None

    def info(self) -> cl.TableInfo:
        if self.rows is not None:
            return cl.TableInfo(frozenset(self.rows), tuple(self.rows))
        return cl.TableInfo(None, tuple(self.values or ()))

    def data(self) -> dict[str, Any] | list[Any]:
        """The table as conditions see it: a dict of rows or a list of values."""
        return dict(self.rows) if self.rows is not None else list(self.values or [])


class LexiconDrug(PackModel):
    name: str
    generic: str | None = None
    drug_class: str | None = Field(None, alias="class")
    ingredients: list[str] = []


class LexiconDevice(PackModel):
    name: str
    aliases: list[str] = []
    modality: str = Field(description="a request.modality value, or 'none' for a device that "
                          "is no electrotherapy unit")
    components: list[str] = []


class Lexicon(PackModel):
    drugs: list[LexiconDrug] = []
    devices: list[LexiconDevice] = []
    concepts: dict[str, Any] = Field(
        {}, description="phrases added to the extractor's concepts, in the shape of its "
        "lexicons/concepts.yaml (family -> concept -> phrases); lists are appended to")
    triggers: dict[str, Any] = Field(
        {}, description="assertion triggers added, in the shape of lexicons/context.yaml "
        "(termination, families -> name -> pre/post/...)")


class Derive(PackModel):
    """A derived fact `derived.<name>`: a `value` expression, or a `when` condition (boolean)."""

    name: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    value: str | None = None
    when: str | None = None


class PackFile(PackModel):
    """pack.yaml."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    title: str
    version: str
    guideline: Guideline
    topics: list[str] = Field(min_length=1, description="topic files, relative to pack.yaml, "
                              "in evaluation order")
    tables: dict[str, Table] = {}
    derive: list[Derive] = Field([], description="derived facts every topic sees, computed "
                                 "before the topic's own (derived.<name>)")
    lexicon: Lexicon = Lexicon()


class Reasons(PackModel):
    unmet: str | None = None
    unknown: str | None = None


class Criterion(PackModel):
    id: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    statement: str
    citation: Citation | None = None
    confirmed: bool = True
    required: bool = True
    applies_when: str | None = None
    met_when: str | None = None
    unmet_when: str | None = None
    reasons: Reasons = Reasons()
    to_document: str | None = None


class Note(PackModel):
    """Guidance a verdict carries when its condition holds. It decides nothing: e.g. that an
    opioid in long-term use that is not certified is weaned, not stopped abruptly."""

    id: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    text: str
    when: str | None = Field(None, description="condition (it may name the topic's derived "
                             "values); none: whenever the outcome matches")
    outcome: Literal["medically_necessary", "not_medically_necessary"] | None = Field(
        None, description="only with this outcome; none: with either")
    citation: Citation | None = None
    confirmed: bool = True


class Covers(PackModel):
    pages: list[str] = []
    sections: list[str] = []


class Decision(PackModel):
    policy: Literal["all_required"] = "all_required"


class Topic(PackModel):
    """A topic file."""

    id: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    title: str
    applies_when: str
    citation: Citation
    covers: Covers = Covers()
    derive: list[Derive] = []
    criteria: list[Criterion] = Field(min_length=1)
    notes: list[Note] = []
    decision: Decision = Decision()
    file: str = Field("", exclude=True, description="set by the loader")


class RulePack(PackModel):
    """A loaded, validated pack."""

    id: str
    title: str
    version: str
    revision: str = Field(description="short sha256 of pack.yaml and the topic files")
    guideline: Guideline
    topics: list[Topic]  # each topic's derive starts with the pack's (`derive`)
    tables: dict[str, Table]
    derive: list[Derive] = []
    lexicon: Lexicon
    root: Path

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def table_data(self) -> dict[str, Any]:
        return {name: table.data() for name, table in self.tables.items()}

    def citation_source(self, citation: Citation) -> str:
        return citation.source or self.guideline.source


def pack_schema() -> dict[str, Any]:
    """The JSON Schema of pack.yaml and topic files (`imr-rules pack schema`)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "imr-rules rule pack",
        "description": "pack.yaml (PackFile) and topics/*.yaml (Topic); see docs/pack-format.md",
        "oneOf": [{"$ref": "#/$defs/PackFile"}, {"$ref": "#/$defs/Topic"}],
        "$defs": {
            "PackFile": PackFile.model_json_schema(),
            "Topic": Topic.model_json_schema(),
            "PackCases": PackCases.model_json_schema(),
        },
    }


class CaseExpect(PackModel):
    topic: str | None = None
    outcome: Literal["medically_necessary", "not_medically_necessary"] | None = None
    rests_on_unknown: bool | None = None
    criteria: dict[str, Literal["met", "unmet", "unknown", "not_applicable"]] = {}
    notes: list[str] | None = Field(None, description="the ids of the notes the verdict "
                                    "carries, in pack order (none: not checked)")


class PackCase(PackModel):
    name: str
    request: dict[str, Any]
    facts: dict[str, Any] = {}
    expect: CaseExpect


class PackCases(PackModel):
    cases: list[PackCase] = Field(min_length=1)


# ------------------------------------------------------------------------ YAML with lines

Lines = dict[tuple[Any, ...], int]


def read_yaml(path: Path, display: str) -> tuple[Any, Lines]:
    """Safe-load a YAML file and the 1-based line of every node, keyed by its path of keys and
    indexes; raises PackError on unreadable or malformed YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PackError(f"cannot read {path.name}: {exc.strerror}", file=display,
                        hint="check the path") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise PackError(f"malformed YAML: {problem}", file=display, line=line,
                        hint="fix the YAML syntax") from None
    finally:
        loader.dispose()
    lines: Lines = {}
    if node is not None:
        duplicate = _node_lines(node, (), lines)
        if duplicate is not None:
            # YAML keeps the last of two equal keys: a criterion pasted without its `id` line
            # would silently merge into the one before it
            raise PackError(f"duplicate key '{duplicate[0]}'", file=display, line=duplicate[1],
                            hint="each key may appear once in a mapping")
    return data, lines


def _node_lines(node: yaml.Node, path: tuple[Any, ...], lines: Lines,
                ) -> tuple[str, int] | None:
    """Record the line of every node under `path`; return the first key given twice in one
    mapping, with its line (None: none)."""
    lines.setdefault(path, node.start_mark.line + 1)
    duplicate: tuple[str, int] | None = None
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen and duplicate is None:
                duplicate = (key, key_node.start_mark.line + 1)
            seen.add(key)
            lines[path + (key, "$key")] = key_node.start_mark.line + 1
            found = _node_lines(value_node, path + (key,), lines)
            duplicate = duplicate or found
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found = _node_lines(item, path + (index,), lines)
            duplicate = duplicate or found
    return duplicate


def line_of(lines: Lines, path: tuple[Any, ...]) -> int:
    """The line of the deepest existing node on `path` (the file's first line at worst)."""
    for cut in range(len(path), -1, -1):
        if path[:cut] in lines:
            return lines[path[:cut]]
    return 1


# ------------------------------------------------------------------------------------ lint


class LintMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    severity: Literal["error", "warning"]
    message: str

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else "warning: "
        return f"{self.file}:{self.line}: {tag}{self.message}"


class _Linter:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.messages: list[LintMessage] = []

    def display(self, path: Path) -> str:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    def add(self, file: str, line: int, message: str, severity: str = "error") -> None:
        self.messages.append(LintMessage.model_validate(
            {"file": file, "line": line, "severity": severity, "message": message}))

    def schema_errors(self, exc: ValidationError, file: str, lines: Lines) -> None:
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc) or "(top level)"
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                line = lines.get(loc + ("$key",), line_of(lines, loc))
                self.add(file, line, f"unknown key '{loc[-1]}' (see `imr-rules pack schema`)")
                continue
            if err["type"] == "missing":
                self.add(file, line_of(lines, loc), f"missing required key '{where}'")
                continue
            self.add(file, line_of(lines, loc), f"{where}: {msg}")


def _resolve(path: Path | str) -> Path:
    p = Path(path)
    if p.is_dir():
        p = p / "pack.yaml"
    return p


def _revision(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode())
        digest.update(b"\0")
        digest.update(f.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _load(path: Path | str) -> tuple[RulePack | None, list[LintMessage]]:
    pack_yaml = _resolve(path)
    linter = _Linter(pack_yaml.parent)
    display = linter.display(pack_yaml)
    if not pack_yaml.is_file():
        linter.add(display, 1, "no pack.yaml here (give a pack directory or its pack.yaml)")
        return None, linter.messages
    try:
        data, lines = read_yaml(pack_yaml, display)
    except PackError as exc:
        linter.add(display, exc.line or 1, exc.message)
        return None, linter.messages
    try:
        pack_file = PackFile.model_validate(data if data is not None else {})
    except ValidationError as exc:
        linter.schema_errors(exc, display, lines)
        return None, linter.messages

    tables = {name: t.info() for name, t in pack_file.tables.items()}
    for name, table in pack_file.tables.items():
        if (table.rows is None) == (table.values is None):
            linter.add(display, line_of(lines, ("tables", name)),
                       f"table '{name}' needs exactly one of rows or values")
        if table.citation is None:
            linter.add(display, line_of(lines, ("tables", name)),
                       f"table '{name}' has no citation (add citation: {{section, pages}})")

    # the pack's derived facts, checked once here; each topic's conditions may name them
    pack_derived: dict[str, Any] = {}
    _lint_derives(linter, pack_file.derive, display, lines, tables, pack_derived)
    topics: list[Topic] = []
    files = [pack_yaml]
    seen_topics: dict[str, str] = {}
    for index, rel in enumerate(pack_file.topics):
        topic_path = (pack_yaml.parent / rel).resolve()
        if not topic_path.is_file():
            linter.add(display, line_of(lines, ("topics", index)),
                       f"topic file '{rel}' does not exist (create it or fix the path)")
            continue
        files.append(topic_path)
        tdisplay = linter.display(topic_path)
        try:
            tdata, tlines = read_yaml(topic_path, tdisplay)
        except PackError as exc:
            linter.add(tdisplay, exc.line or 1, exc.message)
            continue
        try:
            topic = Topic.model_validate({**(tdata or {}), "file": tdisplay})
        except ValidationError as exc:
            linter.schema_errors(exc, tdisplay, tlines)
            continue
        if topic.id in seen_topics:
            linter.add(tdisplay, line_of(tlines, ("id",)),
                       f"duplicate topic id '{topic.id}' (also in {seen_topics[topic.id]})")
        seen_topics[topic.id] = tdisplay
        _lint_topic(linter, topic, tdisplay, tlines, tables,
                    {name: t.data() for name, t in pack_file.tables.items()}, pack_derived)
        # the pack's derived facts first: every topic computes them before its own
        topics.append(topic.model_copy(update={"derive": [*pack_file.derive, *topic.derive]})
                      if pack_file.derive else topic)

    lexicon = pack_file.lexicon
    if lexicon.concepts or lexicon.triggers or lexicon.drugs or lexicon.devices:
        from imr_rules.facts import pack_lexicon  # (facts reads packs: imported when needed)
        try:
            pack_lexicon(lexicon)
        except ImrError as exc:
            linter.add(display, line_of(lines, ("lexicon",)), exc.message)

    if any(m.severity == "error" for m in linter.messages):
        return None, linter.messages
    pack = RulePack(id=pack_file.id, title=pack_file.title, version=pack_file.version,
                    revision=_revision(files), guideline=pack_file.guideline, topics=topics,
                    tables=dict(pack_file.tables), derive=list(pack_file.derive),
                    lexicon=pack_file.lexicon, root=pack_yaml.parent.resolve())
    return pack, linter.messages


def _check_condition(linter: _Linter, file: str, lines: Lines, text: str,
                     where: tuple[Any, ...], tables: dict[str, cl.TableInfo],
                     derived: dict[str, Any], value: bool = False,
                     ) -> tuple[cl.Cond | cl.Expr | None, bool]:
    """Parse and check one condition (or, with `value`, one expression) at `where` of a file,
    reporting what is wrong with its line; the node (None if it does not parse) and whether
    it checked clean."""
    line = line_of(lines, where)
    try:
        node: cl.Cond | cl.Expr = cl.parse_value(text) if value else cl.parse(text)
    except cl.ConditionError as exc:
        linter.add(file, line, f"{'.'.join(map(str, where))}: {exc.message} "
                   f"(at column {exc.col} of {text!r})")
        return None, False
    errors = cl.check(node, tables, derived)
    for err in errors:
        linter.add(file, line, f"{'.'.join(map(str, where))}: {err.message}")
    return node, not errors


def _lint_derives(linter: _Linter, derives: list[Derive], file: str, lines: Lines,
                  tables: dict[str, cl.TableInfo], derived: dict[str, Any]) -> None:
    """Check each derived fact's expression (names known so far: `derived`, which it adds to)
    and that no name is given twice."""
    for index, d in enumerate(derives):
        where = ("derive", index)
        if (d.value is None) == (d.when is None):
            linter.add(file, line_of(lines, where),
                       f"derive '{d.name}' needs exactly one of value or when")
        elif d.value is not None:
            _check_condition(linter, file, lines, d.value, where + ("value",), tables, derived,
                             value=True)
        elif d.when is not None:
            _check_condition(linter, file, lines, d.when, where + ("when",), tables, derived)
        if d.name in derived:
            linter.add(file, line_of(lines, where), f"duplicate derived name '{d.name}'")
        derived[d.name] = True


def _lint_topic(linter: _Linter, topic: Topic, file: str, lines: Lines,
                tables: dict[str, cl.TableInfo], table_data: dict[str, Any],
                pack_derived: dict[str, Any] | None = None) -> None:
    """Check a topic file; `pack_derived`: the names of the pack's derived facts."""
    from imr_rules.engine import Lowering  # the engine imports this module

    lowering = Lowering(table_data)

    def condition(text: str, where: tuple[Any, ...], derived: dict[str, Any],
                  ) -> cl.Cond | cl.Expr | None:
        node, clean = _check_condition(linter, file, lines, text, where, tables, derived)
        if clean and where[0] == "criteria":
            try:  # what durable_rules cannot express is reported here, not at run time
                lowering.dnf(node)  # type: ignore[arg-type]
            except cl.ConditionError as exc:
                linter.add(file, line_of(lines, where),
                           f"{'.'.join(map(str, where))}: {exc.message}")
        return node

    derived: dict[str, Any] = dict(pack_derived or {})
    applies = condition(topic.applies_when, ("applies_when",), derived)
    if applies is not None and "item" in cl.list_facts(applies):
        linter.add(file, line_of(lines, ("applies_when",)),
                   "applies_when cannot name item (topics are chosen before items are known)")
    _lint_derives(linter, topic.derive, file, lines, tables, derived)

    seen: set[str] = set()
    for index, crit in enumerate(topic.criteria):
        where = ("criteria", index)
        cline = _lint_entry(linter, file, lines, where, "criterion", crit.id, crit.citation,
                            seen, topic.id)
        if crit.citation is not None and not crit.citation.pages:
            linter.add(file, line_of(lines, where + ("citation",)),
                       f"criterion '{crit.id}' cites no pages", "warning")
        parsed: dict[str, Any] = {}
        for key in ("applies_when", "met_when", "unmet_when"):
            text = getattr(crit, key)
            if text is not None:
                parsed[key] = condition(text, where + (key,), derived)
        if crit.met_when is None and crit.unmet_when is None:
            linter.add(file, cline, f"criterion '{crit.id}' has neither met_when nor unmet_when "
                       "(it could only ever be unknown)")
        elif crit.met_when is None:
            linter.add(file, cline, f"criterion '{crit.id}' has no met_when: it can never be met",
                       "warning")
        if _never(applies, parsed.get("applies_when")):
            linter.add(file, line_of(lines, where + ("applies_when",)),
                       f"criterion '{crit.id}' can never apply (its applies_when contradicts "
                       "itself or the topic's applies_when)")
        for key in ("unmet", "unknown"):
            text = getattr(crit.reasons, key)
            if text is None:
                continue
            for name in _PLACEHOLDER.findall(text):
                if not _placeholder_ok(name, derived):
                    linter.add(file, line_of(lines, where + ("reasons", key)),
                               f"reason placeholder {{{name}}} names no singleton fact "
                               "attribute or derived value")
    notes_seen: set[str] = set()
    for index, note in enumerate(topic.notes):
        where = ("notes", index)
        _lint_entry(linter, file, lines, where, "note", note.id, note.citation, notes_seen,
                    topic.id)
        if note.when is not None:
            condition(note.when, where + ("when",), derived)


def _lint_entry(linter: _Linter, file: str, lines: Lines, where: tuple[Any, ...], kind: str,
                entry_id: str, citation: Citation | None, seen: set[str], topic_id: str) -> int:
    """Check a criterion's or a note's id (not seen before in the topic: `seen`, which it adds
    to) and that it has a citation; the line of its id."""
    line = line_of(lines, where + ("id",))
    if entry_id in seen:
        linter.add(file, line, f"duplicate {kind} id '{entry_id}' in topic '{topic_id}'")
    seen.add(entry_id)
    if citation is None:
        linter.add(file, line, f"{kind} '{entry_id}' has no citation "
                   "(add citation: {section, pages})")
    return line


def _placeholder_ok(name: str, derived: dict[str, Any]) -> bool:
    fact, _, attr = name.partition(".")
    if fact == "derived":
        return attr in derived
    return fact in vocabulary.SINGLETON_FACTS and attr in vocabulary.attributes(fact)


def _equalities(node: Any) -> Iterator[tuple[str, Any]]:
    """`path == literal` constraints that must all hold for `node` to hold (its top-level
    conjuncts), and ('', False) for a literal false."""
    if node is None:
        return
    if isinstance(node, cl.And):
        for item in node.items:
            yield from _equalities(item)
    elif isinstance(node, cl.Lit) and node.value is False:
        yield "", False
    elif isinstance(node, cl.Compare) and node.op == "==":
        for a, b in ((node.left, node.right), (node.right, node.left)):
            if isinstance(a, cl.Path) and not a.local and isinstance(b, cl.Lit):
                yield a.dotted(), b.value


def _never(*nodes: Any) -> bool:
    """Whether the conjunction of `nodes` can never hold: a literal false, or one path required
    to equal two different literals."""
    required: dict[str, Any] = {}
    for node in nodes:
        for path, value in _equalities(node):
            if path == "":
                return True
            if path in required and required[path] != value:
                return True
            required[path] = value
    return False


def lint_pack(path: Path | str) -> list[LintMessage]:
    """Every problem found in the pack at `path` (a pack directory or its pack.yaml): schema
    errors, unknown facts/attributes/values/tables/keys, duplicate ids, criteria that can never
    apply, missing citations. Each has the file and line it is on."""
    return _load(path)[1]


def load_pack(path: Path | str) -> RulePack:
    """Load and validate a pack; raises PackError naming the file and line of the first error
    (run `imr-rules pack lint` for all of them)."""
    pack, messages = _load(path)
    errors = [m for m in messages if m.severity == "error"]
    if pack is None or errors:
        first = errors[0] if errors else LintMessage(file=str(path), line=1, severity="error",
                                                     message="the pack did not load")
        more = f"; {len(errors) - 1} more" if len(errors) > 1 else ""
        raise PackError(first.message, file=first.file, line=first.line,
                        hint=f"run `imr-rules pack lint` for every problem{more}")
    return pack
