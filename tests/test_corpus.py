"""bench/corpus.py: varied letters stay well-formed IMR letters; corpora are reproducible."""

from __future__ import annotations

import importlib
import random
import re
import sys
from collections import Counter
from itertools import islice
from pathlib import Path

import pytest
from dateutil import parser as dateparser

REPO = Path(__file__).resolve().parents[1]
# bench/ is a folder of scripts, not a package: put it on the path as its scripts get it.
sys.path.insert(0, str(REPO / "bench"))
corpus = importlib.import_module("corpus")

LETTERS: list[tuple[str, str]] = corpus.load_letters(REPO / "examples" / "letters")
SEEDS = range(40)

HEADINGS = (
    "HOW THE IMR FINAL DETERMINATION WAS MADE",
    "CLINICAL CASE SUMMARY",
    "IMR ISSUES, DECISIONS AND RATIONALES",
)
LABELS = ("Claims Administrator guideline:", "MAXIMUS guideline:", "Decision rationale:")
DECISION_RE = re.compile(r"^\s*(\S.*?):\s*(Upheld|Overturned)\s*$", re.M)

# Written independently of bench/corpus.py's patterns on purpose: what a reader calls a date.
_WS = r"[ \t]*(?:\n[ \t]*)*"
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
DATE_RE = re.compile(
    rf"(?<![\w/.-])\d{{1,2}}[/-]{_WS}\d{{1,2}}[/-]{_WS}(?:\d{{4}}|\d\d)(?![\w/])"
    rf"|\b(?:{_MONTHS})\s+\d{{1,2}},\s*\d{{4}}\b"
    rf"|\b(?:{_MONTHS}),?\s+\d{{4}}\b"
)
DRUG_RE = re.compile(
    r"\b(Norco|Tramadol|Zanaflex|Neurontin)(?:\s+(?:tablets|capsules))?"
    r"(?:\s+(\d+(?:\.\d+)?)(?:/\d+)?(?:\s?mg)?)?(?:,?\s*(?:#\s?|QTY\s+)(\d+)(?:\.\d+)?)?"
)


def variants(seeds: range = SEEDS) -> list[tuple[str, str, str]]:
    """(source name, source text, variant) for every letter and seed."""
    return [
        (name, text, corpus.vary_letter(text, random.Random(seed)))
        for name, text in LETTERS
        for seed in seeds
    ]


VARIANTS = variants()


def decisions(text: str) -> list[str]:
    return [m.group(2) for m in DECISION_RE.finditer(text)]


def requests(text: str) -> list[str]:
    return [re.sub(r"\d+(?:\.\d+)?", "N", m.group(1)) for m in DECISION_RE.finditer(text)]


def tail(text: str) -> str:
    """The items section, which the generator never reorders."""
    return text[text.index("IMR ISSUES, DECISIONS AND RATIONALES") :]


def summary(text: str) -> str:
    return text[text.index("medical records:") : text.index("IMR ISSUES, DECISIONS")]


def drug_numbers(text: str) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    strengths: dict[str, set[str]] = {}
    quantities: dict[str, set[str]] = {}
    for m in DRUG_RE.finditer(text):
        if m.group(2):
            strengths.setdefault(m.group(1), set()).add(m.group(2))
        if m.group(3):
            quantities.setdefault(m.group(1), set()).add(m.group(3))
    return strengths, quantities


def test_sources_have_the_expected_layout() -> None:
    assert len(LETTERS) == 5
    for _, text in LETTERS:
        assert decisions(text)
        assert all(h in text for h in HEADINGS)


@pytest.mark.parametrize("name", [n for n, _ in LETTERS])
def test_variants_keep_headings_items_and_decisions(name: str) -> None:
    for src_name, src, var in VARIANTS:
        if src_name != name:
            continue
        assert decisions(var) == decisions(src)
        for heading in HEADINGS:
            pattern = rf"^[ \t]*{re.escape(heading)}[ \t]*$"
            assert len(re.findall(pattern, var, re.M)) == len(re.findall(pattern, src, re.M))
        for label in LABELS:
            assert var.count(label) == src.count(label)
        # The same items in the same order: request lines differ only in their numbers.
        assert requests(var) == requests(src)


def test_variants_actually_vary() -> None:
    for name, src, _ in VARIANTS[:: len(SEEDS)]:
        outs = {corpus.vary_letter(src, random.Random(s)) for s in range(10)}
        assert len(outs) == 10, name
        assert src not in outs


def test_every_date_in_a_variant_parses() -> None:
    for name, src, var in VARIANTS:
        found = DATE_RE.findall(var)
        assert found, name
        for raw in found:
            # A PDF line break or stray space after a separator ("09- 03-2015") is an
            # extraction artifact the parser joins; the date itself must be valid.
            dateparser.parse(re.sub(r"\s+", "", raw) if raw[0].isdigit() else raw)
        # The items section is never reordered, so it keeps every one of its dates.
        assert len(DATE_RE.findall(tail(var))) == len(DATE_RE.findall(tail(src))), name


def test_split_date_artifacts_survive() -> None:
    src = dict(LETTERS)["002_d144e1222e08eb40.txt"]
    assert re.search(r"\d\d- \d\d-\d{4}", src)
    for seed in SEEDS:
        var = corpus.vary_letter(src, random.Random(seed))
        # Re-wrapping the summary may move the break; the split itself stays.
        assert re.search(r"\d\d-\s+\d\d-\s*\d{4}|\d\d-\d\d-\s+\d{4}", var), seed


def test_dates_shift_together() -> None:
    # Injury 10/05/2009 and UR decision 11/24/2014 in letter 004: the interval is preserved
    # up to a leap day.
    src = dict(LETTERS)["004_c64081f23548906c.txt"]
    checked = 0
    for seed in SEEDS:
        var = " ".join(corpus.vary_letter(src, random.Random(seed)).split())
        injury = re.search(r"injury date on (\S+)\.", var)
        ur = re.search(r" on (\d\d/\d\d/\d{4}) based on", var)
        assert injury, seed
        if ur is None:
            continue  # the variant dropped that sentence
        days = (dateparser.parse(ur.group(1)) - dateparser.parse(injury.group(1))).days
        assert abs(days - 1876) <= 1, seed
        checked += 1
    assert checked > len(SEEDS) // 2


def test_guideline_years_do_not_shift() -> None:
    for _, src, var in VARIANTS:
        assert var.count("Treatment 2009") == src.count("Treatment 2009")
        assert var.count("(2004)") == src.count("(2004)")


def test_drug_numbers_stay_consistent_within_a_letter() -> None:
    changed = 0
    for name, src, var in VARIANTS:
        s_src, q_src = drug_numbers(src)
        s_var, q_var = drug_numbers(var)
        # One strength and one quantity per drug in these letters, in the request line, the
        # summary and the rationale alike; a variant must not split them.
        assert {d: len(v) for d, v in s_var.items()} == {d: len(v) for d, v in s_src.items()}, name
        assert {d: len(v) for d, v in q_var.items()} == {d: len(v) for d, v in q_src.items()}, name
        changed += (s_var, q_var) != (s_src, q_src)
    assert changed > len(VARIANTS) // 2


def test_summary_keeps_patient_intro_first_and_one_sex() -> None:
    for name, src, var in VARIANTS:
        # The patient intro stays first (its age varies, so compare the words before it).
        first_src = summary(src).split(":", 1)[1].split()[:3]
        assert summary(var).split(":", 1)[1].split()[:3] == first_src, name
        after = var[var.index("CLINICAL CASE SUMMARY") :]
        he = len(re.findall(r"(?<![/\w])(?:he|his|him|himself|male)(?![/\w])", after, re.I))
        she = len(re.findall(r"(?<![/\w])(?:she|her|hers|herself|female)(?![/\w])", after, re.I))
        assert he == 0 or she == 0, name


def test_summary_sentences_are_shuffled_but_kept() -> None:
    src = dict(LETTERS)["003_3416dbc1d8e3e873.txt"]
    src_body = " ".join(summary(src).split())
    orders = set()
    for seed in SEEDS:
        body = " ".join(summary(corpus.vary_letter(src, random.Random(seed))).split())
        if "There was slight numbness" in body and "returned to work" in body:
            orders.add(body.index("There was slight numbness") < body.index("returned to work"))
        # At most one sentence dropped or duplicated.
        assert abs(body.count(". ") - src_body.count(". ")) <= 1
    assert orders == {True, False}


def test_same_seed_same_corpus_and_prefix_stable() -> None:
    a = list(corpus.make_corpus(LETTERS, 30, seed=7))
    b = list(corpus.make_corpus(LETTERS, 30, seed=7))
    assert a == b
    assert list(corpus.make_corpus(LETTERS, 12, seed=7)) == a[:12]
    assert len({name for name, _ in a}) == 30


def test_different_seeds_differ() -> None:
    a = list(corpus.make_corpus(LETTERS, 10, seed=0))
    b = list(corpus.make_corpus(LETTERS, 10, seed=1))
    assert [n for n, _ in a] == [n for n, _ in b]
    assert all(x != y for (_, x), (_, y) in zip(a, b, strict=True))


def test_make_corpus_is_lazy() -> None:
    it = corpus.make_corpus(LETTERS, 10**12, seed=0)
    assert len(list(islice(it, 3))) == 3


def test_cli_writes_files(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    assert corpus.main(["--n", "7", "--seed", "3", "--out", str(out)]) == 0
    files = sorted(p.name for p in out.iterdir())
    assert files == [name for name, _ in corpus.make_corpus(LETTERS, 7, seed=3)]
    sources = Counter(f.split("_", 1)[1] for f in files)
    assert set(sources) == {name for name, _ in LETTERS}
