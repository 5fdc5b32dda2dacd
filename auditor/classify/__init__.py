"""Classify changes into findings, then apply the project's suppressions, baseline and
mirror grouping, and merge runtime results."""
