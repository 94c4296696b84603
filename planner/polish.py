"""The continuous optimum from the piecewise-linear one: Newton on the duals of the binding rules.

The max-impact model is separable and concave with a few coupling rows, so
at its optimum each diminishing line's spend is a closed-form function of
the rows' duals ``y``: with the line's price ``p_i = sum_r y_r a_ri``, its
marginal value ``w_i / (1 + x_i / h_i)`` equals ``p_i``, clipped to its
bounds, ``x_i(p_i) = clip(h_i (w_i / p_i - 1), lo_i, hi_i)``. A linear line
sits at a bound unless its weight equals its price, when its spend is free.

Given the rows that bind at the piecewise-linear optimum (the active set)
and the linear lines it leaves between their bounds, the continuous optimum
solves a small square system: each binding row holds with equality, and each
free linear line's price equals its weight. :func:`polish` solves it by
damped Newton steps on ``(y, x_free)`` (a few unknowns, whatever the number
of lines), then corrects the active set (a row broken is added, a dual of
the wrong sign is dropped, a linear line whose weight beats its price is
freed) and repeats. What it returns satisfies every rule and the optimality
conditions; the caller certifies it with the Lagrangian bound at its duals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from planner.rules import Row, Sense

__all__ = ["Polished", "polish"]

Array = npt.NDArray[np.float64]

#: Newton stops when every binding row and free line is this close (relative to its own size).
RESIDUAL = 1e-11
#: A polished allocation may break a rule by at most this fraction of the rule's size.
FEASIBILITY = 1e-9
MAX_NEWTON_STEPS = 60
MAX_ACTIVE_SET_CHANGES = 12
#: Above this many binding rows and free linear lines the polish is not tried.
MAX_UNKNOWNS = 400


@dataclass(frozen=True, slots=True)
class Polished:
    """A continuous optimum: the allocation and each coupling row's dual (d impact / d limit)."""

    x: Array
    y: Array


@dataclass(slots=True)
class _Problem:
    weight: Array
    half: Array
    curved: npt.NDArray[np.bool_]
    lo: Array
    hi: Array
    row: npt.NDArray[np.int64]
    line: npt.NDArray[np.int64]
    coef: Array
    rhs: Array
    sense: list[Sense]
    size: Array
    weight_scale: float

    def prices(self, y: Array) -> Array:
        prices = np.bincount(self.line, weights=self.coef * y[self.row], minlength=len(self.weight))
        return np.asarray(prices, dtype=float)

    def activity(self, x: Array) -> Array:
        activity = np.bincount(self.row, weights=self.coef * x[self.line], minlength=len(self.rhs))
        return np.asarray(activity, dtype=float)

    def allocation(self, p: Array, fixed: Array) -> tuple[Array, Array]:
        """Each line's spend at prices ``p`` (linear lines: ``fixed``), and d(spend)/d(price)."""
        positive = self.curved & (p > 0)
        safe = np.where(positive, p, 1.0)
        # A price so small that its square underflows (a weight of 1e-272): the spend is at its
        # upper limit or its slope is taken as 0, never a division by zero.
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            raw = np.where(positive, self.half * (self.weight / safe - 1.0), np.inf)
            slope = -self.half * self.weight / (safe * safe)
        x = np.where(self.curved, np.clip(raw, self.lo, self.hi), fixed)
        inside = positive & (raw > self.lo) & (raw < self.hi)
        slope = np.where(inside & np.isfinite(slope), slope, 0.0)
        return x, slope


def polish(
    weight: Array,
    half: Array,
    linear: npt.NDArray[np.bool_],
    *,
    lo: Array,
    hi: Array,
    rows: Sequence[Row],
    matrix: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], Array],
    x0: Sequence[float],
    y0: Sequence[float],
) -> Polished | None:
    """The continuous optimum near the piecewise-linear one (``x0``, duals ``y0``), or None.

    None when the Newton steps do not converge or the active set cannot be
    settled within a few changes; the caller then keeps refining the curves.
    """
    n = len(weight)
    x_start = np.asarray(x0, dtype=float)
    row, line, coef = matrix
    rhs = np.fromiter((r.rhs for r in rows), dtype=float, count=len(rows))
    largest = np.zeros(len(rows))
    np.maximum.at(largest, row, np.abs(coef * x_start[line]))
    size = np.maximum(np.maximum(np.abs(rhs), largest), 1.0)
    problem = _Problem(
        weight=weight,
        half=half,
        curved=~linear & (weight > 0),
        lo=lo,
        hi=np.maximum(hi, lo),
        row=row,
        line=line,
        coef=coef,
        rhs=rhs,
        sense=[r.sense for r in rows],
        size=size,
        weight_scale=max(float(np.max(np.abs(weight))) if n else 0.0, 1e-300),
    )
    y = np.asarray(y0, dtype=float).copy()
    tiny = 1e-12 * problem.weight_scale
    active = {r for r in range(len(rows)) if abs(y[r]) > tiny}
    y[[r for r in range(len(rows)) if r not in active]] = 0.0
    fixed = x_start.copy()
    room = 1e-9 * np.maximum(np.abs(x_start), 1.0)
    free = set(np.flatnonzero(~problem.curved & (x_start > lo + room) & (x_start < hi - room)).tolist())
    for _ in range(MAX_ACTIVE_SET_CHANGES):
        if len(active) + len(free) > MAX_UNKNOWNS:
            return None
        if not _newton(problem, sorted(active), sorted(free), y, fixed):
            return None
        if not _settle(problem, active, free, y, fixed):
            x, _ = problem.allocation(problem.prices(y), fixed)
            return Polished(x, np.where(_wrong_sign(problem, y, 0.0), 0.0, y))
    return None


def _wrong_sign(problem: _Problem, y: Array, tolerance: float) -> npt.NDArray[np.bool_]:
    le = np.fromiter((s is Sense.LE for s in problem.sense), dtype=bool, count=len(y))
    ge = np.fromiter((s is Sense.GE for s in problem.sense), dtype=bool, count=len(y))
    return (le & (y < -tolerance)) | (ge & (y > tolerance))


def _settle(problem: _Problem, active: set[int], free: set[int], y: Array, fixed: Array) -> bool:
    """One correction of the active set after Newton converged; False when none is needed."""
    wrong = _wrong_sign(problem, y, 1e-10 * problem.weight_scale)
    if wrong.any():
        r = int(np.argmax(np.abs(y) * wrong))
        active.discard(r)
        y[r] = 0.0
        return True
    p = problem.prices(y)
    x, _ = problem.allocation(p, fixed)
    linear = ~problem.curved & (problem.hi > problem.lo)
    outside = [j for j in free if not problem.lo[j] <= fixed[j] <= problem.hi[j]]
    if outside:
        j = outside[0]
        free.discard(j)
        fixed[j] = min(max(fixed[j], problem.lo[j]), problem.hi[j])
        return True
    activity = problem.activity(x)
    excess = np.zeros(len(y))
    for r, sense in enumerate(problem.sense):
        if r in active:
            continue
        over = activity[r] - problem.rhs[r]
        excess[r] = over if sense is Sense.LE else -over if sense is Sense.GE else abs(over)
    excess /= problem.size
    if len(excess) and float(np.max(excess)) > FEASIBILITY:
        active.add(int(np.argmax(excess)))
        return True
    gain = problem.weight - p
    tolerance = 1e-10 * problem.weight_scale
    near = 1e-9 * np.maximum(np.abs(fixed), 1.0)
    at_lo = linear & (fixed <= problem.lo + near) & (gain > tolerance)
    at_hi = linear & (fixed >= problem.hi - near) & (gain < -tolerance)
    wrong_bound = np.flatnonzero((at_lo | at_hi) & ~np.isin(np.arange(len(fixed)), list(free)))
    if len(wrong_bound):
        free.add(int(wrong_bound[np.argmax(np.abs(gain[wrong_bound]))]))
        return True
    return False


def _newton(problem: _Problem, active: list[int], free: list[int], y: Array, fixed: Array) -> bool:
    """Solve the binding rows and free lines' conditions for ``y[active]`` and ``fixed[free]``."""
    k, f = len(active), len(free)
    if k + f == 0:
        return True
    position = np.full(len(y), -1, dtype=np.int64)
    position[active] = np.arange(k)
    chosen = position[problem.row] >= 0
    dense = np.zeros((k, len(problem.weight)))
    np.add.at(dense, (position[problem.row[chosen]], problem.line[chosen]), problem.coef[chosen])
    columns = dense[:, free]
    rhs, size = problem.rhs[active], problem.size[active]

    def residual(y_now: Array, fixed_now: Array) -> tuple[Array, Array, Array]:
        p = problem.prices(y_now)
        x, slope = problem.allocation(p, fixed_now)
        value = np.concatenate(
            ((dense @ x - rhs) / size, (p[free] - problem.weight[free]) / problem.weight_scale)
        )
        return value, p, slope

    value, _p, slope = residual(y, fixed)
    for _ in range(MAX_NEWTON_STEPS):
        norm = float(np.max(np.abs(value)))
        if norm <= RESIDUAL:
            return True
        jacobian = np.zeros((k + f, k + f))
        jacobian[:k, :k] = (dense * slope) @ dense.T / size[:, None]
        jacobian[:k, k:] = columns / size[:, None]
        jacobian[k:, :k] = columns.T / problem.weight_scale
        step = np.linalg.lstsq(jacobian, -value, rcond=None)[0]
        t = 1.0
        current = float(np.linalg.norm(value))
        while t > 1e-8:
            y_try = y.copy()
            y_try[active] += t * step[:k]
            fixed_try = fixed.copy()
            fixed_try[free] += t * step[k:]
            value_try, _p, slope_try = residual(y_try, fixed_try)
            if float(np.linalg.norm(value_try)) < (1.0 - 1e-4 * t) * current:
                break
            t /= 2
        else:
            return math.isfinite(norm) and norm <= RESIDUAL * 100
        y[:], fixed[:] = y_try, fixed_try
        value, slope = value_try, slope_try
    return float(np.max(np.abs(value))) <= RESIDUAL * 100
