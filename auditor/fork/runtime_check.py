"""``--confirm``: decide verdicts by building the models at both tips and loading across.

Runtime confirmation (:func:`auditor.runtime.confirm.confirm`) runs once each way on the
workspace, which reads both object databases. A model the map links to a profile model
(``runtime:`` in ``models.yaml``) then takes its verdict from what loading did; a model the
profile could not build keeps its static verdict, with a warning saying why.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from auditor.classify.concerns import ModelMap
from auditor.classify.effects import Loads
from auditor.domain import AuditWarning
from auditor.fork.report import RuntimeCheck, Verdict

if TYPE_CHECKING:
    from auditor.runtime.results import ModelResult

#: Outcomes of :class:`auditor.runtime.results.Outcome` and the verdict each one decides; any
#: other outcome (the model could not be built or run) leaves the static verdict.
OUTCOME_LOADS = {
    "loads": Loads.YES,
    "loads-with-missing-keys": Loads.NON_STRICT,
    "loads-output-differs": Loads.NO,
    "fails-to-load": Loads.NO,
    "inference-failed": Loads.NO,
}


def _check(result: ModelResult) -> RuntimeCheck:
    return RuntimeCheck(
        outcome=result.outcome.value,
        missing_keys=tuple(result.missing_keys),
        unexpected_keys=tuple(result.unexpected_keys),
        mismatched_keys=tuple(m.key for m in result.mismatches),
        error=result.error,
    )


def confirm_verdicts(
    workspace: Path,
    upstream_sha: str,
    fork_sha: str,
    verdicts: tuple[Verdict, ...],
    model_map: ModelMap,
    profile_name: str | None,
    device: str = "auto",
    timeout: float | None = None,
    python: str | None = None,
) -> tuple[tuple[Verdict, ...], tuple[AuditWarning, ...]]:
    """VERDICTS, each decided at runtime where the profile builds its model; warnings.

    PROFILE_NAME None: the fork's own profile, else the shipped one its layout matches."""
    from auditor.runtime.confirm import confirm
    from auditor.runtime.detect import pick_profile

    profile = pick_profile(workspace, fork_sha, profile_name)
    built = {spec.name for spec in profile.models}
    wanted = {v.model: model_map.runtime[v.model] for v in verdicts if v.model in model_map.runtime}
    wanted = {model: name for model, name in wanted.items() if name in built}
    if not wanted:
        return verdicts, (
            AuditWarning(
                message=f"--confirm: profile {profile.name!r} builds none of the models "
                "with a verdict; the verdicts are static"
            ),
        )
    forward = confirm(
        workspace, upstream_sha, fork_sha, profile, device, timeout=timeout, python=python
    )
    backward = confirm(
        workspace, fork_sha, upstream_sha, profile, device, timeout=timeout, python=python
    )
    warnings = [
        AuditWarning(message=f"--confirm: {w}") for w in (*forward.warnings, *backward.warnings)
    ]
    results = {
        name: (into_fork, into_upstream)
        for into_fork in forward.models
        for into_upstream in backward.models
        if (name := into_fork.name) == into_upstream.name
    }
    decided: list[Verdict] = []
    for verdict in verdicts:
        pair = results.get(wanted.get(verdict.model, ""))
        if pair is None:
            decided.append(verdict)
            continue
        loads = [OUTCOME_LOADS.get(result.outcome.value) for result in pair]
        if loads[0] is None or loads[1] is None:
            failed = next(r for r, way in zip(pair, loads, strict=True) if way is None)
            warnings.append(
                AuditWarning(
                    message=f"--confirm: {verdict.model}: {failed.outcome.value}"
                    f"{f' ({failed.side})' if failed.side else ''}: {failed.error}; "
                    "the static verdict stands"
                )
            )
            decided.append(verdict)
            continue
        decided.append(
            replace(
                verdict,
                upstream_into_fork=loads[0],
                fork_into_upstream=loads[1],
                decided_by="runtime",
                runtime=(_check(pair[0]), _check(pair[1])),
            )
        )
    return tuple(decided), tuple(warnings)
