"""Scenarios and the project file, from the window."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from models.compare import Compared, Comparison, compare
from models.domain import Plan
from models.project import ProjectLock, open_project
from models.recovery import release
from models.result import Result
from models.scenarios import add_scenario, set_notes
from models.workbook import read_plan
from planner.solve import solve
from tests.conftest import SAMPLE
from tests.ui.conftest import NewWindow, load_sample
from ui.compare_view import CompareDialog, ComparisonModel
from ui.main_window import MainWindow
from ui.session import recovery_path

TIMEOUT = 20_000


@pytest.fixture
def window(qtbot: QtBot, new_window: NewWindow) -> MainWindow:
    return load_sample(qtbot, new_window())


def solved(qtbot: QtBot, window: MainWindow, plan: Plan) -> Result:
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT) as blocker:
        window.session.apply_edit(plan, "test edit")
    return blocker.args[0]


def names(window: MainWindow) -> list[str]:
    return [s.name for s in window.session.project.scenarios]


def test_scenarios_are_saved_changed_and_undone(qtbot: QtBot, window: MainWindow) -> None:
    projects, panel = window.session, window.scenario_panel
    projects.save_plan_as_scenario("Base")
    assert names(window) == ["Base"]
    base = projects.project.scenarios[0]
    assert base.plan == window.session.plan
    assert base.result is not None and base.result.is_optimal
    lean = window.session.plan.with_policy(total_budget=38_000_000)
    solved(qtbot, window, lean)
    projects.save_plan_as_scenario("Lean year")
    assert projects.project.scenario("Lean year").parent == "Base"  # type: ignore[union-attr]
    assert panel.list.count() == 2
    panel.select("Base")
    panel.duplicate_button.click()
    assert names(window) == ["Base", "Lean year", "Base copy"]
    projects.rename_scenario("Base copy", "Push on customers")
    panel.select("Push on customers")
    panel.delete_button.click()
    assert names(window) == ["Base", "Lean year"]
    assert window.undo_action.text() == "&Undo Delete scenario Push on customers"
    window.undo_action.trigger()
    assert names(window) == ["Base", "Lean year", "Push on customers"]
    # Approved: read-only until unmarked.
    panel.select("Base")
    panel.approved.click()
    assert projects.project.scenario("Base").approved  # type: ignore[union-attr]
    assert not panel.delete_button.isEnabled()
    assert not panel.rename_button.isEnabled()
    assert panel.notes.isReadOnly()
    projects.rename_scenario("Base", "Other")
    assert "approved" in window.statusBar().currentMessage()
    assert names(window)[0] == "Base"


def test_choosing_a_scenario_shows_its_plan_and_result(qtbot: QtBot, window: MainWindow) -> None:
    projects = window.session
    projects.save_plan_as_scenario("Base")
    first = window.session.result
    solved(qtbot, window, window.session.plan.with_policy(total_budget=38_000_000))
    assert window.session.result is not None and window.session.result != first
    projects.show_scenario("Base")
    assert window.session.plan == projects.project.scenarios[0].plan
    assert window.session.result == projects.project.scenarios[0].result  # shown at once, no solve needed
    assert window.allocation_model.rowCount() == len(window.session.plan.lines)


def test_project_saved_and_opened_keeps_everything(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, new_window: NewWindow
) -> None:
    projects = window.session
    projects.save_plan_as_scenario("Base")
    projects.change_project(lambda p: set_notes(p, "Base", "note"), "notes")
    target = tmp_path / "budget.fulcrum"
    with qtbot.waitSignal(window.projects.project_saved, timeout=TIMEOUT):
        assert projects.save_to(target)
    assert not projects.dirty
    assert window.windowTitle() == "Fulcrum — budget.fulcrum[*]"
    assert ProjectLock(target).holder() is not None  # held by this window
    saved = open_project(target)
    assert saved.plan == window.session.plan
    assert saved.scenarios == projects.project.scenarios
    # A second window opening the same project warns that it is open.
    other = new_window("other.ini")
    lock_file = target.with_name(target.name + ".lock")
    lock_file.write_text(json.dumps({"pid": 1, "host": socket.gethostname(), "since": "earlier"}))
    with qtbot.waitSignal(other.projects.project_opened, timeout=TIMEOUT):
        assert other.session.open_project(target)
    warning = other.findChild(QMessageBox, "already-open")
    assert warning is not None and "open in another Fulcrum window" in warning.text()
    assert other.session.project.scenarios == saved.scenarios
    assert other.session.plan == saved.plan


def test_a_file_that_is_not_a_project_is_refused_and_nothing_changes(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    bogus = tmp_path / "notes.fulcrum"
    bogus.write_text("shopping list")
    plan = window.session.plan
    with qtbot.waitSignal(window.error_shown, timeout=TIMEOUT) as shown:
        window.session.open_project(bogus)
    assert "not a SQLite database" in shown.args[0]
    assert window.status_label.text() == "notes.fulcrum was not opened: the plan on screen is unchanged"
    assert window.session.plan == plan and window.session.project_path is None
    assert bogus.read_text() == "shopping list"


def test_unsaved_changes_are_asked_about_on_close(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    projects = window.session
    target = tmp_path / "p.fulcrum"
    with qtbot.waitSignal(window.projects.project_saved, timeout=TIMEOUT):
        projects.save_to(target)
    solved(qtbot, window, window.session.plan.with_policy(total_budget=40_000_000))
    asked: list[str] = []
    projects.ask_unsaved = lambda: asked.append("asked") or "cancel"
    window.show()
    assert not window.close()  # cancelled: the window stays
    assert asked == ["asked"]
    assert window.isVisible()
    assert projects.dirty
    projects.ask_unsaved = lambda: "save"
    assert projects.close()
    assert open_project(target).plan.policy.total_budget == 40_000_000


def test_autosave_and_recovery(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, new_window: NewWindow
) -> None:
    projects = window.session
    target = tmp_path / "p.fulcrum"
    with qtbot.waitSignal(window.projects.project_saved, timeout=TIMEOUT):
        projects.save_to(target)
    assert projects.autosave() is None  # nothing unsaved
    solved(qtbot, window, window.session.plan.with_policy(total_budget=41_000_000))
    projects.save_plan_as_scenario("Unsaved idea")
    written = projects.autosave()
    assert written == recovery_path(target, projects.session_id)
    assert open_project(target).plan.policy.total_budget != 41_000_000  # the project itself untouched
    # A fresh window opening the project after a crash is offered the recovered work.
    release(projects.session_id)  # the first window is gone
    fresh = new_window("fresh.ini")
    with qtbot.waitSignal(fresh.projects.project_opened, timeout=TIMEOUT):
        assert fresh.session.open_project(target)
    assert fresh.session.plan.policy.total_budget == 41_000_000
    assert [s.name for s in fresh.session.project.scenarios] == ["Unsaved idea"]
    assert fresh.session.dirty


def test_compare_view_and_its_export(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, qtmodeltester: object
) -> None:
    projects = window.session
    projects.save_plan_as_scenario("Base")
    lean = window.session.plan.with_policy(total_budget=38_000_000)
    projects.change_project(lambda p: add_scenario(p, "Lean", lean, None), "add")  # not solved yet
    with qtbot.waitSignal(window.projects.comparison_ready, timeout=TIMEOUT) as ready:
        projects.compare_scenarios(["Base", "Lean"])
    comparison = ready.args[0]
    assert isinstance(comparison, Comparison)
    assert comparison.names == ("Base", "Lean")
    assert comparison.statuses == ("optimal", "optimal")
    assert comparison.figures[0].values == (42_000_000, 38_000_000)
    dialog = window.projects.compare_dialog
    assert isinstance(dialog, CompareDialog)
    model = dialog.model
    assert model.index(0, 2).data() == "optimal"
    assert model.index(1, 0).data() == "Binding floors"
    assert model.headerData(4, Qt.Orientation.Horizontal) == "Change: Lean"
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    base = projects.project.scenarios[0]
    assert base.result is not None
    items = [Compared("Base", base.plan, base.result), Compared("Lean", lean, solve(lean))]
    target = tmp_path / "compare.xlsx"
    with qtbot.waitSignal(window.export_finished, timeout=TIMEOUT):
        projects.export_comparison(target, items, compare(items))
    assert openpyxl.load_workbook(target).sheetnames == ["Side by side", "Base", "Lean"]


def test_comparison_model_alone(qtmodeltester: object) -> None:
    plan = read_plan(SAMPLE).plan
    assert plan is not None
    lean = plan.with_policy(total_budget=30_000_000)
    model = ComparisonModel()
    model.set_comparison(compare([Compared("A", plan, solve(plan)), Compared("B", lean, solve(lean))]))
    assert model.rowCount() > len(plan.lines)
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_saving_over_a_foreign_file_is_refused(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    import sqlite3

    foreign = tmp_path / "ledger.fulcrum"
    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE ledger (x)")
    connection.commit()
    connection.close()
    before = foreign.read_bytes()
    title = window.windowTitle()
    with qtbot.waitSignal(window.error_shown, timeout=TIMEOUT) as shown:
        window.session.save_to(foreign)
    assert "another program" in shown.args[0]
    assert foreign.read_bytes() == before
    assert window.session.project_path is None and window.windowTitle() == title
