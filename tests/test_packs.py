"""Pack loading, lint (file and line of each deliberately broken pack) and the authoring CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_rules.cli_pack import pack_app
from imr_rules.errors import PackError
from imr_rules.packs import lint_pack, load_pack
from imr_rules.packtools import render_docs, run_tests

PACKS = Path(__file__).parent / "packs"
EXAMPLE = PACKS / "example"
BROKEN = PACKS / "broken"
runner = CliRunner()


def test_example_pack_lints_clean_and_loads() -> None:
    assert lint_pack(EXAMPLE) == []
    pack = load_pack(EXAMPLE / "pack.yaml")
    assert pack.id == "example"
    assert [t.id for t in pack.topics] == ["muscle_relaxant", "opioid", "esi", "topical",
                                           "consult"]
    assert len(pack.revision) == 12
    assert load_pack(EXAMPLE).revision == pack.revision  # deterministic
    assert pack.lexicon.drugs[0].drug_class == "topical"


def test_revision_changes_with_content(tmp_path: Path) -> None:
    import shutil
    copy = tmp_path / "example"
    shutil.copytree(EXAMPLE, copy)
    before = load_pack(copy).revision
    topic = copy / "topics" / "opioid.yaml"
    topic.write_text(topic.read_text().replace("pages: [\"78\"]", "pages: [\"79\"]"))
    assert load_pack(copy).revision != before


# (pack, file the message is in, line, words the message must contain)
BROKEN_CASES = [
    ("unknown_attribute", "topics/t.yaml", 9, "unknown attribute 'days_usd'"),
    ("unknown_fact", "topics/t.yaml", 9, "unknown fact 'patient'"),
    ("closed_value", "topics/t.yaml", 9, "'muscle_relaxer' is not a value of request.drug_class"),
    ("unknown_table", "topics/t.yaml", 9, "unknown table 'table.limitz'"),
    ("unknown_table_key", "topics/t.yaml", 9, "has no key 'max_weeks'"),
    ("syntax_error", "topics/t.yaml", 9, "expected a value"),
    ("list_fact_direct", "topics/t.yaml", 9, "is a list fact"),
    ("duplicate_id", "topics/t.yaml", 10, "duplicate criterion id 'short_course'"),
    ("never_applies", "topics/t.yaml", 9, "can never apply"),
    ("missing_citation", "topics/t.yaml", 10, "has no citation"),
    ("unknown_key", "topics/t.yaml", 9, "unknown key 'met_whne'"),
    ("malformed_yaml", "topics/t.yaml", 7, "malformed YAML"),
    ("duplicate_key", "topics/t.yaml", 10, "duplicate key 'statement'"),
    ("missing_topic_file", "pack.yaml", 7, "does not exist"),
    ("bad_lexicon", "pack.yaml", 13, "lexicon additions do not fit"),
    ("bad_triggers", "pack.yaml", 13, "family 'rumoured' needs a status"),
    ("note_bad_condition", "topics/t.yaml", 12, "unknown attribute 'days_usd'"),
    ("note_missing_citation", "topics/t.yaml", 11, "note 'wean' has no citation"),
]


@pytest.mark.parametrize(("name", "file", "line", "words"), BROKEN_CASES,
                         ids=[c[0] for c in BROKEN_CASES])
def test_lint_reports_broken_pack_with_file_and_line(name: str, file: str, line: int,
                                                     words: str) -> None:
    messages = [m for m in lint_pack(BROKEN / name) if m.severity == "error"]
    assert len(messages) == 1, [str(m) for m in messages]
    message = messages[0]
    assert Path(message.file).resolve() == (BROKEN / name / file).resolve()
    assert message.line == line
    assert words in message.message
    assert str(message).startswith(f"{message.file}:{line}: ")
    with pytest.raises(PackError) as raised:
        load_pack(BROKEN / name)
    assert raised.value.line == line
    assert "pack lint" in str(raised.value)


def test_every_broken_pack_is_covered() -> None:
    assert {p.name for p in BROKEN.iterdir()} == {c[0] for c in BROKEN_CASES}


def test_cli_lint_exit_codes() -> None:
    ok = runner.invoke(pack_app, ["lint", str(EXAMPLE)])
    assert ok.exit_code == 0
    bad = runner.invoke(pack_app, ["lint", str(BROKEN / "closed_value")])
    assert bad.exit_code == 1
    assert "topics/t.yaml:9:" in bad.output
    assert "Traceback" not in bad.output


def test_pack_test_runs_example_with_full_coverage() -> None:
    report = run_tests(EXAMPLE)
    assert report.failed == []
    assert len(report.cases) >= 20
    assert report.coverage_percent == 100.0
    result = runner.invoke(pack_app, ["test", str(EXAMPLE), "--min-coverage", "100"])
    assert result.exit_code == 0, result.output
    assert "coverage 100%" in result.output


def test_pack_test_prints_failures_with_trace_and_enforces_coverage(tmp_path: Path) -> None:
    import shutil
    copy = tmp_path / "example"
    shutil.copytree(EXAMPLE, copy)
    tests = copy / "tests" / "opioid.yaml"
    tests.write_text(tests.read_text().replace("{four_as: met, dose_limit: met",
                                               "{four_as: unmet, dose_limit: met"))
    (copy / "tests" / "esi.yaml").unlink()
    result = runner.invoke(pack_app, ["test", str(copy)])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "four_as: expected unmet, got met" in result.output
    assert "four_as: met (met_when holds)" in result.output  # the criterion trace
    tests.write_text(tests.read_text().replace("{four_as: unmet, dose_limit: met",
                                               "{four_as: met, dose_limit: met"))
    low = runner.invoke(pack_app, ["test", str(copy), "--min-coverage", "90"])
    assert low.exit_code == 1
    assert "below --min-coverage" in low.output


def test_docs_render_criteria_citations_thresholds_and_unconfirmed() -> None:
    pages = render_docs(load_pack(EXAMPLE))
    assert set(pages) == {"index.md", "muscle_relaxant.md", "opioid.md", "esi.md",
                          "topical.md", "consult.md"}
    page = pages["muscle_relaxant.md"]
    assert "### `short_course` (required) **UNCONFIRMED**" in page
    assert "limits[relaxant_max_days] = 21" in page
    assert "pages 63" in page
    assert "**UNCONFIRMED**" not in page.split("### `acute_flare`")[1].split("###")[0]
    result = runner.invoke(pack_app, ["docs", str(EXAMPLE)])
    assert result.exit_code == 0 and "# Opioids for chronic pain" in result.output


def test_new_scaffold_passes_lint_and_test(tmp_path: Path) -> None:
    result = runner.invoke(pack_app, ["new", "my-pack", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert lint_pack(tmp_path / "my-pack") == []
    tested = runner.invoke(pack_app, ["test", str(tmp_path / "my-pack"), "--min-coverage", "100"])
    assert tested.exit_code == 0, tested.output
    again = runner.invoke(pack_app, ["new", "my-pack", "--dir", str(tmp_path)])
    assert again.exit_code == 1 and "already exists" in again.output


def test_schema_is_json_schema_of_pack_and_topic() -> None:
    result = runner.invoke(pack_app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert set(schema["$defs"]) >= {"PackFile", "Topic"}
    assert "met_when" in json.dumps(schema["$defs"]["Topic"])


def test_cli_reports_missing_pack_without_traceback(tmp_path: Path) -> None:
    result = runner.invoke(pack_app, ["test", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "no pack.yaml" in result.output and "Traceback" not in result.output


def test_coverage_counts_only_statuses_a_criterion_can_have() -> None:
    from imr_rules.packs import Criterion, Topic
    from imr_rules.packtools import reachable_statuses

    topic = Topic.model_validate({
        "id": "t", "title": "T", "applies_when": 'request.drug_class == "barbiturate_analgesic"',
        "citation": {"section": "S", "pages": ["1"]},
        "criteria": [{"id": "c", "statement": "s", "unmet_when": "request.quantity > 1"}]})
    never_met = topic.criteria[0]
    assert reachable_statuses(topic, never_met) == ["unmet", "unknown"]
    not_recommended = Criterion(id="n", statement="s",
                                unmet_when='request.drug_class ==  "barbiturate_analgesic"')
    assert reachable_statuses(topic, not_recommended) == ["unmet"]
    both = Criterion(id="b", statement="s", met_when="request.quantity <= 1",
                     unmet_when="request.quantity > 1")
    assert reachable_statuses(topic, both) == ["met", "unmet", "unknown"]


def _new_pack_with_lexicon(tmp_path: Path, lexicon_yaml: str) -> Path:
    """A new pack (`pack new`) whose pack.yaml ends with `lexicon_yaml`; lint-clean."""
    assert runner.invoke(pack_app, ["new", "ext", "--dir", str(tmp_path)]).exit_code == 0
    pack_yaml = tmp_path / "ext" / "pack.yaml"
    pack_yaml.write_text(pack_yaml.read_text() + lexicon_yaml)
    assert lint_pack(tmp_path / "ext") == []
    return tmp_path / "ext"


def test_a_pack_extends_the_concepts_and_the_triggers(tmp_path: Path) -> None:
    from imr_rules.facts import build_case, extractor_for
    from imr_rules.models import KeyDates, Patient, Span, TextBlock

    root = _new_pack_with_lexicon(tmp_path, (
        "lexicon:\n"
        "  concepts:\n"
        "    diagnosis:\n"
        "      piriformis_syndrome: {category: other, phrases: [piriformis syndrome]}\n"
        "  triggers:\n"
        "    families:\n"
        "      rumour: {status: possible, pre: [it is rumoured that]}\n"))
    text = "It is rumoured that the patient has piriformis syndrome."
    extractor = extractor_for(load_pack(root))
    obs = extractor.observe(TextBlock(text=text, span=Span.of(text, 0, len(text))))
    (diagnosis,) = build_case(Patient(), KeyDates(), [obs], "form", extractor.lexicon).diagnosis
    assert (diagnosis.name, diagnosis.status) == ("piriformis_syndrome", "possible")


def test_a_pack_adds_devices(tmp_path: Path) -> None:
    from imr_rules.classify import classify_request
    from imr_rules.facts import extractor_for

    root = _new_pack_with_lexicon(tmp_path, (
        "lexicon:\n"
        "  devices:\n"
        "    - {name: NeuroMax unit, aliases: [NeuroMax], modality: interferential}\n"
        "    - {name: Calmare device, modality: none}\n"))
    lexicon = extractor_for(load_pack(root)).lexicon
    assert classify_request("NeuroMax purchase", lexicon).modality == "interferential"
    calmare = classify_request("Calmare device, 10 sessions", lexicon)
    assert (calmare.kind, calmare.modality) == ("device", None)


def _new_pack_with_derive(tmp_path: Path, derive_yaml: str, topic_derive: str = "") -> Path:
    """A new pack (`pack new`) with pack-wide `derive_yaml`, whose topic applies only to a
    continuing drug (`derived.continuing`) and declares `topic_derive`."""
    assert runner.invoke(pack_app, ["new", "drv", "--dir", str(tmp_path)]).exit_code == 0
    root = tmp_path / "drv"
    (root / "pack.yaml").write_text((root / "pack.yaml").read_text() + derive_yaml)
    topic = root / "topics" / "muscle_relaxant.yaml"
    topic.write_text(topic.read_text().replace(
        "criteria:\n", topic_derive + "criteria:\n").replace(
        "    met_when: 'request.days_used", "    applies_when: 'derived.continuing'\n"
                                          "    met_when: 'request.days_used"))
    return root


def test_a_pack_wide_derived_value_is_seen_by_every_topic(tmp_path: Path) -> None:
    from imr_rules.engine import Engine
    from imr_rules.vocabulary import CaseFacts, RequestFact

    root = _new_pack_with_derive(tmp_path, (
        "derive:\n"
        "  - name: continuing\n"
        "    when: 'request.continues_current == true'\n"))
    assert [m for m in lint_pack(root) if m.severity == "error"] == []
    engine = Engine(load_pack(root))
    asked = dict(kind="medication", text="Flexeril 10mg", drug_class="muscle_relaxant")
    new = engine.evaluate(RequestFact(**asked, continues_current=False), CaseFacts())
    renewal = engine.evaluate(RequestFact(**asked, continues_current=True, days_used=60),
                              CaseFacts())
    assert [c.id for c in new.criteria] == []  # not applicable to a new start: left out
    assert [(c.id, c.status) for c in renewal.criteria] == [("short_course", "unmet")]


@pytest.mark.parametrize(("derive_yaml", "topic_derive", "said"), [
    ("derive:\n  - name: continuing\n    when: 'request.continues_current = true'\n", "",
     "derive.0.when"),
    ("derive:\n  - name: continuing\n    when: 'request.continues_current == true'\n",
     "derive:\n  - name: continuing\n    when: 'request.days_used > 0'\n",
     "duplicate derived name 'continuing'"),
])
def test_a_bad_pack_wide_derived_value_is_reported(tmp_path: Path, derive_yaml: str,
                                                   topic_derive: str, said: str) -> None:
    root = _new_pack_with_derive(tmp_path, derive_yaml, topic_derive)
    errors = [m for m in lint_pack(root) if m.severity == "error"]
    assert any(said in m.message for m in errors), errors


def test_docs_render_a_topics_notes() -> None:
    pack = load_pack(Path(__file__).parents[1] / "rules" / "mtus-chronic-pain-2009")
    page = render_docs(pack)["opioid.md"]
    assert "## Notes" in page and "### `wean_do_not_stop` **UNCONFIRMED**" in page
    assert "- Shown when the outcome is not_medically_necessary and `derived.ongoing_use" in page
