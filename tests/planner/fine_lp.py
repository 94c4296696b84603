"""An independent optimum for tests: scipy's HiGHS on a fine piecewise-linear model.

Each line's curve is cut into many chords between its bounds (closer together
near the lower bound, where the curve bends most); the plan's coupling rows
are written out as dense matrices. Nothing of the planner's own model
(breakpoints, scaling, refinement, duals) is used.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linprog

from models.domain import Curve, Plan
from planner.model import coupling_rows, half_returns, line_bounds, upper_limits
from planner.rules import Sense
from planner.solve import impacts

__all__ = ["fine_allocation", "fine_optimum"]


def fine_allocation(plan: Plan, segments: int = 400) -> list[float] | None:
    """The allocation that maximises impact (with every line's weight); None when infeasible."""
    bounds = line_bounds(plan)
    upper = upper_limits(plan, bounds)
    halves = half_returns(plan)
    n = len(plan.lines)
    lo = [b.lo for b in bounds]
    cols: list[tuple[int, float, float]] = []  # (line, width, slope)
    for i, line in enumerate(plan.lines):
        grid = np.linspace(0, 1, segments + 1) ** 2 * (upper[i] - lo[i]) + lo[i]
        if line.curve is Curve.DIMINISHING:
            values = line.weight * halves[i] * np.log1p(grid / halves[i])
        else:
            values = line.weight * grid
        for (a, fa), (b, fb) in itertools.pairwise(zip(grid.tolist(), values.tolist(), strict=True)):
            if b > a:
                cols.append((i, b - a, (fb - fa) / (b - a)))
    a_ub, b_ub, a_eq, b_eq = [], [], [], []
    owner = np.array([i for i, _, _ in cols], dtype=int)
    for row in coupling_rows(plan):
        per_line = np.zeros(n)
        for i, c in row.coefs:
            per_line[i] += c
        coef = per_line[owner]
        rhs = row.rhs - float(np.dot(per_line, lo))
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
        c=[-s for _, _, s in cols],
        A_ub=np.array(a_ub) if a_ub else None,
        b_ub=b_ub or None,
        A_eq=np.array(a_eq) if a_eq else None,
        b_eq=b_eq or None,
        bounds=[(0, w) for _, w, _ in cols],
        method="highs",
    )
    if res.status != 0:
        return None
    x = list(lo)
    for (i, _w, _s), v in zip(cols, res.x, strict=True):
        x[i] += float(v)
    return x


def fine_optimum(plan: Plan, segments: int = 400) -> float | None:
    """The most total impact the plan allows (true impact of :func:`fine_allocation`)."""
    x = fine_allocation(plan, segments)
    return None if x is None else impacts(plan, x).total
