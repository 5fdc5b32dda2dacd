"""verify's text and JSON: the stamp, the findings, the first breaking commit, the verdict."""

from __future__ import annotations

import json

import pytest

from auditor.provenance.verify_text import render_json, render_table, verify_document
from auditor.schemas import load_schema
from tests.conftest import validate
from tests.provenance.conftest import PHONEMES, V2_DEFAULT, Story, VariantStory


@pytest.mark.torch
@pytest.mark.bisect
def test_json_follows_its_schema(story: Story) -> None:
    document = json.loads(render_json(story.verified))
    validate(document, "verify")
    assert document["verdict"] == "breaks"
    assert document["first_breaking"]["subject"] == PHONEMES
    assert document["first_breaking"]["fact"] == (
        "enc_p.text_embedding.weight [300, 192] -> [714, 192]"
    )
    assert document["first_breaking"]["findings"]
    assert document["manifest"]["model"]["name"] == "sovits@v1"
    assert document["hash"]["matches"] is True
    assert document["runtime"]["outcome"] == "fails-to-load"
    assert document["loads_as"] is None
    assert document == json.loads(json.dumps(verify_document(story.verified)))


@pytest.mark.torch
@pytest.mark.bisect
def test_json_names_the_variant_that_loads_it(variant_story: VariantStory) -> None:
    document = json.loads(render_json(variant_story.verified))
    validate(document, "verify")
    assert document["verdict"] == "loads-as-variant"
    assert document["manifest"]["model"]["name"] == "sovits"
    assert document["runtime"]["outcome"] == "fails-to-load"
    assert document["loads_as"]["model"] == "sovits@v1"
    assert document["loads_as"]["status"] == "loads"
    assert document["loads_as"]["check"]["outcome"] == "loads"
    assert document["first_breaking"]["subject"] == V2_DEFAULT


@pytest.mark.torch
@pytest.mark.bisect
def test_the_table(story: Story) -> None:
    text = render_table(story.verified)
    stamped = story.stamped.manifest.repository.commit[:7]
    assert (
        f"stamped     {stamped} Re-indent s2.json and reorder its keys (v1.0), sovits@v1\n" in text
    )
    assert "sha256      matches (file: " in text
    assert "static      " in text and " findings about SoVITS generator in " in text
    assert "\nverdict     breaks: HEAD rejects it\n" in text
    first = story.verified.bisect.first_rejecting  # type: ignore[union-attr]
    fact = "enc_p.text_embedding.weight [300, 192] -> [714, 192]"
    assert f"first breaking commit {first.short_sha} {PHONEMES}: {fact}" in text
    assert "  torch ==2.1.0 -> ==2.3.1\n" in text


@pytest.mark.torch
@pytest.mark.bisect
def test_the_table_names_the_variant(variant_story: VariantStory) -> None:
    text = render_table(variant_story.verified)
    target = f"HEAD ({variant_story.verified.target_sha[:7]})"  # type: ignore[index]
    assert f"\nat the target {target}, as sovits@v1:\nmodel       sovits@v1 (" in text
    assert "\noutcome     loads\n" in text
    assert "\nverdict     loads as a variant: HEAD rejects it as sovits, but loads it as " in text
    first = variant_story.verified.bisect.first_rejecting  # type: ignore[union-attr]
    fact = "ref_enc.spectral.0.weight [128, 1025] -> [128, 704]"
    line = f"first commit that rejects it as sovits {first.short_sha} {V2_DEFAULT}: {fact}"
    assert line in text


def test_the_schema_copies_stay_equal() -> None:
    """verify's schema inlines check-ckpt's check and bisect, the manifest and identify."""
    verify = load_schema("verify")
    checked = load_schema("ckpt-check")
    for name, definition in checked["$defs"].items():
        assert verify["$defs"][name] == definition, name
    ids = ("$schema", "$id", "title", "$defs")
    for name, copied in (("manifest", "manifest"), ("identify", "identification")):
        schema = load_schema(name)
        dropped = ids if name == "identify" else ids[:3]
        assert verify["$defs"][copied] == {k: v for k, v in schema.items() if k not in dropped}
        for shared, definition in schema.get("$defs", {}).items():
            assert verify["$defs"][shared] == definition, shared
