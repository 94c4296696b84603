"""Export: the workbook's sheets and formats, safe text, and the round trip."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pytest

from models.domain import Kind, Line, Plan, Policy
from models.export import ExportError, write_result
from models.workbook import read_plan
from planner.solve import solve
from tests.conftest import SAMPLE


def test_export_imports_back_to_the_same_plan_and_allocation(tmp_path: Path) -> None:
    plan = read_plan(SAMPLE).plan
    assert plan is not None
    result = solve(plan)
    out = write_result(tmp_path / "result.xlsx", plan, result)
    again = read_plan(out)
    assert again.ok, again.issues
    assert again.plan is not None
    assert again.plan.lines == plan.lines
    assert again.plan.policy == plan.policy
    assert solve(again.plan).allocation == pytest.approx(result.allocation)


def test_sheets_number_formats_and_frozen_header(tmp_path: Path) -> None:
    plan = read_plan(SAMPLE).plan
    assert plan is not None
    result = solve(plan)
    book = openpyxl.load_workbook(write_result(tmp_path / "r.xlsx", plan, result))
    assert book.sheetnames == [
        "Summary",
        "Allocation",
        "Phasing",
        "Functions",
        "Rules",
        "Sensitivity",
        "Budget",
        "Policy",
    ]
    allocation = book["Allocation"]
    assert allocation.freeze_panes == "A2"
    assert [c.value for c in allocation[1]][:9] == [
        "Line",
        "Function",
        "Kind",
        "Current",
        "Floor",
        "Cap",
        "Allocated",
        "Change",
        "Change %",
    ]
    cell = allocation["G2"]
    assert isinstance(cell.value, float)
    assert cell.number_format.startswith("#,##0.00")
    assert cell.value == pytest.approx(result.allocation[plan.lines[0].name])
    assert allocation.column_dimensions["A"].width >= 20
    assert any(row[9].value for row in allocation.iter_rows(min_row=2))  # binding rules named


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    plan = Plan(
        (
            Line('=HYPERLINK("http://x")', "+Ops", Kind.CUSTOMER, 10.0),
            Line("@risk", "-IT", Kind.INTERNAL, 5.0),
        ),
        Policy(total_budget=15),
    )
    path = write_result(tmp_path / "safe.xlsx", plan, solve(plan))
    book = openpyxl.load_workbook(path)
    cell = book["Budget"]["A2"]
    assert cell.data_type == "s"
    assert cell.quotePrefix
    assert cell.value == '=HYPERLINK("http://x")'
    again = read_plan(path).plan
    assert again is not None and again.lines == plan.lines


def test_unwritable_target_is_an_error_not_a_crash(tmp_path: Path) -> None:
    plan = Plan((Line("a", "P", Kind.CUSTOMER, 1.0),))
    with pytest.raises(ExportError, match="does not exist"):
        write_result(tmp_path / "missing" / "r.xlsx", plan, None)
    target = tmp_path / "keep.xlsx"
    target.write_bytes(b"precious")
    folder = tmp_path / "ro"
    folder.mkdir()
    with pytest.raises(ExportError, match=r"\.xlsx"):
        write_result(tmp_path / "r.csv", plan, None)
    assert target.read_bytes() == b"precious"


def test_awkward_text_survives_the_line_sheets(tmp_path: Path) -> None:
    names = ["R&D <core> \"x\" 'y'", "Café – über 💡", "_x0041_ stays", "Ops & <IT>"]
    plan = Plan(
        tuple(Line(name, f"F{i % 2}", Kind.CUSTOMER, 10.0 + i) for i, name in enumerate(names)),
        Policy(total_budget=100),
    )
    result = solve(plan)
    path = write_result(tmp_path / "text.xlsx", plan, result)
    book = openpyxl.load_workbook(path)
    # A name with a control character is refused when it is read or typed (tests/test_cli_limits.py);
    # text that reads as Excel's escape of one keeps its underscore escaped (openpyxl shows the escape).
    shown = [name.replace("_x0041_", "_x005F_x0041_") for name in names]
    assert [row[0].value for row in book["Allocation"].iter_rows(min_row=2, max_row=5)] == shown
    assert book["Allocation"]["A6"].value == "Total"
    assert book["Allocation"]["G6"].value == "=SUM(G2:G5)"
    again = read_plan(path)
    assert again.plan is not None, again.issues
    assert [line.name for line in again.plan.lines] == names


def test_block_refuses_numbers_excel_cannot_hold(tmp_path: Path) -> None:
    plan = Plan((Line("a", "P", Kind.CUSTOMER, 1.0),), Policy(total_budget=1))
    result = solve(plan)
    broken = dataclasses.replace(result, allocation={"a": float("nan")})
    with pytest.raises(ExportError, match="not a finite number"):
        write_result(tmp_path / "nan.xlsx", plan, broken)
    assert not list(tmp_path.glob("*.xlsx"))  # nothing half-written left behind


def test_balance_check_thresholds_survive_the_round_trip(tmp_path: Path) -> None:
    from models.domain import Checks

    plan = read_plan(SAMPLE).plan
    assert plan is not None
    custom = plan.with_policy(checks=Checks(internal_cut=0.1, acquisition_multiple=3.5, concentration=0.6))
    again = read_plan(write_result(tmp_path / "checks.xlsx", custom, solve(custom))).plan
    assert again is not None
    assert again.policy == custom.policy
