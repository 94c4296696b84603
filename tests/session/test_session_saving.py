"""Saving and opening a project off the window's thread, with no Qt.

The work waits in a :class:`Deferred` executor until the test runs it, as
on a busy thread pool, so a test can edit, save again or autosave while a
save is under way and see what the user would.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from models.domain import Plan
from models.project import open_project
from tests.conftest import SAMPLE
from tests.session.test_session import Deferred, Recorder
from ui.history import Command, History
from ui.session import MESSAGES, Answer, Session


class Asked:
    """The unsaved-changes question: each time it is asked, and the answer the test gives."""

    def __init__(self, session: Session, answer: Answer) -> None:
        self.times = 0
        self.answer = answer
        session.ask_unsaved = self

    def __call__(self) -> Answer:
        self.times += 1
        return self.answer


@pytest.fixture
def executor() -> Deferred:
    return Deferred()


@pytest.fixture
def session(tmp_path: Path, executor: Deferred) -> Session:
    made = Session(executor, untitled_recovery=tmp_path / "windows" / "untitled.fulcrum.recovery")
    made.ask_unsaved = lambda: "discard"
    made.open_workbook(SAMPLE, wait=True)
    return made


def budget(session: Session, amount: float) -> None:
    session.apply_edit(session.plan.with_policy(total_budget=amount), f"Budget {amount:,.0f}")


def saved_budget(path: Path) -> float:
    return open_project(path).plan.policy.total_budget


def jobs(executor: Deferred) -> list[str]:
    return [kind for kind, _work, _done in executor.jobs]


def test_an_edit_made_while_a_save_runs_stays_unsaved(
    session: Session, executor: Deferred, tmp_path: Path
) -> None:
    target = tmp_path / "budget.fulcrum"
    budget(session, 41_000_000)
    seen = Recorder(session)
    assert session.save_to(target)
    assert jobs(executor) == ["save"] and session.saving
    assert seen.args("message")[-1] == (MESSAGES["saving"].format(name="budget.fulcrum"),)
    assert not target.exists() and session.dirty  # nothing written yet, on the window's thread
    budget(session, 43_000_000)  # the user goes on working while it is written
    executor.run()
    assert saved_budget(target) == 41_000_000  # the state when Save was pressed
    assert session.dirty and not session.saving  # the edit made during the save is not saved
    assert session.title == "Fulcrum — budget.fulcrum"
    assert seen.args("project_saved") == [(str(target),)]
    session.undo()
    assert not session.dirty  # the state written is the one marked saved
    session.redo()
    assert session.dirty


def test_an_undo_and_another_edit_during_the_save_leave_no_state_marked_saved(
    session: Session, executor: Deferred, tmp_path: Path
) -> None:
    target = tmp_path / "budget.fulcrum"
    budget(session, 41_000_000)
    session.save_to(target)
    session.undo()
    budget(session, 39_000_000)  # the state being written is gone from the history
    executor.run()
    assert saved_budget(target) == 41_000_000
    assert session.dirty
    session.undo()
    assert session.dirty  # the plan as opened was never saved to this project either


def test_a_failed_save_says_why_and_leaves_the_mark(
    session: Session, executor: Deferred, tmp_path: Path
) -> None:
    target = tmp_path / "budget.fulcrum"
    session.save_to(target)
    executor.run()
    budget(session, 41_000_000)
    foreign = tmp_path / "ledger.fulcrum"
    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE ledger (x)")
    connection.commit()
    connection.close()
    before = foreign.read_bytes()
    seen = Recorder(session)
    assert session.save_to(foreign)  # under way: the file is checked off the window's thread
    executor.run()
    assert len(seen.args("error")) == 1 and "another program" in str(seen.args("error")[0][0])
    assert seen.args("project_saved") == []
    assert foreign.read_bytes() == before
    assert session.dirty and session.project_path == target and session.title == "Fulcrum — budget.fulcrum"
    session.undo()
    assert not session.dirty  # the mark is where the last good save put it
    assert not session.saving
    session.redo()
    session.save()  # and saving again works, where the project is
    executor.run()
    assert saved_budget(target) == 41_000_000 and not session.dirty


def test_a_second_save_waits_its_turn_and_saves_the_later_state(
    session: Session, executor: Deferred, tmp_path: Path
) -> None:
    target = tmp_path / "budget.fulcrum"
    budget(session, 41_000_000)
    session.save_to(target)
    budget(session, 43_000_000)
    assert session.save()  # Ctrl+S again while the first is written
    assert session.save()  # and again: one save waits, not two
    assert jobs(executor) == ["save"]  # never two saves at once
    executor.run()
    assert saved_budget(target) == 41_000_000 and session.dirty
    assert jobs(executor) == ["save"]  # the queued save starts once the first is done
    executor.run()
    assert saved_budget(target) == 43_000_000
    assert not session.dirty and not session.saving and executor.jobs == []


def test_a_save_on_this_thread_is_not_written_over_by_an_older_one_waiting(
    session: Session, executor: Deferred, tmp_path: Path
) -> None:
    target = tmp_path / "budget.fulcrum"
    session.save_to(target)
    executor.run()
    budget(session, 41_000_000)
    session.save()  # waits in the pool
    budget(session, 43_000_000)
    assert session.save(wait=True)  # the unsaved-changes question answered "Save", say
    assert saved_budget(target) == 43_000_000 and not session.dirty
    executor.run()  # the older save comes round: it neither writes nor moves the mark back
    assert saved_budget(target) == 43_000_000
    assert not session.dirty and not session.saving


def test_autosave_does_not_write_while_a_save_runs(
    session: Session, executor: Deferred, tmp_path: Path
) -> None:
    target = tmp_path / "budget.fulcrum"
    session.save_to(target)
    executor.run()
    budget(session, 41_000_000)
    recovery = session.autosave()
    assert recovery is not None
    session.save()
    budget(session, 43_000_000)
    assert session.autosave() is None  # the project's save runs
    assert saved_budget(recovery) == 41_000_000
    executor.run()
    # The edit made during the save is not saved: the recovery file is not deleted under it.
    assert recovery.exists() and session.dirty
    assert session.autosave() == recovery
    assert saved_budget(recovery) == 43_000_000


def test_open_asks_only_once_the_project_is_read_and_cancel_leaves_everything(
    session: Session, executor: Deferred, tmp_path: Path
) -> None:
    other = Session(untitled_recovery=tmp_path / "other" / "untitled.fulcrum.recovery")
    other.open_workbook(SAMPLE, wait=True)
    budget(other, 30_000_000)
    target = tmp_path / "other.fulcrum"
    assert other.save_to(target)
    other.close()
    budget(session, 41_000_000)
    plan, history = session.plan, len(session.history)
    asked = Asked(session, "cancel")
    seen = Recorder(session)
    assert session.open_project(target)
    assert jobs(executor) == ["open"]
    assert asked.times == 0  # not while it is read: the user works on meanwhile
    assert seen.args("message") == [(MESSAGES["opening"].format(name="other.fulcrum"),)]
    executor.run()
    assert asked.times == 1
    assert seen.args("message")[-1] == (MESSAGES["not_opened"].format(name="other.fulcrum"),)
    assert session.plan == plan and session.dirty and len(session.history) == history
    assert session.project_path is None and session.lock is None
    assert seen.args("project_opened") == []
    asked.answer = "discard"
    session.open_project(target)
    executor.run()
    assert asked.times == 2
    assert session.plan.policy.total_budget == 30_000_000
    assert not session.dirty and session.project_path == target
    assert session.title == "Fulcrum — other.fulcrum"


def test_an_unreadable_project_asks_nothing_changes_nothing_and_says_why(
    session: Session, executor: Deferred, tmp_path: Path
) -> None:
    budget(session, 41_000_000)
    bogus = tmp_path / "notes.fulcrum"
    bogus.write_text("shopping list")
    plan = session.plan
    asked = Asked(session, "discard")
    seen = Recorder(session)
    session.open_project(bogus)
    executor.run()
    assert asked.times == 0
    assert len(seen.args("error")) == 1 and "not a SQLite database" in str(seen.args("error")[0][0])
    assert seen.args("message")[-1] == (MESSAGES["not_opened"].format(name="notes.fulcrum"),)
    assert session.plan == plan and session.dirty and session.project_path is None
    assert bogus.read_text() == "shopping list"
    assert not session.open_project(bogus, wait=True)  # on this thread: the answer at once


def test_a_history_position_survives_undo_but_not_replacement() -> None:
    history = History()
    one, two, three = (Command(Plan(()), Plan(()), text) for text in ("one", "two", "three"))
    history.push(one)
    history.push(two)
    at = history.position()
    history.undo()
    assert history.holds(at)
    history.set_clean_at(at)
    assert not history.clean
    history.redo()
    assert history.clean
    history.undo()
    history.push(three)
    assert not history.holds(at)
    history.set_clean_at(at)
    assert history.clean_index is None
    history.clear()
    assert history.holds(history.position())
    assert not history.holds(at)  # another plan loaded: the state saved before is not in this history
