"""What Fulcrum refuses to solve: amounts beyond its stated limits and names with control characters,
refused with the cell named in the workbook, the window's edits and ``solve --json`` alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import xlsxwriter

from models.cells import CellError, read_text
from models.domain import Basis, Bound, FunctionRule, Kind, Line, Plan, Policy
from models.edits import EditError, parse_line_field, set_line_field, set_policy
from models.project import Project
from models.scenarios import ScenarioError, add_scenario, rename_scenario
from models.validation import MAX_AMOUNT, MAX_BUDGET_MULTIPLE, validate
from planner.cli import main


def _book(path: Path, budget: list[list[object]], policy: list[list[object]] | None = None) -> Path:
    """A workbook written with xlsxwriter, which keeps control characters a workbook can hold escaped."""
    book = xlsxwriter.Workbook(str(path))
    for name, rows in (("Budget", budget), ("Policy", policy)):
        if rows is None:
            continue
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                elif value is not None:
                    sheet.write_number(r, c, float(value))  # type: ignore[arg-type]
    book.close()
    return path


HEADER = ["Line", "Function", "Current"]
LINES = [["Service desk", "Customer service", 200], ["Payroll", "HR", 100], ["Network", "IT", 300]]


def _solve_json(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main(["solve", str(path), "--json"])
    return code, json.loads(capsys.readouterr().out)


# -- amounts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        (1e308, "Total budget: 1e+308 is above 1,000,000,000,000,000, the largest amount Fulcrum solves"),
        (600 * 1e20, "Total budget: 6e+22 is above 1,000,000,000,000,000"),
        (600 * 1e8, "Total budget 60,000,000,000 is more than 1,000,000 times the current spend (600)"),
        (600 * 1e15, "Total budget: 600,000,000,000,000,000 is above 1,000,000,000,000,000"),
    ],
)
def test_a_budget_the_solver_cannot_honour_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], budget: float, message: str
) -> None:
    path = _book(
        tmp_path / "p.xlsx",
        [HEADER, *LINES],
        [["Setting", "Value"], ["Total budget", budget], ["Spend whole budget", "no"]],
    )
    code, data = _solve_json(path, capsys)
    assert code == 2
    assert data["status"] == "invalid-input"
    assert data["allocation"] == {}
    issues = data["issues"]
    assert isinstance(issues, list) and len(issues) == 1
    assert issues[0]["sheet"] == "Policy"
    assert issues[0]["message"].startswith(message)


def test_amounts_whose_sum_overflows_are_refused_at_their_cells(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _book(tmp_path / "p.xlsx", [HEADER, ["A", "HR", 1e308], ["B", "IT", 1e308], ["C", "Sales", 5]])
    code, data = _solve_json(path, capsys)
    assert code == 2
    issues = data["issues"]
    assert isinstance(issues, list)
    assert [(i["sheet"], i["row"], i["column"]) for i in issues] == [("Budget", 2, "C"), ("Budget", 3, "C")]
    assert all(
        "damaged" not in i["message"] and "above 1,000,000,000,000,000" in i["message"] for i in issues
    )


def test_the_limits_hold_for_plans_made_in_the_window() -> None:
    plan = Plan(
        (
            Line("Service desk", "Customer service", Kind.CUSTOMER, 200.0),
            Line("Payroll", "HR", Kind.INTERNAL, 100.0),
        )
    )
    with pytest.raises(EditError, match="Current of 'Payroll': 2,000,000,000,000,000 is above"):
        set_line_field(plan, 1, "current", 2e15)
    with pytest.raises(EditError, match="Cap of 'Payroll': 1e\\+20 is above"):
        set_line_field(plan, 1, "cap", 1e20)
    with pytest.raises(EditError, match="more than 1,000,000 times the current spend"):
        set_policy(plan, total_budget=300.0 * MAX_BUDGET_MULTIPLE * 2)
    assert set_policy(plan, total_budget=300.0 * MAX_BUDGET_MULTIPLE).budget == 300.0 * MAX_BUDGET_MULTIPLE
    assert set_line_field(plan, 1, "current", MAX_AMOUNT).lines[1].current == MAX_AMOUNT
    rule = FunctionRule("HR", floor=Bound(5e15, Basis.AMOUNT))
    issues = validate(Plan(plan.lines, Policy(functions=(rule,))))
    assert [i.message for i in issues] == [
        "The floor of HR: 5,000,000,000,000,000 is above 1,000,000,000,000,000, "
        "the largest amount Fulcrum solves"
    ]


# -- control characters in names ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Bad\x01name", "Nul\x00l", "Red\x1b[31m", "Del\x7f"])
def test_a_name_with_a_control_character_is_refused_at_its_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = _book(tmp_path / "p.xlsx", [HEADER, *LINES[:2], [name, "IT", 300]])
    code, data = _solve_json(path, capsys)
    assert code == 2
    issues = data["issues"]
    assert isinstance(issues, list) and len(issues) == 1
    assert (issues[0]["sheet"], issues[0]["row"], issues[0]["column"]) == ("Budget", 4, "A")
    assert "control character" in issues[0]["message"]


def test_a_function_name_with_a_control_character_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _book(tmp_path / "p.xlsx", [HEADER, *LINES[:2], ["Network", "I\x02T", 300]])
    code, data = _solve_json(path, capsys)
    assert code == 2
    issues = data["issues"]
    assert isinstance(issues, list)
    assert (issues[0]["row"], issues[0]["column"]) == (4, "B")


def test_names_typed_in_the_window_refuse_control_characters() -> None:
    with pytest.raises(EditError, match="control character U\\+001B"):
        parse_line_field("name", "Red\x1b[31m")
    with pytest.raises(CellError, match="control character U\\+0001"):
        read_text("a\x01b")
    assert read_text("Line\twith\nbreaks") == "Line with breaks"
    plan = Plan((Line("A", "HR", Kind.INTERNAL, 1.0),))
    with pytest.raises(EditError, match="Line name 'B\\\\x00' holds the control character U\\+0000"):
        set_line_field(plan, 0, "name", "B\x00")


def test_scenario_names_refuse_control_characters() -> None:
    plan = Plan((Line("A", "HR", Kind.INTERNAL, 1.0),))
    project = add_scenario(Project(plan), "Base", plan, None)
    with pytest.raises(ScenarioError, match="control character U\\+0007"):
        add_scenario(project, "Bell\x07", plan, None)
    with pytest.raises(ScenarioError, match="control character"):
        rename_scenario(project, "Base", "\x1b[2J")
