"""One import preview, without Qt: the workbooks, the user's choices, and what they read as.

The window's preview (:mod:`ui.import_preview`) shows an :class:`ImportState`
and turns each click into one of its methods. A choice (a sheet or a file
ticked off, a header row, a column's role, a unit, a function's kind) changes
the :class:`~models.mapping.ImportMapping` and reads the workbooks again with
it, through the executor (at once by default, on the thread pool in the
window); :attr:`ImportState.changed` says when the new reading is there. A
file ticked off is not read at all; a sheet ticked off is ``read = false`` in
the mapping, by its name, in every workbook read with it.

Accept (:meth:`ImportState.accept`) gives the plan, the report and the
mapping to keep, or None while the workbooks cannot be loaded as chosen.
Nothing here imports Qt, so a test plays a whole preview without a window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from models.consolidate import function_from_file_name, read_plans, workbooks_in
from models.domain import Plan
from models.functions import Kind, function_key
from models.issues import Issue
from models.mapping import (
    NOT_USED,
    ROLES,
    ImportMapping,
    Layout,
    SheetChoice,
    SheetLayout,
    SheetStatus,
    header_text,
)
from models.schema import LINE_FIELDS
from models.workbook import ImportReport, Progress, read_plan
from ui.events import Event, Executor, SyncExecutor

__all__ = ["MESSAGES", "UNITS", "Accepted", "ImportState", "role_label"]

#: Every message the preview's state gives, in one place.
MESSAGES: Final = {
    "no_file": "No workbook is ticked: tick the workbooks to read",
    "not_a_role": "{role!r} is not a column role",
    "bad_row": "Row {row} is not a row of a sheet (the first row is 1)",
    "bad_unit": "A unit must be above 0 (1,000 for thousands)",
}
#: The units a sheet's money can be given in, with their names.
UNITS: Final[tuple[tuple[float, str], ...]] = (
    (1.0, "Units"),
    (1_000.0, "Thousands"),
    (1_000_000.0, "Millions"),
)
_LABELS: Final = {f.attr: f.label for f in LINE_FIELDS}
#: Roles a single column holds: giving one to a column takes it from any other.
_ONE_COLUMN_ROLES: Final = frozenset(_LABELS)


def role_label(role: str) -> str:
    """A role as the preview names it: the line field's label, or "Not used"."""
    if role == NOT_USED:
        return "Not used"
    return _LABELS.get(role, role.replace("_", " ").capitalize())


@dataclass(frozen=True, slots=True)
class Accepted:
    """What Accept loads: the plan, the report of its reading, and the choices to keep."""

    plan: Plan
    report: ImportReport
    mapping: ImportMapping


def _read(
    paths: Sequence[Path], mapping: ImportMapping, progress: Progress, *, departments: bool
) -> ImportReport:
    """The ticked workbooks read with ``mapping``.

    With ``departments`` (several workbooks were opened), one left ticked is
    still read as a department's: a line naming no function takes the one its
    file's name gives, as when it was read with the others.
    """
    if not paths:
        return ImportReport(Path("plan"), None, (Issue("", None, None, MESSAGES["no_file"]),))
    if departments and len(paths) == 1:
        path = paths[0]
        return read_plan(path, progress, function=function_from_file_name(path), mapping=mapping)
    return read_plans(paths, progress, mapping)


class ImportState:
    """The workbooks of one preview, the choices made in it, and the latest reading."""

    def __init__(
        self,
        paths: Sequence[str | Path],
        mapping: ImportMapping | None = None,
        report: ImportReport | None = None,
        *,
        executor: Executor | None = None,
    ) -> None:
        #: The paths as opened (a folder stands for its workbooks).
        self.paths = tuple(Path(p) for p in paths)
        #: Every workbook found, ticked or not, in order.
        self.files: tuple[Path, ...] = tuple(workbooks_in(self.paths))
        self._ticked: set[Path] = set(self.files)
        self.mapping = mapping or ImportMapping()
        self.executor: Executor = executor or SyncExecutor()
        #: A new reading is there (after every choice).
        self.changed: Event[[ImportReport]] = Event()
        #: Whether a reading is under way (Accept waits for it).
        self.reading = False
        self._generation = 0
        #: The sheets last seen of each workbook, by file name (shown for a file ticked off).
        self._seen: dict[str, tuple[SheetLayout, ...]] = {}
        self.report = ImportReport(self.paths[0] if self.paths else Path("plan"), None)
        if report is None:
            self.reread()
        else:
            self._take(report)

    # -- what the preview shows -------------------------------------------------------------

    @property
    def layout(self) -> Layout:
        return self.report.layout

    @property
    def refused(self) -> bool:
        """Whether the workbooks, as chosen, cannot be loaded (the report says why)."""
        return self.report.plan is None or bool(self.report.issues)

    @property
    def can_accept(self) -> bool:
        return not self.reading and not self.refused

    def ticked(self, path: str | Path) -> bool:
        return Path(path) in self._ticked

    def read_paths(self) -> list[Path]:
        """The workbooks ticked, in order: the ones read."""
        return [p for p in self.files if p in self._ticked]

    def sheets_of(self, path: str | Path) -> tuple[SheetLayout, ...]:
        """The sheets of one workbook, as last read (a file ticked off keeps those it had)."""
        return self._seen.get(Path(path).name, ())

    def sheet(self, name: str, file: str | Path | None = None) -> SheetLayout | None:
        """How a sheet was read (of ``file``, or of the first workbook that has it)."""
        for layout in self.layout.sheets:
            if layout.sheet == name and (file is None or _file_name(layout.file) == Path(file).name):
                return layout
        return None

    def sheet_read(self, layout: SheetLayout) -> bool:
        """Whether a sheet is ticked: as the user chose, else whether the reader read it."""
        chosen = self.mapping.sheet(layout.sheet).read
        return chosen if chosen is not None else layout.status != SheetStatus.SKIPPED

    def role_of(self, sheet: str, header: str) -> str:
        """A column's role: the user's choice, else the reader's."""
        key = header_text(header)
        chosen = self.mapping.sheet(sheet).columns.get(key)
        if chosen is not None:
            return chosen
        layout = self.sheet(sheet)
        if layout is not None:
            for column in layout.columns:
                if column.header == key:
                    return column.role
        return NOT_USED

    @property
    def kinds(self) -> Mapping[str, Kind]:
        """Every function of the lines read, with its kind (the user's where given)."""
        return {f: self.mapping.kind_of(f) or k for f, k in self.layout.kinds.items()}

    # -- choices -----------------------------------------------------------------------------

    def tick_file(self, path: str | Path, on: bool) -> None:
        """Read a workbook (on) or leave it out (off)."""
        target = Path(path)
        if target not in self.files or (target in self._ticked) == on:
            return
        if on:
            self._ticked.add(target)
        else:
            self._ticked.discard(target)
        self.reread()

    def tick_sheet(self, sheet: str, on: bool) -> None:
        """Read a sheet (on) or skip it (off), by its name in every workbook."""
        self._choose(sheet, replace(self.mapping.sheet(sheet), read=on))

    def set_header_row(self, sheet: str, row: int | None) -> None:
        """The sheet's header row (1 is the first row; None: found by Fulcrum).

        Roles chosen for the columns of another header row are dropped: they
        named that row's headers.
        """
        if row is not None and not 1 <= row <= 1_048_576:
            raise ValueError(MESSAGES["bad_row"].format(row=row))
        choice = self.mapping.sheet(sheet)
        if choice.header_row == row:
            return
        self._choose(sheet, replace(choice, header_row=row, columns={}))

    def set_role(self, sheet: str, header: str, role: str) -> None:
        """A column's role, by its header text; the column that had the role before is not used.

        Each of the line's fields is read from one column, so giving a field
        to a column takes it from the column that held it.
        """
        if role not in ROLES:
            raise ValueError(MESSAGES["not_a_role"].format(role=role))
        key = header_text(header)
        choice = self.mapping.sheet(sheet)
        columns = dict(choice.columns)
        columns[key] = role
        if role in _ONE_COLUMN_ROLES:
            for layout in self.layout.sheets:
                if layout.sheet != sheet:
                    continue
                for column in layout.columns:
                    if column.header != key and self.role_of(sheet, column.header) == role:
                        columns[column.header] = NOT_USED
        self._choose(sheet, replace(choice, columns=columns))

    def set_unit(self, sheet: str, unit: float | None) -> None:
        """What one unit of the sheet's money is worth (1,000 for thousands; None: as the sheet says)."""
        if unit is not None and not unit > 0:
            raise ValueError(MESSAGES["bad_unit"])
        self._choose(sheet, replace(self.mapping.sheet(sheet), unit=unit))

    def reset_sheet(self, sheet: str) -> None:
        """Forget every choice made for a sheet: it is read as Fulcrum reads it."""
        self._choose(sheet, SheetChoice())

    def set_kind(self, function: str, kind: Kind) -> None:
        """A function's kind (customer or internal), whatever the workbook or the names say."""
        key = function_key(function)
        kinds = {name: k for name, k in self.mapping.kinds.items() if function_key(name) != key}
        kinds[function] = kind
        self.set_mapping(ImportMapping(self.mapping.sheets, self.mapping.functions, kinds))

    def set_function(self, written: str, function: str) -> None:
        """A function as the workbooks write it read as another (``Personalwesen`` as HR)."""
        key = function_key(written)
        functions = {name: f for name, f in self.mapping.functions.items() if function_key(name) != key}
        if function.strip() and function_key(function) != key:
            functions[written] = function.strip()
        self.set_mapping(ImportMapping(self.mapping.sheets, functions, self.mapping.kinds))

    def set_mapping(self, mapping: ImportMapping) -> None:
        """Every choice at once (a mapping file loaded), and read again."""
        if mapping == self.mapping:
            return
        self.mapping = mapping
        self.reread()

    def _choose(self, sheet: str, choice: SheetChoice) -> None:
        name = self._mapped_name(sheet)
        self.set_mapping(self.mapping.with_sheet(name, choice))

    def _mapped_name(self, sheet: str) -> str:
        """The name the mapping already keeps the sheet's choices under (case and spaces aside)."""
        key = header_text(sheet).casefold()
        return next((name for name in self.mapping.sheets if header_text(name).casefold() == key), sheet)

    # -- reading -------------------------------------------------------------------------------

    def reread(self) -> None:
        """Read the ticked workbooks again with the choices made; :attr:`changed` follows."""
        self._generation += 1
        generation, paths, mapping = self._generation, self.read_paths(), self.mapping
        departments = len(self.files) > 1
        self.reading = True

        def work(progress: Progress) -> tuple[int, ImportReport]:
            return generation, _read(paths, mapping, progress, departments=departments)

        self.executor.submit(work, self._on_read, kind="preview")

    def _on_read(self, outcome: tuple[int, ImportReport]) -> None:
        generation, report = outcome
        if generation != self._generation:
            return  # a newer choice is being read
        self.reading = False
        self._take(report)
        self.changed.emit(report)

    def _take(self, report: ImportReport) -> None:
        self.report = report
        by_file: dict[str, list[SheetLayout]] = {}
        for layout in report.layout.sheets:
            by_file.setdefault(_file_name(layout.file), []).append(layout)
        for name in {p.name for p in self.read_paths()}:
            self._seen[name] = _in_order(self._seen.get(name, ()), by_file.get(name, ()))
        if len(self.files) == 1 and not by_file.get(self.files[0].name) and report.layout.sheets:
            # One workbook whose sheets do not name it: they are its sheets.
            self._seen[self.files[0].name] = report.layout.sheets

    def accept(self) -> Accepted | None:
        """The plan to load, its report and the choices to keep; None while it cannot be loaded."""
        if not self.can_accept or self.report.plan is None:
            return None
        return Accepted(self.report.plan, self.report, self.mapping)


def _in_order(before: Sequence[SheetLayout], now: Sequence[SheetLayout]) -> tuple[SheetLayout, ...]:
    """A workbook's sheets as now read, in the order first shown (a sheet ticked off stays in place)."""
    place = {layout.sheet: n for n, layout in enumerate(before)}
    return tuple(sorted(now, key=lambda layout: place.get(layout.sheet, len(place))))


def _file_name(file: str) -> str:
    return Path(file).name if file else ""
