"""The audit of the seed letters: topic, prediction, consistency, and the deciding criteria.

The deciding criteria asserted for each item are the ones the reviewer's reasons name
(tests/seeds_expected.yaml, `reasons`), as criterion ids of the MTUS 2009 pack.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

from imr_rules.audit import AuditItem, Auditor, SummaryBuilder
from imr_rules.letters import parse_letter
from imr_rules.packs import load_pack

ROOT = Path(__file__).resolve().parents[1]
LETTERS = ROOT / "examples" / "letters"
PACK_DIR = ROOT / "rules" / "mtus-chronic-pain-2009"
EXPECTED = yaml.safe_load((ROOT / "tests" / "seeds_expected.yaml").read_text())["letters"]

# (letter, item) -> criteria the reviewer's reasons name; each must be among those that decide
# the verdict on the reviewer's findings (required ones) or, for supporting criteria, be shown
# as not met.
REASONS: dict[tuple[str, int], list[str]] = {
    ("000", 1): ["purpose_procedure_supported"],
    ("000", 2): ["repeat_block_response"],
    ("000", 3): ["analgesia", "functional_improvement"],
    ("000", 4): ["functional_improvement", "tramadol_not_first_line?"],
    ("000", 5): ["short_course"],
    ("001", 1): [],  # overturned: decided by every required criterion being met
    ("001", 2): ["modality_specified"],
    ("001", 3): ["ingredients_stated"],
    ("001", 4): ["non_opioid_trial", "dose_stated"],
    ("002", 1): ["analgesia", "functional_improvement", "misuse_monitoring?"],
    ("002", 2): ["short_course", "acute_exacerbation", "muscle_relaxant_efficacy"],
    ("002", 3): ["aed_pain_relief", "aed_functional_improvement"],
    ("003", 1): ["tens_indication"],
    ("003", 2): ["activities_of_daily_living", "adverse_effects", "aberrant_behavior",
                 "functional_improvement"],
    ("003", 3): ["short_course", "muscle_relaxant_efficacy"],
    ("004", 1): ["analgesia", "activities_of_daily_living", "adverse_effects",
                 "aberrant_behavior"],
}


@cache
def auditor() -> Auditor:
    return Auditor(load_pack(PACK_DIR))


def letter_path(prefix: str) -> Path:
    return next(LETTERS.glob(f"{prefix}_*.txt"))


def audit_text(text: str, name: str = "letter.txt") -> list[AuditItem]:
    return auditor().audit_letter(parse_letter(text, name))


@cache
def seed_items() -> dict[tuple[str, int], AuditItem]:
    out = {}
    for path in sorted(LETTERS.glob("*.txt")):
        for item in audit_text(path.read_text(encoding="utf-8"), path.name):
            out[(path.name[:3], item.item)] = item
    return out


def _expected(prefix: str, item: int) -> dict[str, object]:
    name = letter_path(prefix).name
    return EXPECTED[name]["items"][item - 1]  # type: ignore[no-any-return]


@pytest.mark.parametrize("key", sorted(REASONS), ids=[f"{a}-{b}" for a, b in sorted(REASONS)])
def test_seed_item_topic_prediction_and_consistency(key: tuple[str, int]) -> None:
    item, expected = seed_items()[key], _expected(*key)
    assert item.topic == expected["topic"]
    assert item.actual == expected["decision"]
    assert item.predicted == expected["decision"], item.predicted_decided_by
    assert item.consistent is True, item.findings


@pytest.mark.parametrize("key", sorted(REASONS), ids=[f"{a}-{b}" for a, b in sorted(REASONS)])
def test_seed_item_is_decided_by_the_criteria_the_reviewer_names(key: tuple[str, int]) -> None:
    item = seed_items()[key]
    statuses = {c.id: c.status for c in item.criteria}
    for name in REASONS[key]:
        criterion = name.rstrip("?")
        if name.endswith("?"):  # a supporting criterion: shown, and not met
            assert statuses.get(criterion) in ("unmet", "unknown"), (criterion, statuses)
        else:
            assert criterion in item.decided_by, (criterion, item.decided_by)
    if item.actual == "overturned":
        assert all(c.status == "met" for c in item.criteria if c.required)


def test_evidence_quotes_the_letter() -> None:
    text = letter_path("000").read_text(encoding="utf-8")
    item = seed_items()[("000", 5)]
    short = next(c for c in item.criteria if c.id == "short_course")
    assert short.status == "unmet" and short.evidence
    for ev in short.evidence:
        assert text[ev.start:ev.end] == ev.text
    assert "six" in " ".join(e.text for e in short.evidence)


def test_summary_measures() -> None:
    builder = SummaryBuilder()
    by_letter: dict[str, list[AuditItem]] = {}
    for (prefix, _n), item in seed_items().items():
        by_letter.setdefault(prefix, []).append(item)
    for items in by_letter.values():
        builder.add_letter(items)
    s = builder.build()
    assert (s.letters, s.items) == (5, 16)
    assert s.predicted_agreement == 1.0 and s.balanced_accuracy == 1.0
    assert s.overturn_recall == 1.0 and s.consistency == 1.0
    assert s.by_topic["opioid"].items == 6


# --- what an auditor must be told ----------------------------------------------------------------

def test_flipped_decision_is_inconsistent_and_names_the_unmet_criteria() -> None:
    text = letter_path("000").read_text(encoding="utf-8").replace(
        "Zanaflex 4mg #60 no refills: Upheld", "Zanaflex 4mg #60 no refills: Overturned")
    item = audit_text(text)[4]
    assert (item.actual, item.consistent) == ("overturned", False)
    (finding,) = [f for f in item.findings if f.kind == "decision_contradicts_criteria"]
    assert "short_course" in finding.criteria and "short_course" in finding.message


def test_upheld_although_criteria_met_is_reported() -> None:
    text = letter_path("001").read_text(encoding="utf-8").replace(
        "for repeat epidural injection: Overturned", "for repeat epidural injection: Upheld")
    item = audit_text(text)[0]
    assert item.consistent is False
    assert item.findings[0].message.startswith("upheld although every required criterion")


def test_tens_pages_cited_for_a_topical_cream() -> None:
    text = letter_path("001").read_text(encoding="utf-8").replace(
        "Topical \n\nanalgesics Page(s): 60, 111-113.",
        "Transcutaneous \n\nelectrotherapy Page(s): 114-116.")
    cream = audit_text(text)[2]
    assert cream.topic == "topical"
    (finding,) = [f for f in cream.findings if f.kind == "citation_not_covering"]
    assert "114-116" in finding.message
    stim = audit_text(text)[1]  # the stimulator's own TENS citation is fine
    assert not [f for f in stim.findings if f.kind == "citation_not_covering"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "imr_rules", *args], capture_output=True,
                          text=True, cwd=ROOT, check=False)


def test_batch_with_corrupt_item_and_binary_file(tmp_path: Path) -> None:
    for path in LETTERS.glob("*.txt"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"))
    bad = letter_path("002").read_text(encoding="utf-8").replace(
        "Zanaflex 2 mg QTY 120.00: Upheld", "Zanaflex 2 mg QTY 120.00: Partially approved")
    (tmp_path / "010_corrupt_item.txt").write_text(bad)
    (tmp_path / "011_binary.txt").write_bytes(b"%PDF-1.4\n\x00\x01\x02" * 100)
    result = run_cli("audit", str(tmp_path), "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert set(report) == {"pack", "summary", "items", "errors"}
    assert {e["file"].rsplit("/", 1)[-1] for e in report["errors"]} == {
        "010_corrupt_item.txt", "011_binary.txt"}
    corrupt = next(e for e in report["errors"] if "corrupt" in e["file"])
    assert corrupt["line"] and "Partially approved" in corrupt["message"]
    assert report["summary"]["letters"] == 5 and len(report["items"]) == 16
    assert report["summary"]["errors"] == 2
    first = report["items"][0]
    assert {"letter", "request", "topic", "actual", "predicted", "consistent", "criteria",
            "findings"} <= set(first)
    assert report["pack"]["revision"]
    assert "Traceback" not in result.stderr


def test_streaming_formats(tmp_path: Path) -> None:
    out = tmp_path / "audit.jsonl"
    result = run_cli("audit", str(letter_path("003")), "--format", "jsonl", "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [ln["item"] for ln in lines[:-1]] == [1, 2, 3]
    assert lines[-1]["summary"]["items"] == 3
    result = run_cli("audit", str(letter_path("003")), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["topic"] for r in rows] == ["tens", "opioid", "muscle_relaxant"]
    assert "tens_indication=unmet" in rows[0]["criteria"]
    md = run_cli("audit", str(letter_path("003")), "--format", "md").stdout
    assert md.startswith("# IMR audit") and "| One TENS unit |" in md


def test_two_workers_give_the_same_items(tmp_path: Path) -> None:
    one = json.loads(run_cli("audit", str(LETTERS), "--format", "json").stdout)
    two = json.loads(run_cli("audit", str(LETTERS), "--format", "json", "--workers", "2").stdout)
    assert one["items"] == two["items"]


def test_a_documented_opioid_case_is_predicted_certifiable() -> None:
    # A letter written for the tests: every criterion documented in the summary's words
    # ("pain is rated 8/10 without medications and 4/10 with medications", "denies side
    # effects", "no aberrant behavior was noted") must be read as met, not as negated.
    path = ROOT / "tests" / "fixtures" / "letters" / "written_overturned_opioid.txt"
    (item,) = audit_text(path.read_text(encoding="utf-8"), path.name)
    assert (item.topic, item.actual, item.predicted, item.consistent) == (
        "opioid", "overturned", "overturned", True)
    statuses = {c.id: c.status for c in item.criteria}
    assert statuses["adverse_effects"] == statuses["aberrant_behavior"] == "met"
    assert statuses["pain_assessment"] == "met"


def test_letter_outside_the_packs_dates_is_flagged() -> None:
    text = letter_path("002").read_text(encoding="utf-8").replace(
        "08-28- 2015", "08-28- 2018").replace("10-05-2015", "10-05-2018")
    items = audit_text(text)
    for item in items:
        (finding,) = [f for f in item.findings if f.kind == "pack_not_in_force"]
        assert "2018-08-28" in finding.message
    assert not [f for i in seed_items().values() for f in i.findings
                if f.kind == "pack_not_in_force"]
