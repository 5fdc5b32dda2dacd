"""The changelog as Keep-a-Changelog Markdown: one ``## [version] - date`` section per release.

Each section opens with a compatibility verdict, then lists entries under ``### Critical``,
``### High``, ``### Medium`` and ``### Low`` (``### Info`` only when asked). Link
references to compare views close the text when the repository's forge is known. The text
has no ``# Changelog`` title, so it can sit between the markers of an existing file.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from auditor import wording
from auditor.changelog.contents import (
    Changelog,
    Entry,
    Forge,
    ModelVerdict,
    Release,
    Scope,
    Section,
)
from auditor.changelog.entries import verdict
from auditor.changelog.matrix import Cell, Matrix, build_matrix
from auditor.changelog.moves import Move, fold_moves
from auditor.classify.effects import Effect, Loads
from auditor.domain import ChangeKind, Commit, FactValue, Severity
from auditor.wording import value_text

if TYPE_CHECKING:  # runtime confirmation is imported only where it runs
    from auditor.changelog.confirmed import ConfirmedMatrix

_SPECIAL = re.compile(r"([\\`*\[\]<>|])|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
NO_CHANGES = "No changes that affect checkpoints."


def escape(text: str) -> str:
    """Text with Markdown's active characters escaped (letters of any script are kept)."""
    return _SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def code(text: str) -> str:
    """An inline code span that survives backticks in ``text``."""
    if "`" not in text:
        return f"`{text}`"
    return f"`` {text} ``"


def _value(value: FactValue) -> str:
    return code(value_text(value))


#: A file-level entry listing more files than this names their folder and count instead.
FILES_LISTED = 5


def what_changed(entry: Entry) -> str:
    """``model.gin_channels``: ``512`` → ``1024`` in ``configs/s2.json:23``; a long list of
    files added or removed is counted (``55 files removed under tools/uvr5/``)."""
    files = [location.file for location in entry.locations]
    if entry.change in (ChangeKind.FILE_ADDED, ChangeKind.FILE_REMOVED):
        if len(files) > FILES_LISTED:
            return files_counted(
                files, "added" if entry.change is ChangeKind.FILE_ADDED else "removed"
            )
        return wording.what_changed(
            entry.change, entry.key, entry.old, entry.new, files=files, span=code
        )
    what = wording.what_changed(
        entry.change, entry.key, entry.old, entry.new, files=files, span=code
    )
    where = " and ".join(code(str(location)) for location in entry.locations)
    return f"{what} in {where}"


def files_counted(files: Sequence[str], verb: str) -> str:
    """``55 files removed under `tools/uvr5/` ``, or in several folders, the first named."""
    folder = posixpath.commonpath(files) if files else ""
    if folder in files:  # one file's own path is no folder
        folder = posixpath.dirname(folder)
    if folder:
        return f"{len(files)} files {verb} under {code(folder + '/')}"
    folders = sorted({posixpath.dirname(f) or "." for f in files})
    shown = wording.listed([code(f + "/") for f in folders[:3]])
    more = f" and {len(folders) - 3} more" if len(folders) > 3 else ""
    return f"{len(files)} files {verb} in {shown}{more}"


def _commit(commit: Commit, forge: Forge | None) -> str:
    sha = code(commit.short_sha)
    link = f"[{sha}]({forge.commit_url(commit.sha)})" if forge else sha
    return f"{link} {escape(commit.subject)}".rstrip()


def _commits(entry: Entry, forge: Forge | None) -> str:
    return "; ".join(_commit(commit, forge) for commit in entry.commits)


def _entry(entry: Entry, forge: Forge | None) -> list[str]:
    lines = [f"- {what_changed(entry)}"]
    if entry.aside:
        lines.append(f"  - Set aside: {escape(entry.aside)}")
    return [
        *lines,
        f"  - Why: {escape(entry.reason)}",
        f"  - What to do: {escape(entry.hint)}",
        f"  - {'Commit' if len(entry.commits) == 1 else 'Commits'}: {_commits(entry, forge)}",
    ]


def entry_block(entries: Sequence[Entry], forge: Forge | None) -> list[str]:
    """ENTRIES in order; those sharing a reason and a hint say it once, above their list."""
    clusters: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries:
        clusters.setdefault((entry.reason, entry.hint), []).append(entry)
    lines: list[str] = []
    for (reason, hint), members in clusters.items():
        if len(members) == 1:
            lines += _entry(members[0], forge)
            continue
        lines += [
            f"- {len(members)} changes. Why: {escape(reason)}",
            f"  What to do: {escape(hint)}",
        ]
        for item in fold_moves(members):
            if isinstance(item, Move):
                lines.append(f"  - {moved(item)}: {_commits(item.pairs[0][0], forge)}")
            else:
                lines.append(f"  - {what_changed(item)}: {_commits(item, forge)}")
    return lines


def moved(move: Move) -> str:
    """``default.vits_weights_path`` → ``v1.vits_weights_path``, value unchanged; several
    keys of one section: ``default.*`` → ``v1.*``: ``a``, ``b`` moved, values unchanged."""
    removed, added = move.pairs[0]
    where = code(str(added.locations[0])) if added.locations else ""
    if len(move.pairs) == 1:
        what = f"{code(removed.key)} → {code(added.key)}, value unchanged ({_value(added.new)})"
    else:
        names = wording.listed([code(name) for name in move.names])
        what = f"{code(move.old + '.*')} → {code(move.new + '.*')}: {names} moved, values unchanged"
    return f"{what} in {where}" if where else what


def heading(release: Release) -> str:
    if release.version is None:
        return "## [Unreleased]"
    return f"## [{release.version}]" + (f" - {release.day}" if release.day else "")


def verdict_line(section: Section) -> str:
    """``Checkpoints from v1.0 load into v2.0: no — 3 critical changes``."""
    release = section.release
    _, answer = verdict(section)
    return f"Checkpoints from {release.baseline_label} load into {release.target_label}: {answer}"


#: How many of a section's warnings its Markdown lists.
WARNINGS_SHOWN = 5


def incomplete_note(section: Section) -> list[str]:
    """A quoted note under an incomplete section's verdict, listing what was not read."""
    if not section.warnings:
        return []
    count = len(section.warnings)
    lines = [
        f"> **Incomplete audit:** {count} warning{'' if count == 1 else 's'}; the verdict "
        "may miss changes in what could not be read.",
        ">",
    ]
    for warning in section.warnings[:WARNINGS_SHOWN]:
        where = ":".join(p for p in (warning.commit and warning.commit[:7], warning.file) if p)
        lines.append(f"> - {escape((where + ': ' if where else '') + warning.message)}")
    if count > WARNINGS_SHOWN:
        lines.append(f"> - … and {count - WARNINGS_SHOWN} more (`--format json` lists them)")
    return [*lines, ""]


def shown_severities(include_info: bool) -> tuple[Severity, ...]:
    return tuple(s for s in Severity if include_info or s is not Severity.INFO)


def loads_word(verdict: ModelVerdict) -> str:
    """``yes``, ``with strict=False``, ``no``, ``loads, wrong output``, ``new model`` or
    ``new generation``."""
    if verdict.new:
        return "new generation" if verdict.label else "new model"
    if verdict.loads is Loads.YES:
        return "yes"
    if verdict.loads is Loads.NON_STRICT:
        return "with strict=False"
    if verdict.first is not None and verdict.first.effect is Effect.INPUTS:
        return "loads, wrong output"
    return "no"


def model_table(section: Section, forge: Forge | None) -> list[str]:
    """One row per trained model the release ships, then one per checkpoint generation of
    the models that ship several: does it load, and which change decides."""
    if not section.models:
        return []
    lines = ["| Model | Loads | Changes | Deciding change |", "| --- | --- | --- | --- |"]
    for model in with_generations(section):
        counts = ", ".join(f"{n} {severity.value}" for severity, n in model.counts)
        if model.new_variants:
            counts += f"{', ' if counts else ''}new variants ({model.new_variants})"
        deciding = ""
        if model.first is not None:
            first = model.first
            commit = _commit_link(first.commits[0], forge) if first.commits else ""
            deciding = f"{what_changed(first)} ({commit})"
        cells = (escape(model.name), loads_word(model), counts or "none", deciding)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return [*lines, ""]


def with_generations(section: Section) -> tuple[ModelVerdict, ...]:
    """SECTION's model verdicts, each followed by those of the model's generations."""
    found: list[ModelVerdict] = []
    for model in section.models:
        found.append(model)
        found += [g for g in section.generations if g.model == model.model]
    return tuple(found)


def _commit_link(commit: Commit, forge: Forge | None) -> str:
    sha = code(commit.short_sha)
    return f"[{sha}]({forge.commit_url(commit.sha)})" if forge else sha


def _by_severity(entries: Sequence[Entry], forge: Forge | None, level: str) -> list[str]:
    lines: list[str] = []
    for severity in Severity:
        chosen = [e for e in entries if e.severity is severity]
        if chosen:
            lines += [f"{level} {severity.value.capitalize()}", "", *entry_block(chosen, forge), ""]
    return lines


def other_line(entries: Sequence[Entry]) -> str:
    """``12 changes no trained model's checkpoint holds: 8 in `tools/uvr5/`, …``."""
    places: dict[str, int] = {}
    for entry in entries:
        file = entry.locations[0].file if entry.locations else ""
        top = file.split("/", 1)[0] + ("/" if "/" in file else "")
        places[top] = places.get(top, 0) + 1
    ranked = sorted(places.items(), key=lambda item: (-item[1], item[0]))
    shown = [f"{count} in {code(place)}" for place, count in ranked[:4]]
    more = f" and {len(ranked) - 4} more places" if len(ranked) > 4 else ""
    count = len(entries)
    return (
        f"{count} change{'' if count == 1 else 's'} that no trained model's checkpoint holds "
        f"(tools, utilities, classes no model builds): {', '.join(shown)}{more}."
    )


def render_section(section: Section, forge: Forge | None, include_info: bool = False) -> str:
    """One release: heading, verdicts (overall and per model), then its entries: each trained
    model's by severity, inference code, and one line for everything else."""
    lines = [heading(section.release), ""]
    if section.baseline:
        names = ", ".join(v.name for v in with_generations(section))
        shipped = f" It ships: {names}." if names else ""
        lines += [
            escape(
                f"The first release of this history ({section.commit_count} commits): the "
                f"releases after it are compared with its checkpoints.{shipped}"
            ),
            "",
        ]
        return "\n".join(lines)
    lines += [escape(verdict_line(section)), "", *model_table(section, forge)]
    lines += incomplete_note(section)
    shown = shown_severities(include_info)
    entries = [e for e in section.entries if e.severity in shown]
    checkpoint = [e for e in entries if e.scope is Scope.CHECKPOINT]
    rank = {verdict.model: index for index, verdict in enumerate(section.models)}
    groups = sorted(
        dict.fromkeys(e.models for e in checkpoint),
        key=lambda models: min((rank.get(m, len(rank)) for m in models), default=len(rank)),
    )
    for models in groups:
        chosen = [e for e in checkpoint if e.models == models]
        if not models:  # entries no model map placed: by severity alone
            lines += _by_severity(chosen, forge, "###")
            continue
        lines += [f"### {escape(', '.join(models))}", ""]
        lines += _by_severity(chosen, forge, "####")
    inference = [e for e in entries if e.scope is Scope.INFERENCE]
    if inference:
        lines += ["### Inference code", ""]
        lines += _by_severity(inference, forge, "####")
    rest = [e for e in entries if e.scope is Scope.OTHER]
    if rest:
        lines += ["### Everything else", "", other_line(rest), ""]
        if include_info:
            lines += [*entry_block(rest, forge), ""]
    if not checkpoint and not inference and not rest:
        lines += [NO_CHANGES, ""]
    return "\n".join(lines)


def link_target(release: Release, forge: Forge) -> str | None:
    """Where a release's heading links: the compare view with the release before it."""
    if release.version is None:
        return forge.compare_url(release.previous, "HEAD") if release.previous else None
    if release.previous is None:
        return forge.tag_url(release.version)
    return forge.compare_url(release.previous, release.version)


def cell_text(cell: Cell, forge: Forge | None) -> str:
    """``loads``, ``fails (`abc1234`: `model.gin_channels`)``, ``no model``, ``·``; a cell
    confirmed at runtime says so, with what the runtime saw:
    ``fails (runtime: `enc_p.proj.weight [192] -> [256]`; `abc1234`: `model.hidden`)``."""
    if cell.status == "same":
        return "·"
    if cell.status == "earlier":
        return ""
    if cell.status == "absent":
        return "no model"
    word = MATRIX_WORDS[cell.status]
    parts = []
    if cell.confirmed:
        parts.append("runtime" + (f": {code(cell.evidence)}" if cell.evidence else ""))
    if cell.migration:
        parts.append(f"migrate: {code(cell.migration)}")
    entry = cell.entry
    if entry is not None:
        what = (
            code(entry.key)
            if entry.change not in (ChangeKind.FILE_ADDED, ChangeKind.FILE_REMOVED)
            else code(entry.locations[0].file if entry.locations else entry.key)
        )
        commit = _commit_link(entry.commits[0], forge) if entry.commits else ""
        parts.append(f"{commit}: {what}" if commit else what)
    return f"{word} ({'; '.join(parts)})" if parts else word


#: What each matrix status says in a cell.
MATRIX_WORDS = {
    "loads": "loads",
    "strict-false": "loads with strict=False",
    "fails": "fails",
    "migratable": "migratable",
    "output-differs": "output differs",
}


#: How the legend says where the cells come from: the static audit alone, or the runtime.
STATIC_LEGEND = "Static audit: `model-audit runtime A B` confirms a cell by loading the weights."
CONFIRMED_LEGEND = (
    "Cells marked `runtime` were confirmed by building the models at both releases and "
    "loading the older one's weights (profile `{profile}`); the others are the static audit's. "
    "`migratable` fails to load, but `model-audit migrate` converts every tensor of another "
    "shape (what it does follows `migrate:`)."
)


def render_matrix(
    matrix: Matrix, forge: Forge | None, confirmed: ConfirmedMatrix | None = None
) -> str:
    """The compatibility matrix as a Markdown table with a heading and a legend; CONFIRMED,
    when given, replaces it with its cells confirmed at runtime and notes what could not be."""
    if confirmed is not None:
        matrix = confirmed.matrix
    if not matrix.rows:
        return "## Compatibility matrix\n\nNo trained model found in these releases.\n"
    header = ["Checkpoint from", *matrix.releases]
    source = (
        CONFIRMED_LEGEND.format(profile=confirmed.profile)
        if confirmed is not None and confirmed.profile is not None
        else STATIC_LEGEND
    )
    lines = [
        "## Compatibility matrix",
        "",
        "Each row is the checkpoints of a model (of each generation, where a release ships "
        "several) as a release produces them; each column, the release that loads them. "
        "`fails` names the first change that stops them loading, `loads with strict=False` "
        "one that leaves keys missing or unexpected, `output differs` one that changes what "
        f"the model is fed; `·` is the release itself. {source}",
        "",
        "| " + " | ".join(escape(h) for h in header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    for row in matrix.rows:
        if row.cells and row.cells[-1].status == "same":
            continue  # the newest release's own checkpoints: nothing later loads them yet
        cells = [f"{escape(row.name)} @ {escape(row.release)}"]
        said = None
        for cell in row.cells:
            # a change already named to the left is not named again
            repeated = cell.entry is not None and cell.entry is said
            text = cell_text(cell, forge) if not repeated else MATRIX_WORDS[cell.status]
            if repeated and cell.confirmed:
                text += " (runtime)"  # its evidence is in the JSON
            said = cell.entry or said
            cells.append(text.replace("|", "\\|"))
        lines.append("| " + " | ".join(cells) + " |")
    if confirmed is not None and confirmed.notes:
        lines += [
            "",
            "> **Runtime confirmation:** the cells it could not decide keep the static audit's.",
            ">",
            *(f"> - {escape(note)}" for note in confirmed.notes),
        ]
    return "\n".join(lines) + "\n"


def render_markdown(changelog: Changelog, include_info: bool = False) -> str:
    """Every section, newest first, then the link references; ends with one newline."""
    parts = [render_section(s, changelog.forge, include_info) for s in changelog.sections]
    text = "\n".join(parts)
    if changelog.forge is not None:
        links = []
        for section in changelog.sections:
            target = link_target(section.release, changelog.forge)
            if target is not None:
                links.append(f"[{section.release.title}]: {target}")
        if links:
            text += "\n" + "\n".join(links) + "\n"
    return text


def render_matrix_of(changelog: Changelog, confirmed: ConfirmedMatrix | None = None) -> str:
    """The compatibility matrix of CHANGELOG's releases alone (``changelog --matrix``), with
    the cells CONFIRMED at runtime when given."""
    return render_matrix(build_matrix(changelog.sections), changelog.forge, confirmed)
