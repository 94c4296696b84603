"""The budget's price: impact gained per extra unit of budget, with the rules stated as a % of it.

A function floor or cap stated as a share of the budget moves with the budget,
so one more unit of budget is worth the budget row's own dual plus, for each
such rule, its shadow price times its share (a floor, raised by the budget,
costs its price; a cap, raised, gains its price).
"""

from __future__ import annotations

import random

import pytest

from models.domain import Basis, Bound, Curve, FunctionRule, Kind, Line, Plan, Policy
from models.result import Result
from models.rules import Family, RuleKey
from planner.solve import solve
from tests.planner.fine_lp import fine_optimum

LIN = Curve.LINEAR
FUNCTIONS = [("HR", Kind.INTERNAL), ("IT", Kind.INTERNAL), ("Service", Kind.CUSTOMER), ("Acq", Kind.CUSTOMER)]


def budget_price(result: Result) -> float:
    (budget,) = (r for r in result.rules if r.key == RuleKey(Family.BUDGET))
    return budget.shadow_price


def test_a_budget_with_a_floor_and_a_cap_in_percent_known_by_hand() -> None:
    # Budget B: Payroll gets its 30% floor (weight 0.5), Ads its 40% cap (2), the help desk the
    # other 30% (1): impact 0.15 B + 0.8 B + 0.3 B = 1.25 B, so one more unit of budget is worth
    # 1.25 (the budget row alone: the help desk's 1).
    plan = Plan(
        (
            Line("Payroll", "HR", Kind.INTERNAL, 30.0, weight=0.5, curve=LIN),
            Line("Ads", "Acq", Kind.CUSTOMER, 30.0, weight=2.0, curve=LIN),
            Line("Help desk", "Service", Kind.CUSTOMER, 30.0, weight=1.0, curve=LIN),
        ),
        Policy(
            total_budget=100.0,
            functions=(
                FunctionRule("HR", floor=Bound(0.3, Basis.BUDGET)),
                FunctionRule("Acq", cap=Bound(0.4, Basis.BUDGET)),
            ),
        ),
    )
    result = solve(plan)
    assert result.allocation == pytest.approx({"Payroll": 30.0, "Ads": 40.0, "Help desk": 30.0})
    assert result.impact.total == pytest.approx(125.0)
    assert budget_price(result) == pytest.approx(1.25)
    assert next(r for r in result.rules if r.key == RuleKey(Family.BUDGET)).binding
    # The floor's and the cap's own prices are those of their rows.
    prices = {r.key: r.shadow_price for r in result.rules}
    assert prices[RuleKey(Family.FUNCTION_FLOOR, "HR")] == pytest.approx(0.5)
    assert prices[RuleKey(Family.FUNCTION_CAP, "Acq")] == pytest.approx(1.0)


def test_a_budget_left_unspent_is_still_worth_what_its_percent_floor_costs() -> None:
    # Nothing is worth spending past the floor (weights 0): each unit of budget raises the 50%
    # IT floor by half a unit, which costs nothing (weight 0), so the price stays 0 ...
    lines = (
        Line("Servers", "IT", Kind.INTERNAL, 10.0, weight=0.0, curve=LIN),
        Line("Ads", "Acq", Kind.CUSTOMER, 10.0, weight=1.0, curve=LIN, cap=20.0),
    )
    plan = Plan(
        lines, Policy(total_budget=100.0, functions=(FunctionRule("IT", floor=Bound(0.5, Basis.BUDGET)),))
    )
    result = solve(plan)
    assert result.allocation == pytest.approx({"Servers": 50.0, "Ads": 20.0})
    assert budget_price(result) == pytest.approx(0.0, abs=1e-9)
    # ... and with Ads capped at 60, the budget binds: a unit of budget is half a unit to Ads.
    capped = Plan(
        (lines[0], Line("Ads", "Acq", Kind.CUSTOMER, 10.0, weight=1.0, curve=LIN, cap=60.0)), plan.policy
    )
    assert budget_price(solve(capped)) == pytest.approx(0.5)


def generated_plan(seed: int) -> Plan:
    rng = random.Random(seed)
    lines = []
    for i in range(rng.randint(4, 8)):
        function, kind = FUNCTIONS[i % 4]
        lines.append(Line(f"l{i}", function, kind, rng.uniform(50, 500), weight=rng.uniform(0.2, 2.5)))
    total = sum(line.current for line in lines)
    rules = []
    for function, _kind in FUNCTIONS:
        floor = Bound(rng.uniform(0.05, 0.3), Basis.BUDGET) if rng.random() < 0.6 else None
        cap = Bound(rng.uniform(0.15, 0.35), Basis.BUDGET) if rng.random() < 0.4 else None
        if floor is not None and cap is not None and cap.value < floor.value:
            floor, cap = cap, floor
        if floor is not None or cap is not None:
            rules.append(FunctionRule(function, floor=floor, cap=cap))
    return Plan(
        tuple(lines),
        Policy(
            total_budget=total * rng.uniform(0.7, 1.3),
            spend_whole_budget=rng.random() < 0.3,
            functions=tuple(rules),
        ),
    )


def test_the_budget_price_matches_finite_differences_with_percent_rules_moving() -> None:
    checked = 0
    for seed in range(40):
        plan = generated_plan(seed)
        result = solve(plan)
        if not result.is_optimal:
            continue
        step = 1e-3 * plan.budget
        here = fine_optimum(plan)
        up = fine_optimum(plan.with_policy(total_budget=plan.budget + step))
        down = fine_optimum(plan.with_policy(total_budget=plan.budget - step))
        if here is None or up is None or down is None:
            continue
        right, left = (up - here) / step, (here - down) / step
        price = budget_price(result)
        low, high = min(left, right), max(left, right)
        slack = 0.03 * max(abs(left), abs(right), 0.1)
        assert low - slack <= price <= high + slack, (seed, price, left, right)
        checked += 1
    assert checked >= 25
