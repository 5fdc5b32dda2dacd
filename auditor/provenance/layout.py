"""What a checkpoint file says about its model on its own, before any repository is read.

Each project of the VITS family saves its own way and names its submodules its own way, so
the state dict's keys and the container tell them apart: GPT-SoVITS's GPT stage holds
``ar_text_embedding``, its SoVITS stage ``enc_p.text_embedding`` and a ``quantizer``; RVC
stores its config as a list beside ``f0``, ``sr`` and ``version``; so-vits-svc projects
content features with ``pre``; Bert-VITS2 has ``enc_p.bert_proj``; vits ``enc_p.emb``.
The generation comes from what the checkpoint names (a version tag, ``version`` in its
config or container) and else from tell-tale keys and sizes. The repository's own models
(``identify PATH``) have the last word; this is what can be said without them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from auditor.checkpoints.checkpoint import Checkpoint
from auditor.checkpoints.evidence import version_evidence

#: GPT-SoVITS's symbol tables (SoVITS ``enc_p.text_embedding``) and phoneme vocabularies
#: (GPT ``ar_text_embedding``), by size.
SOVITS_SYMBOLS = {322: "v1", 732: "v2"}
GPT_PHONEMES = {512: "v1", 732: "v2"}
#: RVC's content features: 256 (HuBERT's projection, v1) or 768 (its 12th layer, v2) wide.
RVC_FEATURES = {256: "v1", 768: "v2"}


@dataclass(frozen=True)
class Layout:
    """The project and model a checkpoint's layout points to, its generation, and why."""

    project: str | None
    model: str | None
    generation: str | None = None
    evidence: tuple[str, ...] = ()
    training: bool = False

    @property
    def label(self) -> str:
        """``GPT-SoVITS SoVITS v2Pro``, or ``an unknown model``."""
        if self.project is None:
            return "an unknown model"
        return " ".join(p for p in (self.project, self.model, self.generation) if p)


def read_layout(checkpoint: Checkpoint) -> Layout:
    """What CHECKPOINT's keys, container and config say about its model."""
    shapes = {key: info.shape for key, info in checkpoint.tensors.items()}
    training = {"optimizer", "iteration"} <= set(checkpoint.container_keys)
    for detect in _DETECTORS:
        layout = detect(checkpoint, shapes)
        if layout is not None:
            return Layout(
                layout.project, layout.model, layout.generation, layout.evidence, training
            )
    return Layout(None, None, training=training)


def _find(shapes: Mapping[str, tuple[int, ...]], part: str) -> str | None:
    """The first key holding PART as whole dotted components: ``enc_p.emb`` is in
    ``model.enc_p.emb.weight``, not in ``enc_p.emb_g.weight``."""
    return next((key for key in shapes if f".{part}." in f".{key}."), None)


def _named(checkpoint: Checkpoint) -> tuple[str | None, list[str]]:
    said = version_evidence(checkpoint)
    if not said:
        return None, []
    return said[0].version, [f"{e.detail} names {e.version}" for e in said]


def _gpt(checkpoint: Checkpoint, shapes: Mapping[str, tuple[int, ...]]) -> Layout | None:
    key = _find(shapes, "ar_text_embedding")
    if key is None:
        return None
    evidence = [f"{key} (the text-to-semantic decoder's phoneme embedding)"]
    version, said = _named(checkpoint)
    if version is None and len(shapes[key]) == 2 and shapes[key][0] in GPT_PHONEMES:
        version = GPT_PHONEMES[shapes[key][0]]
        said = [f"{shapes[key][0]} phonemes ({version}'s vocabulary)"]
    return Layout("GPT-SoVITS", "GPT", version, (*evidence, *said))


def _sovits(checkpoint: Checkpoint, shapes: Mapping[str, tuple[int, ...]]) -> Layout | None:
    key = _find(shapes, "enc_p.text_embedding") or _find(shapes, "quantizer.vq")
    if key is None:
        return None
    evidence = [f"{key} (the SoVITS synthesizer's phoneme table or codebook)"]
    version, said = _named(checkpoint)
    if version is None and _find(shapes, "cfm") is not None:
        version, said = "v3/v4", ["cfm.* (the flow-matching decoder of v3 and v4)"]
    elif version is None and _find(shapes, "sv_emb") is not None:
        version, said = "v2Pro", ["sv_emb.* (the speaker-verification embedding of v2Pro)"]
    elif version is None and key.endswith("text_embedding.weight"):
        rows = shapes[key][0] if shapes[key] else 0
        if rows in SOVITS_SYMBOLS:
            version = SOVITS_SYMBOLS[rows]
            said = [f"{rows} symbols ({version}'s table)"]
    return Layout("GPT-SoVITS", "SoVITS", version, (*evidence, *said))


def _rvc(checkpoint: Checkpoint, shapes: Mapping[str, tuple[int, ...]]) -> Layout | None:
    extras = checkpoint.extras
    key = _find(shapes, "enc_p.emb_phone")
    listed = isinstance(checkpoint.config, list)
    if key is None and not listed and not {"f0", "sr"} <= set(extras):
        return None
    evidence = []
    if listed:
        evidence.append("its config is a list of constructor arguments")
    version = extras.get("version") if isinstance(extras.get("version"), str) else None
    if version is not None:
        evidence.append(f"container version names {version}")
    elif key is not None and len(shapes[key]) == 2 and shapes[key][1] in RVC_FEATURES:
        version = RVC_FEATURES[shapes[key][1]]
        evidence.append(f"{key} reads {shapes[key][1]}-wide features ({version})")
    if "f0" in extras:
        evidence.append("with pitch (f0)" if extras["f0"] else "without pitch (f0 0)")
    if "sr" in extras:
        evidence.append(f"sampling rate {extras['sr']}")
    return Layout("RVC", "synthesizer", str(version) if version else None, tuple(evidence))


def _bert_vits2(checkpoint: Checkpoint, shapes: Mapping[str, tuple[int, ...]]) -> Layout | None:
    key = _find(shapes, "enc_p.bert_proj")
    if key is None:
        return None
    evidence = [f"{key} (BERT features projected into the text encoder)"]
    version, said = _named(checkpoint)
    return Layout("Bert-VITS2", "synthesizer", version, (*evidence, *said))


def _so_vits_svc(checkpoint: Checkpoint, shapes: Mapping[str, tuple[int, ...]]) -> Layout | None:
    key = _find(shapes, "pre")
    if key is None or _find(shapes, "enc_p") is None:
        return None
    evidence = [f"{key} (content features projected into the encoder)"]
    if len(shapes[key]) >= 2:
        evidence.append(f"content features {shapes[key][1]} wide")
    generation = None
    if _find(shapes, "f0_decoder") is not None:
        generation = "4.1"
        evidence.append("f0_decoder.* (4.1's pitch predictor)")
    elif _find(shapes, "emb_uv") is not None:
        generation = "4.x"
        evidence.append("emb_uv.* (4.x's voicing embedding)")
    return Layout("so-vits-svc", "synthesizer", generation, tuple(evidence))


def _vits(checkpoint: Checkpoint, shapes: Mapping[str, tuple[int, ...]]) -> Layout | None:
    key = _find(shapes, "enc_p.emb")
    if key is None or _find(shapes, "dec.conv_pre") is None:
        return None
    return Layout("VITS", "synthesizer", None, (f"{key} (a symbol table) and dec.conv_pre",))


_DETECTORS: tuple[Callable[[Checkpoint, Mapping[str, tuple[int, ...]]], Layout | None], ...] = (
    _gpt,
    _sovits,
    _rvc,
    _bert_vits2,
    _so_vits_svc,
    _vits,
)
