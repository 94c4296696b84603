"""The price of balance and the balance frontier.

Price of balance: the most customer impact the plan allows once the internal
functions' floors and the internal share minimum are lifted (internal lines
keep only their own line rules: their floors, change limits and locks),
against the customer impact of the plan's own allocation. The plan's
allocation is feasible without those rules, so the price is never negative.
The total impact of the plan re-solved without them is given too. Each
binding internal floor gets its shadow price and the range of floor values
over which that price holds, found by LP ranging in HiGHS on the plan's
piecewise-linear model (the range over which the optimal basis, and so the
price, stays the same).

Balance frontier: the internal share ``s`` is fixed by one row,
``I - s T = 0`` with ``I`` the internal and ``T`` the total money allocated,
and swept from its lowest to its highest feasible value with every other
rule of the plan kept and the plan's own share bounds lifted. The model is
built once; between points only the coefficient ``-s`` changes and HiGHS
starts from the previous basis. The feasible range comes from Dinkelbach's
method on the same model (minimise, then maximise, ``I - s T``, updating
``s = I / T`` until it no longer moves). The knee is the point farthest from
the straight line between the two ends of the curve of customer impact
against share (both axes scaled to their range).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import highspy
import numpy as np

from models.domain import Kind, Plan, function_key
from models.insight import FloorPrice, Frontier, FrontierPoint, PriceOfBalance
from models.result import Result, Status
from models.rules import Family, RuleKey
from planner.model import build_problem
from planner.rules import Sense
from planner.solve import impacts, solve
from planner.solvers import Cancelled, SolverName, new_highs

__all__ = ["balance_frontier", "price_of_balance", "without_balance_rules"]

DEFAULT_POINTS = 21
FRONTIER_FINENESS = 4
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
    solver: SolverName = SolverName.HIGHS,
    cancelled: Cancelled | None = None,
) -> PriceOfBalance | None:
    """What the balance rules cost; None unless the plan (and the plan without them) solve.

    None too once ``cancelled()`` is true (a newer plan makes the answer stale).
    """
    result = result or solve(plan, solver=solver, cancelled=cancelled)
    if not result.is_optimal:
        return None
    free, relaxed = without_balance_rules(plan)
    if not relaxed:
        customer_without, total_without = result.impact.customer, result.impact.total
    else:
        customers_only = replace(
            free,
            lines=tuple(
                replace(line, weight=0.0) if line.kind is Kind.INTERNAL else line for line in free.lines
            ),
        )
        best_for_customers = solve(customers_only, solver=solver, cancelled=cancelled)
        other = solve(free, solver=solver, cancelled=cancelled)
        if not (best_for_customers.is_optimal and other.is_optimal):
            return None
        customer_without = max(best_for_customers.impact.customer, result.impact.customer)
        total_without = max(other.impact.total, result.impact.total)
    return PriceOfBalance(
        customer_with=result.impact.customer,
        customer_without=customer_without,
        total_with=result.impact.total,
        total_without=total_without,
        floors=_floor_prices(plan, result),
        relaxed=relaxed,
    )


def _floor_prices(plan: Plan, result: Result) -> tuple[FloorPrice, ...]:
    internal = _internal_functions(plan)
    binding = [
        rule
        for rule in result.rules
        if rule.binding
        and rule.family is Family.FUNCTION_FLOOR
        and function_key(rule.key.subject) in internal
    ]
    if not binding:
        return ()
    model = build_problem(plan)
    highs = new_highs()
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("solver", "simplex")
    highs.passModel(model.prob.to_highs())
    highs.run()
    ranges: dict[RuleKey, tuple[float, float]] = {}
    if highs.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        _status, ranging = highs.getRanging()
        for row, index in zip(model.rows, model.constraints, strict=True):
            low = ranging.row_bound_dn.value_[index] * model.scale
            high = ranging.row_bound_up.value_[index] * model.scale
            ranges[row.key] = (
                max(low, 0.0) if math.isfinite(low) else 0.0,
                high if math.isfinite(high) else math.inf,
            )
    prices = []
    for rule in binding:
        low, high = ranges.get(rule.key, (rule.limit, rule.limit))
        prices.append(
            FloorPrice(
                key=rule.key,
                floor=rule.limit,
                shadow_price=rule.shadow_price,
                range_low=min(low, rule.limit),
                range_high=max(high, rule.limit),
                method="LP ranging (HiGHS) on the piecewise-linear model",
            )
        )
    return tuple(prices)


# -- the frontier ---------------------------------------------------------------------------


class _ShareModel:
    """The plan's model with ``T``, ``I`` and the share row ``I - s T = 0`` (or ``>= 0`` while searching)."""

    def __init__(self, plan: Plan) -> None:
        free = plan.with_policy(internal_share_min=None, internal_share_max=None)
        self.plan = free
        # Solved once per point with no refinement: curves four times finer than a plain solve's.
        model = build_problem(free, fineness=FRONTIER_FINENESS)
        lp = model.prob
        x = model.x
        internal = [j for j, line in zip(x, free.lines, strict=True) if line.kind is Kind.INTERNAL]
        self.total = lp.add_column("T", 0.0, None)
        self.internal = lp.add_column("I", 0.0, None)
        lp.add_row("total", [(self.total, 1.0), *((j, -1.0) for j in x)], Sense.EQ, 0.0)
        lp.add_row("internal", [(self.internal, 1.0), *((j, -1.0) for j in internal)], Sense.EQ, 0.0)
        # Something must be allocated for a share to exist.
        floor_total = max(1e-6 * max(free.budget, 1.0) / model.scale, 1e-9)
        lp.add_row("some", [(self.total, 1.0)], Sense.GE, floor_total)
        self.share_row = lp.add_row(
            "share", [(self.internal, 1.0), (self.total, 0.0)], Sense.GE, 0.0, keep_zeros=True
        )
        self.model = model
        self.costs = np.asarray(lp.cost, dtype=float)
        self.highs = new_highs()
        self.highs.setOptionValue("presolve", "off")
        self.highs.setOptionValue("solver", "simplex")
        self.highs.passModel(lp.to_highs())
        self.maximise = lp.maximise
        self._costs_are_impact = True

    def _set_share(self, share: float, *, exact: bool) -> None:
        self.highs.changeCoeff(self.share_row, self.total, -share)
        self.highs.changeRowBounds(self.share_row, 0.0, 0.0 if exact else highspy.kHighsInf)

    def _use_costs(self, costs: np.ndarray, sense: highspy.ObjSense) -> None:
        n = len(costs)
        self.highs.changeColsCost(n, np.arange(n, dtype=np.int32), costs)
        self.highs.changeObjectiveSense(sense)

    def _run(self) -> bool:
        self.highs.run()
        return bool(self.highs.getModelStatus() == highspy.HighsModelStatus.kOptimal)

    def extreme_share(self, start: float, *, lowest: bool) -> float | None:
        """The lowest (or highest) feasible internal share, by Dinkelbach's method."""
        self._costs_are_impact = False
        self._set_share(0.0, exact=False)
        self.highs.changeRowBounds(self.share_row, -highspy.kHighsInf, highspy.kHighsInf)
        share = start
        for _ in range(50):
            costs = np.zeros(len(self.costs))
            costs[self.internal], costs[self.total] = 1.0, -share
            self._use_costs(costs, highspy.ObjSense.kMinimize if lowest else highspy.ObjSense.kMaximize)
            if not self._run():
                return None
            values = self.highs.getSolution().col_value
            total, inside = values[self.total], values[self.internal]
            # At the extreme share s the best of I - s T is exactly 0; from any start
            # (an unreachable share included) s = I / T moves to it in a few steps.
            if abs(inside - share * total) <= _SHARE_TOLERANCE * total:
                return min(max(share, 0.0), 1.0)
            share = inside / total
        return min(max(share, 0.0), 1.0)

    def point(self, share: float) -> tuple[Status, list[float]]:
        """Maximise impact with the internal share fixed at ``share``."""
        if not self._costs_are_impact:
            self._use_costs(
                self.costs, highspy.ObjSense.kMaximize if self.maximise else highspy.ObjSense.kMinimize
            )
            self._costs_are_impact = True
        self.highs.changeRowBounds(self.share_row, 0.0, 0.0)
        self.highs.changeCoeff(self.share_row, self.total, -share)
        if not self._run():
            return Status.INFEASIBLE, []
        values = self.highs.getSolution().col_value
        model = self.model
        x = [
            min(max(values[j] * model.scale, b.lo), hi)
            for j, b, hi in zip(model.x, model.bounds, model.upper, strict=True)
        ]
        return Status.OPTIMAL, x


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
    shares_model = _ShareModel(plan)
    start = result.internal_share if result.is_optimal and result.internal_share is not None else 0.5
    low = shares_model.extreme_share(start, lowest=True)
    high = shares_model.extreme_share(start, lowest=False)
    policy = plan.policy
    method = "fixed-share LP at each point, warm-started (see planner.insight)"
    if low is None or high is None:
        return Frontier((), None, None, policy.internal_share_min, policy.internal_share_max, method)
    shares = [low + (high - low) * k / (points - 1) for k in range(points)]
    plan_share = result.internal_share if result.is_optimal else None
    # The plan's own point is on the curve too, so the curve's best is never below the plan.
    inside = plan_share is not None and low - 1e-9 <= plan_share <= high + 1e-9
    if plan_share is not None and inside and min(abs(plan_share - s) for s in shares) > 1e-9:
        shares = sorted([*shares, min(max(plan_share, low), high)])
    found: list[FrontierPoint] = []
    for k, share in enumerate(shares):
        if cancelled is not None and cancelled():
            break
        status, x = shares_model.point(share)
        impact = impacts(shares_model.plan, x) if x else impacts(shares_model.plan, [0.0] * len(plan.lines))
        allocation = {line.name: value for line, value in zip(plan.lines, x, strict=True)} if x else {}
        found.append(FrontierPoint(share, status.value, impact if x else type(impact)(), allocation))
        if progress is not None:
            progress((k + 1) / len(shares), f"Point {k + 1} of {len(shares)}")
    optimal = [p for p in found if p.status == Status.OPTIMAL.value]
    knee = _knee([p.internal_share for p in optimal], [p.impact.customer for p in optimal])
    return Frontier(
        tuple(found), knee, plan_share, policy.internal_share_min, policy.internal_share_max, method
    )
