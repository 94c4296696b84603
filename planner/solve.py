"""Solving a plan: build, solve, refine the curves, read and explain the result.

Infeasible, time-limited and invalid input are statuses of the result, never
exceptions.

Accuracy of the diminishing curves: after each solve the row duals ``y``
give a Lagrangian upper bound on the continuous optimum,
``L(y) = sum_r y_r b_r + sum_i max_{x_i in box} (f_i(x_i) - x_i sum_r y_r a_ri)``,
each inner maximum in closed form. When the allocation's true impact is not
within :data:`GAP_TARGET` of that bound, breakpoints are added around the
allocation and the bound's maximisers, six times finer at each attempt,
and the plan is solved again.

The gap is relative to the achieved impact, with a floor of
:data:`ABSOLUTE_TOLERANCE` times the plan's impact scale (largest weight
times the budget, which no allocation can exceed): below that the bound's
excess is the solver's own rounding, and a plan whose optimum is zero is
certified as such.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

from models.domain import Curve, Kind, Objective, Plan, validate
from models.result import Impact, Result, RuleReport, Status
from planner import explain
from planner.curves import diminishing, marginal_argmax, refine
from planner.model import DU, LpModel, build_problem, coupling_rows, half_returns
from planner.rules import Row, Sense
from planner.solvers import SolverName, run

__all__ = ["GAP_TARGET", "impacts", "solve"]

#: Relative distance allowed between the allocation's true impact and the continuous optimum.
GAP_TARGET = 5e-4
#: Impact differences below this fraction of the plan's impact scale are rounding.
ABSOLUTE_TOLERANCE = 1e-6
MAX_REFINEMENTS = 4
DEFAULT_TIME_LIMIT = 120.0


def impacts(plan: Plan, allocation: Sequence[float]) -> Impact:
    """The true (continuous) impact of an allocation, split by kind."""
    halves = half_returns(plan)
    customer = internal = 0.0
    for line, x, h in zip(plan.lines, allocation, halves, strict=True):
        value = line.weight * x if line.curve is Curve.LINEAR else diminishing(x, line.weight, h)
        if line.kind is Kind.INTERNAL:
            internal += value
        else:
            customer += value
    return Impact(customer=customer, internal=internal)


def _values(model: LpModel) -> list[float]:
    result = []
    for solved, b, hi in zip(model.prob.column_values(model.x), model.bounds, model.upper, strict=True):
        value = min(max(solved * model.scale, b.lo), hi)
        result.append(value + 0.0 if value != 0 else 0.0)
    return result


def _shadows(model: LpModel) -> list[float]:
    """Each row's dual as d(objective)/d(rhs) in money terms, signs made valid."""
    result = []
    duals, maximise = model.prob.row_dual, model.prob.maximise
    for row, index in zip(model.rows, model.constraints, strict=True):
        y = float(duals[index]) * model.objective_scale
        if row.sense is Sense.LE:
            y = max(y, 0.0) if maximise else min(y, 0.0)
        elif row.sense is Sense.GE:
            y = min(y, 0.0) if maximise else max(y, 0.0)
        result.append(y)
    return result


def row_prices(plan: Plan, model: LpModel, shadows: Sequence[float]) -> list[float]:
    """Each line's price of money under the row duals: ``p_i = sum_r y_r a_ri``."""
    prices = [0.0] * len(plan.lines)
    for row, y in zip(model.rows, shadows, strict=True):
        if y != 0.0:
            for i, c in row.coefs:
                prices[i] += y * c
    return prices


def marginal_value(plan: Plan, i: int, x: float, halves: Sequence[float]) -> float:
    line = plan.lines[i]
    if line.curve is Curve.LINEAR:
        return line.weight
    return line.weight / (1.0 + x / halves[i])


def lagrangian_bound(
    plan: Plan, model: LpModel, shadows: Sequence[float], prices: Sequence[float]
) -> tuple[float, list[float]]:
    """An upper bound on the continuous optimum, and the bound's maximisers."""
    halves = half_returns(plan)
    total = math.fsum(y * row.rhs for row, y in zip(model.rows, shadows, strict=True))
    argmax: list[float] = []
    for i, line in enumerate(plan.lines):
        lo, hi, p = model.bounds[i].lo, model.upper[i], prices[i]
        if line.curve is Curve.LINEAR:
            x = hi if line.weight > p else lo
            total += (line.weight - p) * x
        else:
            x = marginal_argmax(p, line.weight, halves[i], lo, hi)
            total += diminishing(x, line.weight, halves[i]) - p * x
        argmax.append(x)
    return total, argmax


def _rule_reports(
    model: LpModel, x: Sequence[float], shadows: Sequence[float], maximise: bool
) -> tuple[RuleReport, ...]:
    reports = []
    for row, y in zip(model.rows, shadows, strict=True):
        activity = row.activity(list(x))
        slack = row.slack(list(x))
        # Impact gained per unit the rule is loosened: a floor lowered, a cap or budget raised.
        gain = y if row.sense is not Sense.GE else -y
        if not maximise:
            gain = -gain
        gain = gain + 0.0
        tolerance = 1e-7 * max(model.scale, abs(row.rhs), 1.0)
        tight = abs(slack) <= tolerance if row.sense is not Sense.EQ else True
        binding = tight and abs(gain) > 1e-9
        reports.append(
            RuleReport(
                rule_id=row.rule_id,
                family=row.family,
                description=row.description,
                activity=activity,
                limit=row.rhs,
                slack=max(slack, 0.0) if row.sense is not Sense.EQ else 0.0,
                shadow_price=gain if binding else 0.0,
                binding=binding,
            )
        )
    return tuple(reports)


def _line_binding(
    plan: Plan, model: LpModel, x: Sequence[float], prices: Sequence[float] | None
) -> tuple[dict[str, str], dict[str, float]]:
    """Which bound holds each line, and (max-impact) the impact per unit it is loosened."""
    binding: dict[str, str] = {}
    shadow: dict[str, float] = {}
    halves = half_returns(plan)
    for i, line in enumerate(plan.lines):
        b = model.bounds[i]
        tolerance = 1e-7 * max(model.scale, abs(x[i]), 1.0)
        if b.lo_source and x[i] <= b.lo + tolerance:
            binding[line.name] = b.lo_source
            gain = 0.0 if prices is None else prices[i] - marginal_value(plan, i, x[i], halves)
        elif b.hi_source and b.hi is not None and x[i] >= b.hi - tolerance:
            binding[line.name] = b.hi_source
            gain = 0.0 if prices is None else marginal_value(plan, i, x[i], halves) - prices[i]
        else:
            continue
        shadow[line.name] = max(gain, 0.0) + 0.0
    return binding, shadow


def _totals(plan: Plan, x: Sequence[float]) -> tuple[dict[str, float], dict[str, float]]:
    by_function: dict[str, float] = {}
    by_kind = {Kind.CUSTOMER.value: 0.0, Kind.INTERNAL.value: 0.0}
    names: dict[str, str] = {}
    for line, value in zip(plan.lines, x, strict=True):
        key = line.function.casefold()
        name = names.setdefault(key, line.function)
        by_function[name] = by_function.get(name, 0.0) + value
        by_kind[line.kind.value] += value
    return by_function, by_kind


def solve(
    plan: Plan,
    *,
    objective: Objective | None = None,
    solver: SolverName = SolverName.HIGHS,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    rows: Sequence[Row] | None = None,
) -> Result:
    """Solve a plan. Never raises for a bad, infeasible or slow plan: see the status."""
    started = time.perf_counter()
    issues = validate(plan)
    if issues:
        return Result(Status.INVALID_INPUT, issues=tuple(issues), message="The plan has problems to fix")
    objective = objective or plan.policy.objective
    rows = coupling_rows(plan) if rows is None else list(rows)
    conflict = explain.line_conflicts(plan)
    if conflict is not None:
        return Result(
            Status.INFEASIBLE,
            explanation=conflict,
            solve_seconds=time.perf_counter() - started,
            message="The plan's rules cannot all hold",
        )
    maximise = objective is Objective.MAX_IMPACT
    impact_scale = max((abs(line.weight) for line in plan.lines), default=0.0) * plan.budget
    points: list[list[float]] | None = None
    gap = 0.0
    prices: list[float] = []
    solved: tuple[LpModel, list[float], list[float], list[float], float] | None = None
    for attempt in range(MAX_REFINEMENTS + 1):
        remaining = None if time_limit is None else max(time_limit - (time.perf_counter() - started), 0.01)
        model = build_problem(plan, objective=objective, points=points, rows=rows)
        outcome = run(model.prob, solver, remaining)
        if solved is not None and outcome.status is not Status.OPTIMAL:
            # A refinement that ran out of time: keep the optimum already found,
            # with the accuracy it was certified to.
            break
        if outcome.status is Status.INFEASIBLE:
            return Result(
                Status.INFEASIBLE,
                explanation=explain.explain_infeasible(plan, solver=solver),
                solver=outcome.solver,
                solve_seconds=time.perf_counter() - started,
                message="The plan's rules cannot all hold",
            )
        if outcome.status is not Status.OPTIMAL:
            return Result(
                outcome.status,
                solver=outcome.solver,
                solve_seconds=time.perf_counter() - started,
                message=outcome.message,
            )
        x = _values(model)
        shadows = _shadows(model)
        if not maximise:
            solved = (model, x, shadows, prices, gap)
            break
        prices = row_prices(plan, model, shadows)
        achieved = impacts(plan, x).total
        bound, argmax = lagrangian_bound(plan, model, shadows, prices)
        gap = max(bound - achieved, 0.0) / max(abs(achieved), ABSOLUTE_TOLERANCE * impact_scale, 1e-300)
        solved = (model, x, shadows, prices, gap)
        if gap <= GAP_TARGET:
            break
        halves = half_returns(plan)
        points = [
            pts
            if plan.lines[i].curve is Curve.LINEAR
            else refine(pts, (x[i], argmax[i]), halves[i], DU / 6 ** (attempt + 1))
            for i, pts in enumerate(model.line_points())
        ]
    assert solved is not None
    model, x, shadows, prices, gap = solved
    by_function, by_kind = _totals(plan, x)
    line_binding, line_shadow = _line_binding(plan, model, x, prices if maximise else None)
    return Result(
        Status.OPTIMAL,
        allocation={line.name: value for line, value in zip(plan.lines, x, strict=True)},
        totals=by_function,
        kind_totals=by_kind,
        impact=impacts(plan, x),
        rules=_rule_reports(model, x, shadows, maximise),
        line_binding=line_binding,
        line_shadow=line_shadow,
        solver=outcome.solver,
        solve_seconds=time.perf_counter() - started,
        optimality_gap=gap,
        message="Optimal",
    )
