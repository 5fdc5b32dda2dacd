"""Profile terms: one value of a runtime profile, a literal or an expression over the config.

The worker evaluates input shapes with these in the audited project's own Python, which has
torch but none of the auditor's dependencies: this module, like :mod:`auditor.runtime.evaluate`,
imports only the standard library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditor.runtime.evaluate import Expression, ExpressionError, evaluate, parse_expression


@dataclass(frozen=True)
class Term:
    """One value in a profile: a literal, or an expression; ``key`` says where it is written."""

    key: str
    literal: int | float | bool | None = None
    expression: Expression | None = None

    def value(self, namespace: Mapping[str, Any]) -> Any:
        if self.expression is None:
            return self.literal
        try:
            return evaluate(self.expression, namespace)
        except ExpressionError as error:
            raise ExpressionError(f"{self.key}: {error}") from None

    def to_json(self) -> dict[str, Any]:
        if self.expression is None:
            return {"key": self.key, "literal": self.literal}
        return {"key": self.key, "expression": self.expression.source}


def term_from_json(data: Mapping[str, Any]) -> Term:
    """The inverse of :meth:`Term.to_json` (the worker receives terms as JSON)."""
    if "expression" in data:
        return Term(key=data["key"], expression=parse_expression(data["expression"]))
    return Term(key=data["key"], literal=data.get("literal"))
