"""Scenario operations, and the approved scenario's protection."""

from __future__ import annotations

import pytest

from models.domain import Kind, Line, Plan, Policy
from models.project import Project
from models.scenarios import (
    ScenarioError,
    add_scenario,
    delete_scenario,
    duplicate_scenario,
    rename_scenario,
    set_approved,
    set_notes,
    unique_name,
    update_scenario,
)

PLAN = Plan((Line("Payroll", "HR", Kind.INTERNAL, 100.0),), Policy(total_budget=100))


def test_add_duplicate_rename_delete() -> None:
    project = add_scenario(Project(PLAN), "Base", PLAN, None, notes="first")
    project = duplicate_scenario(project, "Base")
    assert [s.name for s in project.scenarios] == ["Base", "Base copy"]
    assert project.scenarios[1].parent == "Base"
    assert project.scenarios[1].notes == "first"
    project = rename_scenario(project, "Base", "Baseline")
    assert [s.name for s in project.scenarios] == ["Baseline", "Base copy"]
    assert project.scenarios[1].parent == "Baseline"  # the child follows its parent's new name
    assert unique_name(project, "baseline") == "baseline (2)"
    with pytest.raises(ScenarioError, match="already a scenario named 'Baseline'"):
        add_scenario(project, " baseline ", PLAN, None)
    with pytest.raises(ScenarioError, match="needs a name"):
        rename_scenario(project, "Baseline", "  ")
    project = delete_scenario(project, "Base copy")
    assert [s.name for s in project.scenarios] == ["Baseline"]


def test_an_approved_scenario_is_read_only_until_unmarked() -> None:
    project = set_approved(add_scenario(Project(PLAN), "Base", PLAN, None), "Base", True)
    richer = PLAN.with_policy(total_budget=200)
    for change in (
        lambda p: rename_scenario(p, "Base", "Other"),
        lambda p: delete_scenario(p, "Base"),
        lambda p: set_notes(p, "Base", "changed"),
        lambda p: update_scenario(p, "Base", richer, None),
    ):
        with pytest.raises(ScenarioError, match="approved"):
            change(project)
    assert duplicate_scenario(project, "Base").scenarios[1].approved is False
    project = update_scenario(set_approved(project, "Base", False), "Base", richer, None)
    assert project.scenarios[0].plan == richer
