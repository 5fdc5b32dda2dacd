"""Known components: the built-in list, a project's additions, and what they change."""

from __future__ import annotations

import textwrap

from auditor.extract.python import (
    KnownComponent,
    builtin_components,
    may_hold_facts,
    resolve_python_facts,
    summarise_module,
)
from auditor.extract.python.components import ROLES

PATH = "svc/feature_extractor.py"
# A feature extractor of a fork: its encoder class is the project's own, built in a function.
EXTRACTOR = textwrap.dedent(
    """\
    import torch

    from svc.encoders import MyHubert


    def load_content_encoder(path, device):
        # The content encoder the features are trained on.
        model = MyHubert.from_pretrained(path)
        return model.to(device).eval()
    """
)
OURS = KnownComponent("MyHubert", "content-encoder", ("MyHubert",))


def test_the_builtin_list() -> None:
    builtin = builtin_components()
    assert {c.role for c in builtin.entries} == set(ROLES)
    assert builtin.roles["CNHubert"] == ("CNHubert", "content-encoder")
    assert len(builtin.digest) == 12 and int(builtin.digest, 16) >= 0
    assert builtin.extended(()) is builtin


def test_additions_change_the_digest_and_win_over_builtin_identifiers() -> None:
    builtin = builtin_components()
    renamed = KnownComponent("SV (ours)", "speaker-encoder", ("SV",))
    extended = builtin.extended([OURS, renamed])
    assert extended.digest not in (builtin.digest, builtin.extended([OURS]).digest)
    assert extended.roles["MyHubert"] == ("MyHubert", "content-encoder")
    assert extended.roles["SV"] == ("SV (ours)", "speaker-encoder")
    assert extended.pattern.search("model = MyHubert(cfg)")


def test_a_project_component_is_found_where_the_builtin_list_finds_nothing() -> None:
    data = EXTRACTOR.encode()
    padded = data + b"\n" * 2048  # past the size below which every file is read
    mine = builtin_components().extended([OURS])
    assert not may_hold_facts(padded)
    assert may_hold_facts(padded, mine)
    plain = resolve_python_facts(PATH, {PATH: summarise_module(data)})
    assert not [f for f in plain if f.key.startswith("component.")]
    summary = summarise_module(data, mine)
    facts = resolve_python_facts(PATH, {PATH: summary}, mine)
    assert [(f.key, f.parameter, f.value, f.line) for f in facts] == [
        ("component.content-encoder", "content-encoder", ("MyHubert",), 3),
    ]


def test_function_bodies_naming_a_project_component_are_read() -> None:
    """Stage 1 skips function bodies that name nothing known; a project's component counts."""
    data = EXTRACTOR.replace("from svc.encoders import MyHubert\n", "").encode()
    mine = builtin_components().extended([OURS])
    assert "MyHubert.from_pretrained" not in summarise_module(data).callees
    assert "MyHubert.from_pretrained" in summarise_module(data, mine).callees


def test_words_name_components_in_paths_and_key_the_digest() -> None:
    builtin = builtin_components()
    assert "whisper" in builtin.words and "hubert" in builtin.words
    assert builtin.words == tuple(sorted(builtin.words, key=lambda w: (-len(w), w)))
    worded = KnownComponent("MyHubert", "content-encoder", ("MyHubert",), ("myhubert",))
    assert builtin.extended([OURS]).digest != builtin.extended([worded]).digest
