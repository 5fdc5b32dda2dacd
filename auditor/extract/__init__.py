"""Fact extractors for config and dependency files.

Each extractor is a function ``(data: bytes) -> FileFacts`` that never raises on bad
content; :func:`auditor.extract.selection.extractor_for` picks one by file name.
"""
