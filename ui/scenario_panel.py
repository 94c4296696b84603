"""The scenarios of the project: save the plan as one, show, duplicate, rename, delete, approve, compare."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.domain import Plan
from models.project import Project, Scenario

__all__ = ["ScenarioPanel"]

NOTES_DELAY_MS = 700


def _label(scenario: Scenario) -> str:
    status = "not solved" if scenario.result is None else scenario.result.status.value
    mark = "✔ " if scenario.approved else ""
    return f"{mark}{scenario.name}  ·  {status}"


class ScenarioPanel(QWidget):
    """Shows the project's scenarios; every change is asked of the window, which makes it undoable."""

    save_requested = Signal()  # save the current plan as a new scenario
    show_requested = Signal(str)
    update_requested = Signal(str)
    duplicate_requested = Signal(str)
    rename_requested = Signal(str)
    delete_requested = Signal(str)
    approved_changed = Signal(str, bool)
    notes_changed = Signal(str, str)
    compare_requested = Signal(list)

    def __init__(self) -> None:
        super().__init__()
        self._project = Project(Plan(()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.save_button = QPushButton("Save plan as scenario…")
        layout.addWidget(self.save_button)
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        layout.addWidget(self.list, 1)
        grid = QGridLayout()
        self.show_button = QPushButton("Show")
        self.update_button = QPushButton("Update from plan")
        self.duplicate_button = QPushButton("Duplicate")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete")
        self.compare_button = QPushButton("Compare selected")
        for n, button in enumerate(
            (
                self.show_button,
                self.update_button,
                self.duplicate_button,
                self.rename_button,
                self.delete_button,
                self.compare_button,
            )
        ):
            grid.addWidget(button, n // 3, n % 3)
        layout.addLayout(grid)
        self.approved = QCheckBox("Approved (read-only)")
        layout.addWidget(self.approved)
        self.details = QLabel()
        self.details.setWordWrap(True)
        layout.addWidget(self.details)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Notes on this scenario")
        self.notes.setMaximumHeight(90)
        layout.addWidget(self.notes)
        self._notes_timer = QTimer(self)
        self._notes_timer.setSingleShot(True)
        self._notes_timer.setInterval(NOTES_DELAY_MS)

        self.save_button.clicked.connect(self.save_requested)
        self.show_button.clicked.connect(lambda: self._emit_for_current(self.show_requested))
        self.list.itemDoubleClicked.connect(lambda _item: self._emit_for_current(self.show_requested))
        self.update_button.clicked.connect(lambda: self._emit_for_current(self.update_requested))
        self.duplicate_button.clicked.connect(lambda: self._emit_for_current(self.duplicate_requested))
        self.rename_button.clicked.connect(lambda: self._emit_for_current(self.rename_requested))
        self.delete_button.clicked.connect(lambda: self._emit_for_current(self.delete_requested))
        self.compare_button.clicked.connect(self._on_compare_clicked)
        self.approved.clicked.connect(self._on_approved_clicked)
        self.list.itemSelectionChanged.connect(self._on_selection_changed)
        self.list.currentItemChanged.connect(self._on_selection_changed)
        self.notes.textChanged.connect(self._notes_timer.start)
        self._notes_timer.timeout.connect(self._commit_notes)
        self._on_selection_changed()

    def set_project(self, project: Project) -> None:
        self._commit_notes()
        chosen = self.current_name()
        selected = set(self.selected_names())
        self._project = project
        self.list.blockSignals(True)
        self.list.clear()
        for scenario in project.scenarios:
            item = QListWidgetItem(_label(scenario))
            item.setData(Qt.ItemDataRole.UserRole, scenario.name)
            self.list.addItem(item)
            if scenario.name in selected:
                item.setSelected(True)
            if scenario.name == chosen:
                self.list.setCurrentItem(item, self.list.selectionCommand(self.list.indexFromItem(item)))
        self.list.blockSignals(False)
        self._on_selection_changed()

    def current_name(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def selected_names(self) -> list[str]:
        names = {str(i.data(Qt.ItemDataRole.UserRole)) for i in self.list.selectedItems()}
        return [s.name for s in self._project.scenarios if s.name in names]  # in the project's order

    def select(self, *names: str) -> None:
        """Select scenarios by name (the first becomes the current one)."""
        self.list.clearSelection()
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) in names:
                item.setSelected(True)
                if item.data(Qt.ItemDataRole.UserRole) == names[0]:
                    self.list.setCurrentItem(item, self.list.selectionCommand(self.list.indexFromItem(item)))
                    item.setSelected(True)

    def _emit_for_current(self, signal: object) -> None:
        name = self.current_name()
        if name is not None:
            signal.emit(name)  # type: ignore[attr-defined]

    def _on_compare_clicked(self) -> None:
        names = self.selected_names()
        if len(names) >= 2:
            self.compare_requested.emit(names)

    def _on_approved_clicked(self, checked: bool) -> None:
        name = self.current_name()
        if name is not None:
            self.approved_changed.emit(name, checked)

    def _commit_notes(self) -> None:
        self._notes_timer.stop()
        name = self.current_name()
        scenario = self._project.scenario(name) if name else None
        if scenario is not None and not scenario.approved and self.notes.toPlainText() != scenario.notes:
            self.notes_changed.emit(scenario.name, self.notes.toPlainText())

    def _on_selection_changed(self) -> None:
        name = self.current_name()
        scenario = self._project.scenario(name) if name else None
        has = scenario is not None
        writable = has and scenario is not None and not scenario.approved
        for button in (self.show_button, self.duplicate_button):
            button.setEnabled(has)
        for button in (self.update_button, self.rename_button, self.delete_button):
            button.setEnabled(writable)
        self.compare_button.setEnabled(len(self.list.selectedItems()) >= 2)
        self.approved.setEnabled(has)
        self.approved.setChecked(bool(scenario and scenario.approved))
        self.notes.blockSignals(True)
        self.notes.setPlainText(scenario.notes if scenario else "")
        self.notes.blockSignals(False)
        self.notes.setReadOnly(not writable)
        if scenario is None:
            self.details.setText(
                "Save the plan as a scenario to keep this version and compare it with others."
            )
        else:
            parent = f"From {scenario.parent}. " if scenario.parent else ""
            self.details.setText(
                f"{parent}Created {scenario.created[:16]}, changed {scenario.modified[:16]} (UTC)."
            )
