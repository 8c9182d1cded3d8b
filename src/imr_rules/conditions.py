"""The condition language of rule packs: tokenizer, parser to an AST, checks, and evaluation.

Conditions are parsed, never `eval`ed. `parse()` turns a condition string into an immutable AST;
`check()` checks it against the fact vocabulary (`imr_rules.vocabulary`), the pack's tables and
the derived names defined so far; `evaluate()` is the product-side evaluator used for topic
selection and `derive` values (criteria themselves are decided by durable_rules, see
`imr_rules.engine`). The grammar is in docs/pack-format.md.

Three-valued comparisons: a comparison with an unknown (None) operand is false; `not` is plain
boolean negation; arithmetic with an unknown operand or division by zero is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from imr_rules import vocabulary

SINGLETONS = frozenset(vocabulary.SINGLETON_FACTS)
LIST_FACTS = frozenset(vocabulary.LIST_FACTS)
KEYWORDS = frozenset({"and", "or", "not", "any", "none", "all", "in", "contains", "intersects",
                      "is", "known", "true", "false", "null"})
COMPARE_OPS = ("==", "!=", "<=", ">=", "<", ">")


class ConditionError(ValueError):
    """A condition that does not parse or check; `col` is the 1-based column in the text."""

    def __init__(self, message: str, col: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.col = col


# ---------------------------------------------------------------------------------------- AST


@dataclass(frozen=True)
class Lit:
    value: Any  # str | int | float | bool | None
    col: int = 0


@dataclass(frozen=True)
class ListLit:
    items: tuple[Any, ...]
    col: int = 0


@dataclass(frozen=True)
class Path:
    """`fact.attr`; fact is a singleton, 'derived', or a list fact (bare attribute in a
    quantifier, `local=True`)."""

    fact: str
    attr: str
    local: bool = False
    col: int = 0

    def dotted(self) -> str:
        return self.attr if self.local else f"{self.fact}.{self.attr}"


@dataclass(frozen=True)
class TableRef:
    name: str
    key: Expr | None = None
    col: int = 0


@dataclass(frozen=True)
class Arith:
    op: str  # + - * /
    left: Expr
    right: Expr
    col: int = 0


@dataclass(frozen=True)
class Compare:
    op: str  # == != < <= > >= in notin contains notcontains intersects notintersects
    left: Expr
    right: Expr
    col: int = 0


@dataclass(frozen=True)
class Known:
    expr: Expr
    negated: bool = False
    col: int = 0


@dataclass(frozen=True)
class Truthy:
    """A bare value used as a condition: true when the value is `true`."""

    expr: Expr
    col: int = 0


@dataclass(frozen=True)
class And:
    items: tuple[Cond, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Cond, ...]


@dataclass(frozen=True)
class Not:
    item: Cond


@dataclass(frozen=True)
class Quant:
    kind: str  # any | none | all
    fact: str
    cond: Cond | None
    col: int = 0


Expr = Lit | ListLit | Path | TableRef | Arith
Cond = Compare | Known | Truthy | And | Or | Not | Quant | Lit

# -------------------------------------------------------------------------------- tokenizer

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|\[|\]|,|\.)
""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    kind: str  # num str name op end
    text: str
    col: int


def tokenize(text: str) -> list[Token]:
    """Split a condition into tokens; raises ConditionError at the first character it cannot
    read."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ConditionError(f"unexpected character {text[pos]!r}", pos + 1)
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, m.group(), pos + 1))
        pos = m.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


# ----------------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.scope: str | None = None  # the list fact of the enclosing quantifier

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def next(self) -> Token:
        tok = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def is_word(self, word: str, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok.kind == "name" and tok.text == word

    def is_op(self, op: str, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok.kind == "op" and tok.text == op

    def expect_op(self, op: str) -> Token:
        tok = self.next()
        if tok.kind != "op" or tok.text != op:
            raise ConditionError(f"expected '{op}', found {_describe(tok)}", tok.col)
        return tok

    def parse(self) -> Cond:
        cond = self.condition()
        tok = self.peek()
        if tok.kind != "end":
            raise ConditionError(f"unexpected {_describe(tok)}", tok.col)
        return cond

    def condition(self) -> Cond:
        items = [self.conjunction()]
        while self.is_word("or"):
            self.next()
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conjunction(self) -> Cond:
        items = [self.negation()]
        while self.is_word("and"):
            self.next()
            items.append(self.negation())
        return items[0] if len(items) == 1 else And(tuple(items))

    def negation(self) -> Cond:
        if self.is_word("not"):
            self.next()
            return Not(self.negation())
        return self.primary()

    def primary(self) -> Cond:
        tok = self.peek()
        if tok.kind == "op" and tok.text == "(" and self._paren_is_condition():
            self.next()
            cond = self.condition()
            self.expect_op(")")
            return cond
        if tok.kind == "name" and tok.text in ("any", "none", "all") and self.is_op("(", 2):
            return self.quantified()
        left = self.value()
        return self.comparison(left, tok.col)

    def _paren_is_condition(self) -> bool:
        """Whether the '(' at the cursor opens a condition rather than an arithmetic value:
        it does when a comparison or boolean word occurs inside it at depth one."""
        depth = 0
        j = self.i
        while j < len(self.tokens):
            tok = self.tokens[j]
            if tok.kind == "op" and tok.text in "([":
                depth += 1
            elif tok.kind == "op" and tok.text in ")]":
                depth -= 1
                if depth == 0:
                    break
            elif depth == 1 and (
                (tok.kind == "op" and tok.text in COMPARE_OPS)
                or (tok.kind == "name" and tok.text in ("and", "or", "not", "in", "contains",
                                                         "intersects", "is", "any", "none",
                                                         "all"))):
                return True
            j += 1
        # a parenthesised bare value used as a condition: `(derived.flag)`
        nxt = self.tokens[j + 1] if j + 1 < len(self.tokens) else None
        return not (nxt is not None and nxt.kind == "op" and nxt.text in "+-*/"
                    or nxt is not None and nxt.kind == "op" and nxt.text in COMPARE_OPS
                    or nxt is not None and nxt.kind == "name" and nxt.text in (
                        "in", "contains", "intersects", "is", "not"))

    def quantified(self) -> Cond:
        kind_tok = self.next()
        fact_tok = self.next()
        if fact_tok.text not in LIST_FACTS:
            hint = (f"'{fact_tok.text}' is a singleton; name it directly, e.g. "
                    f"{fact_tok.text}.attribute" if fact_tok.text in SINGLETONS
                    else f"list facts are {', '.join(sorted(LIST_FACTS))}")
            raise ConditionError(f"'{kind_tok.text}' needs a list fact, not "
                                 f"'{fact_tok.text}' ({hint})", fact_tok.col)
        if self.scope is not None:
            raise ConditionError("quantifiers cannot be nested", kind_tok.col)
        self.expect_op("(")
        cond: Cond | None = None
        if not self.is_op(")"):
            self.scope = fact_tok.text
            try:
                cond = self.condition()
            finally:
                self.scope = None
        self.expect_op(")")
        return Quant(kind_tok.text, fact_tok.text, cond, kind_tok.col)

    def comparison(self, left: Expr, col: int) -> Cond:
        tok = self.peek()
        if tok.kind == "op" and tok.text in COMPARE_OPS:
            self.next()
            return Compare(tok.text, left, self.value(), col)
        if tok.kind == "name":
            if tok.text in ("in", "contains", "intersects"):
                self.next()
                return Compare(tok.text, left, self.value(), col)
            if tok.text == "not" and self.peek(1).kind == "name" and self.peek(1).text in (
                    "in", "contains", "intersects"):
                self.next()
                op = self.next().text
                return Compare("not" + op, left, self.value(), col)
            if tok.text == "is":
                self.next()
                negated = False
                if self.is_word("not"):
                    self.next()
                    negated = True
                word = self.next()
                if word.text != "known":
                    raise ConditionError(f"expected 'known' after 'is', found {_describe(word)}",
                                         word.col)
                return Known(left, negated, col)
        if isinstance(left, Lit) and isinstance(left.value, bool):
            return left
        return Truthy(left, col)

    def value(self) -> Expr:
        left = self.term()
        while self.peek().kind == "op" and self.peek().text in "+-":
            op = self.next()
            left = Arith(op.text, left, self.term(), op.col)
        return left

    def term(self) -> Expr:
        left = self.atom()
        while self.peek().kind == "op" and self.peek().text in "*/":
            op = self.next()
            left = Arith(op.text, left, self.atom(), op.col)
        return left

    def atom(self) -> Expr:
        tok = self.next()
        if tok.kind == "num":
            return Lit(float(tok.text) if "." in tok.text else int(tok.text), tok.col)
        if tok.kind == "str":
            return Lit(_unquote(tok.text), tok.col)
        if tok.kind == "op" and tok.text == "-" and self.peek().kind == "num":
            num = self.next()
            return Lit(-(float(num.text) if "." in num.text else int(num.text)), tok.col)
        if tok.kind == "op" and tok.text == "(":
            inner = self.value()
            self.expect_op(")")
            return inner
        if tok.kind == "op" and tok.text == "[":
            items: list[Any] = []
            while not self.is_op("]"):
                item = self.atom()
                if not isinstance(item, Lit):
                    raise ConditionError("a list may hold only literals", item.col)
                items.append(item.value)
                if not self.is_op("]"):
                    self.expect_op(",")
            self.next()
            return ListLit(tuple(items), tok.col)
        if tok.kind == "name":
            if tok.text in ("true", "false"):
                return Lit(tok.text == "true", tok.col)
            if tok.text == "null":
                return Lit(None, tok.col)
            if tok.text in KEYWORDS:
                raise ConditionError(f"expected a value, found '{tok.text}'", tok.col)
            return self.path(tok)
        raise ConditionError(f"expected a value, found {_describe(tok)}", tok.col)

    def path(self, first: Token) -> Expr:
        if not self.is_op("."):
            if self.scope is None:
                raise ConditionError(
                    f"'{first.text}' is not a value (name facts as fact.attribute, e.g. "
                    f"request.days_used; bare attributes only inside any/none/all)", first.col)
            return Path(self.scope, first.text, True, first.col)
        self.next()
        attr = self.next()
        if attr.kind != "name":
            raise ConditionError(f"expected an attribute name after '{first.text}.', "
                                 f"found {_describe(attr)}", attr.col)
        if first.text == "table":
            key: Expr | None = None
            if self.is_op("["):
                self.next()
                key = self.value()
                self.expect_op("]")
            return TableRef(attr.text, key, first.col)
        if first.text in LIST_FACTS:
            raise ConditionError(
                f"'{first.text}' is a list fact: name it through a quantifier, e.g. "
                f"any {first.text}({attr.text} == ...)", first.col)
        return Path(first.text, attr.text, False, first.col)


def _describe(tok: Token) -> str:
    return "the end of the condition" if tok.kind == "end" else f"'{tok.text}'"


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def parse(text: str) -> Cond:
    """Parse a condition into its AST; raises ConditionError (with a column) when it does not
    follow the grammar."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("empty condition", 1)
    return _Parser(text).parse()


def parse_value(text: str) -> Expr:
    """Parse a `derive` value expression (arithmetic over paths, tables and literals)."""
    parser = _Parser(text)
    expr = parser.value()
    tok = parser.peek()
    if tok.kind != "end":
        raise ConditionError(f"unexpected {_describe(tok)}", tok.col)
    return expr


# ----------------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class TableInfo:
    """What a check needs to know of a table: its keys (rows) or values (list)."""

    keys: frozenset[str] | None
    values: tuple[Any, ...]


def _spec(path: Path) -> vocabulary.AttributeSpec | None:
    if path.fact not in SINGLETONS and path.fact not in LIST_FACTS:
        return None
    return vocabulary.attributes(path.fact).get(path.attr)


def check(node: Cond | Expr, tables: Mapping[str, TableInfo],
          derived: Mapping[str, Any]) -> list[ConditionError]:
    """Every problem of a parsed condition or value against the vocabulary, the tables and
    the derived names defined before it; empty when it is sound."""
    errors: list[ConditionError] = []
    for sub in walk(node):
        if isinstance(sub, Path):
            if sub.fact == "derived":
                if sub.attr not in derived:
                    errors.append(ConditionError(
                        f"unknown derived value 'derived.{sub.attr}' (define it in this "
                        f"topic's derive list, before it is used)", sub.col))
            elif sub.fact not in SINGLETONS and sub.fact not in LIST_FACTS:
                errors.append(ConditionError(
                    f"unknown fact '{sub.fact}' (facts are "
                    f"{', '.join(sorted(SINGLETONS | LIST_FACTS | {'derived', 'table'}))})",
                    sub.col))
            elif sub.attr not in vocabulary.attributes(sub.fact):
                errors.append(ConditionError(
                    f"unknown attribute '{sub.attr}' of '{sub.fact}' (see "
                    f"imr_rules.vocabulary for the attributes of {sub.fact})", sub.col))
        elif isinstance(sub, TableRef):
            info = tables.get(sub.name)
            if info is None:
                errors.append(ConditionError(
                    f"unknown table 'table.{sub.name}' (declare it under tables: in pack.yaml)",
                    sub.col))
            elif sub.key is not None:
                if info.keys is None:
                    errors.append(ConditionError(
                        f"table '{sub.name}' is a list of values; it has no keys to look up",
                        sub.col))
                elif isinstance(sub.key, Lit) and str(sub.key.value) not in info.keys:
                    errors.append(ConditionError(
                        f"table '{sub.name}' has no key {sub.key.value!r}", sub.key.col))
        elif isinstance(sub, Compare):
            errors.extend(_check_closed(sub, tables))
    return errors


def _closed_values(expr: Expr) -> tuple[Path, list[str]] | None:
    if isinstance(expr, Path) and expr.fact != "derived":
        spec = _spec(expr)
        if spec is not None and spec.values is not None:
            return expr, spec.values
    return None


def _check_closed(cmp: Compare, tables: Mapping[str, TableInfo]) -> list[ConditionError]:
    errors: list[ConditionError] = []
    for attr_side, other in ((cmp.left, cmp.right), (cmp.right, cmp.left)):
        closed = _closed_values(attr_side)
        if closed is None:
            continue
        path, allowed = closed
        candidates: list[tuple[Any, int]] = []
        if isinstance(other, Lit) and isinstance(other.value, str):
            candidates.append((other.value, other.col))
        elif isinstance(other, ListLit):
            candidates.extend((v, other.col) for v in other.items if isinstance(v, str))
        for value, col in candidates:
            if value not in allowed:
                errors.append(ConditionError(
                    f"{value!r} is not a value of {path.dotted()} (one of: "
                    f"{', '.join(allowed)})", col))
    return errors


def walk(node: Cond | Expr | None) -> Iterator[Cond | Expr]:
    """Every node of a condition or value, the node itself first."""
    if node is None:
        return
    yield node
    if isinstance(node, (And, Or)):
        for item in node.items:
            yield from walk(item)
    elif isinstance(node, Not):
        yield from walk(node.item)
    elif isinstance(node, Quant):
        yield from walk(node.cond)
    elif isinstance(node, (Compare, Arith)):
        yield from walk(node.left)
        yield from walk(node.right)
    elif isinstance(node, (Known, Truthy)):
        yield from walk(node.expr)
    elif isinstance(node, TableRef) and node.key is not None:
        yield from walk(node.key)


def paths(node: Cond | Expr | None) -> list[Path]:
    """The fact paths a condition names (singletons, derived and list attributes), in order."""
    return [n for n in walk(node) if isinstance(n, Path)]


def list_facts(node: Cond | Expr | None) -> set[str]:
    """The list facts a condition quantifies over."""
    return {n.fact for n in walk(node) if isinstance(n, Quant)}


# ------------------------------------------------------------------------------- evaluation

Env = Mapping[str, Any]
"""An evaluation environment: singleton name -> dict of attributes, list fact -> list of
dicts, 'derived' -> dict, 'table' -> {name: rows dict or values list}."""


def to_value(value: Any) -> Any:
    """The form a fact value takes in conditions: dates as ordinal day numbers."""
    if isinstance(value, date):
        return value.toordinal()
    return value


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def eval_expr(expr: Expr, env: Env, local: Mapping[str, Any] | None = None) -> Any:
    """The value of an expression; None when unknown."""
    if isinstance(expr, Lit):
        return expr.value
    if isinstance(expr, ListLit):
        return list(expr.items)
    if isinstance(expr, Path):
        if expr.local:
            return to_value((local or {}).get(expr.attr))
        return to_value((env.get(expr.fact) or {}).get(expr.attr))
    if isinstance(expr, TableRef):
        table = env.get("table", {}).get(expr.name)
        if expr.key is None:
            return list(table) if isinstance(table, dict) else table
        key = eval_expr(expr.key, env, local)
        if key is None or not isinstance(table, dict):
            return None
        return table.get(str(key))
    if isinstance(expr, Arith):
        left = eval_expr(expr.left, env, local)
        right = eval_expr(expr.right, env, local)
        if not (_num(left) and _num(right)):
            return None
        if expr.op == "+":
            return left + right
        if expr.op == "-":
            return left - right
        if expr.op == "*":
            return left * right
        return None if right == 0 else left / right
    raise TypeError(f"not a value: {expr!r}")


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def date_ordinal(text: str) -> int | None:
    """The ordinal of an ISO date literal ("2009-07-18"), None when `text` is not one."""
    if not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text).toordinal()
    except ValueError:
        return None


def _date_literal(value: Any, other: Any) -> Any:
    # dates travel as ordinals; a date literal compared with one becomes an ordinal too
    if isinstance(value, str) and _num(other):
        ordinal = date_ordinal(value)
        return value if ordinal is None else ordinal
    return value


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in ("contains", "notcontains", "intersects", "notintersects"):
        if not isinstance(left, list):
            return False
        if op == "contains":
            return right is not None and right in left
        if op == "notcontains":
            return right is not None and right not in left
        rights = right if isinstance(right, list) else []
        hit = any(r in left for r in rights)
        return hit if op == "intersects" else not hit
    if left is None or right is None:
        return False
    left, right = _date_literal(left, right), _date_literal(right, left)
    if op in ("in", "notin"):
        if not isinstance(right, list):
            return False
        return (left in right) == (op == "in")
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    comparable = (_num(left) and _num(right)) or (isinstance(left, str) and isinstance(right, str))
    if not comparable:
        return False
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def evaluate(cond: Cond, env: Env, local: Mapping[str, Any] | None = None) -> bool:
    """Whether a condition holds in `env` (three-valued comparisons collapse to false)."""
    if isinstance(cond, Lit):
        return cond.value is True
    if isinstance(cond, And):
        return all(evaluate(c, env, local) for c in cond.items)
    if isinstance(cond, Or):
        return any(evaluate(c, env, local) for c in cond.items)
    if isinstance(cond, Not):
        return not evaluate(cond.item, env, local)
    if isinstance(cond, Truthy):
        return eval_expr(cond.expr, env, local) is True
    if isinstance(cond, Known):
        value = eval_expr(cond.expr, env, local)
        return (value is None) if cond.negated else (value is not None)
    if isinstance(cond, Compare):
        return _compare(cond.op, eval_expr(cond.left, env, local),
                        eval_expr(cond.right, env, local))
    if isinstance(cond, Quant):
        rows = env.get(cond.fact) or []
        test: Callable[[Mapping[str, Any]], bool] = (
            (lambda row: True) if cond.cond is None
            else (lambda row: evaluate(cond.cond, env, row)))  # type: ignore[arg-type]
        if cond.kind == "any":
            return any(test(r) for r in rows)
        if cond.kind == "none":
            return not any(test(r) for r in rows)
        return all(test(r) for r in rows)
    raise TypeError(f"not a condition: {cond!r}")
