"""Benchmark: extraction accuracy on letters the product was not tuned on.

bench/accuracy/letters/ holds letters written for measurement, and bench/accuracy/expected.yaml
what a careful reading of each yields (the blind view's facts and each request's
classification), written before the product was run on them. Every expected fact is scored:

- right: the product gives the expected value;
- wrong: it states another value (for an optional yes/no such as `continues_current`, "no");
- missing: it gives nothing (unknown, no value, no list entry, or a yes/no left at its default).

    python bench/accuracy.py [--list] [--dir DIR]
        --list: every fact not right, with what was given
        --dir:  another set of letters and expected facts laid out the same way (DIR/letters/,
                DIR/expected.yaml); bench/accuracy by default
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

from imr_rules.errors import ImrError
from imr_rules.facts import Extractor
from imr_rules.letters import parse_letter, read_letter
from imr_rules.vocabulary import CaseFacts, RequestFact

HERE = Path(__file__).resolve().parent / "accuracy"
_RANGE = re.compile(r"(?P<what>.*?)\s*(?P<op>>=|<=)\s*(?P<n>\S+)$")
_ITEM_NOTE = re.compile(r"\s*\[item \d+[^\]]*\]$")


def split_check(check: str) -> tuple[str, str]:
    """("what", "value") of "what: value" or "what >= n"."""
    check = _ITEM_NOTE.sub("", check)
    m = _RANGE.match(check)
    if m:
        return m.group("what"), f"{m.group('op')}{m.group('n')}"
    what, value = check.rsplit(":", 1)
    return what.strip(), value.strip()


def _said(value: Any) -> str:
    """A value as the expected file writes it ("pain management" for pain_management)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).lower().replace("_", " ")


def judge(got: Any, want: str, optional: bool = False) -> str:
    """right / wrong / missing for the value `got` against the expected `want`."""
    accepted = [_said(w.strip()) for w in want.split("|")]
    if _said(got) in accepted:
        return "right"  # "unknown" too, when nothing is expected
    if got is None or got == "unknown" or got == []:
        return "missing"
    if ".." in want:
        low, high = (float(x) for x in want.split(".."))
        return "right" if low <= got <= high else "wrong"
    if want[:2] in (">=", "<="):
        bound = float(want[2:])
        return "right" if (got >= bound if want[:2] == ">=" else got <= bound) else "wrong"
    if isinstance(got, list):
        wanted = sorted(w.strip().lower() for w in want.strip("[]").split(","))
        return "right" if sorted(str(g).lower() for g in got) == wanted else "wrong"
    if got is False and "true" in accepted and not optional:
        return "missing"  # a yes/no at its default: nothing was read
    return "wrong"


def blind_fact(facts: CaseFacts, what: str) -> tuple[Any, bool]:
    """The value `what` names in the blind facts (None when there is none)."""
    if what.startswith(("case.", "doc.")):
        part, field = what.split(".", 1)
        return getattr(getattr(facts, part), field), False
    kind, rest = what.split(" ", 1)
    if kind == "medication":
        names, _, field = rest.rpartition(" ")
        wanted = names.split("/")
        for med in facts.medication:
            if any(n == (med.generic or "").lower() or n in med.name.lower() for n in wanted):
                return getattr(med, field), False
        return None, False
    if kind == "prior_treatment":
        treatment, _, field = rest.partition(" ")
        for prior in facts.prior_treatment:
            if prior.kind == treatment:
                return getattr(prior, field or "status"), False
        return None, False
    if kind == "diagnosis":
        names = rest.split("|")
        return next((d.status for d in facts.diagnosis if d.name in names), None), False
    if kind == "finding":
        pairs = [tuple(p.split(".", 1)) for p in rest.split("|")]
        return next((f.status for f in facts.finding if (f.kind, f.name) in pairs), None), False
    raise ValueError(f"unknown check {what!r}")


def category(what: str) -> str:
    if what.startswith("case."):
        return "case and work"
    if what.startswith("doc."):
        return "documentation items"
    return {"medication": "medications and durations", "prior_treatment": "prior treatments",
            "diagnosis": "diagnoses and findings",
            "finding": "diagnoses and findings"}[what.split(" ", 1)[0]]


def score(extractor: Extractor, where: Path = HERE) -> list[tuple[str, str, str, str, Any]]:
    """(letter, category, check, result, value given) for every expected fact of the set in
    `where`."""
    expected = yaml.safe_load((where / "expected.yaml").read_text(encoding="utf-8"))
    rows = []
    for letter, wanted in expected.items():
        try:
            det = parse_letter(read_letter(where / "letters" / f"{letter}.txt"), letter)
        except ImrError as exc:
            # A letter the product cannot read yields none of its facts: all count as missing.
            print(f"cannot read {letter}: {exc}", file=sys.stderr)
            rows += [(letter, category(split_check(c)[0]), c, "missing", None)
                     for c in wanted["blind"]]
            rows += [(letter, "requests", f"item {item}: {c}", "missing", None)
                     for item, checks in wanted.get("items", {}).items() for c in checks]
            continue
        summary = extractor.observe(det.summary)
        blind = extractor.case_facts(det, "blind", summary=summary)
        for check in wanted["blind"]:
            what, value = split_check(check)
            got, optional = blind_fact(blind, what)
            rows.append((letter, category(what), check, judge(got, value, optional), got))
        for item, checks in wanted.get("items", {}).items():
            request = extractor.request(det, item, blind)
            for check in checks:
                field, value = split_check(check)
                got = getattr(request, field)
                optional = RequestFact.model_fields[field].default is None
                rows.append((letter, "requests", f"item {item}: {check}",
                             judge(got, value, optional), got))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", action="store_true", help="print every fact not right")
    ap.add_argument("--dir", type=Path, default=HERE,
                    help="a set of letters (DIR/letters/) and expected facts (DIR/expected.yaml)")
    args = ap.parse_args(argv)
    rows = score(Extractor(), args.dir)
    total = Counter(r[3] for r in rows)
    print(f"extraction accuracy: {total['right']} of {len(rows)} expected facts right "
          f"({total['right'] / len(rows):.1%}), {total['wrong']} wrong, "
          f"{total['missing']} missing ({len({r[0] for r in rows})} letters)")
    by_category: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        by_category[row[1]][row[3]] += 1
    for name, counts in sorted(by_category.items()):
        print(f"  {name:27} {counts['right']:3} of {sum(counts.values()):3} right, "
              f"{counts['wrong']} wrong, {counts['missing']} missing")
    if args.list:
        for letter, _cat, check, result, got in rows:
            if result != "right":
                print(f"{result:8} {letter:40} {check}  (given: {got})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
