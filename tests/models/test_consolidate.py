"""One plan from several department workbooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.consolidate import function_from_file_name, read_plans
from models.domain import Kind
from tests.conftest import write_book


@pytest.mark.parametrize(
    ("name", "function"),
    [
        ("Human_Resources_FY25_submission.xlsx", "Human Resources"),
        ("IT budget 2025 v2.xlsx", "IT"),
        ("Customer-Service_FY2025-26_final.xlsx", "Customer Service"),
        ("Budget_2025.xlsx", None),
    ],
)
def test_the_department_a_file_name_gives(name: str, function: str | None) -> None:
    assert function_from_file_name(name) == function


def _submission(folder: Path, name: str, *lines: tuple[str, float]) -> Path:
    rows = [
        ["FY25 submission"],
        ["Cost centre", "Budget"],
        *[list(line) for line in lines],
        ["Total", sum(v for _, v in lines)],
    ]
    return write_book(folder / name, {"Budget": rows})


def test_a_folder_of_department_files_is_one_plan(tmp_path: Path) -> None:
    _submission(tmp_path, "Human_Resources_FY25_submission.xlsx", ("Payroll", 600), ("Salaries", 300))
    _submission(tmp_path, "Information_Technology_FY25_submission.xlsx", ("Servers", 400), ("Salaries", 200))
    _submission(tmp_path, "Marketing_FY25.xlsx", ("Ads", 500))
    report = read_plans([tmp_path])
    assert report.ok, report.issues
    plan = report.plan
    assert plan is not None
    assert plan.current_total == 2000
    lines = {line.name: line for line in plan.lines}
    assert lines["Human Resources / Salaries"].kind is Kind.INTERNAL
    assert (
        lines["Information Technology / Salaries"].source_file
        == "Information_Technology_FY25_submission.xlsx"
    )
    assert lines["Ads"].kind is Kind.CUSTOMER and lines["Ads"].function == "Marketing"
    assert "Lines were read from 3 workbooks" in report.notes[0]


def test_one_departments_line_in_two_files_is_refused(tmp_path: Path) -> None:
    first = _submission(tmp_path, "HR_FY25.xlsx", ("Payroll", 600))
    second = _submission(tmp_path, "HR_FY25_final.xlsx", ("Payroll", 650))
    report = read_plans([first, second])
    assert report.plan is None
    assert any("two versions of one budget" in issue.message for issue in report.issues)
    assert report.issues[0].file == "HR_FY25_final.xlsx"


def test_a_problem_names_its_file(tmp_path: Path) -> None:
    good = _submission(tmp_path, "HR_FY25.xlsx", ("Payroll", 600))
    bad = write_book(tmp_path / "IT_FY25.xlsx", {"Budget": [["Cost centre", "Budget"], ["Servers", "TBD"]]})
    report = read_plans([good, bad])
    assert report.plan is None
    assert [str(issue) for issue in report.issues] == [
        "IT_FY25.xlsx, sheet Budget, cell B2: Current: 'TBD' cannot be read as an amount of money"
    ]


def test_workbooks_in_two_currencies_are_refused(tmp_path: Path) -> None:
    uk = write_book(
        tmp_path / "UK.xlsx", {"Budget": [["Line", "Function", "Current (£)"], ["Payroll", "HR", 600]]}
    )
    de = write_book(
        tmp_path / "DE.xlsx", {"Budget": [["Line", "Function", "Current (€)"], ["Gehälter", "HR", 500]]}
    )
    report = read_plans([uk, de])
    assert report.plan is None
    assert any("several currencies: EUR (DE.xlsx), GBP (UK.xlsx)" in issue.message for issue in report.issues)
