"""Rule families: every family has rows, a fix and a way to make it; rule keys are never text read back."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest

from models.compare import Compared, compare
from models.domain import Bound, Curve, FunctionRule, Kind, Line, Plan, Policy, RatioRule
from models.result import Status
from models.rules import Family, RuleKey
from models.serial import from_data, to_data
from planner.cli import result_json
from planner.explain import apply_fix, relaxable_rows
from planner.families import FAMILIES, Relaxation
from planner.insight import price_of_balance
from planner.model import coupling_rows
from planner.solve import solve
from tests.conftest import ROOT


def lin(name: str, function: str, current: float, kind: Kind = Kind.CUSTOMER, **kw: object) -> Line:
    return Line(name, function, kind, current, weight=1.0, curve=Curve.LINEAR, **kw)  # type: ignore[arg-type]


def _plan(*lines: Line, **policy: object) -> Plan:
    return Plan(lines, Policy(**policy))  # type: ignore[arg-type]


#: For each family, a plan that the family's rules make infeasible.
INFEASIBLE: dict[Family, Callable[[], Plan]] = {
    Family.BUDGET: lambda: _plan(
        lin("pay", "HR", 50, Kind.INTERNAL),
        lin("ads", "Acq", 50),
        total_budget=100,
        functions=(FunctionRule("HR", floor=Bound(150)),),
    ),
    Family.FUNCTION_FLOOR: lambda: _plan(
        lin("pay", "HR", 50, Kind.INTERNAL),
        lin("ads", "Acq", 50),
        total_budget=100,
        functions=(FunctionRule("HR", floor=Bound(150)),),
    ),
    Family.FUNCTION_CAP: lambda: _plan(
        lin("ads", "Acq", 50, floor=50.0),
        lin("help", "Service", 50),
        total_budget=100,
        functions=(FunctionRule("Acq", cap=Bound(20)),),
    ),
    Family.SHARE_MIN: lambda: _plan(
        lin("pay", "HR", 10, Kind.INTERNAL, cap=10.0),
        lin("ads", "Acq", 50, floor=50.0),
        total_budget=100,
        internal_share_min=0.5,
    ),
    Family.SHARE_MAX: lambda: _plan(
        lin("pay", "HR", 50, Kind.INTERNAL, floor=50.0),
        lin("ads", "Acq", 50, cap=50.0),
        total_budget=100,
        internal_share_max=0.2,
    ),
    Family.RATIO: lambda: _plan(
        lin("help", "Service", 10, cap=10.0),
        lin("ads", "Acq", 50, floor=50.0),
        total_budget=100,
        ratios=(RatioRule("Service", 1.0, "Acq"),),
    ),
    Family.LINE_FLOOR: lambda: _plan(
        lin("pay", "HR", 50, Kind.INTERNAL, floor=80.0),
        lin("ads", "Acq", 50, floor=70.0),
        total_budget=100,
    ),
}


def test_every_family_is_registered_once_under_its_own_name() -> None:
    assert set(FAMILIES) == set(Family) == set(INFEASIBLE)
    for family, spec in FAMILIES.items():
        assert spec.family is family


@pytest.mark.parametrize("family", list(Family))
def test_each_family_builds_rows_and_its_suggested_fix_makes_the_plan_feasible(family: Family) -> None:
    plan = INFEASIBLE[family]()
    spec = FAMILIES[family]
    rows = spec.rows(plan)
    assert rows and all(row.family is family and row.description for row in rows)
    assert (family in {row.family for row in coupling_rows(plan)}) is spec.coupling
    assert any(row.family is family for row in relaxable_rows(plan))
    result = solve(plan)
    assert result.status is Status.INFEASIBLE and result.explanation is not None
    fix = next(f for f in result.explanation.fixes if f.family is family)
    assert fix.text in result.explanation.text
    fixed = apply_fix(plan, fix)
    assert fixed != plan
    assert solve(fixed).status is Status.OPTIMAL, fix


def test_a_budget_that_must_be_spent_exactly_can_be_lowered() -> None:
    plan = _plan(
        lin("a", "P", 10, cap=30.0), lin("b", "S", 10, cap=50.0), total_budget=100, spend_whole_budget=True
    )
    result = solve(plan)
    assert result.explanation is not None
    fix = next(f for f in result.explanation.fixes if f.family is Family.BUDGET)
    assert fix.proposed == pytest.approx(80)
    assert "lower the budget by 20 (to 80)" in fix.text
    assert solve(apply_fix(plan, fix)).status is Status.OPTIMAL


def test_line_floors_give_way_together_as_one_fix() -> None:
    assert FAMILIES[Family.LINE_FLOOR].relaxation is Relaxation.TOGETHER
    plan = INFEASIBLE[Family.LINE_FLOOR]()
    result = solve(plan)
    assert result.explanation is not None
    (fix,) = (f for f in result.explanation.fixes if f.family is Family.LINE_FLOOR)
    assert fix.key == RuleKey(Family.LINE_FLOOR)
    floors = {line.name: line.floor for line in plan.lines}
    assert sum(floors[name] - new for name, new in fix.line_floors) == pytest.approx(50)


def test_a_function_floor_and_cap_are_listed_together_in_the_policys_order() -> None:
    plan = _plan(
        lin("pay", "HR", 50, Kind.INTERNAL),
        lin("it", "IT", 50, Kind.INTERNAL),
        total_budget=100,
        internal_share_min=0.1,
        functions=(
            FunctionRule("IT", floor=Bound(10), cap=Bound(80)),
            FunctionRule("HR", floor=Bound(5), cap=Bound(90)),
        ),
        ratios=(RatioRule("IT", 0.5, "HR"),),
    )
    assert [str(row.key) for row in coupling_rows(plan)] == [
        "budget",
        "function-floor:IT",
        "function-cap:IT",
        "function-floor:HR",
        "function-cap:HR",
        "share-min",
        "ratio:1",
    ]


def test_keys_read_as_the_rule_ids_of_the_json() -> None:
    assert str(RuleKey(Family.BUDGET)) == "budget"
    assert str(RuleKey(Family.FUNCTION_FLOOR, "HR")) == "function-floor:HR"
    assert str(RuleKey(Family.RATIO, number=2)) == "ratio:2"
    assert str(RuleKey(Family.SHARE_MAX)) == "share-max"
    assert str(RuleKey(Family.LINE_FLOOR)) == "line-floors"

    plan = INFEASIBLE[Family.FUNCTION_FLOOR]()
    data = result_json(solve(plan))
    assert [f["rule"] for f in data["explanation"]["fixes"]] == ["budget", "function-floor:HR"]
    feasible = plan.with_policy(total_budget=200)
    binding = result_json(solve(feasible))["binding"]
    assert [(b["rule"], b["type"]) for b in binding] == [("budget", "budget")]


def test_a_key_survives_being_stored() -> None:
    for key in (RuleKey(Family.FUNCTION_CAP, "IT: systems"), RuleKey(Family.RATIO, number=3)):
        data = to_data(key)
        assert data == {"family": key.family.value, "subject": key.subject, "number": key.number}
        back = from_data(RuleKey, data)
        assert back == key and back.family is key.family


def test_a_function_named_with_a_colon_keeps_its_name_everywhere() -> None:
    name = "IT: systems"
    plan = _plan(
        Line("servers", name, Kind.INTERNAL, 50, weight=0.5, curve=Curve.LINEAR),
        lin("ads", "Acq", 50),
        total_budget=100,
        functions=(FunctionRule(name, floor=Bound(60)),),
    )
    result = solve(plan)
    assert result.is_optimal
    (floor,) = (r for r in result.binding if r.family is Family.FUNCTION_FLOOR)
    assert floor.key == RuleKey(Family.FUNCTION_FLOOR, name)
    price = price_of_balance(plan, result)
    assert price is not None and [f.function for f in price.floors] == [name]
    assert compare([Compared("a", plan, result), Compared("b", plan, result)]).floors == ((name,), (name,))

    tight = plan.with_policy(total_budget=40)
    explanation = solve(tight).explanation
    assert explanation is not None
    fix = next(f for f in explanation.fixes if f.family is Family.FUNCTION_FLOOR)
    assert fix.subject == f"the {name} floor"
    fixed = apply_fix(tight, fix)
    assert fixed.policy.functions[0].floor == Bound(fix.proposed)
    assert solve(fixed).status is Status.OPTIMAL


def _splits_on_colon(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"split", "rsplit", "partition", "rpartition"}
        and any(isinstance(arg, ast.Constant) and arg.value == ":" for arg in node.args)
    )


def test_no_module_reads_a_rule_back_from_text() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for package in ("models", "planner", "ui")
        for path in sorted((ROOT / package).glob("*.py"))
        for node in ast.walk(ast.parse(Path(path).read_text(encoding="utf-8")))
        if _splits_on_colon(node)
    ]
    assert found == []
