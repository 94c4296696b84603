"""The session driven as the window drives it, with no Qt: work runs at once or when a test says."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from models.domain import Kind, Line, Plan
from models.project import open_project
from models.recovery import release
from models.result import Result, Status
from models.workbook import read_plan
from planner.solve import was_cancelled
from tests.conftest import ROOT, SAMPLE, infeasible_plan, write_book
from ui.events import Progress, SyncExecutor
from ui.history import Command, History
from ui.session import MESSAGES, Session, recovery_path


class Deferred:
    """An executor that keeps work until the test runs it, as a busy thread pool would."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, Callable[[Progress], Any], Callable[[Any], None]]] = []

    def submit(
        self, work: Callable[[Progress], Any], done: Callable[[Any], None], *, kind: str = "work"
    ) -> None:
        self.jobs.append((kind, work, done))

    def run(self, index: int = 0) -> object:
        """Run one job and hand its result on; return the result."""
        _kind, work, done = self.jobs.pop(index)
        result = work(lambda _fraction, _message: None)
        done(result)
        return result


class Recorder:
    """Every event of a session, in order, as (name, arguments)."""

    def __init__(self, session: Session) -> None:
        self.seen: list[tuple[str, tuple[object, ...]]] = []
        for name, event in vars(session).items():
            if hasattr(event, "connect") and hasattr(event, "emit"):
                event.connect(lambda *args, n=name: self.seen.append((n, args)))

    def names(self) -> list[str]:
        return [name for name, _args in self.seen]

    def args(self, name: str) -> list[tuple[object, ...]]:
        return [args for n, args in self.seen if n == name]

    def clear(self) -> None:
        self.seen.clear()


@pytest.fixture
def session(tmp_path: Path) -> Session:
    made = Session(SyncExecutor(), untitled_recovery=tmp_path / "app" / "untitled.fulcrum.recovery")
    made.ask_unsaved = lambda: "discard"
    return made


def opened(session: Session) -> Session:
    session.open_workbook(SAMPLE)
    session.solve()
    return session


def test_the_session_imports_no_qt() -> None:
    code = "import sys, ui.session; print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken'))))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env=os.environ.copy(),
    )
    assert done.stdout.strip() == "[]"


def test_opening_the_sample_shows_it_and_solving_gives_its_result_and_insight(session: Session) -> None:
    events = Recorder(session)
    session.open_workbook(SAMPLE)
    assert len(session.plan.lines) == 57
    assert session.path == SAMPLE
    assert session.title == "Fulcrum — sample_plan.xlsx"
    assert not session.dirty
    assert len(session.history) == 0
    assert events.args("message")[-1] == (MESSAGES["opened"].format(name="sample_plan.xlsx", lines=57),)
    assert {"plan_changed", "loaded", "imported", "report_changed"} <= set(events.names())
    assert session.result is None
    session.solve()
    assert session.result is not None and session.result.is_optimal
    assert session.result_plan == session.plan
    assert session.current_result is session.result
    assert events.args("result_changed")[-1] == (session.plan, session.result)
    session.start_insight(session.plan, session.result)
    assert session.insight_plan == session.plan
    assert session.price is not None and session.price.floors and session.price.total_price > 0
    assert any("Finance" in w.message for w in session.warnings)
    assert session.compute_frontier()
    assert session.frontier is not None and session.frontier_plan == session.plan


def test_an_invalid_workbook_leaves_the_plan_and_reports_every_issue(
    session: Session, tmp_path: Path
) -> None:
    opened(session)
    plan = session.plan
    bad = write_book(
        tmp_path / "bad.xlsx", {"Budget": [["Line", "Function", "Current"], ["Payroll", "HR", "TBD"]]}
    )
    events = Recorder(session)
    session.open_workbook(bad)
    assert session.plan == plan
    assert len(session.issues) == 1 and "TBD" in session.issues[0].message
    assert events.args("message")[-1] == (MESSAGES["invalid"].format(name="bad.xlsx", count=1),)
    assert events.names().count("imported") == 1
    assert "plan_changed" not in events.names()


def test_edit_undo_redo_and_the_clean_mark(session: Session) -> None:
    opened(session)
    plan = session.plan
    events = Recorder(session)
    lean = plan.with_policy(total_budget=38_000_000)
    session.apply_edit(lean, "Set the budget")
    assert session.plan == lean
    assert session.dirty
    assert events.args("dirty_changed") == [(True,)]
    assert session.history.undo_text == "Set the budget"
    assert session.current_result is None  # the result is of the plan before the edit: stale
    session.apply_edit(lean, "The same again")  # changes nothing: no command
    assert len(session.history) == 1
    session.undo()
    assert session.plan == plan
    assert not session.dirty
    assert session.history.redo_text == "Set the budget"
    assert session.current_result is session.result  # the plan the result belongs to is back
    session.redo()
    assert session.plan == lean
    assert session.dirty
    session.set_clean()
    assert not session.dirty
    session.undo()
    assert session.dirty  # the saved state is the edited plan
    # A new edit after an undo drops the undone command; the saved state can no longer be reached.
    session.apply_edit(plan.with_policy(total_budget=39_000_000), "Another budget")
    assert not session.history.can_redo
    session.undo()
    assert session.plan == plan
    assert session.dirty
    assert events.names().count("history_changed") == 7  # one per step


def test_history_alone() -> None:
    history = History()
    a, b = Plan(()), Plan((Line("A", "HR", Kind.INTERNAL, 1.0),))
    assert history.clean and not history.can_undo and not history.can_redo
    history.push(Command(a, b, "first"))
    assert not history.clean
    assert history.undo() == Command(a, b, "first")
    assert history.clean
    assert history.redo() is not None and history.redo() is None
    history.reset_clean()
    assert not history.clean
    history.clear()
    assert history.clean and len(history) == 0


def test_a_stale_result_is_dropped_and_its_solve_cancelled(tmp_path: Path) -> None:
    executor = Deferred()
    session = Session(executor, untitled_recovery=tmp_path / "untitled.recovery")
    plan = read_plan(SAMPLE).plan
    assert plan is not None
    session.load(plan, None)
    events = Recorder(session)
    session.solve()
    smaller = plan.with_policy(total_budget=30_000_000)
    session.apply_edit(smaller, "Smaller budget")  # the solve under way is for a plan that is gone
    stale = executor.run()
    assert isinstance(stale, tuple) and was_cancelled(stale[1])  # stopped, not run to its end
    assert session.result is None
    assert "result_changed" not in events.names()
    session.solve()
    session.apply_edit(plan.with_policy(total_budget=35_000_000), "Larger budget")
    session.solve()  # a newer solve stops the older one
    assert len(executor.jobs) == 2
    older = executor.run(0)
    assert isinstance(older, tuple) and was_cancelled(older[1])
    executor.run(0)
    assert session.result is not None
    assert sum(session.result.allocation.values()) == pytest.approx(35_000_000, rel=1e-6)
    assert len(events.args("result_changed")) == 1
    # An insight computed for an older plan is dropped too.
    result = session.result
    session.start_insight(session.plan, result)
    session.apply_edit(plan, "Back")
    executor.run(0)
    assert session.insight_plan is None and session.price is None


def test_an_infeasible_plan_and_a_fix_applied(session: Session) -> None:
    session.load(infeasible_plan(), None)
    session.solve()
    result = session.result
    assert result is not None and result.status is Status.INFEASIBLE
    assert result.explanation is not None
    fix = next(f for f in result.explanation.fixes if f.family == "budget")
    session.apply_fix(fix)
    assert session.plan.policy.total_budget == pytest.approx(330.0)
    assert session.history.undo_text.startswith("Raise the budget")
    session.solve()
    assert session.result is not None and session.result.status is Status.OPTIMAL
    session.start_insight(session.plan, session.result)
    session.undo()
    session.solve()
    assert session.result.status is Status.INFEASIBLE
    session.start_insight(session.plan, session.result)
    assert session.price is None and session.warnings == ()


def test_scenarios_saved_changed_shown_and_undone(session: Session) -> None:
    opened(session)
    base_plan, base_result = session.plan, session.result
    session.save_plan_as_scenario("Base")
    assert [s.name for s in session.project.scenarios] == ["Base"]
    assert session.project.scenarios[0].result == base_result
    assert session.dirty
    lean = base_plan.with_policy(total_budget=38_000_000)
    session.apply_edit(lean, "Lean")
    session.save_plan_as_scenario("Lean year")  # not solved yet: saved without a result
    lean_year = session.project.scenario("Lean year")
    assert lean_year is not None and lean_year.parent == "Base" and lean_year.result is None
    session.solve()
    session.update_scenario("Lean year")
    assert session.project.scenario("Lean year").result is not None  # type: ignore[union-attr]
    session.duplicate_scenario("Base")
    session.rename_scenario("Base copy", "Push on customers")
    session.delete_scenario("Push on customers")
    assert [s.name for s in session.project.scenarios] == ["Base", "Lean year"]
    assert session.history.undo_text == "Delete scenario Push on customers"
    session.undo()
    assert [s.name for s in session.project.scenarios] == ["Base", "Lean year", "Push on customers"]
    events = Recorder(session)
    session.set_approved("Base", True)
    session.rename_scenario("Base", "Other")
    assert events.args("notice")[-1][0].startswith("Not changed:")
    assert "approved" in str(events.args("notice")[-1][0])
    session.set_notes("Lean year", "tight")
    assert session.project.scenario("Lean year").notes == "tight"  # type: ignore[union-attr]
    # Showing a scenario puts its plan back and its result at once, undoably.
    session.show_scenario("Base")
    assert session.plan == base_plan
    assert session.result == base_result and session.result_plan == base_plan
    assert session.scenario_origin == "Base"
    assert session.history.undo_text == "Show scenario Base"
    session.undo()
    assert session.plan == lean


def test_scenarios_compared(session: Session) -> None:
    opened(session)
    session.save_plan_as_scenario("Base")
    lean = session.plan.with_policy(total_budget=38_000_000)
    session.apply_edit(lean, "Lean")
    session.save_plan_as_scenario("Lean")
    events = Recorder(session)
    session.compare_scenarios(["Base", "Lean"])
    ((items, comparison),) = events.args("comparison_ready")
    assert comparison.names == ("Base", "Lean")  # type: ignore[attr-defined]
    assert comparison.statuses == ("optimal", "optimal")  # type: ignore[attr-defined]
    assert len(items) == 2  # type: ignore[arg-type]


def test_project_saved_and_reopened(session: Session, tmp_path: Path) -> None:
    opened(session)
    session.save_plan_as_scenario("Base")
    session.set_notes("Base", "note")
    target = tmp_path / "budget.fulcrum"
    events = Recorder(session)
    assert session.save_to(target)
    assert not session.dirty
    assert session.project_path == target
    assert session.title == "Fulcrum — budget.fulcrum"
    assert events.args("project_saved") == [(str(target),)]
    assert events.args("message")[-1] == (MESSAGES["saved"].format(name="budget.fulcrum"),)
    saved = open_project(target)
    assert saved.plan == session.plan
    assert saved.scenarios == session.project.scenarios
    # Another session opening the same project is told it is open elsewhere.
    other = Session(SyncExecutor(), untitled_recovery=tmp_path / "other.recovery")
    lock_file = target.with_name(target.name + ".lock")
    lock_file.write_text(json.dumps({"pid": 1, "host": socket.gethostname(), "since": "earlier"}))
    warned = Recorder(other)
    assert other.open_project(target)
    assert "open in another Fulcrum window" in str(warned.args("already_open")[0][0])
    assert other.plan == saved.plan
    assert other.project.scenarios == saved.scenarios
    assert not other.dirty
    assert other.title == "Fulcrum — budget.fulcrum"


def test_a_file_that_is_not_a_project_is_an_error_and_nothing_changes(
    session: Session, tmp_path: Path
) -> None:
    opened(session)
    plan = session.plan
    bogus = tmp_path / "notes.fulcrum"
    bogus.write_text("shopping list")
    events = Recorder(session)
    assert not session.open_project(bogus)
    assert "not a SQLite database" in str(events.args("error")[0][0])
    assert session.plan == plan
    assert bogus.read_text() == "shopping list"


def test_unsaved_changes_are_asked_about(session: Session, tmp_path: Path) -> None:
    opened(session)
    target = tmp_path / "p.fulcrum"
    session.save_to(target)
    session.apply_edit(session.plan.with_policy(total_budget=40_000_000), "Budget")
    asked: list[str] = []
    session.ask_unsaved = lambda: asked.append("asked") or "cancel"
    assert not session.close()
    assert not session.new_project()
    assert asked == ["asked", "asked"]
    assert session.dirty
    session.ask_unsaved = lambda: "save"
    assert session.close()
    assert open_project(target).plan.policy.total_budget == 40_000_000
    # A project never saved asks where to save it.
    assert session.new_project()
    assert session.plan == Plan(()) and session.project.scenarios == ()
    assert session.title == "Fulcrum — Untitled project"
    session.apply_edit(read_plan(SAMPLE).plan, "Plan")  # type: ignore[arg-type]
    session.ask_save_path = lambda: tmp_path / "new.fulcrum"
    assert session.save()
    assert session.project_path == tmp_path / "new.fulcrum"


def test_a_workbook_opened_into_a_saved_project_is_unsaved(session: Session, tmp_path: Path) -> None:
    opened(session)
    session.save_to(tmp_path / "p.fulcrum")
    session.open_workbook(SAMPLE)
    assert session.dirty


def test_autosave_and_recovery_offered(session: Session, tmp_path: Path) -> None:
    opened(session)
    target = tmp_path / "p.fulcrum"
    session.save_to(target)
    assert session.autosave() is None  # nothing unsaved
    session.apply_edit(session.plan.with_policy(total_budget=41_000_000), "Budget")
    session.save_plan_as_scenario("Unsaved idea")
    written = session.autosave()
    assert written == recovery_path(target, session.session_id)
    assert open_project(target).plan.policy.total_budget != 41_000_000  # the project itself untouched
    # Opening the project after a crash offers the recovered work.
    release(session.session_id)  # the window is gone
    offered: list[bool] = []
    fresh = Session(SyncExecutor(), untitled_recovery=tmp_path / "fresh.recovery")
    fresh.ask_restore = lambda: offered.append(True) or True
    events = Recorder(fresh)
    assert fresh.open_project(target)
    assert offered == [True]
    assert fresh.plan.policy.total_budget == 41_000_000
    assert [s.name for s in fresh.project.scenarios] == ["Unsaved idea"]
    assert fresh.dirty
    assert events.args("message")[-1] == (MESSAGES["restored"],)
    assert fresh.history.undo_text == "Restore unsaved scenarios"
    # Refused, the recovered work is deleted.
    refused = Session(SyncExecutor(), untitled_recovery=tmp_path / "refused.recovery")
    refused.ask_restore = lambda: False
    assert refused.open_project(target)
    assert not written.exists()
    assert refused.plan.policy.total_budget != 41_000_000
    assert not refused.dirty


def test_untitled_work_is_autosaved_to_the_untitled_recovery(session: Session) -> None:
    opened(session)
    session.apply_edit(session.plan.with_policy(total_budget=41_000_000), "Budget")
    written = session.autosave()
    assert written == session.untitled_recovery and written.exists()
    session.ask_unsaved = lambda: "discard"
    assert session.close()
    assert written.exists()  # discarded but unsaved: kept for a recovery at the next start
    restored = Session(SyncExecutor(), untitled_recovery=written)
    restored.load(session.plan, None)
    assert restored.offer_recovery(written)
    assert restored.plan.policy.total_budget == 41_000_000


def test_exports_go_through_the_executor(session: Session, tmp_path: Path) -> None:
    events = Recorder(session)
    assert not session.export_result(tmp_path / "early.xlsx")
    assert events.args("message")[-1] == (MESSAGES["no_result"],)
    opened(session)
    target = tmp_path / "allocation.xlsx"
    assert session.export_result(target)
    assert events.args("exported")[-1] == (str(target),)
    report = read_plan(target)
    assert report.plan is not None and report.plan.lines == session.plan.lines
    assert not session.export_frontier(tmp_path / "frontier.xlsx")  # none computed yet
    session.compute_frontier()
    assert session.export_frontier(tmp_path / "frontier.xlsx")
    assert (tmp_path / "frontier.xlsx").exists()


def test_a_frontier_point_becomes_the_plan(session: Session) -> None:
    opened(session)
    session.fix_internal_share(0.35)
    assert session.plan.policy.internal_share_min == pytest.approx(0.35)
    assert session.plan.policy.internal_share_max == pytest.approx(0.35)
    assert session.history.undo_text.startswith("Fix the internal share at 35")
    session.solve()
    result: Result | None = session.result
    assert result is not None and result.internal_share == pytest.approx(0.35, abs=1e-6)


def test_insight_and_frontier_for_a_plan_that_is_gone_are_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.session as session_module

    asked: dict[str, Callable[[], bool]] = {}

    def price(plan: Plan, result: Result, *, cancelled: Callable[[], bool]) -> None:
        asked["insight"] = cancelled

    def frontier(plan: Plan, **kwargs: Any) -> None:
        asked["frontier"] = kwargs["cancelled"]

    monkeypatch.setattr(session_module, "price_of_balance", price)
    monkeypatch.setattr(session_module, "balance_frontier", frontier)
    executor = Deferred()
    session = Session(executor, untitled_recovery=tmp_path / "untitled.recovery")
    plan = read_plan(SAMPLE).plan
    assert plan is not None
    session.load(plan, None)
    session.solve()
    executor.run()
    assert session.result is not None
    session.start_insight(session.plan, session.result)
    assert session.compute_frontier()
    insight, frontier_job = executor.jobs.pop(0), executor.jobs.pop(0)
    for _kind, work, _done in (insight, frontier_job):
        work(lambda _fraction, _message: None)
    assert not asked["insight"]() and not asked["frontier"]()
    session.solve()  # solving the same plan again stops neither
    assert not asked["insight"]() and not asked["frontier"]()
    session.apply_edit(plan.with_policy(total_budget=30_000_000), "Smaller budget")
    assert asked["insight"]() and asked["frontier"]()


def test_an_export_never_pairs_a_plan_with_another_plans_result(tmp_path: Path) -> None:
    executor = Deferred()
    session = Session(executor, untitled_recovery=tmp_path / "untitled.recovery")
    events = Recorder(session)
    plan = read_plan(SAMPLE).plan
    assert plan is not None
    session.load(plan, None)
    session.solve()
    executor.run()
    session.apply_edit(plan.with_policy(total_budget=20_000_000), "Smaller budget")  # not solved yet
    assert not session.export_result(tmp_path / "out.xlsx")
    assert executor.jobs == []
    assert events.args("message")[-1] == (MESSAGES["no_result"],)
    session.solve()
    executor.run()
    assert session.export_result(tmp_path / "out.xlsx")
    executor.run()
    book = read_plan(tmp_path / "out.xlsx")
    assert book.plan is not None and book.plan.budget == 20_000_000


def test_the_import_report_lists_each_note_once(session: Session, make_book: Any) -> None:
    path = make_book(
        {"Budget": [["Line", "Function", "Current"], ["Payroll", "People ops", 100], ["Ads", "Acq", 50]]}
    )
    session.open_workbook(path)
    assert session.notes
    assert len(session.notes) == len(set(session.notes))
    assert any("'People ops' was taken as internal" in note for note in session.notes)


def test_a_saved_plan_whose_kinds_now_disagree_says_what_to_fix(session: Session, tmp_path: Path) -> None:
    from models.project import Project, save_project

    # Saved when "Tech" was not yet known as IT: its lines were stored as customer lines.
    plan = Plan(
        (
            Line("Servers", "IT", Kind.INTERNAL, 100.0, source_row=2),
            Line("Laptops", "Tech", Kind.CUSTOMER, 50.0, source_row=3),
            Line("Ads", "Acquisition", Kind.CUSTOMER, 80.0, source_row=4),
        )
    )
    path = save_project(tmp_path / "old.fulcrum", Project(plan))
    events = Recorder(session)
    assert session.open_project(path)
    session.solve()
    result = session.result
    assert result is not None and result.status is Status.INVALID_INPUT
    assert any("a function has one kind" in issue.message for issue in session.issues)
    assert events.args("report_changed")
    # Setting the kind of one line sets it for the whole function: the plan solves again.
    from models.edits import set_line_field

    session.apply_edit(set_line_field(session.plan, 1, "kind", Kind.INTERNAL), "Laptops are internal")
    session.solve()
    assert session.result is not None and session.result.is_optimal


def test_an_export_over_the_workbook_the_plan_came_from_is_refused(session: Session, tmp_path: Path) -> None:
    from models.export import ExportError

    source = tmp_path / "plan.xlsx"
    source.write_bytes(SAMPLE.read_bytes())
    events = Recorder(session)
    session.open_workbook(source)
    session.solve()
    link = tmp_path / "link.xlsx"
    link.symlink_to(source)
    for target in (source, link):
        # The window shows the executor's failure as "Export failed" with this message.
        with pytest.raises(ExportError, match="is the file the plan was read from"):
            session.export_result(target)
        assert source.read_bytes() == SAMPLE.read_bytes()
    assert not events.args("exported")
