"""The versions under which a module reaches the uses of some names."""

from __future__ import annotations

import ast

from auditor.changelog.guards import branch_taken, use_conditions

VERSIONS = frozenset({"v1", "v2", "v2Pro", "v2ProPlus", "v3"})
PRO = frozenset({"v2Pro", "v2ProPlus"})


def _reached(source: str, *names: str) -> frozenset[str] | None:
    return use_conditions(ast.parse(source), names or ("SV",), VERSIONS)


def test_a_use_under_a_version_test() -> None:
    source = (
        'from sv import SV\nif model_version in {"v2Pro", "v2ProPlus"}:\n    model = SV(device)\n'
    )
    assert _reached(source) == PRO


def test_a_helper_is_reached_where_its_callers_are() -> None:
    source = (
        "from sv import SV\n\n"
        "def init_sv():\n"
        "    global sv_model\n"
        "    sv_model = SV(device)\n\n"
        'if model_version in {"v2Pro", "v2ProPlus"}:\n'
        "    init_sv()\n\n"
        "def synthesize(model_version):\n"
        '    is_pro = model_version in {"v2Pro", "v2ProPlus"}\n'
        "    if is_pro:\n"
        "        if sv_model is None:\n"
        "            init_sv()\n"
    )
    assert _reached(source) == PRO


def test_methods_attributes_substrings_and_negations() -> None:
    source = (
        "from sv import SV\n"
        'pro_set = {"v2Pro", "v2ProPlus"}\n\n'
        "class TTS:\n"
        "    def load(self, model_version):\n"
        '        if "Pro" in model_version:\n'
        "            self.init_sv()\n"
        "        self.is_pro = model_version in pro_set\n\n"
        "    def init_sv(self):\n"
        "        self.sv = SV()\n\n"
        "    def run(self, refer):\n"
        "        if self.is_pro != True:\n"
        "            return refer\n"
        "        else:\n"
        "            return SV.embed(refer)\n"
    )
    assert _reached(source) == PRO
    # every version but v3: the else of `not in`
    other = 'from sv import SV\nif version not in ("v3",):\n    pass\nelse:\n    SV()\n'
    assert _reached(other) == {"v3"}


def test_what_is_not_a_version_test_guards_nothing() -> None:
    # a test of other strings, a flag, a call: every version reaches the use
    for test in ('lang in {"zh", "en"}', "is_half", "torch.cuda.is_available()"):
        assert _reached(f"from sv import SV\nif {test}:\n    SV()\n") is None
    # a module-level use, and a function no code of the module calls
    assert _reached("from sv import SV\nmodel = SV()\n") is None
    assert _reached("from sv import SV\ndef make():\n    return SV()\n") is None
    # a version test narrows another condition it is combined with
    narrowed = 'from sv import SV\nif is_half and version == "v2Pro":\n    SV()\n'
    assert _reached(narrowed) == {"v2Pro"}


def test_a_class_is_reached_where_it_is_built_and_nothing_is_reached_unused() -> None:
    source = (
        "from ERes2NetV2 import ERes2NetV2\n\n"
        "class SV:\n"
        "    def __init__(self):\n"
        "        self.model = ERes2NetV2()\n\n"
        'if version == "v2Pro":\n'
        "    SV()\n"
    )
    assert _reached(source, "ERes2NetV2") == {"v2Pro"}
    assert _reached("import torch\n", "SV") == frozenset()


def test_a_test_may_name_variants_the_release_does_not_ship() -> None:
    source = 'from sv import SV\nif version in {"v2Pro", "v5"}:\n    SV()\n'
    assert _reached(source) == {"v2Pro"}
    assert _reached('from sv import SV\nif version == "v5":\n    SV()\n') is None


def test_the_branch_a_variant_takes_of_a_conditional_value() -> None:
    universe = frozenset({"v3", "v4"})
    text = "1.875 if self.version == 'v3' else 2"
    assert branch_taken(text, "v3", universe) == "1.875"
    assert branch_taken(text, "v4", universe) == "2"
    nested = "'a' if version in {'v4'} else ('b' if version != 'v3' else 'c')"
    assert branch_taken(nested, "v3", universe) == '"c"'
    assert branch_taken("1 if fast else 2", "v3", universe) == "1 if fast else 2"
    assert branch_taken("hidden * 2", "v3", universe) == "hidden * 2"
