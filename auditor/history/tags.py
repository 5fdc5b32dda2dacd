"""The tags of a repository, by the commit they point at."""

from __future__ import annotations

import git

from auditor.history._git import run_git

_PREFIX = "refs/tags/"
_FORMAT = "%(objecttype) %(objectname) %(*objecttype) %(*objectname) %(refname)"


def tags_by_commit(repo: git.Repo) -> dict[str, tuple[str, ...]]:
    """Map each tagged commit's sha to its tag names (``v2.0``, without ``refs/tags/``), sorted.

    Annotated tags count for the commit they point at (through tags of tags too); tags of
    trees or blobs are left out.
    """
    _, out = run_git(repo, ["for-each-ref", f"--format={_FORMAT}", _PREFIX])
    names: dict[str, list[str]] = {}
    nested: list[str] = []
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        fields = line.split(" ", 4)
        if len(fields) != 5:
            continue
        kind, sha, peeled_kind, peeled_sha, ref = fields
        if kind == "commit":
            names.setdefault(sha, []).append(ref)
        elif kind == "tag" and peeled_kind == "commit":
            names.setdefault(peeled_sha, []).append(ref)
        elif kind == "tag" and peeled_kind == "tag":
            nested.append(ref)
    if nested:
        query = "".join(f"{ref}^{{commit}}\n" for ref in nested).encode("utf-8", "surrogateescape")
        _, found = run_git(repo, ["cat-file", "--batch-check=%(objectname)"], input=query)
        for ref, answer in zip(nested, found.decode("ascii", "replace").splitlines(), strict=False):
            if not answer.endswith(" missing"):
                names.setdefault(answer, []).append(ref)
    return {
        sha: tuple(sorted(ref.removeprefix(_PREFIX) for ref in refs))
        for sha, refs in sorted(names.items())
    }
