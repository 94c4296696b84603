"""The import preview played without Qt: choices made against real workbooks, and what they load."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from models.consolidate import read_plans
from models.domain import Kind, Plan
from models.mapping import NOT_USED, ImportMapping
from models.project import open_project
from models.recovery import release
from tests.conftest import ROOT, write_book
from ui.events import Progress, SyncExecutor
from ui.import_state import MESSAGES, ImportState
from ui.session import MESSAGES as SESSION_MESSAGES
from ui.session import Session

TWO_YEARS = [
    ["Line", "Function", "FY24 Budget", "FY25 Budget"],
    ["Payroll", "HR", 100, 110],
    ["Servers", "IT", 200, 220],
    ["Ads", "Acquisition", 300, 330],
]
#: Two columns the reader takes for Current: refused until one is not used.
TWO_CURRENTS = [
    ["Line", "Function", "Actual", "Budget"],
    ["Payroll", "HR", 100, 110],
    ["Servers", "IT", 200, 220],
]
DEPARTMENT = [["Cost centre", "Budget"]]


def total(plan: Plan | None) -> float:
    assert plan is not None
    return sum(line.current for line in plan.lines)


def names(plan: Plan | None) -> list[str]:
    assert plan is not None
    return [line.name for line in plan.lines]


@pytest.fixture
def book(tmp_path: Path) -> Callable[..., Path]:
    def make(rows: list[list[Any]] | dict[str, list[list[Any]]], name: str = "plan.xlsx") -> Path:
        sheets = rows if isinstance(rows, dict) else {"Budget": rows}
        return write_book(tmp_path / name, sheets)

    return make


def test_the_reader_unsure_of_a_year_shows_it_and_the_user_picks_the_other(book: Callable[..., Path]) -> None:
    state = ImportState([book(TWO_YEARS)])
    assert state.report.unsure and state.layout.questions  # the preview would open
    assert total(state.report.plan) == 660
    assert state.role_of("Budget", "FY25 Budget") == "current"

    state.set_role("Budget", "FY24 Budget", "current")

    assert total(state.report.plan) == 600
    # A field is read from one column: FY25 gave Current up to FY24.
    assert state.role_of("Budget", "FY25 Budget") == NOT_USED
    assert dict(state.mapping.sheet("Budget").columns) == {"FY24 Budget": "current", "FY25 Budget": ""}
    accepted = state.accept()
    assert accepted is not None
    assert [line.current for line in accepted.plan.lines] == [100, 200, 300]


def test_a_refused_import_is_resolved_by_setting_one_column_to_not_used(book: Callable[..., Path]) -> None:
    state = ImportState([book(TWO_CURRENTS)])
    assert state.refused and state.accept() is None
    assert any("Duplicate header" in issue.message for issue in state.report.issues)

    state.set_role("Budget", "Actual", NOT_USED)

    assert not state.refused and state.can_accept
    assert total(state.report.plan) == 330  # the Budget column: 110 + 220
    accepted = state.accept()
    assert accepted is not None and accepted.mapping.sheet("Budget").columns == {"Actual": ""}


def test_thousands_make_every_amount_a_thousand_times_larger(book: Callable[..., Path]) -> None:
    state = ImportState([book(TWO_YEARS)])
    before = total(state.report.plan)

    state.set_unit("Budget", 1000)

    assert total(state.report.plan) == before * 1000
    layout = state.sheet("Budget")
    assert layout is not None and layout.unit == 1000
    state.set_unit("Budget", None)
    assert total(state.report.plan) == before


def test_a_functions_kind_changed_changes_its_lines(book: Callable[..., Path]) -> None:
    state = ImportState([book(TWO_YEARS)])
    assert state.kinds["IT"] is Kind.INTERNAL

    state.set_kind("IT", Kind.CUSTOMER)

    assert state.report.plan is not None
    kinds = {line.name: line.kind for line in state.report.plan.lines}
    assert kinds == {"Payroll": Kind.INTERNAL, "Servers": Kind.CUSTOMER, "Ads": Kind.CUSTOMER}
    assert state.kinds["IT"] is Kind.CUSTOMER
    # Changed again, one entry per function.
    state.set_kind("it", Kind.INTERNAL)
    assert list(state.mapping.kinds) == ["it"]


def test_a_sheet_ticked_off_takes_its_lines_out_and_back(book: Callable[..., Path]) -> None:
    path = book(
        {
            "HR": [*DEPARTMENT, ["Payroll", 100], ["Recruiting", 50]],
            "IT": [*DEPARTMENT, ["Servers", 200], ["Laptops", 80]],
            "Notes": [["Prepared by finance"]],
        }
    )
    state = ImportState([path])
    assert names(state.report.plan) == ["Payroll", "Recruiting", "Servers", "Laptops"]
    notes = state.sheet("Notes")
    assert notes is not None and not state.sheet_read(notes)

    state.tick_sheet("IT", False)

    assert names(state.report.plan) == ["Payroll", "Recruiting"]
    assert total(state.report.plan) == 150
    it = state.sheet("IT")
    assert it is not None and not state.sheet_read(it)
    assert [s.sheet for s in state.sheets_of(path)] == ["HR", "IT", "Notes"]  # still listed, unticked
    state.tick_sheet("IT", True)
    assert total(state.report.plan) == 430


def test_a_workbook_ticked_off_is_not_read(book: Callable[..., Path]) -> None:
    hr = book([*DEPARTMENT, ["Payroll", 100]], "Human_Resources_FY25.xlsx")
    it = book([*DEPARTMENT, ["Servers", 200]], "IT_FY25.xlsx")
    state = ImportState([hr, it])
    assert names(state.report.plan) == ["Payroll", "Servers"]

    state.tick_file(it, False)

    assert not state.ticked(it) and state.read_paths() == [hr]
    assert state.report.plan is not None
    # Left alone, the HR workbook is still the HR department's, as when read with IT.
    assert [(line.name, line.function) for line in state.report.plan.lines] == [
        ("Payroll", "Human Resources")
    ]
    assert [s.sheet for s in state.sheets_of(it)] == ["Budget"]  # the sheets it had are still shown

    state.tick_file(hr, False)
    assert state.refused and state.report.issues[0].message == MESSAGES["no_file"]
    state.tick_file(it, True)
    assert names(state.report.plan) == ["Servers"]


def test_a_header_row_chosen_drops_the_roles_of_the_other_row(book: Callable[..., Path]) -> None:
    rows = [["Budget pack FY25"], [], *TWO_CURRENTS]
    state = ImportState([book(rows)])
    layout = state.sheet("Budget")
    assert layout is not None and layout.header_row == 3
    state.set_role("Budget", "Actual", NOT_USED)
    assert total(state.report.plan) == 330

    state.set_header_row("Budget", 1)

    assert state.mapping.sheet("Budget").header_row == 1
    assert state.mapping.sheet("Budget").columns == {}
    assert state.refused  # a title is no header
    state.set_header_row("Budget", None)
    assert state.refused  # found again, with both amount columns read as Current
    with pytest.raises(ValueError, match="not a row"):
        state.set_header_row("Budget", 0)


def test_the_accepted_mapping_reads_next_years_workbook_the_same_way(
    book: Callable[..., Path], tmp_path: Path
) -> None:
    state = ImportState([book(TWO_CURRENTS)])
    state.set_role("Budget", "Actual", NOT_USED)
    state.set_unit("Budget", 1000)
    state.set_kind("IT", Kind.CUSTOMER)
    accepted = state.accept()
    assert accepted is not None
    saved = tmp_path / "mapping.toml"
    accepted.mapping.save(saved)
    assert ImportMapping.load(saved) == accepted.mapping

    next_year = book([["Line", "Function", "Actual", "Budget"], ["Payroll", "HR", 110, 120]], "fy26.xlsx")
    report = read_plans([next_year], mapping=ImportMapping.load(saved))
    assert report.ok and report.plan is not None
    assert [(line.current, line.kind) for line in report.plan.lines] == [(120_000, Kind.INTERNAL)]


class Deferred:
    """Keeps work until the test runs it, as the thread pool would."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[[Progress], Any], Callable[[Any], None]]] = []

    def submit(
        self, work: Callable[[Progress], Any], done: Callable[[Any], None], *, kind: str = "work"
    ) -> None:
        self.jobs.append((work, done))

    def run_all(self) -> None:
        while self.jobs:
            work, done = self.jobs.pop(0)
            done(work(lambda _f, _m: None))


def test_accept_waits_for_the_reading_and_an_older_reading_is_dropped(book: Callable[..., Path]) -> None:
    path = book(TWO_YEARS)
    executor = Deferred()
    state = ImportState([path], report=read_plans([path]), executor=executor)
    seen: list[float] = []
    state.changed.connect(lambda report: seen.append(total(report.plan)))

    state.set_unit("Budget", 1000)
    assert state.reading and not state.can_accept and state.accept() is None
    state.set_unit("Budget", 1_000_000)
    executor.run_all()

    assert seen == [660_000_000]  # the thousands' reading came late, and was dropped
    assert state.can_accept and total(state.report.plan) == 660_000_000


def test_the_import_state_imports_no_qt() -> None:
    code = (
        "import sys, ui.import_state; "
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


# -- the session -----------------------------------------------------------------------------


@pytest.fixture
def session(tmp_path: Path) -> Session:
    made = Session(SyncExecutor(), untitled_recovery=tmp_path / "untitled.fulcrum.recovery")
    made.ask_unsaved = lambda: "discard"
    return made


def previews(session: Session) -> list[ImportState]:
    asked: list[ImportState] = []
    session.ask_preview = asked.append
    return asked


def test_an_unsure_workbook_asks_for_the_preview_and_loads_only_on_accept(
    session: Session, book: Callable[..., Path]
) -> None:
    asked = previews(session)
    messages: list[str] = []
    session.message.connect(messages.append)
    path = book(TWO_YEARS)

    session.open_workbook(path)

    assert len(asked) == 1 and session.plan.lines == ()
    assert messages[-1] == SESSION_MESSAGES["unsure"].format(name=path.name)
    state = asked[0]
    state.set_role("Budget", "FY24 Budget", "current")
    assert session.accept_import(state)
    assert total(session.plan) == 600
    assert session.path == path
    assert session.mapping == state.mapping
    assert session.current_project().mapping.sheet("Budget").columns["FY25 Budget"] == NOT_USED

    # Opened again, the kept choices read it; what is left unsure still shows.
    session.open_workbook(path)
    assert total(session.plan) == 600


def test_cancel_leaves_the_plan_and_the_mapping_as_they_were(
    session: Session, book: Callable[..., Path]
) -> None:
    asked = previews(session)
    session.open_workbook(book(TWO_YEARS, "first.xlsx"))
    asked[0].set_unit("Budget", 1000)
    assert session.accept_import(asked[0])
    plan, mapping = session.plan, session.mapping

    session.open_workbook(book(TWO_CURRENTS, "second.xlsx"))
    state = asked[1]
    state.set_role("Budget", "Actual", NOT_USED)
    session.cancel_import(state)

    assert session.plan == plan and session.mapping == mapping
    assert total(session.plan) == 660_000


def test_a_refused_workbook_shows_its_problems_and_the_preview(
    session: Session, book: Callable[..., Path]
) -> None:
    asked = previews(session)
    session.open_workbook(book(TWO_CURRENTS))

    assert len(asked) == 1 and asked[0].refused
    assert any("Duplicate header" in issue.message for issue in session.issues)
    assert not session.accept_import(asked[0])  # refused as it stands
    assert session.plan.lines == ()


def test_a_clean_workbook_loads_straight_away(session: Session, book: Callable[..., Path]) -> None:
    asked = previews(session)
    session.open_workbook(book([["Line", "Function", "Current"], ["Payroll", "HR", 100]]))
    assert asked == [] and names(session.plan) == ["Payroll"]


def test_import_with_preview_always_asks(session: Session, book: Callable[..., Path]) -> None:
    asked = previews(session)
    session.preview_workbook(book([["Line", "Function", "Current"], ["Payroll", "HR", 100]]))
    assert len(asked) == 1 and asked[0].can_accept and session.plan.lines == ()


def test_without_a_window_a_workbook_that_can_be_read_loads(
    session: Session, book: Callable[..., Path]
) -> None:
    session.open_workbook(book(TWO_YEARS))
    assert total(session.plan) == 660


def test_the_mapping_is_saved_with_the_project(
    session: Session, book: Callable[..., Path], tmp_path: Path
) -> None:
    asked = previews(session)
    session.open_workbook(book(TWO_CURRENTS))
    asked[0].set_role("Budget", "Actual", NOT_USED)
    assert session.accept_import(asked[0])
    target = tmp_path / "plan.fulcrum"
    assert session.save_to(target)

    assert open_project(target).mapping == asked[0].mapping
    other = Session(SyncExecutor(), untitled_recovery=tmp_path / "other.recovery")
    assert other.open_project(target)
    assert other.mapping == asked[0].mapping
    assert other.new_project()
    assert other.mapping == ImportMapping()


def test_unsaved_choices_come_back_with_the_recovered_work(
    session: Session, book: Callable[..., Path], tmp_path: Path
) -> None:
    target = tmp_path / "plan.fulcrum"
    assert session.save_to(target)  # an empty project, saved before any import
    asked = previews(session)
    session.open_workbook(book(TWO_CURRENTS))
    asked[0].set_role("Budget", "Actual", NOT_USED)
    assert session.accept_import(asked[0])
    assert session.dirty
    recovery = session.autosave()
    assert recovery is not None
    release(session.session_id)  # the window is gone (a crash): its work is an orphan

    other = Session(SyncExecutor(), untitled_recovery=tmp_path / "other.recovery")
    assert other.open_project(target)  # offers the recovered work, and it is taken
    assert other.mapping == asked[0].mapping
    assert total(other.plan) == 330
    other.undo()
    assert other.mapping == ImportMapping()
