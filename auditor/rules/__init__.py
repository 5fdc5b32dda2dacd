"""The rule catalogue: every rule, found by walking this package.

Adding a rule is adding a module with a ``RULES`` tuple, or an entry in a ``*.yaml`` data file.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from auditor.rules.base import Rule
from auditor.rules.catalogue import load_catalogue_rules


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, sorted by id (the classifier tries them in ``precedence`` order)."""
    found: list[Rule] = list(load_catalogue_rules())
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        found.extend(getattr(module, "RULES", ()))
    ids = [rule.id for rule in found]
    duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
    if duplicates:
        raise RuntimeError(f"duplicate rule ids: {', '.join(duplicates)}")
    return tuple(sorted(found, key=lambda rule: rule.id))


def rule_by_id(rule_id: str) -> Rule | None:
    """The rule with this id (any case) or slug (``tensor-shape-parameter``), if any."""
    wanted = rule_id.strip()
    return next(
        (rule for rule in all_rules() if wanted.upper() == rule.id or wanted.lower() == rule.slug),
        None,
    )
