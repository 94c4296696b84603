"""The sensitivity report of a max-impact optimum, as Excel Solver gives one for its models.

At the continuous optimum each line's spend is a function of the binding
rules' duals ``y`` (:mod:`planner.polish`): a diminishing line between its
bounds spends where its marginal value ``w / (1 + x / h)`` equals its price
``p_i = sum_r y_r a_ri``. So:

- a line's reduced cost is its marginal value at its allocation minus its
  price: zero between its bounds, the impact per unit it is pushed past the
  bound that holds it otherwise;
- a rule's shadow price is its dual, d(optimum)/d(limit); the budget's is
  the sum over every row of its dual times how far its limit moves with the
  budget (a rule stated as a % of the budget moves with it);
- a rule's allowable increase and decrease is how far its limit may move
  while the same rules bind and the same lines sit at their bounds. Moving
  the limit ``b`` by ``t`` moves the optimum along the active set's
  conditions; their derivative is the linear system the polish solves,
  ``[A S A', A_f; A_f', 0] d(y, x_f) = (e, 0)`` (``S`` the diminishing lines'
  d(spend)/d(price), ``A_f`` the columns of the linear lines between their
  bounds). The first ``t`` at which a line reaches a bound or leaves one, a
  binding rule's dual reaches zero or a slack rule becomes tight ends the
  range; each step follows the tangent, then Newton steps put the optimum
  back on the active set's conditions at the new limit, so the range holds
  for the curved lines too. Where nothing ends it, the range is infinite.

A shadow price is flagged as not unique when the plan is degenerate at the
limit: the range is empty on one side (a rule tight with a zero dual, a line
at a bound whose marginal value equals its price) or the prices are not
determined by the active set (linear lines tied at the same price).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from models.domain import Plan
from models.result import RuleReport, RuleSensitivity, Sensitivity
from models.rules import Family
from planner.model import LpModel
from planner.polish import _newton, _Problem
from planner.rules import Sense

__all__ = ["sensitivity"]

Array = npt.NDArray[np.float64]

#: An event within this fraction of its own scale of zero has been reached.
EVENT_TOLERANCE = 1e-9
#: A range shorter than this fraction of the rule's size is empty (the price is one-sided).
EMPTY_RANGE = 1e-7
#: A condition this close to zero (relative to its scale) after a step has been reached.
REACHED = 1e-7
MAX_STEPS = 30
#: Ranges beyond this multiple of the plan's size are unlimited.
UNLIMITED = 1e4


@dataclass(slots=True)
class _ActiveSet:
    """The optimum's active set and what is needed to move along it."""

    problem: _Problem
    y: Array
    x: Array
    active: list[int]  # binding rows
    free: list[int]  # linear lines between their bounds
    inside: npt.NDArray[np.bool_]  # diminishing lines between their bounds
    at_lo: npt.NDArray[np.bool_]
    at_hi: npt.NDArray[np.bool_]
    real_hi: Array  # each line's own upper bound (inf where the budget alone limits it)
    dense: Array  # binding rows over the lines


def _classify(plan: Plan, model: LpModel, x: Sequence[float], shadows: Sequence[float]) -> _ActiveSet:
    from planner.solve import _arrays

    a = _arrays(plan)
    row, line, coef = model.coupling_matrix()
    rows = model.rows
    values = np.asarray(x, dtype=float)
    y = np.asarray(shadows, dtype=float).copy()
    rhs = np.fromiter((r.rhs for r in rows), dtype=float, count=len(rows))
    largest = np.zeros(len(rows))
    np.maximum.at(largest, row, np.abs(coef * values[line]))
    real_hi = np.fromiter(
        (math.inf if b.hi is None else b.hi for b in model.bounds), dtype=float, count=len(values)
    )
    # The lines' own bounds: the budget's limit on one line is the budget row's, which moves.
    upper = np.maximum(real_hi, a.lo)
    problem = _Problem(
        weight=a.weight,
        half=a.half,
        curved=~a.linear & (a.weight > 0),
        lo=a.lo,
        hi=upper,
        row=row,
        line=line,
        coef=coef,
        rhs=rhs,
        sense=[r.sense for r in rows],
        size=np.maximum(np.maximum(np.abs(rhs), largest), 1.0),
        weight_scale=max(float(np.max(np.abs(a.weight))) if len(a.weight) else 0.0, 1e-300),
    )
    tiny = 1e-12 * problem.weight_scale
    active = [r for r in range(len(rows)) if abs(y[r]) > tiny or rows[r].sense is Sense.EQ]
    y[[r for r in range(len(rows)) if r not in set(active)]] = 0.0
    room = 1e-7 * np.maximum(np.maximum(np.abs(values), model.scale), 1.0)
    at_lo = values <= a.lo + room
    at_hi = ~at_lo & (values >= upper - room)
    between = ~at_lo & ~at_hi
    free = np.flatnonzero(~problem.curved & between).tolist()
    position = np.full(len(rows), -1, dtype=np.int64)
    position[active] = np.arange(len(active))
    chosen = position[row] >= 0
    dense = np.zeros((len(active), len(values)))
    np.add.at(dense, (position[row[chosen]], line[chosen]), coef[chosen])
    return _ActiveSet(
        problem, y, values.copy(), active, free, problem.curved & between, at_lo, at_hi, upper, dense
    )


def _tangent(s: _ActiveSet, y: Array, fixed: Array, direction: Array) -> tuple[Array, Array, bool]:
    """d(y)/dt and d(x)/dt as the limits move by ``direction``; and whether the system is regular."""
    problem = s.problem
    k, f = len(s.active), len(s.free)
    dy, dx = np.zeros(len(y)), np.zeros(len(s.x))
    if k + f == 0:
        return dy, dx, True
    p = problem.prices(y)
    safe = np.where(p > 0, p, 1.0)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        slope = -problem.half * problem.weight / (safe * safe)
    slope = np.where(s.inside & (p > 0) & np.isfinite(slope), slope, 0.0)
    columns = s.dense[:, s.free]
    system = np.zeros((k + f, k + f))
    system[:k, :k] = (s.dense * slope) @ s.dense.T
    system[:k, k:] = columns
    system[k:, :k] = columns.T
    target = np.concatenate((direction[s.active], np.zeros(f)))
    solution, _res, rank, _sv = np.linalg.lstsq(system, target, rcond=None)
    dy[s.active] = solution[:k]
    dp = problem.prices(dy)
    dx = slope * dp
    dx[s.free] = solution[k:]
    return dy, dx, rank == k + f


def _events(s: _ActiveSet, y: Array, x: Array, rhs: Array) -> tuple[Array, Array]:
    """Every condition of the active set as ``g >= 0``, with each one's scale."""
    problem = s.problem
    p = problem.prices(y)
    w, h, lo, hi = problem.weight, problem.half, problem.lo, s.real_hi
    le = np.fromiter((sense is Sense.LE for sense in problem.sense), dtype=bool, count=len(y))
    ge = np.fromiter((sense is Sense.GE for sense in problem.sense), dtype=bool, count=len(y))
    is_active = np.zeros(len(y), dtype=bool)
    is_active[s.active] = True
    # Binding rows: the dual keeps its sign. Slack rows: they stay held.
    dual = np.where(le, y, np.where(ge, -y, np.inf))
    activity = problem.activity(x)
    slack = np.where(le, rhs - activity, np.where(ge, activity - rhs, np.inf))
    rows_g = np.where(is_active, dual, slack)
    rows_scale = np.where(is_active, problem.weight_scale, problem.size)
    # Lines: diminishing lines between bounds keep their price between the marginal values at
    # the bounds; lines at a bound keep the bound worth holding; free linear lines stay inside.
    marginal_lo = np.where(problem.curved, w / (1.0 + lo / h), w)
    with np.errstate(invalid="ignore", divide="ignore"):
        marginal_hi = np.where(problem.curved, w / (1.0 + hi / h), w)
    marginal_hi = np.where(np.isfinite(hi), marginal_hi, -np.inf)
    free = np.zeros(len(x), dtype=bool)
    free[s.free] = True
    inf = np.full(len(x), np.inf)
    g_low = np.where(
        s.inside, marginal_lo - p, np.where(free, x - lo, np.where(s.at_lo, p - marginal_lo, inf))
    )
    g_high = np.where(
        s.inside, p - marginal_hi, np.where(free, hi - x, np.where(s.at_hi, marginal_hi - p, inf))
    )
    fixed = (problem.hi <= lo) & ~free  # a locked line never leaves its bound
    g_low = np.where(fixed, inf, g_low)
    g_high = np.where(fixed, inf, g_high)
    line_scale = np.where(free, np.maximum(np.abs(x), 1.0), problem.weight_scale)
    g = np.concatenate((rows_g, g_low, g_high))
    scale = np.concatenate((rows_scale, line_scale, line_scale))
    return np.where(np.isnan(g), np.inf, g), scale


def _range(s: _ActiveSet, direction: Array) -> tuple[float, bool]:
    """How far the limits may move by ``t * direction`` (t >= 0) with the active set holding.

    Also whether the active set's system is regular at the start. A range
    beyond :data:`UNLIMITED` times the plan's size is reported as infinite
    (a dual that only tends to zero as the limit grows).
    """
    t, regular = _follow(s, direction)
    size = max(float(np.max(np.abs(s.problem.rhs), initial=0.0)), float(np.sum(np.abs(s.x))), 1.0)
    return (math.inf if t > UNLIMITED * size else t), regular


def _follow(s: _ActiveSet, direction: Array) -> tuple[float, bool]:
    problem = s.problem
    y, fixed = s.y.copy(), s.x.copy()
    t = 0.0
    regular = True
    shrink = 1.0
    for step in range(MAX_STEPS):
        dy, dx, ok = _tangent(s, y, fixed, direction)
        if step == 0:
            regular = ok
        rhs = problem.rhs + t * direction
        g_now, scale = _events(s, y, fixed, rhs)
        with np.errstate(invalid="ignore"):
            dg = _events(s, y + dy, fixed + dx, rhs + direction)[0] - g_now
        falling = (dg < 0) & np.isfinite(g_now)
        if not falling.any():
            return math.inf, regular
        reach = np.where(falling, np.maximum(g_now, 0.0) / np.where(falling, -dg, 1.0), np.inf)
        first = int(np.argmin(reach))
        ahead = float(reach[first]) * shrink
        if ahead <= EVENT_TOLERANCE * max(t, 1.0):
            return t, regular
        # Follow the tangent towards the first event, then put the optimum back on the active set.
        trial = t + ahead
        landed = _land(s, y, fixed, problem.rhs + trial * direction)
        if landed is None:
            shrink /= 4
            continue
        y_new, x_new = landed
        g_new, _ = _events(s, y_new, x_new, problem.rhs + trial * direction)
        ratio = g_new / scale
        broken = ratio < -EVENT_TOLERANCE
        if broken.any():
            # Overshot: aim for the secant's zero of the condition broken furthest.
            j = int(np.argmin(np.where(broken, ratio, np.inf)))
            before, after = max(float(g_now[j]), 0.0), float(g_new[j])
            shrink *= max(min(before / (before - after), 0.9), 0.05) * 0.999
            if shrink * ahead <= EVENT_TOLERANCE * max(t, 1.0):
                return t, regular
            continue
        y, fixed, t = y_new, x_new, trial
        if ratio[first] <= REACHED or (shrink < 1.0 and float(np.min(ratio)) <= REACHED):
            return t, regular
        shrink = 1.0
    # Still going after many steps: a dual that only tends to zero as the limit grows.
    return (math.inf if t > 1e3 * float(np.max(np.abs(problem.rhs), initial=1.0)) else t), regular


def _land(s: _ActiveSet, y: Array, fixed: Array, rhs: Array) -> tuple[Array, Array] | None:
    """The optimum of the active set with the limits at ``rhs``, from ``(y, fixed)``; None if not found."""
    problem = replace(s.problem, rhs=rhs)
    y_new, fixed_new = y.copy(), fixed.copy()
    # Prices at or below zero send a line without a cap to no finite spend: Newton steps back.
    with np.errstate(invalid="ignore", over="ignore"):
        if not _newton(problem, s.active, s.free, y_new, fixed_new):
            return None
    p = problem.prices(y_new)
    x, _ = problem.allocation(p, fixed_new)
    return y_new, x


def _bound_name(model: LpModel, i: int, at_lo: bool, at_hi: bool) -> str:
    b = model.bounds[i]
    if at_lo:
        return b.lo_source or "zero"
    if at_hi:
        return b.hi_source or "budget"
    return ""


def sensitivity(
    plan: Plan,
    model: LpModel,
    *,
    x: Sequence[float],
    shadows: Sequence[float],
    prices: Sequence[float],
    reports: Sequence[RuleReport],
    gap: float,
) -> Sensitivity:
    """The sensitivity report of the max-impact optimum ``x`` with row duals ``shadows``.

    ``reports`` are the rules' reports in the order of ``model.rows`` (their
    shadow prices, the budget's with its % rules, are reported as they are).
    """
    from planner.solve import _arrays, _marginals

    a = _arrays(plan)
    s = _classify(plan, model, x, shadows)
    p = np.asarray(prices, dtype=float)
    reduced = _marginals(a, s.x) - p
    reduced = np.where(s.at_lo | s.at_hi, reduced, 0.0)
    names = [line.name for line in plan.lines]
    bounds = {
        names[i]: _bound_name(model, i, bool(s.at_lo[i]), bool(s.at_hi[i]))
        for i in np.flatnonzero(s.at_lo | s.at_hi).tolist()
    }
    reduced_costs = dict(zip(names, (reduced + 0.0).tolist(), strict=True))
    # Linear lines at a bound worth exactly their price tie with the lines that take the money:
    # the allocation is not the only optimum, nor the prices the only ones.
    price_now = s.problem.prices(s.y)
    tied = bool(
        np.any(
            ~s.problem.curved
            & (s.at_lo | s.at_hi)
            & (s.problem.hi > s.problem.lo)
            & (np.abs(s.problem.weight - price_now) <= 1e-9 * s.problem.weight_scale)
            & (s.problem.weight > 0)
        )
    )
    per_budget = np.fromiter((row.per_budget for row in model.rows), dtype=float, count=len(model.rows))
    rules = []
    for r, (row, report) in enumerate(zip(model.rows, reports, strict=True)):
        if report.key.family is Family.BUDGET:
            direction = per_budget
            moving = bool(np.any(s.y[per_budget != 0] != 0))
        else:
            direction = np.zeros(len(model.rows))
            direction[r] = 1.0
            moving = r in s.active and s.y[r] != 0
        size = max(abs(row.rhs), 1.0)
        if moving:
            try:
                up, regular = _range(s, direction)
                down, _ = _range(s, -direction)
            except np.linalg.LinAlgError:
                # The active set's system cannot be solved: no range can be vouched for.
                up, down, regular = 0.0, 0.0, False
            unique = regular and not tied and up > EMPTY_RANGE * size and down > EMPTY_RANGE * size
        else:
            # A slack rule may move until it becomes tight; a tight rule with no dual prices
            # its tightening differently from its loosening.
            slack = report.slack if row.sense is not Sense.EQ else 0.0
            tight = slack <= EMPTY_RANGE * size
            up = math.inf if row.sense is Sense.LE else slack
            down = math.inf if row.sense is Sense.GE else slack
            unique = not tight
        rules.append(
            RuleSensitivity(
                report.key,
                report.shadow_price,
                bool(unique),
                _clean(up),
                _clean(down),
            )
        )
    budget = next((rep.shadow_price for rep in reports if rep.key.family is Family.BUDGET), 0.0)
    return Sensitivity(
        reduced_costs=reduced_costs, bounds=bounds, rules=tuple(rules), budget_price=budget, gap=gap
    )


def _clean(value: float) -> float | None:
    """A range in money, None where nothing limits it."""
    if not math.isfinite(value):
        return None
    return max(value, 0.0) + 0.0
