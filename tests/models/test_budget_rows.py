"""Rows that are not lines, units and number conventions: what a consolidated budget carries besides its lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from models.cells import DecimalMark, decimal_mark, read_money
from models.domain import Kind
from models.sheet_rows import total_label, unit_scale
from models.workbook import ImportReport, read_plan

MakeBook = Callable[..., Path]
HEADER = ["Line", "Function", "Current"]


def _read(make_book: MakeBook, rows: list[list[Any]], **sheets: list[list[Any]]) -> ImportReport:
    return read_plan(make_book({"Budget": rows, **sheets}))


def _loaded(report: ImportReport) -> Any:
    assert report.ok, report.issues
    assert report.plan is not None
    return report.plan


def test_subtotals_and_a_grand_total_are_skipped_and_checked(make_book: MakeBook) -> None:
    plan = _loaded(
        _read(
            make_book,
            [
                HEADER,
                ["Payroll", "HR", 600],
                ["Recruiting", "HR", 400],
                ["HR total", "HR", 1000],
                ["Servers", "IT", 700],
                ["Total IT", None, 700],
                ["Ads", "Acquisition", 300],
                ["Grand total", None, 2000],
            ],
        )
    )
    assert [line.name for line in plan.lines] == ["Payroll", "Recruiting", "Servers", "Ads"]
    assert plan.current_total == 2000


def test_a_total_that_does_not_match_its_lines_is_said(make_book: MakeBook) -> None:
    report = _read(
        make_book, [HEADER, ["Payroll", "HR", 600], ["Recruiting", "HR", 400], ["HR total", "HR", 1100]]
    )
    plan = _loaded(report)
    assert plan.current_total == 1000
    assert any("gives 1,100, but the HR lines add up to 1,000" in note for note in report.notes)


@pytest.mark.parametrize(
    "label", ["Total", "TOTAL:", "Sub-total", "Summe", "Gesamt", "Total général", "Totale", "Suma total"]
)
def test_total_words_in_any_language(make_book: MakeBook, label: str) -> None:
    report = _read(
        make_book, [HEADER, ["Payroll", "HR", 600], ["Ads", "Acquisition", 400], [label, None, 1000]]
    )
    assert _loaded(report).current_total == 1000
    assert any("is a total row and is skipped" in note for note in report.notes)


def test_a_line_whose_name_starts_with_total_is_a_line(make_book: MakeBook) -> None:
    plan = _loaded(_read(make_book, [HEADER, ["Total rewards programme", "HR", 250], ["Payroll", "HR", 600]]))
    assert [line.name for line in plan.lines] == ["Total rewards programme", "Payroll"]


def test_headings_and_footnotes_are_skipped_with_their_reason(make_book: MakeBook) -> None:
    report = _read(
        make_book,
        [
            HEADER,
            ["Functions behind the customer"],
            ["Payroll", "HR", 600],
            [],
            ["Customer initiatives"],
            ["Ads", "Acquisition", 400],
            ["* Figures exclude VAT and are subject to the board's approval in March"],
        ],
    )
    assert _loaded(report).current_total == 1000
    assert sum("is a heading and is skipped" in note for note in report.notes) == 2
    assert sum("is a note and is skipped" in note for note in report.notes) == 1


def test_a_line_missing_its_current_spend_is_still_refused(make_book: MakeBook) -> None:
    report = _read(make_book, [HEADER, ["Payroll", "HR", None], ["Ads", "Acquisition", 400]])
    assert report.plan is None
    assert any("Current is blank" in issue.message for issue in report.issues)


# -- units ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "scale"),
    [
        ("Amounts in $000s", 1_000),
        ("Budget FY26 (in thousands of euros)", 1_000),
        ("All figures in EUR thousands", 1_000),
        ("All figures £m", 1_000_000),
    ],
)
def test_a_unit_in_a_title_scales_every_amount(make_book: MakeBook, title: str, scale: int) -> None:
    report = _read(
        make_book, [[title], [], [*HEADER, "Floor"], ["Payroll", "HR", 600, 500], ["Ads", "Acq", 1.5, None]]
    )
    plan = _loaded(report)
    assert [line.current for line in plan.lines] == [600 * scale, 1.5 * scale]
    assert plan.lines[0].floor == 500 * scale
    assert any(f"multiplied by {scale:,}" in note for note in report.notes)


def test_a_unit_in_a_header_scales_its_column(make_book: MakeBook) -> None:
    report = _read(make_book, [["Line", "Function", "Budget (k€)", "Floor"], ["Payroll", "HR", 600, 100]])
    line = _loaded(report).lines[0]
    assert (line.current, line.floor) == (600_000, 100)


def test_two_units_that_disagree_are_refused(make_book: MakeBook) -> None:
    report = _read(make_book, [["Amounts in $000s"], ["Amounts in millions"], HEADER, ["Payroll", "HR", 600]])
    assert report.plan is None
    assert any("unit is unclear" in issue.message for issue in report.issues)


@pytest.mark.parametrize(
    ("text", "scale"),
    [("Thousand Oaks campus", None), ("Column", None), ("Minimum", None), ("(000)", 1_000), ("TEUR", 1_000)],
)
def test_unit_words(text: str, scale: float | None) -> None:
    assert unit_scale(text) == scale


# -- one convention per column ------------------------------------------------------------------


def test_european_amounts_are_read_alike_whatever_their_size(make_book: MakeBook) -> None:
    plan = _loaded(
        _read(
            make_book,
            [
                HEADER,
                ["Payroll", "HR", "820.000 €"],
                ["Servers", "IT", "1.450.000 €"],
                ["Ads", "Acq", "95.500,50 €"],
            ],
        )
    )
    assert [line.current for line in plan.lines] == [820_000, 1_450_000, 95_500.5]


def test_a_column_decides_how_a_lone_separator_is_read(make_book: MakeBook) -> None:
    plan = _loaded(_read(make_book, [HEADER, ["Payroll", "HR", "1,234.50"], ["Ads", "Acq", "820.000"]]))
    assert [line.current for line in plan.lines] == [1234.5, 820.0]


def test_a_column_written_both_ways_refuses_what_could_be_read_either_way(make_book: MakeBook) -> None:
    rows = [HEADER, ["Payroll", "HR", "1,234.50"], ["Ads", "Acq", "2.345,50"]]
    report = _read(make_book, rows)
    assert [line.current for line in _loaded(report).lines] == [1234.5, 2345.5]
    assert any("writes amounts both as '1,234.50' and as '2.345,50'" in note for note in report.notes)
    report = _read(make_book, [*rows, ["Desk", "Service", "820.000"]])
    assert report.plan is None
    assert [(i.row, i.column) for i in report.issues] == [(4, "C")]
    assert "could be read with its separator grouping thousands" in report.issues[0].message


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("0.125", DecimalMark.POINT),
        ("820.000 €", None),
        ("1 234,56", DecimalMark.COMMA),
        ("82,00,000", DecimalMark.POINT),
    ],
)
def test_what_one_amount_says_about_its_column(text: str, mark: DecimalMark | None) -> None:
    assert decimal_mark(text) is mark


def test_indian_grouping() -> None:
    assert read_money("₹82,00,000") == 8_200_000


# -- floors and caps as percentages --------------------------------------------------------------


def test_a_floor_typed_as_a_percentage_is_a_share_of_the_lines_current(make_book: MakeBook) -> None:
    report = _read(make_book, [[*HEADER, "Floor", "Cap"], ["Payroll", "HR", 600, "90%", "150 %"]])
    line = _loaded(report).lines[0]
    assert (line.floor, line.cap) == pytest.approx((540, 900))
    assert any("floor 90% is a share of the line's current" in note for note in report.notes)


def test_a_floor_formatted_as_a_percentage_is_a_share_of_the_lines_current(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Budget"
    sheet.append([*HEADER, "Floor"])
    sheet.append(["Payroll", "HR", 600, 0.9])
    sheet.append(["Ads", "Acquisition", 400, 5])
    sheet["D2"].number_format = "0%"
    book.save(tmp_path / "pct.xlsx")
    plan = _loaded(read_plan(tmp_path / "pct.xlsx"))
    assert [line.floor for line in plan.lines] == pytest.approx([540, 5])
    assert plan.lines[0].kind is Kind.INTERNAL


def test_total_labels() -> None:
    assert total_label("HR total", ["HR"]) == "HR total"
    assert total_label("Total rewards", ["HR"]) is None
    assert total_label(1000, ["HR"]) is None


def test_a_hidden_draft_is_never_preferred_to_the_visible_budget(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    draft = book.active
    assert draft is not None
    draft.title = "Budget"
    draft.append(HEADER)
    draft.append(["Payroll", "HR", 999])
    draft.sheet_state = "hidden"
    revised = book.create_sheet("Budget revised")
    revised.append(HEADER)
    revised.append(["Payroll", "HR", 600])
    revised.append(["Ads", "Acquisition", 400])
    book.save(tmp_path / "hidden.xlsx")
    report = read_plan(tmp_path / "hidden.xlsx")
    assert _loaded(report).current_total == 1000
    assert any("hidden sheet 'Budget' is not read" in note for note in report.notes)


@pytest.mark.parametrize(
    "rows",
    [
        [
            ["Line", "Function", "Currency", "Current"],
            ["Payroll", "HR", "EUR", 600],
            ["Ads", "Acq", "USD", 400],
        ],
        [HEADER, ["Payroll", "HR", "€600"], ["Ads", "Acq", "£400"]],
        [HEADER, ["Payroll", "HR", "600 CHF"], ["Ads", "Acq", "400 EUR"]],
    ],
)
def test_several_currencies_are_refused_each_named(make_book: MakeBook, rows: list[list[Any]]) -> None:
    report = _read(make_book, rows)
    assert report.plan is None
    assert any("several currencies" in issue.message for issue in report.issues)


def test_one_currency_written_two_ways_is_one_currency(make_book: MakeBook) -> None:
    report = _read(make_book, [HEADER, ["Payroll", "HR", "$600"], ["Ads", "Acq", "USD 400"]])
    assert _loaded(report).current_total == 1000


def test_a_title_and_a_header_stating_different_units_are_refused(make_book: MakeBook) -> None:
    report = _read(
        make_book, [["Amounts in thousands"], ["Line", "Function", "Budget (€m)"], ["Payroll", "HR", 6]]
    )
    assert report.plan is None
    assert "unit is unclear" in report.issues[0].message


def test_a_floor_column_headed_as_a_percentage_holds_shares(make_book: MakeBook) -> None:
    rows = [
        ["Line", "Function", "Current", "Floor (% of current)"],
        ["Payroll", "HR", 600, 0.8],
        ["Ads", "Acq", 400, 0],
    ]
    assert [line.floor for line in _loaded(_read(make_book, rows)).lines] == pytest.approx([480, 0])
    report = _read(make_book, [*rows, ["Desk", "Service", 100, 80]])
    assert report.plan is None
    assert "unclear under a percentage header" in report.issues[0].message


def test_a_line_named_like_a_total_is_refused_before_it_could_be_lost() -> None:
    from models.domain import Line, Plan
    from models.validation import validate

    plan = Plan((Line("Total", "HR", Kind.INTERNAL, 100.0), Line("Total IT", "IT", Kind.INTERNAL, 50.0)))
    messages = [issue.message for issue in validate(plan)]
    assert len(messages) == 2 and all("reads as a total row" in m for m in messages)


def test_a_hidden_column_is_never_preferred_to_a_visible_one(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Budget"
    sheet.append(["Line", "Function", "Budget", "Revised budget", "Floor"])
    sheet.append(["Payroll", "HR", 500, 600, 100])
    sheet.column_dimensions["C"].hidden = True
    sheet.column_dimensions["E"].hidden = True
    book.save(tmp_path / "hidden.xlsx")
    report = read_plan(tmp_path / "hidden.xlsx")
    line = _loaded(report).lines[0]
    assert (line.current, line.floor) == (600, 100)
    notes = " | ".join(report.notes)
    assert "Current is read from column D ('Revised budget'), not from the hidden column C" in notes
    assert "Floor is read from column E ('Floor'), which the sheet hides" in notes


def test_rows_below_the_grand_total_without_an_amount_are_notes(make_book: MakeBook) -> None:
    rows = [
        HEADER,
        ["Payroll", "HR", 600],
        ["Ads", "Acquisition", 400],
        ["Grand total", None, 1000],
        ["Prepared by", "J. Okafor", "2025-03-14"],
        ["Approved by", "CFO"],
    ]
    report = _read(make_book, rows)
    assert _loaded(report).current_total == 1000
    assert sum("below the grand total and holds no amount" in note for note in report.notes) == 2
    # Above the grand total a line without an amount is still refused.
    report = _read(make_book, [HEADER, ["Prepared by", "J. Okafor", "2025-03-14"], ["Payroll", "HR", 600]])
    assert report.plan is None


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def test_months_without_a_current_column_add_up_to_the_year(make_book: MakeBook) -> None:
    report = _read(
        make_book, [["Line", "Function", *MONTHS], ["Payroll", "HR", *[50] * 12], ["Ads", "Acq", *[10] * 12]]
    )
    assert [line.current for line in _loaded(report).lines] == [600, 120]
    assert any("Current is the sum of the months in columns C to N" in note for note in report.notes)


def test_a_year_total_beside_the_quarters_is_checked_against_them(make_book: MakeBook) -> None:
    header = ["Cost centre", "Function", "Q1", "Q2", "Q3", "Q4", "FY total"]
    plan = _loaded(_read(make_book, [header, ["Payroll", "HR", 150, 150, 150, 150, 600]]))
    assert plan.lines[0].current == 600
    report = _read(make_book, [header, ["Payroll", "HR", 150, 150, 150, 150, 650]])
    assert report.plan is None
    assert report.issues[0].column == "G"
    assert "is not the sum of its periods (600)" in report.issues[0].message


def test_months_written_as_text_are_read_from_their_own_cells(make_book: MakeBook) -> None:
    text = ["1,000"] * 11 + ["2,000"]
    plan = _loaded(_read(make_book, [["Line", "Function", *MONTHS], ["Payroll", "HR", *text]]))
    assert plan.lines[0].current == 13_000
    header = ["Line", "Function", *MONTHS, "FY total"]
    plan = _loaded(_read(make_book, [header, ["Payroll", "HR", *text, "13,000"]]))
    assert plan.lines[0].current == 13_000


@pytest.mark.parametrize("year_total", [False, True])
def test_a_blank_month_is_refused_at_its_cell(make_book: MakeBook, year_total: bool) -> None:
    header = ["Line", "Function", *MONTHS, *(["FY total"] if year_total else [])]
    row = ["Payroll", "HR", *[50] * 11, None, *([600] if year_total else [])]
    report = _read(make_book, [header, row, ["Ads", "Acq", *[10] * 12, *([120] if year_total else [])]])
    assert report.plan is None
    assert [(issue.row, issue.column) for issue in report.issues] == [(2, "N")]
    assert "blank" in report.issues[0].message


def test_eleven_months_are_not_a_year(make_book: MakeBook) -> None:
    report = _read(make_book, [["Line", "Function", *MONTHS[:11]], ["Payroll", "HR", *[50] * 11]])
    assert report.plan is None
    assert "Missing required column Current" in report.issues[0].message


def test_a_line_read_from_a_workbook_cannot_be_renamed_like_a_total(make_book: MakeBook) -> None:
    from models.edits import EditError, set_line_field

    plan = _loaded(_read(make_book, [HEADER, ["Payroll", "HR", 600]]))
    with pytest.raises(EditError, match="reads as a total row"):
        set_line_field(plan, 0, "name", "Total")


def test_collapsed_outline_detail_rows_are_lines(tmp_path: Path) -> None:
    """Excel's Data > Group collapsed: the detail rows are hidden, and still the budget's lines."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Budget"
    for row in [
        HEADER,
        ["Payroll", "HR", 600],
        ["Recruiting", "HR", 400],
        ["HR total", "HR", 1000],
        ["Servers", "IT", 700],
        ["IT total", "IT", 700],
    ]:
        sheet.append(row)
    for r in (2, 3, 5):
        sheet.row_dimensions[r].outlineLevel = 1
        sheet.row_dimensions[r].hidden = True
    path = tmp_path / "collapsed.xlsx"
    book.save(path)
    plan = _loaded(read_plan(path))
    assert [line.name for line in plan.lines] == ["Payroll", "Recruiting", "Servers"]
    assert plan.current_total == 1700


def test_amounts_too_large_to_add_above_a_total_row_are_refused_at_their_cells(make_book: MakeBook) -> None:
    report = _read(
        make_book,
        [HEADER, ["Payroll", "HR", 1e308], ["Recruiting", "HR", 1e308], ["HR total", "HR", 2e300]],
    )
    assert report.plan is None
    assert {(i.row, i.column) for i in report.issues} >= {(2, "C"), (3, "C")}
    assert not any("damaged" in i.message for i in report.issues)
