"""Whether a finding is about code a model builds, at one tip or the other.

A model's checkpoints hold the weights of what its top classes build. A class of the same
files that nothing builds (a backbone kept for another project), or a submodule that every
construction of its class leaves out (``if context_dim is not None:`` where no caller passes
one), is not in them: a difference there does not change whether checkpoints load. The
walk itself is :func:`auditor.extract.python.model_reach`; this module reads a finding's key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from auditor.domain import Finding
from auditor.extract.python import Reach

#: ``SynthesizerTrn.__init__[version=v2Pro].self.sv_emb.in_features``: the class, whether the
#: key belongs to a version variant, and the first attribute under ``self.``.
_CLASS_KEY = re.compile(
    r"(?P<cls>[A-Za-z_]\w*)\.__init__(?P<variant>\[[^\]]*\])?(?:\.self\.(?P<attr>[A-Za-z_]\w*))?"
)


def class_site(file: str, key: str) -> tuple[str, str | None] | None:
    """The class a Python fact's key is about and its submodule attribute (None for the class
    as a whole: its defaults, or a version variant); None for a key of no class."""
    if not file.endswith(".py"):
        return None
    found = _CLASS_KEY.match(key)
    if found is None:
        return None
    attr = None if found["variant"] else found["attr"]
    return found["cls"], attr


def built(finding: Finding, reaches: Sequence[Reach]) -> bool:
    """Whether some tip's model builds what FINDING is about (REACHES: one per tip).

    True for a finding about no class, and when no tip can say (no root there, a class
    defined at neither tip).
    """
    return built_at(finding.file, finding.key, reaches)


def built_at(file: str, key: str, reaches: Sequence[Reach]) -> bool:
    """Whether some tip's model builds what the fact KEY of FILE is about (see :func:`built`)."""
    site = class_site(file, key)
    if site is None:
        return True
    answers = [reach.builds(file, *site) for reach in reaches]
    return True in answers or all(answer is None for answer in answers)


def site_name(file: str, key: str) -> str:
    """``Attention.to_k_c`` or ``MMDiTBlock``: how a left-out difference is named."""
    site = class_site(file, key)
    if site is None:
        return key
    cls, attr = site
    return f"{cls}.{attr}" if attr else cls
