"""Scripted fixture repositories for the demo and the tests.

Each sample is a folder ``sample_repos/<name>/`` holding ``tree/`` (the files of the root
commit) and ``history.yaml`` (the steps that follow), plus ``expected.json`` (what an audit
of the whole history must report). :func:`sample_repos.build.build_sample` turns a sample
into a git repository with the same commit shas on every run.
"""
