"""Diff facts: compare two versions of a file, or two trees, as changes of keyed facts."""
