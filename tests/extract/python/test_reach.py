"""What a model's top classes build: classes across files, submodules each construction
builds, and the safe side where the code does not say."""

from __future__ import annotations

import textwrap

from auditor.extract.python import (
    ModuleSummary,
    Reach,
    model_reach,
    root_names,
    summarise_module,
)

MODELS = "GPT_SoVITS/module/models.py"
BLOCKS = "GPT_SoVITS/module/blocks.py"
PACKAGE = "GPT_SoVITS/module/__init__.py"

BLOCKS_PY = """\
    from torch import nn


    class Attention(nn.Module):
        def __init__(self, dim, heads=2, context_dim=None, gin_channels=0):
            super().__init__()
            self.context_dim = context_dim
            self.to_q = nn.Linear(dim, dim)
            if self.context_dim is not None:
                self.to_k_c = nn.Linear(context_dim, dim)
            if gin_channels != 0:
                self.cond = nn.Linear(gin_channels, dim)


    class Block(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.attn = Attention(dim)


    class JointBlock(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.attn = Attention(dim, context_dim=dim)
            self.ff_c = nn.Linear(dim, dim)


    class ResBlock1(nn.Module):
        def __init__(self, ch):
            super().__init__()
            self.conv = nn.Conv1d(ch, ch, 3)


    class ResBlock2(nn.Module):
        def __init__(self, ch):
            super().__init__()
            self.conv = nn.Conv1d(ch, ch, 1)
    """


def reach(models_py: str, roots: tuple[str, ...] = ("SynthesizerTrn*",), **files: str) -> Reach:
    sources = {PACKAGE: "", BLOCKS: BLOCKS_PY, MODELS: models_py, **files}
    modules: dict[str, ModuleSummary] = {
        path: summarise_module(textwrap.dedent(source).encode()) for path, source in sources.items()
    }
    return model_reach(modules, roots)


SYNTHESIZER = """\
    from torch import nn
    from module.blocks import Block


    class Decoder(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.layers = nn.ModuleList([Block(dim) for _ in range(2)])


    class SynthesizerTrn(nn.Module):
        def __init__(self, dim=4):
            super().__init__()
            self.dec = Decoder(dim)


    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(1, 1, 3)
    """


def test_classes_reached_across_files_and_containers() -> None:
    found = reach(SYNTHESIZER)
    assert [(r.path, r.name) for r in found.roots] == [(MODELS, "SynthesizerTrn")]
    assert not found.everything
    assert found.builds(MODELS, "SynthesizerTrn") is True
    assert found.builds(MODELS, "Decoder", "layers") is True
    assert found.builds(BLOCKS, "Block", "attn") is True
    # Nothing builds these: a discriminator beside the generator, a block of another model.
    assert found.builds(MODELS, "Discriminator") is False
    assert found.builds(BLOCKS, "JointBlock", "ff_c") is False
    assert found.builds(BLOCKS, "ResBlock1") is False
    # A class this snapshot does not define, an attribute the class does not have: no answer.
    assert found.builds(BLOCKS, "MMDiT") is None
    assert found.builds(BLOCKS, "Attention", "to_v_c") is None


def test_a_construction_builds_the_submodules_its_arguments_allow() -> None:
    found = reach(SYNTHESIZER)
    # Block builds Attention(dim): context_dim stays None, so to_k_c is never built.
    assert found.builds(BLOCKS, "Attention", "to_q") is True
    assert found.builds(BLOCKS, "Attention", "to_k_c") is False
    # A default of 0 stands for the caller's value: the branch stays undecided, built.
    assert found.builds(BLOCKS, "Attention", "cond") is True


def test_every_construction_of_a_class_counts() -> None:
    source = SYNTHESIZER.replace("self.dec = Decoder(dim)", "self.dec = JointBlock(dim)")
    joint = reach(source.replace("import Block", "import Block, JointBlock"))
    assert joint.builds(BLOCKS, "JointBlock", "ff_c") is True
    assert joint.builds(BLOCKS, "Attention", "to_k_c") is True


SPLAT = """\
    from torch import nn
    from module.blocks import Attention


    class SynthesizerTrn(nn.Module):
        def __init__(self, dim=4, **kwargs):
            super().__init__()
            self.attn = Attention(dim, **kwargs)
    """


def test_a_call_that_does_not_say_what_it_passes_decides_nothing() -> None:
    assert reach(SPLAT).builds(BLOCKS, "Attention", "to_k_c") is True
    extra = SPLAT.replace("Attention(dim, **kwargs)", "Attention(dim, heads=2, window=8)")
    assert reach(extra).builds(BLOCKS, "Attention", "to_k_c") is True
    named = SPLAT.replace("Attention(dim, **kwargs)", "Attention(dim, 2, dim)")
    assert reach(named).builds(BLOCKS, "Attention", "to_k_c") is True
    plain = SPLAT.replace("Attention(dim, **kwargs)", "Attention(dim, 2)")
    assert reach(plain).builds(BLOCKS, "Attention", "to_k_c") is False


def test_a_class_chosen_through_a_local_reaches_every_class_it_names() -> None:
    source = """\
        from torch import nn
        from module import blocks


        class SynthesizerTrn(nn.Module):
            def __init__(self, resblock="1"):
                super().__init__()
                block = blocks.ResBlock1 if resblock == "1" else blocks.ResBlock2
                self.resblocks = nn.ModuleList()
                for _ in range(3):
                    self.resblocks.append(block(4))
        """
    found = reach(source)
    assert not found.everything
    assert found.builds(BLOCKS, "ResBlock1", "conv") is True
    assert found.builds(BLOCKS, "ResBlock2", "conv") is True
    assert found.builds(BLOCKS, "JointBlock") is False


def test_a_factory_reaches_what_its_module_names() -> None:
    factory = """\
        from module.blocks import JointBlock


        def make_block(dim):
            return JointBlock(dim)
        """
    source = """\
        from torch import nn
        from module.factory import make_block


        class SynthesizerTrn(nn.Module):
            def __init__(self):
                super().__init__()
                self.block = make_block(4)
        """
    found = reach(source, **{"GPT_SoVITS/module/factory.py": factory})
    assert found.builds(BLOCKS, "JointBlock", "ff_c") is True
    assert found.builds(BLOCKS, "ResBlock1") is False


def test_getattr_on_a_module_reaches_every_class_of_it() -> None:
    source = """\
        from torch import nn
        from module import blocks


        class SynthesizerTrn(nn.Module):
            def __init__(self, name="ResBlock1"):
                super().__init__()
                self.block = getattr(blocks, name)(4)
        """
    found = reach(source)
    assert not found.everything
    assert found.builds(BLOCKS, "ResBlock2") is True
    assert found.builds(BLOCKS, "JointBlock") is True


def test_a_class_given_by_the_caller_may_be_anything() -> None:
    source = """\
        from torch import nn


        class SynthesizerTrn(nn.Module):
            def __init__(self, block_class):
                super().__init__()
                self.block = block_class(4)
        """
    found = reach(source)
    assert found.everything
    assert found.builds(BLOCKS, "JointBlock", "ff_c") is True


def test_a_class_the_file_calls_outside_submodule_assignments_is_reached() -> None:
    source = """\
        from torch import nn
        from module.blocks import ResBlock2


        class SynthesizerTrn(nn.Module):
            def __init__(self):
                super().__init__()
                self.add_module("res", ResBlock2(4))
        """
    found = reach(source)
    assert found.builds(BLOCKS, "ResBlock2", "conv") is True
    assert found.builds(BLOCKS, "ResBlock1") is False


def test_bases_of_a_reached_class_are_reached() -> None:
    source = """\
        from torch import nn
        from module.blocks import Block


        class BigBlock(Block):
            pass


        class SynthesizerTrn(nn.Module):
            def __init__(self):
                super().__init__()
                self.block = BigBlock(4)
        """
    found = reach(source)
    assert found.builds(MODELS, "BigBlock") is True
    assert found.builds(BLOCKS, "Block", "attn") is True


def test_no_root_in_the_snapshot_says_nothing() -> None:
    found = reach(SYNTHESIZER, roots=("Text2SemanticDecoder*",))
    assert found.roots == ()
    assert found.builds(MODELS, "Discriminator") is None
    assert found.builds(BLOCKS, "Attention", "to_k_c") is None


def test_named_roots_leave_out_a_model_added_since() -> None:
    """Given the root names at a release's base, a model class added in the release is not
    followed: what only it builds is in no checkpoint users own."""
    added = SYNTHESIZER + textwrap.indent(
        textwrap.dedent("""\


            class SynthesizerTrnV3(nn.Module):
                def __init__(self, dim=4):
                    super().__init__()
                    self.disc = Discriminator()
            """),
        "    ",
    )
    every = reach(added)
    assert every.builds(MODELS, "Discriminator") is True
    sources = {PACKAGE: "", BLOCKS: BLOCKS_PY, MODELS: added}
    modules = {p: summarise_module(textwrap.dedent(s).encode()) for p, s in sources.items()}
    assert root_names(modules, ("SynthesizerTrn*",)) == {"SynthesizerTrn", "SynthesizerTrnV3"}
    kept = model_reach(modules, ("SynthesizerTrn*",), named={"SynthesizerTrn"})
    assert [r.name for r in kept.roots] == ["SynthesizerTrn"]
    assert kept.builds(MODELS, "Discriminator") is False
    assert kept.builds(MODELS, "Decoder", "layers") is True
    # none of the names left (the class was renamed): every root is followed
    renamed = model_reach(modules, ("SynthesizerTrn*",), named={"SynthesizerTrnOld"})
    assert renamed.builds(MODELS, "Discriminator") is True
