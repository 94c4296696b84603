"""The import preview: how the workbooks were read, every choice open to change before they load.

Left, the workbooks and their sheets, each with a tick box and what it was
read as; centre, the chosen sheet's first rows under a role drop-down per
column, its header row marked, with the header row and the unit; below, the
problems that stop the import, the questions the reader settled on its own,
the rows it skipped and why, and every function with its kind. Accept loads
(refused while there are problems), Cancel leaves the plan as it was, and
the choices can be saved as a mapping file for ``fulcrum solve --mapping``.

The dialog renders an :class:`~ui.import_state.ImportState` and calls it; it
keeps no state of its own but the sheet on show.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.formats import money
from models.functions import Kind
from models.mapping import ImportMapping, MappingError, SheetLayout, SheetStatus
from models.workbook import ImportReport
from ui.import_models import ROLE_LABELS, ChoiceEditor, PreviewModel, TextTable
from ui.import_state import UNITS, ImportState

__all__ = ["MESSAGES", "ImportPreview"]

#: Every message the preview shows, in one place.
MESSAGES: Final = {
    "title": "Import preview — {name}",
    "reading": "Reading the workbooks again with your choices…",
    "loads": "Accept loads {lines} lines from {sheets}: current spend {total}",
    "refused": "Cannot be loaded as chosen: {count} problem(s), listed under Problems",
    "no_sheet": "Choose a sheet on the left to see its rows",
    "not_lines": "{sheet} was read as {status}: its columns have no roles to choose",
    "saved": "Mapping saved to {path}",
    "loaded": "Mapping read from {path}",
    "header_auto": "Found by Fulcrum",
    "file_off": "not read (ticked off)",
    "shared": "your choices here apply to every workbook's sheet named {sheet}",
}
_STATUS: Final = {
    SheetStatus.LINES: "lines",
    SheetStatus.FUNCTIONS: "function rules",
    SheetStatus.POLICY: "policy settings",
    SheetStatus.SKIPPED: "skipped",
}
_FILE, _SHEET = 1, 2
#: Rows measured to size a list's columns.
_SAMPLE: Final = 40
_KINDS: Final = [k.value for k in Kind]


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _width(view: QTableView, texts: Iterable[str], least: int, most: int) -> int:
    """A column as wide as its texts need (the first rows': measuring every row is slow), within bounds."""
    metrics = view.fontMetrics()
    widest = max((metrics.horizontalAdvance(text) for text in texts), default=0)
    return min(max(widest + 16, least), most)


def _table(model: TextTable) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setWordWrap(True)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(24)
    view.horizontalHeader().setStretchLastSection(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    return view


class ImportPreview(QDialog):
    """The preview of one import; ``accepted`` loads, ``rejected`` leaves the plan as it was."""

    #: The state's new reading is on show.
    refreshed = Signal()
    mapping_saved = Signal(str)

    def __init__(self, state: ImportState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        names = [p.name for p in state.files] or [p.name for p in state.paths]
        shown = names[0] if len(names) == 1 else f"{len(names)} workbooks"
        self.setWindowTitle(MESSAGES["title"].format(name=shown))
        self.setSizeGripEnabled(True)
        #: The sheet on show: (file name, sheet name).
        self.current: tuple[str, str] | None = None
        #: The current spend of the lines read, added up once a reading.
        self._current_total = 0.0
        self._build()
        self._fit_screen()
        state.changed.connect(self._on_state_changed)
        self._render()

    # -- construction ------------------------------------------------------------------------

    def _build(self) -> None:
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Workbook and sheet", "Read as"])
        self.tree.setColumnCount(2)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.tree.header().resizeSection(0, 190)
        self.tree.setMinimumWidth(240)
        self.tree.itemChanged.connect(self._on_tree_item_changed)
        self.tree.currentItemChanged.connect(self._on_tree_current_changed)

        self.header_row = QSpinBox()
        self.header_row.setRange(0, 1_048_576)
        self.header_row.setSpecialValueText(MESSAGES["header_auto"])
        self.header_row.setKeyboardTracking(False)
        self.header_row.setMinimumWidth(130)
        self.header_row.setToolTip("The row whose texts name the columns (1 is the sheet's first row)")
        self.header_row.valueChanged.connect(self._on_header_row_changed)
        self.unit = QComboBox()
        self.unit.setToolTip("What one unit of the sheet's amounts is worth")
        self.unit.activated.connect(self._on_unit_activated)
        self.reset_button = QPushButton("Reset sheet")
        self.reset_button.setToolTip("Forget your choices for this sheet: read it as Fulcrum reads it")
        self.reset_button.clicked.connect(self._on_reset_clicked)
        self.sheet_label = QLabel()
        self.sheet_label.setWordWrap(True)
        controls = QHBoxLayout()
        controls.addWidget(self.sheet_label, 1)
        controls.addWidget(QLabel("Header row"))
        controls.addWidget(self.header_row)
        controls.addWidget(QLabel("Amounts in"))
        controls.addWidget(self.unit)
        controls.addWidget(self.reset_button)

        self.preview_model = PreviewModel(self._later_role)
        self.preview_view = QTableView()
        self.preview_view.setModel(self.preview_model)
        self.preview_view.setItemDelegateForRow(0, ChoiceEditor(list(ROLE_LABELS), self.preview_view))
        self.preview_view.verticalHeader().setDefaultSectionSize(22)
        self.preview_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.preview_view.horizontalHeader().setDefaultSectionSize(120)
        self.preview_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addLayout(controls)
        centre_layout.addWidget(self.preview_view)

        self.problems_model = TextTable(["Workbook", "Sheet", "Row", "Column", "Problem"])
        self.questions_model = TextTable(["Settled by Fulcrum — check it"])
        self.skipped_model = TextTable(["Workbook", "Sheet", "Row", "Why it was not read"])
        self.notes_model = TextTable(["What Fulcrum read, scaled or assumed"])
        self.functions_model = TextTable(
            ["Function", "Kind", "Lines", "Current"], editable=1, on_edit=self._later_kind, numbers=(2, 3)
        )
        self.problems_view = _table(self.problems_model)
        self.questions_view = _table(self.questions_model)
        self.skipped_view = _table(self.skipped_model)
        self.functions_view = _table(self.functions_model)
        # Amounts sit beside their function, as in a spreadsheet, not at the far edge.
        self.functions_view.horizontalHeader().setStretchLastSection(False)
        self.functions_view.setColumnWidth(3, 140)
        self.notes_view = _table(self.notes_model)
        self.functions_view.setItemDelegateForColumn(1, ChoiceEditor(_KINDS, self.functions_view))
        self.functions_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tabs = QTabWidget()
        for view in (
            self.problems_view,
            self.questions_view,
            self.skipped_view,
            self.functions_view,
            self.notes_view,
        ):
            self.tabs.addTab(view, "")

        upper = QSplitter(Qt.Orientation.Horizontal)
        upper.addWidget(self.tree)
        upper.addWidget(centre)
        upper.setStretchFactor(1, 1)
        upper.setSizes([310, 900])
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.accept_button = self.buttons.addButton("Accept", QDialogButtonBox.ButtonRole.AcceptRole)
        self.accept_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton("Save mapping…", QDialogButtonBox.ButtonRole.ActionRole)
        self.load_button = self.buttons.addButton("Load mapping…", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.setToolTip("Write these choices to a file that fulcrum solve --mapping FILE reads")
        self.load_button.setToolTip("Read the choices of a mapping file saved before")
        self.buttons.accepted.connect(self._on_accept_clicked)
        self.buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(self._on_save_clicked)
        self.load_button.clicked.connect(self._on_load_clicked)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.buttons)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(bottom)

    def _fit_screen(self) -> None:
        """As large as fits the screen (a 1366 x 768 laptop included), up to 1280 x 800."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        width, height = 1280, 800
        if screen is not None:
            available = screen.availableGeometry()
            width, height = min(width, available.width() - 40), min(height, available.height() - 60)
        self.resize(max(width, 640), max(height, 480))
        self.splitter.setSizes([round(self.height() * 0.62), round(self.height() * 0.3)])

    # -- rendering -----------------------------------------------------------------------------

    def _on_state_changed(self, _report: ImportReport) -> None:
        self._render()

    def _render(self) -> None:
        state = self.state
        self._render_tree()
        self._render_sheet()
        self._render_lists(state.report)
        self._render_summary()
        self.refreshed.emit()

    def _render_tree(self) -> None:
        state = self.state
        self.tree.blockSignals(True)
        self.tree.clear()
        chosen: QTreeWidgetItem | None = None
        first_lines: QTreeWidgetItem | None = None
        for path in state.files:
            on = state.ticked(path)
            top = QTreeWidgetItem([path.name, "" if on else MESSAGES["file_off"]])
            top.setData(0, Qt.ItemDataRole.UserRole, (_FILE, str(path)))
            top.setFlags(top.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            top.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            top.setToolTip(0, str(path))
            self.tree.addTopLevelItem(top)
            for layout in state.sheets_of(path):
                item = QTreeWidgetItem([layout.sheet, self._status_text(layout)])
                item.setData(0, Qt.ItemDataRole.UserRole, (_SHEET, layout.sheet, path.name))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                ticked = state.sheet_read(layout)
                item.setCheckState(0, Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
                item.setToolTip(1, layout.reason or self._status_text(layout))
                item.setDisabled(not on)
                top.addChild(item)
                if (path.name, layout.sheet) == self.current:
                    chosen = item
                if first_lines is None and on and layout.status == SheetStatus.LINES:
                    first_lines = item
            top.setExpanded(True)
        pick = chosen or first_lines
        if pick is None and self.tree.topLevelItemCount():
            first = self.tree.topLevelItem(0)
            pick = first.child(0) if first is not None and first.childCount() else None
        if pick is not None:
            self.tree.setCurrentItem(pick)
            data = pick.data(0, Qt.ItemDataRole.UserRole)
            self.current = (data[2], data[1])
        else:
            self.current = None
        self.tree.blockSignals(False)

    @staticmethod
    def _status_text(layout: SheetLayout) -> str:
        status = _STATUS.get(layout.status, layout.status)
        if layout.status == SheetStatus.LINES:
            status = _plural(layout.lines, "line")
        return f"{status} (hidden sheet)" if layout.hidden else status

    def current_sheet(self) -> SheetLayout | None:
        if self.current is None:
            return None
        file, sheet = self.current
        return next((s for s in self.state.sheets_of(file) if s.sheet == sheet), None)

    def _render_sheet(self) -> None:
        layout = self.current_sheet()
        state = self.state
        file = self.current[0] if self.current else None
        read = layout is not None and any(p.name == file and state.ticked(p) for p in state.files)
        self.preview_model.set_sheet(
            layout, (lambda header: state.role_of(layout.sheet, header)) if layout is not None else None
        )
        for column in range(self.preview_model.columnCount()):
            if self.preview_model.editable(column) and layout is not None:
                self.preview_view.openPersistentEditor(self.preview_model.index(0, column))
        self.preview_view.setRowHeight(0, 28)
        rows = layout.preview if layout is not None else ()
        if layout is not None and layout.header_row:
            rows = rows[layout.header_row - 1 :]  # a title above the header does not widen its column
        for column in range(self.preview_model.columnCount()):
            texts = [row[column] for row in rows if column < len(row)]
            self.preview_view.setColumnWidth(column, _width(self.preview_view, texts, 110, 240))
        for widget in (self.header_row, self.unit, self.reset_button):
            widget.setEnabled(layout is not None)
        if layout is None:
            self.sheet_label.setText(MESSAGES["no_sheet"])
            return
        where = f"<b>{layout.sheet}</b>"
        if len(state.files) > 1:
            where += f" of {Path(layout.file).name}"
            shared = sum(any(s.sheet == layout.sheet for s in state.sheets_of(p)) for p in state.files)
            if shared > 1:
                where += " — " + MESSAGES["shared"].format(sheet=layout.sheet)
        if layout.status not in (SheetStatus.LINES, SheetStatus.SKIPPED):
            where += " — " + MESSAGES["not_lines"].format(
                sheet=layout.sheet, status=_STATUS.get(layout.status, layout.status)
            )
        if layout.status == SheetStatus.SKIPPED and layout.reason:
            where += f" — {layout.reason}"
        self.sheet_label.setText(where)
        self.sheet_label.setToolTip(layout.reason)
        self.header_row.blockSignals(True)
        chosen = state.mapping.sheet(layout.sheet).header_row
        self.header_row.setValue(chosen or layout.header_row or 0)
        self.header_row.blockSignals(False)
        self.unit.blockSignals(True)
        self.unit.clear()
        units = dict(UNITS)
        if layout.unit not in units:
            units[layout.unit] = f"× {money(layout.unit, trim=True)}"
        for value, name in sorted(units.items()):
            self.unit.addItem(name, value)
        self.unit.setCurrentIndex(self.unit.findData(layout.unit))
        self.unit.blockSignals(False)
        self.preview_view.setEnabled(read)

    def _render_lists(self, report: ImportReport) -> None:
        self.problems_model.set_rows(
            [
                (i.file or "", i.sheet, "" if i.row is None else str(i.row), i.column or "", i.message)
                for i in report.issues
            ],
            marked=range(len(report.issues)),
        )
        layout = report.layout
        self.questions_model.set_rows([(q,) for q in layout.questions])
        self.notes_model.set_rows([(note,) for note in report.notes])
        self.skipped_model.set_rows(
            [
                (file, s.sheet, str(r.row), r.reason)
                for s in layout.sheets
                for file in (Path(s.file).name,)
                for r in s.skipped
            ]
        )
        lines: Counter[str] = Counter()
        current: defaultdict[str, float] = defaultdict(float)
        if report.plan is not None:
            for line in report.plan.lines:
                lines[line.function] += 1
                current[line.function] += line.current
        self._current_total = sum(current.values())
        kinds = self.state.kinds
        self.functions_model.set_rows(
            [
                (function, kind.value, f"{lines[function]:,}", money(current[function]))
                for function, kind in kinds.items()
            ]
        )
        for row in range(self.functions_model.rowCount()):
            self.functions_view.openPersistentEditor(self.functions_model.index(row, 1))
        for view, model in (
            (self.problems_view, self.problems_model),
            (self.skipped_view, self.skipped_model),
            (self.functions_view, self.functions_model),
        ):
            sample = range(min(model.rowCount(), _SAMPLE))
            for column in range(model.columnCount() - 1):
                texts = [model.columns[column], *(model.cell(row, column) for row in sample)]
                view.setColumnWidth(column, _width(view, texts, 40, 260))
            if view is self.functions_view:
                view.setColumnWidth(1, 130)
        counts = (
            ("Problems", len(report.issues)),
            ("Questions", len(layout.questions)),
            ("Skipped rows", self.skipped_model.rowCount()),
            ("Functions and kinds", len(kinds)),
            ("Notes", len(report.notes)),
        )
        for n, (title, count) in enumerate(counts):
            self.tabs.setTabText(n, f"{title} ({count})")
        if report.issues:
            self.tabs.setCurrentWidget(self.problems_view)
        elif layout.questions:
            self.tabs.setCurrentWidget(self.questions_view)

    def _render_summary(self) -> None:
        state, report = self.state, self.state.report
        if state.reading:
            self.summary.setText(MESSAGES["reading"])
        elif state.refused:
            self.summary.setText(
                f"<span style='color:#B00020'>{MESSAGES['refused'].format(count=len(report.issues))}</span>"
            )
        elif report.plan is not None:
            sheets = {(s.file, s.sheet) for s in report.layout.sheets if s.status == SheetStatus.LINES}
            where = _plural(len(sheets), "sheet") if sheets else "the workbook"
            if len(state.read_paths()) > 1:
                where += f" of {len(state.read_paths())} workbooks"
            self.summary.setText(
                MESSAGES["loads"].format(
                    lines=f"{len(report.plan.lines):,}",
                    sheets=where,
                    total=money(self._current_total),
                )
            )
        self.accept_button.setEnabled(state.can_accept)

    # -- choices -----------------------------------------------------------------------------
    # An edit reaches the state once the event that made it is over: reading again
    # replaces the tables, and the drop-down that was used with them.

    def _later(self, choice: Callable[[], None]) -> None:
        self.accept_button.setEnabled(False)
        self.summary.setText(MESSAGES["reading"])

        def make() -> None:
            choice()
            if not self.state.reading:
                self._render_summary()  # a choice that changed nothing reads nothing

        QTimer.singleShot(0, self, make)

    def _later_role(self, header: str, role: str) -> None:
        if self.current is not None:
            sheet = self.current[1]
            self._later(lambda: self.state.set_role(sheet, header, role))

    def _later_kind(self, row: int, kind: str) -> None:
        function = self.functions_model.cell(row, 0)
        self._later(lambda: self.state.set_kind(function, Kind(kind)))

    def _on_tree_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column != 0:
            return
        data = item.data(0, Qt.ItemDataRole.UserRole)
        on = item.checkState(0) == Qt.CheckState.Checked
        if data[0] == _FILE:
            self._later(lambda: self.state.tick_file(data[1], on))
        else:
            self._later(lambda: self.state.tick_sheet(data[1], on))

    def _on_tree_current_changed(self, item: QTreeWidgetItem | None, _previous: object) -> None:
        data = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        if data is None or data[0] != _SHEET:
            return
        self.current = (data[2], data[1])
        self._render_sheet()

    def _on_header_row_changed(self, value: int) -> None:
        if self.current is not None:
            sheet = self.current[1]
            self._later(lambda: self.state.set_header_row(sheet, value or None))

    def _on_unit_activated(self, index: int) -> None:
        value = self.unit.itemData(index)
        if self.current is not None and isinstance(value, float):
            sheet = self.current[1]
            self._later(lambda: self.state.set_unit(sheet, value))

    def _on_reset_clicked(self) -> None:
        if self.current is not None:
            sheet = self.current[1]
            self._later(lambda: self.state.reset_sheet(sheet))

    # -- the buttons -------------------------------------------------------------------------

    def select_sheet(self, sheet: str, file: str | None = None) -> None:
        """Show a sheet's rows, as a click on it in the list does."""
        for n in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(n)
            if top is None:
                continue
            for k in range(top.childCount()):
                item = top.child(k)
                if item is None:
                    continue
                data = item.data(0, Qt.ItemDataRole.UserRole)
                if data[1] == sheet and (file is None or data[2] == file):
                    self.tree.setCurrentItem(item)
                    return

    def role_editor(self, column: int) -> QComboBox | None:
        """The role drop-down above a column (None for a column without a header)."""
        widget = self.preview_view.indexWidget(self.preview_model.index(0, column))
        return widget if isinstance(widget, QComboBox) else None

    def _on_accept_clicked(self) -> None:
        if self.state.can_accept:
            self.accept()

    def ask_mapping_path(self, saving: bool) -> str | None:
        """Where to save a mapping, or which to load; None if the user cancels."""
        folder = str(self.state.files[0].parent) if self.state.files else str(Path.home())
        kinds = "Fulcrum import mappings (*.toml);;All files (*)"
        if saving:
            suggested = str(Path(folder) / "import mapping.toml")
            name, _filter = QFileDialog.getSaveFileName(self, "Save mapping", suggested, kinds)
            if name and not Path(name).suffix:
                name += ".toml"
        else:
            name, _filter = QFileDialog.getOpenFileName(self, "Load mapping", folder, kinds)
        return name or None

    def save_mapping(self, path: str | Path) -> bool:
        try:
            self.state.mapping.save(path)
        except OSError as error:
            self.summary.setText(f"The mapping could not be saved: {error.strerror or error}")
            return False
        self.summary.setText(MESSAGES["saved"].format(path=path))
        self.mapping_saved.emit(str(path))
        return True

    def load_mapping(self, path: str | Path) -> bool:
        try:
            mapping = ImportMapping.load(path)
        except MappingError as error:
            self.summary.setText(f"<span style='color:#B00020'>{error}</span>")
            return False
        self._later(lambda: self.state.set_mapping(mapping))
        return True

    def _on_save_clicked(self) -> None:
        name = self.ask_mapping_path(saving=True)
        if name:
            self.save_mapping(name)

    def _on_load_clicked(self) -> None:
        name = self.ask_mapping_path(saving=False)
        if name:
            self.load_mapping(name)
