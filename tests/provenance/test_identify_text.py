"""identify's text and JSON: the summary sentence, the releases, the breaks, the schema."""

from __future__ import annotations

import json

import pytest

from auditor.provenance.identify import Identification
from auditor.provenance.identify_text import identify_document, render_json, render_table, summary
from tests.conftest import validate
from tests.provenance.conftest import PHONEMES


@pytest.mark.torch
@pytest.mark.bisect
def test_the_summary_names_the_commit_that_breaks_it(identified_v1: Identification) -> None:
    first = identified_v1.breaks[0].bisect
    assert first is not None and first.first_rejecting is not None
    assert summary(identified_v1) == (
        f"loads at v1.0; fails from {first.first_rejecting.short_sha} on (v2.0 … v3.2) with "
        "enc_p.text_embedding.weight [300, 192] -> [714, 192]"
    )


@pytest.mark.torch
@pytest.mark.bisect
def test_json_follows_its_schema(identified_v1: Identification) -> None:
    document = json.loads(render_json(identified_v1))
    validate(document, "identify")
    assert document == identify_document(identified_v1)
    assert [r["status"] for r in document["releases"]] == ["loads", *["fails-to-load"] * 4]
    assert document["model"]["name"] == "sovits@v1"
    assert document["model"]["choice"]["by"] == "version-tag"
    assert document["breaks"][0]["first_rejecting"]["subject"] == PHONEMES
    assert document["checkpoint"]["file"] == "s2G_v1.pth"
    assert document["weights_only"]["version_tag"] == "00"


@pytest.mark.torch
@pytest.mark.bisect
def test_the_table(identified_v1: Identification, identified_v2: Identification) -> None:
    text = render_table(identified_v1)
    assert "layout      GPT-SoVITS SoVITS v1\n" in text
    assert (
        "model       sovits@v1 (SynthesizerTrn from GPT_SoVITS/configs/s2.json) at v1.0\n" in text
    )
    assert "  v1.0  " in text and "  loads          sovits@v1\n" in text
    assert f"first rejected at {identified_v1.breaks[0].bisect.first_rejecting.short_sha}" in text  # type: ignore[union-attr]
    assert "      enc_p.text_embedding.weight [300, 192] -> [714, 192]\n" in text
    assert "torch.load  torch.load cannot open it: its first bytes are the version tag '00'" in text
    other = render_table(identified_v2)
    assert "\nfails at v1.0 with " in other and "; loads at v2.0; fails from " in other
