"""Which config an inferred model is built from, and which configs are its variants."""

from __future__ import annotations

from collections.abc import Callable

from auditor.history import BlobReader, files_at, open_repository
from auditor.runtime.config_choice import ConfigChoice, ConfigChooser
from auditor.runtime.script_setup import ConfigNames, NamedConfig
from tests.gitrepo import GitRepo

READS = frozenset({("data", "hop_length"), ("model",)})
GOOD = '{"data": {"hop_length": 256}, "model": {"hidden_channels": 192}}'


def _choose(
    repo: GitRepo, named: ConfigNames, reads: frozenset[tuple[str, ...]] = READS
) -> ConfigChoice:
    git = open_repository(repo.path)
    try:
        with BlobReader(git) as blobs:
            return ConfigChooser(files_at(git, "HEAD"), blobs).choose(named, reads)
    finally:
        git.close()


def test_the_first_named_config_holding_every_key(make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo()
    repo.commit(
        "configs",
        {
            "configs/empty.json": "{}",
            "configs/base.json": GOOD,
            "configs/large.json": GOOD.replace("192", "384"),
            "configs/broken.json": "{",
            "configs/base.yaml": "data: {hop_length: 256}\nmodel: {}\n",
            "other/far.json": GOOD,
        },
    )
    named = ConfigNames(
        (
            NamedConfig("configs/empty.json", "train.py:3"),
            NamedConfig("configs/base.json", "utils.py:9 (get_hparams)"),
        ),
        (),
    )
    assert _choose(repo, named) == ConfigChoice(
        "configs/base.json",
        ("configs/large.json",),  # its folder, its suffix, every key: a variant
        (
            "configs/empty.json (named at train.py:3) lacks data",
            "config: configs/base.json (named at utils.py:9 (get_hparams))",
        ),
    )


def test_a_named_config_that_is_not_committed(make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo()
    repo.commit("configs", {"a/x.json": GOOD, "configs/b.json": GOOD, "configs/c.json": "{"})
    choice = _choose(repo, ConfigNames((), ("configs/base.json",)))
    # the named file's folder first, then the tree
    assert (choice.config, choice.variants) == ("configs/b.json", ())
    assert choice.notes == (
        "config: configs/b.json, the first holding every key the construction reads "
        "(named but not committed: configs/base.json)",
    )


def test_no_config_fits(make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo()
    repo.commit("configs", {"configs/x.json": '{"data": {}}', "configs/y.json": "{"})
    named = ConfigNames((NamedConfig("configs/y.json", "t.py:1"),), ())
    choice = _choose(repo, named)
    assert choice.config is None
    assert choice.notes[0].startswith("configs/y.json (named at t.py:1) cannot be read (")
    assert choice.notes[-1] == "no config holds data.hop_length, model"
    nothing = _choose(repo, ConfigNames((), ()), frozenset())
    assert nothing == ConfigChoice(
        None, (), ("no config is named and the construction reads none",)
    )
