"""The git layer: open a repository, resolve ranges, walk commits, read blobs and tags.

Everything is read from git objects through ``git`` subprocesses: nothing is checked out,
and the repository's refs, index and config are never written.
"""

from auditor.history.ancestry import is_ancestor, reachable, topo_order
from auditor.history.blobs import BlobReader
from auditor.history.commits import commit_at, count_commits, file_at, files_at, files_in
from auditor.history.remote import remote_url
from auditor.history.repository import (
    RevisionRange,
    is_shallow,
    open_repository,
    resolve_range,
    resolve_revision,
    shallow_boundary,
)
from auditor.history.tags import tags_by_commit
from auditor.history.walk import (
    CommitChanges,
    FileChange,
    PathFilter,
    diff_trees,
    path_history,
    walk_commits,
)

__all__ = [
    "BlobReader",
    "CommitChanges",
    "FileChange",
    "PathFilter",
    "RevisionRange",
    "commit_at",
    "count_commits",
    "diff_trees",
    "file_at",
    "files_at",
    "files_in",
    "is_ancestor",
    "is_shallow",
    "open_repository",
    "path_history",
    "reachable",
    "remote_url",
    "resolve_range",
    "resolve_revision",
    "shallow_boundary",
    "tags_by_commit",
    "topo_order",
    "walk_commits",
]
