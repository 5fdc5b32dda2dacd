"""Worker requests: config overrides of variants, the repository's own module names."""

from __future__ import annotations

from auditor.runtime.request import own_modules, with_overrides


def test_overrides_set_dotted_keys_on_a_copy() -> None:
    hps = {"model": {"version": "v1", "gin_channels": 512}, "data": {"n_speakers": 300}}
    changed = with_overrides(hps, [("model.version", "v2Pro"), ("extra.flag", True)])
    assert changed["model"] == {"version": "v2Pro", "gin_channels": 512}
    assert changed["extra"] == {"flag": True}
    assert hps["model"]["version"] == "v1"


def test_own_modules_are_the_top_level_names_under_each_root() -> None:
    tree = {
        "GPT_SoVITS/module/models.py": "a",
        "GPT_SoVITS/text/symbols.py": "b",
        "GPT_SoVITS/utils.py": "c",
        "webui.py": "d",
        "tools/i18n/locale/en_US.json": "e",
    }
    assert own_modules(tree, ["GPT_SoVITS", "."]) == [
        "GPT_SoVITS",
        "module",
        "text",
        "tools",
        "utils",
        "webui",
    ]
