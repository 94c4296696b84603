"""The project behind the window: file actions, scenarios, comparison, autosave and recovery.

Every change to the scenario list is an undoable command on the window's
undo stack, like an edit to the plan; the project is unsaved while the stack
is not clean.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from models.compare import Compared, Comparison, compare
from models.domain import Plan
from models.project import Project, ProjectError, ProjectLock, open_project, save_project, save_recovery
from models.scenarios import (
    ScenarioError,
    add_scenario,
    delete_scenario,
    duplicate_scenario,
    rename_scenario,
    set_approved,
    set_notes,
    unique_name,
    update_scenario,
)

if TYPE_CHECKING:
    from ui.main_window import MainWindow

__all__ = ["ProjectController"]

AUTOSAVE_MS: Final = 30_000
RECOVERY_SUFFIX: Final = ".recovery"
#: What to do with unsaved changes: "save", "discard" or "cancel".
Answer = str


class ScenarioCommand(QUndoCommand):
    def __init__(self, controller: ProjectController, before: Project, after: Project, text: str) -> None:
        super().__init__(text)
        self._controller, self._before, self._after = controller, before, after

    def redo(self) -> None:
        self._controller.show_project_scenarios(self._after)

    def undo(self) -> None:
        self._controller.show_project_scenarios(self._before)


class ProjectController(QObject):
    project_saved = Signal(str)
    project_opened = Signal(str)
    comparison_ready = Signal(object)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.project = Project(Plan(()))
        self.path: Path | None = None
        self.lock: ProjectLock | None = None
        #: Asked when unsaved changes would be lost, and whether to restore recovered work.
        self.ask_unsaved: Callable[[], Answer] = self._ask_unsaved
        self.ask_restore: Callable[[], bool] = self._ask_restore
        self.compare_dialog: QObject | None = None
        panel = window.scenario_panel
        panel.save_requested.connect(self._on_save_scenario_requested)
        panel.show_requested.connect(self.show_scenario)
        panel.update_requested.connect(self.update_scenario)
        panel.duplicate_requested.connect(
            lambda name: self._change(lambda p: duplicate_scenario(p, name), f"Duplicate {name}")
        )
        panel.rename_requested.connect(self._on_rename_requested)
        panel.delete_requested.connect(
            lambda name: self._change(lambda p: delete_scenario(p, name), f"Delete scenario {name}")
        )
        panel.approved_changed.connect(
            lambda name, flag: self._change(
                lambda p: set_approved(p, name, flag), f"{'Approve' if flag else 'Unapprove'} {name}"
            )
        )
        panel.notes_changed.connect(
            lambda name, text: self._change(lambda p: set_notes(p, name, text), f"Notes of {name}")
        )
        panel.compare_requested.connect(self.compare_scenarios)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self._build_actions()

    # -- actions -----------------------------------------------------------------------
    def _build_actions(self) -> None:
        window = self.window
        self.new_action = QAction("&New project", window, shortcut=QKeySequence(QKeySequence.StandardKey.New))
        self.open_project_action = QAction("Open &project…", window, shortcut=QKeySequence("Ctrl+Shift+O"))
        self.save_action = QAction(
            "&Save project", window, shortcut=QKeySequence(QKeySequence.StandardKey.Save)
        )
        self.save_as_action = QAction("Save project &as…", window, shortcut=QKeySequence("Ctrl+Shift+S"))
        menu = window.file_menu
        first = menu.actions()[0]
        for action in (self.new_action, self.open_project_action, self.save_action, self.save_as_action):
            menu.insertAction(first, action)
        menu.insertSeparator(first)
        self.new_action.triggered.connect(self.new_project)
        self.open_project_action.triggered.connect(self._on_open_project_triggered)
        self.save_action.triggered.connect(self.save)
        self.save_as_action.triggered.connect(self._on_save_as_triggered)

    # -- the project ----------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return not self.window.undo_stack.isClean()

    def current_project(self) -> Project:
        return replace(self.project, plan=self.window.plan)

    def show_project_scenarios(self, project: Project) -> None:
        self.project = project
        self.window.scenario_panel.set_project(project)

    def _change(self, make: Callable[[Project], Project], text: str) -> None:
        try:
            after = make(self.project)
        except ScenarioError as error:
            self.window.statusBar().showMessage(f"Not changed: {error}", 8000)
            return
        if after != self.project:
            self.window.undo_stack.push(ScenarioCommand(self, self.project, after, text))

    def _title(self) -> None:
        name = self.path.name if self.path else "Untitled project"
        self.window.setWindowTitle(f"Fulcrum — {name}[*]")

    def new_project(self) -> bool:
        if not self.maybe_keep_changes():
            return False
        self._release()
        self.path = None
        self.window.load_plan(Plan(()), None)
        self.show_project_scenarios(Project(Plan(())))
        self._title()
        self.window.status_label.setText("New project: open a workbook (Ctrl+O) to start")
        return True

    def open_file(self, path: str | Path) -> bool:
        """Open a project; a file that cannot be opened is a message and the window is unchanged."""
        target = Path(path)
        if not self.maybe_keep_changes():
            return False
        try:
            project = open_project(target)
        except ProjectError as error:
            self.window.show_error(str(error))
            return False
        lock = ProjectLock(target)
        other = lock.acquire()
        if other is not None:
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "Project already open",
                f"{target.name} is open in another Fulcrum window (process {other.get('pid')} on "
                f"{other.get('host')}, since {other.get('since')}). Changes saved from both will overwrite "
                "each other.",
                QMessageBox.StandardButton.Ok,
                self.window,
            )
            box.setObjectName("already-open")
            box.open()
        self._release()
        self.lock = lock if lock.held else None
        self.path = target
        self.window.load_plan(project.plan, None)
        self.show_project_scenarios(project)
        self._title()
        self.project_opened.emit(str(target))
        recovery = recovery_path(target)
        if recovery.exists() and recovery.stat().st_mtime > target.stat().st_mtime:
            self.offer_recovery(recovery)
        return True

    def save(self) -> bool:
        if self.path is None:
            return self._on_save_as_triggered()
        return self.save_to(self.path)

    def save_to(self, path: str | Path) -> bool:
        try:
            target = save_project(path, self.current_project())
        except ProjectError as error:
            self.window.show_error(str(error))
            return False
        if self.path != target:
            self._release()
            self.lock = ProjectLock(target)
            if self.lock.acquire() is not None:
                self.lock = None
        self.path = target
        self.window.undo_stack.setClean()
        self._title()
        recovery_path(target).unlink(missing_ok=True)
        untitled_recovery().unlink(missing_ok=True)
        self.window.status_label.setText(f"Saved {target.name}")
        self.project_saved.emit(str(target))
        return True

    def _on_save_as_triggered(self) -> bool:
        folder = str(self.path.parent) if self.path else str(Path.home())
        name, _filter = QFileDialog.getSaveFileName(
            self.window, "Save project", folder, "Fulcrum projects (*.fulcrum)"
        )
        return bool(name) and self.save_to(name)

    def _on_open_project_triggered(self) -> None:
        folder = str(self.path.parent) if self.path else str(Path.home())
        name, _filter = QFileDialog.getOpenFileName(
            self.window, "Open project", folder, "Fulcrum projects (*.fulcrum)"
        )
        if name:
            self.open_file(name)

    def _release(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def close(self) -> bool:
        """Whether the window may close (unsaved changes saved or discarded)."""
        if not self.maybe_keep_changes():
            return False
        self._release()
        if not self.dirty:
            (recovery_path(self.path) if self.path else untitled_recovery()).unlink(missing_ok=True)
        return True

    def maybe_keep_changes(self) -> bool:
        """Ask about unsaved changes; False when the user cancels."""
        if not self.dirty:
            return True
        answer = self.ask_unsaved()
        if answer == "cancel":
            return False
        if answer == "save":
            return self.save()
        return True

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

    # -- autosave and recovery ---------------------------------------------------------------
    def autosave(self) -> Path | None:
        """Write unsaved work to the recovery file (never to the project itself)."""
        if not self.dirty or not self.window.plan.lines:
            return None
        target = recovery_path(self.path) if self.path else untitled_recovery()
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            save_recovery(target, self.current_project())
        except ProjectError as error:
            self.window.statusBar().showMessage(f"Autosave failed: {error}", 8000)
            return None
        return target

    def offer_recovery(self, recovery: Path) -> bool:
        if not self.ask_restore():
            recovery.unlink(missing_ok=True)
            return False
        return self.restore(recovery)

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

    def restore(self, recovery: Path) -> bool:
        try:
            project = open_project(recovery)
        except ProjectError as error:
            self.window.show_error(f"The recovered work cannot be read: {error}")
            return False
        before_plan = self.window.plan
        self.window.apply_edit(project.plan, "Restore unsaved work") if project.plan != before_plan else None
        if project.scenarios != self.project.scenarios:
            self.window.undo_stack.push(
                ScenarioCommand(
                    self,
                    self.project,
                    replace(self.project, scenarios=project.scenarios),
                    "Restore unsaved scenarios",
                )
            )
        self.window.status_label.setText("Unsaved work restored; save it to keep it")
        return True

    # -- scenarios -----------------------------------------------------------------------------
    def save_plan_as_scenario(self, name: str) -> None:
        window = self.window
        result = window.result if window.result_plan == window.plan else None
        parent = window.scenario_origin
        self._change(
            lambda p: add_scenario(p, name, window.plan, result, parent=parent), f"Save scenario {name}"
        )
        window.scenario_origin = name

    def _on_save_scenario_requested(self) -> None:
        suggested = unique_name(self.project, "Scenario")
        name, ok = QInputDialog.getText(
            self.window, "Save as scenario", "Name of the scenario:", text=suggested
        )
        if ok and name.strip():
            self.save_plan_as_scenario(name.strip())

    def _on_rename_requested(self, name: str) -> None:
        new, ok = QInputDialog.getText(self.window, "Rename scenario", "New name:", text=name)
        if ok:
            self.rename(name, new)

    def rename(self, name: str, new: str) -> None:
        self._change(lambda p: rename_scenario(p, name, new), f"Rename {name} to {new.strip()}")

    def show_scenario(self, name: str) -> None:
        """Put a scenario's plan in the editor (undoably); its result shows at once."""
        scenario = self.project.scenario(name)
        if scenario is None:
            return
        self.window.apply_edit(scenario.plan, f"Show scenario {name}")
        self.window.scenario_origin = name
        if scenario.result is not None and scenario.plan == self.window.plan:
            self.window.show_result(scenario.plan, scenario.result)

    def update_scenario(self, name: str) -> None:
        window = self.window
        result = window.result if window.result_plan == window.plan else None
        self._change(lambda p: update_scenario(p, name, window.plan, result), f"Update scenario {name}")

    def compare_scenarios(self, names: list[str]) -> None:
        """Solve any unsolved scenario off the window's thread, then show the comparison."""
        chosen = [s for s in self.project.scenarios if s.name in names]
        if len(chosen) < 2:
            return

        def work(_progress: object) -> tuple[list[Compared], object]:
            from planner.solve import solve

            items = [Compared(s.name, s.plan, s.result or solve(s.plan)) for s in chosen]
            return items, compare(items)

        self.window.start_work(work, self._on_comparison_ready)

    def _on_comparison_ready(self, outcome: object) -> None:
        assert isinstance(outcome, tuple)
        items: list[Compared] = outcome[0]
        comparison: Comparison = outcome[1]
        from ui.compare_view import CompareDialog

        dialog = CompareDialog(comparison, lambda: self._export_comparison(items, comparison), self.window)
        self.compare_dialog = dialog
        dialog.show()
        self.comparison_ready.emit(comparison)

    def _export_comparison(self, items: list[Compared], comparison: object) -> None:
        name = self.window.ask_xlsx_path("Export comparison", "comparison")
        if name:
            self.export_comparison(name, items, comparison)

    def export_comparison(self, path: str | Path, items: list[Compared], comparison: object) -> None:
        target = Path(path)

        def work(_progress: object) -> str:
            from models.export import write_comparison

            return str(write_comparison(target, items, comparison))  # type: ignore[arg-type]

        self.window.start_work(work, lambda written: self.window.export_finished.emit(str(written)))


def recovery_path(project: Path) -> Path:
    return project.with_name(project.name + RECOVERY_SUFFIX)


def untitled_recovery() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation) or str(
        Path.home()
    )
    return Path(folder) / f"untitled.fulcrum{RECOVERY_SUFFIX}"
