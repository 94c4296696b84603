"""Each window's recovery file is its own: offered only when its writer is gone, never deleted by another.

Windows here are sessions of this process; a window "gone" is a session
released (as closing does), or a writer noted with a process that has
ended. The same with real processes killed mid-autosave is in
``test_recovery_processes.py``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from models.domain import Plan
from models.project import Project, open_project, save_project, save_recovery
from models.recovery import Writer, orphans, read_writer, release, writer_alive
from tests.conftest import SAMPLE
from ui.events import SyncExecutor
from ui.session import MESSAGES, Session, recovery_path


def window(tmp_path: Path, *, restore: bool = True) -> tuple[Session, list[Path]]:
    """A session as a window makes it, recording every recovery it is asked about."""
    made = Session(SyncExecutor(), untitled_recovery=tmp_path / "app" / "untitled.fulcrum.recovery")
    made.ask_unsaved = lambda: "discard"
    offered: list[Path] = []
    made.ask_restore = lambda: offered.append(Path()) is None and restore
    return made, offered


def edited(session: Session, budget: float) -> None:
    session.apply_edit(session.plan.with_policy(total_budget=budget), f"Budget {budget:,.0f}")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    maker, _ = window(tmp_path)
    maker.open_workbook(SAMPLE)
    target = tmp_path / "budget.fulcrum"
    assert maker.save_to(target)
    assert maker.close()
    return target


def budget_in(recovery: Path) -> float | None:
    return open_project(recovery).plan.policy.total_budget


def test_two_windows_of_one_project_write_files_of_their_own(project: Path, tmp_path: Path) -> None:
    first, _ = window(tmp_path)
    second, offered = window(tmp_path, restore=False)
    assert first.open_project(project)
    edited(first, 41_000_000)
    mine = first.autosave()
    assert mine == recovery_path(project, first.session_id)
    assert second.open_project(project)
    # The first window is running: its autosave is not "crash recovery" for the second, and survives.
    assert offered == []
    assert mine.exists() and budget_in(mine) == 41_000_000
    assert not second.dirty
    edited(second, 43_500_000)
    theirs = second.autosave()
    assert theirs is not None and theirs != mine
    assert budget_in(mine) == 41_000_000 and budget_in(theirs) == 43_500_000
    # The second holds no lock (the first does): Save is refused, Save as works; then it closes,
    # and only its own file goes.
    assert not second.save()
    assert second.save_to(tmp_path / "second copy.fulcrum")
    assert second.close()
    assert not theirs.exists()
    assert mine.exists() and budget_in(mine) == 41_000_000
    # Nor does a third window refusing an offer delete a running window's file.
    third, offered = window(tmp_path, restore=False)
    assert third.open_project(project)
    assert offered == [] and mine.exists()


def test_two_untitled_windows_keep_apart_and_a_clean_close_deletes_only_its_own(tmp_path: Path) -> None:
    first, _ = window(tmp_path)
    second, _ = window(tmp_path)
    for session, budget in ((first, 41_000_000), (second, 43_500_000)):
        session.open_workbook(SAMPLE)
        edited(session, budget)
    mine, theirs = first.autosave(), second.autosave()
    assert mine is not None and theirs is not None and mine != theirs
    assert mine.parent == theirs.parent == tmp_path / "app"
    assert budget_in(mine) == 41_000_000 and budget_in(theirs) == 43_500_000
    second.undo()  # back to the plan as opened: nothing unsaved
    assert not second.dirty
    assert second.close()
    assert not theirs.exists()
    assert mine.exists() and budget_in(mine) == 41_000_000


def test_the_work_of_a_window_gone_is_offered_the_newest_first_and_a_refusal_deletes_it(
    project: Path, tmp_path: Path
) -> None:
    written: list[Path] = []
    crashed_windows = [window(tmp_path)[0] for _ in range(2)]
    for crashed in crashed_windows:
        assert crashed.open_project(project)  # both open before either writes
    for crashed, budget in zip(crashed_windows, (41_000_000, 43_500_000), strict=True):
        edited(crashed, budget)
        recovery = crashed.autosave()
        assert recovery is not None
        written.append(recovery)
        os.utime(recovery, (1_000 + budget / 1e6, 1_000 + budget / 1e6))  # the second is the newer
        release(crashed.session_id)  # the window is gone, its work not saved
    assert orphans(project) == written[::-1]
    # The newest is offered first; restored, the offers end (the older one waits for the next opening).
    reopened, offered = window(tmp_path)
    events: list[str] = []
    reopened.message.connect(events.append)
    assert reopened.open_project(project)
    assert len(offered) == 1
    assert reopened.plan.policy.total_budget == 43_500_000
    assert reopened.dirty and events[-1] == MESSAGES["restored"]
    assert all(path.exists() for path in written)  # kept until the restored work is safe elsewhere
    assert reopened.autosave() is not None
    assert not written[1].exists()  # in this window's own file now
    assert written[0].exists()
    release(reopened.session_id)
    # Refused, a file of a window gone is deleted.
    refusing, offered = window(tmp_path, restore=False)
    refusing.open_project(project)
    assert len(offered) == 2  # this window's (gone too) and the older one
    assert orphans(project) == []
    assert not refusing.dirty


def test_restored_work_once_saved_leaves_no_recovery(project: Path, tmp_path: Path) -> None:
    crashed, _ = window(tmp_path)
    assert crashed.open_project(project)
    edited(crashed, 41_000_000)
    recovery = crashed.autosave()
    assert recovery is not None
    release(crashed.session_id)  # the window is gone, and with it the lock it held
    assert crashed.lock is not None
    crashed.lock.release()
    reopened, offered = window(tmp_path)
    assert reopened.open_project(project)
    assert len(offered) == 1
    assert reopened.save()
    assert not recovery.exists()
    assert open_project(project).plan.policy.total_budget == 41_000_000
    assert orphans(project) == []


def test_untitled_work_of_a_window_gone_is_offered_at_start(tmp_path: Path) -> None:
    crashed, _ = window(tmp_path)
    crashed.open_workbook(SAMPLE)
    edited(crashed, 41_000_000)
    assert crashed.autosave() is not None
    running, _ = window(tmp_path)
    running.open_workbook(SAMPLE)
    edited(running, 43_000_000)
    assert running.autosave() is not None
    release(crashed.session_id)
    started, offered = window(tmp_path)
    started.open_workbook(SAMPLE)
    assert started.recover()
    assert len(offered) == 1  # the running window's work is not offered
    assert started.plan.policy.total_budget == 41_000_000


def test_a_writer_is_gone_when_its_process_has_ended_even_if_its_id_was_reused(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        started = psutil.Process(child.pid).create_time()
        host = socket.gethostname()
        assert writer_alive(Writer("s1", child.pid, started, host))
        # The same process id with another start time: another process took the id.
        assert not writer_alive(Writer("s1", child.pid, started - 3600, host))
        assert writer_alive(Writer("s1", child.pid, started, "another-machine"))  # cannot be checked
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait()
    assert not writer_alive(Writer("s1", child.pid, started, socket.gethostname()))
    assert not writer_alive(None)
    # A recovery file noted with that writer is an orphan; one with no note of an earlier Fulcrum too.
    project = save_project(tmp_path / "p.fulcrum", Project(Plan(())))
    noted = recovery_path(project, "s1")
    save_recovery(noted, Project(Plan(())))
    noted.with_name(noted.name + ".owner").write_text(
        json.dumps({"session": "s1", "pid": child.pid, "started": started, "host": socket.gethostname()})
    )
    assert read_writer(noted) == Writer("s1", child.pid, started, socket.gethostname())
    legacy = save_recovery(project.with_name(project.name + ".recovery"), Project(Plan(())))
    os.utime(legacy, (project.stat().st_mtime + 5,) * 2)
    os.utime(noted, (project.stat().st_mtime + 1,) * 2)
    assert orphans(project, newer_than=project.stat().st_mtime) == [legacy, noted]
    os.utime(legacy, (project.stat().st_mtime - 5,) * 2)  # older than the project: already saved
    assert orphans(project, newer_than=project.stat().st_mtime) == [noted]


def test_a_note_of_its_writer_cut_short_is_discarded_with_the_work(tmp_path: Path) -> None:
    from models.recovery import discard

    recovery = tmp_path / "budget.fulcrum.abc.recovery"
    recovery.write_text("work")
    note = tmp_path / "budget.fulcrum.abc.recovery.owner"
    note.write_text("{}")
    cut_short = tmp_path / ".budget.fulcrum.abc.recovery.owner.tmp"  # a writer killed while writing its note
    cut_short.write_text("{")
    discard(recovery)
    assert list(tmp_path.iterdir()) == []
