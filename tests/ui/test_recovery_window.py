"""Two windows on one project: each autosaves to its own file; only a window gone is offered back.

The recovery question is the real message box, answered by the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from models.project import open_project
from models.recovery import release
from tests.ui.conftest import NewWindow, load_sample
from ui.main_window import MainWindow
from ui.session import recovery_path

TIMEOUT = 20_000
Button = QMessageBox.StandardButton


class Questions:
    """Every message box question, by title; the recovery question answered with ``restore``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.titles: list[str] = []
        self.restore = Button.No
        monkeypatch.setattr(QMessageBox, "question", self._question)

    def _question(self, _parent: object, title: str, *_args: object) -> Button:
        self.titles.append(title)
        return self.restore if title == "Recover unsaved work" else Button.Discard


def opened(qtbot: QtBot, new_window: NewWindow, project: Path, settings: str) -> MainWindow:
    window = new_window(settings)
    window.session.ask_restore = window.projects._ask_restore  # the real question
    with qtbot.waitSignal(window.projects.project_opened, timeout=TIMEOUT):
        assert window.session.open_project(project)
    return window


def edit_budget(qtbot: QtBot, window: MainWindow, budget: float) -> None:
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        window.session.apply_edit(window.session.plan.with_policy(total_budget=budget), "Budget")
    assert window.isWindowModified()


def test_a_second_window_is_not_offered_the_first_ones_autosave_and_leaves_it(
    qtbot: QtBot, new_window: NewWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = Questions(monkeypatch)
    maker = load_sample(qtbot, new_window("maker.ini"))
    project = tmp_path / "budget.fulcrum"
    assert maker.session.save_to(project)
    assert maker.close()

    first = opened(qtbot, new_window, project, "first.ini")
    edit_budget(qtbot, first, 41_000_000)
    first.projects.autosave_timer.timeout.emit()  # the autosave timer fires
    mine = recovery_path(project, first.session.session_id)
    assert open_project(mine).plan.policy.total_budget == 41_000_000

    second = opened(qtbot, new_window, project, "second.ini")
    assert "Recover unsaved work" not in questions.titles
    assert not second.isWindowModified()
    edit_budget(qtbot, second, 43_500_000)
    second.projects.autosave_timer.timeout.emit()
    assert second.close()  # changes discarded
    assert open_project(mine).plan.policy.total_budget == 41_000_000  # the first window's, intact

    # The first window goes (a crash): the next window is asked about its work and the second's.
    release(first.session.session_id)
    os.utime(mine, (mine.stat().st_mtime - 60,) * 2)  # written a minute before the second's
    questions.restore = Button.Yes
    third = opened(qtbot, new_window, project, "third.ini")
    assert questions.titles.count("Recover unsaved work") == 1  # the newest (the second's) is restored
    assert third.session.plan.policy.total_budget == 43_500_000
    assert third.isWindowModified()
    assert mine.exists()  # offered at the next opening
