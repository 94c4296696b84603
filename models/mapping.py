"""How a workbook is read, as the import preview shows it and as the user sets it.

The reader decides on its own how to read a workbook: which sheets hold lines,
the header row, each column's role, the unit of the money. It reports what it
decided as a :class:`Layout` (one :class:`SheetLayout` a sheet), with the rows
it skipped and why, and the questions it could not settle with certainty.

An :class:`ImportMapping` overrides any of those decisions. It is kept in the
project and can be saved as a small TOML file that ``fulcrum solve --mapping
FILE`` takes, so next year's submissions load the same way. Sheets and columns
are named by their names and header texts, not by position: a column that
moves still gets its role.

Example of a mapping file::

    [sheets.Budget]
    header_row = 3
    unit = 1000

    [sheets.Budget.columns]
    "FY24 Actual" = ""          # not used
    "FY25 Budget" = "current"

    [sheets.Notes]
    read = false

    [functions]
    "Personalwesen" = "HR"

    [kinds]
    "Facilities" = "internal"
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from models.functions import Kind, function_key
from models.schema import LINE_FIELDS

__all__ = [
    "NOT_USED",
    "PERIOD",
    "ROLES",
    "ColumnLayout",
    "ImportMapping",
    "Layout",
    "MappingError",
    "SheetChoice",
    "SheetLayout",
    "SheetStatus",
    "SkippedRow",
    "header_text",
    "pinned",
]

#: The role of a column that is not read.
NOT_USED: Final = ""
#: Every role a column can be given: a line field's attribute, or :data:`NOT_USED`.
ROLES: Final[tuple[str, ...]] = (*(f.attr for f in LINE_FIELDS), NOT_USED)
#: The role a layout gives a month or quarter column whose sum is the line's Current (not a choice).
PERIOD: Final = "period"
#: How many rows of each sheet a layout carries for the preview.
PREVIEW_ROWS: Final = 60


class MappingError(ValueError):
    """A mapping file that cannot be read; the message names the file and what is wrong."""


def header_text(header: object) -> str:
    """How a mapping names a column: its header text with runs of spaces and line breaks made one space."""
    return " ".join(str(header).split()) if header is not None else ""


@dataclass(frozen=True, slots=True)
class SheetChoice:
    """The user's choices for one sheet (of any workbook read with the mapping)."""

    #: Read the sheet (True), skip it (False), or as the reader decides (None).
    read: bool | None = None
    #: The header row, counted from 1 as Excel does; None: found by the reader.
    header_row: int | None = None
    #: Header text (see :func:`header_text`) to role (a line field's attribute or :data:`NOT_USED`).
    columns: Mapping[str, str] = field(default_factory=dict)
    #: What one unit of the sheet's money columns is worth (1000 for thousands); None: as read.
    unit: float | None = None

    @property
    def empty(self) -> bool:
        return self.read is None and self.header_row is None and not self.columns and self.unit is None


@dataclass(frozen=True, slots=True)
class ImportMapping:
    """Choices that override the reader's own, by sheet name and header text."""

    sheets: Mapping[str, SheetChoice] = field(default_factory=dict)
    #: A function as the workbooks write it to the function it is (``Personalwesen`` to ``HR``).
    functions: Mapping[str, str] = field(default_factory=dict)
    #: A function's kind, where the workbook gives none or the user corrects it.
    kinds: Mapping[str, Kind] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.functions and not self.kinds and all(c.empty for c in self.sheets.values())

    def sheet(self, name: str) -> SheetChoice:
        """The choices for a sheet: by its exact name, else by its name ignoring case and spaces."""
        if name in self.sheets:
            return self.sheets[name]
        key = header_text(name).casefold()
        for other, choice in self.sheets.items():
            if header_text(other).casefold() == key:
                return choice
        return SheetChoice()

    def function_of(self, name: str) -> str:
        """The function a name stands for through the user's own mapping (the name itself if none)."""
        key = function_key(name)
        for written, function in self.functions.items():
            if function_key(written) == key:
                return function
        return name

    def kind_of(self, function: str) -> Kind | None:
        key = function_key(function)
        for name, kind in self.kinds.items():
            if function_key(name) == key:
                return kind
        return None

    def with_sheet(self, name: str, choice: SheetChoice) -> ImportMapping:
        sheets = {k: v for k, v in self.sheets.items() if k != name}
        if not choice.empty:
            sheets[name] = choice
        return ImportMapping(sheets, self.functions, self.kinds)

    # -- text -------------------------------------------------------------

    def to_toml(self) -> str:
        """The mapping as a TOML file's text (read back by :meth:`from_toml`)."""
        import tomli_w

        data: dict[str, object] = {}
        sheets: dict[str, object] = {}
        for name, choice in self.sheets.items():
            entry: dict[str, object] = {}
            if choice.read is not None:
                entry["read"] = choice.read
            if choice.header_row is not None:
                entry["header_row"] = choice.header_row
            if choice.unit is not None:
                entry["unit"] = int(choice.unit) if float(choice.unit).is_integer() else choice.unit
            if choice.columns:
                entry["columns"] = dict(choice.columns)
            if entry:
                sheets[name] = entry
        if sheets:
            data["sheets"] = sheets
        if self.functions:
            data["functions"] = dict(self.functions)
        if self.kinds:
            data["kinds"] = {name: kind.value for name, kind in self.kinds.items()}
        return "# How Fulcrum reads these workbooks (fulcrum solve --mapping FILE)\n" + tomli_w.dumps(data)

    @classmethod
    def from_toml(cls, text: str, source: str = "the mapping") -> ImportMapping:
        """A mapping from a TOML file's text; :class:`MappingError` names what is wrong."""
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise MappingError(f"{source} is not a TOML file: {error}") from None
        unknown = set(data) - {"sheets", "functions", "kinds"}
        if unknown:
            raise MappingError(
                f"{source}: unknown section {', '.join(sorted(unknown))}; "
                "a mapping has the sections sheets, functions and kinds"
            )
        sheets = {
            str(name): _sheet_choice(entry, f"{source}, sheet {name!r}")
            for name, entry in _table(data.get("sheets", {}), f"{source}, [sheets]").items()
        }
        functions = {
            str(k): _text(v, f"{source}, [functions] {k!r}")
            for k, v in _table(data.get("functions", {}), f"{source}, [functions]").items()
        }
        kinds: dict[str, Kind] = {}
        for name, value in _table(data.get("kinds", {}), f"{source}, [kinds]").items():
            try:
                kinds[str(name)] = Kind(str(value).strip().casefold())
            except ValueError:
                raise MappingError(
                    f"{source}, [kinds] {name!r}: {value!r} is not a kind; write customer or internal"
                ) from None
        return cls(sheets, functions, kinds)

    @classmethod
    def load(cls, path: str | Path) -> ImportMapping:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise MappingError(f"{path} cannot be read: {error.strerror or error}") from None
        except UnicodeDecodeError:
            raise MappingError(f"{path} is not a text file (UTF-8)") from None
        return cls.from_toml(text, str(path))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_toml(), encoding="utf-8")


def _table(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise MappingError(f"{where} must be a table of names and values")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise MappingError(f"{where}: {value!r} must be text in quotes")
    return value


def _sheet_choice(entry: object, where: str) -> SheetChoice:
    table = _table(entry, where)
    unknown = set(table) - {"read", "header_row", "columns", "unit"}
    if unknown:
        raise MappingError(
            f"{where}: unknown key {', '.join(sorted(unknown))}; "
            "a sheet takes read, header_row, unit and columns"
        )
    read = table.get("read")
    if read is not None and not isinstance(read, bool):
        raise MappingError(f"{where}: read must be true or false")
    header_row = table.get("header_row")
    if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int)):
        raise MappingError(f"{where}: header_row must be a row number (1 is the first row)")
    if header_row is not None and not 1 <= header_row <= 1_048_576:
        raise MappingError(f"{where}: header_row {header_row} is not a row of a sheet")
    given = table.get("unit")
    unit: float | None = None
    if given is not None:
        if isinstance(given, bool) or not isinstance(given, int | float):
            raise MappingError(f"{where}: unit must be a number above 0 (1000 for thousands)")
        unit = float(given)
        if not math.isfinite(unit) or unit <= 0:
            raise MappingError(f"{where}: unit must be a number above 0 (1000 for thousands)")
    columns: dict[str, str] = {}
    for header, role in _table(table.get("columns", {}), f"{where}, columns").items():
        text = _text(role, f"{where}, column {header!r}").strip()
        if text not in ROLES:
            roles = ", ".join(repr(r) for r in ROLES if r)
            raise MappingError(
                f"{where}, column {header!r}: {text!r} is not a role; "
                f'write one of {roles}, or "" for not used'
            )
        columns[header_text(header)] = text
    return SheetChoice(read, header_row, columns, unit)


# -- what the reader decided ------------------------------------------------


class SheetStatus:
    """What a sheet was read as."""

    LINES: Final = "lines"
    FUNCTIONS: Final = "functions"
    POLICY: Final = "policy"
    RATES: Final = "rates"
    SKIPPED: Final = "skipped"


@dataclass(frozen=True, slots=True)
class ColumnLayout:
    index: int  # 0-based
    letter: str
    header: str  # see :func:`header_text`
    role: str  # a line field's attribute, NOT_USED, or PERIOD for a month or quarter
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class SkippedRow:
    row: int  # 1-based, as Excel shows it
    reason: str


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """How one sheet of one workbook was read."""

    file: str
    sheet: str
    status: str  # a SheetStatus
    #: Why a sheet was skipped, or what it was read as, in words.
    reason: str = ""
    hidden: bool = False
    header_row: int | None = None  # 1-based
    columns: tuple[ColumnLayout, ...] = ()
    #: What one unit of the money columns was taken to be worth.
    unit: float = 1.0
    skipped: tuple[SkippedRow, ...] = ()
    lines: int = 0
    #: The sheet's first rows as text, for the preview's grid.
    preview: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Layout:
    """How a workbook (or several) was read: every sheet, and the questions left to the user."""

    sheets: tuple[SheetLayout, ...] = ()
    #: Decisions the reader took among alternatives; the preview opens to show them.
    questions: tuple[str, ...] = ()
    #: Every function of the lines read, with its kind.
    kinds: Mapping[str, Kind] = field(default_factory=dict)


def pinned(layout: Layout, base: ImportMapping | None = None) -> ImportMapping:
    """A mapping that reads workbooks as ``layout`` says these were read (``base``'s choices kept).

    Every sheet read keeps its header row, each column's role and its unit;
    every sheet skipped is skipped; every function keeps its kind. Edited by
    hand, it is a template for next year's submissions.
    """
    base = base or ImportMapping()
    sheets = dict(base.sheets)
    for sheet in layout.sheets:
        if sheet.status == SheetStatus.LINES and sheet.header_row is not None:
            sheets[sheet.sheet] = SheetChoice(
                True if base.sheet(sheet.sheet).read else None,
                sheet.header_row,
                {c.header: c.role for c in sheet.columns if c.header and c.role != PERIOD},
                sheet.unit,
            )
        elif sheet.status == SheetStatus.SKIPPED and sheet.sheet not in sheets:
            sheets[sheet.sheet] = SheetChoice(read=False)
    kinds = {**layout.kinds, **base.kinds}
    return ImportMapping(sheets, dict(base.functions), kinds)
