"""Errors that stop an audit: bad usage, an unreadable repository, an invalid configuration.

Each maps to exit code 2 in the CLI. Problems with single files or commits are not errors:
they become :class:`auditor.domain.AuditWarning` and the audit goes on.
"""


class AuditError(Exception):
    """The audit cannot run as asked; the message says what to fix."""


class RepositoryError(AuditError):
    """The path is not a usable git repository, or a revision does not resolve."""


class ConfigError(AuditError):
    """The project configuration (``.model-audit.yaml`` or ``[tool.model-audit]``) is invalid."""
