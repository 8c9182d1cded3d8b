"""Properties of the durable_rules engine: it agrees with the independent oracle on random
conditions and facts, the verdict does not depend on fact order, every applicable criterion
gets exactly one status, and 100,000 evaluations run in one process without memory growth."""

from __future__ import annotations

import gc
import random
import resource
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from oracle import Oracle

DRUGS = ["Norco", "Soma", "Zanaflex"]
CLASSES = ["opioid", "muscle_relaxant", "nsaid"]
STATUS = ["present", "absent", "unknown"]
INGREDIENTS = ["capsaicin", "lidocaine_non_patch", "menthol"]
KINDS = ["epidural_steroid_injection", "physical_therapy"]
TABLES = {"limits": {"days": 21, "percent": 50}, "drugs": ["Norco", "Soma"]}


# -- random conditions -------------------------------------------------------------------------

def _number(rng: random.Random) -> str:
    return str(rng.choice([0, 5, 21, 30, 50, 2.5]))


def _singleton_atom(rng: random.Random) -> str:
    choice = rng.randrange(14)
    op = rng.choice(["==", "!=", "<", "<=", ">", ">="])
    if choice == 0:
        return f"request.days_used {op} {_number(rng)}"
    if choice == 1:
        return f"case.age {op} {_number(rng)}"
    if choice == 2:
        return f'request.drug_class {rng.choice(["==", "!="])} "{rng.choice(CLASSES)}"'
    if choice == 3:
        return f'doc.analgesia {rng.choice(["==", "!="])} "{rng.choice(STATUS)}"'
    if choice == 4:
        return rng.choice(["request.repeat", "request.continues_current == false",
                           "request.long_term == true"])
    if choice == 5:
        return f"{rng.choice(['request.days_used', 'case.age', 'request.drug'])} is " \
               f"{rng.choice(['', 'not '])}known"
    if choice == 6:
        target = rng.choice(["table.drugs", '["Zanaflex", "Norco"]'])
        return f'request.drug {rng.choice(["in", "not in"])} {target}'
    if choice == 7:
        return f'request.ingredients {rng.choice(["contains", "not contains"])} ' \
               f'"{rng.choice(INGREDIENTS)}"'
    if choice == 8:
        return f'request.ingredients {rng.choice(["intersects", "not intersects"])} ' \
               f'["{rng.choice(INGREDIENTS)}", "{rng.choice(INGREDIENTS)}"]'
    if choice == 9:
        return f"request.days_used {op} case.age"
    if choice == 10:
        return f'request.days_used {op} table.limits["days"]'
    if choice == 11:
        return f"request.strength_mg * 2 {op} request.days_used"
    if choice == 12:
        return f"request.days_used / request.strength_mg {op} {_number(rng)}"
    return "doc.adl == doc.analgesia"


def _local_atom(rng: random.Random, fact: str) -> str:
    op = rng.choice(["==", "!=", "<", "<=", ">", ">="])
    if fact == "medication":
        choice = rng.randrange(6)
        if choice == 0:
            return f'name {rng.choice(["==", "!="])} "{rng.choice(DRUGS)}"'
        if choice == 1:
            return f'drug_class {rng.choice(["==", "!="])} "{rng.choice(CLASSES)}"'
        if choice == 2:
            return f"days_used {op} {_number(rng)}"
        if choice == 3:
            return rng.choice(["current", "not current", "days_used is known"])
        if choice == 4:
            return f'name {rng.choice(["==", "!="])} request.drug'
        return f"days_used {op} request.days_used"
    choice = rng.randrange(5)
    if choice == 0:
        return f'kind {rng.choice(["==", "!="])} "{rng.choice(KINDS)}"'
    if choice == 1:
        return f'relief_percent {op} table.limits["percent"]'
    if choice == 2:
        return f"relief_weeks {op} {_number(rng)}"
    if choice == 3:
        return f"relief_percent is {rng.choice(['', 'not '])}known"
    return f"relief_weeks {op} relief_percent"


def _combine(rng: random.Random, parts: list[str]) -> str:
    text = parts[0]
    for part in parts[1:]:
        text = f"{text} {rng.choice(['and', 'or'])} {part}"
    return text


def _local(rng: random.Random, fact: str, depth: int) -> str:
    if depth <= 0 or rng.random() < 0.4:
        atom = _local_atom(rng, fact) if rng.random() < 0.8 else _singleton_atom(rng)
        return f"not {atom}" if rng.random() < 0.2 else atom
    parts = [_local(rng, fact, depth - 1) for _ in range(rng.randint(2, 3))]
    text = f"({_combine(rng, parts)})"
    return f"not {text}" if rng.random() < 0.25 else text


def random_condition(rng: random.Random, depth: int = 3) -> str:
    """A random condition of the pack language over a small part of the vocabulary."""
    if depth <= 0 or rng.random() < 0.3:
        if rng.random() < 0.35:
            fact = rng.choice(["medication", "prior_treatment"])
            quant = rng.choice(["any", "none", "all"])
            body = "" if rng.random() < 0.1 else _local(rng, fact, 2)
            return f"{quant} {fact}({body})"
        atom = _singleton_atom(rng)
        return f"not {atom}" if rng.random() < 0.2 else atom
    parts = [random_condition(rng, depth - 1) for _ in range(rng.randint(2, 3))]
    text = f"({_combine(rng, parts)})"
    return f"not {text}" if rng.random() < 0.25 else text


CONDITIONS = [random_condition(random.Random(seed), depth=2) for seed in range(80)]


def _write_pack(root: Path, conditions: list[str]) -> Path:
    (root / "topics").mkdir(parents=True)
    pack = {"id": "random", "title": "random conditions", "version": "0",
            "guideline": {"name": "g", "edition": "1", "effective_from": "2009-07-18"},
            "topics": ["topics/t.yaml"],
            "tables": {"limits": {"citation": {"section": "s", "pages": ["1"]},
                                  "rows": TABLES["limits"]},
                       "drugs": {"citation": {"section": "s", "pages": ["1"]},
                                 "values": TABLES["drugs"]}}}
    topic = {"id": "t", "title": "t", "applies_when": "true",
             "citation": {"section": "s", "pages": ["1"]},
             "criteria": [{"id": f"c{i}", "statement": text,
                           "citation": {"section": "s", "pages": ["1"]},
                           "met_when": text} for i, text in enumerate(conditions)]}
    (root / "pack.yaml").write_text(yaml.safe_dump(pack))
    (root / "topics" / "t.yaml").write_text(yaml.safe_dump(topic))
    return root


@pytest.fixture(scope="module")
def random_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    root = _write_pack(tmp_path_factory.mktemp("random"), CONDITIONS)
    return Engine(load_pack(root))


# -- random facts ------------------------------------------------------------------------------

maybe_num = st.one_of(st.none(), st.sampled_from([0, 3, 5, 10, 21, 22, 30, 50, 2.5, 60]))
requests = st.builds(
    RequestFact, kind=st.just("medication"), drug=st.one_of(st.none(), st.sampled_from(DRUGS)),
    drug_class=st.one_of(st.none(), st.sampled_from(CLASSES)), days_used=maybe_num.map(
        lambda v: None if v is None else int(v)), strength_mg=maybe_num,
    repeat=st.booleans(), long_term=st.booleans(),
    continues_current=st.one_of(st.none(), st.booleans()),
    ingredients=st.lists(st.sampled_from(INGREDIENTS), max_size=3))
case_facts = st.builds(
    CaseFacts,
    case=st.builds(CaseFact, age=maybe_num.map(lambda v: None if v is None else int(v))),
    doc=st.builds(DocumentationFact, analgesia=st.sampled_from(STATUS),
                  adl=st.sampled_from(STATUS)),
    medication=st.lists(st.builds(
        MedicationFact, name=st.sampled_from(DRUGS),
        drug_class=st.one_of(st.none(), st.sampled_from(CLASSES)),
        days_used=maybe_num.map(lambda v: None if v is None else int(v)),
        current=st.booleans()), max_size=3),
    prior_treatment=st.lists(st.builds(
        PriorTreatmentFact, kind=st.sampled_from(KINDS), relief_percent=maybe_num,
        relief_weeks=maybe_num), max_size=3))


def _oracle(request: RequestFact, facts: CaseFacts) -> Oracle:
    def attrs(model: Any) -> dict[str, Any]:
        return {k: v for k, v in model.model_dump().items() if k != "evidence"}
    return Oracle({"request": attrs(request), "case": attrs(facts.case), "doc": attrs(facts.doc),
                   "medication": [attrs(m) for m in facts.medication],
                   "prior_treatment": [attrs(p) for p in facts.prior_treatment]}, TABLES)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=requests, facts=case_facts)
def test_engine_agrees_with_oracle_on_random_conditions(random_engine: Engine,
                                                        request: RequestFact,
                                                        facts: CaseFacts) -> None:
    verdict = random_engine.evaluate(request, facts)
    oracle = _oracle(request, facts)
    for i, text in enumerate(CONDITIONS):
        result = verdict.criterion(f"c{i}")
        assert result is not None
        expected = "met" if oracle.holds(text) else "unknown"
        assert result.status == expected, f"c{i}: {text}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=requests, facts=case_facts, seed=st.integers(0, 10_000))
def test_verdict_does_not_depend_on_fact_order(random_engine: Engine, request: RequestFact,
                                               facts: CaseFacts, seed: int) -> None:
    rng = random.Random(seed)
    meds, pts = list(facts.medication), list(facts.prior_treatment)
    rng.shuffle(meds)
    rng.shuffle(pts)
    shuffled = facts.model_copy(update={"medication": meds, "prior_treatment": pts})
    first = random_engine.evaluate(request, facts)
    # the same facts, listed and posted in another order
    second = random_engine._evaluate(request, shuffled, (), rng)
    assert [(c.id, c.status) for c in first.criteria] == \
        [(c.id, c.status) for c in second.criteria]
    assert first.outcome == second.outcome


EXAMPLE = Path(__file__).parent / "packs" / "example"


@pytest.fixture(scope="module")
def example_engine() -> Engine:
    return Engine(load_pack(EXAMPLE))


@settings(max_examples=80, deadline=None)
@given(request=requests.map(lambda r: r.model_copy(update={"drug_class": "muscle_relaxant"})),
       facts=case_facts)
def test_each_applicable_criterion_gets_exactly_one_status(example_engine: Engine,
                                                           request: RequestFact,
                                                           facts: CaseFacts) -> None:
    verdict = example_engine.evaluate(request, facts)
    ids = [c.id for c in verdict.criteria]
    assert len(ids) == len(set(ids))
    assert all(c.status in ("met", "unmet", "unknown") for c in verdict.criteria)
    topic = example_engine.pack.topic("muscle_relaxant")
    assert topic is not None
    # every criterion without applies_when is always applicable
    always = {c.id for c in topic.criteria if c.applies_when is None}
    assert always <= set(ids)


def _rss_kb() -> int:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() // 1024


def test_100000_evaluations_without_error_or_memory_growth(example_engine: Engine) -> None:
    facts = CaseFacts(case=CaseFact(acute_flare="present"),
                      medication=[MedicationFact(name="Flexeril", drug_class="muscle_relaxant")])
    variants = [RequestFact(kind="medication", drug="Soma", drug_class="muscle_relaxant",
                            continues_current=True, days_used=d) for d in (5, 30, None)]
    for i in range(3_000):  # warm up caches and allocator pools
        example_engine.evaluate(variants[i % 3], facts)
    gc.collect()
    before_rss = _rss_kb()
    outcomes = set()
    for i in range(100_000):
        outcomes.add(example_engine.evaluate(variants[i % 3], facts).outcome)
        if i == 90_000:
            # the Python heap over the last 10,000 (tracemalloc slows every allocation)
            gc.collect()
            tracemalloc.start()
            before_py = tracemalloc.get_traced_memory()[0]
    gc.collect()
    after_py = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    after_rss = _rss_kb()
    assert outcomes == {"medically_necessary", "not_medically_necessary"}
    assert after_py - before_py < 500_000, "Python heap grew"
    # live durable_rules sessions would hold megabytes (and fail at 1,024)
    assert after_rss - before_rss < 20_000, "resident memory grew by more than 20 MB"
