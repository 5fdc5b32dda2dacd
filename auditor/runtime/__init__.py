"""Runtime confirmation: build a repository's models at two revisions and load old into new.

What to build, from which files and config, and how to run it is data (a profile,
:mod:`auditor.runtime.profile`); the models are built from git objects in worker processes
(:mod:`auditor.runtime.worker`), never in the auditor's own; :func:`auditor.runtime.confirm.confirm`
compares two revisions and :mod:`auditor.runtime.results` holds the results.

This package imports nothing: the worker runs inside it in the audited project's own Python,
where the auditor's dependencies (jsonschema, yaml, git, click) are not installed.
"""
