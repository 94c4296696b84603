"""The project's Qt side: file actions, scenario panel, dialogs, autosave timer, comparison dialog.

What the actions do (scenarios, saving, opening, autosave, recovery) is the
session's (:mod:`ui.session`); this module asks the user, shows the answers
and runs the autosave timer. It knows the window only as a widget with a
``File`` menu, a scenario panel and an export-path question.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Protocol, cast

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox, QWidget

from models.compare import Compared, Comparison
from models.scenarios import unique_name
from ui.scenario_panel import ScenarioPanel
from ui.session import RECOVERY_SUFFIX, Answer, Session, recovery_path

__all__ = ["AUTOSAVE_MS", "ProjectController", "recovery_path", "untitled_recovery"]

AUTOSAVE_MS: Final = 30_000


class ProjectWindow(Protocol):
    """What the controller needs of its window."""

    file_menu: QMenu
    scenario_panel: ScenarioPanel

    def ask_xlsx_path(self, title: str, what: str) -> str | None: ...


class ProjectController(QObject):
    project_saved = Signal(str)
    project_opened = Signal(str)
    comparison_ready = Signal(object)

    def __init__(self, window: QWidget, session: Session) -> None:
        super().__init__(window)
        self.window = window
        self._host = cast(ProjectWindow, window)
        self.session = session
        self.compare_dialog: QObject | None = None
        session.ask_unsaved = self._ask_unsaved
        session.ask_restore = self._ask_restore
        session.ask_save_path = self._ask_save_path
        session.project_changed.connect(self._panel.set_project)
        session.project_saved.connect(self.project_saved.emit)
        session.project_opened.connect(self.project_opened.emit)
        session.already_open.connect(self._on_session_already_open)
        session.comparison_ready.connect(self._on_session_comparison_ready)
        panel = self._panel
        panel.save_requested.connect(self._on_save_scenario_requested)
        panel.show_requested.connect(session.show_scenario)
        panel.update_requested.connect(session.update_scenario)
        panel.duplicate_requested.connect(session.duplicate_scenario)
        panel.rename_requested.connect(self._on_rename_requested)
        panel.delete_requested.connect(session.delete_scenario)
        panel.approved_changed.connect(session.set_approved)
        panel.notes_changed.connect(session.set_notes)
        panel.compare_requested.connect(session.compare_scenarios)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(session.autosave)
        self.autosave_timer.start()
        self._build_actions()

    @property
    def _panel(self) -> ScenarioPanel:
        return self._host.scenario_panel

    def _build_actions(self) -> None:
        window, session = self.window, self.session
        self.new_action = QAction("&New project", window, shortcut=QKeySequence(QKeySequence.StandardKey.New))
        self.open_project_action = QAction("Open &project…", window, shortcut=QKeySequence("Ctrl+Shift+O"))
        self.save_action = QAction(
            "&Save project", window, shortcut=QKeySequence(QKeySequence.StandardKey.Save)
        )
        self.save_as_action = QAction("Save project &as…", window, shortcut=QKeySequence("Ctrl+Shift+S"))
        menu = self._host.file_menu
        first = menu.actions()[0]
        for action in (self.new_action, self.open_project_action, self.save_action, self.save_as_action):
            menu.insertAction(first, action)
        menu.insertSeparator(first)
        self.new_action.triggered.connect(session.new_project)
        self.open_project_action.triggered.connect(self._on_open_project_triggered)
        self.save_action.triggered.connect(session.save)
        self.save_as_action.triggered.connect(self._on_save_as_triggered)

    # -- questions -------------------------------------------------------------------------

    def _folder(self) -> str:
        path = self.session.project_path
        return str(path.parent) if path else str(Path.home())

    def _ask_save_path(self) -> str | None:
        name, _filter = QFileDialog.getSaveFileName(
            self.window, "Save project", self._folder(), "Fulcrum projects (*.fulcrum)"
        )
        return name or None

    def _on_save_as_triggered(self) -> bool:
        name = self._ask_save_path()
        return name is not None and self.session.save_to(name)

    def _on_open_project_triggered(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self.window, "Open project", self._folder(), "Fulcrum projects (*.fulcrum)"
        )
        if name:
            self.session.open_project(name)

    def _ask_unsaved(self) -> Answer:
        buttons = QMessageBox.StandardButton
        choice = QMessageBox.question(
            self.window,
            "Unsaved changes",
            "The project has changes that are not saved. Save them?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        return {buttons.Save: "save", buttons.Discard: "discard"}.get(choice, "cancel")

    def _ask_restore(self) -> bool:
        buttons = QMessageBox.StandardButton
        choice = QMessageBox.question(
            self.window,
            "Recover unsaved work",
            "Fulcrum closed before this work was saved. Restore it?",
            buttons.Yes | buttons.No,
            buttons.Yes,
        )
        return choice == buttons.Yes

    def _on_session_already_open(self, text: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Project already open", text, QMessageBox.StandardButton.Ok, self.window
        )
        box.setObjectName("already-open")
        box.open()

    # -- scenarios -----------------------------------------------------------------------------

    def _on_save_scenario_requested(self) -> None:
        suggested = unique_name(self.session.project, "Scenario")
        name, ok = QInputDialog.getText(
            self.window, "Save as scenario", "Name of the scenario:", text=suggested
        )
        if ok and name.strip():
            self.session.save_plan_as_scenario(name.strip())

    def _on_rename_requested(self, name: str) -> None:
        new, ok = QInputDialog.getText(self.window, "Rename scenario", "New name:", text=name)
        if ok:
            self.session.rename_scenario(name, new)

    def _on_session_comparison_ready(self, items: list[Compared], comparison: Comparison) -> None:
        from ui.compare_view import CompareDialog

        dialog = CompareDialog(comparison, lambda: self._export_comparison(items, comparison), self.window)
        self.compare_dialog = dialog
        dialog.show()
        self.comparison_ready.emit(comparison)

    def _export_comparison(self, items: list[Compared], comparison: Comparison) -> None:
        name = self._host.ask_xlsx_path("Export comparison", "comparison")
        if name:
            self.session.export_comparison(name, items, comparison)


def untitled_recovery() -> Path:
    """Where unsaved work of projects never saved is written: the application's data folder.

    Each window writes beside this path, in a file named by its session.
    """
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation) or str(
        Path.home()
    )
    return Path(folder) / f"untitled.fulcrum{RECOVERY_SUFFIX}"
