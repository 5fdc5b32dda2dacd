"""Checkpoint files for the tests: GPT-SoVITS style saves, tagged zips, safetensors, exploits.

The ``torch_*`` builders and :func:`model_checkpoint` need torch (they take the module as an
argument, so a test that uses them calls ``pytest.importorskip("torch")`` itself);
:func:`saved_checkpoint` skips the test itself when torch is missing.
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

#: The state dict of the tiny model: key, shape. ``enc_p.text_embedding`` as in GPT-SoVITS v2.
TINY_SHAPES = {
    "enc_p.text_embedding.weight": (322, 192),
    "enc_p.proj.weight": (384, 192, 1),
    "enc_p.proj.bias": (384,),
    "dec.conv_pre.weight": (8, 192, 7),
    "dec.conv_pre.bias": (8,),
}
TINY_PARAMETERS = sum(a * b * c for a, b, c in ((322, 192, 1), (384, 192, 1), (8, 192, 7))) + 392
CONFIG = {"train": {"segment_size": 20480}, "model": {"inter_channels": 192}, "version": "v2"}


def tiny_state_dict(torch: Any) -> dict[str, Any]:
    """The state dict of a tiny SynthesizerTrn look-alike, in float16 as GPT-SoVITS saves it."""
    nn = torch.nn
    torch.manual_seed(0)
    enc_p = nn.Module()
    enc_p.text_embedding = nn.Embedding(322, 192)
    enc_p.proj = nn.Conv1d(192, 384, 1)
    dec = nn.Module()
    dec.conv_pre = nn.Conv1d(192, 8, 7)
    model = nn.Module()
    model.enc_p = enc_p
    model.dec = dec
    return {key: value.half() for key, value in model.state_dict().items()}


def torch_gpt_sovits(
    torch: Any, path: Path, *, tag: bytes | None = None, legacy: bool = False
) -> Path:
    """Save ``{"weight", "config", "info"}`` as GPT-SoVITS does; ``tag`` overwrites ``PK``."""
    checkpoint = {"weight": tiny_state_dict(torch), "config": CONFIG, "info": "e8_s200"}
    torch.save(checkpoint, path, _use_new_zipfile_serialization=not legacy)
    if tag is not None:
        data = path.read_bytes()
        path.write_bytes(tag + data[2:])
    return path


def write_safetensors(path: Path, tensors: dict[str, tuple[str, tuple[int, ...]]]) -> Path:
    """A safetensors file written by hand: the JSON header, then zero bytes for the data."""
    sizes = {"F32": 4, "F16": 2, "I64": 8}
    header: dict[str, Any] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for key, (dtype, shape) in tensors.items():
        length = sizes[dtype]
        for dim in shape:
            length *= dim
        header[key] = {
            "dtype": dtype,
            "shape": list(shape),
            "data_offsets": [offset, offset + length],
        }
        offset += length
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(offset))
    return path


class Exploit:
    """Pickles to ``os.system("touch MARKER")``: loading it would create the marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def malicious_pickle(marker: Path) -> bytes:
    """A GPT-SoVITS-looking checkpoint whose ``info`` runs a shell command when unpickled."""
    return pickle.dumps({"weight": {}, "info": Exploit(marker)}, protocol=2)


def write_malicious_zip(path: Path, marker: Path, *, tag: bytes | None = None) -> Path:
    """The malicious pickle inside a ``torch.save``-style zip (``archive/data.pkl``)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", malicious_pickle(marker))
        archive.writestr("archive/version", "3\n")
    if tag is not None:
        path.write_bytes(tag + path.read_bytes()[2:])
    return path


def model_checkpoint(
    torch: Any,
    repo: Path,
    rev: str,
    path: Path,
    *,
    model: str = "sovits",
    tag: bytes | None = None,
    version: bool = True,
    drop: str | None = None,
) -> Path:
    """Build MODEL of the gpt-sovits profile at REV (on CPU, in a worker) and save its weights
    as GPT-SoVITS does: ``{"weight": float16 state dict, "config": hps, "info"}``.

    ``version=False`` leaves ``model.version`` out of the stored hps (older saves lack it);
    ``drop`` leaves out every key holding it, as the project's ``savee`` drops ``enc_q``.
    """
    from auditor.history import BlobReader, files_at, open_repository, resolve_revision
    from auditor.runtime.confirm import run_worker
    from auditor.runtime.materialise import materialise
    from auditor.runtime.profile import load_profile
    from auditor.runtime.request import build_request

    profile = load_profile("gpt-sovits")
    work = path.parent / f"{path.name}.build"
    git_repo = open_repository(repo)
    try:
        tree = files_at(git_repo, resolve_revision(git_repo, rev))
        with BlobReader(git_repo) as blobs:
            done = materialise(blobs, tree, profile.files, work / "tree")
            request = build_request(profile, blobs, tree, done.root).for_device("cpu", {model})
    finally:
        git_repo.close()
    (entry,) = request["models"]
    entry.update(save=str(work / "weights.pt"), inputs=None)
    answer = run_worker(request, done.root, work / "request.json", 300)
    assert answer["models"][model]["built"], answer
    state = torch.load(work / "weights.pt", weights_only=True)
    weight = {key: value.half() for key, value in state.items() if not (drop and drop in key)}
    hps = entry["hps"]
    if not version:
        hps["model"].pop("version", None)
    torch.save({"weight": weight, "config": hps, "info": "e8_s200"}, path)
    if tag is not None:
        path.write_bytes(tag + path.read_bytes()[2:])
    return path


def saved_checkpoint(
    factory: pytest.TempPathFactory,
    repo: Path,
    rev: str,
    name: str = "s2G.pth",
    *,
    model: str = "sovits",
    tag: bytes | None = None,
    version: bool = True,
    drop: str | None = None,
) -> Path:
    """:func:`model_checkpoint` of REPO at REV, saved as NAME in a new temporary folder of
    FACTORY; the test is skipped without torch."""
    torch = pytest.importorskip("torch")
    path = factory.mktemp(Path(name).stem) / name
    return model_checkpoint(
        torch, repo, rev, path, model=model, tag=tag, version=version, drop=drop
    )


def shapes_checkpoint(torch: Any, path: Path, shapes: dict[str, tuple[int, ...]]) -> Path:
    """A ``{"weight": ...}`` checkpoint with these shapes, each tensor one float expanded
    (the file stays small however large the model)."""
    weight = {key: torch.zeros(1).expand(shape) for key, shape in shapes.items()}
    torch.save({"weight": weight, "config": {}}, path)
    return path
