"""How a script sets itself up: the configs it names and the folders it imports from."""

from __future__ import annotations

import textwrap

from auditor.extract.python import summarise_module
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.runtime.script_setup import NamedConfig, named_configs, sys_path_of
from auditor.runtime.scripts import Script, read_script

UTILS = """\
    import argparse


    def get_hparams():
        parser = argparse.ArgumentParser()
        parser.add_argument("-c", "--config", default="./configs/base.json")
        return parser.parse_args()
"""


def _script(path: str, source: str) -> Script:
    found = read_script(path, textwrap.dedent(source).encode())
    assert found is not None
    return found


def test_configs_named_by_the_script_and_by_its_loader() -> None:
    script = _script(
        "tools/train.py",
        """\
        import utils
        net.state_dict()
        hps = utils.get_hparams()
        other = load("local.yaml")
        missing = "configs/gone.json"
        """,
    )
    files = {
        "utils.py": textwrap.dedent(UTILS).encode(),
        "tools/train.py": b"",
        "configs/base.json": b"{}",
        "tools/local.yaml": b"a: 1",
    }
    snapshot = PythonSnapshot({"utils.py": summarise_module(files["utils.py"])})
    named = named_configs(script, snapshot, files, files.get)
    # the script's own first (local.yaml from its folder), then its loader's default
    assert named.present == (
        NamedConfig("tools/local.yaml", "tools/train.py:4"),
        NamedConfig("configs/base.json", "utils.py:6 (get_hparams)"),
    )
    assert named.absent == ("configs/gone.json",)


def test_sys_path_from_literals_cwd_and_file() -> None:
    script = _script(
        "GPT_SoVITS/inference/run.py",
        """\
        import os
        import sys

        now_dir = os.getcwd()
        here = os.path.dirname(os.path.abspath(__file__))
        sys.path.append(now_dir)
        sys.path.append(os.path.join(now_dir, "GPT_SoVITS"))
        sys.path.insert(0, here)
        sys.path.append(os.path.dirname(here))
        sys.path.append(os.environ["EXTRA"])
        net.load_state_dict({})
        """,
    )
    entries, notes = sys_path_of(script)
    assert entries == ("GPT_SoVITS/inference", ".", "GPT_SoVITS")
    assert notes == (
        "sys.path entry os.environ['EXTRA'] at GPT_SoVITS/inference/run.py:10 not read",
    )
