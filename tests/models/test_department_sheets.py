"""A workbook of department sheets: every sheet of lines read, the others skipped and said."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from models.domain import Kind
from models.workbook import read_plan


def _book(path: Path, sheets: dict[str, list[list[Any]]], hidden: tuple[str, ...] = ()) -> Path:
    book = openpyxl.Workbook()
    first = True
    for name, rows in sheets.items():
        sheet = book.active if first else book.create_sheet(name)
        assert sheet is not None
        sheet.title, first = name, False
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    book.save(path)
    return path


def _department(name: str, *lines: tuple[str, float]) -> list[list[Any]]:
    return [
        [f"Department: {name}"],
        [],
        ["Cost centre", "Budget"],
        *[list(line) for line in lines],
        ["Total", None],
    ]


def test_every_department_sheet_is_read_its_name_the_function(tmp_path: Path) -> None:
    path = _book(
        tmp_path / "pack.xlsx",
        {
            "Cover": [["Fabrikam"], ["FY25 budget pack"]],
            "Summary": [["Department", "Function", "Budget"], ["HR", "HR", 900], ["IT", "IT", 700]],
            "Human Resources": _department("HR", ("Payroll", 600), ("Salaries", 300)),
            "IT": _department("IT", ("Servers", 400), ("Salaries", 300)),
            "Customer service": _department("Customer service", ("Desk", 250)),
            "Notes": [["1. Amounts exclude VAT."]],
        },
    )
    report = read_plan(path)
    assert report.ok, report.issues
    plan = report.plan
    assert plan is not None
    assert plan.current_total == 1850
    names = {line.name: (line.function, line.kind, line.source_sheet) for line in plan.lines}
    assert names["Human Resources / Salaries"] == ("Human Resources", Kind.INTERNAL, "Human Resources")
    assert names["IT / Salaries"] == ("IT", Kind.INTERNAL, "IT")
    assert names["Desk"] == ("Customer service", Kind.CUSTOMER, "Customer service")
    notes = " | ".join(report.notes)
    assert "Sheet 'Cover' is skipped" in notes and "Sheet 'Summary' is skipped" in notes
    assert "Lines were read from 3 sheets" in notes
    assert "named with their function" in notes


def test_two_versions_of_one_budget_are_never_added_up(tmp_path: Path) -> None:
    rows = [["Line", "Function", "Current"], ["Payroll", "HR", 600], ["Ads", "Acquisition", 400]]
    report = read_plan(_book(tmp_path / "years.xlsx", {"Budget 2024": rows, "Budget 2025": rows}))
    assert report.plan is None
    assert any("two versions of one budget" in issue.message for issue in report.issues)


def test_a_sheet_with_amounts_but_no_header_is_an_issue_not_a_silent_skip(tmp_path: Path) -> None:
    rows = [["Line", "Function", "Current"], ["Payroll", "HR", 600]]
    report = read_plan(_book(tmp_path / "odd.xlsx", {"HR": rows, "Scratch": [["x", 5], ["y", 7]]}))
    assert report.plan is None
    assert any(issue.sheet == "Scratch" for issue in report.issues)


def test_a_line_of_a_department_sheet_names_its_sheet_in_messages(tmp_path: Path) -> None:
    path = _book(
        tmp_path / "bad.xlsx",
        {"HR": _department("HR", ("Payroll", 600)), "IT": _department("IT", ("Servers", -5))},
    )
    report = read_plan(path)
    assert report.plan is None
    assert [(issue.sheet, issue.row) for issue in report.issues] == [("IT", 4)]


def test_a_problem_found_when_checking_the_plan_names_the_lines_sheet(tmp_path: Path) -> None:
    path = _book(
        tmp_path / "dup.xlsx",
        {"HR": _department("HR", ("Payroll", 600)), "IT": _department("IT", ("Servers", 5), ("Servers", 7))},
    )
    report = read_plan(path)
    assert report.plan is None
    assert [(issue.sheet, issue.row) for issue in report.issues] == [("IT", 5)]
