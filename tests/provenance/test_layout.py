"""What a checkpoint's layout says on its own: project, model, generation, and why."""

from __future__ import annotations

from auditor.checkpoints import Checkpoint, ContainerFormat, TensorInfo
from auditor.checkpoints.checkpoint import JSONValue
from auditor.provenance.layout import Layout, read_layout


def ckpt(
    shapes: dict[str, tuple[int, ...]],
    *,
    tag: str | None = None,
    config: JSONValue = None,
    keys: tuple[str, ...] = ("weight", "config", "info"),
    extras: dict[str, JSONValue] | None = None,
) -> Checkpoint:
    tensors = {key: TensorInfo("float16", shape) for key, shape in shapes.items()}
    return Checkpoint(ContainerFormat.TORCH_ZIP, tag, tensors, config, keys, extras or {})


SOVITS = {
    "enc_p.text_embedding.weight": (732, 192),
    "quantizer.vq.layers.0._codebook.embed": (1024, 768),
    "dec.conv_pre.weight": (512, 192, 7),
}


def test_gpt_sovits_sovits_by_its_tag() -> None:
    layout = read_layout(ckpt({**SOVITS, "sv_emb.weight": (1024, 20480)}, tag="05"))
    assert layout == Layout(
        "GPT-SoVITS",
        "SoVITS",
        "v2Pro",
        (
            "enc_p.text_embedding.weight (the SoVITS synthesizer's phoneme table or codebook)",
            "version tag 05 names v2Pro",
        ),
    )
    assert layout.label == "GPT-SoVITS SoVITS v2Pro"


def test_gpt_sovits_sovits_by_its_symbol_table_and_by_cfm() -> None:
    assert read_layout(ckpt(SOVITS)).generation == "v2"
    v1 = {**SOVITS, "enc_p.text_embedding.weight": (322, 192)}
    assert read_layout(ckpt(v1)).evidence[-1] == "322 symbols (v1's table)"
    v3 = {**SOVITS, "cfm.estimator.proj.weight": (1024, 100)}
    assert read_layout(ckpt(v3)).generation == "v3/v4"
    said = read_layout(ckpt(SOVITS, config={"model": {"version": "v1"}}))
    assert (said.generation, said.evidence[-1]) == ("v1", "config model.version names v1")


def test_gpt_sovits_gpt_stage_with_lightning_prefixes() -> None:
    shapes = {
        "model.ar_text_embedding.word_embeddings.weight": (732, 512),
        "model.ar_audio_embedding.word_embeddings.weight": (1025, 512),
    }
    layout = read_layout(ckpt(shapes))
    assert (layout.project, layout.model, layout.generation) == ("GPT-SoVITS", "GPT", "v2")
    assert layout.evidence[-1] == "732 phonemes (v2's vocabulary)"


def test_rvc_by_its_list_config_and_container() -> None:
    shapes = {"enc_p.emb_phone.weight": (192, 768), "enc_p.emb_pitch.weight": (256, 192)}
    layout = read_layout(
        ckpt(
            shapes,
            config=[1025, 32, 192, 40000],
            keys=("weight", "config", "info", "sr", "f0", "version"),
            extras={"info": "300epoch", "sr": "40k", "f0": 1, "version": "v2"},
        )
    )
    assert layout == Layout(
        "RVC",
        "synthesizer",
        "v2",
        (
            "its config is a list of constructor arguments",
            "container version names v2",
            "with pitch (f0)",
            "sampling rate 40k",
        ),
    )
    unversioned = read_layout(ckpt({"enc_p.emb_phone.weight": (192, 256)}))
    assert unversioned.generation == "v1"


def test_so_vits_svc_training_checkpoint() -> None:
    shapes = {
        "pre.weight": (192, 768, 5),
        "enc_p.enc.attn_layers.0.conv_q.weight": (192, 192, 1),
        "f0_decoder.prenet.weight": (192, 1, 3),
    }
    keys = ("model", "iteration", "optimizer", "learning_rate")
    layout = read_layout(ckpt(shapes, keys=keys))
    assert (layout.label, layout.training) == ("so-vits-svc synthesizer 4.1", True)
    assert "content features 768 wide" in layout.evidence


def test_bert_vits2_vits_and_unknown() -> None:
    bert = {"enc_p.bert_proj.weight": (192, 1024, 1), "enc_p.emb.weight": (112, 192)}
    assert read_layout(ckpt(bert)).project == "Bert-VITS2"
    vits = {"enc_p.emb.weight": (178, 192), "dec.conv_pre.weight": (512, 192, 7)}
    assert read_layout(ckpt(vits)).label == "VITS synthesizer"
    # ``enc_p.emb_g`` is not ``enc_p.emb``: whole dotted components only
    assert read_layout(ckpt({"enc_p.emb_g.weight": (4, 4)})).label == "an unknown model"
