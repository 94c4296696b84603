"""The project file: every field kept, atomic saves, refusals that leave files alone, locks."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from models.project import (
    SCHEMA_VERSION,
    Project,
    ProjectError,
    ProjectLock,
    Scenario,
    backup_path,
    open_project,
    save_project,
    save_recovery,
)
from models.rules import Family, RuleKey
from models.workbook import read_plan
from planner.solve import solve
from tests.conftest import ROOT, SAMPLE


def sample_project() -> Project:
    plan = read_plan(SAMPLE).plan
    assert plan is not None
    lean = plan.with_policy(total_budget=38_000_000)
    impossible = plan.with_policy(total_budget=1_000)
    return Project(
        plan,
        (
            Scenario("Base", plan, solve(plan), notes="As submitted", approved=True),
            Scenario("Lean year", lean, solve(lean), notes="Budget cut by 4M\nsecond line", parent="Base"),
            Scenario("Impossible", impossible, solve(impossible), parent="Lean year"),
            Scenario("Unsolved", plan),
        ),
    )


def test_every_field_survives_save_and_open(tmp_path: Path) -> None:
    project = sample_project()
    path = save_project(tmp_path / "plan.fulcrum", project)
    again = open_project(path)
    assert again == project
    assert [s.plan.lines[0].source_row for s in again.scenarios] == [
        s.plan.lines[0].source_row for s in project.scenarios
    ]
    assert again.scenarios[2].result is not None
    assert again.scenarios[2].result.explanation == project.scenarios[2].result.explanation  # type: ignore[union-attr]


def test_the_previous_version_is_kept_as_a_backup(tmp_path: Path) -> None:
    project = sample_project()
    path = save_project(tmp_path / "plan.fulcrum", project)
    first = path.read_bytes()
    save_project(path, project.without_scenario("Unsolved"))
    assert backup_path(path).read_bytes() == first
    assert open_project(backup_path(path)) == project
    assert [s.name for s in open_project(path).scenarios] == ["Base", "Lean year", "Impossible"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith((".tmp", ".bak-tmp"))]


def foreign_database(path: Path) -> Path:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    connection.execute("INSERT INTO invoices (amount) VALUES (12.5)")
    connection.commit()
    connection.close()
    return path


def newer_project(path: Path) -> Path:
    save_project(path, sample_project())
    connection = sqlite3.connect(path)
    connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    connection.commit()
    connection.close()
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("Line,Function\nPayroll,HR\n") and p, "is not a SQLite database"),
        (foreign_database, "of another program, not a Fulcrum project"),
        (newer_project, "saved by a newer Fulcrum (project format 99"),
    ],
    ids=["text", "foreign", "newer"],
)
def test_files_that_are_not_this_programs_projects_are_refused_and_untouched(
    tmp_path: Path, make: object, message: str
) -> None:
    path = tmp_path / "other.fulcrum"
    make(path)  # type: ignore[operator]
    before = path.read_bytes()
    with pytest.raises(ProjectError, match=message.replace("(", r"\(")):
        open_project(path)
    with pytest.raises(ProjectError, match="left as it is"):
        save_project(path, sample_project())
    assert path.read_bytes() == before
    assert not backup_path(path).exists()


def test_a_damaged_project_is_refused(tmp_path: Path) -> None:
    path = save_project(tmp_path / "plan.fulcrum", sample_project())
    data = bytearray(path.read_bytes())
    data[200:4000] = os.urandom(3800)
    path.write_bytes(bytes(data))
    with pytest.raises(ProjectError, match="damaged"):
        open_project(path)
    assert path.read_bytes() == bytes(data)


def test_a_second_opening_sees_the_lock_and_a_stale_lock_does_not_block(tmp_path: Path) -> None:
    path = save_project(tmp_path / "plan.fulcrum", sample_project())
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock = ProjectLock(path)
        info = {"pid": sleeper.pid, "host": __import__("socket").gethostname(), "since": "now"}
        lock.lock_path.write_text(json.dumps(info))
        other = ProjectLock(path).acquire()
        assert other is not None
        assert other["pid"] == sleeper.pid
    finally:
        sleeper.kill()
        sleeper.wait()
    # The holder has ended (as after a crash): the lock is taken over.
    mine = ProjectLock(path)
    assert mine.acquire() is None
    assert json.loads(mine.lock_path.read_text())["pid"] == os.getpid()
    mine.release()
    assert not mine.lock_path.exists()


SAVER = """
import sys
from pathlib import Path
from models.project import open_project, save_project, save_recovery
a, b = open_project(Path(sys.argv[2])), open_project(Path(sys.argv[3]))
target = Path(sys.argv[1])
recovery = target.with_name(target.name + ".recovery")
print("ready", flush=True)
while True:
    save_project(target, a)
    save_recovery(recovery, b)
    save_project(target, b)
    save_recovery(recovery, a)
"""


def test_a_save_killed_at_any_instant_leaves_one_whole_version(tmp_path: Path) -> None:
    project = sample_project()
    version_a = save_project(tmp_path / "a.fulcrum", project)
    version_b = save_project(
        tmp_path / "b.fulcrum", project.without_scenario("Base").without_scenario("Unsolved")
    )
    expected = [open_project(version_a), open_project(version_b)]
    target = tmp_path / "target.fulcrum"
    recovery = tmp_path / "target.fulcrum.recovery"
    save_project(target, expected[0])
    save_recovery(recovery, expected[1])
    rng = random.Random(11)
    kills = 0
    for _ in range(25):
        child = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(target), str(version_a), str(version_b)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.15))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        kills += 1
        for whole in (target, recovery, backup_path(target)):
            connection = sqlite3.connect(f"file:{whole}?mode=ro", uri=True)
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            connection.close()
            assert open_project(whole) in expected
        # Opening removed what the killed save left behind: only whole files remain.
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            "a.fulcrum",
            "b.fulcrum",
            "target.fulcrum",
            "target.fulcrum.bak",
            "target.fulcrum.recovery",
        ]
    assert kills == 25


#: Results as a version 1 project stored them: rules named by text such as "function-floor:IT".
VERSION_1_RESULTS = (
    {
        "status": "optimal",
        "allocation": {"Payroll": 1_200_000.0},
        "totals": {"HR": 1_200_000.0},
        "kind_totals": {"customer": 0.0, "internal": 1_200_000.0},
        "impact": {"customer": 0.0, "internal": 1_150_000.0},
        "rules": [
            {
                "rule_id": "budget",
                "family": "budget",
                "description": "Spend at most the budget of 42M",
                "activity": 42_000_000.0,
                "limit": 42_000_000.0,
                "slack": 0.0,
                "shadow_price": 1.2,
                "binding": True,
            },
            {
                "rule_id": "function-floor:HR",
                "family": "function-floor",
                "description": "HR floor of 1.2M",
                "activity": 1_200_000.0,
                "limit": 1_200_000.0,
                "slack": 0.0,
                "shadow_price": 0.3,
                "binding": True,
            },
        ],
        "line_binding": {"Payroll": "floor"},
        "line_shadow": {"Payroll": 0.3},
        "explanation": None,
        "issues": [],
        "message": "Optimal",
        "solver": "HiGHS",
        "solve_seconds": 0.05,
        "optimality_gap": 0.0001,
    },
    {
        "status": "infeasible",
        "allocation": {},
        "totals": {},
        "kind_totals": {},
        "impact": {"customer": 0.0, "internal": 0.0},
        "rules": [],
        "line_binding": {},
        "line_shadow": {},
        "explanation": {
            "text": "The rules need at least 6.2M but the budget is 1,000: raise the budget by 6.2M (to 6.2M).",
            "fixes": [
                {
                    "rule_id": "budget",
                    "family": "budget",
                    "subject": "the budget",
                    "current": 1000.0,
                    "proposed": 6_200_000.0,
                    "text": "raise the budget by 6.2M (to 6.2M)",
                    "line_floors": [],
                }
            ],
        },
        "issues": [],
        "message": "The plan's rules cannot all hold",
        "solver": "HiGHS",
        "solve_seconds": 0.02,
        "optimality_gap": 0.0,
    },
)


def version_1_project(path: Path, project: Project) -> Path:
    """``project`` written as Fulcrum wrote schema version 1, its results in that version's shape."""
    save_project(path, project)
    connection = sqlite3.connect(path)
    connection.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    connection.execute("DELETE FROM meta WHERE key = 'checksum'")  # version 1 wrote none
    for position, result in enumerate(VERSION_1_RESULTS):
        connection.execute(
            "UPDATE scenarios SET result = ? WHERE position = ?", (json.dumps(result), position)
        )
    connection.commit()
    connection.close()
    return path


def test_results_stored_by_version_1_are_dropped_and_the_scenarios_kept(tmp_path: Path) -> None:
    from models.serial import SerialError, result_from_data

    project = sample_project()
    path = version_1_project(tmp_path / "old.fulcrum", project)
    before = path.read_bytes()
    for stored in VERSION_1_RESULTS:
        with pytest.raises(SerialError):
            result_from_data(stored)

    opened = open_project(path)
    assert path.read_bytes() == before
    assert [s.result for s in opened.scenarios] == [None] * len(project.scenarios)
    kept = [(s.name, s.plan, s.notes, s.parent, s.approved, s.created) for s in opened.scenarios]
    assert kept == [(s.name, s.plan, s.notes, s.parent, s.approved, s.created) for s in project.scenarios]
    assert opened.plan == project.plan

    # Solved again, saved as the current version, and read back whole.
    solved = opened.with_scenario(replace(opened.scenarios[0], result=solve(opened.scenarios[0].plan)))
    save_project(path, solved)
    connection = sqlite3.connect(path)
    (version,) = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    connection.close()
    assert version == str(SCHEMA_VERSION) == "2"
    assert open_project(path) == solved


def test_rule_keys_survive_save_and_open(tmp_path: Path) -> None:
    project = sample_project()
    again = open_project(save_project(tmp_path / "plan.fulcrum", project))
    for stored, read in zip(project.scenarios, again.scenarios, strict=True):
        if stored.result is None:
            continue
        assert read.result is not None
        assert [r.key for r in read.result.rules] == [r.key for r in stored.result.rules]
        assert all(type(r.key) is RuleKey and type(r.family) is Family for r in read.result.rules)
        fixes = stored.result.explanation.fixes if stored.result.explanation else ()
        read_fixes = read.result.explanation.fixes if read.result.explanation else ()
        assert [f.key for f in read_fixes] == [f.key for f in fixes]
    assert any(r.family is Family.FUNCTION_FLOOR for r in again.scenarios[0].result.rules)  # type: ignore[union-attr]
    impossible = again.scenarios[2].result
    assert impossible is not None and impossible.explanation is not None
    assert {f.key for f in impossible.explanation.fixes} >= {RuleKey(Family.BUDGET)}
