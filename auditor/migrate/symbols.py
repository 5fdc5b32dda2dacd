"""Symbol tables at a revision, and the rows of an embedding that follows one.

A text encoder embeds phoneme ids: ``nn.Embedding(len(symbols), hidden_channels)``, one row per
symbol of a module-level table. When the table grows (GPT-SoVITS v1's 322 symbols, v2's 732),
each old row still holds what the old model learned for its symbol; copied to the index the
same symbol has in the new table, the new model reads the same vector for the same phoneme.
A symbol may appear more than once in a table (a Japanese ``b`` beside the Mandarin one): its
k-th occurrence in the old table goes to its k-th occurrence in the new one.

Tables are read from git objects with the extractor (:mod:`auditor.extract.python`): the
same resolution the audit uses for their length and fingerprint, kept whole here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from auditor.extract.python.describe import NotAFactValue
from auditor.extract.python.module_facts import is_symbol_table_name, symbol_table_items
from auditor.extract.python.parse import PythonParseError, summarise_module
from auditor.extract.python.snapshot import PythonSnapshot
from auditor.extract.python.summary import ModuleSummary
from auditor.extract.python.values import Unresolved
from auditor.history import BlobReader, files_at, open_repository

#: A module-level binding that may be a symbol table (bytes, before anything is parsed).
_TABLE_BYTES = re.compile(rb"(?m)^(?:\w*symbols|phonemes?|vocab|punctuation)\s*(?:=|\+=|:)", re.I)


@dataclass(frozen=True)
class SymbolTable:
    """A module-level symbol table and its resolved contents, in order."""

    path: str
    name: str
    symbols: tuple[str, ...]

    @property
    def where(self) -> str:
        """``GPT_SoVITS/text/symbols.py:symbols``."""
        return f"{self.path}:{self.name}"


@dataclass(frozen=True)
class RowMap:
    """For each row of the new table, the row of the old table it copies (None: a symbol
    the old table lacks, left to the new model's initialisation)."""

    old: SymbolTable
    new: SymbolTable
    rows: tuple[int | None, ...]

    @property
    def copied(self) -> int:
        """Rows copied from the old table."""
        return sum(row is not None for row in self.rows)

    @property
    def added(self) -> int:
        """Rows of symbols the old table lacks."""
        return sum(row is None for row in self.rows)

    @property
    def moved(self) -> int:
        """Copied rows whose index changes."""
        return sum(row is not None and row != index for index, row in enumerate(self.rows))

    @property
    def dropped(self) -> tuple[int, ...]:
        """Old rows whose symbol the new table lacks."""
        kept = {row for row in self.rows if row is not None}
        return tuple(i for i in range(len(self.old.symbols)) if i not in kept)

    def old_to_new(self) -> dict[int, int]:
        """Each copied old row's index in the new table."""
        return {row: index for index, row in enumerate(self.rows) if row is not None}


def row_map(old: SymbolTable, new: SymbolTable) -> RowMap:
    """The rows of NEW copied from OLD by symbol identity (k-th occurrence to k-th)."""
    positions: dict[tuple[str, int], int] = {}
    for index, key in enumerate(_occurrences(old.symbols)):
        positions[key] = index
    rows = tuple(positions.get(key) for key in _occurrences(new.symbols))
    return RowMap(old, new, rows)


def _occurrences(symbols: Sequence[str]) -> Iterator[tuple[str, int]]:
    seen: dict[str, int] = {}
    for symbol in symbols:
        count = seen.get(symbol, 0)
        seen[symbol] = count + 1
        yield symbol, count


def duplicated(table: SymbolTable) -> tuple[str, ...]:
    """The symbols TABLE holds more than once, in order of first appearance."""
    seen: dict[str, int] = {}
    for symbol in table.symbols:
        seen[symbol] = seen.get(symbol, 0) + 1
    return tuple(symbol for symbol, count in seen.items() if count > 1)


def matching_tables(
    old_tables: Sequence[SymbolTable],
    new_tables: Sequence[SymbolTable],
    old_rows: int,
    new_rows: int,
) -> RowMap | str:
    """The row map of the embedding that grows from OLD_ROWS to NEW_ROWS rows, or why none.

    Its table is the one of OLD_ROWS symbols at the old revision and NEW_ROWS at the new;
    among several, the same table (path and name), else one of the same name. Tables that
    fit equally well but hold other symbols are ambiguous: no rows are guessed."""
    olds = [t for t in old_tables if len(t.symbols) == old_rows]
    news = [t for t in new_tables if len(t.symbols) == new_rows]
    pairs = [(o, n) for o in olds for n in news]
    if not pairs:
        return (
            f"no symbol table has {old_rows} symbols at the old revision "
            f"and {new_rows} at the new one"
        )
    best = (
        [(o, n) for o, n in pairs if o.where == n.where]
        or [(o, n) for o, n in pairs if o.name == n.name]
        or pairs
    )
    if len({(o.symbols, n.symbols) for o, n in best}) > 1:
        named = ", ".join(sorted({f"{o.where} → {n.where}" for o, n in best}))
        return f"the rows may follow any of several symbol tables ({named})"
    return row_map(*best[0])


class _Modules(Mapping[str, ModuleSummary]):
    """The Python modules of one tree, summarised when first asked for."""

    def __init__(self, tree: Mapping[str, str], blobs: BlobReader) -> None:
        self._tree = {p: sha for p, sha in tree.items() if p.endswith(".py")}
        self._blobs = blobs
        self._summaries: dict[str, ModuleSummary | None] = {}

    def __getitem__(self, path: str) -> ModuleSummary:
        if path not in self._summaries:
            data = self._blobs.read(self._tree[path]) if path in self._tree else None
            try:
                self._summaries[path] = summarise_module(data) if data is not None else None
            except PythonParseError:
                self._summaries[path] = None
        found = self._summaries[path]
        if found is None:
            raise KeyError(path)
        return found

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and path in self._tree

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._tree))

    def __len__(self) -> int:
        return len(self._tree)

    def raw(self, path: str) -> bytes | None:
        return self._blobs.read(self._tree[path])


def symbol_tables(path: str | os.PathLike[str], sha: str) -> tuple[SymbolTable, ...]:
    """Every module-level symbol table of the repository at PATH at commit SHA whose
    contents resolve, by path then name."""
    repo = open_repository(path)
    try:
        tree = files_at(repo, sha)
        with BlobReader(repo) as blobs:
            modules = _Modules(tree, blobs)
            return tuple(_tables(modules))
    finally:
        repo.close()


def _tables(modules: _Modules) -> Iterator[SymbolTable]:
    snapshot = PythonSnapshot(modules)
    for path in modules:
        data = modules.raw(path)
        if data is None or not _TABLE_BYTES.search(data):
            continue
        try:
            summary = modules[path]
        except KeyError:
            continue
        for name in sorted({b.name for b in summary.bindings if is_symbol_table_name(b.name)}):
            binding = snapshot.binding_of(path, name)
            if binding is None:
                continue
            try:
                items = symbol_table_items(snapshot, path, binding)
            except (Unresolved, NotAFactValue, RecursionError):
                continue
            if items and all(isinstance(item, str) for item in items):
                yield SymbolTable(path, name, tuple(str(item) for item in items))
