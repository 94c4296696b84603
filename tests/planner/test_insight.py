"""The price of balance, the balance frontier and the balance check."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.domain import Basis, Bound, Checks, Curve, FunctionRule, Kind, Line, Plan, Policy
from models.insight import balance_check
from models.result import Status
from models.workbook import read_plan
from planner.insight import balance_frontier, price_of_balance
from planner.solve import solve
from tests.conftest import SAMPLE

FUNCTIONS = [
    ("HR", Kind.INTERNAL),
    ("IT", Kind.INTERNAL),
    ("Service", Kind.CUSTOMER),
    ("Acquisition", Kind.CUSTOMER),
]


@st.composite
def whole_budget_plans(draw: st.DrawFn) -> Plan:
    n = draw(st.integers(4, 8))
    lines = []
    for i in range(n):
        function, kind = FUNCTIONS[i % 4]
        current = draw(st.floats(10, 1000))
        lines.append(
            Line(
                f"l{i}",
                function,
                kind,
                current,
                weight=draw(st.floats(0.1, 3)),
                max_change=draw(st.sampled_from([None, 0.5])),
            )
        )
    total = sum(line.current for line in lines)
    floor = draw(st.sampled_from([None, 0.1, 0.2]))
    return Plan(
        tuple(lines),
        Policy(
            total_budget=total * draw(st.floats(0.8, 1.2)),
            spend_whole_budget=True,
            internal_share_min=draw(st.sampled_from([None, 0.3])),
            functions=() if floor is None else (FunctionRule("IT", floor=Bound(floor, Basis.BUDGET)),),
        ),
    )


def sample() -> Plan:
    plan = read_plan(SAMPLE).plan
    assert plan is not None
    return plan


@given(whole_budget_plans())
def test_frontier_shares_rise_and_customer_impact_never_rises_with_them(plan: Plan) -> None:
    frontier = balance_frontier(plan, 7)
    result = solve(plan)
    if not frontier.points:
        return
    shares = [p.internal_share for p in frontier.points]
    assert shares == sorted(shares)
    optimal = [p for p in frontier.points if p.status == "optimal"]
    assert len(optimal) == len(frontier.points)
    customer = [p.impact.customer for p in optimal]
    scale = max(abs(c) for c in customer) or 1.0
    assert all(b <= a + 1e-6 * scale for a, b in itertools.pairwise(customer))
    if result.is_optimal:
        best = max(p.impact.total for p in optimal)
        assert best >= result.impact.total * (1 - 2e-3) - 1e-9
    # Every point holds the plan's rules other than its share bounds.
    for point in optimal:
        total = sum(point.allocation.values())
        assert total == pytest.approx(plan.budget, rel=1e-6, abs=1e-6)
        inside = sum(
            v
            for line, v in zip(plan.lines, point.allocation.values(), strict=True)
            if line.kind is Kind.INTERNAL
        )
        assert inside / total == pytest.approx(point.internal_share, abs=1e-6)


def test_every_frontier_point_is_optimal_against_an_independent_solve() -> None:
    plan = sample()
    frontier = balance_frontier(plan, 5)
    assert len(frontier.points) >= 5
    for point in frontier.points:
        fixed = plan.with_policy(
            internal_share_min=point.internal_share, internal_share_max=point.internal_share
        )
        independent = solve(fixed)
        assert independent.status is Status.OPTIMAL
        assert point.impact.total == pytest.approx(independent.impact.total, rel=1e-3)
    assert frontier.plan_share is not None
    assert any(abs(p.internal_share - frontier.plan_share) < 1e-9 for p in frontier.points)
    assert frontier.knee is not None
    assert frontier.points[0].internal_share <= frontier.knee <= frontier.points[-1].internal_share


@given(whole_budget_plans())
def test_the_price_of_balance_is_never_negative(plan: Plan) -> None:
    price = price_of_balance(plan)
    if price is None:
        return
    assert price.price >= 0
    assert price.total_price >= -1e-9 * max(1.0, abs(price.total_with))


def test_price_of_balance_on_the_sample() -> None:
    plan = sample()
    price = price_of_balance(plan)
    assert price is not None
    # The binding HR and Internal comms floors hold money that would go to IT without them:
    # customers give up nothing for them, the total impact a little.
    assert price.price == pytest.approx(max(price.customer_without - price.customer_with, 0.0))
    assert price.total_price > 0
    assert "the internal share minimum" in price.relaxed
    floors = {f.function: f for f in price.floors}
    assert "HR" in floors
    assert floors["HR"].range_low <= floors["HR"].floor <= floors["HR"].range_high
    assert floors["HR"].shadow_price > 0


def test_price_of_balance_known_by_hand() -> None:
    # Linear lines, so the model is exact. Budget 400, all spent: Ads (weight 2) up to its cap of 300,
    # the HR floor of 80 to Payroll (0.5), the rest (20) to the help desk (1).
    lines = (
        Line("Payroll", "HR", Kind.INTERNAL, 100.0, weight=0.5, curve=Curve.LINEAR),
        Line("Ads", "Acquisition", Kind.CUSTOMER, 100.0, weight=2.0, cap=300.0, curve=Curve.LINEAR),
        Line("Help desk", "Service", Kind.CUSTOMER, 100.0, weight=1.0, curve=Curve.LINEAR),
    )
    plan = Plan(
        lines,
        Policy(
            total_budget=400.0, spend_whole_budget=True, functions=(FunctionRule("HR", floor=Bound(80.0)),)
        ),
    )
    price = price_of_balance(plan)
    assert price is not None
    assert price.customer_with == pytest.approx(300 * 2 + 20)
    assert price.customer_without == pytest.approx(300 * 2 + 100)
    assert price.price == pytest.approx(80)
    (hr,) = price.floors
    # One more unit of floor moves a unit from the help desk (1) to payroll (0.5): 0.5 of impact,
    # until the help desk has nothing left at a floor of 100.
    assert hr.shadow_price == pytest.approx(0.5)
    assert hr.range_low == pytest.approx(0.0, abs=1e-6)
    assert hr.range_high == pytest.approx(100.0)
    assert "sensitivity report" in hr.method  # the continuous optimum's range


def balanced() -> Plan:
    lines = (
        Line("Payroll", "HR", Kind.INTERNAL, 200.0),
        Line("Servers", "IT", Kind.INTERNAL, 200.0),
        Line("Help desk", "Customer service", Kind.CUSTOMER, 200.0),
        Line("Rewards", "Loyalty", Kind.CUSTOMER, 200.0),
        Line("Ads", "Acquisition", Kind.CUSTOMER, 200.0),
        Line("Events", "Acquisition", Kind.CUSTOMER, 200.0),
    )
    return Plan(lines, Policy(total_budget=1200.0, spend_whole_budget=True, max_change=0.1))


def test_a_balanced_plan_gets_no_warnings() -> None:
    plan = balanced()
    assert balance_check(plan, solve(plan)) == ()


def _acquisition_first(plan: Plan) -> Plan:
    lines = tuple(
        replace(line, weight=5.0, curve=Curve.LINEAR) if line.function == "Acquisition" else line
        for line in plan.lines
    )
    return replace(plan, lines=lines).with_policy(
        max_change=None, checks=Checks(internal_cut=1.0, internal_share=0.0, line_share=1.0)
    )


@pytest.mark.parametrize(
    ("change", "code", "fragment"),
    [
        (
            lambda p: p.with_policy(max_change=None, checks=Checks(line_share=0.9)),
            "internal-cut",
            "HR is cut by",
        ),
        (
            lambda p: p.with_policy(max_change=None, checks=Checks(internal_cut=1.0, line_share=0.9)),
            "internal-share",
            "Internal functions get",
        ),
        (_acquisition_first, "acquisition", "Acquisition gets"),
        (lambda p: p.with_policy(checks=Checks(line_share=0.15)), "line-share", "of the budget"),
    ],
    ids=["internal-cut", "internal-share", "acquisition", "line-share"],
)
def test_each_warning_fires_on_a_crafted_plan(change: object, code: str, fragment: str) -> None:
    plan = change(balanced())  # type: ignore[operator]
    if code in ("internal-cut", "internal-share"):
        # Customer lines worth far more: the optimiser takes money from the internal ones.
        plan = replace(
            plan,
            lines=tuple(
                replace(line, weight=4.0) if line.kind is Kind.CUSTOMER else line for line in plan.lines
            ),
        )
    result = solve(plan)
    assert result.is_optimal
    warnings = balance_check(plan, result)
    fired = [w for w in warnings if w.code == code]
    assert fired, warnings
    assert fragment in fired[0].message


def test_concentration_warning() -> None:
    lines = tuple(
        Line(f"Line {i}", "Product", Kind.CUSTOMER, 100.0, weight=10.0 if i == 0 else 0.1, curve=Curve.LINEAR)
        for i in range(12)
    )
    plan = Plan(
        lines,
        Policy(
            total_budget=1200.0, spend_whole_budget=True, checks=Checks(line_share=1.0, internal_share=0.0)
        ),
    )
    warnings = balance_check(plan, solve(plan))
    assert [w.code for w in warnings] == ["concentration"]
    assert warnings[0].lines == ("Line 0", "Line 1")


def test_frontier_of_a_plan_whose_own_share_minimum_cannot_hold() -> None:
    # Internal lines can take 10 to 30 of 101: shares 9.9% to 29.7%; the plan asks for 30%.
    lines = (
        Line("l0", "HR", Kind.INTERNAL, 10.0, max_change=0.5),
        Line("l1", "IT", Kind.INTERNAL, 10.0, max_change=0.5),
        Line("l2", "Service", Kind.CUSTOMER, 10.0),
        Line("l3", "Acquisition", Kind.CUSTOMER, 71.0),
    )
    plan = Plan(lines, Policy(total_budget=101.0, spend_whole_budget=True, internal_share_min=0.3))
    assert solve(plan).status is Status.INFEASIBLE
    frontier = balance_frontier(plan, 5)
    assert [p.status for p in frontier.points] == ["optimal"] * 5
    assert frontier.points[0].internal_share == pytest.approx(10 / 101)
    assert frontier.points[-1].internal_share == pytest.approx(30 / 101)
