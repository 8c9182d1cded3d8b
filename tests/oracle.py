"""An independent evaluator of the condition language, written from docs/pack-format.md.

It shares only the parser (`imr_rules.conditions.parse`, tested on its own) with the product;
evaluation, three-valued comparisons, quantifiers and table look-ups are re-implemented here so
that the durable_rules engine can be checked against it. It must not import the engine or
`imr_rules.conditions.evaluate`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from imr_rules.conditions import (
    And,
    Arith,
    Compare,
    Known,
    ListLit,
    Lit,
    Not,
    Or,
    Path,
    Quant,
    TableRef,
    Truthy,
    parse,
)


class Oracle:
    """facts: {'request': {...}, 'case': {...}, 'doc': {...}, 'derived': {...},
    'medication': [{...}], ...}; tables: {name: dict | list}."""

    def __init__(self, facts: dict[str, Any], tables: dict[str, Any] | None = None) -> None:
        self.facts = facts
        self.tables = tables or {}

    def holds(self, text: str) -> bool:
        return self._cond(parse(text), None)

    # values --------------------------------------------------------------------------------
    def _val(self, node: Any, row: dict[str, Any] | None) -> Any:
        if isinstance(node, Lit):
            return node.value
        if isinstance(node, ListLit):
            return list(node.items)
        if isinstance(node, Path):
            source = row if node.local else self.facts.get(node.fact, {})
            value = (source or {}).get(node.attr)
            return value.toordinal() if isinstance(value, date) else value
        if isinstance(node, TableRef):
            table = self.tables[node.name]
            if node.key is None:
                return list(table.keys()) if isinstance(table, dict) else list(table)
            key = self._val(node.key, row)
            return None if key is None else table.get(str(key))
        if isinstance(node, Arith):
            a, b = self._val(node.left, row), self._val(node.right, row)
            if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b)):
                return None
            if node.op == "/":
                return None if b == 0 else a / b
            return {"+": a + b, "-": a - b, "*": a * b}[node.op]
        raise TypeError(node)

    # conditions ----------------------------------------------------------------------------
    def _cond(self, node: Any, row: dict[str, Any] | None) -> bool:
        if isinstance(node, Lit):
            return node.value is True
        if isinstance(node, And):
            return all(self._cond(n, row) for n in node.items)
        if isinstance(node, Or):
            return any(self._cond(n, row) for n in node.items)
        if isinstance(node, Not):
            return not self._cond(node.item, row)
        if isinstance(node, Truthy):
            return self._val(node.expr, row) is True
        if isinstance(node, Known):
            known = self._val(node.expr, row) is not None
            return not known if node.negated else known
        if isinstance(node, Quant):
            rows = self.facts.get(node.fact, [])
            matches = [node.cond is None or self._cond(node.cond, r) for r in rows]
            if node.kind == "any":
                return any(matches)
            if node.kind == "none":
                return not any(matches)
            return all(matches)
        if isinstance(node, Compare):
            return self._compare(node.op, self._val(node.left, row), self._val(node.right, row))
        raise TypeError(node)

    @staticmethod
    def _compare(op: str, a: Any, b: Any) -> bool:
        negate = op.startswith("not") and op != "notin"
        if negate:
            return not Oracle._compare(op[3:], a, b)
        if op == "contains":
            if isinstance(a, list):
                return b is not None and b in a
            return False
        if op == "intersects":
            if isinstance(a, list) and isinstance(b, list):
                return bool(set(map(str, a)) & set(map(str, b))) and any(x in a for x in b)
            return False
        if a is None or b is None:
            return False
        if op == "in":
            return isinstance(b, list) and a in b
        if op == "notin":
            return isinstance(b, list) and a not in b
        if op == "==":
            return a == b
        if op == "!=":
            return a != b
        numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b))
        strings = isinstance(a, str) and isinstance(b, str)
        if not (numbers or strings):
            return False
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
