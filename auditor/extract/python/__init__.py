"""Facts from Python model code, in two stages.

Stage 1, per blob and cacheable: :func:`summarise_module` turns the bytes of one file into a
:class:`ModuleSummary` (JSON round-trip: ``to_json`` / ``from_json``; the cache key must
include :data:`EXTRACTOR_VERSION` and the :attr:`Components.digest` of the known components
it was given). :func:`may_hold_facts` is a cheap pre-check.

Stage 2, per snapshot and pure: :func:`resolve_python_facts` resolves the facts of one file
against the summaries of every Python file of the snapshot (imports, constants, symbol tables
and class signatures across modules). The analysed code is never executed.
"""

from auditor.extract.python.components import Components, KnownComponent, builtin_components
from auditor.extract.python.kinds import PYTHON_FACT_KINDS, PYTHON_KIND_NAMES
from auditor.extract.python.parse import PythonParseError, may_hold_facts, summarise_module
from auditor.extract.python.reach import Reach, model_reach, root_names
from auditor.extract.python.resolve import SnapshotFacts, needs_measured, resolve_python_facts
from auditor.extract.python.summary import EXTRACTOR_VERSION, ModuleSummary
from auditor.extract.python.usage import measured_origins

__all__ = [
    "EXTRACTOR_VERSION",
    "PYTHON_FACT_KINDS",
    "PYTHON_KIND_NAMES",
    "Components",
    "KnownComponent",
    "ModuleSummary",
    "PythonParseError",
    "Reach",
    "SnapshotFacts",
    "builtin_components",
    "may_hold_facts",
    "measured_origins",
    "model_reach",
    "needs_measured",
    "resolve_python_facts",
    "root_names",
    "summarise_module",
]
