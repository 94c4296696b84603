"""Windows for the tests: settings of their own, and no question left waiting at the end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QThreadPool
from pytestqt.qtbot import QtBot

from models.workbook import read_plan
from tests.conftest import SAMPLE
from ui.main_window import MainWindow

TIMEOUT = 20_000
NewWindow = Callable[..., MainWindow]


@pytest.fixture
def new_window(qtbot: QtBot, tmp_path: Path) -> Iterator[NewWindow]:
    """Make windows with settings in ``tmp_path`` (``settings="name.ini"``) that close without asking."""

    def make(settings: str = "settings.ini") -> MainWindow:
        window = MainWindow(QSettings(str(tmp_path / settings), QSettings.Format.IniFormat))
        window.session.ask_unsaved = lambda: "discard"
        window.session.ask_restore = lambda: True
        qtbot.addWidget(window)
        return window

    yield make
    QThreadPool.globalInstance().waitForDone(TIMEOUT)


def load_sample(qtbot: QtBot, window: MainWindow, until: str = "solve_finished") -> MainWindow:
    """Show the sample plan in ``window`` and wait for its signal ``until``."""
    plan = read_plan(SAMPLE).plan
    assert plan is not None
    with qtbot.waitSignal(getattr(window, until), timeout=TIMEOUT):
        window.session.load(plan, None)
    return window


def drop_files(window: MainWindow, paths: list[Path]) -> None:
    """Drop files on the window, as from a file manager."""
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    event = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
