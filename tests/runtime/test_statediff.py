"""State-dict maps compared: missing, unexpected, shape mismatches and likely renames."""

from __future__ import annotations

from auditor.runtime.results import Rename, ShapeMismatch
from auditor.runtime.statediff import diff_state_maps

OLD = {
    "enc_p.text_embedding.weight": (322, 192),
    "ref_enc.spectral.0.weight": (128, 704),
    "ref_enc.spectral.0.bias": (128,),
    "ref_enc.fc.fc.weight": (512, 128),
    "sdp.pre.weight": (192, 192, 1),
    "dec.conv_pre.weight": (512, 192, 7),
}


def test_keys_and_shapes() -> None:
    new = {
        "enc_p.text_embedding.weight": (732, 192),
        "ref_enc.spectral.0.weight": (128, 704),
        "ref_enc.spectral.0.bias": (128,),
        "ref_enc.fc.fc.weight": (512, 128),
        "dp.proj.weight": (1, 256, 1),
        "dec.conv_pre.weight": (512, 192, 7),
    }
    diff = diff_state_maps(OLD, new)
    assert diff.missing == ("dp.proj.weight",)
    assert diff.unexpected == ("sdp.pre.weight",)
    assert diff.mismatches == (
        ShapeMismatch("enc_p.text_embedding.weight", (322, 192), (732, 192)),
    )
    assert diff.renames == ()


def test_a_subtree_that_moves_whole_is_a_likely_rename() -> None:
    new = {k.replace("ref_enc.", "ref_encoder."): v for k, v in OLD.items()}
    diff = diff_state_maps(OLD, new)
    assert diff.renames == (Rename("ref_enc", "ref_encoder", 3),)
    assert len(diff.missing) == len(diff.unexpected) == 3
    assert diff.mismatches == ()


def test_a_nested_rename_keeps_its_full_prefix() -> None:
    new = {k.replace("ref_enc.fc.fc.", "ref_enc.fc.linear."): v for k, v in OLD.items()}
    assert diff_state_maps(OLD, new).renames == (Rename("ref_enc.fc.fc", "ref_enc.fc.linear", 1),)


def test_a_moved_tensor_with_another_shape_is_not_renamed() -> None:
    new = {k.replace("ref_enc.", "ref_encoder."): v for k, v in OLD.items()}
    new["ref_encoder.fc.fc.weight"] = (1024, 128)
    # the part that kept its shapes is still a rename; the resized one is not
    assert diff_state_maps(OLD, new).renames == (
        Rename("ref_enc.spectral", "ref_encoder.spectral", 2),
    )


def test_a_subtree_only_partly_moved_is_not_a_rename() -> None:
    new = dict(OLD)
    del new["ref_enc.spectral.0.bias"]
    new["ref_encoder.spectral.0.bias"] = (128,)
    renames = diff_state_maps(OLD, new).renames
    assert [r.old for r in renames] == []


def test_identical_siblings_are_ambiguous_not_renames() -> None:
    old = {"flows.0.w": (4, 4), "flows.2.w": (4, 4), "keep.w": (1,)}
    new = {"flows.1.w": (4, 4), "flows.3.w": (4, 4), "keep.w": (1,)}
    assert diff_state_maps(old, new).renames == ()


def test_a_removed_and_an_added_module_are_not_a_rename() -> None:
    old = {"sdp.pre.weight": (192, 192, 1), "sdp.proj.weight": (2, 192, 1)}
    new = {"dp.conv_1.weight": (256, 192, 3), "dp.proj.weight": (1, 256, 1)}
    assert diff_state_maps(old, new).renames == ()
