"""The one way the window runs long work: a task on the thread pool, reported by signals.

The task is a plain function of a ``progress(fraction, message)`` callback;
no Qt type reaches the core. Each :class:`Runner` runs jobs of one kind (a
solve, an import); a newer job makes an older one's result stale, and stale
results are dropped, never shown. :class:`QtExecutor` is the session's
executor on the thread pool: one runner per kind of work.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ui.events import Progress

__all__ = ["BUSY_KINDS", "QtExecutor", "Runner"]

T = TypeVar("T")


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


#: The kinds of work the window shows as "Working…" while they run.
BUSY_KINDS = ("solve", "import", "export", "resubmit", "open", "save")


class QtExecutor(QObject):
    """Runs a session's work on the thread pool: one :class:`Runner` per kind of work.

    ``done`` is called on the window's thread, for the latest job of its kind only.
    """

    progressed = Signal(float, str)
    failed = Signal(str, str)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self._runners: dict[str, Runner] = {}
        self._done: dict[str, Callable[[Any], None]] = {}

    @property
    def busy(self) -> bool:
        """Whether work of a kind the window shows as busy is running."""
        return any(self._runners[kind].busy for kind in BUSY_KINDS if kind in self._runners)

    def runner(self, kind: str) -> Runner:
        runner = self._runners.get(kind)
        if runner is None:
            runner = self._runners[kind] = Runner(self, self._pool)
            runner.progressed.connect(self.progressed)
            runner.busy_changed.connect(self.busy_changed)
            runner.failed.connect(self.failed)
            runner.finished.connect(lambda result, k=kind: self._on_runner_finished(k, result))
        return runner

    def submit(self, work: Callable[[Progress], T], done: Callable[[T], None], *, kind: str = "work") -> None:
        runner = self.runner(kind)
        self._done[kind] = done
        runner.start(work)

    def _on_runner_finished(self, kind: str, result: object) -> None:
        done = self._done.get(kind)
        if done is not None:
            done(result)
