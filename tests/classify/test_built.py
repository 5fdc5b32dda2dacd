"""Differences in code the model does not build decide no verdict: keys, and a scripted fork."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.classify.built import built, class_site, site_name
from auditor.classify.effects import Effect, Loads
from auditor.domain import Category, ChangeKind, Confidence, Finding, Severity
from auditor.extract.python import Reach
from auditor.extract.python.values import ClassRef
from auditor.fork import ForkOptions, audit_fork
from auditor.fork.document import fork_document
from auditor.fork.report import Direction
from auditor.fork.report_text import render_markdown, render_table
from auditor.pipeline import AuditOptions
from tests.conftest import validate
from tests.gitrepo import GitRepo

BLOCKS = "GPT_SoVITS/module/blocks.py"


@pytest.mark.parametrize(
    ("file", "key", "site"),
    [
        (BLOCKS, "Attention.__init__.self.to_k_c", ("Attention", "to_k_c")),
        (BLOCKS, "Attention.__init__.self.to_out[0]", ("Attention", "to_out")),
        (BLOCKS, "Attention.__init__.self.to_out@2", ("Attention", "to_out")),
        (BLOCKS, "MMDiTBlock.__init__.self.attn.processor", ("MMDiTBlock", "attn")),
        (BLOCKS, "Attention.__init__.self.to_k_c.in_features", ("Attention", "to_k_c")),
        (BLOCKS, "Attention.__init__.context_dim", ("Attention", None)),
        (BLOCKS, "Attention.__init__.kwargs.gin_channels", ("Attention", None)),
        # a version variant is about the class as a whole
        (BLOCKS, "SynthesizerTrn.__init__[version=v2Pro].self.sv_emb", ("SynthesizerTrn", None)),
        (BLOCKS, "symbols", None),
        (BLOCKS, "component.vocoder", None),
        ("GPT_SoVITS/configs/s2.json", "Attention.__init__.self.to_k_c", None),
    ],
)
def test_class_site(file: str, key: str, site: tuple[str, str | None] | None) -> None:
    assert class_site(file, key) == site


def test_site_name() -> None:
    assert site_name(BLOCKS, "Attention.__init__.self.to_k_c.in_features") == "Attention.to_k_c"
    assert site_name(BLOCKS, "MMDiTBlock.__init__.dim") == "MMDiTBlock"
    assert site_name(BLOCKS, "symbols") == "symbols"


def finding(key: str, file: str = BLOCKS) -> Finding:
    return Finding(
        id="0" * 16,
        rule="MA502",
        change=ChangeKind.REMOVED,
        commit="b" * 40,
        parent="a" * 40,
        file=file,
        line=1,
        severity=Severity.MEDIUM,
        confidence=Confidence.MEDIUM,
        category=Category.STATE_DICT_KEYS,
        parameter=key.rsplit(".", 1)[-1],
        key=key,
        old="torch.nn.Linear",
        new=None,
        message="",
        hint="",
    )


ROOT = ClassRef("GPT_SoVITS/module/models.py", "SynthesizerTrn")
ATTENTION = ClassRef(BLOCKS, "Attention")
JOINT = ClassRef(BLOCKS, "JointBlock")
#: One tip: Attention is built without its context layers; JointBlock is never built.
ONE = Reach(
    (ROOT,),
    {ROOT: None, ATTENTION: frozenset({"to_q"})},
    {ATTENTION: frozenset({"to_q", "to_k_c"})},
    frozenset({ROOT, ATTENTION, JOINT}),
)
#: The other tip: Attention has no context layers at all, JointBlock is gone.
OTHER = Reach((ROOT,), {ROOT: None, ATTENTION: None}, {}, frozenset({ROOT, ATTENTION}))


def test_built_needs_one_tip_that_builds_it() -> None:
    assert built(finding("Attention.__init__.self.to_q"), (ONE, OTHER))
    # to_k_c: not built at one tip, not an attribute at the other (no answer there)
    assert not built(finding("Attention.__init__.self.to_k_c"), (ONE, OTHER))
    assert not built(finding("JointBlock.__init__.self.ff_c"), (ONE, OTHER))
    # a tip that builds every submodule of the class decides
    assert built(finding("Attention.__init__.self.to_k_c"), (ONE, replace_all(ONE)))


def test_built_when_no_tip_can_say() -> None:
    assert built(finding("Unknown.__init__.self.x"), (ONE, OTHER))
    assert built(finding("JointBlock.__init__.self.ff_c"), ())
    assert built(finding("symbols"), (ONE, OTHER))
    nothing = Reach((), classes=frozenset({JOINT}))
    assert built(finding("JointBlock.__init__.self.ff_c"), (nothing,))


def replace_all(reach: Reach) -> Reach:
    """REACH with every class built whole (an unknown construction)."""
    return Reach(reach.roots, classes=reach.classes, everything=True)


# -- a scripted fork: upstream removes submodules the model builds, and ones it does not

MODELS_PY = """\
    from torch import nn
    from module.blocks import Block


    class SynthesizerTrn(nn.Module):
        def __init__(self, hidden_channels=192):
            super().__init__()
            self.block = Block(hidden_channels)
            self.proj = nn.Linear(hidden_channels, hidden_channels)
    """

BLOCKS_PY = """\
    from torch import nn


    class Block(nn.Module):
        def __init__(self, dim, context_dim=None):
            super().__init__()
            self.attn = nn.Linear(dim, dim)
            self.norm = nn.LayerNorm(dim)
            if context_dim is not None:
                self.to_k_c = nn.Linear(context_dim, dim)


    class JointBlock(nn.Module):
        \"\"\"A block of another backbone: nothing here builds it.\"\"\"

        def __init__(self, dim):
            super().__init__()
            self.attn = Block(dim, context_dim=dim)
            self.ff_x = nn.Linear(dim, dim)
            self.ff_c = nn.Linear(dim, dim)
    """


def dedent(text: str) -> str:
    return textwrap.dedent(text)


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose ``main`` is the fork and whose ``upstream`` branch removes, first,
    JointBlock.ff_c and the context layer no construction of Block builds, then Block.norm."""
    repo = GitRepo(tmp_path_factory.mktemp("built") / "repo")
    repo.commit(
        "Base",
        {
            "GPT_SoVITS/module/__init__.py": "",
            "GPT_SoVITS/module/models.py": dedent(MODELS_PY),
            BLOCKS: dedent(BLOCKS_PY),
            "GPT_SoVITS/configs/s2.json": '{"model": {"hidden_channels": 192}}\n',
        },
    )
    repo.git("branch", "upstream")
    repo.commit("Fork: a README", {"README.md": "A fork.\n"})
    repo.git("checkout", "-q", "upstream")
    base = dedent(BLOCKS_PY)
    unused = base.replace("        self.ff_c = nn.Linear(dim, dim)\n", "").replace(
        "        if context_dim is not None:\n"
        "            self.to_k_c = nn.Linear(context_dim, dim)\n",
        "",
    )
    assert unused.count("\n") == base.count("\n") - 3
    repo.commit("Remove the joint layers", {BLOCKS: unused})
    used = unused.replace("        self.norm = nn.LayerNorm(dim)\n", "")
    assert used != unused
    repo.commit("Remove the block norm", {BLOCKS: used})
    repo.git("checkout", "-q", "main")
    return repo.path


def test_upstream_removing_submodules_the_model_does_not_build_stays_compatible(
    scripted: Path, tmp_path: Path
) -> None:
    options = ForkOptions(audit=AuditOptions(cache_dir=tmp_path / "cache"))
    report = audit_fork(scripted, "upstream~1", options)
    assert {(f.rule, f.key) for f in report.net} == {
        ("MA501", "JointBlock.__init__.self.ff_c"),
        ("MA501", "Block.__init__.self.to_k_c"),
    }
    (sovits,) = [v for v in report.verdicts if v.model == "SoVITS generator"]
    assert (sovits.upstream_into_fork, sovits.fork_into_upstream) == (Loads.YES, Loads.YES)
    assert sovits.reasons == ()
    assert sovits.unbuilt == (
        (BLOCKS, "Block.__init__.self.to_k_c"),
        (BLOCKS, "JointBlock.__init__.self.ff_c"),
    )
    assert report.compatible()
    text = render_table(report, width=200)
    assert "left out: 2 differences in code the model does not build (Block.to_k_c, " in text
    assert "JointBlock.ff_c)" in text
    assert "left out: 2 differences" in render_markdown(report)
    document = fork_document(report)
    validate(document, "fork")
    (entry,) = [v for v in document["verdicts"] if v["model"] == "SoVITS generator"]
    assert entry["unbuilt"] == [
        {"file": BLOCKS, "key": "Block.__init__.self.to_k_c"},
        {"file": BLOCKS, "key": "JointBlock.__init__.self.ff_c"},
    ]


def test_upstream_removing_a_submodule_the_model_builds_loads_only_non_strict(
    scripted: Path, tmp_path: Path
) -> None:
    options = ForkOptions(audit=AuditOptions(cache_dir=tmp_path / "cache"))
    report = audit_fork(scripted, "upstream", options)
    (sovits,) = [v for v in report.verdicts if v.model == "SoVITS generator"]
    assert (sovits.upstream_into_fork, sovits.fork_into_upstream) == (
        Loads.NON_STRICT,
        Loads.NON_STRICT,
    )
    assert [(r.key, r.direction, r.effect) for r in sovits.reasons] == [
        ("Block.__init__.self.norm", Direction.FORK_INTO_UPSTREAM, Effect.UNEXPECTED_KEYS),
        ("Block.__init__.self.norm", Direction.UPSTREAM_INTO_FORK, Effect.MISSING_KEYS),
    ]
    assert len(sovits.unbuilt) == 2
