"""The condition language: parsing, checks against the vocabulary, and the product evaluator."""

from __future__ import annotations

import pytest

from imr_rules import conditions as cl

TABLES = {"limits": cl.TableInfo(frozenset({"max_days"}), ("max_days",)),
          "bad": cl.TableInfo(None, ("gabapentin", "baclofen"))}


def test_precedence_and_binds_tighter_than_or() -> None:
    node = cl.parse('request.repeat or doc.spasm == "present" and case.age > 3')
    assert isinstance(node, cl.Or)
    assert isinstance(node.items[1], cl.And)


def test_quantifier_scopes_bare_attributes() -> None:
    node = cl.parse('any prior_treatment(kind == "epidural_steroid_injection" and '
                    'relief_percent >= 50)')
    assert isinstance(node, cl.Quant) and node.fact == "prior_treatment"
    paths = cl.paths(node)
    assert all(p.local and p.fact == "prior_treatment" for p in paths)


@pytest.mark.parametrize("text", [
    "not request.repeat", "request.days_used is not known", "request.drug not in [\"a\", 'b']",
    "request.ingredients not contains \"capsaicin\"", "(request.strength_mg + 1) * 2 > 10",
    'request.generic in table.bad', 'request.days_used <= table.limits["max_days"]',
    "none item()", "-5 < request.days_used",
])
def test_parses(text: str) -> None:
    cl.parse(text)


@pytest.mark.parametrize(("text", "col", "words"), [
    ("request.days_used >", 20, "expected a value"),
    ("days_used > 3", 1, "not a value"),
    ("any request(days_used > 3)", 5, "needs a list fact"),
    ("any medication(any diagnosis())", 16, "cannot be nested"),
    ("request.days_used > 3 )", 23, "unexpected"),
    ("request.days_used ~ 3", 19, "unexpected character"),
    ("request.days_used is 3", 22, "expected 'known'"),
])
def test_syntax_errors_name_the_column(text: str, col: int, words: str) -> None:
    with pytest.raises(cl.ConditionError) as raised:
        cl.parse(text)
    assert raised.value.col == col
    assert words in raised.value.message


@pytest.mark.parametrize(("text", "words"), [
    ("request.days_usd > 3", "unknown attribute 'days_usd'"),
    ("patient.age > 3", "unknown fact 'patient'"),
    ('doc.spasm == "yes"', "'yes' is not a value of doc.spasm"),
    ('request.drug_class in ["opioid", "relaxant"]', "'relaxant' is not a value"),
    ('any finding(kind == "xray")', "'xray' is not a value of kind"),
    ("derived.nope", "unknown derived value"),
    ('table.limits["x"] > 1', "has no key 'x'"),
    ("request.generic in table.missing", "unknown table"),
])
def test_checks_against_vocabulary(text: str, words: str) -> None:
    errors = cl.check(cl.parse(text), TABLES, {})
    assert any(words in e.message for e in errors), [e.message for e in errors]


def test_sound_condition_checks_clean() -> None:
    text = ('any prior_treatment(kind == "epidural_steroid_injection" and relief_percent >= 50)'
            ' and derived.x and request.days_used <= table.limits["max_days"]')
    assert cl.check(cl.parse(text), TABLES, {"x": True}) == []


def test_three_valued_comparisons() -> None:
    env = {"request": {"days_used": None}}
    assert not cl.evaluate(cl.parse("request.days_used > 21"), env)
    assert not cl.evaluate(cl.parse("request.days_used <= 21"), env)
    assert cl.evaluate(cl.parse("not request.days_used > 21"), env)
    assert cl.evaluate(cl.parse("request.days_used is not known"), env)


def test_arithmetic_unknown_and_division_by_zero() -> None:
    env = {"request": {"strength_mg": 10, "quantity": 0, "days_supply": None}}
    assert cl.eval_expr(cl.parse_value("request.strength_mg / request.quantity"), env) is None
    assert cl.eval_expr(cl.parse_value("request.strength_mg * request.days_supply"), env) is None
    assert cl.eval_expr(cl.parse_value("request.strength_mg * 3 + 1"), env) == 31


def test_quantifiers_on_empty_lists() -> None:
    env: dict = {"medication": []}
    assert not cl.evaluate(cl.parse("any medication()"), env)
    assert cl.evaluate(cl.parse("none medication()"), env)
    assert cl.evaluate(cl.parse('all medication(name == "x")'), env)


def test_date_literals_compare_with_dates() -> None:
    from datetime import date
    env = {"case": {"date_of_injury": cl.to_value(date(2008, 1, 2))}}
    assert cl.evaluate(cl.parse('case.date_of_injury < "2009-07-18"'), env)
