"""`imr-rules parse` through the command line: output, bad input, exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LETTERS = ROOT / "examples" / "letters"
BAD = ROOT / "tests" / "fixtures" / "bad"


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "imr_rules", *args], input=stdin.decode()
                          if stdin is not None else None, capture_output=True, text=True,
                          cwd=ROOT, check=False)


def test_parse_directory_as_json() -> None:
    result = run("parse", str(LETTERS), "--format", "json")
    assert result.returncode == 0, result.stderr
    letters = json.loads(result.stdout)
    names = sorted(p.name for p in LETTERS.glob("*.txt"))
    assert [Path(d["source"]).name for d in letters] == names
    first_item = letters[0]["items"][0]
    assert {"request", "decision", "guideline", "rationale",
            "claims_administrator_guideline"} <= set(first_item)
    assert first_item["guideline"]["source"] == "ACOEM"
    assert result.stderr == ""


def test_parse_table_is_readable() -> None:
    result = run("parse", str(LETTERS / "003_3416dbc1d8e3e873.txt"))
    assert result.returncode == 0
    assert "One TENS unit" in result.stdout and "upheld" in result.stdout


def test_parse_stdin() -> None:
    text = (LETTERS / "004_c64081f23548906c.txt").read_bytes()
    result = run("parse", "-", "--format", "json", stdin=text)
    assert result.returncode == 0
    assert json.loads(result.stdout)[0]["items"][0]["request"]["text"] == "Norco 10/325 # 60"


def _one_error_line(stderr: str, name: str, message: str) -> None:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert name in lines[0] and message in lines[0]
    assert "Traceback" not in stderr


def test_bad_files_alone_exit_2_with_one_line_each() -> None:
    for name, message in [("empty.txt", "empty file"), ("binary.txt", "binary file"),
                          ("not_a_letter.txt", "not an IMR final determination letter")]:
        result = run("parse", str(BAD / name))
        assert result.returncode == 2, (name, result.stderr)
        _one_error_line(result.stderr, name, message)


def test_letter_with_bad_decision_word_names_the_line(tmp_path: Path) -> None:
    text = (LETTERS / "000_e7842380b86787dc.txt").read_text()
    bad = tmp_path / "bad_word.txt"
    bad.write_text(text.replace("Tramadol 50mg #60 no refills: Upheld",
                                "Tramadol 50mg #60 no refills: Denied"))
    result = run("parse", str(bad))
    assert result.returncode == 2
    line = text[:text.index("Tramadol 50mg #60 no refills: Upheld")].count("\n") + 1
    _one_error_line(result.stderr, f"bad_word.txt:{line}:", "'Denied' is not Upheld or Overturned")


def test_letter_with_no_decision_lines(tmp_path: Path) -> None:
    text = (LETTERS / "002_d144e1222e08eb40.txt").read_text()
    cut = tmp_path / "cut.txt"
    cut.write_text(text[:text.index("Norco 7.5 mg QTY 120.00: Upheld")])
    result = run("parse", str(cut))
    assert result.returncode == 2
    _one_error_line(result.stderr, "cut.txt", "no decision lines")


def test_batch_with_bad_files_still_prints_the_good_ones() -> None:
    result = run("parse", str(BAD / "empty.txt"), str(LETTERS / "001_030cb33236d584c4.txt"),
                 str(BAD / "binary.txt"), "no/such/file.txt", "--format", "json")
    assert result.returncode == 1
    assert [Path(d["source"]).name for d in json.loads(result.stdout)] == [
        "001_030cb33236d584c4.txt"]
    errors = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(errors) == 3 and "Traceback" not in result.stderr
