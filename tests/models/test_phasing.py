"""A line's phasing: kept from monthly and quarterly columns, checked, stored, written back, and the
allocation spread over the year in the same proportions, to the cent.
"""

from __future__ import annotations

import dataclasses
import json
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from models.domain import Kind, Line, Plan, Policy
from models.edits import EditError, set_line_field
from models.export import write_result
from models.fields import header_key
from models.phasing import as_periods, phase, spread
from models.project import Project, open_project, save_project
from models.result import Result, Status
from models.schema import LINE_FIELDS, line_json
from models.serial import plan_from_data, to_data
from models.sheet_rows import (
    MONTH_LABELS,
    QUARTER_LABELS,
    YEAR_TOTAL_HEADERS,
    YEAR_TOTAL_LABEL,
    period_of,
)
from models.validation import validate
from models.workbook import ImportReport, read_plan
from planner.solve import solve
from tests.conftest import write_book

MONTHS = list(MONTH_LABELS)
QUARTERS = list(QUARTER_LABELS)
#: A line spending most of its year in the fourth quarter, one spending evenly, one spending nothing.
Q4_HEAVY = [10, 10, 10, 10, 10, 10, 10, 10, 10, 100, 200, 400]
EVEN = [50] * 12


def _read(path: Path) -> ImportReport:
    report = read_plan(path)
    assert report.ok, report.issues
    assert report.plan is not None
    return report


def _plan(report: ImportReport) -> Plan:
    assert report.plan is not None
    return report.plan


def _rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path, data_only=True)
    return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]


def _cents(value: float) -> int:
    """An amount in cents as a sheet shows it at two decimals: half a cent rounds up (12.5 is 13)."""
    return int((Decimal(value) * 100).to_integral_value(ROUND_HALF_UP))


def _result(allocation: dict[str, float]) -> Result:
    return Result(Status.OPTIMAL, allocation=allocation)


def _monthly_book(tmp_path: Path) -> Path:
    return write_book(
        tmp_path / "monthly.xlsx",
        {
            "Budget": [
                ["Line", "Function", *MONTHS],
                ["Holiday campaign", "Acquisition", *Q4_HEAVY],
                ["Payroll", "HR", *EVEN],
                ["Pilot", "Loyalty", *[0] * 12],
            ]
        },
    )


# -- reading: the periods are kept ---------------------------------------------------------


def test_months_are_kept_as_the_lines_phasing(tmp_path: Path) -> None:
    plan = _plan(_read(_monthly_book(tmp_path)))
    campaign, payroll, pilot = plan.lines
    assert campaign.phasing == tuple(map(float, Q4_HEAVY))
    assert campaign.current == sum(Q4_HEAVY)
    assert payroll.phasing == (50.0,) * 12
    assert pilot.phasing == (0.0,) * 12 and pilot.current == 0


def test_quarters_are_kept_as_four_periods(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "q.xlsx",
        {"Budget": [["Line", "Function", *QUARTERS], ["Ads", "Acquisition", 100, 100, 200, 600]]},
    )
    (line,) = _plan(_read(path)).lines
    assert line.phasing == (100.0, 100.0, 200.0, 600.0)
    assert line.current == 1000


def test_a_year_total_beside_the_months_is_current_and_the_months_its_phasing(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "fy.xlsx",
        {"Budget": [["Line", "Function", *MONTHS, "FY total"], ["Ads", "Acquisition", *Q4_HEAVY, 790]]},
    )
    (line,) = _plan(_read(path)).lines
    assert line.current == 790
    assert line.phasing == tuple(map(float, Q4_HEAVY))


def test_a_line_with_only_a_year_total_is_read_unphased_and_said(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "fy.xlsx",
        {
            "Budget": [
                ["Line", "Function", *QUARTERS, "FY total"],
                ["Ads", "Acquisition", 100, 100, 200, 600, 1000],
                ["Rent", "Facilities", None, None, None, None, 500],
            ]
        },
    )
    report = _read(path)
    ads, rent = _plan(report).lines
    assert ads.phasing == (100.0, 100.0, 200.0, 600.0)
    assert rent.phasing is None and rent.current == 500
    assert "Budget row 3: no quarters, only the year's total: the line is not phased" in report.notes


# -- the plan checks its phasing --------------------------------------------------------------


def _line(phasing: tuple[float, ...] | None, current: float = 1200.0) -> Line:
    return Line("Payroll", "HR", Kind.INTERNAL, current, phasing=phasing, source_row=4)


def test_a_phasing_that_does_not_add_up_to_current_is_refused() -> None:
    plan = Plan((_line((100.0,) * 12, current=1300.0),))
    (issue,) = validate(plan, {"current": "D"})
    assert issue.message == "The months of 'Payroll' add up to 1,200, not to its current spend 1,300"
    assert (issue.row, issue.column) == (4, "D")
    # Within rounding (half a unit), it adds up.
    assert validate(Plan((_line((100.0,) * 12, current=1200.4),))) == []


@pytest.mark.parametrize(
    ("phasing", "message"),
    [
        ((100.0,) * 5, "The phasing of 'Payroll' has 5 periods; a year has 12 months or 4 quarters"),
        ((400.0, 400.0, 600.0, -200.0), "Q4 -200 of 'Payroll' is negative"),
        ((math.nan, 400.0, 400.0, 400.0), "Q1 of 'Payroll' is not a finite number"),
        (
            (300.0, 300.0, 300.0, 200.0),
            "The quarters of 'Payroll' add up to 1,100, not to its current spend 1,200",
        ),
    ],
)
def test_a_phasing_is_checked_however_the_plan_was_built(phasing: tuple[float, ...], message: str) -> None:
    assert [issue.message for issue in validate(Plan((_line(phasing),)))] == [message]


def test_a_sound_phasing_passes() -> None:
    assert validate(Plan((_line((300.0,) * 4), Line("Ads", "Acq", Kind.CUSTOMER, 5.0)))) == []


def test_a_new_current_keeps_the_phasing_in_proportion() -> None:
    plan = Plan((_line((100.0, 100.0, 400.0, 600.0)),))
    changed = set_line_field(plan, 0, "current", 2400.0)
    assert changed.lines[0].phasing == (200.0, 200.0, 800.0, 1200.0)
    assert validate(changed) == []
    # From 0 there are no proportions to keep: the line is no longer phased.
    zero = Plan((_line((0.0,) * 4, current=0.0),))
    assert set_line_field(zero, 0, "current", 100.0).lines[0].phasing is None
    with pytest.raises(EditError):
        set_line_field(plan, 0, "current", -5.0)


def test_a_scaled_plan_scales_its_phasing() -> None:
    plan = Plan((_line((100.0, 100.0, 400.0, 600.0)),)).scaled(1000.0)
    assert plan.lines[0].phasing == (100_000.0, 100_000.0, 400_000.0, 600_000.0)
    assert validate(plan) == []


# -- stored: the project file and solve --json ------------------------------------------------


def test_the_project_file_keeps_the_phasing(tmp_path: Path) -> None:
    plan = Plan((_line(tuple(map(float, Q4_HEAVY)), current=790.0), Line("Ads", "Acq", Kind.CUSTOMER, 5.0)))
    again = open_project(save_project(tmp_path / "p.fulcrum", Project(plan))).plan
    assert again.lines == plan.lines
    assert again.lines[0].phasing == tuple(map(float, Q4_HEAVY))
    # A line stored before lines had a phasing reads as unphased.
    old = to_data(plan)
    for line in old["lines"]:
        del line["phasing"]
    assert [line.phasing for line in plan_from_data(old).lines] == [None, None]


def test_solve_json_lines_carry_their_phasing() -> None:
    data = line_json(_line((300.0, 300.0, 300.0, 300.0)))
    assert data["phasing"] == [300.0, 300.0, 300.0, 300.0]
    assert json.loads(json.dumps(data))["phasing"] == [300.0] * 4
    assert line_json(_line(None))["phasing"] is None


# -- written back: the plan workbook reads back to the same plan ------------------------------


def test_period_labels_read_back_as_their_periods() -> None:
    assert [period_of(label) for label in MONTH_LABELS] == [("month", n) for n in range(1, 13)]
    assert [period_of(label) for label in QUARTER_LABELS] == [("quarter", n) for n in range(1, 5)]
    assert header_key(YEAR_TOTAL_LABEL) in YEAR_TOTAL_HEADERS


def test_a_monthly_plan_written_reads_back_the_same(tmp_path: Path) -> None:
    plan = _plan(_read(_monthly_book(tmp_path)))
    path = write_result(tmp_path / "out.xlsx", plan, solve(plan))
    header = _rows(path, "Budget")[0]
    current = [f.attr for f in LINE_FIELDS].index("current")
    assert header[current] == YEAR_TOTAL_LABEL and list(header[-12:]) == MONTHS
    again = _plan(_read(path))
    assert again.lines == plan.lines
    assert [line.phasing for line in again.lines] == [line.phasing for line in plan.lines]


def test_a_plan_of_phased_and_unphased_lines_reads_back_the_same(tmp_path: Path) -> None:
    lines = (
        _line((100.0, 200.0, 300.0, 600.0)),
        Line("Rent", "Facilities", Kind.INTERNAL, 500.0, floor=100.0),
        Line("Ads", "Acquisition", Kind.CUSTOMER, 0.0, phasing=(0.0,) * 4),
    )
    plan = Plan(lines, Policy(total_budget=2000.0))
    path = write_result(tmp_path / "mixed.xlsx", plan, None)
    rows = _rows(path, "Budget")
    assert list(rows[0][-4:]) == QUARTERS
    assert rows[2][-4:] == (None,) * 4  # Rent: the periods left blank
    again = _read(path)
    assert _plan(again).lines == plan.lines
    assert any("no quarters, only the year's total" in note for note in again.notes)


def test_quarters_among_months_are_written_split_evenly(tmp_path: Path) -> None:
    quarterly = Line("Ads", "Acquisition", Kind.CUSTOMER, 1200.0, phasing=(300.0, 0.0, 300.0, 600.0))
    monthly = _line(tuple(map(float, Q4_HEAVY)), current=790.0)
    plan = Plan((monthly, quarterly))
    again = _plan(_read(write_result(tmp_path / "mixed.xlsx", plan, None)))
    assert again.lines[0] == monthly
    assert again.lines[1].phasing == (
        100.0,
        100.0,
        100.0,
        0.0,
        0.0,
        0.0,
        100.0,
        100.0,
        100.0,
        200.0,
        200.0,
        200.0,
    )
    assert as_periods(quarterly.phasing or (), 12) == again.lines[1].phasing


# -- the Phasing sheet: the allocation over the year -------------------------------------------


def _phasing_sheet(path: Path) -> tuple[list[Any], dict[str, tuple[Any, ...]], tuple[Any, ...], list[str]]:
    rows = _rows(path, "Phasing")
    header = list(rows[0])
    total_at = next(n for n, row in enumerate(rows) if row[0] == "Total")
    lines = {str(row[0]): row for row in rows[1:total_at]}
    notes = [str(row[0]) for row in rows[total_at + 1 :] if row[0] is not None]
    return header, lines, rows[total_at], notes


def test_the_export_phases_each_allocation_like_its_current_months(tmp_path: Path) -> None:
    plan = _plan(_read(_monthly_book(tmp_path)))
    result = solve(plan)
    assert result.is_optimal
    path = write_result(tmp_path / "result.xlsx", plan, result)
    header, rows, totals, notes = _phasing_sheet(path)
    assert header == ["Line", "Function", "Spread by", *MONTHS, "Total"]
    for line in plan.lines:
        row = rows[line.name]
        months, total = row[3:15], row[15]
        allocated = result.allocation[line.name]
        # The line's total is its allocation to the cent, and its months add up to it exactly.
        assert _cents(total) == _cents(allocated)
        assert sum(_cents(m) for m in months) == _cents(allocated)
        weights = line.phasing if line.current > 0 and line.phasing else (1.0,) * 12
        exact = [allocated * w / math.fsum(weights) for w in weights]
        assert all(abs(m - e) <= 0.01 + 1e-9 for m, e in zip(months, exact, strict=True))
    campaign = rows["Holiday campaign"]
    assert campaign[2] == "months"
    # Q4-heavy: December gets 40 times January's share, as its current spend does.
    assert campaign[14] == pytest.approx(40 * campaign[3], abs=0.5)
    assert rows["Pilot"][2] == "evenly: current is 0"
    assert any("Pilot" in note and "spread evenly" in note for note in notes)
    # The totals row adds up each month and the year.
    for k in range(3, 16):
        assert _cents(totals[k]) == sum(_cents(row[k]) for row in rows.values())
    assert _cents(totals[15]) == sum(_cents(a) for a in result.allocation.values())
    book = openpyxl.load_workbook(path)
    assert book["Phasing"]["D2"].number_format.startswith("#,##0.00")


def test_odd_cents_go_to_the_largest_remainders(tmp_path: Path) -> None:
    plan = Plan((_line((0.0,) * 9 + (100.0, 200.0, 300.0), current=600.0),))
    path = write_result(tmp_path / "cents.xlsx", plan, _result({"Payroll": 1000.01}))
    _header, rows, _totals, _notes = _phasing_sheet(path)
    assert rows["Payroll"][3:16] == (*(0.0,) * 9, 166.67, 333.34, 500.0, 1000.01)


def test_a_quarterly_plan_is_phased_by_quarter(tmp_path: Path) -> None:
    plan = Plan((_line((100.0, 100.0, 400.0, 600.0)),))
    path = write_result(tmp_path / "q.xlsx", plan, _result({"Payroll": 2400.0}))
    header, rows, _totals, _notes = _phasing_sheet(path)
    assert header == ["Line", "Function", "Spread by", *QUARTERS, "Total"]
    assert rows["Payroll"][2:] == ("quarters", 200.0, 200.0, 800.0, 1200.0, 2400.0)


def test_quarters_among_months_are_split_evenly_and_said(tmp_path: Path) -> None:
    plan = Plan(
        (
            _line(tuple(map(float, Q4_HEAVY)), current=790.0),
            Line("Ads", "Acquisition", Kind.CUSTOMER, 1200.0, phasing=(300.0, 0.0, 300.0, 600.0)),
        )
    )
    path = write_result(tmp_path / "mixed.xlsx", plan, _result({"Payroll": 790.0, "Ads": 2400.0}))
    header, rows, _totals, notes = _phasing_sheet(path)
    assert header[3:15] == MONTHS
    assert rows["Ads"][2] == "quarters, each split evenly over its months"
    assert rows["Ads"][3:16] == (
        200.0,
        200.0,
        200.0,
        0.0,
        0.0,
        0.0,
        200.0,
        200.0,
        200.0,
        400.0,
        400.0,
        400.0,
        2400.0,
    )
    assert any("Lines read by quarter (Ads)" in note and "split evenly" in note for note in notes)


def test_a_plan_without_phasing_is_spread_evenly_and_says_so(tmp_path: Path) -> None:
    plan = Plan((Line("Rent", "Facilities", Kind.INTERNAL, 500.0), Line("Ads", "Acq", Kind.CUSTOMER, 700.0)))
    path = write_result(tmp_path / "even.xlsx", plan, _result({"Rent": 1200.0, "Ads": 100.0}))
    header, rows, _totals, notes = _phasing_sheet(path)
    assert header[3:15] == MONTHS
    assert rows["Rent"][2:] == ("evenly: no phasing", *(100.0,) * 12, 1200.0)
    assert rows["Ads"][3:15] == (8.34, 8.34, 8.34, 8.34, *(8.33,) * 8)
    assert any(note.startswith("No line has a phasing") for note in notes)


def test_no_phasing_sheet_without_an_allocation(tmp_path: Path) -> None:
    plan = Plan((_line((300.0,) * 4),))
    assert "Phasing" not in openpyxl.load_workbook(write_result(tmp_path / "p.xlsx", plan, None)).sheetnames


@given(
    amount=st.floats(0, 1e10, allow_nan=False),
    weights=st.lists(st.one_of(st.just(0.0), st.floats(0, 1e9)), min_size=1, max_size=12),
)
@example(amount=0.125, weights=[0.0])  # half a cent: rounded up, as a sheet shows it
@example(amount=100.05, weights=[1.0] * 12)
def test_a_spread_adds_up_to_the_cent_and_each_period_is_within_a_cent(
    amount: float, weights: list[float]
) -> None:
    parts = spread(amount, weights)
    assert sum(_cents(p) for p in parts) == _cents(amount)
    total = math.fsum(weights)
    shares = [w / total for w in weights] if total > 0 else [1 / len(weights)] * len(weights)
    for part, share in zip(parts, shares, strict=True):
        assert abs(part - amount * share) < 0.01 + 1e-6 * amount


def test_phase_keeps_the_plans_order_and_names() -> None:
    plan = Plan((_line((300.0,) * 4), dataclasses.replace(_line(None, 5.0), name="Ads")))
    phased = phase(plan, {"Payroll": 10.0})
    assert [line.name for line in phased.lines] == ["Payroll", "Ads"]
    assert phased.lines[1].total == 0.0 and phased.total == 10.0
