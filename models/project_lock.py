"""One window per project: ``NAME.fulcrum.lock``, held by an operating-system lock for the window's life.

The lock file is opened (created if need be) and locked exclusively with the
operating system's file lock (``flock`` on POSIX, ``msvcrt.locking`` on
Windows) without waiting: of any number of processes trying at once, exactly
one gets it; the others are told who holds it. The holder then writes who it
is into the file: process id, the process's start time, the host, a random
token and the time it took the lock. The operating system releases the lock
when the holder ends, even in a crash, so a crashed window never blocks.

The file's contents matter where the operating-system lock cannot tell, so a
lock that the operating system grants is still refused when its file names a
holder that is alive:

- on this host, a process with that id that started at the recorded time (a
  process id reused by an unrelated process does not count; a lock written
  without a start time counts while its process id is alive);
- on another host (on a network folder whose file server does not share
  locks), a holder whose lock file was refreshed less than
  :data:`OTHER_HOST_STALE_AFTER` ago (an hour). A window refreshes its lock
  at every autosave tick (every 30 seconds), so only a window whose machine
  has stopped or lost the folder for an hour loses its lock to another host.

On release the lock file is removed. No Qt here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any, Final

__all__ = [
    "OTHER_HOST_STALE_AFTER",
    "LockError",
    "ProjectLock",
    "host_key",
    "process_alive",
    "process_started",
]

#: How long a lock (or a leftover file) written from another host is honoured since it was last refreshed.
OTHER_HOST_STALE_AFTER: Final = dt.timedelta(hours=1)
#: Two start times of one process differ by less than this (clock rounding).
_START_TOLERANCE: Final = 1.0
#: Windows locks a byte range, and a locked range cannot be read by others: lock one byte past the text.
_WINDOWS_LOCK_OFFSET: Final = 1 << 20


class LockError(OSError):
    """The lock file cannot be made or locked (a read-only folder, a folder in its place)."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def process_started(pid: int) -> float | None:
    """When process ``pid`` of this host started (seconds since the epoch), or None if there is none."""
    import psutil  # imported when first needed: not at the window's start

    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.Error, OSError, ValueError):
        return None


def process_alive(pid: int, started: float | None) -> bool:
    """Whether process ``pid`` runs on this host (and, ``started`` given, is the one started then)."""
    if pid <= 0:
        return False
    actual = process_started(pid)
    if actual is None:
        import psutil

        return psutil.pid_exists(pid) and started is None
    return started is None or abs(actual - started) < _START_TOLERANCE


@functools.cache
def host_key() -> str:
    """A short name of this host, safe in a file name."""
    import hashlib

    return hashlib.sha256(socket.gethostname().encode("utf-8", "surrogatepass")).hexdigest()[:8]


class ProjectLock:
    """``NAME.fulcrum.lock`` while a project is open in a window (see the module's text)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.held = False
        self._handle: int | None = None
        self._token = ""

    @property
    def lock_path(self) -> Path:
        real = Path(os.path.realpath(self.path))
        return real.with_name(real.name + ".lock")

    # -- taking and giving back ----------------------------------------------------------

    def acquire(self) -> dict[str, Any] | None:
        """Take the lock; return who holds it if another window does (the lock is then not taken).

        Raises :class:`LockError` when the lock file cannot be made or locked.
        """
        if self.held:
            return None
        lock_path = self.lock_path
        for _attempt in range(20):
            handle = self._open(lock_path)
            try:
                locked = _try_lock(handle)
            except OSError as error:
                os.close(handle)
                raise LockError(
                    error.errno, f"{lock_path.name} cannot be locked ({error.strerror})"
                ) from None
            if not locked:
                info = _read(handle)
                os.close(handle)
                return info or {"pid": None, "host": None, "since": None}
            if not _names(lock_path, handle):
                # The holder released (and removed) the file between our opening and locking it.
                os.close(handle)
                continue
            info = _read(handle)
            if info is not None and _alive(info, lock_path):
                os.close(handle)
                return info
            try:
                self._write_own(handle)
            except OSError as error:
                os.close(handle)
                raise LockError(
                    error.errno, f"{lock_path.name} cannot be written ({error.strerror})"
                ) from None
            self._handle = handle
            self.held = True
            return None
        raise LockError(errno.EAGAIN, f"{lock_path.name} keeps changing; try again")

    def _open(self, lock_path: Path) -> int:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            return os.open(lock_path, flags, 0o666)
        except IsADirectoryError:
            raise LockError(errno.EISDIR, f"a folder named {lock_path.name} is in the lock's place") from None
        except OSError as error:
            if lock_path.is_dir():
                raise LockError(
                    errno.EISDIR, f"a folder named {lock_path.name} is in the lock's place"
                ) from None
            raise LockError(
                error.errno, f"{lock_path.name} cannot be made in {lock_path.parent} ({error.strerror})"
            ) from None

    def _write_own(self, handle: int) -> None:
        self._token = os.urandom(16).hex()
        info = {
            "application": "Fulcrum",
            "pid": os.getpid(),
            "started": process_started(os.getpid()),
            "host": socket.gethostname(),
            "token": self._token,
            "since": _now(),
        }
        data = json.dumps(info).encode("utf-8")
        os.lseek(handle, 0, os.SEEK_SET)
        os.ftruncate(handle, 0)
        os.write(handle, data)
        os.fsync(handle)

    def refresh(self) -> bool:
        """Mark the lock as still in use (for other hosts); False when it is no longer this window's."""
        if not self.held or self._handle is None:
            return False
        if not _names(self.lock_path, self._handle):
            return False
        info = _read(self._handle)
        if info is None or info.get("token") != self._token:
            return False
        with contextlib.suppress(OSError):
            os.utime(self.lock_path)
        return True

    def release(self) -> None:
        if not self.held or self._handle is None:
            return
        handle, self._handle, self.held = self._handle, None, False
        try:
            if _names(self.lock_path, handle):
                with contextlib.suppress(OSError):
                    self.lock_path.unlink()
        finally:
            with contextlib.suppress(OSError):
                _unlock(handle)
            os.close(handle)

    def holder(self) -> dict[str, Any] | None:
        """Who holds the lock (this process included), or None when it is free."""
        lock_path = self.lock_path
        if self.held:
            return {"pid": os.getpid(), "host": socket.gethostname(), "token": self._token}
        try:
            handle = os.open(lock_path, os.O_RDWR | getattr(os, "O_BINARY", 0))
        except OSError:
            return None
        try:
            info = _read(handle)
            try:
                free = _try_lock(handle)
            except OSError:
                free = True
            if not free:
                return info or {"pid": None, "host": None, "since": None}
            _unlock(handle)
            return info if info is not None and _alive(info, lock_path) else None
        finally:
            os.close(handle)

    def __enter__(self) -> ProjectLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.release()


def _alive(info: dict[str, Any], lock_path: Path) -> bool:
    """Whether the holder a lock file names (the operating-system lock being free) is still there."""
    host = info.get("host")
    if not isinstance(host, str):
        return False
    if host != socket.gethostname():
        try:
            age = time.time() - lock_path.stat().st_mtime
        except OSError:
            return False
        return age < OTHER_HOST_STALE_AFTER.total_seconds()
    pid = info.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid == os.getpid():
        return False
    started = info.get("started")
    return process_alive(pid, float(started) if isinstance(started, int | float) else None)


def _read(handle: int) -> dict[str, Any] | None:
    try:
        os.lseek(handle, 0, os.SEEK_SET)
        data = os.read(handle, 64 * 1024)
        info = json.loads(data.decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return info if isinstance(info, dict) else None


def _names(lock_path: Path, handle: int) -> bool:
    """Whether ``lock_path`` still names the file open as ``handle``."""
    try:
        on_disk = os.stat(lock_path)
    except OSError:
        return False
    mine = os.fstat(handle)
    return (on_disk.st_dev, on_disk.st_ino) == (mine.st_dev, mine.st_ino)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: int) -> bool:
        os.lseek(handle, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        except PermissionError:
            return False
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise
        return True

    def _unlock(handle: int) -> None:
        os.lseek(handle, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(handle, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: int) -> bool:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as error:
            if error.errno in (errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True

    def _unlock(handle: int) -> None:
        fcntl.flock(handle, fcntl.LOCK_UN)
