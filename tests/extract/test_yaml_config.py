import pytest
import yaml

from auditor.domain import Fact, FactKind, FactValue
from auditor.extract.yaml_config import MAX_DEPTH, extract_yaml_facts


def config(key: str, value: FactValue, line: int, parameter: str | None = None) -> Fact:
    leaf = parameter if parameter is not None else key.rsplit(".", 1)[-1]
    return Fact(FactKind.CONFIG, key, leaf, value, line)


S1LONGER_YAML = b"""train:
  seed: 1234
  precision: 16-mixed
  if_dpo: false
optimizer:
  lr: 0.01
  lr_init: 1e-5
data:
  max_sec: 54
  pad_val: 1024 # same with EOS in model
model:
  vocab_size: 1025
  phoneme_vocab_size: 732
  embedding_dim: 512
  head: 16
  dropout: 0
  norm: ~
  betas: [0.9, 0.98]
"""


def test_s1longer_yaml_gives_typed_facts_sorted_by_key() -> None:
    result = extract_yaml_facts(S1LONGER_YAML)

    assert result.error is None
    assert result.facts == (
        config("data.max_sec", 54, 9),
        config("data.pad_val", 1024, 10),
        config("model.betas", (0.9, 0.98), 18),
        config("model.dropout", 0, 16),
        config("model.embedding_dim", 512, 14),
        config("model.head", 16, 15),
        config("model.norm", None, 17),
        config("model.phoneme_vocab_size", 732, 13),
        config("model.vocab_size", 1025, 12),
        config("optimizer.lr", 0.01, 6),
        config("optimizer.lr_init", "1e-5", 7),
        config("train.if_dpo", False, 4),
        config("train.precision", "16-mixed", 3),
        config("train.seed", 1234, 2),
    )


def test_yaml_and_json_flatten_alike() -> None:
    data = b"""model:
  upsample_rates: [10, 8, 2, 2]
  resblock_dilation_sizes:
    - [1, 3, 5]
    - [1, 3, 5]
  speakers:
    - name: a
    - {name: b, id: 2}
  empty_list: []
  empty_map: {}
"""

    assert extract_yaml_facts(data).facts == (
        config("model.empty_list", (), 9),
        config("model.resblock_dilation_sizes", ((1, 3, 5), (1, 3, 5)), 4),
        config("model.speakers[0].name", "a", 7, "name"),
        config("model.speakers[1].id", 2, 8, "id"),
        config("model.speakers[1].name", "b", 8, "name"),
        config("model.upsample_rates", (10, 8, 2, 2), 2),
    )


def test_anchors_aliases_and_merge_keys_resolve() -> None:
    data = b"""base: &base
  hidden_dim: 512
  head: 16
small: &small
  head: 8
  n_layer: 12
rates: &rates [10, 8, 2, 2]
model:
  <<: [*base, *small]
  n_layer: 24
  upsample_rates: *rates
single:
  <<: *small
"""

    assert extract_yaml_facts(data).facts == (
        config("base.head", 16, 3),
        config("base.hidden_dim", 512, 2),
        config("model.head", 16, 3),
        config("model.hidden_dim", 512, 2),
        config("model.n_layer", 24, 10),
        config("model.upsample_rates", (10, 8, 2, 2), 7),
        config("rates", (10, 8, 2, 2), 7),
        config("single.head", 8, 5),
        config("single.n_layer", 12, 6),
        config("small.head", 8, 5),
        config("small.n_layer", 12, 6),
    )


def test_scalar_keys_keep_their_text_and_odd_tags_keep_their_text() -> None:
    data = b"""1: one
true: yes
released: 2024-01-01
blob: !custom value
"""

    assert extract_yaml_facts(data).facts == (
        config("1", "one", 1),
        config("blob", "value", 4),
        config("released", "2024-01-01", 3),
        config("true", True, 2),
    )


def test_several_documents_are_prefixed_with_their_index() -> None:
    data = b"""a: 1
---
- x
- y
---
"""

    assert extract_yaml_facts(data).facts == (
        config("[0].a", 1, 1, "a"),
        config("[1][0]", "x", 3, "[1][0]"),
        config("[1][1]", "y", 4, "[1][1]"),
    )


def test_empty_file_has_no_facts() -> None:
    assert extract_yaml_facts(b"") == extract_yaml_facts(b"# only a comment\n")
    assert extract_yaml_facts(b"").facts == ()
    assert extract_yaml_facts(b"").error is None


def test_syntax_errors_name_line_and_column() -> None:
    assert extract_yaml_facts(b"model:\n  head: [16, 8\n  n_layer: 24\n").error == (
        "invalid YAML at line 3, column 10: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence)"
    )
    assert extract_yaml_facts(b"model:\n  head: 16\n n_layer: 24\n").error == (
        "invalid YAML at line 3, column 2: expected <block end>, but found '<block mapping start>'"
        " (while parsing a block mapping)"
    )
    assert extract_yaml_facts(b"model: *missing\n").error == (
        "invalid YAML at line 1, column 8: found undefined alias 'missing'"
    )


def test_bad_merges_recursive_aliases_and_alias_bombs_are_errors() -> None:
    lines = [b'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        alias = b"*a%d" % (level - 1)
        lines.append(b"a%d: &a%d [%s]" % (level, level, b", ".join([alias] * 9)))
    bomb = b"\n".join(lines)

    assert extract_yaml_facts(b"model:\n  <<: 3\n").error == (
        "invalid YAML at line 2, column 7: a merge key '<<' takes a mapping or a list of mappings"
    )
    assert extract_yaml_facts(b"a: &x [1, *x]\n").error == (
        "invalid YAML at line 1, column 4: recursive alias"
    )
    assert extract_yaml_facts(b"a: &x {<<: *x}\n").error == (
        "invalid YAML at line 1, column 4: recursive alias"
    )
    error = extract_yaml_facts(bomb).error
    assert error is not None
    assert error.endswith("too many values once aliases are expanded")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    too_deep = b"a: " + b"[" * 50_000 + b"]" * 50_000
    first_refused_column = len(b"a: ") + MAX_DEPTH

    assert extract_yaml_facts(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH).error is None
    assert extract_yaml_facts(too_deep).error == (
        f"invalid YAML at line 1, column {first_refused_column}: "
        f"nested deeper than {MAX_DEPTH} levels"
    )


def test_encoding_errors_match_the_json_extractor() -> None:
    assert extract_yaml_facts(b"name: caf\xe9\n").error == (
        "not UTF-8 text (invalid byte 0xe9 at offset 9)"
    )
    assert extract_yaml_facts(b"a: 1\x00\x00").error == "binary content, not a text config"
    assert extract_yaml_facts(b"a: \x07\n").error == (
        "invalid YAML at line 1, column 4: unacceptable character"
    )


def test_pure_python_loader_gives_the_same_results(monkeypatch: pytest.MonkeyPatch) -> None:
    with_libyaml = extract_yaml_facts(S1LONGER_YAML)
    monkeypatch.setattr(yaml, "__with_libyaml__", False)

    assert extract_yaml_facts(S1LONGER_YAML) == with_libyaml
    assert extract_yaml_facts(b"[" * 300).error == (
        f"invalid YAML at line 1, column {MAX_DEPTH + 1}: nested deeper than {MAX_DEPTH} levels"
    )
