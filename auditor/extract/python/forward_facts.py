"""Facts of what a model class's ``forward`` feeds its layers (``forward-input``).

- ``Generator.forward.cat[0]``: the operands of the method's first concatenation, in order
  (``("mel", "x")``).
- ``TextEncoder.forward.self.encoder.keywords``: the keywords the method passes to its
  submodule ``encoder`` (``("g",)``), for attributes ``__init__`` builds as submodules.

Read from :mod:`.forward_inputs` (stage 1), for classes that are ``nn.Module`` models.
"""

from __future__ import annotations

from auditor.domain import Fact
from auditor.extract.python.forward_inputs import FORWARD
from auditor.extract.python.kinds import FORWARD_INPUT, PYTHON_FACT_KINDS
from auditor.extract.python.signatures import reaches_module
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.values import ClassRef


def forward_facts(snapshot: PythonSnapshot, path: str) -> list[Fact]:
    """The concatenation orders and submodule keywords of PATH's model classes' ``forward``."""
    summary = snapshot.summary(path)
    submodules = {cls.name: {sub.attr for sub in cls.submodules} for cls in summary.classes}
    kind = PYTHON_FACT_KINDS[FORWARD_INPUT]
    models: dict[str, bool] = {}
    facts: list[Fact] = []
    for site in summary.forward_sites:
        if site.cls not in submodules:
            continue
        if site.cls not in models:
            models[site.cls] = reaches_module(snapshot, ClassRef(path, site.cls))
        if not models[site.cls]:
            continue
        if site.kind == "cat":
            key, parameter = f"{site.cls}.{FORWARD}.cat[{site.label}]", "cat"
        elif site.label in submodules[site.cls]:
            key, parameter = f"{site.cls}.{FORWARD}.self.{site.label}.keywords", site.label
        else:
            continue
        facts.append(Fact(kind, key, parameter, site.values, site.line))
    return facts


__all__ = ["forward_facts"]
