"""The price of balance: defined under the max-impact objective, continuous in the balance rules.

The price is the customer impact given up to keep the internal floors and the
internal share minimum: the customer impact of the best allocation without
them less that of the best allocation with them, both maximising total impact
with every line's own weight, whatever the plan's objective.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.domain import Bound, Curve, FunctionRule, Kind, Line, Objective, Plan, Policy
from models.insight import PriceOfBalance
from planner.insight import balance_frontier, price_of_balance, without_balance_rules
from planner.solve import impacts, solve
from tests.planner.fine_lp import fine_allocation

LIN = Curve.LINEAR


def hand_plan(*floors: FunctionRule, objective: Objective = Objective.MAX_IMPACT) -> Plan:
    """Budget 400, all spent. Best without balance rules: Ads 300 (weight 2, its cap), Servers 50
    (1.5, its cap), Help desk 50 (1), Payroll 0 (0.5): customer impact 650."""
    lines = (
        Line("Payroll", "HR", Kind.INTERNAL, 100.0, weight=0.5, curve=LIN),
        Line("Servers", "IT", Kind.INTERNAL, 100.0, weight=1.5, cap=50.0, curve=LIN),
        Line("Ads", "Acquisition", Kind.CUSTOMER, 100.0, weight=2.0, cap=300.0, curve=LIN),
        Line("Help desk", "Service", Kind.CUSTOMER, 100.0, weight=1.0, curve=LIN),
    )
    policy = Policy(total_budget=400.0, spend_whole_budget=True, functions=floors, objective=objective)
    return Plan(lines, policy)


def priced(plan: Plan) -> PriceOfBalance:
    price = price_of_balance(plan, solve(plan))
    assert price is not None
    return price


def test_a_floor_that_does_not_bind_costs_nothing() -> None:
    # The IT floor of 30 is under the 50 Servers get anyway: the best allocation is the same.
    assert priced(hand_plan()).price == 0.0
    price = priced(hand_plan(FunctionRule("IT", floor=Bound(30.0))))
    assert price.customer_with == pytest.approx(650.0)
    assert price.customer_without == pytest.approx(650.0)
    assert price.price == pytest.approx(0.0, abs=1e-9)
    assert price.total_price == pytest.approx(0.0, abs=1e-9)


def test_a_binding_floor_costs_the_customer_impact_it_moves() -> None:
    # The HR floor of 80 goes to Payroll; the 320 left: Ads 300, Servers 20, Help desk 0.
    price = priced(hand_plan(FunctionRule("HR", floor=Bound(80.0))))
    assert price.customer_with == pytest.approx(600.0)
    assert price.customer_without == pytest.approx(650.0)
    assert price.price == pytest.approx(50.0)
    # Adding a floor that does not bind (Servers keep 20, over an IT floor of 10) changes nothing.
    both = priced(hand_plan(FunctionRule("HR", floor=Bound(80.0)), FunctionRule("IT", floor=Bound(10.0))))
    assert both.price == pytest.approx(50.0)
    assert both.customer_with == pytest.approx(600.0)


def test_a_min_change_plan_has_the_price_of_its_max_impact_twin() -> None:
    floors = (FunctionRule("HR", floor=Bound(80.0)),)
    least_change = hand_plan(*floors, objective=Objective.MIN_CHANGE)
    result = solve(least_change)
    assert result.is_optimal
    price = price_of_balance(least_change, result)
    assert price is not None
    assert price.customer_with == pytest.approx(600.0)
    assert price.customer_without == pytest.approx(650.0)
    assert price.price == pytest.approx(50.0)
    # One more unit of HR floor comes out of Servers (1.5) into Payroll (0.5), from a floor of 50
    # (Servers at their cap) to 100 (Servers at nothing).
    (hr,) = price.floors
    assert hr.shadow_price == pytest.approx(1.0)
    assert (hr.range_low, hr.range_high) == pytest.approx((50.0, 100.0))


def diminishing_plan(**policy: object) -> Plan:
    lines = (
        Line("Payroll", "HR", Kind.INTERNAL, 300.0, weight=0.6),
        Line("Training", "HR", Kind.INTERNAL, 100.0, weight=0.9),
        Line("Servers", "IT", Kind.INTERNAL, 250.0, weight=1.4),
        Line("Help desk", "Customer service", Kind.CUSTOMER, 300.0, weight=1.6),
        Line("Rewards", "Loyalty", Kind.CUSTOMER, 200.0, weight=1.2),
        Line("Ads", "Acquisition", Kind.CUSTOMER, 350.0, weight=2.0),
    )
    return Plan(lines, Policy(total_budget=1500.0, spend_whole_budget=True, **policy))  # type: ignore[arg-type]


def test_the_price_is_the_difference_of_two_independent_optima() -> None:
    plan = diminishing_plan(functions=(FunctionRule("HR", floor=Bound(500.0)),), internal_share_min=0.45)
    price = priced(plan)
    free, _ = without_balance_rules(plan)
    kept, lifted = fine_allocation(plan), fine_allocation(free)
    assert kept is not None and lifted is not None
    expected = impacts(free, lifted).customer - impacts(plan, kept).customer
    assert expected > 0.05 * impacts(plan, kept).customer  # the rules bind
    scale = impacts(plan, kept).customer
    assert price.customer_with == pytest.approx(impacts(plan, kept).customer, abs=2e-3 * scale)
    assert price.customer_without == pytest.approx(impacts(free, lifted).customer, abs=2e-3 * scale)
    assert price.price == pytest.approx(expected, abs=4e-3 * scale)


def test_a_non_binding_floor_leaves_a_positive_price_unchanged() -> None:
    base = diminishing_plan(functions=(FunctionRule("HR", floor=Bound(500.0)),))
    before = priced(base)
    assert before.price > 0
    servers = solve(base).totals["IT"]
    wider = base.with_policy(
        functions=(*base.policy.functions, FunctionRule("IT", floor=Bound(0.5 * servers)))
    )
    after = priced(wider)
    assert "the IT floor" in after.relaxed
    assert after.price == pytest.approx(before.price, rel=1e-6, abs=1e-9 * before.customer_without)
    assert after.customer_with == pytest.approx(before.customer_with, rel=1e-6)


def test_a_non_binding_share_minimum_costs_nothing() -> None:
    plan = diminishing_plan()
    share = solve(plan).internal_share
    assert share is not None
    assert priced(plan).price == 0.0
    loose = priced(plan.with_policy(internal_share_min=0.5 * share))
    assert loose.relaxed == ("the internal share minimum",)
    assert loose.price == pytest.approx(0.0, abs=1e-9 * loose.customer_with)


def test_a_min_change_plan_has_the_frontier_of_its_max_impact_twin() -> None:
    plan = diminishing_plan(functions=(FunctionRule("HR", floor=Bound(450.0)),), max_change=0.4)
    twin = replace(plan, policy=replace(plan.policy, objective=Objective.MIN_CHANGE))
    best, least = balance_frontier(plan, 6), balance_frontier(twin, 6)
    assert least.plan_share is not None and best.plan_share is not None
    common = {round(p.internal_share, 9): p for p in best.points}
    shared = [
        (common[round(p.internal_share, 9)], p) for p in least.points if round(p.internal_share, 9) in common
    ]
    assert len(shared) >= 6
    for ours, theirs in shared:
        assert theirs.status == ours.status == "optimal"
        assert theirs.impact.total == pytest.approx(ours.impact.total, rel=1e-6)
        assert theirs.impact.customer == pytest.approx(ours.impact.customer, rel=1e-4)
    price_best, price_least = priced(plan), priced(twin)
    assert price_least.price == pytest.approx(price_best.price, rel=1e-6, abs=1e-9)
    assert price_least.customer_with == pytest.approx(price_best.customer_with, rel=1e-9)
