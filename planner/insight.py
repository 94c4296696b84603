"""The price of balance and the balance frontier.

Price of balance: the customer impact given up to keep the internal
functions' floors and the internal share minimum (the balance rules). It is
the customer impact of the best allocation without those rules less that of
the best allocation with them, both found by maximising total impact with
every line's own weight (internal lines keep theirs), whatever objective the
plan itself is solved with. When no balance rule binds at the best allocation
with them (each has no shadow price), that allocation is also the best
without them (its optimality conditions hold unchanged), so the price is 0:
a rule that does not bind costs nothing, and the price moves continuously as
a floor starts to bind. The price is never negative: where the best
allocation without the rules gives customers less (the money freed goes to
other internal functions), the rules cost customers nothing and the price is
0. The total impact with and
without the rules is given too. Each binding internal floor gets its shadow
price and the range of floor values over which that price holds, found by LP
ranging in HiGHS on the plan's piecewise-linear model under the max-impact
objective (the range over which the optimal basis, and so the price, stays
the same). That model is built once and kept in HiGHS: solved, ranged, then
solved again from its basis with the balance rules' rows lifted for the best
allocation without them, checked against a Lagrangian bound as a plain solve
is (solved from scratch by :func:`planner.solve.solve` when not close enough).

Balance frontier: the internal share ``s`` is fixed by one row,
``I - s T = 0`` with ``I`` the internal and ``T`` the total money allocated,
and swept from its lowest to its highest feasible value with every other
rule of the plan kept and the plan's own share bounds lifted, each point
maximising total impact whatever the plan's objective. The model is
built once and handed to HiGHS; between points only the coefficient ``-s``
changes and HiGHS starts from the previous basis. Each point is checked
against a Lagrangian bound as a plain solve is, and solved again with refined
curves when it is not close enough. The feasible range comes from
Dinkelbach's method on the plan's rules alone, one column per line and no
curves (minimise, then maximise, ``I - s T``, updating ``s = I / T`` until it
no longer moves). Once ``cancelled()`` is true no further solve starts and
the solve under way stops at its next iteration. The knee is the point farthest from
the straight line between the two ends of the curve of customer impact
against share (both axes scaled to their range).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import highspy
import numpy as np
import numpy.typing as npt

from models.domain import Kind, Objective, Plan, function_key
from models.insight import FloorPrice, Frontier, FrontierPoint, PriceOfBalance
from models.result import Impact, Result, RuleReport, Status
from models.rules import Family, RuleKey
from planner.lp import LinearProgram
from planner.model import LpModel, build_problem, build_rules
from planner.rules import Sense
from planner.solve import (
    GAP_TARGET,
    impacts,
    line_terms,
    polished_optimum,
    relative_gap,
    solve,
    was_cancelled,
)
from planner.solvers import IPM_COLUMNS, Cancelled, SolverName, interrupt_when, new_highs

__all__ = ["balance_frontier", "price_of_balance", "without_balance_rules"]

DEFAULT_POINTS = 21
#: The frontier's curves: a plain solve's first grid (each point is certified, see ``_ShareModel``).
FRONTIER_FINENESS = 1
_SHARE_TOLERANCE = 1e-7


def _internal_functions(plan: Plan) -> set[str]:
    return {function_key(line.function) for line in plan.lines if line.kind is Kind.INTERNAL}


def without_balance_rules(plan: Plan) -> tuple[Plan, tuple[str, ...]]:
    """The plan with the internal functions' floors and the internal share minimum lifted."""
    internal = _internal_functions(plan)
    relaxed: list[str] = []
    rules = []
    for rule in plan.policy.functions:
        if function_key(rule.function) in internal and rule.floor is not None:
            relaxed.append(f"the {rule.function} floor")
            rules.append(replace(rule, floor=None))
        else:
            rules.append(rule)
    if plan.policy.internal_share_min is not None:
        relaxed.append("the internal share minimum")
    return plan.with_policy(functions=tuple(rules), internal_share_min=None), tuple(relaxed)


def price_of_balance(
    plan: Plan,
    result: Result | None = None,
    *,
    objective: Objective | None = None,
    solver: SolverName = SolverName.HIGHS,
    cancelled: Cancelled | None = None,
) -> PriceOfBalance | None:
    """What the balance rules cost (see the module's docstring); None unless the plan solves.

    ``result`` is the plan's own, solved under ``objective`` (default the
    plan's); under any objective but max-impact the plan is solved again to
    maximise impact. None too once ``cancelled()`` is true (a newer plan makes
    the answer stale).

    When a balance rule binds, the plan's max-impact model is built once and
    kept in HiGHS (:class:`_BalanceModel`): solved, ranged for the floors'
    prices, then solved again from its basis with the balance rules' rows
    lifted, which gives the best allocation without them. That allocation is
    certified as a plain solve's is (a Lagrangian bound from the row duals);
    when it is not close enough, or under another solver than HiGHS, the plan
    without the rules is solved by :func:`planner.solve.solve`.
    """
    if cancelled is not None and cancelled():
        return None
    objective = objective or plan.policy.objective
    if result is None or objective is not Objective.MAX_IMPACT:
        result = solve(plan, objective=Objective.MAX_IMPACT, solver=solver, cancelled=cancelled)
    if not result.is_optimal:
        return None
    free, relaxed = without_balance_rules(plan)
    customer_without, total_without = result.impact.customer, result.impact.total
    floors: tuple[FloorPrice, ...] = ()
    if _balance_binds(plan, result):
        kept = _BalanceModel(plan, cancelled)
        # The floors' ranges come from the continuous optimum's report when the plan has one.
        ranges = kept.solve_and_range(with_ranges=not _reported(plan, result))
        if ranges is None:
            return None
        floors = _floor_prices(plan, result, ranges)
        best = kept.without_balance(free) if solver is SolverName.HIGHS else None
        if best is None:
            if cancelled is not None and cancelled():
                return None
            solved = solve(free, objective=Objective.MAX_IMPACT, solver=solver, cancelled=cancelled)
            if not solved.is_optimal:
                return None
            best = solved.impact
        customer_without = best.customer
        # Lifting rules never lowers the best total; below it is the solver's rounding.
        total_without = max(best.total, result.impact.total)
    return PriceOfBalance(
        customer_with=result.impact.customer,
        customer_without=customer_without,
        total_with=result.impact.total,
        total_without=total_without,
        floors=floors,
        relaxed=relaxed,
    )


def _is_balance_rule(internal: set[str], key: RuleKey) -> bool:
    """Whether ``key`` names an internal function's floor or the internal share minimum."""
    if key.family is Family.SHARE_MIN:
        return True
    return key.family is Family.FUNCTION_FLOOR and function_key(key.subject) in internal


def _balance_binds(plan: Plan, result: Result) -> bool:
    """Whether any balance rule has a shadow price at the max-impact ``result``."""
    internal = _internal_functions(plan)
    return any(rule.binding and _is_balance_rule(internal, rule.key) for rule in result.rules)


@dataclass(frozen=True, slots=True)
class _Rows:
    """A built model's coupling rows as arrays: to read their duals and the lines' prices from HiGHS."""

    index: npt.NDArray[np.int64]  # each rule's row in the program
    rhs: npt.NDArray[np.float64]
    le: npt.NDArray[np.bool_]
    ge: npt.NDArray[np.bool_]
    #: One entry per coefficient: its row, its line, its value.
    entry_row: npt.NDArray[np.int64]
    entry_line: npt.NDArray[np.int64]
    entry_coef: npt.NDArray[np.float64]
    objective_scale: float

    @classmethod
    def of(cls, model: LpModel) -> _Rows:
        rows, count = model.rows, len(model.rows)
        return cls(
            np.asarray(model.constraints, dtype=np.int64),
            np.fromiter((row.rhs for row in rows), dtype=float, count=count),
            np.fromiter((row.sense is Sense.LE for row in rows), dtype=bool, count=count),
            np.fromiter((row.sense is Sense.GE for row in rows), dtype=bool, count=count),
            np.fromiter((r for r, row in enumerate(rows) for _ in row.coefs), dtype=np.int64),
            np.fromiter((i for row in rows for i, _ in row.coefs), dtype=np.int64),
            np.fromiter((c for row in rows for _, c in row.coefs), dtype=float),
            model.objective_scale,
        )

    def duals(self, row_dual: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Each rule's dual from HiGHS's row duals: impact per unit of its limit, signs made valid."""
        y = row_dual[self.index] * self.objective_scale
        return np.where(self.le, np.maximum(y, 0.0), np.where(self.ge, np.minimum(y, 0.0), y))

    def prices(self, y: npt.NDArray[np.float64], lines: int) -> npt.NDArray[np.float64]:
        """Each line's price of money under the rules' duals ``y``."""
        coupling = np.bincount(self.entry_line, weights=self.entry_coef * y[self.entry_row], minlength=lines)
        return np.asarray(coupling, dtype=float)


class _BalanceModel:
    """The plan's max-impact model, built once and kept in HiGHS for the price of balance.

    Solved as built (the plan's first grid of breakpoints), ranged, then the
    balance rules' rows are given infinite bounds and HiGHS goes on from the
    optimal basis it holds: the simplex starts from a basis that is still
    primal feasible and only has to move the money those rows held.
    """

    def __init__(self, plan: Plan, cancelled: Cancelled | None) -> None:
        self.plan = plan
        self.cancelled = cancelled
        model = build_problem(plan, objective=Objective.MAX_IMPACT)
        lp = model.prob
        n = len(model.x)
        self.columns = np.asarray(model.x, dtype=np.int64)
        self.scale = model.scale
        self.lo = np.fromiter((b.lo for b in model.bounds), dtype=float, count=n)
        self.upper = np.asarray(model.upper, dtype=float)
        self.rows = _Rows.of(model)
        self.keys = [row.key for row in model.rows]
        internal = _internal_functions(plan)
        self.balance = np.fromiter((_is_balance_rule(internal, key) for key in self.keys), dtype=bool)
        self.interior_point = lp.num_cols >= IPM_COLUMNS
        self.highs = _highs(lp, cancelled, interior_point=self.interior_point)
        # The model now lives in HiGHS; the Python copy goes with ``model``.

    def solve_and_range(self, *, with_ranges: bool = True) -> dict[RuleKey, tuple[float, float]] | None:
        """Solve the plan's model; each rule's range of limits over which its price holds (money).

        None when cancelled; no ranges when the model is not solved to an optimum
        or ``with_ranges`` is off (the plan's sensitivity report gives them).
        """
        try:
            optimal = _run(self.highs, self.cancelled)
        except _CancelledError:
            return None
        if not optimal or not with_ranges:
            return {}
        if self.interior_point:
            # Ranging needs the simplex solver's own factored basis: a run from the
            # basis crossover left takes no iterations and gives it one.
            self.highs.setOptionValue("solver", "simplex")
            try:
                if not _run(self.highs, self.cancelled):
                    return {}
            except _CancelledError:
                return None
        status, ranging = self.highs.getRanging()
        if status != highspy.HighsStatus.kOk:
            return {}
        down = np.asarray(ranging.row_bound_dn.value_)[self.rows.index]
        up = np.asarray(ranging.row_bound_up.value_)[self.rows.index]
        ranges = {}
        for key, low, high in zip(
            self.keys,
            (down * self.scale).tolist(),
            (up * self.scale).tolist(),
            strict=True,
        ):
            ranges[key] = (
                max(low, 0.0) if math.isfinite(low) else 0.0,
                high if math.isfinite(high) else math.inf,
            )
        return ranges

    def without_balance(self, free: Plan) -> Impact | None:
        """The best impact with the balance rules' rows lifted, from the kept basis.

        None when cancelled, not optimal, or not within :data:`planner.solve.GAP_TARGET`
        of its Lagrangian bound (the caller then solves ``free`` itself).
        """
        for row in self.rows.index[self.balance].tolist():
            self.highs.changeRowBounds(row, -math.inf, math.inf)
        try:
            if not _run(self.highs, self.cancelled):
                return None
        except _CancelledError:
            return None
        solution = self.highs.getSolution()
        x = np.minimum(
            np.maximum(np.asarray(solution.col_value)[self.columns] * self.scale, self.lo), self.upper
        )
        row_dual = np.asarray(solution.row_dual)
        achieved = impacts(free, x.tolist())
        if self._gap(free, x, achieved.total, row_dual) > GAP_TARGET:
            return None
        # The plan's own answer is the continuous optimum (planner.polish): so must this one be,
        # or a small price would be the difference of two approximations.
        return self._polished(free, x, row_dual)

    def _polished(
        self, free: Plan, x: npt.NDArray[np.float64], row_dual: npt.NDArray[np.float64]
    ) -> Impact | None:
        """The continuous optimum of ``free`` from the kept model's answer; None if it does not settle."""
        y = self.rows.duals(row_dual)
        by_key = {
            key: float(v) for key, v, lifted in zip(self.keys, y, self.balance, strict=True) if not lifted
        }
        model = build_problem(free, objective=Objective.MAX_IMPACT)
        found = polished_optimum(free, model, x.tolist(), [by_key.get(row.key, 0.0) for row in model.rows])
        return None if found is None else impacts(free, found[0])

    def _gap(
        self, free: Plan, x: npt.NDArray[np.float64], achieved: float, row_dual: npt.NDArray[np.float64]
    ) -> float:
        """How far ``x`` may be below the best of ``free`` (relative), from the row duals' bound."""
        y = np.where(self.balance, 0.0, self.rows.duals(row_dual))  # lifted rows are not rules of ``free``
        terms, _ = line_terms(free, self.upper, self.rows.prices(y, len(x)))
        bound = float(np.dot(y, self.rows.rhs)) + terms
        return relative_gap(free, achieved, bound)


def _binding_floors(plan: Plan, result: Result) -> list[RuleReport]:
    internal = _internal_functions(plan)
    return [
        rule
        for rule in result.rules
        if rule.binding
        and rule.family is Family.FUNCTION_FLOOR
        and function_key(rule.key.subject) in internal
    ]


def _reported(plan: Plan, result: Result) -> bool:
    """Whether the result's sensitivity report gives every binding internal floor's range."""
    report = result.sensitivity
    return report is not None and all(report.rule(r.key) is not None for r in _binding_floors(plan, result))


def _floor_prices(
    plan: Plan, result: Result, ranges: dict[RuleKey, tuple[float, float]]
) -> tuple[FloorPrice, ...]:
    """Each binding internal floor's price and the floors over which the same rules hold the plan.

    From the result's sensitivity report (the continuous optimum's active set)
    when it has one; else from LP ranging on the piecewise-linear model.
    """
    report = result.sensitivity
    prices = []
    for rule in _binding_floors(plan, result):
        reported = report.rule(rule.key) if report is not None else None
        if reported is not None:
            down, up = reported.allowable_decrease, reported.allowable_increase
            low = 0.0 if down is None else max(rule.limit - down, 0.0)
            high = math.inf if up is None else rule.limit + up
            method = "the continuous optimum's sensitivity report"
        else:
            low, high = ranges.get(rule.key, (rule.limit, rule.limit))
            method = "LP ranging (HiGHS) on the piecewise-linear model"
        prices.append(
            FloorPrice(
                key=rule.key,
                floor=rule.limit,
                shadow_price=rule.shadow_price,
                range_low=min(low, rule.limit),
                range_high=max(high, rule.limit),
                method=method,
            )
        )
    return tuple(prices)


# -- the frontier ---------------------------------------------------------------------------


class _CancelledError(Exception):
    """The frontier was cancelled: no further solve is started."""


def _run(highs: highspy.Highs, cancelled: Cancelled | None) -> bool:
    """Run HiGHS on its model as it stands (from its current basis); True at an optimum."""
    if cancelled is not None and cancelled():
        raise _CancelledError
    highs.run()
    status = highs.getModelStatus()
    if status == highspy.HighsModelStatus.kInterrupt:
        raise _CancelledError
    return bool(status == highspy.HighsModelStatus.kOptimal)


def _highs(lp: LinearProgram, cancelled: Cancelled | None, *, interior_point: bool = False) -> highspy.Highs:
    """``lp`` handed to a new HiGHS, presolve off, which stops when ``cancelled()`` is true."""
    highs = new_highs()
    if cancelled is not None:
        interrupt_when(highs, cancelled)
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("solver", "ipm" if interior_point else "simplex")
    highs.passModel(lp.to_highs())
    return highs


def _something_allocated(plan: Plan, scale: float) -> float:
    """The least total (LP units) the share rows ask for: a share needs something allocated."""
    return max(1e-6 * max(plan.budget, 1.0) / scale, 1e-9)


class _ShareRange:
    """The plan's rules alone, without curves: its lowest and highest feasible internal share.

    Which shares are feasible does not depend on the objective, so this model
    has one column per line and the coupling rows only (the curves' segments
    would multiply its size for nothing).
    """

    def __init__(self, plan: Plan, cancelled: Cancelled | None) -> None:
        model = build_rules(plan)
        n = len(model.x)
        model.prob.add_row(
            "some", ((j, 1.0) for j in model.x), Sense.GE, _something_allocated(plan, model.scale)
        )
        self.internal = np.fromiter((line.kind is Kind.INTERNAL for line in plan.lines), dtype=bool, count=n)
        self.columns = np.asarray(model.x, dtype=np.int32)
        self.cancelled = cancelled
        self.highs = _highs(model.prob, cancelled)
        # A few coupling rows: each interior-point iteration is cheap, and its crossover
        # ends on a vertex (measured on 50,000 lines: 0.8 s for the range, the dual
        # simplex 10 s).
        self.highs.setOptionValue("solver", "ipm")

    def extreme(self, start: float, *, lowest: bool) -> float | None:
        """The lowest (or highest) feasible internal share, by Dinkelbach's method."""
        highs = self.highs
        highs.changeObjectiveSense(highspy.ObjSense.kMinimize if lowest else highspy.ObjSense.kMaximize)
        share = start
        for _ in range(50):
            # I - s T, with I the internal and T the total money allocated.
            costs = np.where(self.internal, 1.0 - share, -share)
            highs.changeColsCost(len(costs), self.columns, costs)
            if not _run(highs, self.cancelled):
                return None
            values = np.asarray(highs.getSolution().col_value)[self.columns]
            total, inside = float(values.sum()), float(values[self.internal].sum())
            # At the extreme share s the best of I - s T is exactly 0; from any start
            # (an unreachable share included) s = I / T moves to it in a few steps.
            if abs(inside - share * total) <= _SHARE_TOLERANCE * total:
                return min(max(share, 0.0), 1.0)
            share = inside / total
        return min(max(share, 0.0), 1.0)


class _ShareModel:
    """The plan's model with the share row ``sum_i (k_i - s) x_i = 0``, built once and kept in HiGHS.

    ``k_i`` is 1 for an internal line and 0 for a customer line: the row says
    ``I = s T``. Between points only its coefficients change and HiGHS goes on
    from the previous basis; the first point of a large model is solved by the
    interior-point method (with crossover, which leaves a basis), as a plain
    solve would. (Measured on 50,000 lines: separate columns for ``I`` and
    ``T`` with ``I - s T = 0`` made that first solve 2.5 times slower, and
    changing the row's 50,000 coefficients takes 0.03 s.) Only what reading a
    point needs is kept on the Python side. Each point of a max-impact plan is
    certified like a plain solve: the row duals give a Lagrangian bound on the
    continuous optimum at that share (:func:`planner.solve.lagrangian_bound`,
    the share rows among the rows), and a point that is not within
    :data:`planner.solve.GAP_TARGET` of it is solved again by
    :func:`planner.solve.solve`, which refines the curves.
    """

    def __init__(self, free: Plan, share: float, cancelled: Cancelled | None) -> None:
        self.plan = free
        self.cancelled = cancelled
        model = build_problem(free, objective=Objective.MAX_IMPACT, fineness=FRONTIER_FINENESS)
        lp = model.prob
        n = len(model.x)
        self.kind = np.fromiter((line.kind is Kind.INTERNAL for line in free.lines), dtype=float, count=n)
        self.columns = np.asarray(model.x, dtype=np.int32)
        self.some = _something_allocated(free, model.scale)
        self.some_row = lp.add_row("some", ((j, 1.0) for j in model.x), Sense.GE, self.some)
        self.share_row = lp.add_row(
            "share",
            ((j, k - share) for j, k in zip(model.x, self.kind.tolist(), strict=True)),
            Sense.EQ,
            0.0,
            keep_zeros=True,
        )
        self.share = share
        self.first_basis: highspy.HighsBasis | None = None
        self.maximise = lp.maximise
        self.scale, self.objective_scale = model.scale, model.objective_scale
        self.lo = np.fromiter((b.lo for b in model.bounds), dtype=float, count=n)
        self.upper = np.asarray(model.upper, dtype=float)
        self.rows = _Rows.of(model)
        self.highs = _highs(lp, cancelled, interior_point=lp.num_cols >= IPM_COLUMNS)
        # The model now lives in HiGHS; the Python copy (lists of every column) goes with ``model``.

    def point(self, share: float, *, start_again: bool = False) -> tuple[Status, npt.NDArray[np.float64]]:
        """Maximise impact with the internal share fixed at ``share``; the allocation in money.

        HiGHS starts from the basis of the previous point, or with ``start_again``
        from that of the first point.
        """
        if start_again and self.first_basis is not None:
            self.highs.setBasis(self.first_basis)
        if share != self.share:
            change, row = self.highs.changeCoeff, self.share_row
            for j, coef in zip(self.columns.tolist(), (self.kind - share).tolist(), strict=True):
                change(row, j, coef)
            self.share = share
        optimal = _run(self.highs, self.cancelled)
        if self.first_basis is None and optimal:
            self.first_basis = self.highs.getBasis()
        self.highs.setOptionValue("solver", "simplex")  # from here on, from a basis
        if not optimal:
            return Status.INFEASIBLE, np.zeros(0)
        solution = self.highs.getSolution()
        values = np.asarray(solution.col_value)[self.columns]
        x = np.minimum(np.maximum(values * self.scale, self.lo), self.upper)
        if self.maximise and self._gap(x, np.asarray(solution.row_dual), share) > GAP_TARGET:
            x = self._refined(share, x)
        return Status.OPTIMAL, x

    def _gap(self, x: npt.NDArray[np.float64], row_dual: npt.NDArray[np.float64], share: float) -> float:
        """How far the point may be below the continuous optimum at its share (relative)."""
        y_all = row_dual * self.objective_scale  # impact per unit of each row's limit, in money
        y = self.rows.duals(row_dual)
        y_some, y_share = min(float(y_all[self.some_row]), 0.0), float(y_all[self.share_row])
        prices = self.rows.prices(y, len(x)) + y_some + y_share * (self.kind - share)
        terms, _ = line_terms(self.plan, self.upper, prices)
        bound = float(np.dot(y, self.rows.rhs)) + y_some * self.some * self.scale + terms
        return relative_gap(self.plan, impacts(self.plan, x.tolist()).total, bound)

    def _refined(self, share: float, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The point by a plain solve with the share fixed (curves refined); ``x`` if not better."""
        fixed = self.plan.with_policy(internal_share_min=share, internal_share_max=share)
        result = solve(fixed, objective=Objective.MAX_IMPACT, cancelled=self.cancelled)
        if was_cancelled(result):
            raise _CancelledError
        if not result.is_optimal or result.impact.total <= impacts(self.plan, x.tolist()).total:
            return x
        return np.fromiter((result.allocation[line.name] for line in self.plan.lines), dtype=float)


def _sweep(shares: list[float], start: float | None) -> list[int]:
    """The order to solve the points in: from the one nearest ``start`` up, then down from it.

    An extreme share leaves the allocation little room, which the first (cold)
    solve finds hard; the plan's own share is inside the range, and each later
    point starts from its neighbour's basis (the first one down from the
    first point's, see :meth:`_ShareModel.point`).
    """
    if start is None:
        return list(range(len(shares)))
    first = min(range(len(shares)), key=lambda k: abs(shares[k] - start))
    return [*range(first, len(shares)), *range(first - 1, -1, -1)]


def _knee(shares: list[float], customer: list[float]) -> float | None:
    if len(shares) < 3:
        return None
    xs, ys = np.asarray(shares), np.asarray(customer)
    span_x, span_y = xs[-1] - xs[0], ys.max() - ys.min()
    if span_x <= 0 or span_y <= 0:
        return None
    u, v = (xs - xs[0]) / span_x, (ys - ys[0]) / span_y
    end_v = v[-1]
    # Distance from the chord from (0, 0) to (1, end_v).
    distance = np.abs(end_v * u - v) / math.hypot(1.0, end_v)
    best = int(np.argmax(distance))
    return float(xs[best]) if distance[best] > 1e-9 else None


def balance_frontier(
    plan: Plan,
    points: int = DEFAULT_POINTS,
    *,
    result: Result | None = None,
    progress: Callable[[float, str], None] | None = None,
    cancelled: Cancelled | None = None,
) -> Frontier:
    """Customer, internal and total impact across the feasible range of the internal share.

    ``points`` evenly spaced shares from the lowest to the highest feasible,
    and the plan's own share among them when it is not one of those. Once
    ``cancelled()`` is true no further point is solved (the points found so
    far are returned, for a caller that drops them).
    """
    points = max(points, 2)
    result = result or solve(plan, cancelled=cancelled)
    policy = plan.policy
    method = "fixed-share LP at each point, warm-started (see planner.insight)"
    found: list[FrontierPoint] = []
    plan_share = result.internal_share if result.is_optimal else None
    try:
        free = plan.with_policy(internal_share_min=None, internal_share_max=None)
        share_range = _ShareRange(free, cancelled)
        start = plan_share if plan_share is not None else 0.5
        low = share_range.extreme(start, lowest=True)
        high = share_range.extreme(start, lowest=False)
        del share_range
        if low is None or high is None:
            return Frontier((), None, None, policy.internal_share_min, policy.internal_share_max, method)
        shares = [low + (high - low) * k / (points - 1) for k in range(points)]
        # The plan's own point is on the curve too, so the curve's best is never below the plan.
        inside = plan_share is not None and low - 1e-9 <= plan_share <= high + 1e-9
        if plan_share is not None and inside and min(abs(plan_share - s) for s in shares) > 1e-9:
            shares = sorted([*shares, min(max(plan_share, low), high)])
        order = _sweep(shares, plan_share)
        shares_model = _ShareModel(free, shares[order[0]], cancelled)
        for k, index in enumerate(order):
            share = shares[index]
            status, x = shares_model.point(share, start_again=k > 0 and index < order[k - 1])
            if status is Status.OPTIMAL:
                values = x.tolist()
                allocation = {line.name: value + 0.0 for line, value in zip(plan.lines, values, strict=True)}
                found.append(FrontierPoint(share, status.value, impacts(free, values), allocation))
            else:
                found.append(FrontierPoint(share, status.value, Impact(), {}))
            if progress is not None:
                progress((k + 1) / len(shares), f"Point {k + 1} of {len(shares)}")
    except _CancelledError:
        pass  # the points found so far, for a caller that drops them
    found.sort(key=lambda p: p.internal_share)
    optimal = [p for p in found if p.status == Status.OPTIMAL.value]
    knee = _knee([p.internal_share for p in optimal], [p.impact.customer for p in optimal])
    return Frontier(
        tuple(found), knee, plan_share, policy.internal_share_min, policy.internal_share_max, method
    )
