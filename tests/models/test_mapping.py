"""The import mapping: the reader's choices as a layout, overridden by sheet name and header text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from models.consolidate import read_plans
from models.domain import Basis, Kind, Plan
from models.mapping import (
    NOT_USED,
    PERIOD,
    ImportMapping,
    MappingError,
    SheetChoice,
    SheetStatus,
    pinned,
)
from models.workbook import ImportReport, read_plan

MakeBook = Callable[..., Path]

LINES = [
    ["Payroll", "HR", 600],
    ["Recruiting", "HR", 400],
    ["Servers", "IT", 700],
    ["Ads", "Acquisition", 300],
]


def _plan(report: ImportReport) -> Plan:
    assert report.ok, report.issues
    assert report.plan is not None
    return report.plan


def _currents(plan: Plan) -> dict[str, float]:
    return {line.name: line.current for line in plan.lines}


# -- the file ----------------------------------------------------------------------------------


def test_a_mapping_reads_back_from_its_text() -> None:
    mapping = ImportMapping(
        {
            "Budget": SheetChoice(None, 3, {"FY24 Actual": NOT_USED, "FY25 Budget": "current"}, 1000.0),
            "Notes": SheetChoice(read=False),
            "Hidden draft": SheetChoice(read=True),
        },
        {"Personalwesen": "HR"},
        {"Facilities": Kind.INTERNAL},
    )
    text = mapping.to_toml()
    assert ImportMapping.from_toml(text) == mapping
    assert "unit = 1000\n" in text  # whole numbers written as such, for a person to read


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[sheets.Budget]\nunit = 'k'\n", "sheet 'Budget': unit must be a number above 0"),
        ("[sheets.Budget]\nunit = -5\n", "unit must be a number above 0"),
        ("[sheets.Budget]\nheader_row = 0\n", "header_row 0 is not a row of a sheet"),
        ("[sheets.Budget]\nheaders = 2\n", "unknown key headers"),
        ("[sheets.Budget.columns]\nAmount = 'money'\n", "'money' is not a role"),
        ("[kinds]\nFacilities = 'overhead'\n", "'overhead' is not a kind; write customer or internal"),
        ("[colums]\n", "unknown section colums"),
        ("[sheets\n", "is not a TOML file"),
    ],
)
def test_a_mapping_that_cannot_be_used_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, text: str, said: str
) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as raised:
        ImportMapping.load(path)
    assert str(path) in str(raised.value)
    assert said in str(raised.value)


# -- what the reader decided, as a layout --------------------------------------------------------


def test_the_layout_shows_the_header_row_roles_unit_and_every_skipped_row(make_book: MakeBook) -> None:
    path = make_book(
        {
            "Cover": [["Budget pack FY25"], ["Prepared by finance"]],
            "Budget": [
                ["FY25 budget, amounts in thousands"],
                [],
                ["Line", "Function", "Current", "Comment"],
                *LINES[:2],
                ["HR total", "HR", 1000],
                *LINES[2:],
                ["Grand total", None, 2000],
            ],
            "Functions": [["Function", "Floor"], ["HR", 900]],
        }
    )
    report = read_plan(path)
    assert _plan(report).current_total == 2_000_000
    by_sheet = {sheet.sheet: sheet for sheet in report.layout.sheets}
    budget = by_sheet["Budget"]
    assert (budget.status, budget.header_row, budget.unit, budget.lines) == (SheetStatus.LINES, 3, 1000, 4)
    assert {c.header: c.role for c in budget.columns} == {
        "Line": "name",
        "Function": "function",
        "Current": "current",
        "Comment": NOT_USED,
    }
    assert [(s.row, "total row" in s.reason) for s in budget.skipped] == [(6, True), (9, True)]
    assert by_sheet["Functions"].status == SheetStatus.FUNCTIONS
    assert by_sheet["Cover"].status == SheetStatus.SKIPPED
    assert budget.preview[2][:3] == ("Line", "Function", "Current")
    assert report.layout.kinds == {"HR": Kind.INTERNAL, "IT": Kind.INTERNAL, "Acquisition": Kind.CUSTOMER}
    assert not report.unsure


def test_month_columns_are_shown_as_periods(make_book: MakeBook) -> None:
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    path = make_book({"Budget": [["Line", "Function", *months], ["Payroll", "HR", *[100] * 12]]})
    report = read_plan(path)
    assert _plan(report).current_total == 1200
    (budget,) = report.layout.sheets
    assert [c.role for c in budget.columns].count(PERIOD) == 12


def test_a_function_no_name_or_column_classes_is_a_question(make_book: MakeBook) -> None:
    path = make_book({"Budget": [["Line", "Function", "Current"], *LINES, ["Badges", "Facilities", 50]]})
    report = read_plan(path)
    _plan(report)
    assert report.unsure
    assert any("'Facilities' was taken as customer" in q for q in report.layout.questions)


# -- two candidate value columns ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        ("FY24 Budget", "FY25 Budget"),
        ("Budget 2024", "Budget 2025"),
        ("Actual FY 2024/25", "Budget FY 2025/26"),
    ],
)
def test_of_two_value_columns_the_latest_year_is_read_and_asked(
    make_book: MakeBook, older: str, newer: str
) -> None:
    rows = [["Line", "Function", newer, older], *[[n, f, c, c * 2] for n, f, c in LINES]]
    report = read_plan(make_book({"Budget": rows}))
    assert _currents(_plan(report)) == {n: c for n, _f, c in LINES}
    assert any(f"column C ({newer!r}), the latest year" in q for q in report.layout.questions)
    assert report.unsure


def test_two_value_columns_without_years_are_refused_until_the_mapping_chooses(make_book: MakeBook) -> None:
    rows = [["Line", "Function", "Actual", "Budget"], *[[n, f, c * 2, c] for n, f, c in LINES]]
    path = make_book({"Budget": rows})
    refused = read_plan(path)
    assert refused.plan is None
    assert "Duplicate header: columns C, D" in refused.issues[0].message
    chosen = ImportMapping({"Budget": SheetChoice(columns={"Actual": NOT_USED, "Budget": "current"})})
    assert _currents(_plan(read_plan(path, mapping=chosen))) == {n: c for n, _f, c in LINES}


# -- each choice ----------------------------------------------------------------------------------


def test_the_chosen_header_row_and_unit_are_used(make_book: MakeBook) -> None:
    rows = [["Line", "Function", "Current"], ["Notes", "", ""], ["Item", "Area", "Spend"], *LINES]
    path = make_book({"Budget": rows})
    mapping = ImportMapping({"Budget": SheetChoice(header_row=3, unit=1000.0)})
    plan = _plan(read_plan(path, mapping=mapping))
    assert _currents(plan) == {n: c * 1000 for n, _f, c in LINES}
    (budget,) = read_plan(path, mapping=mapping).layout.sheets
    assert (budget.header_row, budget.unit) == (3, 1000)


def test_a_header_row_below_the_sheet_is_refused(make_book: MakeBook) -> None:
    path = make_book({"Budget": [["Line", "Function", "Current"], *LINES]})
    report = read_plan(path, mapping=ImportMapping({"Budget": SheetChoice(header_row=90)}))
    assert report.plan is None
    assert "row 90, is below the sheet's last row" in report.issues[0].message


def test_unticked_sheets_are_not_read_and_ticked_hidden_sheets_are(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    hr = book.active
    assert hr is not None
    hr.title = "HR"
    for row in [["Line", "Current"], ["Payroll", 600], ["Recruiting", 400]]:
        hr.append(row)
    it = book.create_sheet("IT")
    for row in [["Line", "Current"], ["Servers", 700]]:
        it.append(row)
    comms = book.create_sheet("Internal comms")
    for row in [["Line", "Current"], ["Newsletter", 80]]:
        comms.append(row)
    comms.sheet_state = "hidden"
    path = tmp_path / "departments.xlsx"
    book.save(path)

    assert _plan(read_plan(path)).current_total == 1700  # the hidden sheet is not read
    without_it = ImportMapping({"IT": SheetChoice(read=False)})
    assert _currents(_plan(read_plan(path, mapping=without_it))) == {"Payroll": 600, "Recruiting": 400}
    with_hidden = ImportMapping({"Internal comms": SheetChoice(read=True)})
    report = read_plan(path, mapping=with_hidden)
    assert _plan(report).current_total == 1780
    assert any("hidden sheet 'Internal comms' is read" in note for note in report.notes)


def test_a_function_alias_reaches_lines_functions_sheet_floors_and_ratio_rules(make_book: MakeBook) -> None:
    path = make_book(
        {
            "Budget": [["Line", "Function", "Current"], ["Payroll", "Personalwesen", 600], *LINES[2:]],
            "Functions": [["Function", "Kind", "Floor"], ["Personalwesen", None, "95% of current"]],
            "Policy": [["Setting", "Value"], ["Ratio", "Personalwesen >= 0.5 x IT"]],
        }
    )
    mapping = ImportMapping(functions={"personalwesen": "HR"})
    plan = _plan(read_plan(path, mapping=mapping))
    payroll = next(line for line in plan.lines if line.name == "Payroll")
    assert (payroll.function, payroll.kind) == ("HR", Kind.INTERNAL)
    (rule,) = plan.policy.functions
    assert rule.function == "HR"
    assert rule.floor is not None and rule.floor.basis is Basis.CURRENT
    (ratio,) = plan.policy.ratios
    assert (ratio.left, ratio.right) == ("HR", "IT")


def test_a_chosen_kind_wins_over_the_kind_column(make_book: MakeBook) -> None:
    rows = [
        ["Line", "Function", "Kind", "Current"],
        ["Badges", "Facilities", "customer", 50],
        ["Ads", "Ads", "", 9],
    ]
    path = make_book({"Budget": rows})
    plan = _plan(read_plan(path, mapping=ImportMapping(kinds={"facilities": Kind.INTERNAL})))
    assert {line.name: line.kind for line in plan.lines} == {"Badges": Kind.INTERNAL, "Ads": Kind.CUSTOMER}


# -- next year's submissions --------------------------------------------------------------------


def test_a_pinned_mapping_reads_next_years_workbook_the_same_way(make_book: MakeBook) -> None:
    this_year: list[list[Any]] = [
        ["Amounts in thousands"],
        ["Cost centre", "Division", "Actual", "Budget"],
        *[[n, f, c * 3, c] for n, f, c in LINES],
    ]
    first = make_book({"Budget": this_year})
    choice = ImportMapping({"Budget": SheetChoice(columns={"Actual": NOT_USED, "Budget": "current"})})
    report = read_plan(first, mapping=choice)
    mapping = ImportMapping.from_toml(pinned(report.layout, choice).to_toml())
    # Next year the columns move and a comment column appears; the roles follow the headers.
    next_year: list[list[Any]] = [
        ["Amounts in thousands"],
        ["Budget", "Cost centre", "Comment", "Division", "Actual"],
        *[[c + 1, n, "ok", f, c * 3] for n, f, c in LINES],
    ]
    plan = _plan(read_plan(make_book({"Budget": next_year}), mapping=mapping))
    assert _currents(plan) == {n: (c + 1) * 1000 for n, _f, c in LINES}


def test_one_mapping_reads_every_department_file(tmp_path: Path) -> None:
    paths = []
    for function, lines in (("HR", LINES[:2]), ("IT", LINES[2:3])):
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "Budget"
        sheet.append(["Line", "FY24", "FY25 (k)"])
        for name, _f, current in lines:
            sheet.append([name, current * 9, current])
        paths.append(tmp_path / f"{function}_submission.xlsx")
        book.save(paths[-1])
    mapping = ImportMapping(
        {"Budget": SheetChoice(columns={"FY24": NOT_USED, "FY25 (k)": "current"}, unit=1000)}
    )
    report = read_plans(paths, mapping=mapping)
    plan = _plan(report)
    assert _currents(plan) == {n: c * 1000 for n, _f, c in LINES[:3]}
    assert [(s.file, s.sheet) for s in report.layout.sheets] == [
        ("HR_submission.xlsx", "Budget"),
        ("IT_submission.xlsx", "Budget"),
    ]
