import json
import time

import pytest

from auditor.domain import Fact, FactKind, FactValue
from auditor.extract.jsonc import MAX_DEPTH, extract_json_facts
from auditor.extract.text import MAX_TEXT_BYTES


def config(key: str, value: FactValue, line: int, parameter: str | None = None) -> Fact:
    leaf = parameter if parameter is not None else key.rsplit(".", 1)[-1]
    return Fact(FactKind.CONFIG, key, leaf, value, line)


S2_JSON = b"""{
  // SoVITS stage: GPT_SoVITS/configs/s2.json
  "train": {
    "log_interval": 100,
    "learning_rate": 0.0001,
    "betas": [0.8, 0.99],
    "fp16_run": true,
  },
  "data": {
    "max_wav_value": 32768.0,
    "sampling_rate": 32000,
    "filter_length": 2048,
    "pretrained": "https://huggingface.co/x // not a comment", /* mirror */
  },
  "model": {
    "inter_channels": 192,
    "upsample_rates": [10, 8, 2, 2],
    "resblock_dilation_sizes": [
      [1, 3, 5],
      [1, 3, 5]
    ],
    "gin_channels": 512,
    "semantic_frame_rate": "25hz",
    "use_sdp": null
  },
  "content_module": "cnhubert"
}
"""


def test_s2_json_gives_one_fact_per_leaf_sorted_by_key() -> None:
    result = extract_json_facts(S2_JSON)

    assert result.error is None
    assert result.facts == (
        config("content_module", "cnhubert", 26),
        config("data.filter_length", 2048, 12),
        config("data.max_wav_value", 32768.0, 10),
        config("data.pretrained", "https://huggingface.co/x // not a comment", 13),
        config("data.sampling_rate", 32000, 11),
        config("model.gin_channels", 512, 22),
        config("model.inter_channels", 192, 16),
        config("model.resblock_dilation_sizes", ((1, 3, 5), (1, 3, 5)), 18),
        config("model.semantic_frame_rate", "25hz", 23),
        config("model.upsample_rates", (10, 8, 2, 2), 17),
        config("model.use_sdp", None, 24),
        config("train.betas", (0.8, 0.99), 6),
        config("train.fp16_run", True, 7),
        config("train.learning_rate", 0.0001, 5),
        config("train.log_interval", 100, 4),
    )


def test_comment_markers_inside_strings_are_kept() -> None:
    data = b'{"url": "http://x", "glob": "a/*b*/c", "hash": "#1"} // trailing'

    facts = extract_json_facts(data).facts

    assert [(f.key, f.value) for f in facts] == [
        ("glob", "a/*b*/c"),
        ("hash", "#1"),
        ("url", "http://x"),
    ]


def test_block_comments_span_lines_and_count_in_line_numbers() -> None:
    data = b'{\n/* one\n   two */ "a": 1,\n  "b": /* inline */ 2\n}'

    assert extract_json_facts(data).facts == (config("a", 1, 3), config("b", 2, 4))


def test_trailing_commas_in_objects_and_lists() -> None:
    data = b'{"model": {"upsample_rates": [10, 8, 2, 2,], "n_layers": 6,},}'

    assert extract_json_facts(data).facts == (
        config("model.n_layers", 6, 1),
        config("model.upsample_rates", (10, 8, 2, 2), 1),
    )


def test_key_reordering_gives_the_same_keys_and_values() -> None:
    reordered = b"""{
  "content_module": "cnhubert",
  "model": {"use_sdp": null, "semantic_frame_rate": "25hz", "gin_channels": 512,
            "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5]],
            "upsample_rates": [10, 8, 2, 2], "inter_channels": 192},
  "data": {"pretrained": "https://huggingface.co/x // not a comment",
           "filter_length": 2048, "sampling_rate": 32000, "max_wav_value": 32768.0},
  "train": {"fp16_run": true, "betas": [0.8, 0.99], "learning_rate": 0.0001,
            "log_interval": 100}
}"""

    def keyed(data: bytes) -> set[tuple[str, FactValue]]:
        return {(f.key, f.value) for f in extract_json_facts(data).facts}

    assert keyed(reordered) == keyed(S2_JSON)


def test_lists_of_objects_are_indexed() -> None:
    data = b"""{"speakers": [
  {"name": "a", "ids": [1, 2]},
  {"name": "b"}
]}"""

    assert extract_json_facts(data).facts == (
        config("speakers[0].ids", (1, 2), 2, "ids"),
        config("speakers[0].name", "a", 2, "name"),
        config("speakers[1].name", "b", 3, "name"),
    )


def test_mixed_lists_index_every_element_under_the_list_name() -> None:
    data = b'{"layers": [3, {"kind": "conv"}, [1, 2]]}'

    assert extract_json_facts(data).facts == (
        config("layers[0]", 3, 1, "layers"),
        config("layers[1].kind", "conv", 1, "kind"),
        config("layers[2]", (1, 2), 1, "layers"),
    )


def test_empty_list_is_a_fact_and_empty_object_is_not() -> None:
    data = b'{"model": {}, "betas": [], "data": {"files": [[]]}}'

    assert extract_json_facts(data).facts == (
        config("betas", (), 1),
        config("data.files", ((),), 1),
    )


def test_duplicate_keys_last_wins() -> None:
    data = b'{"model": {"gin_channels": 256},\n "model": {"gin_channels": 512}}'

    assert extract_json_facts(data).facts == (config("model.gin_channels", 512, 2),)


def test_top_level_list_is_indexed_and_top_level_scalar_has_no_facts() -> None:
    assert extract_json_facts(b'[{"a": 1}, 2]').facts == (
        config("[0].a", 1, 1, "a"),
        config("[1]", 2, 1, "[1]"),
    )
    assert extract_json_facts(b"42") == extract_json_facts(b"") == extract_json_facts(b" // x")
    assert extract_json_facts(b"42").facts == ()
    assert extract_json_facts(b"42").error is None


def test_scalars_keep_their_json_types_and_escapes() -> None:
    data = b'{"i": -3, "f": 1e-4, "t": false, "s": "caf\\u00e9\\n", "big": 12345678901234567890,'
    data += b' "inf": -Infinity}'

    values = {f.key: f.value for f in extract_json_facts(data).facts}

    assert values == {
        "i": -3,
        "f": 0.0001,
        "t": False,
        "s": "caf\u00e9\n",
        "big": 12345678901234567890,
        "inf": float("-inf"),
    }
    assert type(values["f"]) is float
    assert type(values["t"]) is bool


def test_utf8_bom_is_ignored() -> None:
    assert extract_json_facts(b'\xef\xbb\xbf{"a": 1}').facts == (config("a", 1, 1),)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            b'{\n  "a": 1\n  "b": 2\n}',
            "invalid JSON at line 3, column 3: expected ',' or '}', found '\"b\"'",
        ),
        (b'{"a": [1, 2}', "invalid JSON at line 1, column 12: expected ',' or ']', found '}'"),
        (b'{"a" 1}', "invalid JSON at line 1, column 6: expected ':', found '1'"),
        (b"{a: 1}", "invalid JSON at line 1, column 2: expected a string key or '}', found 'a'"),
        (b'{"a": [,]}', "invalid JSON at line 1, column 8: expected a value or ']', found ','"),
        (b'{"a": tru}', "invalid JSON at line 1, column 7: expected a value, found 't'"),
        (
            b'{"a": 1}\n{"b": 2}',
            "invalid JSON at line 2, column 1: expected the end of the file, found '{'",
        ),
        (
            b'{\n  "a": {\n',
            "invalid JSON at line 3, column 1: expected a string key or '}', "
            "found the end of the file",
        ),
        (b'{"a": "oops\n"}', "invalid JSON at line 1, column 7: unterminated string"),
        (b'{"a": 1 /* never closed }', "invalid JSON at line 1, column 9: unterminated /* comment"),
        (b'{"a": "\\q"}', "invalid JSON at line 1, column 8: invalid escape in string"),
    ],
)
def test_syntax_errors_name_line_column_and_problem(data: bytes, error: str) -> None:
    assert extract_json_facts(data).error == error
    assert extract_json_facts(data).facts == ()


def test_non_utf8_bytes_are_an_error() -> None:
    result = extract_json_facts(b'{"name": "caf\xe9"}')

    assert result.error == "not UTF-8 text (invalid byte 0xe9 at offset 13)"


def test_binary_content_with_a_json_name_is_an_error() -> None:
    result = extract_json_facts(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    assert result.error == "binary content, not a text config"


def test_nesting_deeper_than_the_limit_is_an_error_not_a_crash() -> None:
    allowed = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    too_deep = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    first_refused_column = len(b'{"a": ') + MAX_DEPTH

    assert extract_json_facts(allowed).error is None
    assert extract_json_facts(too_deep).error == (
        f"invalid JSON at line 1, column {first_refused_column}: "
        f"nested deeper than {MAX_DEPTH} levels"
    )


def test_a_one_megabyte_config_parses_quickly() -> None:
    section = {"hidden_channels": 192, "upsample_rates": [10, 8, 2, 2], "name": "a // b"}
    document = {f"speaker_{i}": dict(section, ids=[{"id": i}]) for i in range(9000)}
    data = json.dumps(document, indent=2).encode()
    assert len(data) > 1_000_000

    started = time.perf_counter()
    result = extract_json_facts(data)
    elapsed = time.perf_counter() - started

    assert result.error is None
    assert len(result.facts) == 9000 * 4
    assert elapsed < 3


def test_a_fifty_megabyte_blob_is_refused_quickly() -> None:
    data = b'{"values": [' + b"1234567," * (50 * 1024 * 1024 // 8) + b"0]}"

    started = time.perf_counter()
    result = extract_json_facts(data)

    assert time.perf_counter() - started < 2
    assert result.facts == ()
    assert result.error == (
        f"too large for a config file ({len(data)} bytes, limit {MAX_TEXT_BYTES})"
    )
