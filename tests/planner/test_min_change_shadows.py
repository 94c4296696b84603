"""Min-change shadow prices are the change saved per unit of relaxation, checked by re-solving.

The shadow price of a binding rule is compared with a finite difference:
loosen the rule by a small amount, solve again, and divide the fall in the
objective (money moved, or the sum of relative changes) by that amount.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from models.domain import Bound, Curve, FunctionRule, Kind, Line, Objective, Plan, Policy
from models.result import Result, Status
from models.rules import Family, RuleKey
from planner.solve import solve

STEP = 1e-3


def _line(name: str, function: str, current: float, kind: Kind = Kind.CUSTOMER) -> Line:
    return Line(name, function, kind, current, curve=Curve.LINEAR)


def _lines() -> tuple[Line, ...]:
    return (
        _line("a", "Product", 100.0),
        _line("b", "Service", 50.0),
        _line("c", "HR", 10.0, Kind.INTERNAL),
        _line("d", "HR", 40.0, Kind.INTERNAL),
    )


def _budget_plan(relative: bool, relax: float = 0.0) -> Plan:
    # A budget of 160 against 200 spent today: 40 must be cut somewhere.
    policy = Policy(
        total_budget=160.0 + relax,
        objective=Objective.MIN_CHANGE,
        relative_change=relative,
    )
    return Plan(_lines(), policy)


def _floor_plan(relative: bool, relax: float = 0.0) -> Plan:
    # HR must get 80 (today 50) out of an unchanged budget of 200.
    policy = Policy(
        total_budget=200.0,
        spend_whole_budget=True,
        objective=Objective.MIN_CHANGE,
        relative_change=relative,
        functions=(FunctionRule("HR", floor=Bound(80.0 - relax)),),
    )
    return Plan(_lines(), policy)


def _cap_plan(relative: bool, relax: float = 0.0) -> Plan:
    # Product is capped at 70 (today 100); the money freed stays unspent or moves.
    policy = Policy(
        total_budget=200.0,
        spend_whole_budget=True,
        objective=Objective.MIN_CHANGE,
        relative_change=relative,
        functions=(FunctionRule("Product", cap=Bound(70.0 + relax)),),
    )
    return Plan(_lines(), policy)


def _moved(plan: Plan, result: Result) -> float:
    """The min-change objective of a result: money moved, each line's weighted by 1/current if relative."""
    assert result.status is Status.OPTIMAL, result
    total = 0.0
    for line in plan.lines:
        change = abs(result.allocation[line.name] - line.current)
        total += change / line.current if plan.policy.relative_change else change
    return total


CASES: list[tuple[str, Callable[[bool, float], Plan], RuleKey]] = [
    ("budget", _budget_plan, RuleKey(Family.BUDGET)),
    ("function floor", _floor_plan, RuleKey(Family.FUNCTION_FLOOR, "HR")),
    ("function cap", _cap_plan, RuleKey(Family.FUNCTION_CAP, "Product")),
]


@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
@pytest.mark.parametrize(("name", "make", "key"), CASES, ids=[c[0] for c in CASES])
def test_shadow_price_matches_a_re_solve_with_the_rule_loosened(
    name: str, make: Callable[[bool, float], Plan], key: RuleKey, relative: bool
) -> None:
    plan = make(relative, 0.0)
    result = solve(plan)
    report = next(r for r in result.rules if r.key == key)
    assert report.binding, f"the {name} should bind"
    loosened = make(relative, STEP)
    saved = (_moved(plan, result) - _moved(loosened, solve(loosened))) / STEP
    assert saved > 0
    assert report.shadow_price == pytest.approx(saved, rel=1e-4)


def test_relative_change_prices_by_hand() -> None:
    # Relative change: the 40 cut comes from the largest line, a (1/100 per unit):
    # each unit of budget more saves 0.01.
    result = solve(_budget_plan(relative=True))
    assert result.allocation["a"] == pytest.approx(60.0)
    budget = next(r for r in result.rules if r.key == RuleKey(Family.BUDGET))
    assert budget.shadow_price == pytest.approx(0.01)
    assert math.isclose(_moved(_budget_plan(True), result), 0.4, rel_tol=1e-9)
