"""Items per second of the durable_rules engine on a generated 20-criterion topic.

    .venv/bin/python bench/engine.py [--items N] [--criteria 20]

Builds a pack in a temporary directory (each criterion mixes singleton comparisons, a table
threshold and a quantifier over a list fact, like the MTUS criteria), then times `evaluate` on
varied facts. Prints one line; it asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import yaml

from imr_rules.engine import Engine
from imr_rules.packs import load_pack
from imr_rules.vocabulary import (
    CaseFact,
    CaseFacts,
    DocumentationFact,
    MedicationFact,
    PriorTreatmentFact,
    RequestFact,
)

DOC_ITEMS = ["analgesia", "adl", "adverse_effects", "aberrant_behavior", "urine_drug_test",
             "functional_improvement", "pain_agreement", "spasm", "medication_efficacy",
             "functional_goals"]


def criterion(i: int) -> dict[str, object]:
    doc = DOC_ITEMS[i % len(DOC_ITEMS)]
    shapes = [
        (f'doc.{doc} == "present" and request.days_used <= table.limits["days"]',
         f'doc.{doc} == "absent" or request.days_used > table.limits["days"]'),
        ('any prior_treatment(kind == "physical_therapy" and relief_percent >= '
         'table.limits["percent"])',
         'any prior_treatment(kind == "physical_therapy") and none prior_treatment('
         'relief_percent >= table.limits["percent"])'),
        (f'doc.{doc} == "present" and none medication(drug_class == "benzodiazepine")',
         'any medication(drug_class == "benzodiazepine" and current)'),
        ('request.strength_mg * request.quantity / request.days_supply <= table.limits["mg"]',
         'request.strength_mg * request.quantity / request.days_supply > table.limits["mg"]'),
    ]
    met, unmet = shapes[i % len(shapes)]
    return {"id": f"c{i}", "statement": f"criterion {i}",
            "citation": {"section": "bench", "pages": [str(i + 1)]},
            "met_when": met, "unmet_when": unmet,
            "required": i % 5 != 4}


def write_pack(root: Path, criteria: int) -> Path:
    (root / "topics").mkdir(parents=True)
    (root / "pack.yaml").write_text(yaml.safe_dump({
        "id": "bench", "title": "bench", "version": "0",
        "guideline": {"name": "bench", "edition": "1", "effective_from": "2009-07-18"},
        "topics": ["topics/t.yaml"],
        "tables": {"limits": {"citation": {"section": "bench", "pages": ["1"]},
                              "rows": {"days": 21, "percent": 50, "mg": 120}}}}))
    (root / "topics" / "t.yaml").write_text(yaml.safe_dump({
        "id": "t", "title": "bench topic", "applies_when": 'request.kind == "medication"',
        "citation": {"section": "bench", "pages": ["1"]},
        "criteria": [criterion(i) for i in range(criteria)]}))
    return root


def random_case(rng: random.Random) -> tuple[RequestFact, CaseFacts]:
    status = ["present", "absent", "unknown"]
    request = RequestFact(kind="medication", drug_class="opioid",
                          days_used=rng.choice([None, 5, 30, 200]),
                          strength_mg=rng.choice([None, 10.0]), quantity=rng.choice([60, 180]),
                          days_supply=30)
    facts = CaseFacts(
        case=CaseFact(acute_flare=rng.choice(status)),
        doc=DocumentationFact(**{d: rng.choice(status) for d in DOC_ITEMS}),
        medication=[MedicationFact(name=f"m{k}", drug_class=rng.choice(["opioid",
                                                                        "benzodiazepine"]))
                    for k in range(rng.randint(0, 6))],
        prior_treatment=[PriorTreatmentFact(kind="physical_therapy",
                                            relief_percent=rng.choice([None, 20, 60]))
                         for _ in range(rng.randint(0, 3))])
    return request, facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--criteria", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        engine = Engine(load_pack(write_pack(Path(tmp) / "bench", args.criteria)))
        compile_s = time.perf_counter() - started
    rng = random.Random(args.seed)
    cases = [random_case(rng) for _ in range(200)]
    for request, facts in cases[:50]:  # warm up
        engine.evaluate(request, facts)
    started = time.perf_counter()
    for i in range(args.items):
        request, facts = cases[i % len(cases)]
        engine.evaluate(request, facts)
    elapsed = time.perf_counter() - started
    print(f"{args.items / elapsed:,.0f} items/s ({args.items} items, {args.criteria}-criterion "
          f"topic, compile {compile_s * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
