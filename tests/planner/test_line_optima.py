"""Every diminishing line at its own optimum, not only the total impact.

A line's spend is what a finance lead reads: each strictly concave line must
be within 1% of its unique continuous optimum (or 1e-4 of the budget,
whichever is larger), checked against an independent fine tangent-cut model
solved by scipy's HiGHS (:mod:`tests.planner.tangent_lp`) and, where the
optimum is known by hand, against that.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.domain import Bound, Curve, FunctionRule, Kind, Line, Plan, Policy, RatioRule
from models.result import Status
from planner.solve import GAP_TARGET, line_tolerance, solve
from tests.planner.tangent_lp import tangent_allocation

LIN = Curve.LINEAR


def wide_first_segment_plan() -> Plan:
    """Forty lines at their caps, a reserve line setting the water level, and one line with a large half-return.

    The reserve's weight 0.5 is the price of money, so the platform line's
    optimum is where ``0.53 / (1 + x / 2.5M) = 0.5``: ``x = 150,000``, in the
    middle of the first of the few segments that span its range up to the
    25M budget. Its share of the total impact is small enough that the
    total alone looks right whatever it gets.
    """
    lines = [
        Line(f"Service {i}", "Customer service", Kind.CUSTOMER, 200_000, cap=200_000, weight=1.0, curve=LIN)
        for i in range(40)
    ]
    lines.append(Line("Reserve", "Product", Kind.CUSTOMER, 1_000_000, weight=0.5, curve=LIN))
    lines.append(Line("Platform", "IT", Kind.INTERNAL, 0, weight=0.53, half_return=2_500_000))
    return Plan(tuple(lines), Policy(total_budget=25_000_000, spend_whole_budget=True))


def test_a_line_in_a_wide_first_segment_gets_its_optimum() -> None:
    plan = wide_first_segment_plan()
    result = solve(plan)
    assert result.status is Status.OPTIMAL
    optimum = 2_500_000 * (0.53 / 0.5 - 1)
    assert optimum == pytest.approx(150_000)
    assert result.allocation["Platform"] == pytest.approx(optimum, rel=0.01)
    assert result.allocation["Reserve"] == pytest.approx(25_000_000 - 8_000_000 - optimum, rel=1e-6)
    # The certified gap is reported with the result, and it is the continuous optimum's.
    assert 0.0 <= result.optimality_gap <= 1e-9


def test_line_prices_are_the_continuous_duals() -> None:
    # The budget's shadow price is the reserve's weight: one more unit of budget goes to it.
    result = solve(wide_first_segment_plan())
    budget = next(r for r in result.rules if r.family.value == "budget")
    assert budget.shadow_price == pytest.approx(0.5, rel=1e-9)


FUNCTIONS = [("HR", Kind.INTERNAL), ("IT", Kind.INTERNAL), ("Service", Kind.CUSTOMER), ("Acq", Kind.CUSTOMER)]


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    n = draw(st.integers(3, 40))
    lines = []
    for i in range(n):
        function, kind = FUNCTIONS[draw(st.integers(0, 3))]
        current = draw(st.one_of(st.just(0.0), st.floats(1e4, 1e6)))
        lines.append(
            Line(
                f"l{i}",
                function,
                kind,
                current,
                floor=draw(st.sampled_from([0.0, 0.0, current * 0.5])),
                cap=draw(st.sampled_from([None, None, current * 1.5 + 1e4])),
                weight=draw(st.floats(0.2, 3.0)),
                curve=draw(st.sampled_from([Curve.DIMINISHING] * 4 + [LIN])),
                half_return=draw(st.one_of(st.none(), st.none(), st.floats(1e4, 5e6))),
                max_change=draw(st.sampled_from([None, None, None, 0.3])),
            )
        )
    total = sum(line.current for line in lines)
    used = sorted({line.function for line in lines})
    rules = tuple(
        FunctionRule(f, floor=Bound(draw(st.floats(0, total * 0.2)))) for f in used if draw(st.booleans())
    )
    ratios = ()
    if {"Service", "Acq"} <= set(used) and draw(st.booleans()):
        ratios = (RatioRule("Service", draw(st.floats(0.2, 2)), "Acq"),)
    policy = Policy(
        total_budget=total * draw(st.floats(0.8, 1.5)) + 1e5,
        spend_whole_budget=draw(st.booleans()),
        internal_share_min=draw(st.sampled_from([None, 0.3])),
        functions=rules,
        ratios=ratios,
    )
    return Plan(tuple(lines), policy)


@settings(max_examples=40, deadline=None)
@given(plans())
def test_every_concave_line_is_at_its_own_optimum(plan: Plan) -> None:
    result = solve(plan)
    reference = tangent_allocation(plan)
    if reference is None:
        assert result.status is Status.INFEASIBLE
        return
    assert result.status is Status.OPTIMAL
    assert 0.0 <= result.optimality_gap <= GAP_TARGET
    far = {}
    for line, best in zip(plan.lines, reference, strict=True):
        if line.curve is Curve.DIMINISHING and line.weight > 0:
            got = result.allocation[line.name]
            if abs(got - best) > line_tolerance(plan, best):
                far[line.name] = (got, best)
    assert far == {}, f"lines away from their optimum (allocated, optimum): {far}"
    # The total follows: never above the optimum the reference certifies, by more than rounding.
    assert math.isfinite(result.impact.total)


def test_without_the_polish_refinement_goes_on_until_each_line_settles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # When the Newton polish does not converge, the breakpoints are refined
    # around each line until every concave line is within its tolerance.
    import planner.solve

    monkeypatch.setattr(planner.solve, "polished_optimum", lambda *args: None)
    plan = wide_first_segment_plan()
    result = solve(plan)
    assert result.status is Status.OPTIMAL
    optimum = 2_500_000 * (0.53 / 0.5 - 1)
    assert abs(result.allocation["Platform"] - optimum) <= line_tolerance(plan, optimum)
    assert 0.0 <= result.optimality_gap <= GAP_TARGET


def test_a_plan_with_money_from_1_to_1e9_holds_every_rule_and_puts_each_line_at_its_optimum() -> None:
    # Lines of 1, 1,000, 1 million and 1 billion in one plan; a cap of 1 and a floor of 900 among them.
    lines = (
        Line("Stamps", "Internal comms", Kind.INTERNAL, 1.0, weight=1.2),
        Line("Badges", "Facilities", Kind.INTERNAL, 1_000.0, weight=0.8),
        Line("Payroll", "HR", Kind.INTERNAL, 1_000_000.0, weight=0.9),
        Line("Network", "Acquisition", Kind.CUSTOMER, 1_000_000_000.0, weight=1.0),
        Line("Loyalty", "Retention", Kind.CUSTOMER, 1_000_000.0, weight=1.1, half_return=2_000_000.0),
    )
    policy = Policy(
        total_budget=1_003_001_001.0,
        functions=(
            FunctionRule("Internal comms", cap=Bound(1.0)),  # its optimum alone would be about 1.4
            FunctionRule("Facilities", floor=Bound(900.0)),
        ),
    )
    plan = Plan(lines, policy)
    result = solve(plan)
    assert result.status is Status.OPTIMAL
    allocation = result.allocation
    assert allocation["Stamps"] == pytest.approx(1.0, rel=1e-7)  # a cap of 1 among billions holds
    assert allocation["Badges"] >= 900.0 * (1 - 1e-7)
    assert sum(allocation.values()) <= policy.total_budget * (1 + 1e-9)
    binding = {str(rule.key) for rule in result.rules if rule.binding}
    assert {"function-cap:Internal comms", "function-floor:Facilities"} <= binding
    reference = tangent_allocation(plan)
    assert reference is not None
    # Each line within 1% of the independent optimum, the smallest included (not 1e-4 of a 1e9 budget).
    far = {
        line.name: (allocation[line.name], best)
        for line, best in zip(plan.lines, reference, strict=True)
        if abs(allocation[line.name] - best) > 0.01 * abs(best)
    }
    assert far == {}, f"lines away from their optimum (allocated, optimum): {far}"
