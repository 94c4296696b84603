"""Rows that are totals by what the sheet says about them, whatever their labels.

A total row is usually labelled ("Total", "HR total"), and the reader knows
those by their words. Three kinds are known by other means:

* the totals row of an Excel Table, which the table's own definition places
  at the bottom of its range (labelled "Total", "Σ", a department's name or
  nothing);
* a row whose amount is a formula adding up other cells of its own column
  (``SUM(C2:C9)``, ``SUBTOTAL(9,C2:C9)``, ``AGGREGATE(9,4,C2:C9)``,
  ``C7+C12+C18``), the way hand-made subtotals are written;
* an outline's department row, which carries the sum of the indented lines
  below it (and a blank Function): the lines below take its name as their
  function when they name none.

Such a row is never a line. The reader skips it with the reason found here
and checks its figure against the lines it covers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from models.cells import CellValue, is_blank
from models.formats import money
from models.issues import column_letter
from models.xlsx_guard import TableArea

__all__ = ["TotalRow", "adds_up", "total_rows", "with_value"]

_CALL: Final = re.compile(r"\s*(?:_xlfn\.)?(SUM|SUBTOTAL|AGGREGATE)\s*\((.*)\)\s*", re.IGNORECASE | re.DOTALL)
_CELL: Final = r"\$?([A-Za-z]{1,3})\$?(\d+)"
_RANGE: Final = re.compile(rf"\s*{_CELL}(?::{_CELL})?\s*")
_CHAIN: Final = re.compile(rf"\s*{_CELL}(?:\s*\+\s*{_CELL})+\s*")
#: A structured reference to a table's column (``Budget[Current]``, ``[Current]``), not to this row.
_COLUMN_OF_TABLE: Final = re.compile(r"\s*[\w.]*\[[^@]*\]\s*")
#: The function numbers SUBTOTAL takes (AGGREGATE takes 1 to 19, then an option from 0 to 7).
_SUBTOTAL_FUNCTIONS: Final = frozenset({*range(1, 12), *range(101, 112)})


@dataclass(frozen=True, slots=True)
class TotalRow:
    """Why a row is a total, and what the reader needs to check its figure."""

    #: What the row is, said in a note ("the totals row of the Excel Table 'Budget'").
    why: str
    #: The rows below it whose sum it gives (an outline's department row), when it adds up rows below.
    below: tuple[int, ...] = ()
    #: A note when its figure is not the sum of the rows below it that it adds up.
    mismatch: str | None = None


def _column(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def _arguments(text: str) -> list[str] | None:
    """A call's arguments, split at its own commas; None when its parentheses do not close it."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return None
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        return None
    parts.append(text[start:])
    return parts


def _whole_number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def adds_up(formula: str, row: int, col: int) -> list[range] | None:
    """The rows of its own column a cell's formula adds up (0-based), or None when it adds up none.

    ``SUM``, ``SUBTOTAL`` and ``AGGREGATE`` over ranges of the cell's own
    column (other rows only), or over a table's column (then no rows are
    given: an empty list); or a chain of two or more cells of the column
    joined by ``+``. A formula over other columns (a line's year as the sum
    of its months) or other sheets adds up nothing here.
    """
    chain = _CHAIN.fullmatch(formula)
    if chain is not None:
        cells = re.findall(_CELL, formula)
        if all(_column(letters) == col and int(number) - 1 != row for letters, number in cells):
            return [range(int(number) - 1, int(number)) for _letters, number in cells]
        return None
    call = _CALL.fullmatch(formula)
    if call is None:
        return None
    name, inner = call.group(1).upper(), call.group(2)
    arguments = _arguments(inner)
    if arguments is None:
        return None
    if name == "SUBTOTAL":
        number = _whole_number(arguments[0])
        if number not in _SUBTOTAL_FUNCTIONS:
            return None
        arguments = arguments[1:]
    elif name == "AGGREGATE":
        number, option = (_whole_number(a) for a in [*arguments, "", ""][:2])
        if number is None or not 1 <= number <= 19 or option is None or option > 7:
            return None
        arguments = arguments[2:]
    spans: list[range] = []
    for argument in arguments:
        found = _RANGE.fullmatch(argument)
        if found is None:
            if _COLUMN_OF_TABLE.fullmatch(argument) and "this row" not in argument.casefold():
                continue
            return None
        first_col, first_row, last_col, last_row = found.groups()
        last_col, last_row = last_col or first_col, last_row or first_row
        rows = range(min(int(first_row), int(last_row)) - 1, max(int(first_row), int(last_row)))
        if _column(first_col) != col or _column(last_col) != col or row in rows:
            return None
        spans.append(rows)
    return spans if arguments else None


def with_value(values: Sequence[CellValue], col: int, value: CellValue) -> list[CellValue]:
    """A row's values with one cell's value replaced (the row widened when it is shorter)."""
    row = list(values)
    if len(row) <= col:
        row.extend([None] * (col + 1 - len(row)))
    row[col] = value
    return row


def _indented(value: CellValue) -> bool:
    return isinstance(value, str) and value[:1].isspace() and bool(value.strip())


def _fold(value: CellValue) -> str:
    return " ".join(value.split()).casefold() if isinstance(value, str) else ""


def total_rows(
    rows: Sequence[list[CellValue]],
    first: int,
    columns: Mapping[str, int],
    money_columns: Sequence[int],
    amount: Callable[[list[CellValue]], float | None],
    *,
    tables: Sequence[TableArea] = (),
    aggregates: Mapping[tuple[int, int], str] = {},
) -> tuple[dict[int, TotalRow], dict[int, str]]:
    """The total rows below a header (0-based, from ``first``), and the function of lines that name none.

    ``columns`` are the header's columns by field (``name``, ``function``,
    ``current``); ``money_columns`` the columns a line's amount is read from;
    ``amount(values)`` a row's Current as the reader reads it (None when
    blank or unreadable); ``tables`` the sheet's Excel Tables;
    ``aggregates`` the sheet's formulas that may add up cells, by cell.
    """
    found: dict[int, TotalRow] = {}
    functions: dict[int, str] = {}
    name_col, function_col = columns.get("name"), columns.get("function")
    for table in tables:
        if table.totals_rows and any(table.first_col <= c <= table.last_col for c in columns.values()):
            for r in table.totals:
                if r >= first:
                    found[r] = TotalRow(f"the totals row of the Excel Table {table.name!r}")
    money = set(money_columns)
    adding_below: list[tuple[int, list[range]]] = []
    for (r, c), text in sorted(aggregates.items()):
        if r < first or c not in money or r in found:
            continue
        spans = adds_up(text, r, c)
        if spans is None:
            continue
        what = (
            "the cells above it"
            if all(s.stop <= r for s in spans)
            else "the cells below it"
            if spans and all(s.start > r for s in spans)
            else "other cells of its column"
        )
        found[r] = TotalRow(f"a total: {column_letter(c + 1)}{r + 1} (={text.strip()}) adds up {what}")
        if spans and all(s.start > r for s in spans):
            adding_below.append((r, spans))
    if name_col is not None:
        _outline_rows(
            rows,
            first,
            name_col=name_col,
            function_col=function_col,
            amount=amount,
            found=found,
            functions=functions,
        )
    for r, spans in adding_below:
        below = tuple(j for span in spans for j in span if j not in found and j < len(rows))
        found[r] = _checked(found[r], r, below, rows, amount)
        _name_function(rows, r, below, name_col=name_col, function_col=function_col, functions=functions)
    return found, functions


def _checked(
    total: TotalRow,
    r: int,
    below: tuple[int, ...],
    rows: Sequence[list[CellValue]],
    amount: Callable[[list[CellValue]], float | None],
) -> TotalRow:
    figure = amount(rows[r])
    if figure is None:
        return TotalRow(total.why, below)
    covered = math.fsum(a for j in below if (a := amount(rows[j])) is not None)
    if math.isclose(figure, covered, rel_tol=1e-6, abs_tol=0.5):
        return TotalRow(total.why, below)
    mismatch = (
        f"Budget row {r + 1} gives {money(figure, 2, trim=True)}, but the rows it adds up add up to "
        f"{money(covered, 2, trim=True)}: check for a line missing, or a line that is not a line"
    )
    return TotalRow(total.why, below, mismatch)


def _name_function(
    rows: Sequence[list[CellValue]],
    r: int,
    below: Sequence[int],
    *,
    name_col: int | None,
    function_col: int | None,
    functions: dict[int, str],
) -> None:
    """Lines below a department row that name no function take the department's name as theirs."""
    if name_col is None or function_col is None:
        return
    row = rows[r]
    department = row[name_col] if name_col < len(row) else None
    function = row[function_col] if function_col < len(row) else None
    if not isinstance(department, str) or not department.strip() or not is_blank(function):
        return
    for j in below:
        line = rows[j]
        if is_blank(line[function_col] if function_col < len(line) else None):
            functions[j] = department.strip()


def _outline_rows(
    rows: Sequence[list[CellValue]],
    first: int,
    *,
    name_col: int,
    function_col: int | None,
    amount: Callable[[list[CellValue]], float | None],
    found: dict[int, TotalRow],
    functions: dict[int, str],
) -> None:
    """Department rows that carry the sum of the indented lines below them, and name no function."""
    f = function_col if function_col is not None else 1 << 30
    end = len(rows)
    for r in range(first, end):
        row = rows[r]
        if f < len(row) and row[f] is not None and row[f] != "":
            continue  # most rows name their function: not a department row
        name = row[name_col] if name_col < len(row) else None
        if r in found or not isinstance(name, str) or not name.strip() or _indented(name):
            continue
        figure = amount(row)
        if figure is None:
            continue
        department = _fold(name)
        below: list[int] = []
        for j in range(r + 1, end):
            line = rows[j]
            text = line[name_col] if name_col < len(line) else None
            function = line[f] if f < len(line) else None
            if not (_indented(text) or (function_col is not None and _fold(function) == department)):
                break
            below.append(j)
        amounts = [amount(rows[j]) for j in below]
        if not below or any(a is None for a in amounts):
            continue
        if math.isclose(figure, math.fsum(a for a in amounts if a is not None), rel_tol=1e-9, abs_tol=0.005):
            lines = "line" if len(below) == 1 else f"{len(below)} lines"
            found[r] = TotalRow(f"a department row giving the sum of the {lines} below it", tuple(below))
            _name_function(rows, r, below, name_col=name_col, function_col=function_col, functions=functions)
