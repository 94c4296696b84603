"""Replacing the plan with unsaved changes, as a finance lead does it in the window.

Change a floor, then Ctrl+O, drop, Open recent, Import with preview,
Open project, New project: the unsaved-changes question comes first (the
real message box, answered by the test), Cancel changes nothing, and a
workbook opened anyway is one step that Undo takes back. The title's
unsaved mark follows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from models.domain import Plan
from models.project import open_project
from models.schema import LINE_FIELDS
from tests.conftest import write_book
from tests.ui.conftest import NewWindow, drop_files, load_sample
from ui.import_preview import ImportPreview
from ui.main_window import MainWindow
from ui.session import MESSAGES

TIMEOUT = 20_000
FLOOR = [f.attr for f in LINE_FIELDS].index("floor")
OTHER = [["Line", "Function", "Current"], ["Payroll", "HR", 100], ["Servers", "IT", 200]]
Button = QMessageBox.StandardButton


class Question:
    """The unsaved-changes message box: how often it was shown, and the button the user presses."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.titles: list[str] = []
        self.press = Button.Cancel
        monkeypatch.setattr(QMessageBox, "question", self._question)

    def _question(self, _parent: object, title: str, _text: str, *_args: object) -> Button:
        self.titles.append(title)
        return self.press


@pytest.fixture
def window(qtbot: QtBot, new_window: NewWindow) -> MainWindow:
    made = load_sample(qtbot, new_window())
    made.session.ask_unsaved = made.projects._ask_unsaved  # the real question, not the tests' default
    return made


@pytest.fixture
def question(monkeypatch: pytest.MonkeyPatch) -> Question:
    return Question(monkeypatch)


@pytest.fixture
def other(tmp_path: Path) -> Path:
    return write_book(tmp_path / "other.xlsx", {"Budget": OTHER})


def choose_files(monkeypatch: pytest.MonkeyPatch, *paths: Path) -> None:
    names = [str(p) for p in paths]
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *_a, **_k: (names, ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (names[0], ""))


def change_a_floor(qtbot: QtBot, window: MainWindow) -> Plan:
    """Type a floor into the Budget table's first IT line."""
    plan = window.session.plan
    row = next(i for i, line in enumerate(plan.lines) if line.function == "IT")
    index = window.budget_model.index(window.budget_model.row_of(row), FLOOR)
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        assert window.budget_model.setData(index, f"{plan.lines[row].current:,.0f}")
    assert window.isWindowModified()
    assert window.undo_action.text().startswith("&Undo Set floor of")
    return window.session.plan


def unchanged(qtbot: QtBot, window: MainWindow, edited: Plan, name: str) -> None:
    qtbot.waitUntil(
        lambda: window.status_label.text() == MESSAGES["not_opened"].format(name=name), timeout=TIMEOUT
    )
    assert window.session.plan == edited
    assert window.isWindowModified()
    assert window.undo_action.text().startswith("&Undo Set floor of")


def loaded_undoably(qtbot: QtBot, window: MainWindow, edited: Plan, name: str, before: str) -> None:
    assert [line.name for line in window.session.plan.lines] == ["Payroll", "Servers"]
    assert window.isWindowModified()
    assert window.windowTitle() == f"Fulcrum — {name}[*]"
    assert window.undo_action.text() == f"&Undo Open {name}"
    with qtbot.waitSignal(window.plan_shown, timeout=TIMEOUT):
        window.undo_action.trigger()
    assert window.session.plan == edited
    assert window.isWindowModified()  # the floor is still not saved
    assert window.windowTitle() == before


def test_ctrl_o_over_a_changed_floor_asks_cancel_keeps_it_and_discard_is_undoable(
    qtbot: QtBot, window: MainWindow, question: Question, other: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited = change_a_floor(qtbot, window)
    choose_files(monkeypatch, other)
    window.open_action.trigger()
    unchanged(qtbot, window, edited, "other.xlsx")
    assert question.titles == ["Unsaved changes"]
    question.press = Button.Discard
    with qtbot.waitSignal(window.import_finished, timeout=TIMEOUT):
        window.open_action.trigger()
    assert question.titles == ["Unsaved changes"] * 2
    loaded_undoably(qtbot, window, edited, "other.xlsx", "Fulcrum[*]")


def test_a_drop_over_a_changed_floor_asks_and_save_keeps_the_floor_in_the_project(
    qtbot: QtBot, window: MainWindow, question: Question, other: Path, tmp_path: Path
) -> None:
    target = tmp_path / "plan.fulcrum"
    with qtbot.waitSignal(window.projects.project_saved, timeout=TIMEOUT):
        assert window.session.save_to(target)
    assert not window.isWindowModified()
    edited = change_a_floor(qtbot, window)
    drop_files(window, [other])
    unchanged(qtbot, window, edited, "other.xlsx")
    question.press = Button.Save
    with qtbot.waitSignal(window.import_finished, timeout=TIMEOUT):
        drop_files(window, [other])
    assert open_project(target).plan == edited
    assert window.isWindowModified()  # the project's plan replaced, not saved
    with qtbot.waitSignal(window.plan_shown, timeout=TIMEOUT):
        window.undo_action.trigger()
    assert window.session.plan == edited
    assert not window.isWindowModified()  # back at the state saved


def test_open_recent_over_a_changed_floor_asks(
    qtbot: QtBot, window: MainWindow, question: Question, other: Path
) -> None:
    window._remember_recent(other)
    edited = change_a_floor(qtbot, window)
    window.recent_menu.actions()[0].trigger()
    unchanged(qtbot, window, edited, "other.xlsx")
    question.press = Button.Discard
    with qtbot.waitSignal(window.import_finished, timeout=TIMEOUT):
        window.recent_menu.actions()[0].trigger()
    loaded_undoably(qtbot, window, edited, "other.xlsx", "Fulcrum[*]")


def test_accepting_the_import_preview_over_a_changed_floor_asks(
    qtbot: QtBot, window: MainWindow, question: Question, other: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited = change_a_floor(qtbot, window)
    choose_files(monkeypatch, other)
    with qtbot.waitSignal(window.preview_shown, timeout=TIMEOUT) as shown:
        window.preview_action.trigger()
    assert question.titles == []  # nothing is replaced until Accept
    dialog = shown.args[0]
    assert isinstance(dialog, ImportPreview)
    dialog.accept_button.click()
    unchanged(qtbot, window, edited, "other.xlsx")
    assert question.titles == ["Unsaved changes"]
    with qtbot.waitSignal(window.preview_shown, timeout=TIMEOUT) as shown:
        window.preview_action.trigger()
    question.press = Button.Discard
    with qtbot.waitSignal(window.import_finished, timeout=TIMEOUT):
        shown.args[0].accept_button.click()
    loaded_undoably(qtbot, window, edited, "other.xlsx", "Fulcrum[*]")


def test_open_project_and_new_project_over_a_changed_floor_ask(
    qtbot: QtBot,
    window: MainWindow,
    new_window: NewWindow,
    question: Question,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    maker = load_sample(qtbot, new_window("maker.ini"))
    target = tmp_path / "other.fulcrum"
    assert maker.session.save_to(target)
    assert maker.close()
    edited = change_a_floor(qtbot, window)
    choose_files(monkeypatch, target)
    window.projects.open_project_action.trigger()
    # Asked once the project is read, just before the plan would change.
    qtbot.waitUntil(lambda: question.titles == ["Unsaved changes"], timeout=TIMEOUT)
    assert window.status_label.text() == "other.fulcrum was not opened: the plan on screen is unchanged"
    window.projects.new_action.trigger()
    assert question.titles == ["Unsaved changes"] * 2
    assert window.session.plan == edited and window.isWindowModified()
    question.press = Button.Discard
    window.projects.new_action.trigger()
    assert window.session.plan == Plan(())
    assert not window.isWindowModified()
    assert window.windowTitle() == "Fulcrum — Untitled project[*]"
