"""Step outputs for GitHub Actions: ``name=value`` lines appended to the ``GITHUB_OUTPUT`` file.

A value with a line break is written in the heredoc form ``name<<DELIMITER`` … ``DELIMITER``
with a random delimiter that the value does not contain, so no value can end early or set
another output.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from auditor.domain import Report
from auditor.errors import AuditError
from auditor.render.markdown import severity_counts

OUTPUT_VARIABLE = "GITHUB_OUTPUT"


def step_outputs(report: Report, report_path: str, sarif_path: str | None) -> dict[str, str]:
    """The action's outputs for REPORT: ``findings`` and its count per severity (``critical``
    … ``info``, in that order), ``max-severity``, ``report``, ``sarif``. The counts are the
    job summary's: a change repeated in mirror files counts once."""
    counts = severity_counts(report)
    worst = report.max_severity()
    return {
        "findings": str(sum(counts.values())),
        **{severity.value: str(count) for severity, count in counts.items()},
        "max-severity": worst.value if worst else "none",
        "report": report_path,
        "sarif": sarif_path or "",
    }


def format_outputs(values: Mapping[str, str], delimiter: str | None = None) -> str:
    """The lines that set VALUES; DELIMITER (random by default) for multiline values."""
    lines: list[str] = []
    for name, value in values.items():
        if "\n" not in value and "\r" not in value:
            lines.append(f"{name}={value}\n")
            continue
        marker = delimiter or f"ghadelimiter_{secrets.token_hex(16)}"
        if marker in value:
            raise ValueError(f"the value of output {name} contains its delimiter")
        lines.append(f"{name}<<{marker}\n{value}\n{marker}\n")
    return "".join(lines)


def write_outputs(values: Mapping[str, str], environ: Mapping[str, str]) -> bool:
    """Append VALUES to the file ``GITHUB_OUTPUT`` names; False when that is not set."""
    path = environ.get(OUTPUT_VARIABLE)
    if not path:
        return False
    try:
        with open(path, "a", encoding="utf-8") as file:
            file.write(format_outputs(values))
    except OSError as error:
        raise AuditError(f"cannot write the step outputs to {path}: {error.strerror}") from None
    return True
