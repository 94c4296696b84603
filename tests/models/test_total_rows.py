"""Rows that are totals by the sheet's Excel Tables, formulas or outline, whatever their labels."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from models.total_rows import adds_up
from models.workbook import read_plan
from models.xlsx_guard import check_workbook_file

HEADER = ["Line", "Function", "Current"]


@pytest.mark.parametrize(
    ("formula", "rows"),
    [
        ("SUM(C2:C5)", [range(1, 5)]),
        ("SUM($C$2:$C$5)", [range(1, 5)]),
        ("sum(C5:C2)", [range(1, 5)]),
        ("SUBTOTAL(9,C2:C5)", [range(1, 5)]),
        ("SUBTOTAL(109, C2:C5)", [range(1, 5)]),
        ("_xlfn.AGGREGATE(9,4,C2:C5)", [range(1, 5)]),
        ("SUM(C2,C4)", [range(1, 2), range(3, 4)]),
        ("C2+C4+C5", [range(1, 2), range(3, 4), range(4, 5)]),
        ("SUM(C8:C9)", [range(7, 9)]),
        ("SUBTOTAL(109,Budget[Current])", []),
    ],
)
def test_formulas_adding_up_their_column(formula: str, rows: list[range]) -> None:
    assert adds_up(formula, 5, 2) == rows  # the cell is C6


@pytest.mark.parametrize(
    "formula",
    [
        "SUM(D2:O2)",  # a line's months
        "SUM(C2:D5)",  # two columns
        "SUM(C2:C9)",  # its own cell
        "C2",  # one cell
        "C2*D2",
        "SUM(C2:C5)/2",
        "SUM(C2:C5)+SUM(D2:D5)",
        "SUBTOTAL(99,C2:C5)",
        "SUM(Other!C2:C5)",
        "[@Current]/SUBTOTAL(109,[Current])",
        "SUM([@Current])",
        "C2+D3",
    ],
)
def test_formulas_that_add_up_no_column(formula: str) -> None:
    assert adds_up(formula, 5, 2) is None


def _excel_like(path: Path, rows: list[list[object]], *, values: bool = True) -> Path:
    """A workbook with formulas and their saved values, and no request to recalculate (as Excel saves)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Budget")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, tuple):
                sheet.write_formula(r, c, value[0], None, value[1] if values else 0)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b' fullCalcOnLoad="1"', b"")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_an_unlabelled_sum_row_is_skipped_and_checked(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        HEADER,
        ["Payroll", "HR", 600],
        ["Recruiting", "HR", 400],
        ["HR", "HR", ("=SUM(C2:C3)", 1100)],
        ["Servers", "IT", 700],
    ]
    report = read_plan(_excel_like(tmp_path / "b.xlsx", rows))
    assert report.plan is not None, report.issues
    assert [line.name for line in report.plan.lines] == ["Payroll", "Recruiting", "Servers"]
    assert any(
        "row 4 ('HR') is a total: C4 (=SUM(C2:C3)) adds up the cells above it" in n for n in report.notes
    )
    assert any("gives 1,100, but the HR lines add up to 1,000" in n for n in report.notes)


def test_a_sum_over_the_cells_below_is_checked_against_them(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        HEADER,
        ["HR", None, ("=SUM(C3:C4)", 900)],
        ["Payroll", None, 600],
        ["Recruiting", None, 400],
    ]
    report = read_plan(_excel_like(tmp_path / "b.xlsx", rows))
    assert report.plan is not None, report.issues
    assert {line.function for line in report.plan.lines} == {"HR"}
    assert any("gives 900, but the rows it adds up add up to 1,000" in n for n in report.notes)
    assert any("rows 3, 4 name no function: they take 'HR' from row 2" in n for n in report.notes)


def test_a_department_row_whose_figure_differs_from_its_lines_is_not_a_total(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        HEADER,
        ["HR", None, 999],
        ["  Payroll", "HR", 600],
        ["  Recruiting", "HR", 400],
    ]
    report = read_plan(_excel_like(tmp_path / "b.xlsx", rows))
    assert report.plan is None
    assert any(issue.row == 2 and "Function is blank" in issue.message for issue in report.issues)


def test_a_table_totals_row_is_found_from_the_table_part(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Budget")
    sheet.add_table(
        "A1:C4",
        {
            "name": "Lines",
            "total_row": True,
            "columns": [
                {"header": "Line"},
                {"header": "Function"},
                {"header": "Current", "total_function": "sum", "total_value": 1000},
            ],
            "data": [["Payroll", "HR", 600], ["Recruiting", "HR", 400]],
        },
    )
    book.close()
    parts = check_workbook_file(path)
    (table,) = parts.tables(path, "Budget")
    assert (table.name, table.first_row, table.last_row, list(table.totals)) == ("Lines", 0, 3, [3])
    assert parts.tables(path, "Other") == ()
    report = read_plan(path)
    assert report.plan is not None and report.plan.current_total == 1000, report.issues
    assert any("row 4 is the totals row of the Excel Table 'Lines'" in note for note in report.notes)
