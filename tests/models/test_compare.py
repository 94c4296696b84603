"""Comparing scenarios with different line sets, and the comparison workbook."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from models.compare import Compared, compare
from models.domain import Kind, Line, Plan, Policy
from models.export import write_comparison
from models.result import Status
from planner.solve import solve


def lin(name: str, function: str, current: float, weight: float, kind: Kind = Kind.CUSTOMER) -> Line:
    from models.domain import Curve

    return Line(name, function, kind, current, weight=weight, curve=Curve.LINEAR)


BASE = Plan(
    (
        lin("Ads", "Acquisition", 50, 2.0),
        lin("Help desk", "Service", 50, 1.0),
        lin("Payroll", "HR", 50, 0.5, Kind.INTERNAL),
    ),
    Policy(total_budget=150, max_change=0.2),
)
# The second scenario drops Ads and adds Chatbot; Payroll is spelled differently.
LEAN = Plan(
    (
        lin("Help desk", "Service", 50, 1.0),
        lin("payroll ", "HR", 50, 0.5, Kind.INTERNAL),
        lin("Chatbot", "Service", 0, 3.0),
    ),
    Policy(total_budget=120),
)


def items() -> list[Compared]:
    return [Compared("Base", BASE, solve(BASE)), Compared("Lean", LEAN, solve(LEAN))]


def test_lines_in_only_some_scenarios_are_kept_with_deltas_against_the_first() -> None:
    both = items()
    comparison = compare(both)
    rows = {row.label: row for row in comparison.lines}
    assert list(rows) == ["Ads", "Help desk", "Payroll", "Chatbot"]
    base, lean = both[0].result, both[1].result
    # Base: budget 150, each line within 40..60 (20% of 50); weights Ads > Help desk > Payroll:
    # Payroll at its least (40), Ads at its most (60), Help desk the remaining 50.
    assert base.allocation == pytest.approx({"Ads": 60, "Help desk": 50, "Payroll": 40})
    # Lean: all 120 to the Chatbot (weight 3).
    assert lean.allocation == pytest.approx({"Help desk": 0, "payroll ": 0, "Chatbot": 120})
    assert rows["Ads"].values == pytest.approx((60, None))
    assert rows["Ads"].deltas == (0.0, None)
    assert rows["Chatbot"].values == pytest.approx((None, 120))
    assert rows["Chatbot"].deltas == (None, None)
    assert rows["Payroll"].values == pytest.approx((40, 0))
    assert rows["Payroll"].deltas == pytest.approx((0, -40))
    assert rows["Help desk"].deltas == pytest.approx((0, -50))
    functions = {row.label: row.values for row in comparison.functions}
    assert functions["Acquisition"] == pytest.approx((60, None))
    assert functions["Service"] == pytest.approx((50, 120))
    assert functions["HR"] == pytest.approx((40, 0))
    figures = {row.label: row.values for row in comparison.figures}
    assert figures["Total budget"] == (150, 120)
    assert figures["Total impact"] == pytest.approx((60 * 2 + 50 + 40 * 0.5, 120 * 3))
    assert comparison.shares.values == pytest.approx((40 / 150, 0.0))
    assert comparison.statuses == ("optimal", "optimal")


def test_an_infeasible_scenario_is_compared_without_values() -> None:
    broken = BASE.with_policy(total_budget=10, spend_whole_budget=True)
    comparison = compare([Compared("Base", BASE, solve(BASE)), Compared("Broken", broken, solve(broken))])
    assert comparison.statuses == ("optimal", Status.INFEASIBLE.value)
    assert all(row.values[1] is None for row in comparison.lines)


def test_comparison_workbook_has_a_sheet_per_scenario_deltas_and_a_chart(tmp_path: Path) -> None:
    both = items()
    path = write_comparison(tmp_path / "compare.xlsx", both, compare(both))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Side by side", "Base", "Lean"]
    side = book["Side by side"]
    assert len(side._charts) == 1  # a native Excel chart
    cells = {row[0].value: [c.value for c in row] for row in side.iter_rows(min_row=2) if row[0].value}
    assert cells["Payroll"][:5] == ["Payroll", "HR", pytest.approx(40), 0, pytest.approx(-40)]
    assert cells["Chatbot"][2:5] == [None, pytest.approx(120), None]
    money_cell = next(c for c in side[cells_row(side, "Payroll")] if isinstance(c.value, int | float))
    assert money_cell.number_format.startswith("#,##0")


def cells_row(sheet: object, label: str) -> int:
    for row in sheet.iter_rows():  # type: ignore[attr-defined]
        if row[0].value == label:
            return int(row[0].row)
    raise AssertionError(label)


def test_binding_floors_are_named_per_scenario() -> None:
    from models.domain import Bound, FunctionRule

    floored = BASE.with_policy(functions=(FunctionRule("HR", floor=Bound(55.0)),))
    comparison = compare([Compared("Base", BASE, solve(BASE)), Compared("Floored", floored, solve(floored))])
    assert comparison.floors == ((), ("HR",))
