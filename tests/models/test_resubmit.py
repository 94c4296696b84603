"""One department's resubmitted workbook in place of its lines: real files, exact money."""

from __future__ import annotations

import math
from dataclasses import astuple, replace
from pathlib import Path

import pytest

from models.consolidate import read_plans
from models.domain import Basis, Bound, FunctionRule, Kind, Line, Plan, RatioRule, function_key
from models.resubmit import read_resubmission, replace_department, replace_lines
from tests.conftest import write_book
from tests.departments import HR_LINES, HR_V2_LINES, IT_LINES, department_file, three_departments


def _whole(line: Line) -> tuple[object, ...]:
    """Every field of a line, its file, sheet and row included (equality leaves them out)."""
    return astuple(line)


def _consolidated(folder: Path) -> Plan:
    report = read_plans(three_departments(folder))
    assert report.ok, report.issues
    assert report.plan is not None
    return report.plan


def _of(plan: Plan, function: str) -> list[Line]:
    return [line for line in plan.lines if function_key(line.function) == function_key(function)]


@pytest.fixture
def plan(tmp_path: Path) -> Plan:
    """HR, IT and Customer Service consolidated, with rules set as the window sets them."""
    return _consolidated(tmp_path).with_policy(
        total_budget=3_000_000.0,
        internal_share_min=0.2,
        functions=(
            FunctionRule("HR", floor=Bound(0.9, Basis.CURRENT)),
            FunctionRule("IT", floor=Bound(300_000.0), cap=Bound(0.4, Basis.BUDGET)),
        ),
        ratios=(RatioRule("Customer Service", 0.5, "IT"),),
    )


def test_hr_resubmitted_replaces_exactly_hrs_lines(tmp_path: Path, plan: Plan) -> None:
    v2 = department_file(tmp_path, "HR_FY25_v2.xlsx", HR_V2_LINES)
    outcome = replace_department(plan, v2)
    assert outcome.ok, outcome.issues
    new = outcome.plan
    assert new is not None

    hr = _of(new, "HR")
    assert [(line.name, line.current) for line in hr] == [
        ("Payroll", 600_000.10),
        ("Recruiting", 100_000.0),
        ("HR / Salaries", 500_000.0),
        ("Wellbeing", 59_999.90),
    ]
    assert {line.source_file for line in hr} == {"HR_FY25_v2.xlsx"}
    assert [line.source_row for line in hr] == [3, 4, 5, 6]
    assert {line.kind for line in hr} == {Kind.INTERNAL}

    # Every other department's line is the very line it was: name, money, source, position.
    others = [line for line in plan.lines if function_key(line.function) != "hr"]
    kept = [line for line in new.lines if function_key(line.function) != "hr"]
    assert [_whole(line) for line in kept] == [_whole(line) for line in others]
    assert all(a is b for a, b in zip(kept, others, strict=True))
    assert [line.name for line in new.lines][4:] == [line.name for line in plan.lines][4:]

    # Money: the other departments' to the cent, plus HR's new lines; nothing dropped or doubled.
    assert new.current_total == math.fsum([*(line.current for line in others), *(a for _, a in HR_V2_LINES)])
    assert new.function_current()["it"] == plan.function_current()["it"] == math.fsum(a for _, a in IT_LINES)
    assert new.function_current()["customer service"] == plan.function_current()["customer service"]
    assert new.function_current()["hr"] == math.fsum(a for _, a in HR_V2_LINES)
    assert len(new.lines) == len(plan.lines)

    # The rules, the budget and the plan's name are kept.
    assert new.policy == plan.policy
    assert new.name == plan.name

    change = outcome.departments[0]
    assert (change.added, change.removed, change.renamed) == (("Wellbeing",), ("Training",), ())
    assert change.changed == ("Recruiting: Current 80,000 -> 100,000",)
    assert change.current_before == math.fsum(a for _, a in HR_LINES)
    assert outcome.notes[:5] == (
        "HR: 4 lines replaced by 4 from HR_FY25_v2.xlsx; current 1,200,000.1 -> 1,260,000",
        "HR: added Wellbeing (59,999.9)",
        "HR: removed Training (20,000)",
        "HR: changed Recruiting: Current 80,000 -> 100,000",
        "HR: the lines replaced were read from HR_FY25.xlsx",
    )
    assert outcome.summary == outcome.notes[0]


def test_the_replacement_is_the_plan_read_afresh_with_the_new_file(tmp_path: Path) -> None:
    files = three_departments(tmp_path)
    plan = _consolidated(tmp_path)
    v2 = department_file(tmp_path / "resubmitted", "HR_FY25_v2.xlsx", HR_V2_LINES)
    outcome = replace_department(plan, v2)
    afresh = read_plans([v2, *files[1:]]).plan
    assert outcome.plan is not None and afresh is not None
    assert sorted(map(_whole, outcome.plan.lines)) == sorted(map(_whole, afresh.lines))


def test_a_name_another_department_has_is_named_with_its_function(tmp_path: Path, plan: Plan) -> None:
    v2 = department_file(tmp_path, "HR_FY25_v2.xlsx", (*HR_LINES, ("Licences", 12_000.0)))
    outcome = replace_department(plan, v2)
    assert outcome.plan is not None, outcome.issues
    names = [line.name for line in outcome.plan.lines]
    assert "HR / Licences" in names
    assert "Licences" in names  # IT's line keeps its name
    assert [line.name for line in _of(outcome.plan, "IT")] == ["Servers", "Licences", "IT / Salaries"]
    assert outcome.departments[0].added == ("HR / Licences",)
    assert (
        "Named with their function, as another department has a line of the same name: HR / Licences "
        "(the other departments' lines keep their names)"
    ) in outcome.notes


def test_a_prefix_no_longer_needed_is_dropped_and_said(tmp_path: Path) -> None:
    first = department_file(tmp_path, "HR_FY25.xlsx", (("Events", 10_000.0), ("Payroll", 90_000.0)))
    second = department_file(tmp_path, "Marketing_FY25.xlsx", (("Events", 40_000.0), ("Ads", 60_000.0)))
    plan = read_plans([first, second]).plan
    assert plan is not None
    assert [line.name for line in plan.lines] == ["HR / Events", "Payroll", "Marketing / Events", "Ads"]

    marketing = department_file(tmp_path / "resubmitted", "Marketing_FY25.xlsx", (("Ads", 100_000.0),))
    step = replace_department(plan, marketing)
    assert step.plan is not None, step.issues
    assert [line.name for line in step.plan.lines] == ["HR / Events", "Payroll", "Ads"]  # HR's untouched

    hr = department_file(
        tmp_path / "resubmitted", "HR_FY25_v2.xlsx", (("Events", 12_000.0), ("Payroll", 90_000.0))
    )
    outcome = replace_department(step.plan, hr)
    assert outcome.plan is not None, outcome.issues
    assert [line.name for line in outcome.plan.lines] == ["Events", "Payroll", "Ads"]
    change = outcome.departments[0]
    assert (change.added, change.removed) == ((), ())
    assert change.renamed == (("HR / Events", "Events"),)
    assert change.changed == ("Events: Current 10,000 -> 12,000",)
    assert "HR: 'HR / Events' is now named 'Events'" in outcome.notes


def test_a_department_the_plan_does_not_have_is_refused(tmp_path: Path, plan: Plan) -> None:
    legal = department_file(tmp_path, "Legal_FY25.xlsx", (("Counsel", 250_000.0),))
    outcome = replace_department(plan, legal)
    assert outcome.plan is None and not outcome.ok
    [issue] = outcome.issues
    assert (issue.file, issue.sheet, issue.row) == ("Legal_FY25.xlsx", "Budget", 3)
    assert issue.message.startswith(
        "Department 'Legal', which the file's name gives lines that name no function"
    )
    assert "its departments are HR, IT, Customer Service" in issue.message
    assert "Legal_FY25.xlsx, sheet Budget, row 3" in str(issue)
    assert outcome.notes[0] == "Legal_FY25.xlsx replaced no lines: the plan is unchanged"


def test_a_file_mixing_a_known_and_an_unknown_department_is_refused(tmp_path: Path, plan: Plan) -> None:
    mixed = write_book(
        tmp_path / "Resubmission.xlsx",
        {
            "Budget": [
                ["Line", "Function", "Current"],
                ["Payroll", "Human Resources", 650_000],
                ["Counsel", "Legal", 250_000],
                ["Audit", "Legal", 50_000],
            ]
        },
    )
    outcome = replace_department(plan, mixed)
    assert outcome.plan is None
    [issue] = outcome.issues
    assert (issue.file, issue.sheet, issue.row, issue.column) == ("Resubmission.xlsx", "Budget", 3, "B")
    assert issue.message.startswith("Line 'Counsel' is of function 'Legal', which is not in the plan")


def test_a_file_of_several_known_departments_replaces_each(tmp_path: Path, plan: Plan) -> None:
    both = write_book(
        tmp_path / "Corporate_resubmission.xlsx",
        {
            "Budget": [
                ["Line", "Function", "Current"],
                ["Payroll", "Human Resources", 650_000.5],
                ["Cloud", "Information Technology", 300_000],
                ["Servers", "IT", 90_000],
            ]
        },
    )
    outcome = replace_department(plan, both)
    assert outcome.plan is not None, outcome.issues
    new = outcome.plan
    assert [line.name for line in new.lines] == ["Payroll", "Cloud", "Servers", "Call centre", "Chat support"]
    assert new.current_total == math.fsum([650_000.5, 300_000, 90_000, 900_000.99, 120_000])
    assert [d.function for d in outcome.departments] == ["HR", "IT"]
    assert outcome.notes[1].startswith("IT: 3 lines replaced by 2 from Corporate_resubmission.xlsx")
    assert new.policy == plan.policy


def test_a_damaged_file_is_refused_with_its_name(tmp_path: Path, plan: Plan) -> None:
    damaged = tmp_path / "HR_FY25_v2.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a workbook")
    outcome = replace_department(plan, damaged)
    assert outcome.plan is None
    assert outcome.issues and all(issue.file == "HR_FY25_v2.xlsx" for issue in outcome.issues)
    assert "HR_FY25_v2.xlsx" in str(outcome.issues[0])

    missing = replace_department(plan, tmp_path / "IT_FY25_v3.xlsx")
    assert missing.plan is None
    assert "does not exist" in missing.issues[0].message


def test_an_unreadable_amount_is_refused_at_its_cell(tmp_path: Path, plan: Plan) -> None:
    bad = write_book(
        tmp_path / "HR_FY25_v2.xlsx", {"Budget": [["Cost centre", "Budget"], ["Payroll", "TBD"]]}
    )
    outcome = replace_department(plan, bad)
    assert outcome.plan is None
    assert [str(issue) for issue in outcome.issues] == [
        "HR_FY25_v2.xlsx, sheet Budget, cell B2: Current: 'TBD' cannot be read as an amount of money"
    ]


def test_rules_in_the_resubmitted_file_are_not_taken(tmp_path: Path, plan: Plan) -> None:
    v2 = write_book(
        tmp_path / "HR_FY25_v2.xlsx",
        {
            "Budget": [["Cost centre", "Budget"], ["Payroll", 700_000]],
            "Functions": [["Function", "Floor"], ["HR", 690_000]],
            "Policy": [["Setting", "Value"], ["Total budget", 5_000_000]],
        },
    )
    outcome = replace_department(plan, v2)
    assert outcome.plan is not None, outcome.issues
    assert outcome.plan.policy == plan.policy
    assert outcome.plan.policy.total_budget == 3_000_000.0
    assert outcome.plan.function_rule("HR") == FunctionRule("HR", floor=Bound(0.9, Basis.CURRENT))
    assert any("states rules" in note and "are kept" in note for note in outcome.notes)


def test_a_kind_the_file_does_not_state_stays_as_in_the_plan(tmp_path: Path, plan: Plan) -> None:
    # The finance lead made Customer Service internal in the window; the resubmission has no Kind column.
    edited = replace(
        plan,
        lines=tuple(
            replace(line, kind=Kind.INTERNAL) if line.function == "Customer Service" else line
            for line in plan.lines
        ),
    )
    v2 = department_file(tmp_path, "Customer_Service_FY25_v2.xlsx", (("Call centre", 950_000.0),))
    outcome = replace_department(edited, v2)
    assert outcome.plan is not None, outcome.issues
    assert [line.kind for line in _of(outcome.plan, "Customer Service")] == [Kind.INTERNAL]
    assert any("gives no kind for Customer Service: it stays internal" in note for note in outcome.notes)

    stated = write_book(
        tmp_path / "Customer_Service_FY25_v3.xlsx",
        {"Budget": [["Cost centre", "Kind", "Budget"], ["Call centre", "customer", 950_000]]},
    )
    outcome = replace_department(edited, stated)
    assert outcome.plan is not None, outcome.issues
    assert [line.kind for line in _of(outcome.plan, "Customer Service")] == [Kind.CUSTOMER]
    assert any("Customer Service is now customer (it was internal)" in note for note in outcome.notes)


def test_a_name_clash_the_prefix_cannot_settle_is_refused(tmp_path: Path, plan: Plan) -> None:
    v2 = department_file(tmp_path, "HR_FY25_v2.xlsx", (("Payroll", 1.0), ("Total rewards", 2.0)))
    clash = replace_lines(
        plan,
        replace(
            read_resubmission(v2),
            plan=Plan(
                (Line("Servers", "HR", Kind.INTERNAL, 5.0), Line("HR / Servers", "HR", Kind.INTERNAL, 6.0))
            ),
        ),
    )
    assert clash.plan is None
    assert any("used twice" in issue.message for issue in clash.issues)


def test_an_empty_plan_has_nothing_to_replace(tmp_path: Path) -> None:
    v2 = department_file(tmp_path, "HR_FY25_v2.xlsx", HR_V2_LINES)
    outcome = replace_department(Plan(()), v2)
    assert outcome.plan is None
    assert "no lines to replace" in outcome.issues[0].message


def test_the_same_lines_again_change_nothing(tmp_path: Path, plan: Plan) -> None:
    again = department_file(tmp_path / "resubmitted", "HR_FY25_final.xlsx", HR_LINES)
    outcome = replace_department(plan, again)
    assert outcome.plan == plan
    assert "HR: the lines of HR_FY25_final.xlsx are the lines the plan has; nothing changed" in outcome.notes


def test_a_sheet_of_a_department_the_plan_does_not_have_is_refused(tmp_path: Path, plan: Plan) -> None:
    sheets = write_book(
        tmp_path / "Corporate.xlsx",
        {
            "HR": [["Cost centre", "Budget"], ["Payroll", 650_000]],
            "Legal": [["Cost centre", "Budget"], ["Counsel", 250_000], ["Audit", 50_000]],
        },
    )
    outcome = replace_department(plan, sheets)
    assert outcome.plan is None
    [issue] = outcome.issues
    assert (issue.file, issue.sheet, issue.row) == ("Corporate.xlsx", "Legal", 2)
    assert issue.message.startswith("Department 'Legal', which the sheet's name gives")
