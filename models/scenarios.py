"""Scenario operations on a project: each gives a new project, or refuses with the reason.

An approved scenario is read-only: it cannot be renamed, deleted, changed
or have its notes edited until it is unmarked.
"""

from __future__ import annotations

from dataclasses import replace

from models.cells import unprintable
from models.domain import Plan
from models.project import Project, Scenario, now
from models.result import Result

__all__ = [
    "ScenarioError",
    "add_scenario",
    "delete_scenario",
    "duplicate_scenario",
    "rename_scenario",
    "set_approved",
    "set_notes",
    "unique_name",
    "update_scenario",
]


class ScenarioError(ValueError):
    """A scenario change that cannot be made; the message says why."""


def unique_name(project: Project, base: str) -> str:
    """``base``, or ``base (2)``, ``base (3)``... whichever no scenario has."""
    taken = {s.name.casefold() for s in project.scenarios}
    name, n = base.strip() or "Scenario", 2
    candidate = name
    while candidate.casefold() in taken:
        candidate, n = f"{name} ({n})", n + 1
    return candidate


def _get(project: Project, name: str) -> Scenario:
    scenario = project.scenario(name)
    if scenario is None:
        raise ScenarioError(f"There is no scenario named {name!r}")
    return scenario


def _writable(project: Project, name: str) -> Scenario:
    scenario = _get(project, name)
    if scenario.approved:
        raise ScenarioError(f"Scenario {name!r} is approved and cannot be changed; unmark it first")
    return scenario


def _check_new_name(project: Project, name: str, *, allow: str | None = None) -> str:
    name = name.strip()
    if not name:
        raise ScenarioError("A scenario needs a name")
    problem = unprintable(name)
    if problem is not None:
        raise ScenarioError(f"Scenario name {problem}")
    clash = next((s for s in project.scenarios if s.name.casefold() == name.casefold()), None)
    if clash is not None and clash.name != allow:
        raise ScenarioError(f"There is already a scenario named {clash.name!r}")
    return name


def add_scenario(
    project: Project,
    name: str,
    plan: Plan,
    result: Result | None,
    *,
    parent: str | None = None,
    notes: str = "",
) -> Project:
    scenario = Scenario(_check_new_name(project, name), plan, result, notes=notes, parent=parent)
    return replace(project, scenarios=(*project.scenarios, scenario))


def duplicate_scenario(project: Project, name: str, new_name: str | None = None) -> Project:
    source = _get(project, name)
    copy = Scenario(
        _check_new_name(project, new_name or unique_name(project, f"{name} copy")),
        source.plan,
        source.result,
        notes=source.notes,
        parent=source.name,
    )
    return replace(project, scenarios=(*project.scenarios, copy))


def rename_scenario(project: Project, name: str, new_name: str) -> Project:
    _writable(project, name)
    new_name = _check_new_name(project, new_name, allow=name)
    scenarios = tuple(
        replace(s, name=new_name, modified=now())
        if s.name == name
        else (replace(s, parent=new_name) if s.parent == name else s)
        for s in project.scenarios
    )
    return replace(project, scenarios=scenarios)


def delete_scenario(project: Project, name: str) -> Project:
    _writable(project, name)
    return project.without_scenario(name)


def set_notes(project: Project, name: str, notes: str) -> Project:
    scenario = _writable(project, name)
    if scenario.notes == notes:
        return project
    return project.with_scenario(replace(scenario, notes=notes, modified=now()))


def set_approved(project: Project, name: str, approved: bool) -> Project:
    scenario = _get(project, name)
    if scenario.approved == approved:
        return project
    return project.with_scenario(replace(scenario, approved=approved, modified=now()))


def update_scenario(project: Project, name: str, plan: Plan, result: Result | None) -> Project:
    scenario = _writable(project, name)
    return project.with_scenario(replace(scenario, plan=plan, result=result, modified=now()))
