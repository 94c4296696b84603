"""File > Replace a department's lines…, driven as a finance lead would, offscreen."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from models.domain import function_key
from models.resubmit import Resubmission
from tests.departments import HR_V2_LINES, department_file, three_departments
from tests.ui.conftest import TIMEOUT, NewWindow
from ui.main_window import MESSAGES, MainWindow


@pytest.fixture
def window(qtbot: QtBot, new_window: NewWindow, tmp_path: Path) -> MainWindow:
    """A window showing HR, IT and Customer Service read from their three files, solved."""
    made = new_window()
    with qtbot.waitSignal(made.solve_finished, timeout=TIMEOUT):
        made.open_workbook([str(path) for path in three_departments(tmp_path)])
    assert len(made.session.plan.lines) == 9
    return made


def _choose(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    """The file dialog answers ``path``; what it was asked to show is kept."""
    asked: list[str] = []

    def answer(_parent: object, title: str, folder: str, _filter: str) -> tuple[str, str]:
        asked.extend((title, folder))
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(answer))
    return asked


def _hr_names(window: MainWindow) -> list[str]:
    return [line.name for line in window.budget_model.plan.lines if function_key(line.function) == "hr"]


def test_the_menu_action_replaces_hr_and_undo_restores_it(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    actions = window.file_menu.actions()
    action = window.replace_action
    assert action.text() == "Replace a &department's lines…"
    assert actions.index(action) == actions.index(window.recent_menu.menuAction()) + 1
    before = window.session.plan
    v2 = department_file(tmp_path / "v2", "HR_FY25_v2.xlsx", HR_V2_LINES)
    asked = _choose(monkeypatch, v2)

    with (
        qtbot.waitSignal(window.replace_finished, timeout=TIMEOUT) as replaced,
        qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT),
    ):
        action.trigger()
    assert asked[1] == str(tmp_path)  # the dialog opens where the plan's workbooks are
    outcome = replaced.args[0]
    assert isinstance(outcome, Resubmission) and outcome.ok
    assert _hr_names(window) == ["Payroll", "Recruiting", "HR / Salaries", "Wellbeing"]
    assert window.budget_model.rowCount() == 9 + 1  # the lines and the totals row
    assert window.allocation_model.rowCount() == 9
    result = window.session.current_result
    assert result is not None and "Wellbeing" in result.allocation  # solved again: the old result was stale
    assert window.tabs.currentWidget() is window.issues_view
    assert window.issues_model.index(0, 3).data() == (
        "HR: 4 lines replaced by 4 from HR_FY25_v2.xlsx; current 1,200,000.1 -> 1,260,000"
    )
    assert window.undo_action.text() == "&Undo Replace the lines of HR from HR_FY25_v2.xlsx"
    assert window.isWindowModified()

    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        window.undo_action.trigger()
    assert window.session.plan is before
    assert _hr_names(window) == ["Payroll", "Recruiting", "Training", "HR / Salaries"]
    assert window.redo_action.isEnabled()


def test_a_refused_workbook_is_shown_as_import_issues(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = window.session.plan
    _choose(monkeypatch, department_file(tmp_path / "v2", "Legal_FY25.xlsx", (("Counsel", 1.0),)))
    with qtbot.waitSignal(window.replace_finished, timeout=TIMEOUT) as replaced:
        window.replace_action.trigger()
    assert not replaced.args[0].ok
    assert window.session.plan is before
    assert not window.undo_action.isEnabled()
    assert window.tabs.currentWidget() is window.issues_view
    assert [window.issues_model.index(0, c).data() for c in range(3)] == ["Budget", "3", ""]
    assert "Department 'Legal'" in window.issues_model.index(0, 3).data()
    assert window.status_label.text() == MESSAGES["not_replaced"].format(name="Legal_FY25.xlsx", count=1)


def test_a_cancelled_dialog_changes_nothing(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = window.session.plan
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *_args: ("", "")))
    with qtbot.assertNotEmitted(window.replace_finished, wait=200):
        window.replace_action.trigger()
    assert window.session.plan is before
