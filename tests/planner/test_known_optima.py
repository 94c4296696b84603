"""Small plans whose optimum is known by hand, one per rule family and objective."""

from __future__ import annotations

import math

import pytest

from models.domain import Basis, Bound, Curve, FunctionRule, Kind, Line, Objective, Plan, Policy, RatioRule
from models.result import Status
from models.rules import Family, RuleKey
from planner.explain import apply_fix
from planner.solve import solve
from planner.solvers import SolverName

LIN = Curve.LINEAR


def lin(
    name: str, function: str, current: float, weight: float, kind: Kind = Kind.CUSTOMER, **kw: object
) -> Line:
    return Line(name, function, kind, current, weight=weight, curve=LIN, **kw)  # type: ignore[arg-type]


def alloc(plan: Plan, objective: Objective | None = None) -> dict[str, float]:
    result = solve(plan, objective=objective)
    assert result.status is Status.OPTIMAL, result
    return dict(result.allocation)


def test_budget_and_cap_linear() -> None:
    plan = Plan((lin("a", "P", 10, 2.0, cap=60.0), lin("b", "S", 10, 1.0)), Policy(total_budget=100))
    result = solve(plan)
    assert result.allocation == pytest.approx({"a": 60, "b": 40})
    assert result.impact.total == pytest.approx(160)
    budget = next(r for r in result.rules if r.key == RuleKey(Family.BUDGET))
    assert budget.binding and budget.shadow_price == pytest.approx(1.0)
    assert result.line_binding["a"] == "cap"
    assert result.line_shadow["a"] == pytest.approx(1.0)


def test_diminishing_returns_equalise_marginal_value() -> None:
    # 2/(1+a/50) = 1/(1+b/50) with a+b = 100 gives a = 250/3, b = 50/3.
    plan = Plan(
        (
            Line("a", "P", Kind.CUSTOMER, 50, weight=2.0),
            Line("b", "S", Kind.CUSTOMER, 50, weight=1.0),
        ),
        Policy(total_budget=100),
    )
    result = solve(plan)
    best = 2 * 50 * math.log1p((250 / 3) / 50) + 50 * math.log1p((50 / 3) / 50)
    assert result.impact.total == pytest.approx(best, rel=1e-3)
    assert result.impact.total <= best + 1e-9
    assert result.allocation["a"] == pytest.approx(250 / 3, rel=0.03)
    assert result.optimality_gap <= 1e-3


@pytest.mark.parametrize("unit", [1e-12, 1.0, 1e9])
def test_weights_in_any_unit_give_the_same_allocation(unit: float) -> None:
    # The optimum does not depend on the unit the weights are written in,
    # even when one line's weight is zero and the other's is tiny.
    plan = Plan(
        (
            Line("a", "P", Kind.CUSTOMER, 0, weight=0.0),
            Line("b", "S", Kind.CUSTOMER, 0, weight=unit),
            Line("c", "S", Kind.CUSTOMER, 0, weight=unit / 2, curve=LIN),
        ),
        Policy(total_budget=100),
    )
    result = solve(plan)
    assert result.status is Status.OPTIMAL
    # Marginal value of b is unit/(1+x/h) with h = (100/3) by the fallback;
    # it stays above c's unit/2 until x = h, so b takes h and c the rest.
    assert result.allocation["a"] == pytest.approx(0, abs=1e-6)
    assert result.allocation["b"] == pytest.approx(100 / 3, rel=0.05)
    assert sum(result.allocation.values()) == pytest.approx(100)
    assert result.optimality_gap <= 1e-3
    budget = next(r for r in result.rules if r.key == RuleKey(Family.BUDGET))
    assert budget.shadow_price == pytest.approx(unit / 2, rel=1e-6)


def test_function_floor_binds_with_its_price() -> None:
    plan = Plan(
        (lin("payroll", "HR", 50, 0.5, Kind.INTERNAL), lin("ads", "Acq", 50, 1.0)),
        Policy(total_budget=100, functions=(FunctionRule("HR", floor=Bound(30)),)),
    )
    result = solve(plan)
    assert result.allocation == pytest.approx({"payroll": 30, "ads": 70})
    floor = next(r for r in result.rules if r.key == RuleKey(Family.FUNCTION_FLOOR, "HR"))
    assert floor.binding and floor.shadow_price == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("bound", "expected"),
    [(Bound(0.3, Basis.BUDGET), 30.0), (Bound(0.8, Basis.CURRENT), 40.0), (Bound(25), 25.0)],
)
def test_function_floor_bases(bound: Bound, expected: float) -> None:
    plan = Plan(
        (lin("payroll", "HR", 50, 0.5, Kind.INTERNAL), lin("ads", "Acq", 50, 1.0)),
        Policy(total_budget=100, functions=(FunctionRule("HR", floor=bound),)),
    )
    assert alloc(plan)["payroll"] == pytest.approx(expected)


def test_function_cap() -> None:
    plan = Plan(
        (lin("ads", "Acq", 50, 2.0), lin("help", "Service", 50, 1.0)),
        Policy(total_budget=100, functions=(FunctionRule("Acq", cap=Bound(0.35, Basis.BUDGET)),)),
    )
    assert alloc(plan) == pytest.approx({"ads": 35, "help": 65})


def test_internal_share_min_and_max() -> None:
    lines = (lin("it", "IT", 50, 0.5, Kind.INTERNAL), lin("ads", "Acq", 50, 1.0))
    low = Plan(lines, Policy(total_budget=100, internal_share_min=0.4))
    assert alloc(low) == pytest.approx({"it": 40, "ads": 60})
    lines = (lin("it", "IT", 50, 2.0, Kind.INTERNAL), lin("ads", "Acq", 50, 1.0))
    high = Plan(lines, Policy(total_budget=100, internal_share_max=0.25))
    assert alloc(high) == pytest.approx({"it": 25, "ads": 75})


def test_ratio_rule() -> None:
    # max A + 3B with A >= 2B, A + B <= 90: B = 30, A = 60.
    plan = Plan(
        (lin("a", "Service", 10, 1.0), lin("b", "Acquisition", 10, 3.0)),
        Policy(total_budget=90, ratios=(RatioRule("Service", 2.0, "Acquisition"),)),
    )
    result = solve(plan)
    assert result.allocation == pytest.approx({"a": 60, "b": 30})
    assert result.impact.total == pytest.approx(150)


def test_change_limits_global_and_per_line() -> None:
    plan = Plan(
        (lin("a", "P", 100, 5.0), lin("b", "P", 100, 4.0, max_change=0.5), lin("c", "S", 100, 1.0)),
        Policy(total_budget=300, max_change=0.1),
    )
    result = solve(plan)
    assert result.allocation == pytest.approx({"a": 110, "b": 100, "c": 90})
    assert result.line_binding == {"a": "change limit", "c": "change limit"}


def test_locked_line_keeps_current_spend() -> None:
    plan = Plan((lin("a", "P", 40, 0.1, locked=True), lin("b", "S", 10, 1.0)), Policy(total_budget=100))
    assert alloc(plan) == pytest.approx({"a": 40, "b": 60})


def test_spend_whole_budget() -> None:
    lines = (lin("a", "P", 10, 0.0, cap=30.0), lin("b", "S", 10, 0.0))
    loose = Plan(lines, Policy(total_budget=100))
    assert sum(alloc(loose).values()) <= 100 + 1e-6
    exact = Plan(lines, Policy(total_budget=100, spend_whole_budget=True))
    assert sum(alloc(exact).values()) == pytest.approx(100)


def test_min_change_moves_only_what_the_rules_force() -> None:
    plan = Plan(
        (lin("a", "P", 50, 1.0, floor=70.0), lin("b", "S", 50, 9.0)),
        Policy(total_budget=100, spend_whole_budget=True, objective=Objective.MIN_CHANGE),
    )
    assert alloc(plan) == pytest.approx({"a": 70, "b": 30})
    max_impact = Plan(plan.lines, Policy(total_budget=100, spend_whole_budget=True))
    assert alloc(max_impact, Objective.MIN_CHANGE) == pytest.approx({"a": 70, "b": 30})


def test_relative_min_change_moves_the_larger_line() -> None:
    # A 20 floor increase must come from one of the others: relative change prefers the big one.
    plan = Plan(
        (lin("a", "P", 10, 1.0, floor=30.0), lin("small", "S", 20, 1.0), lin("big", "S", 200, 1.0)),
        Policy(
            total_budget=230, spend_whole_budget=True, objective=Objective.MIN_CHANGE, relative_change=True
        ),
    )
    assert alloc(plan) == pytest.approx({"a": 30, "small": 20, "big": 180})


def test_infeasible_floors_explained_with_both_fixes() -> None:
    plan = Plan(
        (lin("it", "IT", 10, 1.0, Kind.INTERNAL), lin("ads", "Acq", 10, 1.0)),
        Policy(
            total_budget=6_000_000,
            functions=(
                FunctionRule("IT", floor=Bound(4_200_000)),
                FunctionRule("Acq", floor=Bound(2_000_000)),
            ),
        ),
    )
    result = solve(plan)
    assert result.status is Status.INFEASIBLE
    assert result.allocation == {}
    assert result.explanation is not None
    text = result.explanation.text
    assert text.startswith("The rules need at least 6.2M but the budget is 6M")
    assert "raise the budget by 200,000 (to 6.2M)" in text
    assert "lower the IT floor by 200,000 (to 4M)" in text
    fixes = {f.key: f.proposed for f in result.explanation.fixes}
    assert fixes[RuleKey(Family.BUDGET)] == pytest.approx(6_200_000)
    assert fixes[RuleKey(Family.FUNCTION_FLOOR, "IT")] == pytest.approx(4_000_000)


def test_every_fix_makes_the_plan_feasible() -> None:
    plan = Plan(
        (
            lin("it", "IT", 100, 1.0, Kind.INTERNAL),
            lin("ads", "Acq", 100, 1.0),
            lin("help", "Service", 100, 1.0),
        ),
        Policy(
            total_budget=300,
            internal_share_min=0.5,
            ratios=(RatioRule("Service", 1.0, "Acq"),),
            functions=(FunctionRule("Acq", floor=Bound(100)),),
        ),
    )
    result = solve(plan)
    assert result.status is Status.INFEASIBLE and result.explanation is not None
    assert result.explanation.fixes
    assert {fix.family for fix in result.explanation.fixes} >= {
        Family.FUNCTION_FLOOR,
        Family.SHARE_MIN,
        Family.RATIO,
    }
    for fix in result.explanation.fixes:
        fixed = apply_fix(plan, fix)
        assert fixed != plan
        assert solve(fixed).status is Status.OPTIMAL, fix


def test_line_floor_above_change_limit_is_explained() -> None:
    plan = Plan((lin("a", "P", 100, 1.0, floor=150.0, max_change=0.2),), Policy(total_budget=500))
    result = solve(plan)
    assert result.status is Status.INFEASIBLE and result.explanation is not None
    assert "needs at least 150 (floor) but its change limit allows at most 120" in result.explanation.text
    (fix,) = result.explanation.fixes
    fixed = apply_fix(plan, fix)
    assert fixed.lines[0].floor == pytest.approx(120)
    assert solve(fixed).status is Status.OPTIMAL


def test_invalid_plan_is_a_status_not_an_exception() -> None:
    plan = Plan((lin("a", "P", -5, 1.0),))
    result = solve(plan)
    assert result.status is Status.INVALID_INPUT
    assert "negative" in result.issues[0].message


def large_plan(n: int = 6000) -> Plan:
    lines = tuple(
        Line(f"l{i}", ("HR", "IT", "Ads", "Help")[i % 4], (Kind.INTERNAL, Kind.CUSTOMER)[i % 4 // 2],
             1000.0 + (i * 7919) % 5000, weight=0.5 + (i * 104729) % 1000 / 1000, max_change=0.3)
        for i in range(n)
    )  # fmt: skip
    total = sum(line.current for line in lines)
    return Plan(lines, Policy(total_budget=total * 1.1, spend_whole_budget=True, internal_share_min=0.55))


def test_running_out_of_time_is_a_status_without_an_allocation() -> None:
    plan = large_plan()
    result = solve(plan, time_limit=1e-9)  # the solver gets its 10 ms minimum, too little for this plan
    assert result.status is Status.TIME_LIMIT
    assert result.allocation == {}
    assert result.message
    assert solve(plan).status is Status.OPTIMAL  # the same plan, given time


@pytest.mark.parametrize("solver", [SolverName.HIGHS, SolverName.CBC])
def test_both_solvers_give_the_same_optimum_and_prices(solver: SolverName) -> None:
    # Hand-solved: a (weight 2, capped at 60) fills first, b takes the rest;
    # one more unit of budget goes to b (impact 1); the IT floor costs 2 - 1.
    plan = Plan(
        (
            lin("a", "P", 10, 2.0, cap=60.0),
            lin("b", "S", 10, 1.0),
            lin("c", "IT", 10, 0.5, Kind.INTERNAL),
        ),
        Policy(total_budget=100, functions=(FunctionRule("IT", floor=Bound(10.0)),)),
    )
    result = solve(plan, solver=solver)
    assert result.status is Status.OPTIMAL, result.message
    assert result.allocation == pytest.approx({"a": 60, "b": 30, "c": 10})
    assert result.impact.total == pytest.approx(60 * 2 + 30 + 5)
    prices = {r.key: r.shadow_price for r in result.rules if r.binding}
    assert prices == pytest.approx({RuleKey(Family.BUDGET): 1.0, RuleKey(Family.FUNCTION_FLOOR, "IT"): 0.5})
    assert result.line_shadow["a"] == pytest.approx(1.0)  # its cap: 2 - 1
    assert ("CBC" in result.solver) is (solver is SolverName.CBC)


def test_cbc_agrees_with_highs_on_the_sample_plan() -> None:
    from models.workbook import read_plan
    from tests.conftest import SAMPLE

    plan = read_plan(SAMPLE).plan
    assert plan is not None
    highs, cbc = solve(plan), solve(plan, solver=SolverName.CBC)
    assert highs.status is cbc.status is Status.OPTIMAL
    assert cbc.impact.total == pytest.approx(highs.impact.total, rel=1e-4)
    assert cbc.optimality_gap <= 1e-3
    prices = {r.key: r.shadow_price for r in highs.rules if r.binding}
    assert {r.key: r.shadow_price for r in cbc.rules if r.binding} == pytest.approx(
        prices, rel=1e-3, abs=1e-9
    )
