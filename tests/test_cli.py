"""The command line, run as a user would: a real process, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLE, write_book


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )


def test_solve_json_on_the_sample(tmp_path: Path) -> None:
    out = tmp_path / "result.xlsx"
    done = run("solve", str(SAMPLE), "--json", "--out", str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["status"] == "optimal"
    assert len(data["allocation"]) == 57
    assert sum(data["allocation"].values()) <= 42_000_000 + 1
    assert set(data["impact"]) == {"customer", "internal", "total"}
    assert data["binding"] and all("shadow_price" in b for b in data["binding"])
    assert out.exists()


def test_infeasible_exit_1_with_explanation(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "tight.xlsx",
        {
            "Budget": [["Line", "Function", "Current"], ["a", "IT", 100], ["b", "Ads", 100]],
            "Functions": [["Function", "Floor"], ["IT", 150], ["Ads", 100]],
            "Policy": [["Setting", "Value"], ["Total budget", 200]],
        },
    )
    done = run("solve", str(path), "--json")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["status"] == "infeasible"
    assert data["allocation"] == {}
    assert "raise the budget by 50" in data["explanation"]["text"]


def test_invalid_input_exit_2_with_issues(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "bad.xlsx", {"Budget": [["Line", "Function", "Current"], ["a", "IT", "TBD"]]}
    )
    done = run("solve", str(path), "--json")
    assert done.returncode == 2
    data = json.loads(done.stdout)
    assert data["status"] == "invalid-input"
    assert data["issues"] == [
        {
            "sheet": "Budget",
            "row": 2,
            "column": "C",
            "message": "Current: 'TBD' cannot be read as an amount of money",
        }
    ]
    human = run("solve", str(path))
    assert human.returncode == 2
    assert "cell C2" in human.stderr and "Traceback" not in human.stderr


def test_readable_summary_and_help() -> None:
    done = run("solve", str(SAMPLE), "--objective", "min-change")
    assert done.returncode == 0
    assert "Allocated" in done.stdout and "Impact: customer" in done.stdout
    helped = run("--help")
    assert helped.returncode == 0 and "solve" in helped.stdout


def test_time_limit_is_reported_with_exit_status_3(tmp_path: Path) -> None:
    rows = [["Line", "Function", "Current", "Weight", "Max change"]]
    rows += [
        [f"Line {i}", ("HR", "IT", "Ads", "Help")[i % 4], 1000 + (i * 7919) % 5000, 0.5 + i % 7 / 10, "30%"]
        for i in range(6000)
    ]
    path = write_book(
        tmp_path / "big.xlsx",
        {
            "Budget": rows,
            "Policy": [["Setting", "Value"], ["Internal share min", "55%"], ["Spend whole budget", "yes"]],
        },
    )
    done = run("solve", str(path), "--json", "--time-limit", "0.000001")
    assert done.returncode == 3, done.stderr
    data = json.loads(done.stdout)
    assert data["status"] == "time-limit"
    assert data["allocation"] == {}


def test_compare_json_in_the_order_given(tmp_path: Path) -> None:
    lean = write_book(
        tmp_path / "lean.xlsx",
        {
            "Budget": [
                ["Line", "Function", "Current"],
                ["Payroll", "HR", 100],
                ["Search ads", "Acquisition", 200],
                ["Chatbot", "Service", 50],
            ],
            "Policy": [["Setting", "Value"], ["Total budget", 300]],
        },
    )
    out = tmp_path / "compare.xlsx"
    done = run("compare", str(SAMPLE), str(lean), "--json", "--out", str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [s["name"] for s in data["scenarios"]] == ["sample_plan", "lean"]
    for scenario in data["scenarios"]:
        assert scenario["status"] == "optimal"
        assert set(scenario["impact"]) == {"customer", "internal", "total"}
        assert sum(scenario["allocation"].values()) == pytest.approx(
            sum(scenario["totals"]["functions"].values())
        )
    assert len(data["scenarios"][1]["allocation"]) == 3
    assert out.exists()
    human = run("compare", str(SAMPLE), str(lean))
    assert human.returncode == 0
    assert "Total impact" in human.stdout and "lean" in human.stdout


def test_project_list_and_export(tmp_path: Path) -> None:
    from models.project import Project, Scenario, save_project
    from models.workbook import read_plan
    from planner.solve import solve

    plan = read_plan(SAMPLE).plan
    assert plan is not None
    path = save_project(
        tmp_path / "p.fulcrum",
        Project(
            plan, (Scenario("Base", plan, solve(plan), approved=True, notes="first"), Scenario("Draft", plan))
        ),
    )
    listed = run("project", str(path), "--list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0].startswith("Base [approved]: optimal")
    assert listed.stdout.splitlines()[1].startswith("Draft: not solved")
    out = tmp_path / "draft.xlsx"
    exported = run("project", str(path), "--export", "Draft", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    again = read_plan(out)
    assert again.plan is not None and again.plan.lines == plan.lines
    missing = run("project", str(path), "--export", "Nope", "--out", str(out))
    assert missing.returncode == 2 and "'Base', 'Draft'" in missing.stderr
    foreign = tmp_path / "x.fulcrum"
    foreign.write_text("hello")
    refused = run("project", str(foreign), "--list")
    assert refused.returncode == 2 and "not a SQLite database" in refused.stderr


def test_solve_json_has_the_price_of_balance_and_warnings() -> None:
    done = run("solve", str(SAMPLE), "--json")
    data = json.loads(done.stdout)
    price = data["price_of_balance"]
    # The sample's binding HR and Internal comms floors hold money that would go to IT without
    # them: they cost customers nothing, and the total impact a little.
    gained = price["customer_impact_without"] - price["customer_impact_with"]
    assert price["price"] == pytest.approx(max(gained, 0.0))
    assert price["total_impact_without"] > price["total_impact_with"]
    assert {f["function"] for f in price["floors"]} >= {"HR"}
    assert all(f["range"][0] <= f["floor"] for f in price["floors"])
    assert [w["code"] for w in data["warnings"]] == ["internal-cut"]


def test_frontier_json_and_workbook(tmp_path: Path) -> None:
    out = tmp_path / "frontier.xlsx"
    done = run("frontier", str(SAMPLE), "--points", "5", "--json", "--out", str(out))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    shares = [p["internal_share"] for p in data["points"]]
    assert shares == sorted(shares)
    assert len(shares) in (5, 6)  # and the plan's own share when it is not on the grid
    assert all(set(p["impact"]) == {"customer", "internal", "total"} for p in data["points"])
    assert shares[0] <= data["knee"] <= shares[-1]
    import openpyxl

    sheet = openpyxl.load_workbook(out)["Frontier"]
    assert len(sheet._charts) == 1


def test_solve_a_folder_of_department_workbooks(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    folder.mkdir()
    write_book(
        folder / "Human_Resources_FY25.xlsx", {"Budget": [["Cost centre", "Budget"], ["Payroll", 600]]}
    )
    write_book(folder / "Marketing_FY25.xlsx", {"Budget": [["Cost centre", "Budget"], ["Ads", 400]]})
    done = run("solve", str(folder), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    lines = {line["name"]: line for line in data["plan"]["lines"]}
    assert lines["Payroll"]["function"] == "Human Resources" and lines["Payroll"]["kind"] == "internal"
    assert lines["Ads"]["source_file"] == "Marketing_FY25.xlsx"
    assert sum(data["allocation"].values()) <= 1000 + 1e-6
    several = run("solve", str(folder / "Human_Resources_FY25.xlsx"), str(folder / "Marketing_FY25.xlsx"))
    assert several.returncode == 0 and "Payroll" in several.stdout


def test_inspect_then_solve_with_the_mapping_it_saved(tmp_path: Path) -> None:
    rows = [["Line", "Function", "Actual", "Budget"], ["Payroll", "HR", 900, 600], ["Ads", "Sales", 100, 400]]
    path = write_book(tmp_path / "plan.xlsx", {"Budget": rows})
    refused = run("inspect", str(path), "--json")
    assert refused.returncode == 2
    layout = json.loads(refused.stdout)
    assert "Duplicate header" in layout["issues"][0]["message"]
    assert layout["sheets"][0]["header_row"] == 1

    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[sheets.Budget.columns]\nActual = ""\nBudget = "current"\n', encoding="utf-8")
    saved = tmp_path / "saved.toml"
    read = run("inspect", str(path), "--mapping", str(mapping), "--save-mapping", str(saved))
    assert read.returncode == 0, read.stderr
    assert "D 'Budget': Current" in read.stdout and "C 'Actual': not used" in read.stdout
    # The function Sales says nothing of its kind: the reader asks.
    assert "Check: Function 'Sales' was taken as customer" in read.stdout

    solved = run("solve", str(path), "--mapping", str(saved), "--json")
    assert solved.returncode == 0, solved.stderr
    currents = {line["name"]: line["current"] for line in json.loads(solved.stdout)["plan"]["lines"]}
    assert currents == {"Payroll": 600, "Ads": 400}


def test_a_mapping_that_cannot_be_read_exits_2_naming_it(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "plan.xlsx", {"Budget": [["Line", "Function", "Current"], ["Payroll", "HR", 9]]}
    )
    mapping = tmp_path / "mapping.toml"
    mapping.write_text("[sheets.Budget]\nunit = 'thousands'\n", encoding="utf-8")
    done = run("solve", str(path), "--mapping", str(mapping))
    assert done.returncode == 2
    assert f"{mapping}, sheet 'Budget': unit must be a number above 0" in done.stderr
    as_json = run("solve", str(path), "--mapping", str(tmp_path / "missing.toml"), "--json")
    assert as_json.returncode == 2
    assert "missing.toml cannot be read" in json.loads(as_json.stdout)["issues"][0]["message"]


def test_main_py_runs_every_command_of_the_command_line() -> None:
    import argparse

    from main import COMMANDS
    from planner.cli import parser

    (commands,) = (a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) <= COMMANDS


def test_solve_says_where_the_lines_came_from_and_what_to_check(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "pack.xlsx",
        {
            "Budget": [
                ["Line", "Function", "FY24 Budget", "FY25 Budget"],
                ["Payroll", "HR", 9, 6],
                ["Ads", "Ads", 1, 4],
            ],
            "Draft": [["Line", "Function", "Current"], ["Payroll", "HR", 999]],
        },
    )
    done = run("solve", str(path))
    assert done.returncode == 0, done.stderr
    assert "Read 2 lines from sheet 'Budget'" in done.stderr
    assert "Check: Budget: Current is read from column D ('FY25 Budget'), the latest year" in done.stderr
    assert "Payroll" in done.stdout
