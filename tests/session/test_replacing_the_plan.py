"""Replacing the plan with unsaved changes: asked first; a workbook opened is one undoable step.

Driven as the window drives the session, with no Qt; the answers to the
unsaved-changes question ("save", "discard", "cancel") are given by the test.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from models.domain import Plan
from models.mapping import NOT_USED, ImportMapping
from models.project import open_project
from tests.conftest import SAMPLE, write_book
from ui.events import SyncExecutor
from ui.import_state import ImportState
from ui.session import MESSAGES, Answer, Session

OTHER = [["Line", "Function", "Current"], ["Payroll", "HR", 100], ["Servers", "IT", 200]]
TWO_CURRENTS = [
    ["Line", "Function", "Actual", "Budget"],
    ["Payroll", "HR", 100, 110],
    ["Servers", "IT", 200, 220],
]


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
def session(tmp_path: Path) -> Session:
    made = Session(SyncExecutor(), untitled_recovery=tmp_path / "app" / "untitled.fulcrum.recovery")
    made.open_workbook(SAMPLE)
    return made


@pytest.fixture
def other_book(tmp_path: Path) -> Path:
    return write_book(tmp_path / "other.xlsx", {"Budget": OTHER})


def with_it_floor(session: Session) -> Plan:
    """Raise the floor of the first IT line, as a user editing the Budget table."""
    plan = session.plan
    at = next(i for i, line in enumerate(plan.lines) if line.function == "IT")
    lines = list(plan.lines)
    lines[at] = replace(lines[at], floor=lines[at].current)
    edited = replace(plan, lines=tuple(lines))
    session.apply_edit(edited, f"Set floor of {lines[at].name}")
    assert session.dirty
    return edited


def messages(session: Session) -> list[str]:
    seen: list[str] = []
    session.message.connect(seen.append)
    return seen


def test_the_first_workbook_of_a_fresh_window_asks_nothing_and_is_not_unsaved(tmp_path: Path) -> None:
    fresh = Session(SyncExecutor(), untitled_recovery=tmp_path / "untitled.fulcrum.recovery")
    asked = Asked(fresh, "cancel")
    fresh.open_workbook(SAMPLE)
    assert asked.times == 0
    assert len(fresh.plan.lines) == 57
    assert not fresh.dirty and len(fresh.history) == 0


def test_opening_a_workbook_over_changed_floors_asks_and_cancel_keeps_everything(
    session: Session, other_book: Path
) -> None:
    edited = with_it_floor(session)
    asked = Asked(session, "cancel")
    seen = messages(session)
    session.open_workbook(other_book)
    assert asked.times == 1
    assert session.plan == edited
    assert session.dirty
    assert session.history.undo_text.startswith("Set floor of")
    assert session.path == SAMPLE
    assert seen[-1] == MESSAGES["not_opened"].format(name="other.xlsx")


def test_discarding_loads_the_workbook_as_one_undoable_step_and_it_stays_unsaved(
    session: Session, other_book: Path
) -> None:
    edited = with_it_floor(session)
    asked = Asked(session, "discard")
    dirty: list[bool] = []
    session.dirty_changed.connect(dirty.append)
    session.open_workbook(other_book)
    assert asked.times == 1
    assert [line.name for line in session.plan.lines] == ["Payroll", "Servers"]
    assert session.path == other_book
    assert session.title == "Fulcrum — other.xlsx"
    assert session.dirty and dirty == []  # unsaved before, unsaved still
    assert session.history.undo_text == "Open other.xlsx"
    assert len(session.history) == 2
    # Nothing is lost: autosave writes it, closing asks about it, undo brings the floors back.
    assert session.autosave() is not None
    session.undo()
    assert session.plan == edited
    assert session.dirty
    assert session.path == SAMPLE and session.title == "Fulcrum — sample_plan.xlsx"
    session.redo()
    assert [line.name for line in session.plan.lines] == ["Payroll", "Servers"]
    assert session.path == other_book and session.title == "Fulcrum — other.xlsx"
    asked.answer = "cancel"
    assert not session.close()  # closing asks about it
    assert asked.times == 2


def test_saving_first_keeps_the_floors_in_the_project_then_loads(
    session: Session, other_book: Path, tmp_path: Path
) -> None:
    target = tmp_path / "plan.fulcrum"
    assert session.save_to(target)
    edited = with_it_floor(session)
    Asked(session, "save")
    session.open_workbook(other_book)
    assert open_project(target).plan == edited  # saved before the plan was replaced
    assert [line.name for line in session.plan.lines] == ["Payroll", "Servers"]
    assert session.dirty  # the project's plan is replaced but not saved
    session.undo()
    assert session.plan == edited
    assert not session.dirty  # back at the state saved


def test_a_save_that_is_not_made_does_not_replace_the_plan(session: Session, other_book: Path) -> None:
    edited = with_it_floor(session)
    Asked(session, "save")
    session.ask_save_path = lambda: None  # the save dialog cancelled
    session.open_workbook(other_book)
    assert session.plan == edited and session.dirty


def test_an_invalid_workbook_asks_nothing(session: Session, tmp_path: Path) -> None:
    edited = with_it_floor(session)
    asked = Asked(session, "cancel")
    bad = write_book(
        tmp_path / "bad.xlsx", {"Budget": [["Line", "Function", "Current"], ["Payroll", "HR", "TBD"]]}
    )
    session.open_workbook(bad)
    assert asked.times == 0
    assert session.plan == edited and session.dirty


def test_accepting_the_import_preview_asks_and_cancel_keeps_the_plan_and_the_choices(
    session: Session, tmp_path: Path
) -> None:
    edited = with_it_floor(session)
    shown: list[ImportState] = []
    session.ask_preview = shown.append
    path = write_book(tmp_path / "two.xlsx", {"Budget": TWO_CURRENTS})
    session.preview_workbook(path)
    shown[0].set_role("Budget", "Actual", NOT_USED)
    asked = Asked(session, "cancel")
    seen = messages(session)
    assert not session.accept_import(shown[0])
    assert asked.times == 1
    assert session.plan == edited and session.dirty
    assert session.mapping == ImportMapping()
    assert seen[-1] == MESSAGES["not_opened"].format(name="two.xlsx")
    # Accepted with "discard": loaded as one undoable step, the choices kept.
    asked.answer = "discard"
    assert session.accept_import(shown[0])
    assert sum(line.current for line in session.plan.lines) == 330
    assert session.mapping == shown[0].mapping
    assert session.history.undo_text == "Open two.xlsx"
    session.undo()
    assert session.plan == edited


def test_opening_a_project_and_a_new_project_ask_and_cancel_keeps_everything(
    session: Session, tmp_path: Path
) -> None:
    target = tmp_path / "other.fulcrum"
    helper = Session(SyncExecutor(), untitled_recovery=tmp_path / "helper.recovery")
    helper.open_workbook(tmp_path / write_book(tmp_path / "o.xlsx", {"Budget": OTHER}))
    assert helper.save_to(target)
    helper.close()
    edited = with_it_floor(session)
    asked = Asked(session, "cancel")
    assert not session.open_project(target)
    assert not session.new_project()
    assert asked.times == 2
    assert session.plan == edited and session.dirty
    assert session.history.undo_text.startswith("Set floor of")
