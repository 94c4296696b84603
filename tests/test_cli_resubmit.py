"""``solve --replace`` and ``project --replace``, run as a user would: a real process, real files."""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
from pathlib import Path

from models.consolidate import read_plans
from models.domain import Plan
from models.project import Project, Scenario, open_project, save_project
from tests.conftest import ROOT
from tests.departments import HR_V2_LINES, IT_LINES, SERVICE_LINES, department_file, three_departments


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )


def _v2(tmp_path: Path) -> Path:
    return department_file(tmp_path / "v2", "HR_FY25_v2.xlsx", HR_V2_LINES)


def test_solve_with_a_replaced_department(tmp_path: Path) -> None:
    files = three_departments(tmp_path)
    done = run("solve", *files, "--replace", _v2(tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["status"] == "optimal"
    assert "Wellbeing" in data["allocation"] and "Training" not in data["allocation"]
    lines = {line["name"]: line for line in data["plan"]["lines"]}
    assert len(lines) == 9
    assert lines["Wellbeing"]["source_file"] == "HR_FY25_v2.xlsx"
    assert (lines["Servers"]["source_file"], lines["Servers"]["source_row"]) == ("IT_FY25.xlsx", 3)
    assert lines["IT / Salaries"]["current"] == 210_000.0
    assert lines["Call centre"]["current"] == 900_000.99
    assert math.fsum(line["current"] for line in lines.values()) == math.fsum(
        [*(a for _, a in HR_V2_LINES), *(a for _, a in IT_LINES), *(a for _, a in SERVICE_LINES)]
    )
    assert "HR: 4 lines replaced by 4 from HR_FY25_v2.xlsx; current 1,200,000.1 -> 1,260,000" in data["notes"]


def test_solve_applies_each_replacement_in_order(tmp_path: Path) -> None:
    files = three_departments(tmp_path)
    it = department_file(tmp_path / "v2", "IT_FY25_v2.xlsx", (("Cloud", 300_000.0), ("Salaries", 1.0)))
    done = run("solve", *files, "--replace", _v2(tmp_path), "--replace", it)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    hr = out.index("HR: 4 lines replaced by 4 from HR_FY25_v2.xlsx")
    it_line = out.index("IT: 3 lines replaced by 2 from IT_FY25_v2.xlsx; current 760,000.25 -> 300,001")
    assert hr < it_line < out.index("Allocated")
    assert "IT: added Cloud (300,000)" in out
    assert "IT: changed IT / Salaries: Current 210,000 -> 1\n" in out  # HR has a Salaries too


def test_solve_refuses_a_department_the_plan_does_not_have(tmp_path: Path) -> None:
    files = three_departments(tmp_path)
    legal = department_file(tmp_path / "v2", "Legal_FY25.xlsx", (("Counsel", 250_000.0),))
    done = run("solve", *files, "--replace", legal, "--json")
    assert done.returncode == 2
    data = json.loads(done.stdout)
    assert data["status"] == "invalid-input"
    [issue] = data["issues"]
    assert (issue["file"], issue["sheet"], issue["row"]) == ("Legal_FY25.xlsx", "Budget", 3)
    assert "Department 'Legal'" in issue["message"]
    human = run("solve", *files, "--replace", legal)
    assert human.returncode == 2
    assert "Legal_FY25.xlsx, sheet Budget, row 3: Department 'Legal'" in human.stderr
    assert "Traceback" not in human.stderr and human.stdout == ""


def test_solve_refuses_a_damaged_replacement(tmp_path: Path) -> None:
    damaged = tmp_path / "HR_FY25_v2.xlsx"
    damaged.write_text("Line,Function,Current\nPayroll,HR,1\n", encoding="utf-8")
    done = run("solve", *three_departments(tmp_path), "--replace", damaged)
    assert done.returncode == 2
    assert "HR_FY25_v2.xlsx" in done.stderr and "Traceback" not in done.stderr


def _project(tmp_path: Path) -> tuple[Path, Plan]:
    plan = read_plans(three_departments(tmp_path)).plan
    assert plan is not None
    path = save_project(
        tmp_path / "budget.fulcrum", Project(plan, (Scenario("Submitted", plan, notes="as sent"),))
    )
    return path, plan


def test_project_replace_saves_the_plan_and_keeps_the_scenarios(tmp_path: Path) -> None:
    path, plan = _project(tmp_path)
    before = open_project(path)
    done = run("project", path, "--replace", _v2(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "HR: 4 lines replaced by 4 from HR_FY25_v2.xlsx" in done.stdout
    assert f"Saved {path} (1 scenario kept as they were)" in done.stdout
    after = open_project(path)
    assert after.scenarios == before.scenarios
    assert after.scenarios[0].plan == plan
    hr = [line for line in after.plan.lines if line.function == "HR"]
    assert [line.name for line in hr] == ["Payroll", "Recruiting", "HR / Salaries", "Wellbeing"]
    assert {line.source_file for line in hr} == {"HR_FY25_v2.xlsx"}
    assert after.plan.lines[4:] == plan.lines[4:]
    assert [line.source_file for line in after.plan.lines[4:]] == [
        line.source_file for line in plan.lines[4:]
    ]
    assert after.plan.policy == plan.policy
    assert path.with_name("budget.fulcrum.bak").exists()  # the previous version, kept


def test_project_replace_refused_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path, _plan = _project(tmp_path)
    content = path.read_bytes()
    legal = department_file(tmp_path / "v2", "Legal_FY25.xlsx", (("Counsel", 250_000.0),))
    done = run("project", path, "--replace", _v2(tmp_path), "--replace", legal, "--json")
    assert done.returncode == 2
    data = json.loads(done.stdout)
    assert data["status"] == "invalid-input"
    assert data["issues"][0]["file"] == "Legal_FY25.xlsx"
    assert path.read_bytes() == content
    assert not path.with_name("budget.fulcrum.bak").exists()


def test_project_replace_refuses_a_project_open_in_a_window(tmp_path: Path) -> None:
    path, _plan = _project(tmp_path)
    content = path.read_bytes()
    lock = path.with_name("budget.fulcrum.lock")
    lock.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": "now"}))
    done = run("project", path, "--replace", _v2(tmp_path))
    assert done.returncode == 2
    assert "budget.fulcrum is open in a Fulcrum window" in done.stderr
    assert path.read_bytes() == content
    assert lock.exists()  # the window's lock is left to it
