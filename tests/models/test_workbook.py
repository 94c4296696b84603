"""Reading plans from workbooks: the format, its variations, and every bad input."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from models.domain import Basis, Kind, Objective
from models.workbook import ImportReport, read_plan
from tests.conftest import SAMPLE

MakeBook = Callable[..., Path]
GOOD = [["Line", "Function", "Current"], ["Payroll", "HR", 100], ["Search ads", "Acquisition", 200]]


def only_issue(report: ImportReport) -> tuple[str, int | None, str | None, str]:
    assert report.plan is None
    assert len(report.issues) >= 1, report
    issue = report.issues[0]
    return issue.sheet, issue.row, issue.column, issue.message


def test_sample_plan_reads_completely() -> None:
    report = read_plan(SAMPLE)
    assert report.ok, report.issues
    plan = report.plan
    assert plan is not None
    assert 40 <= len(plan.lines) <= 80
    assert plan.policy.spend_whole_budget
    assert plan.policy.internal_share_min == pytest.approx(0.30)
    assert len(plan.policy.ratios) == 2
    it = plan.function_rule("IT")
    assert it is not None and it.floor is not None and it.floor.basis is Basis.BUDGET
    comms = plan.function_rule("internal comms")
    assert comms is not None and comms.floor is not None and comms.floor.basis is Basis.CURRENT
    assert {line.kind for line in plan.lines if line.function == "Training"} == {Kind.INTERNAL}


def test_header_below_title_rows_synonyms_and_text_money(make_book: MakeBook) -> None:
    path = make_book(
        {
            "Sheet1": [
                ["FY27 budget draft"],
                [],
                ["Cost centre", "Group", "Actual (€)", "Minimum", "Maximum", "Owner"],
                ["Payroll", "HR", "€ 1.200.000,00", "€1,000", None, "Ann"],
                ["Search ads", "Acquisition", "2,500,000", None, "3.1M", "Bob"],
                ["Total", None, "3,700,000"],
            ]
        }
    )
    report = read_plan(path)
    assert report.ok, report.issues
    plan = report.plan
    assert plan is not None
    payroll, ads = plan.lines
    assert (payroll.current, payroll.floor, payroll.cap) == (1_200_000, 1000, None)
    assert (ads.current, ads.cap) == (2_500_000, 3_100_000)
    assert payroll.source_row == 4
    assert payroll.kind is Kind.INTERNAL and ads.kind is Kind.CUSTOMER
    assert report.inferred_kinds == {"HR": Kind.INTERNAL, "Acquisition": Kind.CUSTOMER}
    assert any("total row" in note for note in report.notes)
    assert any("'Owner'" in note for note in report.notes)


def test_policy_and_functions_sheets(make_book: MakeBook) -> None:
    path = make_book(
        {
            "Budget": GOOD,
            "Functions": [
                ["Function", "Kind", "Floor", "Cap"],
                ["HR", "internal", "8%", None],
                ["Acquisition", None, None, "95% of current"],
            ],
            "Policy": [
                ["Setting", "Value"],
                ["Total budget", "$300"],
                ["Internal share min", "25 %"],
                ["Objective", "min-change"],
                ["Ratio", "Acquisition >= 1.5 x HR"],
                ["Spend whole budget", "yes"],
            ],
        }
    )
    report = read_plan(path)
    assert report.ok, report.issues
    plan = report.plan
    assert plan is not None
    assert plan.budget == 300
    assert plan.policy.internal_share_min == pytest.approx(0.25)
    assert plan.policy.objective is Objective.MIN_CHANGE
    assert plan.policy.spend_whole_budget
    ratio = plan.policy.ratios[0]
    assert (ratio.left, ratio.factor, ratio.right) == ("Acquisition", 1.5, "HR")
    hr = plan.function_rule("HR")
    assert hr is not None and hr.floor is not None
    assert (hr.floor.value, hr.floor.basis) == (pytest.approx(0.08), Basis.BUDGET)


def test_percent_formatted_floor_is_a_share_of_budget(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Budget"
    for row in GOOD:
        sheet.append(row)
    functions = book.create_sheet("Functions")
    functions.append(["Function", "Floor"])
    functions.append(["HR", 0.1])
    functions["B2"].number_format = "0%"
    path = tmp_path / "pct.xlsx"
    book.save(path)
    plan = read_plan(path).plan
    assert plan is not None
    rule = plan.function_rule("HR")
    assert rule is not None and rule.floor is not None
    assert (rule.floor.value, rule.floor.basis) == (pytest.approx(0.1), Basis.BUDGET)


@pytest.mark.parametrize(
    ("number_format", "expected"),
    [("0%", Basis.BUDGET), ("0.0 %", Basis.BUDGET), ('#,##0.00" %"', None), ("#,##0.00", None)],
)
def test_floor_format_decides_percent_or_amount(
    tmp_path: Path, number_format: str, expected: Basis | None
) -> None:
    # A quoted "%" only shows the sign; Excel does not scale such a number, so
    # 0.1 there is as ambiguous as a plain 0.1 (10% or an amount of 0.10?).
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Budget"
    for row in GOOD:
        sheet.append(row)
    functions = book.create_sheet("Functions")
    functions.append(["Function", "Floor"])
    functions.append(["HR", 0.1])
    functions["B2"].number_format = number_format
    path = tmp_path / "fmt.xlsx"
    book.save(path)
    report = read_plan(path)
    if expected is None:
        assert [(i.sheet, i.row, i.column) for i in report.issues] == [("Functions", 2, "B")]
        assert "ambiguous" in report.issues[0].message
        return
    assert report.plan is not None, report.issues
    rule = report.plan.function_rule("HR")
    assert rule is not None and rule.floor is not None
    assert rule.floor.basis is expected


def test_budget_max_change_above_100_percent_reads_from_its_format(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Budget"
    sheet.append(["Line", "Function", "Current", "Max change"])
    sheet.append(["Payroll", "HR", 100, 1.5])
    sheet.append(["Search ads", "Acquisition", 200, 2.5])
    sheet["D2"].number_format = "0%"
    path = tmp_path / "change.xlsx"
    book.save(path)
    report = read_plan(path)
    # D2 is 150% by its format; D3 is a plain 2.5, which could mean 2.5% or 250%.
    assert report.plan is None
    assert [(i.sheet, i.row, i.column) for i in report.issues] == [("Budget", 3, "D")]
    assert "ambiguous" in report.issues[0].message
    sheet["D3"].number_format = "0.0%"
    book.save(path)
    report = read_plan(path)
    assert report.plan is not None, report.issues
    assert [line.max_change for line in report.plan.lines] == [pytest.approx(1.5), pytest.approx(2.5)]


# -- files that are not workbooks -------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    _, _, _, message = only_issue(read_plan(tmp_path / "nope.xlsx"))
    assert message == "nope.xlsx does not exist"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "is empty"),
        (b"Line,Function,Current\nPayroll,HR,100\n", "looks like CSV"),
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "web page"),
        (b"PK\x03\x04garbage that is not a zip archive at all", "damaged"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Office document"),
    ],
)
def test_files_that_are_not_workbooks(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(content)
    sheet, row, column, message = only_issue(read_plan(path))
    assert fragment in message
    assert message.startswith("plan.xlsx ")
    assert (row, column) == (None, None)


def test_legacy_xls(tmp_path: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    book.add_sheet("Budget").write(0, 0, "Line")
    path = tmp_path / "old.xls"
    book.save(str(path))
    _, _, _, message = only_issue(read_plan(path))
    assert "legacy Excel 97-2003 workbook (.xls)" in message


def test_password_protected(tmp_path: Path, make_book: MakeBook) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = make_book({"Budget": GOOD})
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as source, locked.open("wb") as target:
        OOXMLFile(source).encrypt("secret", target)
    _, _, _, message = only_issue(read_plan(locked))
    assert "protected with a password" in message


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "not an Excel workbook" in only_issue(read_plan(path))[3]


def test_xml_bomb_is_refused(tmp_path: Path, make_book: MakeBook) -> None:
    good = make_book({"Budget": GOOD})
    bomb = tmp_path / "bomb.xlsx"
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">' for i in range(1, 9))
        + "]>"
    )
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bomb, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith("sheet1.xml"):
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = laughs.encode() + body
            target.writestr(item, data)
    assert "declares a document type" in only_issue(read_plan(bomb))[3]


def test_decompression_bomb_is_refused(tmp_path: Path, make_book: MakeBook) -> None:
    good = make_book({"Budget": GOOD})
    bomb = tmp_path / "inflate.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item))
        with target.open("xl/media/padding.bin", "w", force_zip64=True) as stream:
            block = b"\x00" * (1 << 20)
            for _ in range(64):
                stream.write(block)
    assert bomb.stat().st_size < 5 * 2**20
    message = only_issue(read_plan(bomb))[3]
    assert "unpack to" in message or "decompression bomb" in message


# -- cell and sheet problems ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "where", "fragment"),
    [
        ([["Line", "Function"], ["a", "HR"]], ("Budget", 1, None), "Missing required column Current"),
        (
            [["Line", "Name", "Function", "Current"], ["a", "b", "HR", 1]],
            ("Budget", 1, "B"),
            "Duplicate header",
        ),
        ([*GOOD, ["Laptops", None, 5]], ("Budget", 4, "B"), "Function is blank"),
        ([*GOOD, ["Laptops", "IT", None]], ("Budget", 4, "C"), "Current is blank"),
        ([*GOOD, ["Laptops", "IT", "TBD"]], ("Budget", 4, "C"), "'TBD' cannot be read as an amount"),
        ([*GOOD, ["Laptops", "IT", True]], ("Budget", 4, "C"), "TRUE/FALSE"),
        ([*GOOD, ["Laptops", "IT", -5]], ("Budget", 4, "C"), "negative"),
        ([*GOOD, ["payroll ", "IT", 5]], ("Budget", 4, "A"), "is used twice"),
        (
            [["Line", "Function", "Current", "Floor", "Cap"], ["a", "HR", 5, 10, 8]],
            ("Budget", 2, "D"),
            "Floor 10 of 'a' is above its cap 8",
        ),
        ([["Line", "Function", "Current"]], ("Budget", None, None), "no lines"),
        (
            [["Line", "Function", "Current", "Kind"], ["a", "HR", 5, "sometimes"]],
            ("Budget", 2, "D"),
            "not 'customer' or 'internal'",
        ),
    ],
)
def test_budget_sheet_problems(
    make_book: MakeBook, rows: list[list[object]], where: tuple[str, int | None, str | None], fragment: str
) -> None:
    sheet, row, column, message = only_issue(read_plan(make_book({"Budget": rows})))
    assert (sheet, row, column) == where
    assert fragment in message


def test_date_in_money_column(make_book: MakeBook) -> None:
    import datetime as dt

    path = make_book({"Budget": [*GOOD, ["Laptops", "IT", dt.datetime(2026, 3, 1)]]})
    sheet, row, column, message = only_issue(read_plan(path))
    assert (sheet, row, column) == ("Budget", 4, "C")
    assert "date" in message


def test_formula_without_cached_value_and_error_cells(make_book: MakeBook) -> None:
    path = make_book(
        {
            "Budget": [
                ["Line", "Function", "Current", "Cap"],
                ["a", "HR", "=1+2", None],
                ["b", "IT", 5, "#N/A"],
            ]
        }
    )
    book = openpyxl.load_workbook(path)
    book["Budget"]["D3"].data_type = "e"
    book.save(path)
    report = read_plan(path)
    found = {(i.row, i.column): i.message for i in report.issues}
    assert "formula with no saved value" in found[2, "C"]
    assert "error #N/A" in found[3, "D"]
    assert report.plan is None


def test_policy_and_function_problems(make_book: MakeBook) -> None:
    path = make_book(
        {
            "Budget": GOOD,
            "Functions": [["Function", "Floor", "Cap"], ["Marketing", 5, None], ["HR", 50, 40]],
            "Policy": [
                ["Setting", "Value"],
                ["Internal share min", "120%"],
                ["Ratio", "Acquisition is bigger than HR"],
                ["Ratio", "Legal >= 2 x HR"],
                ["Colour", "blue"],
            ],
        }
    )
    report = read_plan(path)
    found = {(i.sheet, i.row, i.column): i.message for i in report.issues}
    assert "share above 100%" in found["Policy", 2, "B"]
    assert "cannot be read as a ratio rule" in found["Policy", 3, "B"]
    assert "Unknown setting 'Colour'" in found["Policy", 5, "A"]
    assert report.plan is None


def test_plan_level_problems_name_their_rows(make_book: MakeBook) -> None:
    path = make_book(
        {
            "Budget": GOOD,
            "Functions": [["Function", "Floor", "Cap"], ["Marketing", 5, None], ["HR", 50, 40]],
            "Policy": [["Setting", "Value"], ["Ratio", "Legal >= 2 x HR"]],
        }
    )
    found = {(i.sheet, i.row): i.message for i in read_plan(path).issues}
    assert "'Marketing' has no lines" in found["Functions", 2]
    assert "floor of HR (50) is above its cap (40)" in found["Functions", 3]
    assert "names function 'Legal'" in found["Policy", 2]


def test_every_issue_is_reported_at_once(make_book: MakeBook) -> None:
    rows = [*GOOD, ["x", "IT", "TBD"], ["y", None, 3], ["z", "IT", -1]]
    report = read_plan(make_book({"Budget": rows}))
    assert [(i.row, i.column) for i in report.issues] == [(4, "C"), (5, "B"), (6, "C")]


def test_balance_check_thresholds_are_policy_settings(make_book: MakeBook) -> None:
    path = make_book(
        {
            "Budget": GOOD,
            "Policy": [
                ["Setting", "Value"],
                ["Warn internal cut", "10%"],
                ["Warn line share", "35%"],
                ["Warn acquisition multiple", 3],
            ],
        }
    )
    report = read_plan(path)
    assert report.plan is not None, report.issues
    checks = report.plan.policy.checks
    assert (checks.internal_cut, checks.line_share, checks.acquisition_multiple) == (0.1, 0.35, 3.0)
    assert checks.internal_share == 0.2  # the default where the sheet is silent
