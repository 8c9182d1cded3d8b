"""The remaining commands through the installed entry point: facts, vocabulary, pack tools."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import imr_rules
import imr_rules.facts
import imr_rules.models

ROOT = Path(__file__).resolve().parents[1]
LETTER = ROOT / "examples" / "letters" / "003_3416dbc1d8e3e873.txt"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "imr_rules", *args], capture_output=True,
                          text=True, cwd=cwd, check=False)


def test_facts_json_quotes_the_letter() -> None:
    result = run("facts", str(LETTER), "--format", "json")
    assert result.returncode == 0, result.stderr
    (letter,) = json.loads(result.stdout)
    text = LETTER.read_text(encoding="utf-8")
    analgesia = letter["facts"]["doc"]["evidence"]["analgesia"]
    assert all(text[s["start"]:s["end"]] == s["text"] for s in analgesia)
    assert [i["request"]["kind"] for i in letter["items"]] == ["device", "medication",
                                                              "medication"]


def test_facts_findings_view_has_facts_per_item() -> None:
    result = run("facts", str(LETTER), "--view", "findings", "--format", "json")
    (letter,) = json.loads(result.stdout)
    assert "facts" not in letter
    zanaflex = letter["items"][2]
    assert zanaflex["request"]["days_used"] > 21


def test_facts_table_for_people() -> None:
    result = run("facts", str(LETTER))
    assert result.returncode == 0
    assert "doc.analgesia" in result.stdout and "well controlled" in result.stdout


def test_vocabulary_schema_lists_every_fact_type() -> None:
    schema = json.loads(run("vocabulary").stdout)
    assert set(schema["$defs"]) == {"request", "case", "doc", "medication", "diagnosis",
                                    "finding", "prior_treatment", "item"}


def test_pack_tools_are_mounted(tmp_path: Path) -> None:
    assert run("pack", "lint", "rules/mtus-chronic-pain-2009").returncode == 0
    assert json.loads(run("pack", "schema").stdout)["title"] == "imr-rules rule pack"
    created = run("pack", "new", "scratch", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    tested = run("pack", "test", str(tmp_path / "rules" / "scratch"), "--min-coverage", "100",
                 cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    docs = run("pack", "docs", "rules/mtus-chronic-pain-2009").stdout
    assert "UNCONFIRMED" in docs and "short_course" in docs


def test_malformed_pack_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "pack.yaml").write_text("id: bad\ntitle: [unclosed\n")
    result = run("audit", str(LETTER), "--pack", str(bad))
    assert result.returncode == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "pack.yaml:" in lines[0] and "Traceback" not in result.stderr


@pytest.mark.parametrize(("n", "unit", "said"), [
    (1, "week", "1 week"), (2, "week", "2 weeks"), (1.5, "week", "1.5 weeks"),
    (149, "day", "149 days"), (0, "day", "0 days")])
def test_the_facts_table_counts_in_words(n: float, unit: str, said: str) -> None:
    from imr_rules.report import _amount

    assert _amount(n, unit) == said


def test_version_names_the_build() -> None:
    result = run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"imr-rules {imr_rules.__version__} ({imr_rules.build()} build)"


def test_the_build_is_what_the_installed_modules_are() -> None:
    compiled = not imr_rules.facts.__file__.endswith(".py")
    assert imr_rules.build() == ("compiled" if compiled else "pure")
    assert imr_rules.models.__file__.endswith(".py")  # pydantic models stay interpreted
    # `make test-compiled` says which build it means to test: a suite that silently ran on
    # the pure sources would prove nothing about the compiled modules.
    expected = os.environ.get("IMR_RULES_EXPECT_BUILD")
    if expected:
        assert imr_rules.build() == expected
