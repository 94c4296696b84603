"""Reading a plan from an .xlsx workbook (workbook format version 1).

Sheets and columns are found by name, case-insensitively, ignoring spaces,
punctuation and units in brackets, with the synonyms finance people use. The
header row may sit below title rows. Every problem is reported at once, each
naming sheet, row and column; nothing that cannot be read with certainty is
guessed.

Values are read with calamine (fast). What values alone cannot tell is read
from the sheet's XML only when it matters: a cell calamine reads as blank in a
sheet that holds formulas or error cells is checked, so a formula with no
saved value or a ``#REF!`` is reported, never taken for an empty cell; and a
number whose meaning depends on a percentage format (``8%`` of the budget
against an amount of 0.08, 150% against 1.5) is checked for that format.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Final, TypeVar

from models import cells, fields
from models.cells import CellError, CellValue, DecimalMark, decimal_mark, is_blank
from models.domain import (
    Bound,
    FunctionRule,
    Kind,
    Line,
    Plan,
    RatioRule,
    default_kind,
    function_key,
    normalise_name,
)
from models.fields import header_key
from models.formats import money, percent
from models.formula_values import uncalculated
from models.functions import known_kind
from models.issues import Issue, column_letter
from models.mapping import (
    NOT_USED,
    PERIOD,
    PREVIEW_ROWS,
    ColumnLayout,
    ImportMapping,
    Layout,
    SheetChoice,
    SheetLayout,
    SheetStatus,
    SkippedRow,
    header_text,
)
from models.phasing import MONTHS, sums_to
from models.rates import RATE_COLUMNS, RATE_SHEETS, Rates, currency_code
from models.schema import (
    BUDGET_COLUMNS,
    BUDGET_SHEET,
    FUNCTION_COLUMNS,
    LINE_FIELDS,
    POLICY_SETTINGS,
    Field,
    HeaderWords,
    Minimum,
    Reading,
    Unit,
    policy_from_settings,
)
from models.sheet_rows import (
    CURRENCY_HEADERS,
    TOTAL_HINT,
    YEAR_TOTAL_HEADERS,
    currency_of,
    joined_header,
    period_of,
    side_by_side,
    total_label,
    total_of,
    unit_scale,
    unit_words,
)
from models.total_rows import TotalRow, total_rows, with_value
from models.validation import validate
from models.xlsx_guard import GuardError, SheetMarks, TableArea, WorkbookParts, check_workbook_file

__all__ = ["ImportReport", "distinct_names", "header_key", "read_plan"]

HEADER_SEARCH_ROWS: Final = 40
#: The most headers a message about a header row names.
_HEADERS_SHOWN: Final = 12
_T = TypeVar("_T")

REQUIRED: Final = tuple(f.attr for f in LINE_FIELDS if f.required)
LABELS: Final = {f.attr: f.label for f in LINE_FIELDS}
POLICY_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "setting": ("setting", "settings", "rule", "parameter", "name", "item", "policy"),
    "value": ("value", "values", "setting value", "amount"),
}
_REQUIRED_ON_DEPARTMENT_SHEET: Final = tuple(attr for attr in REQUIRED if attr != "function")
#: Sheets of a budget pack that hold no lines, by the words of their names.
_OTHER_SHEETS: Final = (
    "cover", "coversheet", "summary", "overview", "notes", "note", "readme", "instructions", "howto",
    "contents", "index", "pivot", "pivottable", "total", "totals", "lists", "lookup", "lookups",
    "deckblatt", "zusammenfassung", "ubersicht", "hinweise", "anleitung", "synthese", "sommaire",
    "couverture", "portada", "resumen", "notas", "instrucciones",
)  # fmt: skip
_BUDGET_SHEETS: Final = ("budget", "budgets", "lines", "budgetlines", "plan")
_FUNCTION_SHEETS: Final = ("functions", "function", "functionrules", "floors")
_POLICY_SHEETS: Final = ("policy", "settings", "rules", "policies")
_TOTAL_NAMES: Final = frozenset({"total", "totals", "grandtotal", "sum", "subtotal", "overalltotal"})


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What reading a workbook gave: the plan, or every issue that stops it."""

    path: Path
    plan: Plan | None
    issues: tuple[Issue, ...] = ()
    inferred_kinds: dict[str, Kind] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    columns: dict[str, str] = field(default_factory=dict)
    #: The currencies the workbook names (in amounts, headers or sheet names).
    currencies: tuple[str, ...] = ()
    #: How each sheet was read, and the questions the reader could not settle.
    layout: Layout = field(default_factory=Layout)

    @property
    def read_from(self) -> str | None:
        """The note saying which sheets (or workbooks) the lines were read from, if any were."""
        return next((note for note in self.notes if note.startswith("Lines were read from")), None)

    @property
    def unsure(self) -> bool:
        """Whether the import should be shown before it is loaded: refused, or a choice left open."""
        return bool(self.issues) or bool(self.layout.questions)

    @property
    def ok(self) -> bool:
        return self.plan is not None and not self.issues


class _Grid:
    """One sheet's values, and what values alone cannot tell, read when first needed."""

    def __init__(
        self,
        name: str,
        rows: list[list[CellValue]],
        load_marks: Callable[[], SheetMarks],
        *,
        may_hide: bool,
        load_tables: Callable[[], tuple[TableArea, ...]] = tuple,
    ) -> None:
        self.name = name
        self.rows = rows
        self._load_marks = load_marks
        self._marks: SheetMarks | None = None
        #: Whether the sheet may hold formula or error cells that read as blank.
        self.may_hide = may_hide
        self._load_tables = load_tables
        self._tables: tuple[TableArea, ...] | None = None

    @property
    def tables(self) -> tuple[TableArea, ...]:
        """The sheet's Excel Tables, read when first needed."""
        if self._tables is None:
            self._tables = self._load_tables()
        return self._tables

    @property
    def aggregates(self) -> dict[tuple[int, int], str]:
        """The formulas that may add up cells, by cell (read only for a sheet with formulas)."""
        return self.marks.aggregates if self.may_hide else {}

    @property
    def marks(self) -> SheetMarks:
        if self._marks is None:
            self._marks = self._load_marks()
        return self._marks

    def value(self, row: int, col: int) -> CellValue:
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    def formatted_percent(self, row: int, col: int | None, *, above_one: bool) -> bool:
        """Whether a number's cell is formatted as a percentage, asked only where it matters.

        ``above_one``: only a number above 1 depends on the format (a share of
        1.5 is 150% when formatted so, and ambiguous otherwise).
        """
        if col is None:
            return False
        value = self.value(row, col)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if above_one and value <= 1:
            return False
        return (row, col) in self.marks.percent

    def blank_cause(self, row: int, col: int) -> str | None:
        """Why a cell reads blank, when it is not truly empty."""
        if not self.may_hide:
            return None
        marks = self.marks
        if (row, col) in marks.errors:
            return f"the cell holds the error {marks.errors[row, col]}"
        if (row, col) in marks.formulas:
            return (
                "the cell holds a formula with no saved value; open the workbook "
                "in Excel, let it calculate and save it again"
            )
        return None


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.issues: list[Issue] = []
        self.notes: list[str] = []
        self.parts = WorkbookParts({})
        self.progress: Progress = _no_progress
        #: The function of lines whose rows name none (from the workbook's name), if known.
        self.function: str | None = None
        #: Each currency the sheets read name (in amounts, headers or sheet names), with where.
        self.currencies: dict[str, tuple[str, str]] = {}
        self._hidden: dict[str, frozenset[int]] = {}
        self.mapping = ImportMapping()
        #: How each sheet was read, in the order met.
        self.layouts: list[SheetLayout] = []
        #: Choices taken among alternatives, for the user to confirm in the preview.
        self.questions: list[str] = []
        #: The workbook's exchange rates (a Rates sheet), if it gives any.
        self.rates: Rates | None = None

    # -- helpers ---------------------------------------------------------

    def hidden_columns(self, sheet: str) -> frozenset[int]:
        """The columns a sheet hides, read from its XML once."""
        if sheet not in self._hidden:
            self._hidden[sheet] = self.parts.hidden_columns(self.path, sheet)
        return self._hidden[sheet]

    def lay_out(
        self, rows: list[list[CellValue]], sheet: str, status: str, reason: str = "", **more: Any
    ) -> None:
        """Record how a sheet was read (or why not), with its first ``rows`` for the preview."""
        preview = _preview(rows)
        self.layouts.append(SheetLayout(self.path.name, sheet, status, reason, preview=preview, **more))

    @staticmethod
    def first_rows(book: object, name: str) -> list[list[CellValue]]:
        """The first rows of a sheet not read for lines, for the preview (not the whole sheet)."""
        sheet = book.get_sheet_by_name(name)  # type: ignore[attr-defined]
        return sheet.to_python(skip_empty_area=False, nrows=PREVIEW_ROWS)  # type: ignore[no-any-return]

    def issue(self, sheet: str, row: int | None, col: int | None, message: str) -> None:
        letter = column_letter(col + 1) if col is not None else None
        self.issues.append(Issue(sheet, None if row is None else row + 1, letter, message))

    def grid(self, book: object, name: str) -> _Grid:
        sheet = book.get_sheet_by_name(name)  # type: ignore[attr-defined]
        parts, path = self.parts, self.path
        return _Grid(
            name,
            sheet.to_python(skip_empty_area=False),
            lambda: parts.marks(path, name),
            may_hide=parts.has_formulas_or_errors(path, name),
            load_tables=lambda: parts.tables(path, name),
        )

    # -- header -----------------------------------------------------------

    def find_header(
        self,
        grid: _Grid,
        columns: HeaderWords | dict[str, tuple[str, ...]],
        required: Sequence[str],
        choice: SheetChoice | None = None,
    ) -> tuple[int, dict[str, int]] | None:
        """The header row and each field's column: the first of the top rows naming every required field.

        Without one, an issue names the row naming the most fields, the headers
        it holds and how each missing column may be headed. ``choice`` is the
        user's: the header row, and roles given to columns by their headers.
        """
        words = columns if isinstance(columns, HeaderWords) else HeaderWords(columns)
        best: tuple[int, int, dict[str, list[int]]] | None = None
        searched = enumerate(grid.rows[:HEADER_SEARCH_ROWS])
        if choice is not None and choice.header_row is not None:
            r = choice.header_row - 1
            if r >= len(grid.rows):
                self.issue(
                    grid.name, r, None, f"The header row chosen, row {r + 1}, is below the sheet's last row"
                )
                return None
            searched = enumerate([grid.rows[r]], start=r)
        for r, row in searched:
            found = words.match(row)
            if choice is not None and choice.columns:
                found = _chosen_roles(row, found, choice)
            if all(fld in found for fld in required):
                return r, self._unique_columns(grid, r, found)
            score = len(found)
            if score and (best is None or score > best[1]):
                best = (r, score, found)
        if (joined := joined_header(grid.rows[:HEADER_SEARCH_ROWS], words.match, required)) is not None:
            return self._joined_header(grid, *joined)
        sheet = grid.name

        def accepted(fields: Sequence[str]) -> str:
            return "; ".join(
                f"{LABELS.get(f, f.title())} can be headed {words.accepted(f, LABELS.get(f, f.title()))}"
                for f in fields
            )

        if best is None:
            names = ", ".join(LABELS.get(fld, fld.title()) for fld in required)
            self.issue(
                sheet,
                None,
                None,
                f"No header row found: the sheet needs columns {names} ({accepted(required)})",
            )
        else:
            r, _, found = best
            missing = [f for f in required if f not in found]
            headers = [str(v).strip() for v in grid.rows[r] if isinstance(v, str) and v.strip()]
            shown = ", ".join(headers[:_HEADERS_SHOWN]) + (", ..." if len(headers) > _HEADERS_SHOWN else "")
            self.issue(
                sheet,
                r,
                None,
                f"Missing required column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(LABELS.get(f, f.title()) for f in missing)} in the header row; "
                f"found: {shown}; {accepted(missing)}",
            )
        return None

    def _joined_header(
        self, grid: _Grid, row: int, words: list[CellValue], found: dict[str, list[int]]
    ) -> tuple[int, dict[str, int]]:
        """A header split over two rows: read as the lower row holding the two rows' words, said in a note."""
        grid.rows[row] = words
        shown = ", ".join(repr(w) for w in words if isinstance(w, str))
        self.notes.append(
            f"The header of sheet {grid.name!r} is rows {row} and {row + 1} read together: {shown}"
        )
        return row, self._unique_columns(grid, row, found)

    def _unique_columns(self, grid: _Grid, row: int, found: dict[str, list[int]]) -> dict[str, int]:
        """One column each field: a field headed in two or more columns is an issue.

        Unless all but one of them are hidden: the visible one is read, and a note says so.
        """
        result: dict[str, int] = {}
        hidden: frozenset[int] | None = None
        for fld, cols in found.items():
            if len(cols) > 1:
                if hidden is None:
                    hidden = self.hidden_columns(grid.name)
                visible = [c for c in cols if c not in hidden]
                label = LABELS.get(fld, fld.title())
                if len(visible) == 1:
                    (c,) = visible
                    header = grid.rows[row]
                    for h in cols:
                        if h != c:
                            self.notes.append(
                                f"{label} is read from column {column_letter(c + 1)} ({header[c]!r}), "
                                f"not from the hidden column {column_letter(h + 1)} ({header[h]!r})"
                            )
                    result[fld] = c
                    continue
                latest = _latest_year(grid.rows[row], cols)
                if latest is not None:
                    header = grid.rows[row]
                    others = ", ".join(
                        f"{column_letter(h + 1)} ({str(header[h]).strip()!r})" for h in cols if h != latest
                    )
                    said = (
                        f"{label} is read from column {column_letter(latest + 1)} "
                        f"({str(header[latest]).strip()!r}), the latest year; not from {others}"
                    )
                    self.notes.append(said)
                    self.questions.append(f"{grid.name}: {said}")
                    result[fld] = latest
                    continue
                letters = ", ".join(column_letter(c + 1) for c in cols)
                self.issue(
                    grid.name,
                    row,
                    cols[1],
                    f"Duplicate header: columns {letters} are all read as {label!r}; keep one",
                )
            result[fld] = cols[0]
        return result


_YEAR: Final = re.compile(
    r"(?<![\d])(?:(?:fy|cy|gj|ex|année|ano|año)\s?'?(\d{2})|((?:19|20)\d{2}))(?![\d])", re.I
)


def _year_of(header: CellValue) -> int | None:
    """The year a header names (``FY25 Budget``, ``Budget 2025``, ``FY 2025/26``: 2025), if one."""
    if not isinstance(header, str):
        return None
    years = {int(m[2]) if m[2] else 2000 + int(m[1]) for m in _YEAR.finditer(header)}
    return min(years) if years else None


def _latest_year(header: Sequence[CellValue], cols: Sequence[int]) -> int | None:
    """Of columns read as one field, the one whose header names the latest year, when each names one."""
    years = [_year_of(header[c]) if c < len(header) else None for c in cols]
    if any(y is None for y in years) or len(set(years)) < len(years):
        return None
    return max(zip(years, cols, strict=True))[1]


def _chosen_roles(
    row: Sequence[CellValue], found: dict[str, list[int]], choice: SheetChoice
) -> dict[str, list[int]]:
    """The columns of a header row each field names, with the roles the user gave columns by header."""
    given: dict[int, str] = {}
    for c, value in enumerate(row):
        role = choice.columns.get(header_text(value)) if isinstance(value, str) and value.strip() else None
        if role is not None:
            given[c] = role
    if not given:
        return found
    result = {attr: [c for c in cols if c not in given] for attr, cols in found.items()}
    for c, role in given.items():
        if role != NOT_USED:
            result[role] = [c]
    return {attr: cols for attr, cols in result.items() if cols}


def _preview(rows: list[list[CellValue]]) -> tuple[tuple[str, ...], ...]:
    """A sheet's first rows as text, as the preview's grid shows them."""
    return tuple(
        tuple("" if v is None else v if isinstance(v, str) else cells.show(v) for v in row)
        for row in rows[:PREVIEW_ROWS]
    )


def _sheet_by_key(names: Sequence[str], keys: Sequence[str]) -> str | None:
    for key in keys:
        for name in names:
            if header_key(name) == key:
                return name
    return None


@dataclass(slots=True)
class _Cell:
    reader: _Reader
    grid: _Grid
    row: int
    col: int | None
    label: str = ""

    @property
    def raw(self) -> CellValue:
        return None if self.col is None else self.grid.value(self.row, self.col)

    def blank(self) -> bool:
        return is_blank(self.raw)

    def fail(self, message: str) -> None:
        self.reader.issue(self.grid.name, self.row, self.col, message)

    def read(
        self,
        parse: Callable[[CellValue], _T],
        label: str | None = None,
        *,
        default: _T | None = None,
        required: bool = False,
    ) -> _T | None:
        """The parsed value, ``default`` for an empty optional cell, None after an issue."""
        label = label or self.label
        if self.col is None:
            return default
        value = self.raw
        if is_blank(value):
            cause = self.grid.blank_cause(self.row, self.col)
            if cause is not None:
                self.fail(f"{label}: {cause}")
                return None
            if required:
                self.fail(f"{label} is blank")
            return default
        try:
            return parse(value)
        except CellError as error:
            self.fail(f"{label}: {error}")
            return None


def _rows(grid: _Grid, start: int) -> Iterator[int]:
    """The rows from ``start`` with anything in them."""
    rows = grid.rows
    for r in range(start, len(rows)):
        row = rows[r]
        if any(v is not None and v != "" for v in row) and any(not is_blank(v) for v in row):
            yield r


#: The fields a percentage may be given for, each with the field it is a share of.
_SHARE_OF: Final = {f.attr: f.share_of for f in LINE_FIELDS if f.share_of is not None}
#: A number in a percent-formatted floor or cap cell up to this (1000%) is a share, not money.
_LARGEST_SHARE: Final = 10.0
#: One separator before three digits, and no other: "820.000", "1,200".
_LONE_SEPARATOR: Final = re.compile(r"(?<![\d.,])(?!0[.,])\d{1,3}[.,]\d{3}(?![\d.,])")


@dataclass(frozen=True, slots=True)
class _Share:
    """A floor or cap given as a percentage: a share of another field of its line."""

    fraction: float
    text: str


class _Totals:
    """The lines read so far, to check each total row against the lines it covers.

    Sums are brought up to date only when a total row is met (most sheets have few).
    """

    def __init__(self, reader: _Reader, current: Callable[[list[CellValue]], float | None]) -> None:
        self.reader, self.current = reader, current
        self.lines: list[Line] = []
        self._counted = 0
        self._last_total = 0
        self.everything = 0.0
        self.by_function: dict[str, float] = {}

    def _count(self) -> None:
        for line in self.lines[self._counted :]:
            self.everything += line.current
            key = function_key(line.function)
            self.by_function[key] = self.by_function.get(key, 0.0) + line.current
        self._counted = len(self.lines)

    def check(
        self,
        r: int,
        label: str,
        values: list[CellValue],
        functions: set[str],
        function: CellValue,
        *,
        why: str = "a total row",
    ) -> None:
        """Note the skipped total row, and whether the lines it covers add up to its figure."""
        notes = self.reader.notes
        notes.append(f"Budget row {r + 1}{f' ({label!r})' if label else ''} is {why} and is skipped")
        figure = self.current(values)
        covered = function if isinstance(function, str) and function.strip() else total_of(label, functions)
        since_last = _sum(line.current for line in self.lines[self._last_total :])
        self._last_total = len(self.lines)
        if figure is None:
            return
        self._count()
        candidates = [
            ("the lines since the last total", since_last),
            ("all the lines above it", self.everything),
        ]
        if covered is not None:
            candidates.insert(0, (f"the {covered} lines", self.by_function.get(function_key(covered), 0.0)))
        if any(math.isclose(figure, total, rel_tol=1e-6, abs_tol=0.5) for _, total in candidates):
            return
        what, total = candidates[0]
        notes.append(
            f"Budget row {r + 1}{f' ({label!r})' if label else ''} gives {money(figure, 2, trim=True)}, "
            f"but {what} add up to "
            f"{money(total, 2, trim=True)}: check for a line missing, or a line that is not a line"
        )


def _sum(amounts: Iterable[float]) -> float:
    """The exact sum, or infinity for amounts too large to add (refused at their cells by validation)."""
    try:
        return math.fsum(amounts)
    except OverflowError:
        return math.inf


_TOTAL_SEARCH: Final = TOTAL_HINT.search


def _reads_as_amount(value: CellValue) -> bool:
    """Whether a cell holds an amount (a number, or text that reads as money)."""
    if isinstance(value, bool) or is_blank(value):
        return False
    try:
        cells.read_money(value)
    except CellError:
        return False
    return True


#: The fields that are amounts of money (converted at a line's exchange rate).
_MONEY_FIELDS: Final = tuple(f.attr for f in LINE_FIELDS if f.unit is Unit.MONEY)
#: The column index of a field the sheet does not have: beyond any row's width.
_ABSENT: Final = 1 << 30
#: Reads one field of a row from its cell's value: the typed value, the default, or None after an issue.
_FieldReader = Callable[[CellValue], Any]


class _BudgetReader:
    """Lines from the Budget sheet, each field read as :data:`models.schema.LINE_FIELDS` says."""

    def __init__(self, reader: _Reader, grid: _Grid, sheet_function: str | None = None) -> None:
        self.reader = reader
        self.grid = grid
        #: The function of lines whose row names none: the sheet's name, in a workbook of department sheets.
        self._sheet_function = sheet_function
        self._row = 0
        self._columns: dict[str, int] = {}
        #: The functions the sheet's lines name.
        self._functions: set[str] = set()
        #: Whether each Function cell's value may name a total, tested once per distinct value.
        self._function_hints: dict[CellValue, bool] = {}
        #: Whether the row being read gave a floor or cap as a percentage.
        self._shares = False
        #: Whether a grand total has been passed: below it, a row without an amount is a note.
        self._past_grand_total = False
        #: The columns of months or quarters whose sum is a line's year, when the sheet has no Current.
        self._periods: list[int] = []
        self._period_readers: list[tuple[int, _FieldReader]] = []

        self._header: list[CellValue] = []
        self._totals = _Totals(reader, lambda _values: None)
        #: The user's choices for this sheet.
        self.choice = reader.mapping.sheet(grid.name)
        #: The rows that are not lines, each with the note that says why.
        self.skipped: list[SkippedRow] = []
        #: What one unit of the money columns is worth.
        self.unit = 1.0
        #: Each function as written to the function and kind the import mapping makes it (if it has any).
        self._chosen_functions: dict[str, tuple[str, Kind | None]] = {}
        self._choosing = bool(reader.mapping.functions or reader.mapping.kinds)
        #: With exchange rates: the column naming each line's currency, and the currency of the
        #: amounts where no cell names one (the Current header's, else the sheet's), if any.
        self._currency_column: int | None = None
        self._stated_currency: str | None = None
        #: The currencies converted, and those found without a rate (each said once).
        self._converted: set[str] = set()
        self._without_rate: set[str] = set()
        #: The header row (0-based), once found; the roles of columns of further tables side by side.
        self._header_at: int | None = None
        self._more_roles: dict[int, str] = {}
        #: Rows that are totals by the sheet's tables, formulas or outline; lines' functions from an outline.
        self._marked: dict[int, TotalRow] = {}
        self._outline_functions: dict[int, str] = {}

    def read(
        self, kinds_from_functions: dict[str, Kind]
    ) -> tuple[list[Line], dict[str, int], dict[str, Kind]]:
        required = REQUIRED if self._sheet_function is None else _REQUIRED_ON_DEPARTMENT_SHEET
        if (
            self.choice.empty
            and (blocks := side_by_side(self.grid.rows, BUDGET_COLUMNS.match, required, HEADER_SEARCH_ROWS))
            is not None
        ):
            return self._read_blocks(blocks, kinds_from_functions)
        before = len(self.reader.issues)
        header = self.reader.find_header(self.grid, BUDGET_COLUMNS, required, self.choice)
        if header is None:
            header = self._period_header(required)
            if header is None:
                return [], {}, {}
            del self.reader.issues[before:]  # the months stand for the missing Current
        header_row, columns = header
        self._columns = columns
        self._header_at = header_row
        used = set(columns.values()) | set(self._periods)
        for c, value in enumerate(self.grid.rows[header_row]):
            if c not in used and isinstance(value, str) and value.strip():
                self.reader.notes.append(
                    f"Budget column {column_letter(c + 1)} ({value.strip()!r}) is not used"
                )
        self._header = self.grid.rows[header_row]
        if self.reader.rates is not None:
            self._currency_sources(header_row)
        self._say_hidden_columns()
        self._functions = self._function_names(header_row)
        scales = self._scales(header_row)
        marks = self._decimal_marks(header_row)
        readers = [
            (
                f.attr,
                columns.get(f.attr, _ABSENT),
                self._field_reader(f, marks.get(f.attr), scales.get(f.attr, 1.0)),
            )
            for f in LINE_FIELDS
        ]
        current_spec = LINE_FIELDS[[f.attr for f in LINE_FIELDS].index("current")]
        self._period_readers = [
            (c, self._field_reader(current_spec, marks.get("current"), scales.get("current", 1.0), column=c))
            for c in self._periods
        ]
        current_col = columns.get("current", _ABSENT)
        current_scale = scales.get("current", 1.0)
        current_mark = marks.get("current")

        def total_figure(values: list[CellValue]) -> float | None:
            value = values[current_col] if current_col < len(values) else None
            if is_blank(value):
                return None
            try:
                return cells.read_money(value, mark=current_mark) * current_scale
            except CellError:
                return None

        self._totals = _Totals(self.reader, total_figure)
        self._marked, self._outline_functions = self._total_rows(header_row, total_figure)
        lines = self._totals.lines
        inferred: dict[str, Kind] = {}
        count = max(len(self.grid.rows) - header_row - 1, 1)
        step = max(count // 20, 500)
        for r in _rows(self.grid, header_row + 1):
            if r % step == 0:
                self.reader.progress(0.3 + 0.6 * (r - header_row) / count, f"Reading line {r - header_row:,}")
            line = self._line(r, readers, kinds_from_functions, inferred)
            if line is not None:
                lines.append(line)
        if self.grid.may_hide:
            self._refuse_uncalculated(lines)
        self.unit = scales.get("current", 1.0)
        rates = self.reader.rates
        if rates is not None and self._converted - {rates.base}:
            self.reader.notes.append(
                f"Sheet {self.grid.name!r}: amounts in {', '.join(sorted(self._converted))} are converted to "
                f"{rates.base} at the Rates sheet's rates ({rates.describe(self._converted)})"
            )
        return lines, columns, inferred

    def _currency_sources(self, header_row: int) -> None:
        """Where each line's currency is named: a currency column, else the Current header or the sheet."""
        header = self.grid.rows[header_row]
        self._currency_column = next(
            (
                c
                for c, title in enumerate(header)
                if isinstance(title, str) and header_key(title) in CURRENCY_HEADERS
            ),
            None,
        )
        current = self._columns.get("current")
        stated = currency_of(header[current]) if current is not None and current < len(header) else None
        self._stated_currency = stated or currency_of(self.grid.name)

    def _convert(self, r: int, values: list[CellValue], typed: dict[str, Any]) -> bool:
        """A line's amounts in the plan's currency, at its currency's rate; False after an issue."""
        rates = self.reader.rates
        assert rates is not None
        width = len(values)
        code: str | None = None
        c = self._currency_column
        if c is not None and c < width and not is_blank(values[c]):
            code = currency_code(values[c])
            if code is None:
                self.reader.issue(
                    self.grid.name, r, c, f"Currency: {cells.show(values[c])} is not a currency (EUR, USD...)"
                )
                return False
        current = self._columns.get("current", _ABSENT)
        if code is None and current < width:
            code = currency_of(values[current])
        code = code or self._stated_currency
        if code is None:
            if self.reader.currencies.keys() - {rates.base}:
                named = ", ".join(sorted(self.reader.currencies))
                self.reader.issue(
                    self.grid.name,
                    r,
                    current if current != _ABSENT else None,
                    f"The amount's currency is not stated, and the sheet has amounts in {named}: "
                    "write the currency beside the amount or in a Currency column",
                )
                return False
            code = rates.base
        rate = rates.rate(code)
        if rate is None:
            if code not in self._without_rate:
                self._without_rate.add(code)
                self.reader.issue(
                    self.grid.name,
                    r,
                    c if c is not None else current if current != _ABSENT else None,
                    f"The amounts in {code} have no exchange rate: the Rates sheet gives "
                    f"{', '.join(sorted(rates.rates))}; add {code} to it",
                )
            return False
        self._converted.add(code)
        if rate != 1:
            for attr in _MONEY_FIELDS:
                if type(typed[attr]) is float:
                    typed[attr] *= rate
            if typed.get("phasing") is not None:
                typed["phasing"] = tuple(amount * rate for amount in typed["phasing"])
        return True

    def layout(self, status: str = SheetStatus.LINES, reason: str = "", lines: int = 0) -> None:
        """Record how the sheet was read: header row, each column's role, unit and skipped rows."""
        header_row = self._header_at
        roles = {**self._more_roles, **{c: attr for attr, c in self._columns.items()}}
        roles.update(dict.fromkeys(self._periods, PERIOD))
        hidden = self.reader.hidden_columns(self.grid.name) if self._header else frozenset()
        columns = tuple(
            ColumnLayout(c, column_letter(c + 1), header_text(v), roles.get(c, NOT_USED), c in hidden)
            for c, v in enumerate(self._header)
            if not is_blank(v) or c in roles
        )
        self.reader.lay_out(
            self.grid.rows,
            self.grid.name,
            status,
            reason,
            header_row=None if header_row is None else header_row + 1,
            columns=columns,
            unit=self.unit,
            skipped=tuple(self.skipped),
            lines=lines,
        )

    def _read_blocks(
        self, blocks: Sequence[tuple[int, int]], kinds_from_functions: dict[str, Kind]
    ) -> tuple[list[Line], dict[str, int], dict[str, Kind]]:
        """Tables side by side under the same headers: each read on its own, where it stands on the sheet.

        The columns returned are the first table's.
        """
        grid = self.grid
        shown = ", ".join(f"columns {column_letter(a + 1)} to {column_letter(b + 1)}" for a, b in blocks)
        self.reader.notes.append(
            f"Sheet {grid.name!r} holds {len(blocks)} tables side by side with the same headers ({shown}): "
            "the lines of each are read"
        )
        lines: list[Line] = []
        first_columns: dict[str, int] = {}
        inferred: dict[str, Kind] = {}
        for a, b in blocks:
            rows = [[v if a <= c <= b else None for c, v in enumerate(row)] for row in grid.rows]
            block = _Grid(
                grid.name, rows, lambda: grid.marks, may_hide=grid.may_hide, load_tables=lambda: grid.tables
            )
            sub = _BudgetReader(self.reader, block, self._sheet_function)
            found, columns, kinds = sub.read(kinds_from_functions)
            if self._header_at is None:
                self._header_at, self._header = sub._header_at, grid.rows[sub._header_at or 0]
            self._more_roles.update({c: attr for attr, c in columns.items()})
            self.skipped.extend(sub.skipped)
            self.unit = sub.unit
            lines.extend(found)
            first_columns = first_columns or columns
            for function, kind in kinds.items():
                inferred.setdefault(function, kind)
        return lines, first_columns, inferred

    def _period_header(self, required: Sequence[str]) -> tuple[int, dict[str, int]] | None:
        """A header with months (or quarters) and no Current: the year is their sum, or its total column.

        The months are kept in ``self._periods``; a total column beside them
        (``FY total``, ``Total``, ``Jahr``) is read as Current and checked
        against them, line by line.
        """
        said = len(self.reader.issues)
        found = self.reader.find_header(self.grid, BUDGET_COLUMNS, [a for a in required if a != "current"])
        del self.reader.issues[said:]  # the first search's message stands when the months do not
        if found is None:
            return None
        header_row, columns = found
        periods: dict[tuple[str, int], int] = {}
        for c, title in enumerate(self.grid.rows[header_row]):
            period = period_of(title)
            if period is not None and c not in columns.values():
                periods.setdefault(period, c)
        months = [c for (kind, _n), c in sorted(periods.items()) if kind == "month"]
        quarters = [c for (kind, _n), c in sorted(periods.items()) if kind == "quarter"]
        chosen = months if len(months) == 12 else quarters if len(quarters) == 4 else []
        if not chosen:
            return None
        self._periods = chosen
        total = next(
            (
                c
                for c, title in enumerate(self.grid.rows[header_row])
                if isinstance(title, str) and header_key(title) in YEAR_TOTAL_HEADERS and c not in chosen
            ),
            None,
        )
        kind = "months" if chosen is months else "quarters"
        letters = f"{column_letter(chosen[0] + 1)} to {column_letter(chosen[-1] + 1)}"
        if total is not None:
            columns = {**columns, "current": total}
            self.reader.notes.append(
                f"Current is the year's total (column {column_letter(total + 1)}), checked against the "
                f"{kind} in columns {letters}"
            )
        else:
            self.reader.notes.append(f"Current is the sum of the {kind} in columns {letters}")
        return header_row, columns

    # -- what the sheet says about all its lines -----------------------------------------

    def _column_values(self, header_row: int, attr: str) -> list[CellValue]:
        c = self._columns.get(attr)
        if c is None:
            return []
        return [row[c] for row in self.grid.rows[header_row + 1 :] if c < len(row)]

    def _say_hidden_columns(self) -> None:
        """A column read although the sheet hides it is said (the visible one of two is preferred
        where the header is found, see :meth:`_Reader._unique_columns`)."""
        hidden = self.reader.hidden_columns(self.grid.name)
        for spec in LINE_FIELDS:
            c = self._columns.get(spec.attr)
            if c is not None and c in hidden:
                title = self._header[c] if c < len(self._header) else None
                said = (
                    f"{spec.label} is read from column {column_letter(c + 1)} ({title!r}), which the sheet "
                    "hides: check that it is the column to read"
                )
                self.reader.notes.append(said)
                self.reader.questions.append(f"{self.grid.name}: {said}")

    def _function_names(self, header_row: int) -> set[str]:
        """The functions the sheet's lines name, to tell "HR total" from a line."""
        names = {v for v in self._column_values(header_row, "function") if type(v) is str and v.strip()}
        return names | ({self._sheet_function} if self._sheet_function else set())

    def _scales(self, header_row: int) -> dict[str, float]:
        """The unit of each money column: from its header, else from a title or note above the header."""
        sheet = self.grid.name
        if self.choice.unit is not None:
            unit = self.choice.unit
            if unit != 1:
                self.reader.notes.append(
                    f"The amounts of sheet {sheet!r} are in {unit_words(unit)}, as the import mapping says: "
                    f"they are multiplied by {unit:,.0f}"
                )
            return {spec.attr: unit for spec in LINE_FIELDS if spec.unit is Unit.MONEY}
        stated: dict[float, tuple[int, str]] = {}
        for r in range(header_row):
            for value in self.grid.rows[r]:
                scale = unit_scale(value)
                if scale is not None:
                    stated.setdefault(scale, (r, str(value).strip()))
        if len(stated) > 1:
            (r1, t1), (r2, t2) = stated.values()
            self.reader.issue(
                sheet, r2, None, f"The unit is unclear: {t1!r} (row {r1 + 1}) and {t2!r} disagree"
            )
            return {}
        title = next(iter(stated.items()), None)
        header = self.grid.rows[header_row]
        scales: dict[str, float] = {}
        for spec in LINE_FIELDS:
            c = self._columns.get(spec.attr)
            if spec.unit is not Unit.MONEY or c is None:
                continue
            own = unit_scale(header[c]) if c < len(header) else None
            if own is not None and title is not None and title[0] != own:
                r, text = title[1]
                self.reader.issue(
                    self.grid.name,
                    header_row,
                    c,
                    f"The unit is unclear: the header {str(header[c]).strip()!r} says {unit_words(own)}, "
                    f"row {r + 1} ({text!r}) says {unit_words(title[0])}",
                )
            elif own is not None:
                scales[spec.attr] = own
                self.reader.notes.append(
                    f"{spec.label} (column {column_letter(c + 1)}, {str(header[c]).strip()!r}) is in "
                    f"{unit_words(own)}: its amounts are multiplied by {own:,.0f}"
                )
            elif title is not None:
                scale, (r, text) = title
                scales[spec.attr] = scale
                self.reader.notes.append(
                    f"{spec.label} (column {column_letter(c + 1)}) is in {unit_words(scale)}, as row {r + 1} "
                    f"says ({text!r}): its amounts are multiplied by {scale:,.0f}"
                )
        return scales

    def _decimal_marks(self, header_row: int) -> dict[str, DecimalMark]:
        """Each money column's decimal mark, decided from all its text cells; one currency for all."""
        found: dict[str, DecimalMark] = {}
        #: Each currency the amounts name, with the first amount naming it.
        currencies: dict[str, tuple[str, str]] = {}
        for spec in LINE_FIELDS:
            if spec.unit is not Unit.MONEY:
                continue
            seen: dict[DecimalMark, str] = {}
            undecided = ""  # a text that cannot tell, with a separator before three digits
            for text in self._column_values(header_row, spec.attr):
                if type(text) is not str or not text:
                    continue
                currency = currency_of(text)
                if currency is not None:
                    currencies.setdefault(currency, (spec.label, text))
                mark = decimal_mark(text)
                if mark is not None:
                    seen.setdefault(mark, text)
                elif not undecided and _LONE_SEPARATOR.search(text):
                    undecided = text
            if not seen and not undecided:
                continue
            letter = column_letter(self._columns[spec.attr] + 1)
            if len(seen) > 1:
                found[spec.attr] = DecimalMark.MIXED
                point, comma = seen[DecimalMark.POINT], seen[DecimalMark.COMMA]
                self.reader.notes.append(
                    f"{spec.label} (column {letter}) writes amounts both as {point!r} and as {comma!r}: "
                    "each is read as it is written, and one that could be read either way is refused"
                )
            elif seen:
                ((mark, example),) = seen.items()
                found[spec.attr] = mark
                if undecided:
                    decimals = "a comma" if mark is DecimalMark.COMMA else "a point"
                    self.reader.notes.append(
                        f"{spec.label} (column {letter}) writes decimals with {decimals} ({example!r}): "
                        f"{undecided!r} and every other amount of the column is read that way"
                    )
            else:
                said = (
                    f"{spec.label} (column {letter}): {undecided!r} is read with its separator grouping "
                    "thousands (no amount of the column shows how it writes decimals)"
                )
                self.reader.notes.append(said)
                self.reader.questions.append(f"{self.grid.name}: {said}")
        header = self.grid.rows[header_row]
        for spec in LINE_FIELDS:
            c = self._columns.get(spec.attr)
            if spec.unit is Unit.MONEY and c is not None and c < len(header):
                code = currency_of(header[c])
                if code is not None:
                    currencies.setdefault(code, (spec.label, str(header[c]).strip()))
        named_by_sheet = currency_of(self.grid.name)
        if named_by_sheet is not None:
            currencies.setdefault(named_by_sheet, ("sheet", self.grid.name))
        if "$" in currencies and "USD" in currencies:
            del currencies["$"]
        for code, where in currencies.items():
            self.reader.currencies.setdefault(code, where)
        self._check_currencies(header_row, currencies)
        return found

    def _check_currencies(self, header_row: int, named: dict[str, tuple[str, str]]) -> None:
        """Several currencies added up as one would be a wrong total: refused, each named (unless the
        workbook gives exchange rates: then each line is converted, see :meth:`_convert`)."""
        if self.reader.rates is not None:
            return
        sheet, header = self.grid.name, self.grid.rows[header_row]
        for c, title in enumerate(header):
            if isinstance(title, str) and header_key(title) in CURRENCY_HEADERS:
                values = {
                    v.strip().upper()
                    for row in self.grid.rows[header_row + 1 :]
                    if c < len(row)
                    if isinstance(v := row[c], str) and v.strip()
                }
                if len(values) > 1:
                    self.reader.issue(
                        sheet,
                        header_row,
                        c,
                        f"The lines are in several currencies ({', '.join(sorted(values))}, column "
                        f"{column_letter(c + 1)}): Fulcrum adds up amounts of one currency; convert them "
                        "to one currency (there is no exchange rate to do it with)",
                    )
                    return
        if len(named) > 1:
            shown = ", ".join(f"{code} ({label} {text!r})" for code, (label, text) in sorted(named.items()))
            self.reader.issue(
                sheet,
                None,
                None,
                f"The amounts are in several currencies: {shown}. Fulcrum adds up amounts of one currency; "
                "convert them to one currency (there is no exchange rate to do it with)",
            )

    # -- one row -----------------------------------------------------------------------------

    def _line(
        self,
        r: int,
        readers: Sequence[tuple[str, int, _FieldReader]],
        kinds_from_functions: dict[str, Kind],
        inferred: dict[str, Kind],
    ) -> Line | None:
        values = self.grid.rows[r]
        width = len(values)
        self._row = r
        name_col, function_col = self._columns["name"], self._columns.get("function", _ABSENT)
        name_raw = values[name_col] if name_col < width else None
        function_raw = values[function_col] if function_col < width else None
        # Most rows name their function and no total word: they are lines, decided without a call.
        maybe_not_a_line: bool | None = True
        if function_raw is not None and function_raw != "" and not self._past_grand_total:
            hints = self._function_hints
            maybe_not_a_line = hints.get(function_raw)
            if maybe_not_a_line is None:
                maybe_not_a_line = hints[function_raw] = self._total_function(function_raw)
            if not maybe_not_a_line and type(name_raw) is str:
                maybe_not_a_line = _TOTAL_SEARCH(name_raw) is not None
        if maybe_not_a_line or r in self._marked:
            said = len(self.reader.notes)
            if self._skipped(r, values, name_raw, function_raw):
                reason = self.reader.notes[said] if len(self.reader.notes) > said else "not a line"
                self.skipped.append(SkippedRow(r + 1, reason))
                return None
        if (function_raw is None or function_raw == "") and r in self._outline_functions:
            values = with_value(values, function_col, self._outline_functions[r])
            width = len(values)
        before = len(self.reader.issues)
        self._shares = False
        typed = {attr: read(values[c] if c < width else None) for attr, c, read in readers}
        if self._period_readers:
            self._read_periods(r, values, typed)
        if typed["function"] is None and self._sheet_function is not None and "function" not in self._columns:
            typed["function"] = self._sheet_function
        if len(self.reader.issues) > before or any(typed[attr] is None for attr in REQUIRED):
            return None
        if self.reader.rates is not None and not self._convert(r, values, typed):
            return None
        if self._choosing:
            function = typed["function"]
            if function not in self._chosen_functions:
                chosen = self.reader.mapping.function_of(function)
                self._chosen_functions[function] = (chosen, self.reader.mapping.kind_of(chosen))
            typed["function"], chosen_kind = self._chosen_functions[function]
            if chosen_kind is not None:
                typed["kind"] = chosen_kind
        for attr, base in _SHARE_OF.items() if self._shares else ():
            share = typed[attr]
            if isinstance(share, _Share):
                typed[attr] = share.fraction * float(typed[base])
                self.reader.notes.append(
                    f"Budget row {r + 1}: {LABELS[attr].lower()} {share.text} is a share of the line's "
                    f"{LABELS[base].lower()} ({money(typed[attr], 2, trim=True)})"
                )
        if typed["kind"] is None:
            function = str(typed["function"])
            kind = kinds_from_functions.get(function_key(function))
            if kind is None:
                kind = default_kind(function)
                inferred.setdefault(function, kind)
            typed["kind"] = kind
        return Line(**typed, source_row=r + 1, source_sheet=self.grid.name)

    def _skipped(self, r: int, values: list[CellValue], name: CellValue, function: CellValue) -> bool:
        """Whether the row is a total, a heading or a note rather than a line (said in a note)."""
        hint = TOTAL_HINT.search
        if (type(name) is str and hint(name)) or (type(function) is str and hint(function)):
            functions = self._functions
            label = total_label(name, functions) or total_label(function, functions)
            if label is None and isinstance(name, str) and is_blank(function):
                word = header_key(name)
                if word in _TOTAL_NAMES or word.startswith("total"):
                    label = name.strip()
            if label is not None:
                self._totals.check(r, label, values, functions, function)
                if is_blank(function) and total_of(label, functions) is None and self._totals.lines:
                    self._past_grand_total = True
                return True
        if r in self._marked:
            return self._skip_total(r, values, name, function)
        current_col = self._columns.get("current", _ABSENT)
        current = values[current_col] if current_col < len(values) else None
        if self._past_grand_total and not _reads_as_amount(current):
            first = next((str(v).strip() for v in values if not is_blank(v)), "")
            self.reader.notes.append(
                f"Budget row {r + 1} ({first!r}) is below the grand total and holds no amount: it is skipped"
            )
            return True
        if function is not None and function != "":
            return False  # a row naming its function is a line (or an error in one)
        if not is_blank(current):
            return False
        filled = [v for v in values if not is_blank(v)]
        if len(filled) != 1 or not isinstance(filled[0], str) or self.grid.blank_cause(r, current_col):
            return False
        text = filled[0].strip()
        what = "a note" if len(text) > 40 or text[:1] in "*¹²³(†" else "a heading"
        self.reader.notes.append(f"Budget row {r + 1} ({text!r}) is {what} and is skipped")
        return True

    def _refuse_uncalculated(self, lines: Sequence[Line]) -> None:
        """Refuse the lines' amounts read from formulas whose saved values were not calculated."""
        money_columns = [c for c in (self._columns.get("current"), *self._periods) if c is not None]
        cells = [(line.source_row - 1, c) for line in lines if line.source_row for c in money_columns]
        full_calc = self.reader.parts.full_calc_on_load
        for (r, c), why in uncalculated(self.grid.marks, cells, full_calc_on_load=full_calc).items():
            label = LABELS["current"] if c == self._columns.get("current") else str(self._header[c]).strip()
            self.reader.issue(self.grid.name, r, c, f"{label}: {why}")

    def _total_rows(
        self, header_row: int, figure: Callable[[list[CellValue]], float | None]
    ) -> tuple[dict[int, TotalRow], dict[int, str]]:
        """The rows that are totals by the sheet's Excel Tables, formulas or outline (models.total_rows)."""
        money_columns = [c for c in (self._columns.get("current"), *self._periods) if c is not None]
        grid = self.grid
        return total_rows(
            grid.rows, header_row + 1, self._columns, money_columns, figure,
            tables=grid.tables, aggregates=grid.aggregates,
        )  # fmt: skip

    def _skip_total(self, r: int, values: list[CellValue], name: CellValue, function: CellValue) -> bool:
        """Skip a row that is a total by the sheet's tables, formulas or outline, and check its figure."""
        total = self._marked[r]
        label = next((v.strip() for v in (name, function) if isinstance(v, str) and v.strip()), "")
        if not total.below:
            self._totals.check(r, label, values, self._functions, function, why=total.why)
            return True
        shown = f" ({label!r})" if label else ""
        self.reader.notes.append(f"Budget row {r + 1}{shown} is {total.why} and is skipped")
        if total.mismatch is not None:
            self.reader.notes.append(total.mismatch)
        taking = [j + 1 for j in total.below if j in self._outline_functions]
        if taking:
            self.reader.notes.append(
                f"Budget rows {', '.join(map(str, taking))} name no function: they take "
                f"{self._outline_functions[taking[0] - 1]!r} from row {r + 1}"
            )
        return True

    def _cell(self, fld: str, column: int | None = None) -> _Cell:
        where = self._columns.get(fld) if column is None else column
        return _Cell(self.reader, self.grid, self._row, where, LABELS[fld])

    def _read_periods(self, r: int, values: list[CellValue], typed: dict[str, Any]) -> None:
        """The year from the months or quarters: their sum, or a check of the total read as Current.

        The periods are kept as the line's phasing. A line with a year's total
        and every period blank is read unphased (and said).
        """
        width = len(values)
        if (
            "current" in self._columns
            and typed["current"] is not None
            and all(
                is_blank(values[c] if c < width else None) and self.grid.blank_cause(r, c) is None
                for c in self._periods
            )
        ):
            kind = "months" if len(self._periods) == MONTHS else "quarters"
            self.reader.notes.append(
                f"Budget row {r + 1}: no {kind}, only the year's total: the line is not phased"
            )
            return
        amounts = [read(values[c] if c < width else None) for c, read in self._period_readers]
        if any(a is None for a in amounts):
            typed["current"] = None
            return
        typed["phasing"] = tuple(amounts)
        year = _sum(amounts)
        if "current" not in self._columns:
            typed["current"] = year
        elif typed["current"] is not None and not sums_to(amounts, typed["current"]):
            self.reader.issue(
                self.grid.name,
                r,
                self._columns["current"],
                f"The year's total {money(typed['current'], 2, trim=True)} is not the sum of its periods "
                f"({money(year, 2, trim=True)})",
            )

    def _share_under_percent_header(self, attr: str, value: float) -> _Share | None:
        """A number in a column headed as a percentage: a share from 0 to 1, else refused as unclear."""
        if 0.0 <= value <= 1.0:
            self._shares = True
            return _Share(value, percent(value, significant=10))
        self._cell(attr).fail(
            f"{LABELS[attr]}: {cells.show(value)} is unclear under a percentage header: "
            f"write {cells.show(value)}% or {value / 100:g} for {cells.show(value)} percent"
        )
        return None

    @staticmethod
    def _total_function(function: CellValue) -> bool:
        """Whether a Function cell may name a total ("HR Total")."""
        return type(function) is str and TOTAL_HINT.search(function) is not None

    def _percent(self, column: int | None) -> bool:
        return self.grid.formatted_percent(self._row, column, above_one=False)

    def _field_reader(
        self, spec: Field, mark: DecimalMark | None, scale: float, *, column: int | None = None
    ) -> _FieldReader:
        """How one field's cells are read: a fast path for the common cell, else the full reader.

        The full reader (:class:`_Cell`) gives every message; the fast paths
        take only what it would take unchanged. ``mark`` is a money column's
        decimal mark, ``scale`` its unit (1,000 for thousands).
        """
        attr, default, required = spec.attr, spec.default, spec.required
        parse = partial(spec.parse, mark=mark) if mark is not None else spec.parse
        unit = scale
        # A sheet with formulas or error cells: a blank may be a formula with no value.
        blank_is_default = not required and not self.grid.may_hide

        def full(value: CellValue, parser: Callable[[CellValue], Any] = parse) -> Any:
            return self._cell(attr, column).read(parser, default=default, required=required)

        if spec.reading is Reading.TEXT:
            errors = cells.ERROR_VALUES

            def text(value: CellValue) -> Any:
                if (
                    type(value) is str
                    and value
                    and value.isprintable()
                    and value == value.strip()
                    and "  " not in value
                    and value.upper() not in errors
                ):
                    return value
                if blank_is_default and (value is None or value == ""):
                    return default
                return full(value)

            return text
        if spec.reading is Reading.AMOUNT:
            # The least number taken as it is: the smallest above 0, or 0.
            least = math.nextafter(0.0, 1.0) if spec.minimum is Minimum.POSITIVE else 0.0
            column = self._columns.get(attr) if column is None else column
            shares = spec.share_of is not None
            heading = self._header[column] if column is not None and column < len(self._header) else None
            # "Floor (% of current)": every number of the column is a share.
            all_shares = shares and isinstance(heading, str) and "%" in heading

            def amount(value: CellValue) -> Any:
                if all_shares and type(value) in (float, int):
                    return self._share_under_percent_header(attr, float(value))  # type: ignore[arg-type]
                if type(value) is float and least <= value < math.inf:
                    if shares and 0.0 < value <= _LARGEST_SHARE and self._percent(column):
                        self._shares = True
                        return _Share(value, percent(value, significant=10))
                    return value * unit
                if blank_is_default and (value is None or value == ""):
                    return default
                if shares and type(value) is str and value.rstrip().endswith("%"):
                    try:
                        share = _Share(cells.read_fraction(value.strip()), value.strip())
                    except CellError:
                        pass
                    else:
                        self._shares = True
                        return share
                result = full(value)
                return result * unit if type(result) is float else result

            return amount
        if spec.reading is Reading.WORD:
            #: Parsed values of repeated text cells (kinds, curves, yes/no).
            known: dict[str, object] = {}

            def word(value: CellValue) -> Any:
                if blank_is_default and (value is None or value == ""):
                    return default
                if type(value) is str and value in known:
                    return known[value]
                result = full(value)
                if type(value) is str and result is not None:
                    known[value] = result
                return result

            return word

        def fraction(value: CellValue) -> Any:
            if type(value) is float and 0.0 <= value <= 1.0:
                return value
            if blank_is_default and (value is None or value == ""):
                return default
            column = self._columns.get(attr)
            percent = self.grid.formatted_percent(self._row, column, above_one=True)
            return full(value, partial(parse, percent_format=percent))

        return fraction


def _read_functions(reader: _Reader, grid: _Grid) -> list[FunctionRule]:
    header = reader.find_header(grid, FUNCTION_COLUMNS, ("function",))
    if header is None:
        return []
    header_row, columns = header
    rules: list[FunctionRule] = []
    for r in _rows(grid, header_row + 1):

        def cell(fld: str, r: int = r) -> _Cell:
            return _Cell(reader, grid, r, columns.get(fld))

        before = len(reader.issues)
        function = cell("function").read(cells.read_text, "Function", required=True)
        kind = cell("kind").read(fields.parse_kind, "Kind")
        bounds: dict[str, Bound | None] = {}
        for fld, label in (("floor", "Floor"), ("cap", "Cap")):
            percent = grid.formatted_percent(r, columns.get(fld), above_one=False)
            bounds[fld] = cell(fld).read(partial(fields.parse_bound, percent_format=percent), label)
        if len(reader.issues) > before or function is None:
            continue
        if kind is None and bounds["floor"] is None and bounds["cap"] is None:
            continue  # a row that only names the function sets no rule
        rules.append(FunctionRule(function, kind, bounds["floor"], bounds["cap"], source_row=r + 1))
    return rules


def _read_rates(reader: _Reader, grid: _Grid) -> Rates | None:
    """The exchange rates of a Rates sheet: each currency's worth in the plan's (the one at rate 1)."""
    header = reader.find_header(grid, RATE_COLUMNS, ("currency", "rate"))
    if header is None:
        return None
    header_row, columns = header
    rates: dict[str, float] = {}
    before = len(reader.issues)
    for r in _rows(grid, header_row + 1):
        code_cell = _Cell(reader, grid, r, columns["currency"], "Currency")
        code = code_cell.read(cells.read_text, required=True)
        rate = _Cell(reader, grid, r, columns["rate"], "Rate").read(
            partial(cells.read_number, what="an exchange rate"), required=True
        )
        if code is None or rate is None:
            continue
        currency = currency_code(code)
        if currency is None:
            code_cell.fail(f"Currency: {code!r} is not a currency (write a code such as EUR, USD, GBP)")
        elif not 0 < rate < math.inf:
            _Cell(reader, grid, r, columns["rate"]).fail(f"Rate: {cells.show(rate)} must be above 0")
        elif currency in rates and rates[currency] != rate:
            code_cell.fail(f"Currency {currency} is given two rates")
        else:
            rates[currency] = rate
    if len(reader.issues) > before:
        return None
    base = [code for code, rate in rates.items() if rate == 1]
    if len(base) != 1:
        said = "none has" if not base else f"{', '.join(base)} all have"
        reader.issue(
            grid.name,
            header_row,
            columns["rate"],
            f"The plan's currency is the one whose rate is 1, and {said} rate 1: give the plan's currency "
            "the rate 1 and every other currency its worth in it",
        )
        return None
    return Rates(base[0], rates)


def _read_policy(reader: _Reader, grid: _Grid) -> dict[str, object]:
    """Settings by attribute (see :data:`models.schema.POLICY_SETTINGS`); ratio rules as a tuple."""
    header = reader.find_header(grid, POLICY_COLUMNS, ("setting", "value"))
    if header is None:
        return {}
    header_row, columns = header
    lookup = {word: spec for spec in POLICY_SETTINGS for word in spec.synonyms}
    settings: dict[str, object] = {}
    ratios: list[RatioRule] = []
    seen_rows: dict[str, int] = {}
    for r in _rows(grid, header_row + 1):
        name_cell = _Cell(reader, grid, r, columns["setting"])
        value_cell = _Cell(reader, grid, r, columns["value"])
        name = name_cell.read(cells.read_text, "Setting", required=True)
        if name is None:
            continue
        spec = lookup.get(header_key(name))
        if spec is None:
            known = ", ".join(s.label for s in POLICY_SETTINGS)
            name_cell.fail(f"Unknown setting {name!r}; the settings are: {known}")
            continue
        if not spec.repeated and spec.attr in seen_rows:
            name_cell.fail(f"Setting {name!r} is given twice (also on row {seen_rows[spec.attr]})")
            continue
        seen_rows[spec.attr] = r + 1
        percent = spec.percent_format and grid.formatted_percent(r, columns["value"], above_one=True)
        value = value_cell.read(spec.reader(percent_format=percent), name)
        if value is None:
            continue
        if isinstance(value, RatioRule):
            ratios.append(RatioRule(value.left, value.factor, value.right, source_row=r + 1))
        else:
            settings[spec.attr] = value
    if ratios:
        settings["ratio"] = tuple(ratios)
    return settings


Progress = Callable[[float, str], None]


def _no_progress(_fraction: float, _message: str) -> None:
    return None


def read_plan(
    path: str | Path,
    progress: Progress | None = None,
    *,
    function: str | None = None,
    mapping: ImportMapping | None = None,
) -> ImportReport:
    """Read a plan from a workbook. Never raises for bad input: the report carries the issues.

    ``progress(fraction, message)`` is called as the reading goes on.
    ``function`` is the function of lines that name none (a department's own
    workbook, whose name says whose it is). ``mapping`` overrides the
    reader's own choices (sheets, header row, column roles, unit, functions).
    """
    path = Path(path)
    reader = _Reader(path)
    reader.mapping = mapping or ImportMapping()
    reader.function = function
    reader.progress = progress or _no_progress
    reader.progress(0.0, f"Checking {path.name}")
    file_name = path.name

    def failed(message: str, sheet: str = "") -> ImportReport:
        return ImportReport(path, None, (Issue(sheet, None, None, f"{file_name} {message}"),))

    try:
        reader.parts = check_workbook_file(path)
    except GuardError as error:
        return failed(str(error), error.sheet)
    import python_calamine

    reader.progress(0.05, f"Opening {path.name}")
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises its own error types for damaged files
        return failed(f"cannot be read as a workbook ({error})")
    try:
        return _read_book(reader, book, path)
    except Exception as error:  # a damaged part that passed the archive checks
        return failed(f"is damaged and cannot be read ({type(error).__name__}: {error})")
    finally:
        book.close()


def _read_department_sheets(
    reader: _Reader, book: object, names: Sequence[str], kinds: dict[str, Kind]
) -> tuple[list[Line], dict[str, int], dict[str, Kind]]:
    """Lines from every sheet that holds them, a department's function from its sheet's name.

    Cover, summary, notes and similar sheets are skipped by their names, and
    a sheet of text only is skipped; each skip is said. A sheet with numbers
    but no header a line can be read under is an issue, never skipped in
    silence. A line name found on two sheets becomes ``<function> / <name>``.
    """
    lines: list[Line] = []
    columns: dict[str, int] = {}
    inferred: dict[str, Kind] = {}
    letters: dict[str, dict[str, str]] = {}
    for n, name in enumerate(names):
        reader.progress(0.1 + 0.8 * n / len(names), f"Reading sheet {name}")
        if header_key(name) in _OTHER_SHEETS and reader.mapping.sheet(name).read is not True:
            said = f"Sheet {name!r} is skipped: by its name it holds no budget lines"
            reader.notes.append(said)
            reader.lay_out(reader.first_rows(book, name), name, SheetStatus.SKIPPED, said)
            continue
        grid = reader.grid(book, name)
        sheet = _Reader(reader.path)
        sheet.parts, sheet.progress, sheet.mapping = reader.parts, reader.progress, reader.mapping
        sheet.rates = reader.rates
        sheet_reader = _BudgetReader(sheet, grid, sheet_function=name)
        found, sheet_columns, sheet_inferred = sheet_reader.read(kinds)
        reader.questions.extend(sheet.questions)
        if not sheet_columns:
            if any(isinstance(v, int | float) and not isinstance(v, bool) for row in grid.rows for v in row):
                reader.issues.extend(sheet.issues)
                sheet_reader.layout(reason="no header row a line can be read under")
            else:
                said = f"Sheet {name!r} is skipped: it holds text and no amounts"
                reader.notes.append(said)
                sheet_reader.layout(SheetStatus.SKIPPED, said)
            continue
        sheet_reader.layout(lines=len(found))
        reader.layouts.extend(sheet.layouts)
        reader.issues.extend(sheet.issues)
        reader.notes.extend(sheet.notes)
        for code, (what, text) in sheet.currencies.items():
            reader.currencies.setdefault(code, (what, f"{text}, sheet {name}"))
        lines.extend(found)
        columns = columns or sheet_columns
        letters[name] = {attr: column_letter(c + 1) for attr, c in sheet_columns.items()}
        for function, kind in sheet_inferred.items():
            inferred.setdefault(function, kind)
    several = len(reader.currencies) > 1 and reader.rates is None
    if several and not any("several currencies" in i.message for i in reader.issues):
        shown = ", ".join(f"{code} ({text})" for code, (_what, text) in sorted(reader.currencies.items()))
        reader.issue(
            "",
            None,
            None,
            f"The sheets are in several currencies: {shown}. Fulcrum adds up amounts of one currency; "
            "convert them to one currency (there is no exchange rate to do it with)",
        )
    used = {line.source_sheet for line in lines}
    reader.notes.insert(
        0,
        f"Lines were read from {len(used)} sheet{'s' if len(used) != 1 else ''}: "
        f"{', '.join(n for n in names if n in used)}",
    )
    if len({tuple(sorted(v.items())) for v in letters.values()}) > 1:
        columns = {}  # the sheets' columns differ: issues name the sheet and row
    return (
        distinct_names(lines, lambda line: line.source_sheet, reader.issues, reader.notes),
        columns,
        inferred,
    )


def distinct_names(
    lines: list[Line], place: Callable[[Line], str | None], issues: list[Issue], notes: list[str]
) -> list[Line]:
    """A name used in two places (Salaries on HR's sheet and IT's) made distinct as ``HR / Salaries``.

    ``place`` is where a line comes from (its sheet, or its workbook). The
    same name in the same function in two places is not two departments'
    lines but two versions of one budget (FY24 and FY25, draft and final):
    an issue, never added up.
    """
    found_in: dict[str, list[Line]] = {}
    for line in lines:
        found_in.setdefault(normalise_name(line.name), []).append(line)
    repeated = {key for key, found in found_in.items() if len({place(line) for line in found}) > 1}
    for key in sorted(repeated):
        found = found_in[key]
        functions = [function_key(line.function) for line in found]
        if len(set(functions)) < len(functions):
            first, second = found[0], found[1]
            issues.append(
                Issue(
                    second.source_sheet or "",
                    second.source_row,
                    None,
                    f"Line {second.name!r} of {second.function} is in {place(first)!r} and in "
                    f"{place(second)!r}: they look like two versions of one budget, and adding them up would "
                    "count it twice; keep one of them",
                    second.source_file,
                )
            )
            return lines
    if not repeated:
        return lines

    def distinct(line: Line) -> Line:
        if normalise_name(line.name) in repeated:
            return replace(line, name=f"{line.function} / {line.name}")
        return line

    shown = sorted({line.name for line in lines if normalise_name(line.name) in repeated})
    notes.append(
        f"Line names found in several places are named with their function: {', '.join(shown)} "
        "(for example, 'HR / Salaries')"
    )
    return [distinct(line) for line in lines]


def _read_book(reader: _Reader, book: object, path: Path) -> ImportReport:
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    metadata = book.sheets_metadata  # type: ignore[attr-defined]
    worksheets = [m.name for m in metadata if m.typ == SheetTypeEnum.WorkSheet]
    visible = [
        m.name for m in metadata if m.typ == SheetTypeEnum.WorkSheet and m.visible == SheetVisibleEnum.Visible
    ]
    mapping = reader.mapping
    unticked = [name for name in worksheets if mapping.sheet(name).read is False]
    ticked = [name for name in worksheets if mapping.sheet(name).read is True]
    for name in unticked:
        reader.notes.append(f"Sheet {name!r} is not read, as the import mapping says")
    worksheets = [name for name in worksheets if name not in unticked]
    visible = [name for name in visible if name not in unticked]
    # A visible sheet is always preferred to a hidden one (a hidden sheet is often a draft).
    budget_name = _sheet_by_key(visible, _BUDGET_SHEETS) or (visible[0] if visible else None)
    if budget_name is None:
        return ImportReport(path, None, (Issue("", None, None, f"{path.name} has no visible worksheet"),))
    hidden = [name for name in worksheets if name not in visible]
    hidden_budget = _sheet_by_key(hidden, _BUDGET_SHEETS)
    functions_name = _sheet_by_key(visible, _FUNCTION_SHEETS) or _sheet_by_key(hidden, _FUNCTION_SHEETS)
    policy_name = _sheet_by_key(visible, _POLICY_SHEETS) or _sheet_by_key(hidden, _POLICY_SHEETS)
    for name in (functions_name, policy_name):
        if name is not None and name in hidden:
            reader.notes.append(
                f"The rules of the hidden sheet {name!r} are read (no visible sheet has them)"
            )
    if budget_name in (functions_name, policy_name):
        functions_name = None if budget_name == functions_name else functions_name
        policy_name = None if budget_name == policy_name else policy_name

    rates_name = _sheet_by_key(visible, RATE_SHEETS) or _sheet_by_key(hidden, RATE_SHEETS)
    if rates_name is not None:
        reader.rates = _read_rates(reader, reader.grid(book, rates_name))
        if reader.rates is not None and rates_name in hidden:
            reader.notes.append(f"The exchange rates of the hidden sheet {rates_name!r} are read")
    rules: list[FunctionRule] = []
    if functions_name is not None:
        rules = _read_functions(reader, reader.grid(book, functions_name))
    settings: dict[str, object] = {}
    if policy_name is not None:
        settings = _read_policy(reader, reader.grid(book, policy_name))
    kinds = {function_key(rule.function): rule.kind for rule in rules if rule.kind is not None}

    if mapping.functions:
        rules = [replace(rule, function=mapping.function_of(rule.function)) for rule in rules]
        ratios = settings.get("ratio")
        if isinstance(ratios, tuple):
            settings["ratio"] = tuple(
                replace(r, left=mapping.function_of(r.left), right=mapping.function_of(r.right))
                for r in ratios
            )
    if mapping.kinds:
        rules = [
            replace(rule, kind=kind) if (kind := mapping.kind_of(rule.function)) is not None else rule
            for rule in rules
        ]
    kinds = {function_key(rule.function): rule.kind for rule in rules if rule.kind is not None}
    kinds.update({function_key(mapping.function_of(name)): kind for name, kind in mapping.kinds.items()})

    named = _sheet_by_key(visible, _BUDGET_SHEETS)
    rule_sheets = (functions_name, policy_name, rates_name)
    extra = [n for n in ticked if n != named and n not in rule_sheets and (named is not None or n in hidden)]
    for name in extra:
        if name in hidden:
            reader.notes.append(f"The hidden sheet {name!r} is read, as the import mapping says")
    candidates = (
        [named, *extra] if named is not None else [n for n in visible if n not in rule_sheets] + extra
    )
    # One sheet left of several once the mapping unticks the others is still a department's sheet.
    if len(candidates) > 1 or (candidates and named is None and unticked and reader.function is None):
        lines, columns, inferred = _read_department_sheets(reader, book, candidates, kinds)
        budget_name = next((line.source_sheet for line in lines if line.source_sheet), budget_name)
    else:
        budget_name = candidates[0] if candidates else budget_name
        reader.progress(0.1, f"Reading sheet {budget_name}")
        budget_grid = reader.grid(book, budget_name)
        reader.progress(0.3, "Reading the lines")
        budget_reader = _BudgetReader(reader, budget_grid, sheet_function=reader.function)
        lines, columns, inferred = budget_reader.read(kinds)
        budget_reader.layout(
            reason="" if columns else "no header row a line can be read under", lines=len(lines)
        )
        if budget_name != BUDGET_SHEET or len(metadata) > 1:  # which sheet, whenever there is a choice
            reader.notes.insert(0, f"Lines were read from sheet {budget_name!r}")
    _say_hidden_budget(reader, hidden_budget, lines, ticked)
    for function, kind in inferred.items():
        reader.notes.append(f"Function {function!r} was taken as {kind} (no Kind given)")
        if known_kind(function) is None:
            reader.questions.append(
                f"Function {function!r} was taken as {kind}: no Kind column, Functions sheet or known "
                "name says whether it serves customers or keeps the company running"
            )
    _lay_out_other_sheets(reader, book, worksheets, hidden, rule_sheets, unticked=unticked)
    letters = {fld: column_letter(c + 1) for fld, c in columns.items()}
    policy = policy_from_settings(settings, functions=tuple(rules))
    plan = Plan(tuple(lines), policy, name=path.stem)
    if not reader.issues:
        problems = validate(plan, letters)
        reader.issues.extend(
            Issue(budget_name, i.row, i.column, i.message) if i.sheet == BUDGET_SHEET else i for i in problems
        )
    row_issues = any(i.sheet == budget_name and i.row for i in reader.issues)
    if not lines and columns and not row_issues and not any("no lines" in i.message for i in reader.issues):
        reader.issues.append(Issue(budget_name, None, None, "The sheet has no lines below its header"))
    issues = tuple(reader.issues)
    function_kinds: dict[str, Kind] = {}
    for line in lines:
        function_kinds.setdefault(line.function, line.kind)
    return ImportReport(
        path,
        None if issues else plan,
        issues,
        inferred_kinds=inferred,
        notes=tuple(reader.notes),
        columns=letters,
        currencies=tuple(sorted(reader.currencies)),
        layout=Layout(tuple(reader.layouts), tuple(dict.fromkeys(reader.questions)), function_kinds),
    )


def _say_hidden_budget(
    reader: _Reader, hidden_budget: str | None, lines: Sequence[Line], ticked: Sequence[str]
) -> None:
    """A hidden sheet named like the budget is never read in place of a visible one: say so, and
    from which visible sheets the lines came (unless the import mapping asked for it)."""
    if hidden_budget is None or hidden_budget in ticked:
        return
    read = list(dict.fromkeys(line.source_sheet for line in lines if line.source_sheet))
    if not read:
        reader.notes.append(f"The hidden sheet {hidden_budget!r} is not read")
        return
    shown = ", ".join(repr(name) for name in read)
    reader.notes.append(
        f"The hidden sheet {hidden_budget!r} is not read: the lines come from the visible "
        f"sheet{'s' if len(read) > 1 else ''} {shown}"
    )


def _lay_out_other_sheets(
    reader: _Reader,
    book: object,
    worksheets: Sequence[str],
    hidden: Sequence[str],
    rule_sheets: tuple[str | None, str | None, str | None],
    *,
    unticked: Sequence[str],
) -> None:
    """Record the sheets that hold no lines: the rules' sheets, and every sheet not read, with why."""
    laid = {layout.sheet for layout in reader.layouts}
    functions_name, policy_name, rates_name = rule_sheets
    for name in unticked:
        reader.lay_out(reader.first_rows(book, name), name, SheetStatus.SKIPPED, "not read, as chosen")
    for name in worksheets:
        if name in laid:
            continue
        rows = reader.first_rows(book, name)
        if name == functions_name:
            reader.lay_out(rows, name, SheetStatus.FUNCTIONS, "the functions' kinds, floors and caps")
        elif name == policy_name:
            reader.lay_out(rows, name, SheetStatus.POLICY, "the plan's settings")
        elif name == rates_name:
            reader.lay_out(rows, name, SheetStatus.RATES, "exchange rates to the plan's currency")
        elif name in hidden:
            reader.lay_out(rows, name, SheetStatus.SKIPPED, "hidden: a hidden sheet is not read", hidden=True)
        else:
            reader.lay_out(rows, name, SheetStatus.SKIPPED, "holds no budget lines the reader looks for")
