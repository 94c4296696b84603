"""One window per project: the lock is taken atomically, held for the window's life, and stale locks give way."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import psutil
import pytest

from models.project import LockError, ProjectLock
from models.project_lock import OTHER_HOST_STALE_AFTER

ROOT = Path(__file__).resolve().parents[2]

CONTENDERS = 12


def contend(paths: list[str], barrier: Barrier, answers: Any) -> None:
    """One window opening each of ``paths`` in turn, at the same instant as the others."""
    for path in paths:
        barrier.wait()  # the file is as the round needs it
        lock = ProjectLock(Path(path))
        answers.put((os.getpid(), lock.acquire() is None))
        barrier.wait()  # every window keeps what it got until all have answered
        lock.release()
        barrier.wait()


@pytest.mark.parametrize("start", ["no lock file", "a stale lock file"])
def test_of_many_windows_opening_at_once_exactly_one_holds_the_lock(tmp_path: Path, start: str) -> None:
    paths = [tmp_path / f"plan{round_}.fulcrum" for round_ in range(4)]
    context = multiprocessing.get_context("spawn")
    barrier, answers = context.Barrier(CONTENDERS + 1), context.Queue()
    processes = [
        context.Process(target=contend, args=([str(p) for p in paths], barrier, answers))
        for _ in range(CONTENDERS)
    ]
    for process in processes:
        process.start()
    try:
        for path in paths:
            if start == "a stale lock file":
                ProjectLock(path).lock_path.write_text(json.dumps(ended_holder()))
            barrier.wait(timeout=120)
            got = [answers.get(timeout=60) for _ in processes]
            holders = [pid for pid, took in got if took]
            assert len(holders) == 1, got
            assert json.loads(ProjectLock(path).lock_path.read_text())["pid"] == holders[0]
            barrier.wait(timeout=60)
            barrier.wait(timeout=60)
            assert not ProjectLock(path).lock_path.exists()  # released by its holder
    finally:
        barrier.abort()
        for process in processes:
            process.join(60)
            if process.is_alive():
                process.kill()


def ended_holder() -> dict[str, Any]:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    started = psutil.Process(child.pid).create_time() if psutil.pid_exists(child.pid) else time.time()
    child.wait()
    return {"pid": child.pid, "started": started, "host": socket.gethostname(), "since": "earlier"}


@pytest.fixture
def sleeper() -> Any:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield child
    child.kill()
    child.wait()


def test_a_second_window_is_told_who_holds_the_project_and_a_third_too(tmp_path: Path) -> None:
    path = tmp_path / "plan.fulcrum"
    first, second, third = ProjectLock(path), ProjectLock(path), ProjectLock(path)
    assert first.acquire() is None
    told = second.acquire()
    assert told is not None and told["pid"] == os.getpid() and told["host"] == socket.gethostname()
    assert not second.held
    assert third.acquire() is not None  # the second window held nothing, yet the third is told too
    first.release()
    assert third.acquire() is None


HOLDER = """
import sys, time
from pathlib import Path
from models.project import ProjectLock
lock = ProjectLock(Path(sys.argv[1]))
print("held" if lock.acquire() is None else "refused", flush=True)
time.sleep(60)
"""


def test_a_window_that_crashed_leaves_a_lock_that_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "plan.fulcrum"
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    try:
        assert child.stdout.readline().strip() == "held"
        told = ProjectLock(path).acquire()
        assert told is not None and told["pid"] == child.pid
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert ProjectLock(path).lock_path.exists()  # a crash leaves the file
    mine = ProjectLock(path)
    assert mine.acquire() is None
    assert json.loads(mine.lock_path.read_text())["pid"] == os.getpid()
    mine.release()


def test_a_lock_naming_a_process_id_now_used_by_an_unrelated_process_is_taken_over(
    tmp_path: Path, sleeper: Any
) -> None:
    path = tmp_path / "plan.fulcrum"
    started = psutil.Process(sleeper.pid).create_time()
    holder = {"pid": sleeper.pid, "host": socket.gethostname(), "since": "earlier"}
    ProjectLock(path).lock_path.write_text(json.dumps({**holder, "started": started - 3600}))
    mine = ProjectLock(path)
    assert mine.acquire() is None
    mine.release()
    # The very process that wrote it (its start time matches), or a lock without a start time: honoured.
    for written in ({**holder, "started": started}, holder):
        ProjectLock(path).lock_path.write_text(json.dumps(written))
        told = ProjectLock(path).acquire()
        assert told is not None and told["pid"] == sleeper.pid


def test_a_lock_from_another_host_is_honoured_until_it_is_an_hour_old(tmp_path: Path) -> None:
    path = tmp_path / "plan.fulcrum"
    lock_file = ProjectLock(path).lock_path
    lock_file.write_text(json.dumps({"pid": 4242, "host": "elsewhere.example", "since": "earlier"}))
    told = ProjectLock(path).acquire()
    assert told is not None and told["host"] == "elsewhere.example"
    almost = time.time() - OTHER_HOST_STALE_AFTER.total_seconds() + 120
    os.utime(lock_file, (almost, almost))
    assert ProjectLock(path).acquire() is not None
    old = time.time() - OTHER_HOST_STALE_AFTER.total_seconds() - 60
    os.utime(lock_file, (old, old))
    mine = ProjectLock(path)
    assert mine.acquire() is None
    assert json.loads(lock_file.read_text())["host"] == socket.gethostname()
    # The holder refreshes its lock; one taken over by another window is no longer its own.
    os.utime(lock_file, (old, old))
    assert mine.refresh()
    assert time.time() - lock_file.stat().st_mtime < 60
    lock_file.write_text(json.dumps({"pid": 4242, "host": "elsewhere.example", "token": "theirs"}))
    assert not mine.refresh()
    mine.release()


def test_a_folder_in_the_locks_place_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "plan.fulcrum"
    ProjectLock(path).lock_path.mkdir()
    with pytest.raises(LockError) as raised:
        ProjectLock(path).acquire()
    assert raised.value.strerror == "a folder named plan.fulcrum.lock is in the lock's place"


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="needs a folder this user cannot write"
)
def test_a_read_only_folder_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(LockError, match=r"plan\.fulcrum\.lock cannot be made in"):
            ProjectLock(folder / "plan.fulcrum").acquire()
    finally:
        folder.chmod(0o755)


def test_the_lock_of_a_project_reached_through_a_link_is_the_projects(tmp_path: Path) -> None:
    real = tmp_path / "real.fulcrum"
    link = tmp_path / "link.fulcrum"
    link.symlink_to(real)
    mine = ProjectLock(real)
    assert mine.acquire() is None
    assert ProjectLock(link).acquire() is not None
    mine.release()
