"""Invariants on generated plans, a shadow-price check, and a cross-check against scipy."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import linprog

from models.domain import Basis, Bound, Curve, FunctionRule, Kind, Line, Plan, Policy, RatioRule
from models.result import Result, Status
from models.rules import Family, RuleKey
from planner.model import build_problem, coupling_rows, half_returns, line_bounds, upper_limits
from planner.rules import Sense
from planner.solve import impacts, solve
from planner.solvers import run

FUNCTIONS = [("HR", Kind.INTERNAL), ("IT", Kind.INTERNAL), ("Service", Kind.CUSTOMER), ("Acq", Kind.CUSTOMER)]


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    n = draw(st.integers(2, 7))
    lines = []
    for i in range(n):
        function, kind = FUNCTIONS[draw(st.integers(0, 3))]
        current = draw(st.one_of(st.just(0.0), st.floats(1, 1000)))
        floor = draw(st.sampled_from([0.0, 0.0, current * 0.5, current * 1.1]))
        cap = draw(st.sampled_from([None, None, current * 1.5 + 10]))
        lines.append(
            Line(
                f"l{i}",
                function,
                kind,
                current,
                floor=floor,
                cap=cap,
                weight=draw(st.floats(0, 3, allow_nan=False)),
                curve=draw(st.sampled_from([Curve.DIMINISHING, Curve.DIMINISHING, Curve.LINEAR])),
                locked=draw(st.booleans()) and draw(st.booleans()),
                max_change=draw(st.sampled_from([None, None, 0.2])),
            )
        )
    used = {line.function for line in lines}
    total = sum(line.current for line in lines)
    rules = tuple(
        FunctionRule(f, floor=Bound(draw(st.floats(0, total * 0.4 + 1))))
        for f in sorted(used)
        if draw(st.booleans())
    )
    ratios = ()
    if {"Service", "Acq"} <= used and draw(st.booleans()):
        ratios = (RatioRule("Service", draw(st.floats(0, 2)), "Acq"),)
    policy = Policy(
        total_budget=draw(st.floats(total * 0.5 + 1, total * 1.5 + 100)),
        spend_whole_budget=draw(st.booleans()),
        internal_share_min=draw(st.sampled_from([None, 0.2, 0.4])),
        internal_share_max=draw(st.sampled_from([None, 0.8])),
        max_change=draw(st.sampled_from([None, 0.3])),
        functions=rules,
        ratios=ratios,
    )
    return Plan(tuple(lines), policy)


def check_rules(plan: Plan, result: Result) -> None:
    x = [result.allocation[line.name] for line in plan.lines]
    tol = 1e-6 * max(plan.budget, 1.0)
    for line, value, b in zip(plan.lines, x, line_bounds(plan), strict=True):
        assert value >= b.lo - tol and value >= line.floor - tol
        if b.hi is not None:
            assert value <= b.hi + tol
    assert sum(x) <= plan.budget + tol
    for row in coupling_rows(plan):
        assert row.slack(x) >= -tol * 10 if row.sense is not Sense.EQ else abs(row.slack(x)) <= tol * 10, row


@given(plans())
def test_rules_hold_or_infeasibility_is_reported(plan: Plan) -> None:
    result = solve(plan)
    assert result.status in (Status.OPTIMAL, Status.INFEASIBLE)
    if result.is_optimal:
        check_rules(plan, result)
        assert result.optimality_gap <= 1e-3
    else:
        assert result.explanation is not None and result.explanation.text
        assert result.allocation == {}


@given(plans())
def test_same_input_same_output(plan: Plan) -> None:
    first, second = solve(plan), solve(plan)
    assert first.status == second.status
    assert first.allocation == second.allocation


@given(plans())
def test_money_times_1000_scales_impact(plan: Plan) -> None:
    small, large = solve(plan), solve(plan.scaled(1000.0))
    assert small.status == large.status
    if small.is_optimal:
        assert large.impact.total == pytest.approx(small.impact.total * 1000, rel=2e-3, abs=1e-6)


@given(plans(), st.floats(1.0, 2.0))
def test_more_budget_never_less_impact(plan: Plan, factor: float) -> None:
    plan = plan.with_policy(spend_whole_budget=False)
    base = solve(plan)
    more = solve(plan.with_policy(total_budget=plan.budget * factor))
    if base.is_optimal:
        assert more.is_optimal
        assert more.impact.total >= base.impact.total * (1 - 1e-3) - 1e-9


def test_shadow_prices_match_a_resolve() -> None:
    lines = tuple(
        Line(f"l{i}", f, k, 100.0 + 37 * i, weight=1 + i / 3) for i, (f, k) in enumerate(FUNCTIONS * 2)
    )
    plan = Plan(lines, Policy(total_budget=1000, functions=(FunctionRule("HR", floor=Bound(400)),)))
    base = solve(plan)
    delta = 1.0
    for key, relaxed in (
        (RuleKey(Family.BUDGET), plan.with_policy(total_budget=1000 + delta)),
        (
            RuleKey(Family.FUNCTION_FLOOR, "HR"),
            plan.with_policy(functions=(FunctionRule("HR", floor=Bound(400 - delta)),)),
        ),
    ):
        report = next(r for r in base.rules if r.key == key)
        assert report.binding
        gained = solve(relaxed).impact.total - base.impact.total
        assert report.shadow_price == pytest.approx(gained / delta, rel=0.05)
        assert report.shadow_price > 0


def fine_lp_optimum(plan: Plan, segments: int = 400) -> float:
    """The continuous optimum estimated by scipy's linprog on a much finer curve."""
    bounds = line_bounds(plan)
    upper = upper_limits(plan, bounds)
    halves = half_returns(plan)
    n = len(plan.lines)
    cols: list[tuple[int, float, float, float]] = []  # (line, width, slope, start)
    base = 0.0
    for i, line in enumerate(plan.lines):
        lo, hi = bounds[i].lo, upper[i]
        grid = np.linspace(0, 1, segments + 1) ** 2 * (hi - lo) + lo
        f = (
            (lambda v, w=line.weight, h=halves[i]: w * h * np.log1p(v / h))
            if line.curve is Curve.DIMINISHING
            else (lambda v, w=line.weight: w * v)
        )
        base += float(f(np.array([lo]))[0])
        for a, b in itertools.pairwise(grid):
            if b > a:
                cols.append((i, b - a, float((f(np.array([b])) - f(np.array([a])))[0] / (b - a)), a))
    rows = coupling_rows(plan)
    a_ub, b_ub, a_eq, b_eq = [], [], [], []
    lo_vec = [bounds[i].lo for i in range(n)]
    for row in rows:
        coef = np.zeros(len(cols))
        for j, (i, *_rest) in enumerate(cols):
            coef[j] = dict(row.coefs).get(i, 0.0)
        rhs = row.rhs - sum(c * lo_vec[i] for i, c in row.coefs)
        if row.sense is Sense.LE:
            a_ub.append(coef)
            b_ub.append(rhs)
        elif row.sense is Sense.GE:
            a_ub.append(-coef)
            b_ub.append(-rhs)
        else:
            a_eq.append(coef)
            b_eq.append(rhs)
    res = linprog(
        c=[-s for _, _, s, _ in cols],
        A_ub=np.array(a_ub) if a_ub else None,
        b_ub=b_ub or None,
        A_eq=np.array(a_eq) if a_eq else None,
        b_eq=b_eq or None,
        bounds=[(0, w) for _, w, _, _ in cols],
        method="highs",
    )
    assert res.status == 0
    x = list(lo_vec)
    for (i, _w, _s, _a), v in zip(cols, res.x, strict=True):
        x[i] += v
    return impacts(plan, x).total


@pytest.mark.parametrize("seed", range(8))
def test_optimum_matches_an_independent_fine_formulation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lines = tuple(
        Line(
            f"l{i}",
            FUNCTIONS[i % 4][0],
            FUNCTIONS[i % 4][1],
            float(rng.uniform(50, 500)),
            weight=float(rng.uniform(0.3, 2.0)),
            cap=None if rng.random() < 0.7 else float(rng.uniform(300, 900)),
        )
        for i in range(12)
    )
    total = sum(line.current for line in lines)
    plan = Plan(
        lines,
        Policy(
            total_budget=total * float(rng.uniform(0.8, 1.3)),
            internal_share_min=0.3,
            functions=(FunctionRule("IT", floor=Bound(total * 0.1)),),
            ratios=(RatioRule("Service", 0.5, "Acq"),),
        ),
    )
    ours = solve(plan)
    assert ours.is_optimal
    reference = fine_lp_optimum(plan)
    assert ours.impact.total >= reference * (1 - 1e-3)
    assert math.isfinite(reference)


def test_simplex_and_interior_point_agree_on_a_large_plan() -> None:
    # The method is chosen by size; both must give the same optimum and duals.
    rng = random.Random(5)
    lines = []
    for i in range(1500):
        function, kind = FUNCTIONS[i % 4]
        current = rng.uniform(1e4, 1e6)
        lines.append(
            Line(
                f"l{i}",
                function,
                kind,
                current,
                floor=current * 0.5 if i % 5 == 0 else 0.0,
                weight=rng.uniform(0.5, 1.5),
                max_change=0.4,
            )
        )
    total = sum(line.current for line in lines)
    plan = Plan(
        tuple(lines),
        Policy(
            total_budget=total,
            spend_whole_budget=True,
            internal_share_min=0.55,
            functions=(FunctionRule("IT", floor=Bound(0.3, Basis.BUDGET)),),
            ratios=(RatioRule("Service", 1.3, "Acq"),),
        ),
    )
    results = {}
    for method in ("simplex", "ipm"):
        model = build_problem(plan)
        assert run(model.prob, method=method).status is Status.OPTIMAL
        results[method] = (
            np.asarray(model.prob.column_values(model.x)),
            np.asarray([model.prob.row_dual[r] for r in model.constraints]),
        )
    (x_simplex, y_simplex), (x_ipm, y_ipm) = results["simplex"], results["ipm"]
    assert np.allclose(x_simplex, x_ipm, rtol=1e-5, atol=1e-6 * float(np.max(x_simplex)))
    assert np.allclose(y_simplex, y_ipm, rtol=1e-4, atol=1e-8)
    assert np.count_nonzero(y_simplex) >= 2  # binding rules with prices to compare


def test_a_weight_so_small_its_price_squared_underflows_still_solves() -> None:
    """A weight of 1e-272 (a typing slip, or a generated plan): the polish and the sensitivity
    report divide by the square of its line's price; that must never be a division by zero."""
    plan = Plan(
        (
            Line("l0", "IT", Kind.INTERNAL, 0.0, weight=1.3205421090061075e-272),
            Line("l1", "HR", Kind.INTERNAL, 0.0, weight=0.0),
        ),
        Policy(total_budget=1.0, functions=(FunctionRule("HR", floor=Bound(1.0)),)),
    )
    first, second = solve(plan), solve(plan)
    assert first.status is Status.OPTIMAL
    assert first.allocation == second.allocation
    assert first.allocation["l1"] == pytest.approx(1.0)
