"""What runtime confirmation said of a finding, as the renderers show it.

``scan --confirm`` gives a finding ``runtime`` (``confirmed``, ``refuted`` or ``not-checked``)
and ``runtime_evidence`` (keys and shapes, or the output difference). Reports without runtime
confirmation show nothing of it: every helper here is empty for them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from auditor.domain import Category, ChangeKind, Finding

#: The verdicts in the order counts list them.
VERDICTS = ("confirmed", "refuted", "not-checked")
#: How many characters of evidence a table cell shows.
SHORT = 90


def found_at_runtime(finding: Finding) -> bool:
    """Whether FINDING is one runtime confirmation made with no values to show (``MA601``: a
    model whose output differs); renderers say "differs at runtime" for its change."""
    return (
        finding.category is Category.RUNTIME
        and finding.change is ChangeKind.MODIFIED
        and finding.old is None
        and finding.new is None
    )


def judged(findings: Sequence[Finding]) -> bool:
    """Whether any of FINDINGS has a runtime verdict (the renderers then show a column)."""
    return any(finding.runtime is not None for finding in findings)


def evidence(finding: Finding) -> str | None:
    """FINDING's runtime evidence, unless it only repeats its message (a finding the runtime
    itself made, such as ``MA601``)."""
    text = finding.runtime_evidence
    if not text or text == finding.message:
        return None
    return text


def short_evidence(finding: Finding, limit: int = SHORT) -> str | None:
    """The first item of FINDING's evidence (items are ``; ``-separated, and end with `` …``
    when some were left out), cut at a word within LIMIT characters; ``(+N more)`` when more
    items follow."""
    text = finding.runtime_evidence
    if not text:
        return None
    cut = text.endswith(" …")
    items = text.removesuffix(" …").split("; ")
    first = items[0]
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0] + " …"
    if len(items) > 1:
        first += f" (+{len(items) - 1} more{' …' if cut else ''})"
    return first


def runtime_counts(findings: Sequence[Finding]) -> str | None:
    """``2 confirmed, 1 refuted, 0 not-checked``; None when no finding was judged."""
    if not judged(findings):
        return None
    found = Counter(finding.runtime for finding in findings if finding.runtime is not None)
    return ", ".join(f"{found[verdict]} {verdict}" for verdict in VERDICTS)
