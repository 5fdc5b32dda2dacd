"""Fork audit: what a fork changed in the model facts, and whose checkpoints still fit.

The steps read in the module names: ``sources`` (what UPSTREAM and FORK name) →
``workspace`` (one temporary repository that sees both object databases) → ``audit``
(merge-base, each side since it, the net difference) → ``verdict`` (per model, by
``concerns``) → ``document`` / ``render`` / ``rows`` (output); ``many`` audits forks in
parallel, ``runtime_check`` confirms verdicts by loading checkpoints for real.
"""

from auditor.classify.effects import Loads
from auditor.fork.audit import ForkOptions, audit_fork
from auditor.fork.many import audit_forks
from auditor.fork.report import ForkReport, ForkRow, Verdict

__all__ = ["ForkOptions", "ForkReport", "ForkRow", "Loads", "Verdict", "audit_fork", "audit_forks"]
