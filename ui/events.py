"""Plain events and the executor interface: how the session talks to the window, without Qt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec, Protocol, TypeVar

__all__ = ["Event", "Executor", "Progress", "SyncExecutor"]

P = ParamSpec("P")
T = TypeVar("T")
Progress = Callable[[float, str], None]


class Event(Generic[P]):
    """A list of plain callbacks, called in the order they were connected."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[P, None]] = []

    def connect(self, callback: Callable[P, None]) -> None:
        self._callbacks.append(callback)

    def emit(self, *args: P.args, **kwargs: P.kwargs) -> None:
        for callback in list(self._callbacks):
            callback(*args, **kwargs)


class Executor(Protocol):
    """Runs long work and hands its result to ``done`` (on the session's thread).

    ``kind`` names the kind of work ("solve", "import", "export", "insight",
    "frontier", "work"); an executor may drop a result that a newer job of the
    same kind has made stale. A failure is the executor's to report.
    """

    def submit(self, work: Callable[[Progress], T], done: Callable[[T], None], *, kind: str = "work") -> None:
        """Run ``work(progress)``, then ``done(result)``."""


class SyncExecutor:
    """Runs work at once, on the caller's thread (tests and start-up); a failure is raised."""

    def submit(self, work: Callable[[Progress], T], done: Callable[[T], None], *, kind: str = "work") -> None:
        done(work(lambda _fraction, _message: None))
