"""The audit in CI: the GitHub Action (``model-audit ci github``) and pre-commit (``ci staged``).

:mod:`event` reads the event, :mod:`derive` turns it into a range, :mod:`shallow` makes sure
the clone holds that history, :mod:`github` runs the scan and writes what the job leaves,
:mod:`outputs` formats the step outputs, :mod:`staged` audits the index, and :mod:`command`
is the command line.
"""
