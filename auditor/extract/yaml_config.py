"""Facts from YAML config files (``s1longer.yaml`` and friends).

Documents are composed with PyYAML's safe loader (libyaml when present, with PyYAML's pure
Python loader as the reference for errors), so scalars get the types the training code sees
(``yes`` is ``True``, ``1e-4`` is the string ``"1e-4"``). Anchors and aliases are resolved,
``<<`` merge keys too (a list of merges: earlier sources win; explicit keys win over merged
ones). A value reached through an alias or a merge carries the line where it is written.
Timestamps, binary and custom tags keep their text. Keys are the key's text as written;
a key that is itself a list or mapping is skipped.

A file with one document is flattened from its root; a file with several prefixes every key
with the document's index (``[1].model.hidden_dim``). Flattening rules are those of
:mod:`auditor.extract.flatten`.
"""

from __future__ import annotations

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from auditor.domain import Fact, FileFacts
from auditor.extract.flatten import Located, Scalar, Tree, flatten
from auditor.extract.text import UnreadableText, decode_text

#: Mappings and sequences nested deeper than this are rejected.
MAX_DEPTH = 200
#: Values that following aliases may add beyond one per character of text (an alias-bomb guard).
ALIAS_ALLOWANCE = 100_000

_MERGE_TAG = "tag:yaml.org,2002:merge"
_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "str")
)


class InvalidYAML(ValueError):
    """A YAML text that cannot be composed or resolved; the message is one line."""


def extract_yaml_facts(data: bytes) -> FileFacts:
    """The config facts of a YAML blob, or why it cannot be read."""
    try:
        text = decode_text(data)
        resolver = _Resolver(budget=len(text) + ALIAS_ALLOWANCE)
        documents = [resolver.resolve(node) for node in compose_yaml(text)]
    except (UnreadableText, InvalidYAML) as exc:
        return FileFacts(error=str(exc))
    if len(documents) == 1:
        return FileFacts(facts=flatten(documents[0]))
    # A trailing `---` or an empty document is a null root; its scalar root gives no fact.
    facts: list[Fact] = []
    for index, document in enumerate(documents):
        facts.extend(flatten(document, f"[{index}]"))
    return FileFacts(facts=tuple(sorted(facts, key=lambda fact: fact.key)))


def compose_yaml(text: str) -> list[Node]:
    """The node graph of every document in ``text``; raises :class:`InvalidYAML`."""
    if yaml.__with_libyaml__:
        try:
            if _depth_within_limit(text):
                return list(yaml.compose_all(text, Loader=yaml.CSafeLoader))
        except yaml.YAMLError:
            pass
    try:
        return list(yaml.compose_all(text, Loader=_DepthLimitedLoader))
    except yaml.YAMLError as exc:
        raise InvalidYAML(_describe(exc, text)) from None
    except RecursionError:
        raise InvalidYAML(f"invalid YAML: nested deeper than {MAX_DEPTH} levels") from None


def _depth_within_limit(text: str) -> bool:
    # libyaml's composer recurses in C and crashes the interpreter on deep nesting.
    depth = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return True


class _DepthLimitedLoader(yaml.SafeLoader):
    _depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH} levels", mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _describe(exc: yaml.YAMLError, text: str) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        where = f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}"
        context = f" ({exc.context})" if exc.context else ""
        return f"{where}: {exc.problem}{context}"
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - text.rfind("\n", 0, exc.position)
        return f"invalid YAML at line {line}, column {column}: unacceptable character"
    return "invalid YAML: " + " ".join(str(exc).split())


def _at(node: Node, problem: str) -> InvalidYAML:
    mark = node.start_mark
    return InvalidYAML(f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {problem}")


class _Resolver:
    """Turns one document's node graph into a located tree, following aliases and merges."""

    def __init__(self, budget: int) -> None:
        self._constructor = yaml.SafeLoader("")
        self._budget = budget
        self._active: set[int] = set()

    def resolve(self, node: Node, depth: int = 0) -> Located:
        self._budget -= 1
        if self._budget < 0:
            raise _at(node, "too many values once aliases are expanded")
        if depth > MAX_DEPTH:
            raise _at(node, f"nested deeper than {MAX_DEPTH} levels")
        line = node.start_mark.line + 1
        if isinstance(node, ScalarNode):
            return self._scalar(node), line
        if id(node) in self._active:
            raise _at(node, "recursive alias")
        self._active.add(id(node))
        try:
            value: Tree
            if isinstance(node, MappingNode):
                value = {key: self.resolve(child, depth + 1) for key, child in self._pairs(node)}
            else:
                value = [self.resolve(child, depth + 1) for child in node.value]
        finally:
            self._active.discard(id(node))
        return value, line

    def _pairs(self, node: MappingNode) -> list[tuple[str, Node]]:
        merged: list[tuple[str, Node]] = []
        explicit: list[tuple[str, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in reversed(sources):
                    merged.extend(self._merged_pairs(source))
            elif isinstance(key_node, ScalarNode):
                explicit.append((key_node.value, value_node))
        return merged + explicit

    def _merged_pairs(self, source: Node) -> list[tuple[str, Node]]:
        if not isinstance(source, MappingNode):
            raise _at(source, "a merge key '<<' takes a mapping or a list of mappings")
        if id(source) in self._active:
            raise _at(source, "recursive alias")
        self._active.add(id(source))
        try:
            return self._pairs(source)
        finally:
            self._active.discard(id(source))

    def _scalar(self, node: ScalarNode) -> Scalar:
        if node.tag not in _SCALAR_TAGS:
            return str(node.value)
        construct = self._constructor.yaml_constructors[node.tag]
        try:
            value: Scalar = construct(self._constructor, node)
        except (yaml.YAMLError, ValueError):
            return str(node.value)
        return value
