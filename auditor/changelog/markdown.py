"""The changelog as Keep-a-Changelog Markdown: one ``## [version] - date`` section per release.

Each section opens with a compatibility verdict, then lists entries under ``### Critical``,
``### High``, ``### Medium`` and ``### Low`` (``### Info`` only when asked). Link
references to compare views close the text when the repository's forge is known. The text
has no ``# Changelog`` title, so it can sit between the markers of an existing file.
"""

from __future__ import annotations

import re

from auditor import wording
from auditor.changelog.contents import Changelog, Entry, Forge, Release, Section
from auditor.changelog.entries import verdict
from auditor.domain import ChangeKind, Commit, FactValue, Severity
from auditor.wording import value_text

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


def what_changed(entry: Entry) -> str:
    """``model.gin_channels``: ``512`` → ``1024`` in ``configs/s2.json:23``."""
    files = [location.file for location in entry.locations]
    what = wording.what_changed(
        entry.change, entry.key, entry.old, entry.new, files=files, span=code
    )
    if entry.change in (ChangeKind.FILE_ADDED, ChangeKind.FILE_REMOVED):
        return what
    where = " and ".join(code(str(location)) for location in entry.locations)
    return f"{what} in {where}"


def _commit(commit: Commit, forge: Forge | None) -> str:
    sha = code(commit.short_sha)
    link = f"[{sha}]({forge.commit_url(commit.sha)})" if forge else sha
    return f"{link} {escape(commit.subject)}".rstrip()


def _entry(entry: Entry, forge: Forge | None) -> list[str]:
    commits = "; ".join(_commit(commit, forge) for commit in entry.commits)
    return [
        f"- {what_changed(entry)}",
        f"  - Why: {escape(entry.reason)}",
        f"  - What to do: {escape(entry.hint)}",
        f"  - {'Commit' if len(entry.commits) == 1 else 'Commits'}: {commits}",
    ]


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


def render_section(section: Section, forge: Forge | None, include_info: bool = False) -> str:
    """One release: heading, verdict, entries by severity."""
    lines = [heading(section.release), "", escape(verdict_line(section)), ""]
    lines += incomplete_note(section)
    shown = False
    for severity in shown_severities(include_info):
        entries = [entry for entry in section.entries if entry.severity is severity]
        if not entries:
            continue
        shown = True
        lines += [f"### {severity.value.capitalize()}", ""]
        for entry in entries:
            lines += _entry(entry, forge)
        lines.append("")
    if not shown:
        lines += [NO_CHANGES, ""]
    return "\n".join(lines)


def link_target(release: Release, forge: Forge) -> str | None:
    """Where a release's heading links: the compare view with the release before it."""
    if release.version is None:
        return forge.compare_url(release.previous, "HEAD") if release.previous else None
    if release.previous is None:
        return forge.tag_url(release.version)
    return forge.compare_url(release.previous, release.version)


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
