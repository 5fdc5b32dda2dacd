"""``model-audit export-check``: do a revision's models still export, and where did export break?

Each model of the runtime profile is built at a revision in a worker process and exported
there (TorchScript, and ONNX when the ``onnx`` package is installed; the worker side is
:mod:`auditor.runtime.export`); the exported graph runs against the eager model on the same
seeded inputs. :mod:`auditor.export.check` turns the worker's answer into an
:class:`~auditor.export.results.ExportReport`, :mod:`auditor.export.drift` lists where a
project's export copy of a class (``models_onnx.py``) drifted from the original, and
:mod:`auditor.export.bisect` names the first commit of a range at which export breaks.
"""
