"""The changelog as Keep-a-Changelog Markdown: one ``## [version] - date`` section per release.

Each section opens with a compatibility verdict, then lists entries under ``### Critical``,
``### High``, ``### Medium`` and ``### Low`` (``### Info`` only when asked). Link
references to compare views close the text when the repository's forge is known. The text
has no ``# Changelog`` title, so it can sit between the markers of an existing file.
"""

from __future__ import annotations

import re

from auditor.changelog.entries import verdict
from auditor.changelog.model import Changelog, Entry, Forge, Release, Section
from auditor.classify.classifier import render_value
from auditor.models import ChangeKind, Commit, FactValue, Severity

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
    return code(render_value(value))


def what_changed(entry: Entry) -> str:
    """``model.gin_channels``: ``512`` → ``1024`` in ``configs/s2.json:23``."""
    if entry.change in (ChangeKind.FILE_ADDED, ChangeKind.FILE_REMOVED):
        files = [code(location.file) for location in entry.locations]
        listed = files[0] if len(files) == 1 else f"{', '.join(files[:-1])} and {files[-1]}"
        return f"{listed} {'added' if entry.change is ChangeKind.FILE_ADDED else 'removed'}"
    if entry.change is ChangeKind.ADDED:
        what = f"{code(entry.key)} added: {_value(entry.new)}"
    elif entry.change is ChangeKind.REMOVED:
        what = f"{code(entry.key)} removed (was {_value(entry.old)})"
    elif entry.change is ChangeKind.RENAMED:
        keys = f"{code(f'{entry.old}.*')} → {code(f'{entry.new}.*')}"
        what = f"{code(entry.key)} likely renamed from {code(str(entry.old))} (keys {keys})"
    else:
        what = f"{code(entry.key)}: {_value(entry.old)} → {_value(entry.new)}"
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


def shown_severities(include_info: bool) -> tuple[Severity, ...]:
    return tuple(s for s in Severity if include_info or s is not Severity.INFO)


def render_section(section: Section, forge: Forge | None, include_info: bool = False) -> str:
    """One release: heading, verdict, entries by severity."""
    lines = [heading(section.release), "", escape(verdict_line(section)), ""]
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
