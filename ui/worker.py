"""The one way the window runs long work: a task on the thread pool, reported by signals.

The task is a plain function of a ``progress(fraction, message)`` callback;
no Qt type reaches the core. Each :class:`Runner` runs jobs of one kind (a
solve, an import); a newer job makes an older one's result stale, and stale
results are dropped, never shown.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

__all__ = ["Progress", "Runner"]

Progress = Callable[[float, str], None]


class _Signals(QObject):
    progressed = Signal(int, float, str)
    finished = Signal(int, object)
    failed = Signal(int, str, str)


class _Task(QRunnable):
    def __init__(self, job: int, work: Callable[[Progress], Any], signals: _Signals) -> None:
        super().__init__()
        self.job = job
        self.work = work
        self.signals = signals

    def run(self) -> None:
        try:
            result = self.work(
                lambda fraction, message: self.signals.progressed.emit(self.job, fraction, message)
            )
        except Exception as error:  # reported to the window, which shows it
            self.signals.failed.emit(self.job, f"{type(error).__name__}: {error}", traceback.format_exc())
        else:
            self.signals.finished.emit(self.job, result)


class Runner(QObject):
    """Runs one kind of job; only the latest job's signals get through."""

    progressed = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str, str)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        self._latest = 0
        self._running = 0
        # No parent: a task still running when the runner goes (its window closed)
        # keeps the signals alive through its own reference and reports to no one.
        self._signals = _Signals()
        self._signals.progressed.connect(self._on_task_progressed)
        self._signals.finished.connect(self._on_task_finished)
        self._signals.failed.connect(self._on_task_failed)

    @property
    def busy(self) -> bool:
        return self._running > 0

    def start(self, work: Callable[[Progress], Any]) -> int:
        """Run ``work`` on the pool; any earlier job's result becomes stale."""
        self._latest += 1
        self._running += 1
        if self._running == 1:
            self.busy_changed.emit(True)
        self._pool.start(_Task(self._latest, work, self._signals))
        return self._latest

    def _done(self) -> None:
        self._running -= 1
        if self._running == 0:
            self.busy_changed.emit(False)

    def _on_task_progressed(self, job: int, fraction: float, message: str) -> None:
        if job == self._latest:
            self.progressed.emit(fraction, message)

    def _on_task_finished(self, job: int, result: object) -> None:
        self._done()
        if job == self._latest:
            self.finished.emit(result)

    def _on_task_failed(self, job: int, message: str, details: str) -> None:
        self._done()
        if job == self._latest:
            self.failed.emit(message, details)
