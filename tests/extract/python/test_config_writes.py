"""Configs written by scripts: ``cfg["model"]["ssl_dim"] = 1024`` under an option's branch."""

from __future__ import annotations

from collections.abc import Callable

from auditor.extract.python.parse import summarise_module
from auditor.extract.python.resolve import resolve_python_facts
from auditor.pipeline import AuditOptions, scan
from tests.gitrepo import GitRepo

SCRIPT = """import json
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--speech_encoder", default="vec768l12")
args = parser.parse_args()
N_SPEAKERS = 8


def write(config, speakers):
    config["model"]["n_speakers"] = N_SPEAKERS
    return config


if __name__ == "__main__":
    config = json.load(open("configs_template/config_template.json"))
    speakers = sorted(set())
    config["train"]["batch_size"] = 6
    if args.speech_encoder == "vec768l12":
        config["model"]["ssl_dim"] = config["model"]["gin_channels"] = 768
    elif args.speech_encoder == "whisper-ppg":
        config["model"]["ssl_dim"] = 1024
    json.dump(config, open("configs/config.json", "w"))
"""


def facts(source: str) -> dict[str, object]:
    summary = summarise_module(source.encode())
    found = resolve_python_facts("preprocess.py", {"preprocess.py": summary})
    return {f.key: f.value for f in found if f.kind.value == "config"}


def test_each_write_is_a_config_fact_qualified_by_its_branch() -> None:
    assert facts(SCRIPT) == {
        "model.gin_channels [speech_encoder=vec768l12]": 768,
        "model.n_speakers": 8,
        "model.ssl_dim [speech_encoder=vec768l12]": 768,
        "model.ssl_dim [speech_encoder=whisper-ppg]": 1024,
        "train.batch_size": 6,
    }


def test_a_plain_dict_and_a_value_from_the_dataset() -> None:
    source = 'if __name__ == "__main__":\n    d = {}\n    d["x"] = 1\n    cfg = {}\n'
    source += '    cfg["model"]["n_speakers"] = len(spk)\n'
    assert facts(source) == {"model.n_speakers": "<expr:len(spk)>"}


def test_a_value_changed_inside_its_branch_is_critical_for_that_branch(
    make_repo: Callable[..., GitRepo],
) -> None:
    repo = make_repo()
    repo.commit("root", {"preprocess.py": SCRIPT})
    sha = repo.commit(
        "whisper-ppg is 1280 wide",
        {"preprocess.py": SCRIPT.replace('["ssl_dim"] = 1024', '["ssl_dim"] = 1280')},
    )
    report = scan(repo.path, None, AuditOptions(use_cache=False))
    found = [(f.commit, f.rule, f.severity.value, f.key, f.old, f.new) for f in report.findings]
    assert found == [
        (sha, "MA101", "critical", "model.ssl_dim [speech_encoder=whisper-ppg]", 1024, 1280)
    ]
