"""Facts of configs that scripts write: ``cfg["model"]["ssl_dim"] = 1024``.

A preprocessing script often loads a committed template, writes dimensions into it (under a
command-line option, or from the dataset) and dumps the config that training reads. The
committed template is then not what users train with; the script is. Each write is a config
fact of the script, keyed by its dotted keys and qualified by the ``if`` tests around it
(``model.ssl_dim [speech_encoder=whisper-ppg]``), so a value changed inside an existing branch
compares with that branch's old value. A value that depends on the dataset reads as its
expression (``<expr:len(spk_dict)>``).
"""

from __future__ import annotations

from auditor.domain import Fact, FactKind, FactValue
from auditor.extract.python.describe import NotAFactValue, as_fact_value, expression_text
from auditor.extract.python.evaluate import evaluate
from auditor.extract.python.expressions import Attr, Compare, Expr, Lit, Name, Seq
from auditor.extract.python.scopes import ModuleScope
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.summary import Condition, ConfigWrite
from auditor.extract.python.unparse import unparse
from auditor.extract.python.values import Unresolved


def config_write_facts(snapshot: PythonSnapshot, path: str) -> list[Fact]:
    """One config fact per key and branch a script writes (the last write wins)."""
    facts: dict[str, Fact] = {}
    for write in snapshot.summary(path).config_writes:
        key = ".".join(write.keys) + _qualifier(write.conditions)
        facts[key] = Fact(
            FactKind.CONFIG, key, write.keys[-1], _value(snapshot, path, write), write.line
        )
    return [facts[key] for key in sorted(facts)]


def _value(snapshot: PythonSnapshot, path: str, write: ConfigWrite) -> FactValue:
    """The written value when it resolves from module values, else its expression."""
    scope = ModuleScope(snapshot, path)
    try:
        return as_fact_value(evaluate(write.value, scope))
    except (Unresolved, RecursionError, NotAFactValue):
        return expression_text(write.value, scope)


def _qualifier(conditions: tuple[Condition, ...]) -> str:
    """`` [speech_encoder=whisper-ppg]``: the tests a write sits under (``not …`` in an
    ``else``; the tests of earlier ``elif`` branches are left out once one holds)."""
    tests = [c for c in conditions if not _is_main_guard(c.test)]
    held = [c for c in tests if c.holds]
    shown = held or tests
    if not shown:
        return ""
    words = [_test(c.test) if c.holds else f"not {_test(c.test)}" for c in shown]
    return f" [{', '.join(words)}]"


def _test(test: Expr) -> str:
    if isinstance(test, Compare) and len(test.comparisons) == 1:
        op, right = test.comparisons[0]
        leaf = _leaf(test.left)
        if leaf is not None and op == "==" and isinstance(right, Lit):
            return f"{leaf}={right.value}"
        if leaf is not None and op == "in" and isinstance(right, Seq):
            options = [str(item.value) for item in right.items if isinstance(item, Lit)]
            if len(options) == len(right.items):
                return f"{leaf} in {'|'.join(options)}"
    return unparse(test)


def _leaf(expr: Expr) -> str | None:
    if isinstance(expr, Name):
        return expr.id
    if isinstance(expr, Attr):
        return expr.attr
    return None


def _is_main_guard(test: Expr) -> bool:
    return "__main__" in unparse(test)
