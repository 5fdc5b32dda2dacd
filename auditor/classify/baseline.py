"""Baselines: an earlier JSON report whose findings are known, so only new ones are reported.

Findings are matched by ``id``, the stable fingerprint of a change in a commit.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from auditor.domain import Report
from auditor.errors import AuditError


def load_baseline(path: Path) -> frozenset[str]:
    """The finding ids of the JSON report at PATH (``--baseline``).

    Raises :class:`AuditError` naming the file when it cannot be read or is not a report.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise AuditError(f"cannot read baseline {path}: {error}") from None
    except json.JSONDecodeError as error:
        raise AuditError(f"baseline {path} is not valid JSON: {error}") from None
    findings = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(findings, list):
        raise AuditError(f"baseline {path} is not a model-audit JSON report (no 'findings' list)")
    ids = []
    for index, finding in enumerate(findings):
        found = finding.get("id") if isinstance(finding, dict) else None
        if not isinstance(found, str):
            raise AuditError(f"baseline {path}: finding {index + 1} has no 'id'")
        ids.append(found)
    return frozenset(ids)


def apply_baseline(report: Report, known: frozenset[str]) -> Report:
    """The report without the findings whose id the baseline already holds."""
    return replace(report, findings=tuple(f for f in report.findings if f.id not in known))
