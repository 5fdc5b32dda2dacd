"""Profile terms: one value of a runtime profile, a literal or an expression over the config.

A term is a literal (a number, a boolean, null, or a string written ``{literal: "40k"}``), an
expression (a string: ``hps.data.filter_length // 2 + 1``), or the first of several terms that
resolves (``{first: ["hps.data.sample_rate", "hps.data.sampling_rate"]}``: a config key that
was renamed).

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
    """One value in a profile: a literal, an expression, or the first of ``first`` that
    resolves; ``key`` says where it is written."""

    key: str
    literal: int | float | bool | str | None = None
    expression: Expression | None = None
    first: tuple[Term, ...] = ()

    def value(self, namespace: Mapping[str, Any]) -> Any:
        if self.first:
            return self._first_value(namespace)
        if self.expression is None:
            return self.literal
        try:
            return evaluate(self.expression, namespace)
        except ExpressionError as error:
            raise ExpressionError(f"{self.key}: {error}") from None

    def _first_value(self, namespace: Mapping[str, Any]) -> Any:
        reasons: list[str] = []
        for term in self.first:
            try:
                return term.value(namespace)
            except ExpressionError as error:
                reasons.append(str(error).removeprefix(f"{term.key}: "))
        raise ExpressionError(f"{self.key}: none resolves: {'; '.join(reasons)}")

    @property
    def expressions(self) -> tuple[Expression, ...]:
        """Every expression the term may evaluate (those of ``first`` included)."""
        if self.first:
            return tuple(e for term in self.first for e in term.expressions)
        return () if self.expression is None else (self.expression,)

    def to_json(self) -> dict[str, Any]:
        if self.first:
            return {"key": self.key, "first": [term.to_json() for term in self.first]}
        if self.expression is None:
            return {"key": self.key, "literal": self.literal}
        return {"key": self.key, "expression": self.expression.source}


def term_from_json(data: Mapping[str, Any]) -> Term:
    """The inverse of :meth:`Term.to_json` (the worker receives terms as JSON)."""
    if "first" in data:
        return Term(key=data["key"], first=tuple(term_from_json(t) for t in data["first"]))
    if "expression" in data:
        return Term(key=data["key"], expression=parse_expression(data["expression"]))
    return Term(key=data["key"], literal=data.get("literal"))
