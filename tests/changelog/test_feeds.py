"""Which generations a component feeds, read from a small GPT-SoVITS-like tree."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from auditor.changelog.contents import Location
from auditor.changelog.feeds import component_feeds
from auditor.changelog.generations import Generation, variant_values
from auditor.classify.concerns import MODEL_MAP, load_model_map
from auditor.classify.effects import Effect
from auditor.domain import Severity
from tests.changelog.helpers import entry

MODEL = "SoVITS generator"
PRO = frozenset({"v2Pro", "v2ProPlus"})

SV = (
    "from ERes2NetV2 import ERes2NetV2\n\n"
    "class SV:\n"
    "    def __init__(self, device):\n"
    "        self.embedding_model = ERes2NetV2(baseWidth=24)\n"
)
ENCODER = "class ERes2NetV2(nn.Module):\n    pass\n"
PREPARE = (
    "import torch\n"
    "from ERes2NetV2 import ERes2NetV2\n\n"
    "model = ERes2NetV2(baseWidth=24)\n"
    "torch.save(model(wav), 'sv.pt')\n"
)
WEBUI = (
    "from module.models import SynthesizerTrn\n"
    "from sv import SV\n\n"
    "def init_sv():\n"
    "    global sv_model\n"
    "    sv_model = SV(device)\n\n"
    'if model_version in {"v2Pro", "v2ProPlus"}:\n'
    "    init_sv()\n"
    "vq_model = SynthesizerTrn(1025, 32, **hps.model)\n"
)
UNGUARDED = WEBUI.replace('if model_version in {"v2Pro", "v2ProPlus"}:\n    ', "")


def _generations() -> list[Generation]:
    return [
        Generation(MODEL, v, f"sovits@{v}", "SynthesizerTrn", ("s2.json",), (f"version={v}",))
        for v in ("v1", "v2", "v2Pro", "v2ProPlus")
    ]


def _tree(files: Mapping[str, str]) -> tuple[dict[str, str], Callable[[str], bytes | None]]:
    listed = {path: f"blob-{path}" for path in files}
    return listed, lambda path: files[path].encode() if path in files else None


def _feeds(webui: str, **extra: str) -> dict[tuple[str, ...], frozenset[str]]:
    files = {
        "GPT_SoVITS/module/models.py": "class SynthesizerTrn(nn.Module):\n    pass\n",
        "GPT_SoVITS/sv.py": SV,
        "GPT_SoVITS/eres2net/ERes2NetV2.py": ENCODER,
        "GPT_SoVITS/prepare_datasets/2-get-sv.py": PREPARE,
        "GPT_SoVITS/inference_webui.py": webui,
        **extra,
    }
    listed, read = _tree(files)
    added = entry(
        "component.speaker-encoder",
        severity=Severity.HIGH,
        effect=Effect.INPUTS,
        models=(MODEL,),
        locations=tuple(
            Location(path, 1)
            for path in (
                "GPT_SoVITS/sv.py",
                "GPT_SoVITS/eres2net/ERes2NetV2.py",
                "GPT_SoVITS/prepare_datasets/2-get-sv.py",
            )
        ),
    )
    found = component_feeds([added], _generations(), load_model_map(MODEL_MAP), listed, read)
    return {key: values for key, values in found.items()}


def test_a_speaker_encoder_built_only_for_pro_versions_feeds_them_alone() -> None:
    # the dataset script builds the encoder too, but never the model: it feeds no checkpoint
    assert list(_feeds(WEBUI).values()) == [PRO]


def test_an_unguarded_use_by_code_that_builds_the_model_feeds_every_version() -> None:
    assert _feeds(UNGUARDED) == {}


def test_the_guard_may_sit_in_any_file_on_the_way_to_the_model() -> None:
    # a helper module builds SV unguarded; the inference script calls it under a test
    helper = "from sv import SV\n\ndef speaker_model():\n    return SV('cpu')\n"
    caller = (
        "from module.models import SynthesizerTrn\n"
        "from tools.speakers import speaker_model\n"
        'if "Pro" in version:\n'
        "    sv = speaker_model()\n"
    )
    found = _feeds(
        "print('no encoder here')\n",
        **{"GPT_SoVITS/tools/speakers.py": helper, "api.py": caller},
    )
    assert list(found.values()) == [PRO]
    # the same caller without its test: every version
    unguarded = caller.replace('if "Pro" in version:\n    ', "")
    found = _feeds(
        "print('no encoder here')\n",
        **{"GPT_SoVITS/tools/speakers.py": helper, "api.py": unguarded},
    )
    assert found == {}


def test_variant_values() -> None:
    pro = _generations()[2]
    assert variant_values(pro) == {"v2Pro"}
    assert variant_values(Generation(MODEL, None, "sovits", "SynthesizerTrn", ())) == frozenset()


def test_a_component_no_file_imports_feeds_every_version() -> None:
    # a content encoder swapped in a feature extractor that scripts outside the tree run
    swapped = entry(
        "component.content-encoder",
        severity=Severity.HIGH,
        effect=Effect.INPUTS,
        models=(MODEL,),
        locations=(Location("GPT_SoVITS/feature_extractor/cnhubert.py", 5),),
    )
    files = {"GPT_SoVITS/feature_extractor/cnhubert.py": "from transformers import Wav2Vec2Model\n"}
    listed, read = _tree(files)
    mapping = load_model_map(MODEL_MAP)
    assert component_feeds([swapped], _generations(), mapping, listed, read) == {}
