"""Joins (a fact's attribute compared with another pattern's) as durable_rules 2.0.28 runs them.

The C core evaluates a pattern's joins as a sequence. When the last join of an `$and` is false
it skips past the sequence's end and reads on until a stray byte equals its end marker: a
segfault of the whole process when an unmapped page comes first (it depends on what lies
after the ruleset in memory: 2 of about 15 full test runs died of it). And an `$or` group ends
the `$and` for the joins after it, so those were never evaluated. Each check runs in a child
process, so that the bug, if it came back, fails the test instead of killing pytest.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from imr_rules import conditions as cl
from imr_rules.engine import TRIGGER, TRIGGER_ALIAS, Lowering, conjunct_rules
from test_engine_properties import CONDITIONS, TABLES

# conditions whose rules join the request (`case.age > request.days_used`, a medication's name
# or days against the request's, the request's drug among its ingredients) in a positive or a
# `none` pattern; an `==` join is looked up by value, so a false one is seldom evaluated (those
# two check that the closing join keeps the look-up working)
JOINS = [
    "request.days_used < case.age",
    "any medication(days_used > request.days_used)",
    "any medication(name == request.drug)",
    "none medication(days_used > request.days_used)",
    "request.ingredients contains request.drug",
]

MERGED = 'request.ingredients contains "menthol" and request.ingredients contains request.drug'

# every join above is false on these facts (the shadow copies are what `none` looks at)
FACTS: list[dict[str, Any]] = [
    {"id": "request", "t": "request", "days_used": 60, "drug": "Norco"},
    {"id": "case", "t": "case", "age": 0},
    {"id": "medication.0", "t": "medication", "name": "Soma", "days_used": 0},
    {"id": "medication~.0", "t": "medication~", "name": "Soma", "days_used": 0},
    {"id": "request.ingredients.0", "t": "request.ingredients", "v": "menthol"},
    {"id": "$go", "t": TRIGGER},
]

# registers one rule alone in a process that has loaded nothing else: the node pool then ends
# near the top of the heap, where the over-read reaches an unmapped page (it segfaulted every
# time before the fix); prints whether the rule fired
CHILD = """
import json, sys
import durable_rules_engine as dre
rule, facts = json.loads(sys.stdin.read())
handle = dre.create_ruleset("join", json.dumps({"r": {"all": rule}}))
code, state = dre.assert_facts(handle, json.dumps([dict(f, sid="1") for f in facts]))
print(json.dumps(bool(dre.start_action_for_state(handle, state))))
"""


def _rules(text: str) -> list[list[dict[str, Any]]]:
    """The `all` patterns of every rule the engine emits for a condition."""
    return [spec.patterns for conj in Lowering(TABLES).dnf(cl.parse(text))
            for spec in conjunct_rules(conj)]


def _fires(rule: list[dict[str, Any]], facts: list[dict[str, Any]]) -> bool:
    """Whether the rule fires on the facts, in a child process (a crash fails the test)."""
    child = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps([rule, facts]),
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, f"durable_rules died ({child.returncode}): {child.stderr}"
    return bool(json.loads(child.stdout))


@pytest.mark.parametrize("text", JOINS)
def test_a_false_join_neither_crashes_nor_fires(text: str) -> None:
    fired = [_fires(rule, FACTS) for rule in _rules(text)]
    # `none` holds (no medication joins); nothing else does
    assert any(fired) == text.startswith("none")


def test_a_join_after_an_or_group_is_evaluated() -> None:
    # one element must be menthol and the drug: that pattern holds an `$or` of the values and
    # the join, whose order decided whether the join counted at all
    merged = [rule for rule in _rules(MERGED) if len(rule) == 3]  # go, request, the element
    assert len(merged) == 1
    assert not _fires(merged[0], FACTS)  # the drug, Norco, is no ingredient
    menthol = [dict(f, drug="menthol") if f["t"] == "request" else f for f in FACTS]
    assert _fires(merged[0], menthol)


def _patterns(node: Any) -> list[dict[str, Any]]:
    """Every `$and` pattern inside a rule definition."""
    if isinstance(node, dict):
        found = [node] if "$and" in node else []
        return found + [p for v in node.values() for p in _patterns(v)]
    if isinstance(node, list):
        return [p for v in node for p in _patterns(v)]
    return []


def _is_join(part: dict[str, Any]) -> bool:
    """`{attr: {fact: attr}}` or `{op: {attr: {fact: attr}}}`, the fact another pattern's."""
    key, value = next(iter(part.items()))
    if key.startswith("$"):
        value = next(iter(value.values())) if isinstance(value, dict) else None
    return isinstance(value, dict) and "$m" not in value


def test_every_join_run_is_closed_and_precedes_the_or_groups() -> None:
    # the layout-free form of the tests above, over the random conditions' rules too
    checked = 0
    for text in CONDITIONS + JOINS + [MERGED]:
        for rule in _rules(text):
            for pattern in _patterns(rule):
                parts = pattern["$and"]
                joins = [i for i, part in enumerate(parts) if _is_join(part)]
                if not joins:
                    continue
                checked += 1
                assert joins == list(range(joins[0], joins[-1] + 1)), parts
                assert parts[joins[-1]] == {"$neq": {"t": {TRIGGER_ALIAS: "t"}}}, parts
                assert all(i > joins[-1] for i, part in enumerate(parts) if "$or" in part), parts
    assert checked > 20
