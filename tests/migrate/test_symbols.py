"""Symbol tables read from git objects, and the rows of a grown table copied by symbol."""

from __future__ import annotations

from pathlib import Path

from auditor.migrate.symbols import RowMap, SymbolTable, matching_tables, row_map, symbol_tables
from tests.provenance.conftest import PHONEMES, sha_of


def table(*symbols: str, path: str = "text/symbols.py", name: str = "symbols") -> SymbolTable:
    return SymbolTable(path, name, symbols)


def test_rows_follow_symbols_and_duplicates_follow_occurrence() -> None:
    rows = row_map(table("_", "b", "a", "b"), table("_", "a", "b", "x", "b", "b"))
    assert rows.rows == (0, 2, 1, None, 3, None)
    assert (rows.copied, rows.added, rows.moved, rows.dropped) == (4, 2, 3, ())
    assert rows.old_to_new() == {0: 0, 2: 1, 1: 2, 3: 4}
    assert row_map(table("_", "a", "z"), table("_", "a")).dropped == (2,)


def test_the_table_of_matching_lengths_is_chosen_same_place_first() -> None:
    v1 = table("_", "a")
    v2 = table("_", "a", "b", path="text/symbols2.py")
    other = table("x", "y", "z", name="punctuation")
    found = matching_tables([v1, other], [v1, v2, other], 2, 3)
    assert isinstance(found, RowMap)
    assert (found.old.where, found.new.where) == (
        "text/symbols.py:symbols",
        "text/symbols2.py:symbols",
    )
    ambiguous = matching_tables([v1], [v2, table("_", "b", "a", path="text/symbols3.py")], 2, 3)
    assert ambiguous == (
        "the rows may follow any of several symbol tables (text/symbols.py:symbols → "
        "text/symbols2.py:symbols, text/symbols.py:symbols → text/symbols3.py:symbols)"
    )
    assert matching_tables([v1], [v2], 2, 4) == (
        "no symbol table has 2 symbols at the old revision and 4 at the new one"
    )


def test_symbol_tables_resolve_at_each_revision(mini_sovits: Path) -> None:
    old = {t.where: t.symbols for t in symbol_tables(mini_sovits, "v1.0")}
    new = {t.where: t.symbols for t in symbol_tables(mini_sovits, sha_of(mini_sovits, PHONEMES))}
    where = "GPT_SoVITS/text/symbols.py:symbols"
    assert (len(old[where]), len(new[where])) == (300, 714)
    assert old[where] == tuple(sorted(set(old[where])))
    assert set(old[where]) < set(new[where])
    assert old["GPT_SoVITS/text/symbols.py:punctuation"] == ("!", "?", "…", ",", ".")
