"""Recovery files: each window's unsaved work in a file of its own, and who wrote it.

A window (a session) writes its unsaved work of ``NAME.fulcrum`` to
``NAME.fulcrum.<session>.recovery`` (of a project never saved: to
``untitled.fulcrum.<session>.recovery`` in the application's data folder).
Beside it, ``NAME.fulcrum.<session>.recovery.owner`` says who writes it: the
session, the process id, the process's start time and the machine. The
start time tells a process that has ended, and whose id the system gave to
another, from the writer still running.

A recovery file is an *orphan* when its writer is gone: the process has
ended (a crash, a kill, a window closed with its changes discarded), or the
session closed in a process still running. Only orphans are offered back
and only orphans may be deleted by another window; the file of a window
still running is its own. A writer on another machine cannot be checked,
so its file counts as its writer's.

A ``NAME.fulcrum.recovery`` without a session (written by an earlier
Fulcrum) is an orphan while it is newer than the project.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

__all__ = [
    "OWNER_SUFFIX",
    "RECOVERY_SUFFIX",
    "Writer",
    "claim",
    "discard",
    "new_session_id",
    "orphans",
    "read_writer",
    "recovery_file",
    "release",
    "write_owner",
    "writer_alive",
]

RECOVERY_SUFFIX: Final = ".recovery"
OWNER_SUFFIX: Final = ".owner"
#: Two start times this close are the same process (the clock's rounding, not another process).
_SAME_START: Final = 0.5

#: The sessions of this process that are still open (their files are not orphans).
_OPEN: set[str] = set()


def new_session_id() -> str:
    """A name for one window's files, unique among windows past and present."""
    return os.urandom(8).hex()


def claim(session: str) -> None:
    """``session`` is open in this process: its recovery files are its own."""
    _OPEN.add(session)


def release(session: str) -> None:
    """``session`` has closed: what it leaves behind is an orphan."""
    _OPEN.discard(session)


def recovery_file(base: Path, session: str) -> Path:
    """Where ``session`` writes the unsaved work of the project ``base``."""
    return base.with_name(f"{base.name}.{session}{RECOVERY_SUFFIX}")


def _owner_file(recovery: Path) -> Path:
    return recovery.with_name(recovery.name + OWNER_SUFFIX)


@dataclass(frozen=True, slots=True)
class Writer:
    """Who writes a recovery file: a session of a process on a machine."""

    session: str
    pid: int
    #: The process's start time (seconds since the epoch), as the system reports it.
    started: float
    host: str

    @classmethod
    def this(cls, session: str) -> Writer:
        """``session`` of this process."""
        import psutil  # imported when first needed: not at the window's start

        return cls(session, os.getpid(), psutil.Process().create_time(), socket.gethostname())


def _start_time(pid: int) -> float | None:
    """When process ``pid`` started; None if there is no such process (or it has ended).

    Raises :class:`psutil.AccessDenied` when the system does not say.
    """
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None  # ended, not yet collected by its parent
        return process.create_time()
    except psutil.NoSuchProcess:
        return None


def write_owner(recovery: Path, session: str) -> None:
    """Say beside ``recovery`` that ``session`` of this process writes it (written whole or not at all)."""
    owner = _owner_file(recovery)
    temp = owner.with_name(f".{owner.name}.tmp")
    temp.write_text(json.dumps(asdict(Writer.this(session))), encoding="utf-8")
    os.replace(temp, owner)


def read_writer(recovery: Path) -> Writer | None:
    """Who wrote ``recovery``; None when that is not said (or cannot be read)."""
    try:
        data = json.loads(_owner_file(recovery).read_text(encoding="utf-8"))
        return Writer(str(data["session"]), int(data["pid"]), float(data["started"]), str(data["host"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def writer_alive(writer: Writer | None) -> bool:
    """Whether ``writer`` is still at work (a writer on another machine is taken to be)."""
    if writer is None:
        return False
    if writer.host != socket.gethostname():
        return True
    if writer.pid == os.getpid():
        return writer.session in _OPEN
    import psutil

    try:
        started = _start_time(writer.pid)
    except psutil.AccessDenied:
        return True  # a process of another user: it cannot be told apart, so it is left alone
    return started is not None and abs(started - writer.started) < _SAME_START


def orphans(base: Path, *, newer_than: float | None = None) -> list[Path]:
    """The recovery files of the project ``base`` whose writers are gone, the newest first.

    A file of an earlier Fulcrum (no session in its name) counts only when it
    was written after ``newer_than`` (the project's modification time).
    """
    legacy = base.name + RECOVERY_SUFFIX
    prefix = base.name + "."
    try:
        entries = list(base.parent.iterdir())
    except OSError:
        return []
    found: list[tuple[float, Path]] = []
    for path in entries:
        name = path.name
        if name == legacy:
            writer_gone = True
        elif name.startswith(prefix) and name.endswith(RECOVERY_SUFFIX):
            session = name[len(prefix) : -len(RECOVERY_SUFFIX)]
            if not session or "." in session:
                continue
            writer = read_writer(path)
            writer_gone = not writer_alive(writer) and (writer is None or writer.session == session)
        else:
            continue
        try:
            modified = path.stat().st_mtime
        except OSError:
            continue
        if name == legacy and newer_than is not None and modified <= newer_than:
            continue
        if writer_gone and path.is_file():
            found.append((modified, path))
    return [path for _modified, path in sorted(found, key=lambda item: item[0], reverse=True)]


def discard(recovery: Path) -> None:
    """Delete a recovery file, the note of its writer, and what a write cut short left beside it.

    Only for a file whose writer is gone or is the caller: a write under way
    is not told apart from one cut short.
    """
    unfinished = f".{recovery.name}-"
    try:
        strays = [p for p in recovery.parent.iterdir() if p.name.startswith(unfinished)]
    except OSError:
        strays = []
    owner = _owner_file(recovery)
    for path in (recovery, owner, owner.with_name(f".{owner.name}.tmp"), *strays):
        with contextlib.suppress(OSError):
            path.unlink()
