"""Move a checkpoint to another revision's model when no training is needed.

:mod:`.plan` says what becomes of each tensor (exact, approximate, impossible) from the
comparison of the checkpoint with its model at both revisions and, for an embedding that
follows a symbol table, the tables' contents (:mod:`.symbols`); :mod:`.weights` and
:mod:`.write` read and write the file without running it; :mod:`.verify` loads the result
at the new revision and runs it against the original at the old; :mod:`.migration` is the
order of it all. A plan needs torch only in the workers' Python (the maps are built there);
writing needs it in this one too.
"""

from auditor.migrate.migration import Migration, Request, migrate

__all__ = ["Migration", "Request", "migrate"]
