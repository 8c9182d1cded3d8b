"""The engine: rule packs compiled to durable_rules rulesets, and facts evaluated to Verdicts.

Compilation (once per Engine): every criterion condition is lowered to disjunctive normal form
over primitive literals (a comparison on one fact attribute, `is known`, an element of a list
attribute, `any`/`none` of a list fact) and each conjunct becomes one durable_rules rule joined
on a trigger fact. Per item, only facts are posted.

durable_rules 2.0.28 edges, all handled here:
- `none` (a `$not` pattern) fires as soon as no matching fact exists *at that moment*: all case
  facts are asserted in one batch and every rule also joins the trigger fact, posted last.
- the C core holds about 1,024 live sessions per ruleset: one session per item, deleted after.
- `delete_state` segfaults on a session in which no action ever ran: a `$done` rule on the
  trigger alone always fires.
- a batch containing a fact no rule's pattern accepts raises MessageNotHandledException and
  nothing fires: a catch-all rule (joined with a pattern no fact matches) accepts every fact.
- two patterns on the same fact type bind *distinct* facts: a conjunct with several `any` of
  one list fact is emitted in every way of merging them (so one fact may satisfy both); and a
  `$not` pattern ignores facts a positive pattern of the rule bound, so negations match shadow
  copies of the list facts (type + "~").
- referring to another pattern's missing attribute is an error (311): references are guarded
  by `$ex`, and `none` with a reference is split on whether the referenced value is known.
- a session fails (error 303) when more than about 65 rules fire in it, and a ruleset of more
  than about 257 rules is refused (108): a topic's rules are split over rulesets of 60.
- arithmetic and table look-ups over singleton facts are computed once per item in Python
  (hidden derived values); durable_rules compares attributes with constants and references.
- a comparison with another pattern's attribute (a join) that is false and last in its `$and`
  makes the C core read past the pattern's expressions until a stray byte ends the scan (a
  segfault when none comes before an unmapped page), and an `$or` group ends the `$and` for
  the joins after it: joins come before `$or` groups, closed by a join that always holds.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import random
import re
import threading
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import durable_rules_engine as _dre  # type: ignore[import-not-found]  # durable_rules core (C)
from durable.engine import MessageNotHandledException, MessageObservedException

from imr_rules import conditions as cl
from imr_rules import vocabulary
from imr_rules.errors import PackError
from imr_rules.packs import Citation, Criterion, Note, RulePack, Topic
from imr_rules.verdicts import CitationRef, CriterionResult, EvidenceRef, NoteResult, Verdict
from imr_rules.vocabulary import CaseFacts, ItemFact, RequestFact

SINGLETON_ORDER = ("request", "case", "doc", "derived")
TRIGGER = "$go"
TRIGGER_ALIAS = "go"  # the trigger's pattern, first in every rule
SHADOW = "~"

# ------------------------------------------------------------------------- primitive literals


@dataclass(frozen=True)
class Ref:
    """A reference to another value: a singleton attribute, or (local) the same list fact's."""

    fact: str
    attr: str
    local: bool = False


@dataclass(frozen=True)
class Atom:
    """`fact.attr op rhs`: holds when both sides are known and the comparison holds."""

    fact: str
    attr: str
    op: str  # == != < <= > >=
    rhs: Any  # a constant or a Ref
    local: bool = False


@dataclass(frozen=True)
class KnownLit:
    fact: str
    attr: str
    known: bool
    local: bool = False


@dataclass(frozen=True)
class Elem:
    """An element of a singleton's list attribute equal to one of `values` (or to `ref`)."""

    fact: str
    attr: str
    values: tuple[Any, ...]
    ref: Ref | None = None
    exists: bool = True


@dataclass(frozen=True)
class QLit:
    """`any`/`none` of a list fact whose attributes satisfy every literal of `body`."""

    fact: str
    body: frozenset[Any]
    exists: bool


@dataclass(frozen=True)
class Const:
    value: bool


@dataclass(frozen=True)
class FAnd:
    items: tuple[Formula, ...]


@dataclass(frozen=True)
class FOr:
    items: tuple[Formula, ...]


@dataclass(frozen=True)
class FNot:
    item: Formula


@dataclass(frozen=True)
class FQuant:
    fact: str
    body: Formula
    exists: bool


Formula = Atom | KnownLit | Elem | Const | FAnd | FOr | FNot | FQuant
Conjunct = frozenset[Any]

_COMPLEMENT = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
_FLIP = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}


def _is_list_attr(path: cl.Path) -> bool:
    if path.fact == "derived":
        return False
    spec = vocabulary.attributes(path.fact).get(path.attr)
    return spec is not None and spec.type == "list"


def _attr_type(path: cl.Path) -> str | None:
    if path.fact == "derived":
        return None
    spec = vocabulary.attributes(path.fact).get(path.attr)
    return spec.type if spec else None


class Lowering:
    """Turns parsed conditions into DNF over primitive literals. Values that are neither a
    path nor a literal (arithmetic, table look-ups) over singletons are hoisted into hidden
    derived values, computed per item by `hidden`."""

    def __init__(self, tables: Mapping[str, Any]) -> None:
        self.tables = tables
        self.hidden: dict[str, cl.Expr] = {}
        self._hidden_keys: dict[cl.Expr, str] = {}

    # -- values -----------------------------------------------------------------------------
    def _value(self, expr: cl.Expr) -> cl.Expr:
        """A Path, Lit or ListLit standing for `expr`."""
        if isinstance(expr, (cl.Path, cl.Lit, cl.ListLit)):
            return expr
        if isinstance(expr, cl.TableRef):
            table = self.tables.get(expr.name)
            if table is None:
                raise cl.ConditionError(f"unknown table 'table.{expr.name}'", expr.col)
            if expr.key is None:
                return cl.ListLit(tuple(table), expr.col)
            if isinstance(expr.key, cl.Lit):
                if not isinstance(table, dict):
                    raise cl.ConditionError(f"table '{expr.name}' has no keys", expr.col)
                return cl.Lit(table.get(str(expr.key.value)), expr.col)
        if any(isinstance(p, cl.Path) and p.local for p in cl.walk(expr)):
            raise cl.ConditionError(
                "arithmetic or table look-ups on a list fact's attributes are not supported in "
                "criteria (compare the attribute itself)", getattr(expr, "col", 1))
        key = self._hidden_keys.get(expr)
        if key is None:
            key = f"__h{len(self.hidden)}"
            self._hidden_keys[expr] = key
            self.hidden[key] = expr
        return cl.Path("derived", key, False, getattr(expr, "col", 0))

    # -- conditions -------------------------------------------------------------------------
    def formula(self, cond: cl.Cond | None) -> Formula:
        if cond is None:
            return Const(True)
        if isinstance(cond, cl.Lit):
            return Const(cond.value is True)
        if isinstance(cond, cl.And):
            return FAnd(tuple(self.formula(c) for c in cond.items))
        if isinstance(cond, cl.Or):
            return FOr(tuple(self.formula(c) for c in cond.items))
        if isinstance(cond, cl.Not):
            return FNot(self.formula(cond.item))
        if isinstance(cond, cl.Quant):
            body = self.formula(cond.cond)
            if cond.kind == "any":
                return FQuant(cond.fact, body, True)
            if cond.kind == "none":
                return FQuant(cond.fact, body, False)
            return FQuant(cond.fact, FNot(body), False)  # all F(c) == none F(not c)
        if isinstance(cond, cl.Truthy):
            return self._compare("==", cond.expr, cl.Lit(True), cond.col)
        if isinstance(cond, cl.Known):
            value = self._value(cond.expr)
            if isinstance(value, cl.Path):
                if _is_list_attr(value):
                    return Const(not cond.negated)  # a list attribute is always known
                return KnownLit(value.fact, value.attr, not cond.negated, value.local)
            is_known = not (isinstance(value, cl.Lit) and value.value is None)
            return Const(is_known != cond.negated)
        if isinstance(cond, cl.Compare):
            return self._compare(cond.op, cond.left, cond.right, cond.col)
        raise cl.ConditionError(f"not a condition: {cond!r}")

    def _compare(self, op: str, left_expr: cl.Expr, right_expr: cl.Expr, col: int) -> Formula:
        if op.startswith("not") and op != "notin":
            return FNot(self._compare(op[3:], left_expr, right_expr, col))
        left, right = self._value(left_expr), self._value(right_expr)
        if op in ("contains", "intersects"):
            if isinstance(left, cl.ListLit):  # a constant list: membership
                if op == "contains":
                    return self._compare("in", right, left, col)
                if isinstance(right, cl.Path) and _is_list_attr(right):
                    return self._compare("intersects", right, left, col)
                raise cl.ConditionError("intersects needs a list attribute on one side", col)
            if not (isinstance(left, cl.Path) and _is_list_attr(left)):
                raise cl.ConditionError(f"'{op}' needs a list attribute or list on its left",
                                        col)
            if op == "contains":
                if isinstance(right, cl.Lit):
                    if right.value is None:
                        return Const(False)
                    return Elem(left.fact, left.attr, (right.value,))
                if isinstance(right, cl.Path) and not right.local and not _is_list_attr(right):
                    ref = Ref(right.fact, right.attr)
                    return FAnd((KnownLit(ref.fact, ref.attr, True),
                                 Elem(left.fact, left.attr, (), ref)))
                raise cl.ConditionError("contains needs a value on its right", col)
            if isinstance(right, cl.ListLit):
                values = tuple(v for v in right.items if v is not None)
                return Elem(left.fact, left.attr, values) if values else Const(False)
            raise cl.ConditionError("intersects needs a list of values on its right", col)
        if op in ("in", "notin"):
            if isinstance(right, cl.Path) and _is_list_attr(right):
                inner = self._compare("contains", right, left, col)
                if op == "in":
                    return inner
                return FAnd((self._known(left), FNot(inner)))
            if not isinstance(right, cl.ListLit):
                raise cl.ConditionError(f"'{'in' if op == 'in' else 'not in'}' needs a list "
                                        "or a table on its right", col)
            members = [v for v in right.items if v is not None]
            if op == "in":
                return FOr(tuple(self._compare("==", left, cl.Lit(v), col) for v in members))
            return FAnd((self._known(left),) + tuple(
                self._compare("!=", left, cl.Lit(v), col) for v in members))
        # an ordinary comparison
        if isinstance(left, cl.ListLit) or isinstance(right, cl.ListLit):
            raise cl.ConditionError(f"'{op}' cannot compare a list (use in, contains or "
                                    "intersects)", col)
        if isinstance(left, cl.Lit) and isinstance(right, cl.Lit):
            return Const(cl._compare(op, left.value, right.value))
        if isinstance(left, cl.Lit):
            left, right, op = right, left, _FLIP[op]
        assert isinstance(left, cl.Path)
        if _is_list_attr(left) or (isinstance(right, cl.Path) and _is_list_attr(right)):
            raise cl.ConditionError(f"'{op}' cannot compare a list attribute (use contains "
                                    "or intersects)", col)
        if isinstance(right, cl.Lit):
            if right.value is None:
                return Const(False)
            value = right.value
            if _attr_type(left) == "date" and isinstance(value, str):
                ordinal = cl.date_ordinal(value)
                if ordinal is None:
                    raise cl.ConditionError(f"{value!r} is not a date (write YYYY-MM-DD)", col)
                value = ordinal
            return Atom(left.fact, left.attr, op, value, left.local)
        assert isinstance(right, cl.Path)
        # two paths: constrain the local one, else the later singleton; refer to the other
        swap = (right.local and not left.local) or (
            not left.local and not right.local
            and SINGLETON_ORDER.index(left.fact) < SINGLETON_ORDER.index(right.fact))
        if swap:
            left, right, op = right, left, _FLIP[op]
        ref = Ref(right.fact, right.attr, right.local)
        guard = KnownLit(ref.fact, ref.attr, True, ref.local)
        return FAnd((guard, Atom(left.fact, left.attr, op, ref, left.local)))

    def _known(self, value: cl.Expr) -> Formula:
        if isinstance(value, cl.Path):
            return KnownLit(value.fact, value.attr, True, value.local)
        return Const(not (isinstance(value, cl.Lit) and value.value is None))

    # -- normal forms -----------------------------------------------------------------------
    def dnf(self, cond: cl.Cond | None) -> list[Conjunct]:
        """The condition as a list of conjuncts (frozensets of literals); [] is false."""
        return _simplify(_dnf(self.formula(cond), False))


def _negate_literal(lit: Any) -> list[Conjunct]:
    """The DNF of a negated primitive literal."""
    if isinstance(lit, Atom):
        out: list[Conjunct] = [frozenset({KnownLit(lit.fact, lit.attr, False, lit.local)})]
        if isinstance(lit.rhs, Ref):
            out.append(frozenset({KnownLit(lit.rhs.fact, lit.rhs.attr, False, lit.rhs.local)}))
            guard = KnownLit(lit.rhs.fact, lit.rhs.attr, True, lit.rhs.local)
            out.append(frozenset({guard, Atom(lit.fact, lit.attr, _COMPLEMENT[lit.op],
                                              lit.rhs, lit.local)}))
        else:
            out.append(frozenset({Atom(lit.fact, lit.attr, _COMPLEMENT[lit.op], lit.rhs,
                                       lit.local)}))
        return out
    if isinstance(lit, KnownLit):
        return [frozenset({KnownLit(lit.fact, lit.attr, not lit.known, lit.local)})]
    if isinstance(lit, Elem):
        return [frozenset({Elem(lit.fact, lit.attr, lit.values, lit.ref, not lit.exists)})]
    if isinstance(lit, QLit):
        return [frozenset({QLit(lit.fact, lit.body, not lit.exists)})]
    raise TypeError(lit)


def _and(parts: list[list[Conjunct]]) -> list[Conjunct]:
    out: list[Conjunct] = [frozenset()]
    for part in parts:
        out = [a | b for a in out for b in part]
        out = _simplify(out)
    return out


def _is_local(lit: Any) -> bool:
    return bool(getattr(lit, "local", False))


def _dnf(f: Formula, neg: bool) -> list[Conjunct]:
    if isinstance(f, Const):
        return [frozenset()] if f.value != neg else []
    if isinstance(f, FNot):
        return _dnf(f.item, not neg)
    if isinstance(f, (FAnd, FOr)):
        parts = [_dnf(item, neg) for item in f.items]
        if isinstance(f, FAnd) != neg:
            return _and(parts)
        return _simplify([c for part in parts for c in part])
    if isinstance(f, FQuant):
        exists = f.exists != neg
        body = _simplify(_dnf(f.body, False))
        if exists:  # any F(b1 or b2) == any F(b1) or any F(b2)
            return _simplify([_quant_conjunct(f.fact, conj, True) for conj in body])
        # none F(b1 or b2) == none F(b1) and none F(b2)
        return _and([_none_dnf(f.fact, conj) for conj in body])
    if isinstance(f, (Atom, KnownLit, Elem)):
        return _negate_literal(f) if neg else [frozenset({f})]
    raise TypeError(f)


def _refs(body: Iterable[Any]) -> set[Ref]:
    return {lit.rhs for lit in body if isinstance(lit, Atom) and isinstance(lit.rhs, Ref)
            and not lit.rhs.local} | {
        lit.ref for lit in body if isinstance(lit, Elem) and lit.ref is not None}


def _quant_conjunct(fact: str, conj: Conjunct, exists: bool) -> Conjunct:
    """any F(local and outer): the outer (singleton) literals lift out of the quantifier; refs
    to singleton attributes are guarded by `is known`."""
    local = frozenset(lit for lit in conj if _is_local(lit) and not isinstance(lit, Const))
    outer = frozenset(lit for lit in conj if not _is_local(lit))
    guards = frozenset(KnownLit(r.fact, r.attr, True) for r in _refs(local))
    return outer | guards | {QLit(fact, local, exists)}


def _none_dnf(fact: str, conj: Conjunct) -> list[Conjunct]:
    """none F(local and outer) == not outer or none F(local); a reference to an unknown
    singleton value makes the local comparison false, so none holds."""
    local = frozenset(lit for lit in conj if _is_local(lit))
    outer = [lit for lit in conj if not _is_local(lit)]
    out: list[Conjunct] = []
    for lit in outer:
        out.extend(_negate_literal(lit))
    refs = _refs(local)
    for r in refs:
        out.append(frozenset({KnownLit(r.fact, r.attr, False)}))
    guards = frozenset(KnownLit(r.fact, r.attr, True) for r in refs)
    out.append(guards | {QLit(fact, local, False)})
    return _simplify(out)


def _simplify(conjuncts: list[Conjunct]) -> list[Conjunct]:
    out: list[Conjunct] = []
    seen: set[Conjunct] = set()
    for conj in conjuncts:
        known = {(lit.fact, lit.attr, lit.local) for lit in conj
                 if isinstance(lit, KnownLit) and lit.known}
        unknown = {(lit.fact, lit.attr, lit.local) for lit in conj
                   if isinstance(lit, KnownLit) and not lit.known}
        if known & unknown:
            continue
        atoms_on_unknown = any(isinstance(lit, Atom) and (lit.fact, lit.attr, lit.local)
                               in unknown for lit in conj)
        if atoms_on_unknown:
            continue
        if conj not in seen:
            seen.add(conj)
            out.append(conj)
    # drop conjuncts that contain another (absorption) to keep the rule count small
    out.sort(key=len)
    kept: list[Conjunct] = []
    for conj in out:
        if not any(k <= conj for k in kept):
            kept.append(conj)
    return kept


# ------------------------------------------------------------------ durable_rules patterns


def _rhs_json(rhs: Any, fact_type: str) -> Any:
    if isinstance(rhs, Ref):
        if rhs.local or rhs.fact == fact_type:  # the same fact: `$m`, not its own alias
            return {"$m": rhs.attr}
        return {rhs.fact: rhs.attr}
    return rhs


def _constraint(fact_type: str, attr: str, op: str, rhs: Any) -> dict[str, Any]:
    value = _rhs_json(rhs, fact_type)
    if op == "==":
        return {attr: value}
    name = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}[op]
    return {name: {attr: value}}


def _is_join(lit: Atom, fact_type: str) -> bool:
    """Whether the comparison refers to another pattern's attribute (`{fact: attr}`), which
    durable_rules evaluates in the join, not on the fact alone (`$m`, a constant)."""
    return isinstance(lit.rhs, Ref) and not lit.rhs.local and lit.rhs.fact != fact_type


def _joined(tests: list[dict[str, Any]], joins: list[dict[str, Any]],
            groups: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """One pattern of its parts in the order durable_rules 2.0.28 evaluates correctly: the
    tests of the fact alone (its type first), then the joins closed by one that always holds,
    then the `$or` groups. Every pattern with a join must be built here."""
    # after a false join the C core steps over the next part unread and scans on for the end
    # marker: with a join that always holds closing the list, the part stepped over is never
    # the marker itself (see the module docstring); a fact's type is never the trigger's
    closing = [{"$neq": {"t": {TRIGGER_ALIAS: "t"}}}] if joins else []
    parts = tests + joins + closing + list(groups)
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _pattern(fact_type: str, lits: Iterable[Any]) -> dict[str, Any]:
    tests: list[dict[str, Any]] = []
    guards: list[dict[str, Any]] = []
    joins: list[dict[str, Any]] = []
    own_type = fact_type.rstrip(SHADOW)
    for lit in sorted(lits, key=repr):
        if isinstance(lit, KnownLit):
            (guards if lit.known else tests).append(
                {"$ex" if lit.known else "$nex": {lit.attr: 1}})
        elif isinstance(lit, Atom):
            constraint = _constraint(own_type, lit.attr, lit.op, lit.rhs)
            (joins if _is_join(lit, own_type) else tests).append(constraint)
    # `$ex` guards first: a `$m` reference to a missing attribute must not be evaluated
    return _joined([{"t": fact_type}] + guards + tests, joins)


def _elem_pattern(lit: Elem, shadow: bool = False) -> dict[str, Any]:
    t = {"t": f"{lit.fact}.{lit.attr}" + (SHADOW if shadow else "")}
    if lit.ref is not None:
        return _joined([t], [{"v": {lit.ref.fact: lit.ref.attr}}])
    if len(lit.values) == 1:
        return {"$and": [t, {"v": lit.values[0]}]}
    return {"$and": [t, {"$or": [{"v": v} for v in lit.values]}]}


def _partitions(items: list[Any]) -> Iterator[list[list[Any]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for part in _partitions(rest):
        for i in range(len(part)):
            yield part[:i] + [[first] + part[i]] + part[i + 1:]
        yield [[first]] + part


@dataclass
class RuleSpec:
    """One durable_rules rule for a conjunct: its `all` patterns and the aliases of the list
    facts it binds (for evidence)."""

    patterns: list[dict[str, Any]]
    list_aliases: list[str]


def conjunct_rules(conj: Conjunct) -> list[RuleSpec]:
    """The durable_rules rules for one conjunct (several when `any` patterns of one fact type
    must be allowed to match the same fact)."""
    singles: dict[str, list[Any]] = {f: [] for f in SINGLETON_ORDER}
    positive: list[Any] = []
    negative: list[Any] = []
    for lit in conj:
        if isinstance(lit, (Atom, KnownLit)):
            singles[lit.fact].append(lit)
        elif isinstance(lit, (Elem, QLit)):
            (positive if lit.exists else negative).append(lit)
    needed = {f for f, lits in singles.items() if lits}
    for lit in conj:
        refs: set[Ref] = set()
        if isinstance(lit, Atom) and isinstance(lit.rhs, Ref) and not lit.rhs.local:
            refs.add(lit.rhs)
        elif isinstance(lit, Elem) and lit.ref is not None:
            refs.add(lit.ref)
        elif isinstance(lit, QLit):
            refs |= _refs(lit.body)
        needed |= {r.fact for r in refs}
    base: list[dict[str, Any]] = [{TRIGGER_ALIAS: {"t": TRIGGER}}]
    for fact in SINGLETON_ORDER:
        if fact in needed:
            base.append({fact: _pattern(fact, singles[fact])})
    # group positive patterns by fact type; emit every merging of same-type patterns
    groups: dict[str, list[Any]] = {}
    for lit in sorted(positive, key=repr):
        key = f"{lit.fact}.{lit.attr}" if isinstance(lit, Elem) else lit.fact
        groups.setdefault(key, []).append(lit)
    none_patterns = []
    for index, lit in enumerate(sorted(negative, key=repr)):
        # `$not` ignores facts a positive pattern of the same rule has bound, so negations
        # look at shadow copies of the facts (type + "~"), posted alongside the originals
        if isinstance(lit, Elem):
            pattern = _elem_pattern(lit, shadow=True)
        else:
            pattern = _pattern(lit.fact + SHADOW, lit.body)
        none_patterns.append({f"n{index}$not": pattern})
    specs: list[RuleSpec] = []
    group_parts = [list(_partitions(lits)) for lits in groups.values()]
    for choice in itertools.product(*group_parts):
        patterns = list(base)
        aliases: list[str] = []
        counter = 0
        for partition in choice:
            for block in partition:
                alias = f"q{counter}"
                counter += 1
                merged = _merge_block(block)
                if merged is None:
                    break
                patterns.append({alias: merged})
                if isinstance(block[0], QLit):
                    aliases.append(alias)
            else:
                continue
            break
        else:
            specs.append(RuleSpec(patterns + none_patterns, aliases))
    return specs


def _merge_block(block: list[Any]) -> dict[str, Any] | None:
    """One pattern for several positive literals one fact must satisfy together; None when
    they cannot (two elements that must equal different constants)."""
    if isinstance(block[0], QLit):
        body: set[Any] = set()
        for lit in block:
            body |= lit.body
        return _pattern(block[0].fact, body)
    if len(block) == 1:
        return _elem_pattern(block[0])
    values: set[Any] | None = None
    refs = {lit.ref for lit in block if lit.ref is not None}
    for lit in block:
        if lit.ref is None:
            values = set(lit.values) if values is None else values & set(lit.values)
    if len(refs) > 1 or (values is not None and not values):
        return None
    t: dict[str, Any] = {"t": f"{block[0].fact}.{block[0].attr}"}
    joins: list[dict[str, Any]] = []
    if refs:
        ref = next(iter(refs))
        joins.append({"v": {ref.fact: ref.attr}})
    groups: list[dict[str, Any]] = []
    if values is not None:
        groups.append({"$or": [{"v": v} for v in sorted(values, key=repr)]})
    return _joined([t], joins, groups)


# ------------------------------------------------------------------------------ the engine

# a session of 2.0.28 fails (error 303) when more than about 65 rules have activations at once;
# with the `$done` rule, 60 rules per ruleset stay under it whatever fires
MAX_RULES_PER_RULESET = 60
_RULESET_COUNTER = itertools.count()


@dataclass
class _CompiledCriterion:
    criterion: Criterion
    index: int
    has: dict[str, bool]  # kind -> the criterion has that condition
    parsed: dict[str, cl.Cond | None]
    citation_ref: CitationRef | None = None


@dataclass
class _CompiledTopic:
    topic: Topic
    applies: cl.Cond
    derive: list[tuple[str, cl.Cond | cl.Expr, bool]]  # name, node, is a `when`
    hidden: dict[str, cl.Expr]
    criteria: list[_CompiledCriterion]
    rulesets: list[_Ruleset]
    facts_used: set[str]  # fact types (and list attributes) the rules pattern on
    names_item: bool
    # what to post (see _post_plan) and the list facts the topic reads
    singleton_plan: list[tuple[str, tuple[str, ...] | None]] = field(default_factory=list)
    list_plan: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    lists: tuple[str, ...] = ()
    derived_sources: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # the singleton attributes each condition (by id of its parsed node) names, for evidence
    evidence_paths: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    # the topic's notes: the outcome each goes with (None: either), its condition (None:
    # always) and the note as verdicts carry it
    notes: list[tuple[str | None, cl.Cond | None, NoteResult]] = field(default_factory=list)


@dataclass(frozen=True)
class _Ruleset:
    """A ruleset registered with the C core: its handle, and for each rule name what its firing
    records: (criterion index, kind, aliases of the list facts it binds), or None for the
    `$done` (and `$catchall`) rule."""

    handle: int
    actions: Mapping[str, tuple[int, str, tuple[str, ...]] | None]


@dataclass
class _Case:
    """One CaseFacts as the engine reads it (attributes as conditions see them), computed once
    however many items share it; list facts only when a topic reads them."""

    facts: CaseFacts
    attrs: dict[str, Any]  # singleton name -> attributes, list name -> list of attributes
    _key: bytes | None = None

    @classmethod
    def of(cls, facts: CaseFacts) -> _Case:
        return cls(facts, {"case": _attrs(facts.case), "doc": _attrs(facts.doc)})

    def env(self, lists: Iterable[str]) -> dict[str, Any]:
        """The singletons and the list facts named in `lists` (not `item`)."""
        attrs = self.attrs
        for name in lists:
            if name not in attrs:
                attrs[name] = [_attrs(f) for f in getattr(self.facts, name)]
        return attrs

    def key(self) -> bytes:
        """The facts' contribution to the decision id."""
        if self._key is None:
            self._key = _model_key(self.facts)
        return self._key


class Engine:
    """A pack compiled to durable_rules rulesets (once); evaluates requests to Verdicts."""

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self._lock = threading.Lock()
        self._sessions = itertools.count()
        self._tables = pack.table_data()
        self._id_prefix = (b"imr-rules decision 2\n"
                           + json.dumps([pack.id, pack.revision]).encode() + b"\n")
        self._topics = [self._compile(topic) for topic in pack.topics]

    # -- compilation ------------------------------------------------------------------------
    def _compile(self, topic: Topic) -> _CompiledTopic:
        where = f"{topic.file or topic.id}"
        try:
            applies = cl.parse(topic.applies_when)
            derive: list[tuple[str, cl.Cond | cl.Expr, bool]] = []
            for d in topic.derive:
                if d.when is not None:
                    derive.append((d.name, cl.parse(d.when), True))
                else:
                    derive.append((d.name, cl.parse_value(d.value or ""), False))
            lowering = Lowering(self._tables)
            rules: dict[str, Any] = {}
            actions: dict[str, tuple[int, str, tuple[str, ...]]] = {}
            criteria: list[_CompiledCriterion] = []
            facts_used: set[str] = set()
            # A topic depends on the other items when a criterion or a derived fact names them.
            names_item = any("item" in cl.list_facts(node) for _n, node, _w in derive)
            for index, crit in enumerate(topic.criteria):
                texts = {"applies": crit.applies_when, "met": crit.met_when,
                         "unmet": crit.unmet_when}
                parsed = {k: (cl.parse(v) if v is not None else None) for k, v in texts.items()}
                for kind, node in parsed.items():
                    if node is None:
                        continue
                    names_item |= "item" in cl.list_facts(node)
                    for n, conj in enumerate(lowering.dnf(node)):
                        for v, spec in enumerate(conjunct_rules(conj)):
                            facts_used |= _fact_types(spec.patterns)
                            rule = f"c{index}.{kind}.{n}.{v}"
                            rules[rule] = {"all": spec.patterns}
                            actions[rule] = (index, kind, tuple(spec.list_aliases))
                criteria.append(_CompiledCriterion(
                    crit, index, {k: v is not None for k, v in texts.items()}, parsed))
            notes: list[tuple[str | None, cl.Cond | None, NoteResult]] = [
                (note.outcome, cl.parse(note.when) if note.when is not None else None,
                 self._note_result(topic, note)) for note in topic.notes]
        except cl.ConditionError as exc:
            raise PackError(f"topic '{topic.id}': {exc.message}", file=where,
                            hint="run `imr-rules pack lint`") from None
        rulesets = self._rulesets(topic, rules, actions)
        compiled = _CompiledTopic(topic, applies, derive, dict(lowering.hidden), criteria,
                                  rulesets, facts_used, names_item, notes=notes)
        compiled.singleton_plan, compiled.list_plan = _post_plan(
            facts_used, set(_names(list(rules.values()))))
        # the list facts derived values and the posted facts read (`item` comes per call)
        read = {tag.rstrip(SHADOW) for tag in facts_used}
        sources: list[Any] = [n for _name, n, _w in derive] + list(lowering.hidden.values())
        for source in sources:
            read |= cl.list_facts(source) | {p.fact for p in cl.paths(source)}
        compiled.lists = tuple(n for n in vocabulary.LIST_FACTS if n in read and n != "item")
        compiled.derived_sources = self._derived_sources(derive, lowering.hidden)
        return compiled

    def _rulesets(self, topic: Topic, rules: dict[str, Any],
                  actions: Mapping[str, tuple[int, str, tuple[str, ...]]]) -> list[_Ruleset]:
        """Register `rules` as one or more rulesets of at most MAX_RULES_PER_RULESET rules; a
        chunk the C core still refuses (error 107: too many nodes) is halved. The rulesets are
        created in the C core directly (what durable.engine.Ruleset does, without its action
        objects: `_run` drives the actions itself)."""
        names = list(rules)
        chunks = [names[i:i + MAX_RULES_PER_RULESET]
                  for i in range(0, max(len(names), 1), MAX_RULES_PER_RULESET)]
        out = []
        while chunks:
            chunk = chunks.pop(0)
            definition = {n: dict(rules[n]) for n in chunk}
            definition["$done"] = {"all": [{TRIGGER_ALIAS: {"t": TRIGGER}}]}
            definition["$catchall"] = {"all": [{"never": {"t": "$never"}},
                                               {"any": {"$ex": {"t": 1}}}]}
            table: dict[str, tuple[int, str, tuple[str, ...]] | None] = {
                n: actions[n] for n in chunk}
            table["$done"] = table["$catchall"] = None
            name = f"{self.pack.id}:{self.pack.revision}:{topic.id}:{next(_RULESET_COUNTER)}"
            try:
                handle = _dre.create_ruleset(name, json.dumps(definition, ensure_ascii=False))
                out.append(_Ruleset(handle, table))
            except Exception as exc:  # durable_rules_engine.error, a plain Exception subclass
                if len(chunk) == 1:
                    raise PackError(f"topic '{topic.id}': rule {chunk[0]} is too large for "
                                    f"durable_rules ({exc})", file=topic.file,
                                    hint="simplify the condition") from None
                half = len(chunk) // 2
                chunks[:0] = [chunk[:half], chunk[half:]]
        return out

    @staticmethod
    def _derived_sources(derive: list[tuple[str, Any, bool]], hidden: Mapping[str, cl.Expr]
                         ) -> dict[str, list[tuple[str, str]]]:
        """For evidence: the singleton attributes each derived value is computed from."""
        sources: dict[str, list[tuple[str, str]]] = {}
        items = [(name, node) for name, node, _ in derive] + list(hidden.items())
        for name, node in items:
            found: list[tuple[str, str]] = []
            for p in cl.paths(node):
                if p.fact == "derived":
                    found.extend(sources.get(p.attr, []))
                elif not p.local:
                    found.append((p.fact, p.attr))
            sources[name] = found
        return sources

    # -- evaluation -------------------------------------------------------------------------
    def topic_for(self, request: RequestFact, facts: CaseFacts | None = None) -> Topic | None:
        """The first topic (in pack order) whose applies_when holds for this request."""
        compiled = self._select(_attrs(request), _Case.of(facts or CaseFacts()))
        return compiled.topic if compiled else None

    def _select(self, request_attrs: dict[str, Any], case: _Case) -> _CompiledTopic | None:
        env = {"request": request_attrs, "case": case.attrs["case"], "doc": case.attrs["doc"],
               "table": self._tables}
        for compiled in self._topics:
            if cl.evaluate(compiled.applies, env):
                return compiled
        return None

    def evaluate(self, request: RequestFact, facts: CaseFacts,
                 items: Sequence[ItemFact] = ()) -> Verdict:
        """The verdict for one request: its topic, every applicable criterion with status,
        reason, citation and evidence, and the outcome with the criteria that decided it."""
        return self._evaluate(request, facts, items, None)

    def _evaluate(self, request: RequestFact, facts: CaseFacts, items: Sequence[ItemFact],
                  shuffle: random.Random | None, *, case: _Case | None = None,
                  request_attrs: dict[str, Any] | None = None,
                  selected: tuple[_CompiledTopic | None] | None = None) -> Verdict:
        """`case`, `request_attrs` and `selected` (the topic, in a 1-tuple) may be passed when
        already computed for the same request and facts."""
        if case is None:
            case = _Case.of(facts)
        if request_attrs is None:
            request_attrs = _attrs(request)
        decision_id = self._decision_id(request, case, items)
        compiled = selected[0] if selected is not None else self._select(request_attrs, case)
        base = {"decision_id": decision_id, "pack": self.pack.id,
                "pack_version": self.pack.version, "pack_revision": self.pack.revision}
        if compiled is None:
            return Verdict(**base, trace=["no topic applies to this request"])
        topic = compiled.topic
        env: dict[str, Any] = {"request": request_attrs, "table": self._tables,
                               **case.env(compiled.lists), "item": [_attrs(i) for i in items]}
        trace = [f"topic {topic.id}: applies_when {topic.applies_when!r} holds"]
        derived: dict[str, Any] = {}
        env["derived"] = derived
        for name, node, is_when in compiled.derive:
            if is_when:
                derived[name] = cl.evaluate(node, env)  # type: ignore[arg-type]
            else:
                derived[name] = cl.eval_expr(node, env)  # type: ignore[arg-type]
            trace.append(f"derived.{name} = {derived[name]!r}")
        shown_derived = dict(derived)
        for name, expr in compiled.hidden.items():
            derived[name] = cl.eval_expr(expr, env)

        posted = self._facts(compiled, env)
        if shuffle is not None:
            shuffle.shuffle(posted)
        for fact in posted:
            fact["sid"] = _SID
        posted.append({"sid": _SID, "id": TRIGGER, "t": TRIGGER})
        batch = json.dumps(posted, ensure_ascii=False)  # once for every ruleset of the topic
        fired: dict[tuple[int, str], set[str]] = {}
        for ruleset in compiled.rulesets:
            fired.update(self._run(ruleset, batch))

        results: list[CriterionResult] = []
        for cc in compiled.criteria:
            crit = cc.criterion
            if cc.has["applies"] and (cc.index, "applies") not in fired:
                trace.append(f"{crit.id}: not applicable")
                continue
            if (cc.index, "met") in fired:
                status, deciding = "met", "met"
            elif (cc.index, "unmet") in fired:
                status, deciding = "unmet", "unmet"
            else:
                status, deciding = "unknown", ""
            evidence: list[EvidenceRef] = []
            if deciding:
                evidence = self._evidence(compiled, cc.parsed[deciding],
                                          fired[(cc.index, deciding)], request, facts, items)
            reason = None
            if status != "met":
                template = getattr(crit.reasons, status)
                values = {"request": request, "case": facts.case, "doc": facts.doc,
                          "derived": shown_derived}
                reason = _fill(template, values) if template else (
                    f"{'not met' if status == 'unmet' else 'not documented'}: {crit.statement}")
            citation = crit.citation or topic.citation
            confirmed = crit.confirmed and citation.confirmed
            if cc.citation_ref is None:  # the same for every verdict (an immutable model)
                cc.citation_ref = self._citation_ref(citation, confirmed)
            results.append(CriterionResult(
                id=crit.id, statement=crit.statement, status=status, required=crit.required,
                confirmed=confirmed, reason=reason, citation=cc.citation_ref,
                evidence=evidence, to_document=crit.to_document))
            trace.append(f"{crit.id}: {status}" + (f" ({deciding}_when holds)" if deciding
                                                  else " (neither met_when nor unmet_when "
                                                  "holds)"))
        required = [r for r in results if r.required]
        failing = [r for r in required if r.status != "met"]
        if failing:
            outcome = "not_medically_necessary"
            decided_by = [r.id for r in failing]
            rests_on_unknown = all(r.status == "unknown" for r in failing)
        else:
            outcome = "medically_necessary"
            decided_by = [r.id for r in required]
            rests_on_unknown = False
        trace.append(f"outcome {outcome} ({topic.decision.policy}), decided by "
                     f"{', '.join(decided_by) or 'no required criterion'}")
        notes = [note for with_outcome, when, note in compiled.notes
                 if with_outcome in (None, outcome) and (when is None or cl.evaluate(when, env))]
        trace += [f"note {note.id}" for note in notes]
        return Verdict(**base, topic=topic.id, topic_title=topic.title, outcome=outcome,
                       decided_by=decided_by, rests_on_unknown=rests_on_unknown,
                       criteria=results, notes=notes, derived=shown_derived, trace=trace)

    def _note_result(self, topic: Topic, note: Note) -> NoteResult:
        """A topic's note as verdicts carry it (the same immutable model for every one)."""
        citation = note.citation or topic.citation
        confirmed = note.confirmed and citation.confirmed
        return NoteResult(id=note.id, text=note.text, confirmed=confirmed,
                          citation=self._citation_ref(citation, confirmed))

    def _citation_ref(self, citation: Citation, confirmed: bool) -> CitationRef:
        """A criterion's or a note's citation as verdicts carry it; `confirmed`: the entry's
        and its citation's."""
        return CitationRef(source=self.pack.citation_source(citation), section=citation.section,
                           pages=list(citation.pages), confirmed=confirmed)

    def evaluate_items(self, requests: Sequence[RequestFact],
                       facts: CaseFacts | Sequence[CaseFacts]) -> list[Verdict]:
        """Verdicts for every item of a letter. Topics that name `item` are evaluated after the
        others and see an ItemFact for every other item (index = position in `requests`).
        `facts` is one CaseFacts for all items, or one per item (the findings view)."""
        per_item = [facts] * len(requests) if isinstance(facts, CaseFacts) else list(facts)
        # what the engine reads of each CaseFacts, once per object for this call (the blind
        # view shares one CaseFacts between all items)
        cases: dict[int, _Case] = {}
        for f in per_item:
            if id(f) not in cases:
                cases[id(f)] = _Case.of(f)
        verdicts: dict[int, Verdict] = {}
        later: list[tuple[int, dict[str, Any], _CompiledTopic]] = []
        for index, request in enumerate(requests):
            case = cases[id(per_item[index])]
            request_attrs = _attrs(request)
            compiled = self._select(request_attrs, case)
            if compiled is not None and compiled.names_item:
                later.append((index, request_attrs, compiled))
            else:
                verdicts[index] = self._evaluate(request, per_item[index], (), None, case=case,
                                                 request_attrs=request_attrs,
                                                 selected=(compiled,))
        for index, request_attrs, compiled in later:
            others = [ItemFact(index=j, topic=verdicts[j].topic if j in verdicts else None,
                               text=r.text, procedure=r.procedure,
                               outcome=verdicts[j].outcome if j in verdicts else None)
                      for j, r in enumerate(requests) if j != index]
            verdicts[index] = self._evaluate(requests[index], per_item[index], others, None,
                                             case=cases[id(per_item[index])],
                                             request_attrs=request_attrs, selected=(compiled,))
        return [verdicts[i] for i in range(len(requests))]

    # -- durable_rules ----------------------------------------------------------------------
    def _run(self, ruleset: _Ruleset, batch: str) -> dict[tuple[int, str], set[str]]:
        """Assert the facts and then the trigger (`batch`, with the session id to fill in) in
        one session, run the actions, delete the session; return what fired.

        This is durable.engine.Ruleset.assert_facts + do_actions without their per-firing
        overhead (a Closure, a JSON parse of the state and the message, a state update per
        action): only the rule's name is read from the message (the whole message is parsed
        only when the rule binds list facts, for their ids), and the actions change no state.
        Errors are collected as do_actions reports them."""
        fired: dict[tuple[int, str], set[str]] = {}
        errors: list[Any] = []
        done = False
        handle, actions = ruleset.handle, ruleset.actions
        with self._lock:
            sid = str(next(self._sessions))
            text = batch.replace(_SID_JSON, f'"sid": "{sid}"')
            code, state = _dre.assert_facts(handle, text)
            if code == 1:
                raise MessageNotHandledException(json.loads(text))
            if code == 2:
                raise MessageObservedException(json.loads(text))
            if code == 3:
                state = 0
            try:
                started = _dre.start_action_for_state(handle, state)
                message: str | None = started[1] if started else None
                while message is not None:
                    # the message is {"<rule name>": {alias: fact, ...}}; rule names hold no
                    # quote, so the name is the text up to the second quote
                    name = message[2:message.find('"', 2)] if message.startswith('{"') else ""
                    if name not in actions:
                        name = next(iter(json.loads(message)))
                    action = actions[name]
                    if action is None:
                        done = True
                    else:
                        index, kind, aliases = action
                        ids = fired.setdefault((index, kind), set())
                        if aliases:
                            bound = json.loads(message)[name]
                            for alias in aliases:
                                fact = bound.get(alias)
                                if fact is not None:
                                    ids.add(fact["id"])
                    try:
                        message = _dre.complete_and_start_action(handle, state)
                    except Exception as exc:
                        _dre.abandon_action(handle, state)
                        errors.append(exc)
                        break
            except Exception as exc:
                errors.append(exc)
            if done:
                _dre.delete_state(handle, sid)
        if errors or not done:
            raise RuntimeError(f"durable_rules did not complete the evaluation: {errors}")
        return fired

    def _facts(self, compiled: _CompiledTopic, env: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The facts to post, as durable_rules sees them: the fact types the topic's rules
        pattern on, with the attributes they name (no rule can see any other)."""
        used = compiled.facts_used
        out: list[dict[str, Any]] = []
        for name, columns in compiled.singleton_plan:
            attrs = env[name]
            fact = {"id": name, "t": name}
            for attr in attrs if columns is None else columns:
                value = attrs.get(attr)
                if value is None:
                    continue
                if isinstance(value, list):
                    for tag in (f"{name}.{attr}", f"{name}.{attr}{SHADOW}"):
                        if tag in used:
                            out.extend({"id": f"{tag}.{i}", "t": tag, "v": v}
                                       for i, v in enumerate(value))
                    continue
                fact[attr] = value
            out.append(fact)
        for name, tag, columns in compiled.list_plan:
            for i, row in enumerate(env[name]):
                fact = {"id": f"{tag}.{i}", "t": tag}
                for attr in columns:
                    value = row.get(attr)
                    if value is not None and not isinstance(value, list):
                        fact[attr] = value
                out.append(fact)
        return out

    def _evidence(self, compiled: _CompiledTopic, node: cl.Cond | None, matched: set[str],
                  request: RequestFact, facts: CaseFacts, items: Sequence[ItemFact]
                  ) -> list[EvidenceRef]:
        singletons = {"request": request, "case": facts.case, "doc": facts.doc}
        attrs = compiled.evidence_paths.get(id(node))
        if attrs is None:
            attrs = []
            for p in cl.paths(node):
                if p.fact == "derived":
                    attrs.extend(compiled.derived_sources.get(p.attr, []))
                elif not p.local:
                    attrs.append((p.fact, p.attr))
            compiled.evidence_paths[id(node)] = attrs
        out: list[EvidenceRef] = []
        seen: set[tuple[Any, ...]] = set()
        for fact, attr in attrs:
            for span in singletons[fact].evidence.get(attr, []):
                key = (fact, attr, span.start, span.end)
                if key not in seen:
                    seen.add(key)
                    out.append(EvidenceRef(fact=fact, attribute=attr, start=span.start,
                                           end=span.end, text=span.text))
        lists: dict[str, Sequence[Any]] = {
            "medication": facts.medication, "diagnosis": facts.diagnosis,
            "finding": facts.finding, "prior_treatment": facts.prior_treatment, "item": items}
        for fid in sorted(matched, key=_id_order):
            name, _, index = fid.rpartition(".")
            for span in lists[name][int(index)].evidence:
                out.append(EvidenceRef(fact=name, attribute=None, start=span.start,
                                       end=span.end, text=span.text))
        return out

    def _decision_id(self, request: RequestFact, case: _Case,
                     items: Sequence[ItemFact]) -> str:
        """A hash of the pack (id and revision) and every input: the request, the case facts
        and the other items, each as its JSON (field order is fixed by the models)."""
        digest = hashlib.blake2b(self._id_prefix, digest_size=8)
        digest.update(_model_key(request))
        digest.update(case.key())
        digest.update(b"%d\n" % len(items))
        for item in items:
            digest.update(_model_key(item))
        return digest.hexdigest()


def _id_order(fid: str) -> tuple[str, int]:
    name, _, index = fid.rpartition(".")
    return name, int(index)


def _fact_types(patterns: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            t = node.get("t")
            if isinstance(t, str):
                out.add(t)
            for v in node.values():
                visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)
        # a reference {fact: attr} needs that singleton posted too
    visit(patterns)
    return out


def _attrs(model: Any) -> dict[str, Any]:
    """A fact's attributes as conditions see them (evidence left out, dates as ordinals; a
    NaN or infinite number is unknown: durable_rules' JSON parser cannot read it and crashes)."""
    return {name: (value.toordinal() if isinstance(value, date) else
                   None if isinstance(value, float) and not math.isfinite(value) else value)
            for name, value in model.__dict__.items() if name != "evidence"}



# the session id of every posted fact, filled in per session: json.dumps writes "\x01" as
# \u0001 and escapes every quote inside strings, so `"sid": "\u0001"` is only ever the key
_SID = "\x01"
_SID_JSON = json.dumps({"sid": _SID})[1:-1]


def _names(node: Any) -> Iterator[str]:
    """Every key and string value in durable_rules patterns: a superset of the attribute names
    they test or refer to."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _names(value)
    elif isinstance(node, str):
        yield node


def _post_plan(used: set[str], names: set[str]
               ) -> tuple[list[tuple[str, tuple[str, ...] | None]],
                          list[tuple[str, str, tuple[str, ...]]]]:
    """Which facts and attributes to post: the singletons (and list facts, and their shadows)
    whose type a pattern names, with the attributes a pattern may name (`names`: every key and
    string in the patterns), and a singleton's list attributes whose elements are patterned
    on; in the order of the vocabulary. Derived values are all posted (None: every one)."""
    singletons: list[tuple[str, tuple[str, ...] | None]] = []
    for name in SINGLETON_ORDER:
        if name not in used:
            continue
        if name == "derived":
            singletons.append((name, None))
            continue
        singletons.append((name, tuple(
            a for a in vocabulary.attributes(name)
            if a in names or f"{name}.{a}" in used or f"{name}.{a}{SHADOW}" in used)))
    lists = [(name, tag, tuple(a for a in vocabulary.attributes(name) if a in names))
             for name in vocabulary.LIST_FACTS for tag in (name, name + SHADOW) if tag in used]
    return singletons, lists


_KEY_FIELDS: dict[type[Any], tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _mentions(annotation: Any, test: Any) -> bool:
    return bool(test(annotation)) or any(_mentions(a, test) for a in typing.get_args(annotation))


def _key_fields(cls: type[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A fact model's float fields, and its fields holding facts (directly or in a list)."""
    fields = _KEY_FIELDS.get(cls)
    if fields is None:
        floats = tuple(n for n, f in cls.model_fields.items()
                       if _mentions(f.annotation, lambda a: a is float))
        nested = tuple(n for n, f in cls.model_fields.items() if _mentions(
            f.annotation, lambda a: isinstance(a, type) and issubclass(a, vocabulary.Fact)))
        fields = _KEY_FIELDS[cls] = (floats, nested)
    return fields


def _nonfinite(model: Any, where: str, out: list[str]) -> None:
    """Append `where.field=value` for every NaN or infinite float of a fact (and its facts)."""
    floats, nested = _key_fields(model.__class__)
    values = model.__dict__
    for name in floats:
        value = values.get(name)
        if isinstance(value, float) and not math.isfinite(value):
            out.append(f"{where}.{name}={value!r}")
    for name in nested:
        value = values.get(name)
        many = isinstance(value, list)
        for i, v in enumerate(value if many else [value]):
            if v is None:
                continue
            inner_floats, inner_nested = _key_fields(v.__class__)
            if inner_nested:
                _nonfinite(v, f"{where}.{name}" + (f".{i}" if many else ""), out)
                continue
            inner = v.__dict__
            for attr in inner_floats:
                x = inner.get(attr)
                if isinstance(x, float) and not math.isfinite(x):
                    out.append(f"{where}.{name}" + (f".{i}" if many else "") + f".{attr}={x!r}")


def _model_key(model: Any) -> bytes:
    """A fact model's JSON for the decision id, newline-terminated (the JSON has none). JSON
    writes NaN and infinities as null, like None: those are appended after a tab."""
    odd: list[str] = []
    _nonfinite(model, "", odd)
    key = model.model_dump_json().encode()
    if odd:
        key += b"\t" + " ".join(odd).encode()
    return key + b"\n"


_PLACE = re.compile(r"\{([a-z_]+)\.([a-z_0-9]+)\}")


def _fill(template: str, values: Mapping[str, Any]) -> str:
    """A reason with `{fact.attr}` placeholders replaced by the facts' values ('unknown' when
    the records are silent)."""
    def value(m: re.Match[str]) -> str:
        source = values.get(m.group(1))
        raw = source.get(m.group(2)) if isinstance(source, dict) else getattr(
            source, m.group(2), None)
        if raw is None:
            return "unknown"
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))
        if isinstance(raw, date):
            return raw.isoformat()
        if isinstance(raw, list):
            return ", ".join(str(v) for v in raw)
        return str(raw)
    return _PLACE.sub(value, template)
