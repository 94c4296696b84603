"""A window opening a project another window holds: read-only, told so, and never saving over it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.project import ProjectLock, open_project
from tests.conftest import ROOT, SAMPLE
from tests.session.test_session import Recorder
from ui.events import SyncExecutor
from ui.session import MESSAGES, Session, recovery_path

HOLDER = """
import sys, time
from pathlib import Path
from models.project import ProjectLock
lock = ProjectLock(Path(sys.argv[1]))
print("held" if lock.acquire() is None else "refused", flush=True)
time.sleep(60)
"""


def new_session(tmp_path: Path, name: str) -> Session:
    made = Session(SyncExecutor(), untitled_recovery=tmp_path / name / "untitled.fulcrum.recovery")
    made.ask_unsaved = lambda: "discard"
    return made


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    first = new_session(tmp_path, "first")
    first.open_workbook(SAMPLE)
    first.save_plan_as_scenario("Base")
    target = tmp_path / "budget.fulcrum"
    assert first.save_to(target)
    first.close()
    return target


@pytest.fixture
def held(saved: Path) -> Iterator[subprocess.Popen[str]]:
    """Another Fulcrum process holding the project."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(saved)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "held"
    yield child
    child.kill()
    child.wait()
    child.stdout.close()


def test_a_project_held_elsewhere_opens_read_only_and_is_never_saved_over(
    tmp_path: Path, saved: Path, held: subprocess.Popen[str]
) -> None:
    content = saved.read_bytes()
    second = new_session(tmp_path, "second")
    events = Recorder(second)
    assert second.open_project(saved)
    (warning,) = events.args("already_open")
    assert str(warning[0]).startswith(
        f"budget.fulcrum is open in another Fulcrum window (process {held.pid} on "
    )
    assert "It is open read-only here: use Save as to keep changes under another name." in str(warning[0])
    second.save_plan_as_scenario("Mine")
    # Its unsaved work goes to a recovery file of its own, never the holder's.
    assert second.autosave() == recovery_path(saved, second.session_id)
    assert not second.save()
    assert str(events.args("error")[-1][0]).startswith(
        f"budget.fulcrum is open in another Fulcrum window (process {held.pid} on "
    )
    assert saved.read_bytes() == content
    # A third window is told too, though the second holds nothing.
    third = new_session(tmp_path, "third")
    told = Recorder(third)
    assert third.open_project(saved)
    assert told.args("already_open")
    # Saved under another name, the work is kept and that project is this window's.
    other = tmp_path / "mine.fulcrum"
    assert second.save_to(other)
    assert [s.name for s in open_project(other).scenarios] == ["Base", "Mine"]
    assert ProjectLock(other).holder() is not None
    assert saved.read_bytes() == content
    # Once the holder has gone, the project can be saved where it is.
    held.kill()
    held.wait()
    assert third.save_to(saved)


def test_a_folder_in_the_locks_place_opens_read_only_with_a_message(tmp_path: Path, saved: Path) -> None:
    saved.with_name("budget.fulcrum.lock").mkdir()
    content = saved.read_bytes()
    session = new_session(tmp_path, "window")
    events = Recorder(session)
    assert session.open_project(saved)
    assert events.args("already_open") == [
        (
            MESSAGES["not_locked"].format(
                name="budget.fulcrum", reason="a folder named budget.fulcrum.lock is in the lock's place"
            ),
        )
    ]
    session.save_plan_as_scenario("Mine")
    assert not session.save()
    assert events.args("error")[-1] == (
        "budget.fulcrum cannot be saved: a folder named budget.fulcrum.lock is in the lock's place",
    )
    assert saved.read_bytes() == content


def test_a_window_holds_its_project_until_it_closes(tmp_path: Path, saved: Path) -> None:
    session = new_session(tmp_path, "window")
    assert session.open_project(saved)
    assert ProjectLock(saved).acquire() is not None
    session.save_plan_as_scenario("Again")
    assert session.save()
    assert session.close()
    mine = ProjectLock(saved)
    assert mine.acquire() is None
    mine.release()


def test_the_command_line_refuses_a_change_it_cannot_lock(tmp_path: Path, saved: Path) -> None:
    saved.with_name("budget.fulcrum.lock").mkdir()
    content = saved.read_bytes()
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "project", str(saved), "--replace", str(SAMPLE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith(
        "budget.fulcrum cannot be locked for the change: a folder named budget.fulcrum.lock is in the lock's place"
    )
    assert "Traceback" not in done.stderr
    assert saved.read_bytes() == content
