"""Two windows (two processes) on one project, one killed mid-autosave, again and again.

Each window autosaves without pause, so a kill lands inside a write. After
each kill the running window's recovery file is whole and its own, and the
next opening of the project is offered the killed window's work (a whole
version of it) and nothing else.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from models.project import open_project
from models.recovery import orphans
from tests.conftest import ROOT, SAMPLE
from ui.events import SyncExecutor
from ui.session import Session, recovery_path

#: A window that opens the project and autosaves a new budget (BASE + n) without pause.
WINDOW = """
import sys
from pathlib import Path
from ui.events import SyncExecutor
from ui.session import Session

project, app, base = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
session = Session(SyncExecutor(), untitled_recovery=app / "untitled.fulcrum.recovery")
session.ask_restore = lambda: print("offered", flush=True) is None and False
assert session.open_project(project)
n = 0
while True:
    n += 1
    session.apply_edit(session.plan.with_policy(total_budget=base + n), "Budget")
    assert session.autosave() is not None
    if n == 1:
        print("ready", session.session_id, flush=True)
"""

KILLED_BASE = 41_000_000
RUNNING_BASE = 45_000_000
ROUNDS = 5


def start_window(project: Path, app: Path, base: int) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen(
        [sys.executable, "-c", WINDOW, str(project), str(app), str(base)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline().split()
    assert line[:1] == ["ready"], line  # offered nothing: no window had gone yet, or it was handled
    return child, line[1]


def budget(recovery: Path) -> float:
    value = open_project(recovery).plan.policy.total_budget
    assert value is not None
    return value


def test_a_window_killed_mid_autosave_leaves_the_other_intact_and_its_work_offered(tmp_path: Path) -> None:
    maker = Session(SyncExecutor(), untitled_recovery=tmp_path / "app" / "untitled.fulcrum.recovery")
    maker.open_workbook(SAMPLE)
    project = tmp_path / "budget.fulcrum"
    assert maker.save_to(project)
    assert maker.close()
    app = tmp_path / "app"
    running, running_id = start_window(project, app, RUNNING_BASE)
    rng = random.Random(7)
    try:
        for round_ in range(ROUNDS):
            killed, killed_id = start_window(project, app, KILLED_BASE)
            time.sleep(rng.uniform(0.0, 0.15))
            killed.send_signal(signal.SIGKILL)
            killed.wait()
            assert killed.stdout is not None
            killed.stdout.close()

            # The running window's file: whole, its own, untouched by the kill.
            mine = recovery_path(project, running_id)
            assert RUNNING_BASE < budget(mine) < KILLED_BASE + RUNNING_BASE
            # The killed window's work is the one orphan, a whole version of it.
            theirs = recovery_path(project, killed_id)
            assert orphans(project) == [theirs]
            recovered = budget(theirs)
            assert KILLED_BASE < recovered < RUNNING_BASE

            # The next opening is offered it, and only it.
            restore = round_ == ROUNDS - 1
            offered: list[bool] = []
            reopened = Session(SyncExecutor(), untitled_recovery=app / "untitled.fulcrum.recovery")
            reopened.ask_restore = lambda seen=offered, answer=restore: seen.append(answer) is None and answer
            reopened.ask_unsaved = lambda: "discard"
            assert reopened.open_project(project)
            assert offered == [restore]
            if restore:
                assert reopened.plan.policy.total_budget == recovered
                assert reopened.dirty
            else:
                assert not theirs.exists()  # refused: the killed window's work goes, and its unfinished write
                assert not [p for p in tmp_path.iterdir() if p.name.startswith(f".{theirs.name}")]
                assert reopened.plan == open_project(project).plan
            assert mine.exists() and budget(mine) > RUNNING_BASE
            assert reopened.close()
    finally:
        running.kill()
        running.wait()
        assert running.stdout is not None
        running.stdout.close()
