"""Saving and opening a project from the window: the work runs off its thread, with progress shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from models.project import open_project
from models.scenarios import add_scenario
from tests.ui.conftest import TIMEOUT, NewWindow, load_sample
from ui.main_window import MainWindow


@pytest.fixture
def window(qtbot: QtBot, new_window: NewWindow) -> MainWindow:
    return load_sample(qtbot, new_window())


def shown_progress(window: MainWindow) -> list[str]:
    """Every text the progress bar is given from now on."""
    texts: list[str] = []
    window.executor.progressed.connect(lambda _fraction, text: texts.append(text))
    return texts


def status_texts(window: MainWindow) -> list[str]:
    """Every text the session gives the status line from now on."""
    texts: list[str] = []
    window.session.message.connect(texts.append)
    return texts


def set_budget(window: MainWindow, amount: float) -> None:
    window.session.apply_edit(window.session.plan.with_policy(total_budget=amount), "Budget")


def test_save_shows_progress_and_an_edit_made_meanwhile_stays_unsaved(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    target = tmp_path / "budget.fulcrum"
    with qtbot.waitSignal(window.projects.project_saved, timeout=TIMEOUT):
        window.session.save_to(target)
    set_budget(window, 41_000_000)
    assert window.isWindowModified()
    progress, statuses = shown_progress(window), status_texts(window)
    save = window.projects.save_action
    assert save.shortcut() == QKeySequence(QKeySequence.StandardKey.Save)  # Ctrl+S
    with qtbot.waitSignal(window.projects.project_saved, timeout=TIMEOUT) as saved:
        save.trigger()
        # The window's thread is free: the status says what runs, and the user keeps working.
        assert window.status_label.text() == "Saving budget.fulcrum…"
        assert window.progress.format() == "Working…"
        assert window.isWindowModified()
        set_budget(window, 43_000_000)
    assert saved.args == [str(target)]
    assert "Saving budget.fulcrum…" in progress
    assert "Saved budget.fulcrum" in statuses
    assert window.windowTitle() == "Fulcrum — budget.fulcrum[*]"
    assert open_project(target).plan.policy.total_budget == 41_000_000
    assert window.isWindowModified()  # the edit made during the save is not saved
    window.undo_action.trigger()
    assert not window.isWindowModified()  # the state written is the one marked saved
    qtbot.waitUntil(lambda: window.progress.format() == "Ready", timeout=TIMEOUT)


def test_open_project_shows_progress_and_opens_with_its_title(
    qtbot: QtBot,
    window: MainWindow,
    new_window: NewWindow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "budget.fulcrum"
    set_budget(window, 41_000_000)
    with qtbot.waitSignal(window.projects.project_saved, timeout=TIMEOUT):
        window.session.save_to(target)
    assert window.close()
    opening = new_window("opening.ini")
    before = opening.session.plan
    progress = shown_progress(opening)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(target), ""))
    with qtbot.waitSignal(opening.projects.project_opened, timeout=TIMEOUT):
        opening.projects.open_project_action.trigger()
        assert opening.status_label.text() == "Opening budget.fulcrum…"
        assert opening.progress.format() == "Working…"
        assert opening.session.plan == before  # nothing changes until it is read
    assert "Opening budget.fulcrum…" in progress
    assert opening.windowTitle() == "Fulcrum — budget.fulcrum[*]"
    assert not opening.isWindowModified()
    assert opening.session.plan.policy.total_budget == 41_000_000


def test_closing_during_a_save_waits_for_it_and_the_file_is_whole(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    session = window.session
    project = session.project
    for n in range(60):
        project = add_scenario(
            project, f"Scenario {n}", session.plan.with_policy(total_budget=30e6 + n), None
        )
    session.change_project(lambda _p: project, "Many scenarios")
    asked: list[str] = []
    session.ask_unsaved = lambda: asked.append("asked") or "discard"
    target = tmp_path / "budget.fulcrum"
    window.show()
    session.save_to(target)
    assert session.saving  # still being written when the window is closed
    assert window.close()
    assert not session.saving
    assert asked == []  # the save finished first: nothing was unsaved, nothing lost
    saved = open_project(target)
    assert saved.plan == session.plan
    assert saved.scenarios == project.scenarios
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("budget")) == ["budget.fulcrum"]
