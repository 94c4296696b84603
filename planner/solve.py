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

A close total is not enough: a line's spend is what a finance lead reads.
Once the total is within the target, the piecewise-linear optimum is
polished to the continuous one (:mod:`planner.polish`): with the binding
rules known, each diminishing line's spend is a closed-form function of the
rules' duals, and Newton steps on those few duals solve for them. The
polished allocation and duals replace the piecewise-linear ones, and the
gap reported (``Result.optimality_gap``) is the Lagrangian bound at the
polished duals against the polished allocation's true impact. Should the
polish not converge, refinement goes on until every strictly concave line
is within :func:`line_tolerance` of the bound's maximiser (at most
:data:`MAX_REFINEMENTS` times), and the gap reported is that solve's.

The gap is relative to the achieved impact, with a floor of
:data:`ABSOLUTE_TOLERANCE` times the plan's impact scale (largest weight
times the budget, which no allocation can exceed): below that the bound's
excess is the solver's own rounding, and a plan whose optimum is zero is
certified as such.

Every rule is checked on the allocation in money after the solve: a rule
broken by more than :data:`RULE_TOLERANCE` of its own size (its limit or its
largest term) is solved again with tighter solver tolerances, and if it still
does not hold the result is an error naming the rule, never an optimum.
Whether a rule binds is decided the same way.

A solve can be cancelled (a newer request supersedes it): ``cancelled()`` is
asked before each solver call and inside HiGHS at each iteration; a
cancelled solve returns at once with status ``error`` and the message
:data:`planner.solvers.CANCELLED` (:func:`was_cancelled`), a result that is
meant to be dropped, never shown.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from models.domain import Curve, Kind, Objective, Plan, function_key
from models.formats import money
from models.result import Impact, Result, RuleReport, Status
from models.rules import Family
from models.validation import validate
from planner import explain
from planner.curves import refine
from planner.model import DU, LpModel, build_problem, coupling_rows, half_returns
from planner.polish import polish
from planner.rules import Row, Sense, line_bounds
from planner.sensitivity import sensitivity
from planner.solvers import CANCELLED, Cancelled, SolverName, run

__all__ = [
    "GAP_TARGET",
    "RULE_TOLERANCE",
    "broken_rule",
    "impacts",
    "line_terms",
    "relative_gap",
    "solve",
    "was_cancelled",
]

#: Relative distance allowed between the allocation's true impact and the continuous optimum.
GAP_TARGET = 5e-4
#: Impact differences below this fraction of the plan's impact scale are rounding.
ABSOLUTE_TOLERANCE = 1e-6
#: Each diminishing line's allocation is refined to within this fraction of its own optimum
#: (or :data:`BUDGET_TOLERANCE` of the budget, whichever is larger).
LINE_TOLERANCE = 0.01
BUDGET_TOLERANCE = 1e-4
MAX_REFINEMENTS = 6
DEFAULT_TIME_LIMIT = 120.0


@dataclass(frozen=True, slots=True)
class _LineArrays:
    """The plan's per-line figures as arrays, for whole-plan arithmetic."""

    weight: npt.NDArray[np.float64]
    half: npt.NDArray[np.float64]
    linear: npt.NDArray[np.bool_]
    internal: npt.NDArray[np.bool_]
    function: npt.NDArray[np.int64]  # index into plan.functions()
    lo: npt.NDArray[np.float64]


def _compute_arrays(plan: Plan) -> _LineArrays:
    n = len(plan.lines)
    codes = {function_key(name): k for k, name in enumerate(plan.functions())}
    return _LineArrays(
        weight=np.fromiter((line.weight for line in plan.lines), dtype=float, count=n),
        half=np.asarray(half_returns(plan), dtype=float),
        linear=np.fromiter((line.curve is Curve.LINEAR for line in plan.lines), dtype=bool, count=n),
        internal=np.fromiter((line.kind is Kind.INTERNAL for line in plan.lines), dtype=bool, count=n),
        function=np.fromiter(
            (codes[function_key(line.function)] for line in plan.lines), dtype=np.int64, count=n
        ),
        lo=np.fromiter((b.lo for b in line_bounds(plan)), dtype=float, count=n),
    )


def _arrays(plan: Plan) -> _LineArrays:
    return plan.derived("line_arrays", _compute_arrays)


def _line_impacts(a: _LineArrays, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.where(a.linear, a.weight * x, a.weight * a.half * np.log1p(x / a.half))


def impacts(plan: Plan, allocation: Sequence[float]) -> Impact:
    """The true (continuous) impact of an allocation, split by kind."""
    a = _arrays(plan)
    value = _line_impacts(a, np.asarray(allocation, dtype=float))
    return Impact(customer=float(np.sum(value[~a.internal])), internal=float(np.sum(value[a.internal])))


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


def _marginals(a: _LineArrays, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Each line's marginal impact at ``x``."""
    return np.where(a.linear, a.weight, a.weight / (1.0 + x / a.half))


def lagrangian_bound(
    plan: Plan, model: LpModel, shadows: Sequence[float], prices: Sequence[float]
) -> tuple[float, list[float]]:
    """An upper bound on the continuous optimum, and the bound's maximisers.

    Each line's term ``max f_i(x) - p_i x`` over ``[lo_i, hi_i]``: a linear
    line takes an end; a diminishing line takes ``h (w / p - 1)``, clipped.
    """
    terms, x = line_terms(plan, model.upper, prices)
    total = math.fsum(y * row.rhs for row, y in zip(model.rows, shadows, strict=True)) + terms
    return total, x.tolist()


def line_terms(
    plan: Plan,
    upper: Sequence[float] | npt.NDArray[np.float64],
    prices: Sequence[float] | npt.NDArray[np.float64],
) -> tuple[float, npt.NDArray[np.float64]]:
    """``sum_i max f_i(x) - p_i x`` over ``[lo_i, upper_i]``, and each line's maximiser.

    The lines' part of the Lagrangian bound (:func:`lagrangian_bound`).
    """
    a = _arrays(plan)
    p = np.asarray(prices, dtype=float)
    lo, hi = a.lo, np.asarray(upper, dtype=float)
    positive = p > 0
    inner = a.half * (np.divide(a.weight, p, out=np.zeros_like(p), where=positive) - 1.0)
    curved = np.where(positive, np.clip(inner, lo, hi), hi)
    x = np.where(a.linear, np.where(a.weight > p, hi, lo), curved)
    terms = _line_impacts(a, x) - p * x
    return float(np.sum(terms)), x


def polished_optimum(
    plan: Plan, model: LpModel, x: Sequence[float], shadows: Sequence[float]
) -> tuple[list[float], list[float], list[float], float] | None:
    """The continuous optimum found from the piecewise-linear one (:mod:`planner.polish`), certified.

    Its allocation, duals, line prices and certified gap (the Lagrangian
    bound at its duals against its true impact); None when the polish does
    not converge or certifies no better than :data:`GAP_TARGET`.
    """
    a = _arrays(plan)
    upper = np.asarray(model.upper, dtype=float)
    matrix = model.coupling_matrix()
    found = polish(
        a.weight, a.half, a.linear, lo=a.lo, hi=upper, rows=model.rows, matrix=matrix, x0=x, y0=shadows
    )
    if found is None:
        return None
    allocation = [value + 0.0 if value != 0 else 0.0 for value in found.x.tolist()]
    duals = [value + 0.0 for value in found.y.tolist()]
    row, line, coef = matrix
    prices = np.asarray(
        np.bincount(line, weights=coef * found.y[row], minlength=len(allocation)), dtype=float
    )
    terms, _ = line_terms(plan, upper, prices)
    bound = math.fsum(y * r.rhs for r, y in zip(model.rows, duals, strict=True)) + terms
    gap = relative_gap(plan, impacts(plan, allocation).total, bound)
    if gap > GAP_TARGET:
        return None
    return allocation, duals, prices.tolist(), gap


def line_tolerance(plan: Plan, optimum: float) -> float:
    """How far a diminishing line's allocation may be from its own optimum: 1%, or 1e-4 of the budget."""
    return max(LINE_TOLERANCE * abs(optimum), BUDGET_TOLERANCE * plan.budget)


def _lines_settled(plan: Plan, model: LpModel, x: Sequence[float], argmax: Sequence[float]) -> bool:
    """Whether every strictly concave line sits within its tolerance of the bound's maximiser.

    The maximiser is where the line's marginal value meets its price under
    the current duals; refinement goes on while a line is further than
    :func:`line_tolerance` (half of it, for margin) from it.
    """
    a = _arrays(plan)
    values, best = np.asarray(x, dtype=float), np.asarray(argmax, dtype=float)
    concave = ~a.linear & (a.weight > 0) & (np.asarray(model.upper, dtype=float) > a.lo)
    allowed = np.maximum(LINE_TOLERANCE * np.abs(best), BUDGET_TOLERANCE * plan.budget) / 2
    return bool(np.all(np.abs(values - best)[concave] <= allowed[concave]))


def relative_gap(plan: Plan, achieved: float, bound: float) -> float:
    """How far ``achieved`` may be below the continuous optimum, ``bound`` being above it.

    Relative to the achieved impact, with the floor described in the module's docstring.
    """
    impact_scale = max((abs(line.weight) for line in plan.lines), default=0.0) * plan.budget
    return max(bound - achieved, 0.0) / max(abs(achieved), ABSOLUTE_TOLERANCE * impact_scale, 1e-300)


#: A rule holds when the allocation breaks it by at most this fraction of the rule's own size.
RULE_TOLERANCE = 1e-7


def rule_size(row: Row, x: Sequence[float]) -> float:
    """A rule's own size in money: its limit or its largest term, at least 1."""
    terms = max((abs(c * x[i]) for i, c in row.coefs), default=0.0)
    return max(1.0, abs(row.rhs), terms)


def broken_rule(rows: Sequence[Row], x: Sequence[float]) -> Row | None:
    """The first rule the allocation breaks by more than :data:`RULE_TOLERANCE` of its own size."""
    values = list(x)
    for row in rows:
        if row.slack(values) < -RULE_TOLERANCE * rule_size(row, values):
            return row
    return None


def _broken_message(row: Row, x: Sequence[float]) -> str:
    values = list(x)
    return (
        f"The solver could not hold the rule {row.description!r} to its limit: the allocation gives "
        f"{money(row.activity(values), 2, trim=True)} against {money(row.rhs, 2, trim=True)}; "
        "no allocation is reported"
    )


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
        tolerance = RULE_TOLERANCE * rule_size(row, x)
        tight = abs(slack) <= tolerance if row.sense is not Sense.EQ else True
        binding = tight and abs(gain) > 1e-9
        reports.append(
            RuleReport(
                key=row.key,
                description=row.description,
                activity=activity,
                limit=row.rhs,
                slack=max(slack, 0.0) if row.sense is not Sense.EQ else 0.0,
                shadow_price=gain if binding else 0.0,
                binding=binding,
            )
        )
    return tuple(reports)


def _with_budget_price(
    model: LpModel, reports: tuple[RuleReport, ...], shadows: Sequence[float], maximise: bool
) -> tuple[RuleReport, ...]:
    """The budget's report with the value of one more unit of budget, d(optimum)/d(budget).

    A rule stated as a % of the budget moves with it, so by the chain rule the
    budget is worth ``sum_r y_r * d(limit_r)/dB`` over every row ``r`` (the
    budget row's dual, plus each such rule's dual times its share), in the
    reports' sign: impact gained (change saved, under min-change) per unit of
    budget. The budget binds when that is not zero, even if the budget row
    itself has slack (the rules it sets do not).
    """
    value = math.fsum(y * row.per_budget for row, y in zip(model.rows, shadows, strict=True) if y)
    gain = (value if maximise else -value) + 0.0
    binding = abs(gain) > 1e-9
    return tuple(
        replace(report, shadow_price=gain if binding else 0.0, binding=binding)
        if report.key.family is Family.BUDGET
        else report
        for report in reports
    )


def _line_binding(
    plan: Plan, model: LpModel, x: Sequence[float], prices: Sequence[float] | None
) -> tuple[dict[str, str], dict[str, float]]:
    """Which bound holds each line, and (max-impact) the impact per unit it is loosened."""
    a = _arrays(plan)
    values = np.asarray(x, dtype=float)
    tolerance = 1e-7 * np.maximum(np.maximum(np.abs(values), model.scale), 1.0)
    hi = np.fromiter(
        (math.inf if b.hi is None else b.hi for b in model.bounds), dtype=float, count=len(values)
    )
    at_lo = values <= a.lo + tolerance
    at_hi = values >= hi - tolerance
    gains = np.zeros(len(values))
    if prices is not None:
        gains = np.asarray(prices, dtype=float) - _marginals(a, values)
    binding: dict[str, str] = {}
    shadow: dict[str, float] = {}
    for i in np.flatnonzero(at_lo | at_hi).tolist():
        b, line = model.bounds[i], plan.lines[i]
        if b.lo_source and at_lo[i]:
            binding[line.name], gain = b.lo_source, float(gains[i])
        elif b.hi_source and b.hi is not None and at_hi[i]:
            binding[line.name], gain = b.hi_source, -float(gains[i])
        else:
            continue
        shadow[line.name] = max(gain, 0.0) + 0.0
    return binding, shadow


def _totals(plan: Plan, x: Sequence[float]) -> tuple[dict[str, float], dict[str, float]]:
    a = _arrays(plan)
    values = np.asarray(x, dtype=float)
    names = plan.functions()
    sums = np.bincount(a.function, weights=values, minlength=len(names))
    by_function = {name: float(total) for name, total in zip(names, sums, strict=True)}
    by_kind = {
        Kind.CUSTOMER.value: float(np.sum(values[~a.internal])),
        Kind.INTERNAL.value: float(np.sum(values[a.internal])),
    }
    return by_function, by_kind


def was_cancelled(result: Result) -> bool:
    """Whether ``result`` is that of a cancelled solve (to be dropped, not shown)."""
    return result.status is Status.ERROR and result.message == CANCELLED


def _cancelled_result(started: float) -> Result:
    return Result(Status.ERROR, solve_seconds=time.perf_counter() - started, message=CANCELLED)


def solve(
    plan: Plan,
    *,
    objective: Objective | None = None,
    solver: SolverName = SolverName.HIGHS,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    rows: Sequence[Row] | None = None,
    cancelled: Cancelled | None = None,
) -> Result:
    """Solve a plan. Never raises for a bad, infeasible or slow plan: see the status.

    ``cancelled`` is asked between solver calls and while the solver runs; once
    it is true the solve stops and returns a result for which :func:`was_cancelled` holds.
    """
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
    points: list[list[float]] | None = None
    gap = 0.0
    prices: list[float] = []
    solved: tuple[LpModel, list[float], list[float], list[float], float] | None = None
    for attempt in range(MAX_REFINEMENTS + 1):
        if cancelled is not None and cancelled():
            return _cancelled_result(started)
        remaining = None if time_limit is None else max(time_limit - (time.perf_counter() - started), 0.01)
        model = build_problem(plan, objective=objective, points=points, rows=rows)
        outcome = run(model.prob, solver, remaining, cancelled=cancelled)
        if outcome.message == CANCELLED:
            return _cancelled_result(started)
        if solved is not None and outcome.status is not Status.OPTIMAL:
            # A refinement that ran out of time: keep the optimum already found,
            # with the accuracy it was certified to.
            break
        if outcome.status is Status.INFEASIBLE:
            explanation = explain.explain_infeasible(plan, solver=solver, cancelled=cancelled)
            if cancelled is not None and cancelled():
                return _cancelled_result(started)
            return Result(
                Status.INFEASIBLE,
                explanation=explanation,
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
        gap = relative_gap(plan, achieved, bound)
        solved = (model, x, shadows, prices, gap)
        if gap <= GAP_TARGET:
            polished = polished_optimum(plan, model, x, shadows)
            if polished is not None:
                solved = (model, *polished)
                break
            if _lines_settled(plan, model, x, argmax):
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
    broken = broken_rule(model.rows, x)
    if broken is not None:
        # Solve once more with the solver's tolerances tightened.
        remaining = None if time_limit is None else max(time_limit - (time.perf_counter() - started), 0.01)
        retry = build_problem(
            plan, objective=objective, points=model.line_points() if maximise else None, rows=rows
        )
        outcome = run(retry.prob, solver, remaining, cancelled=cancelled, tight=True)
        if outcome.message == CANCELLED:
            return _cancelled_result(started)
        if outcome.status is Status.OPTIMAL:
            model, x, shadows = retry, _values(retry), _shadows(retry)
            prices = row_prices(plan, retry, shadows) if maximise else prices
            broken = broken_rule(model.rows, x)
        if broken is not None:
            return Result(
                Status.ERROR,
                solver=outcome.solver,
                solve_seconds=time.perf_counter() - started,
                message=_broken_message(broken, x),
            )
    by_function, by_kind = _totals(plan, x)
    line_binding, line_shadow = _line_binding(plan, model, x, prices if maximise else None)
    reports = _with_budget_price(model, _rule_reports(model, x, shadows, maximise), shadows, maximise)
    report = (
        sensitivity(plan, model, x=x, shadows=shadows, prices=prices, reports=reports, gap=gap)
        if maximise
        else None
    )
    return Result(
        Status.OPTIMAL,
        allocation={line.name: value for line, value in zip(plan.lines, x, strict=True)},
        totals=by_function,
        kind_totals=by_kind,
        impact=impacts(plan, x),
        rules=reports,
        line_binding=line_binding,
        line_shadow=line_shadow,
        solver=outcome.solver,
        solve_seconds=time.perf_counter() - started,
        optimality_gap=gap,
        sensitivity=report,
        message="Optimal",
    )
