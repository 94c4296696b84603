"""A department's resubmitted workbook replacing its lines in the session: one undoable step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import astuple
from pathlib import Path
from typing import Any

import pytest

from models.domain import Line, Plan, function_key
from models.edits import set_line_field
from tests.departments import HR_V2_LINES, department_file, three_departments
from ui.events import Progress, SyncExecutor
from ui.session import MESSAGES, Session


class Deferred:
    """An executor that keeps work until the test runs it, as a busy thread pool would."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, Callable[[Progress], Any], Callable[[Any], None]]] = []

    def submit(
        self, work: Callable[[Progress], Any], done: Callable[[Any], None], *, kind: str = "work"
    ) -> None:
        self.jobs.append((kind, work, done))

    def run(self) -> None:
        _kind, work, done = self.jobs.pop(0)
        done(work(lambda _fraction, _message: None))


def _opened(session: Session, folder: Path) -> Plan:
    session.open_workbook(three_departments(folder), wait=True)
    assert len(session.plan.lines) == 9, session.issues
    return session.plan


def _hr(plan: Plan) -> list[tuple[str, float]]:
    return [(line.name, line.current) for line in plan.lines if function_key(line.function) == "hr"]


def _others(plan: Plan) -> list[tuple[object, ...]]:
    return [astuple(line) for line in plan.lines if function_key(line.function) != "hr"]


@pytest.fixture
def session(tmp_path: Path) -> Session:
    made = Session(SyncExecutor(), untitled_recovery=tmp_path / "app" / "untitled.fulcrum.recovery")
    made.ask_unsaved = lambda: "discard"
    return made


def test_a_replacement_is_one_step_undone_and_redone(session: Session, tmp_path: Path) -> None:
    plan = _opened(session, tmp_path)
    session.save_plan_as_scenario("Submitted")
    scenarios = session.project.scenarios
    session.solve()
    assert session.current_result is not None
    steps = len(session.history)
    seen: list[str] = []
    for name in ("plan_changed", "replaced", "report_changed"):
        getattr(session, name).connect(lambda *_args, n=name: seen.append(n))

    session.replace_department(department_file(tmp_path / "v2", "HR_FY25_v2.xlsx", HR_V2_LINES))
    replaced = session.plan
    assert _hr(replaced) == [
        ("Payroll", 600_000.10),
        ("Recruiting", 100_000.0),
        ("HR / Salaries", 500_000.0),
        ("Wellbeing", 59_999.90),
    ]
    assert _others(replaced) == _others(plan)
    assert seen == ["report_changed", "plan_changed", "replaced"]
    assert len(session.history) == steps + 1
    assert session.history.undo_text == "Replace the lines of HR from HR_FY25_v2.xlsx"
    assert session.dirty
    assert session.current_result is None  # the result was of the plan before: stale
    assert session.project.scenarios == scenarios
    assert (
        session.notes[0] == "HR: 4 lines replaced by 4 from HR_FY25_v2.xlsx; current 1,200,000.1 -> 1,260,000"
    )
    assert session.issues == ()

    session.undo()
    assert session.plan is plan
    assert session.current_result is not None  # the plan the result belongs to is back
    assert session.project.scenarios == scenarios
    session.redo()
    assert session.plan is replaced
    assert [line.source_file for line in session.plan.lines][:4] == ["HR_FY25_v2.xlsx"] * 4
    assert session.project.scenarios == scenarios


def test_a_refused_workbook_changes_nothing_and_says_why(session: Session, tmp_path: Path) -> None:
    plan = _opened(session, tmp_path)
    messages: list[str] = []
    session.message.connect(messages.append)
    steps = len(session.history)
    session.replace_department(department_file(tmp_path / "v2", "Legal_FY25.xlsx", (("Counsel", 1.0),)))
    assert session.plan is plan
    assert len(session.history) == steps
    assert not session.dirty
    [issue] = session.issues
    assert (issue.file, issue.sheet, issue.row) == ("Legal_FY25.xlsx", "Budget", 3)
    assert messages[-1] == MESSAGES["not_replaced"].format(name="Legal_FY25.xlsx", count=1)


def test_the_same_lines_again_are_no_step(session: Session, tmp_path: Path) -> None:
    plan = _opened(session, tmp_path)
    messages: list[str] = []
    session.message.connect(messages.append)
    session.replace_department(tmp_path / "HR_FY25.xlsx")
    assert session.plan is plan
    assert len(session.history) == 0
    assert messages[-1] == MESSAGES["replaced_nothing"].format(name="HR_FY25.xlsx")


def test_replacements_apply_in_order_to_the_plan_as_it_is_when_read(tmp_path: Path) -> None:
    executor = Deferred()
    session = Session(executor, untitled_recovery=tmp_path / "untitled.recovery")
    session.open_workbook(three_departments(tmp_path))
    executor.run()
    assert len(session.plan.lines) == 9
    service = next(n for n, line in enumerate(session.plan.lines) if line.name == "Call centre")

    session.replace_department(department_file(tmp_path / "v2", "HR_FY25_v2.xlsx", HR_V2_LINES))
    session.replace_department(department_file(tmp_path / "v2", "IT_FY25_v2.xlsx", (("Cloud", 1_000.0),)))
    assert [kind for kind, _work, _done in executor.jobs] == ["resubmit"]  # one at a time, in order
    # An edit made while the workbook is read is kept: the lines replace those of the plan as it is then.
    session.apply_edit(set_line_field(session.plan, service, "current", 950_000.0), "Edit Call centre")
    executor.run()
    assert [kind for kind, _work, _done in executor.jobs] == ["resubmit"]
    executor.run()
    assert not executor.jobs
    lines: dict[str, Line] = {line.name: line for line in session.plan.lines}
    assert lines["Call centre"].current == 950_000.0
    assert lines["Wellbeing"].current == 59_999.90
    assert lines["Cloud"].source_file == "IT_FY25_v2.xlsx"
    assert "Servers" not in lines
    # IT's Salaries went, and HR's line keeps its name: replacing IT never renames HR's lines.
    assert lines["HR / Salaries"].current == 500_000.0
    assert "IT / Salaries" not in lines
    texts = [command.text for command in session.history.commands]
    assert texts[-3:] == [
        "Edit Call centre",
        "Replace the lines of HR from HR_FY25_v2.xlsx",
        "Replace the lines of IT from IT_FY25_v2.xlsx",
    ]
