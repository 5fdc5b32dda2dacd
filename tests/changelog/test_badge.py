"""Release badges: what each says, and the same bytes every time."""

from __future__ import annotations

from auditor.changelog.badge import GREEN, GREY, RED, badge, badge_file, release_badges
from auditor.changelog.matrix import build_matrix
from auditor.classify.effects import Loads
from tests.changelog.helpers import entry, section, verdict


def test_each_release_counts_the_previous_releases_checkpoints_that_break() -> None:
    shape = entry("model.hidden", commits=("b",))
    sections = [
        section("v3", verdict("gen"), verdict("gpt")),
        section("v2", verdict("gen", Loads.NO, shape), verdict("gpt", Loads.NON_STRICT, shape)),
        section("v1", verdict("gen"), verdict("gpt")),
    ]
    badges = dict(release_badges(build_matrix(sections)))
    assert list(badges) == ["v1.svg", "v2.svg", "v3.svg"]
    assert "checkpoints: first release" in badges["v1.svg"] and GREY in badges["v1.svg"]
    assert "checkpoints: breaks 2" in badges["v2.svg"] and RED in badges["v2.svg"]
    assert "checkpoints: loads" in badges["v3.svg"] and GREEN in badges["v3.svg"]
    assert dict(release_badges(build_matrix(sections))) == badges


def test_badge_text_is_fixed() -> None:
    assert badge("checkpoints", "loads", GREEN) == (
        '<svg xmlns="http://www.w3.org/2000/svg" width="132" height="20" role="img" '
        'aria-label="checkpoints: loads">\n'
        "  <title>checkpoints: loads</title>\n"
        '  <rect width="87" height="20" fill="#555"/>\n'
        '  <rect x="87" width="45" height="20" fill="#4c1"/>\n'
        '  <g fill="#fff" text-anchor="middle" '
        'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">\n'
        '    <text x="43.5" y="14">checkpoints</text>\n'
        '    <text x="109.5" y="14">loads</text>\n'
        "  </g>\n"
        "</svg>\n"
    )
    assert badge_file("release/2024 v2") == "release_2024_v2.svg"
    assert "a &lt;b&gt;" in badge("a <b>", "x", RED)
