"""Python facts along a walk: cross-module resolution, moves, broken files, new variants."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.domain import Report
from auditor.pipeline import AuditOptions, scan
from auditor.render.json_report import report_to_dict
from tests.conftest import validate
from tests.gitrepo import GitRepo

NO_CACHE = AuditOptions(use_cache=False)
SYMBOLS = "pad = '_'\nletters = ['a', 'b', 'c']\nsymbols = [pad] + letters\n"
MODELS = """import torch.nn as nn

from text.symbols import symbols

HIDDEN = 192


class TextEncoder(nn.Module):
    def __init__(self, hidden_channels, ssl_dim=768):
        super().__init__()
        self.text_embedding = nn.Embedding(len(symbols), hidden_channels)
        self.ssl_proj = nn.Conv1d(ssl_dim, HIDDEN, 1)
"""


def found(report: Report) -> list[tuple[str, str, str, object, object]]:
    return [(f.rule, f.file, f.key, f.old, f.new) for f in report.findings if f.severity.rank > 0]


@pytest.fixture
def repo(make_repo: Callable[..., GitRepo]) -> GitRepo:
    made = make_repo()
    made.commit("root", {"text/symbols.py": SYMBOLS, "module/models.py": MODELS})
    return made


def test_symbol_table_growth_in_another_module_reaches_the_embedding(repo: GitRepo) -> None:
    repo.commit("more letters", {"text/symbols.py": SYMBOLS.replace("'c'", "'c', 'd'")})
    assert found(scan(repo.path, None, NO_CACHE)) == [
        (
            "MA102",
            "module/models.py",
            "TextEncoder.__init__.self.text_embedding.num_embeddings",
            4,
            5,
        ),
        ("MA103", "text/symbols.py", "symbols", 4, 5),
    ]


def test_constant_change_is_reported_where_it_matters(repo: GitRepo) -> None:
    repo.commit("wider", {"module/models.py": MODELS.replace("HIDDEN = 192", "HIDDEN = 256")})
    keys = {(rule, key) for rule, _, key, _, _ in found(scan(repo.path, None, NO_CACHE))}
    assert ("MA101", "TextEncoder.__init__.self.ssl_proj.out_channels") in keys


def test_reformatting_comments_and_moves_are_not_changes(repo: GitRepo) -> None:
    reformatted = MODELS.replace(
        "nn.Conv1d(ssl_dim, HIDDEN, 1)", "nn.Conv1d(\n  ssl_dim,  HIDDEN, 1 )"
    )
    repo.commit("reformat", {"module/models.py": "# models\n" + reformatted})
    repo.commit("move", moves={"module/models.py": "module/models_v1.py"})
    assert found(scan(repo.path, None, NO_CACHE)) == []


def test_broken_python_warns_once_and_the_fix_is_compared_with_the_last_good_version(
    repo: GitRepo,
) -> None:
    broken = repo.commit(
        "break", {"module/models.py": MODELS.replace("):\n        super", ")\n        super")}
    )
    repo.commit("fix and grow", {"module/models.py": MODELS.replace("ssl_dim=768", "ssl_dim=1024")})
    report = scan(repo.path, None, NO_CACHE)
    assert [(w.commit, w.file) for w in report.warnings] == [(broken, "module/models.py")]
    keys = {key for _, _, key, _, _ in found(report)}
    assert "TextEncoder.__init__.self.ssl_proj.in_channels" in keys
    assert "TextEncoder.__init__.ssl_dim" in keys


def test_new_symbols_module_is_compared_with_its_sibling(repo: GitRepo) -> None:
    repo.commit("v2 symbols", {"text/symbols2.py": SYMBOLS.replace("'c'", "'c', 'x', 'y'")})
    report = scan(repo.path, None, NO_CACHE)
    variants = [
        (f.rule, f.key, f.old, f.new, f.severity.value)
        for f in report.findings
        if f.rule == "MA401"
    ]
    assert ("MA401", "symbols", 4, 6, "low") in variants


def test_submodule_added_reads_as_one_change(repo: GitRepo) -> None:
    grown = MODELS + "        self.sv_emb = nn.Linear(20480, hidden_channels)\n"
    repo.commit("speaker embedding", {"module/models.py": grown})
    assert found(scan(repo.path, None, NO_CACHE)) == [
        ("MA501", "module/models.py", "TextEncoder.__init__.self.sv_emb", None, "torch.nn.Linear"),
    ]


def test_new_class_is_compared_with_the_class_it_is_a_version_of(repo: GitRepo) -> None:
    v3 = (
        MODELS
        + """

class TextEncoderV3(nn.Module):
    def __init__(self, hidden_channels, ssl_dim=1024):
        super().__init__()
        self.text_embedding = nn.Embedding(len(symbols), hidden_channels)
        self.ssl_proj = nn.Conv1d(ssl_dim, HIDDEN, 1)
"""
    )
    repo.commit("v3 encoder", {"module/models.py": v3})
    report = scan(repo.path, None, NO_CACHE)
    assert [(f.rule, f.key, f.old, f.new) for f in report.findings] == [
        ("MA401", "TextEncoderV3.__init__.ssl_dim", 768, 1024),
        ("MA401", "TextEncoderV3.__init__.self.ssl_proj.in_channels", 768, 1024),
    ]
    assert {f.severity.value for f in report.findings} == {"low"}


SYNTHESIZER = """import torch.nn as nn


class MelStyleEncoder(nn.Module):
    def __init__(self, n_mel_channels=80, style_vector_dim=256):
        super().__init__()
        self.fc = nn.Linear(n_mel_channels, style_vector_dim)


class SynthesizerTrn(nn.Module):
    def __init__(self, spec_channels, hidden_channels, gin_channels=0, n_flows=4):
        super().__init__()
        self.ref_enc = MelStyleEncoder(704, style_vector_dim=gin_channels)
        self.flows = nn.ModuleList(
            nn.Conv1d(hidden_channels, hidden_channels, 5) for _ in range(n_flows)
        )
        self.proj = nn.Conv1d(hidden_channels, spec_channels, 1)

    def forward(self, refer, x):
        ge = self.ref_enc(refer)
        for flow in self.flows:
            x = flow(x)
        return self.proj(x + ge)
"""


@pytest.fixture
def synthesizer(make_repo: Callable[..., GitRepo]) -> GitRepo:
    made = make_repo()
    made.commit("root", {"module/models.py": SYNTHESIZER})
    return made


def test_a_renamed_submodule_is_one_finding(synthesizer: GitRepo) -> None:
    renamed = SYNTHESIZER.replace("ref_enc", "ref_encoder")
    synthesizer.commit("rename the reference encoder", {"module/models.py": renamed})
    report = scan(synthesizer.path, None, NO_CACHE)
    assert found(report) == [
        ("MA504", "module/models.py", "SynthesizerTrn.__init__.self.ref_encoder", "ref_enc",
         "ref_encoder"),
    ]  # fmt: skip
    (finding,) = report.findings
    assert (finding.change.value, finding.severity.value, finding.line) == ("renamed", "medium", 13)
    assert finding.message.startswith(
        "SynthesizerTrn: submodule likely renamed ref_enc → ref_encoder "
        "(checkpoint keys ref_enc.* become ref_encoder.*): its state-dict keys move with it"
    )


def test_a_renamed_container_moves_its_elements_with_it(synthesizer: GitRepo) -> None:
    renamed = SYNTHESIZER.replace("self.flows", "self.flow_layers")
    synthesizer.commit("rename the flows", {"module/models.py": renamed})
    assert found(scan(synthesizer.path, None, NO_CACHE)) == [
        ("MA504", "module/models.py", "SynthesizerTrn.__init__.self.flow_layers", "flows",
         "flow_layers"),
    ]  # fmt: skip


def test_renamed_and_rebuilt_is_a_removal_and_an_addition(synthesizer: GitRepo) -> None:
    rebuilt = SYNTHESIZER.replace(
        "self.ref_enc = MelStyleEncoder(704,", "self.ref_encoder = MelStyleEncoder(1024,"
    )
    synthesizer.commit("rebuild the reference encoder", {"module/models.py": rebuilt})
    assert [
        (rule, key) for rule, _, key, _, _ in found(scan(synthesizer.path, None, NO_CACHE))
    ] == [
        ("MA502", "SynthesizerTrn.__init__.self.ref_enc"),
        ("MA501", "SynthesizerTrn.__init__.self.ref_encoder"),
    ]


FEATURES = """import torch
from transformers import HubertModel

HOP_LENGTH = 320


def load_content_encoder(path):
    return HubertModel.from_pretrained(path).eval()
"""


def test_project_components_are_used_and_cached_apart(
    make_repo: Callable[..., GitRepo], tmp_path: Path
) -> None:
    repo = make_repo()
    repo.commit("root", {"svc/features.py": FEATURES})
    ours = FEATURES.replace(
        "from transformers import HubertModel", "from svc.hubert import MyHubert"
    )
    repo.commit(
        "our own content encoder", {"svc/features.py": ours.replace("HubertModel", "MyHubert")}
    )
    config = tmp_path / "audit.yaml"
    config.write_text("components:\n  - {name: MyHubert, role: content-encoder}\n")
    cache = tmp_path / "cache"
    plain = AuditOptions(cache_dir=cache)
    declared = AuditOptions(cache_dir=cache, config_file=config)

    def swaps(options: AuditOptions) -> list[tuple[str, object, object]]:
        report = scan(repo.path, None, options)
        return [(f.rule, f.old, f.new) for f in report.findings if f.severity.rank > 0]

    assert swaps(plain) == []
    assert swaps(declared) == [("MA111", ("HubertModel",), ("MyHubert",))]
    assert swaps(plain) == []


def test_the_same_rename_in_an_export_copy_is_grouped_with_the_model(
    synthesizer: GitRepo,
) -> None:
    synthesizer.commit("export copy", {"module/models_onnx.py": SYNTHESIZER})
    renamed = SYNTHESIZER.replace("ref_enc", "ref_encoder")
    synthesizer.commit(
        "rename the reference encoder",
        {"module/models.py": renamed, "module/models_onnx.py": renamed},
    )
    report = scan(synthesizer.path, "HEAD~1..HEAD", NO_CACHE)
    validate(report_to_dict(report), "report")
    model, export = report.findings
    assert (model.rule, model.file, model.mirror_of) == ("MA504", "module/models.py", None)
    assert (export.rule, export.file, export.mirror_of) == (
        "MA504",
        "module/models_onnx.py",
        model.id,
    )


V3 = """

class SynthesizerTrnV3(nn.Module):
    def __init__(self, spec_channels, hidden_channels, gin_channels=0):
        super().__init__()
        self.ref_enc = MelStyleEncoder(704, style_vector_dim=gin_channels)
        self.bridge = nn.Conv1d(hidden_channels, 100, 1)
"""


BRIDGE = "SynthesizerTrnV3.__init__.self.bridge"


@pytest.mark.parametrize(
    ("copy", "expected"),
    [
        (V3, []),
        (
            V3.replace("nn.Conv1d(hidden_channels, 100, 1)", "nn.Conv1d(hidden_channels, 80, 1)"),
            [("MA401", "module/models_onnx.py", f"{BRIDGE}.out_channels", 100, 80)],
        ),
    ],
)  # fmt: skip
def test_a_class_copied_into_an_export_file_is_compared_with_its_original(
    synthesizer: GitRepo, copy: str, expected: list[tuple[str, str, str, object, object]]
) -> None:
    """Not with the export file's own SynthesizerTrn: an exact copy changes nothing; a copy
    that drifted from its original says where."""
    synthesizer.commit(
        "v3 model and an export copy",
        {"module/models.py": SYNTHESIZER + V3, "module/models_onnx.py": SYNTHESIZER},
    )
    onnx = SYNTHESIZER.replace("import torch.nn as nn\n", "import torch.nn as nn\nimport torch\n")
    synthesizer.commit("export v3", {"module/models_onnx.py": onnx + copy})
    report = scan(synthesizer.path, "HEAD~1..HEAD", NO_CACHE)
    assert [(f.rule, f.file, f.key, f.old, f.new) for f in report.findings] == expected


def test_a_class_of_the_same_name_but_other_structure_is_no_original(
    synthesizer: GitRepo,
) -> None:
    attentions = """import torch.nn as nn


class Encoder(nn.Module):
    def __init__(self, hidden_channels, n_layers):
        super().__init__()
        self.attn_layers = nn.ModuleList(
            nn.MultiheadAttention(hidden_channels, 2) for _ in range(n_layers)
        )
        self.norm = nn.LayerNorm(hidden_channels)
"""
    synthesizer.commit("attentions", {"module/attentions.py": attentions})
    wavenet = """

class Encoder(nn.Module):
    def __init__(self, in_channels, hidden_channels):
        super().__init__()
        self.pre = nn.Conv1d(in_channels, hidden_channels, 1)
        self.proj = nn.Conv1d(hidden_channels, in_channels, 1)
"""
    synthesizer.commit("a wavenet encoder", {"module/models.py": SYNTHESIZER + wavenet})
    assert [(f.rule, f.key) for f in scan(synthesizer.path, "HEAD~1..HEAD", NO_CACHE).findings] == [
        ("MA501", "Encoder.__init__.self.pre"),
        ("MA501", "Encoder.__init__.self.proj"),
    ]


def test_a_file_with_legacy_bytes_in_a_comment_keeps_its_findings_on_its_commit(
    repo: GitRepo,
) -> None:
    widened = MODELS.replace("HIDDEN = 192", "HIDDEN = 256").encode() + b"# \xbb\xd6\xd0\n"
    sha = repo.commit("wider, with a comment in another encoding", {"module/models.py": widened})
    report = scan(repo.path, None, NO_CACHE)
    assert {f.commit for f in report.findings if f.severity.rank > 0} == {sha}
    (warning,) = [w for w in report.warnings if w.commit == sha]
    assert warning.file == "module/models.py"
    assert "Python cannot import the file as committed" in warning.message


def test_a_file_that_gains_its_first_facts_is_not_a_new_file(
    make_repo: Callable[..., GitRepo],
) -> None:
    script = 'import json\n\nif __name__ == "__main__":\n    config = json.load(open("c.json"))\n'
    repo = make_repo()
    repo.commit("root", {"preprocess.py": script})
    sha = repo.commit(
        "write the speaker count",
        {"preprocess.py": script + '    config["model"]["n_speakers"] = len(speakers)\n'},
    )
    report = scan(repo.path, None, NO_CACHE)
    assert [(f.commit, f.rule, f.severity.value, f.key) for f in report.findings] == [
        (sha, "MA102", "critical", "model.n_speakers")
    ]


def test_a_new_branch_is_compared_with_the_default_branch(
    make_repo: Callable[..., GitRepo],
) -> None:
    plain = (
        "import os\nimport torch.nn as nn\n\n\nclass Net(nn.Module):\n"
        "    def __init__(self, spec_channels=1025):\n        super().__init__()\n"
        "        self.proj = nn.Linear(spec_channels, 192)\n"
    )
    switched = plain.replace(
        "        self.proj = nn.Linear(spec_channels, 192)\n",
        '        self.mode = os.environ.get("MODE", "v1")\n'
        '        if self.mode == "v1":\n'
        "            self.proj = nn.Linear(spec_channels, 192)\n"
        "        else:\n"
        "            self.proj = nn.Linear(704, 192)\n",
    )
    repo = make_repo()
    repo.commit("root", {"module/models.py": plain})
    repo.commit("a second mode", {"module/models.py": switched})
    found = [
        (f.rule, f.severity.value, f.key, f.old, f.new)
        for f in scan(repo.path, None, NO_CACHE).findings
        if f.severity.rank > 0
    ]
    assert found == [("MA401", "low", "Net.__init__[mode!=v1].self.proj.in_features", 1025, 704)]


SV = """import torch
from ERes2NetV2 import ERes2NetV2


class SV:
    def __init__(self, device):
        self.embedding_model = ERes2NetV2(baseWidth=24, scale=4, expansion=4)
"""
WEBUI = "import torch\n\n\ndef synthesise(text):\n    return text\n"


def _component_findings(report: Report) -> list[tuple[str, str, str, str]]:
    return [
        (f.rule, f.severity.value, f.file, f.message.partition(": a new ")[0])
        for f in report.findings
        if f.rule == "MA119"
    ]


def test_a_new_file_building_a_speaker_encoder_is_a_component_added(
    make_repo: Callable[..., GitRepo],
) -> None:
    repo = make_repo()
    repo.commit("root", {"app/webui.py": WEBUI})
    repo.commit("speaker verification", {"app/sv.py": SV})
    assert _component_findings(scan(repo.path, None, NO_CACHE)) == [
        ("MA119", "medium", "app/sv.py", 'component.speaker-encoder added: ["ERes2Net"]')
    ]


def test_a_component_the_change_set_imports_is_wired_in(
    make_repo: Callable[..., GitRepo],
) -> None:
    repo = make_repo()
    repo.commit("root", {"app/webui.py": WEBUI})
    wired = "from sv import SV\n" + WEBUI + "\n\nsv_model = SV('cpu')\n"
    repo.commit("speaker verification", {"app/sv.py": SV, "app/webui.py": wired})
    assert _component_findings(scan(repo.path, None, NO_CACHE)) == [
        (
            "MA119",
            "high",
            "app/sv.py",
            'component.speaker-encoder added: ["ERes2Net"] (imported by app/webui.py)',
        )
    ]


def test_a_copy_of_a_component_its_folder_already_uses_is_no_component_added(
    make_repo: Callable[..., GitRepo],
) -> None:
    repo = make_repo()
    repo.commit("root", {"app/sv.py": SV})
    repo.commit("export copy", {"app/sv_onnx.py": SV})
    assert _component_findings(scan(repo.path, None, NO_CACHE)) == []


def test_a_component_moved_into_a_module_its_user_imports_is_no_component_added(
    make_repo: Callable[..., GitRepo],
) -> None:
    repo = make_repo()
    user = "import torch\n\n\nclass SV:\n    pass\n"
    repo.commit("root", {"app/webui.py": user + SV.replace("import torch\n", "")})
    repo.commit(
        "move the encoder", {"lib/sv.py": SV, "app/webui.py": "from lib.sv import SV\n" + user}
    )
    assert _component_findings(scan(repo.path, None, NO_CACHE)) == []


def test_a_snapshot_of_a_file_in_another_folder_adds_no_component(
    make_repo: Callable[..., GitRepo],
) -> None:
    repo = make_repo()
    repo.commit("root", {"app/sv.py": SV, "app/webui.py": WEBUI})
    wired = "from old.v1.sv import SV\n" + WEBUI
    repo.commit("keep the old version", {"old/v1/sv.py": SV, "app/webui.py": wired})
    assert _component_findings(scan(repo.path, None, NO_CACHE)) == []
