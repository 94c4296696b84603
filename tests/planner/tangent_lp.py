"""An independent optimum line by line: scipy's HiGHS on a fine tangent-cut model.

Each diminishing line ``i`` gets an impact variable ``t_i`` held below the
curve's tangents at many points ``a``: ``t_i <= f_i(a) + f_i'(a) (x_i - a)``.
The curve is concave, so the tangents lie above it and the LP puts each line
at a kink between two neighbouring tangent points, which also bracket the
line's true optimum when the prices are right. A first pass with points
evenly spaced in ``ln(1 + x/h)`` over the line's range locates the optimum;
a second adds a much finer run of points around it. Nothing of the planner's
model (breakpoints, scaling, refinement, duals, polish) is used.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from models.domain import Curve, Plan
from planner.model import coupling_rows, half_returns, line_bounds, upper_limits
from planner.rules import Sense

__all__ = ["tangent_allocation"]


def _solve(plan: Plan, cuts: list[np.ndarray]) -> np.ndarray | None:
    bounds = line_bounds(plan)
    upper = upper_limits(plan, bounds)
    halves = half_returns(plan)
    n = len(plan.lines)
    curved = [i for i, line in enumerate(plan.lines) if line.curve is Curve.DIMINISHING and line.weight > 0]
    t_of = {i: n + k for k, i in enumerate(curved)}
    cols = n + len(curved)
    cost = np.zeros(cols)
    for i, line in enumerate(plan.lines):
        if i not in t_of:
            cost[i] = -line.weight
    for i in curved:
        cost[t_of[i]] = -1.0
    rows, cols_idx, vals, b_ub = [], [], [], []
    r = 0
    for i in curved:
        w, h = plan.lines[i].weight, halves[i]
        a = cuts[i]
        f = w * h * np.log1p(a / h)
        slope = w / (1 + a / h)
        for ak, fk, sk in zip(a.tolist(), f.tolist(), slope.tolist(), strict=True):
            rows += [r, r]
            cols_idx += [t_of[i], i]
            vals += [1.0, -sk]
            b_ub.append(fk - sk * ak)
            r += 1
    eq_rows, eq_cols, eq_vals, b_eq = [], [], [], []
    e = 0
    for row in coupling_rows(plan):
        if row.sense is Sense.EQ:
            for i, c in row.coefs:
                eq_rows.append(e)
                eq_cols.append(i)
                eq_vals.append(c)
            b_eq.append(row.rhs)
            e += 1
            continue
        sign = 1.0 if row.sense is Sense.LE else -1.0
        for i, c in row.coefs:
            rows.append(r)
            cols_idx.append(i)
            vals.append(sign * c)
        b_ub.append(sign * row.rhs)
        r += 1
    a_ub = sp.csr_matrix((vals, (rows, cols_idx)), shape=(r, cols)) if r else None
    a_eq = sp.csr_matrix((eq_vals, (eq_rows, eq_cols)), shape=(e, cols)) if e else None
    var_bounds = [(b.lo, hi) for b, hi in zip(bounds, upper, strict=True)] + [(None, None)] * len(curved)
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub or None,
        A_eq=a_eq,
        b_eq=b_eq or None,
        bounds=var_bounds,
        method="highs",
        options={"primal_feasibility_tolerance": 1e-9, "dual_feasibility_tolerance": 1e-9},
    )
    if res.status != 0:
        return None
    return np.asarray(res.x[:n], dtype=float)


def tangent_allocation(
    plan: Plan, coarse: int = 400, fine: int = 400, window: float = 12.0
) -> list[float] | None:
    """Each line's optimal spend (linear lines: one optimal choice); None when the plan is infeasible."""
    bounds = line_bounds(plan)
    upper = upper_limits(plan, bounds)
    halves = half_returns(plan)
    ua = [float(np.log1p(b.lo / h)) for b, h in zip(bounds, halves, strict=True)]
    ub = [float(np.log1p(hi / h)) for hi, h in zip(upper, halves, strict=True)]
    grids = [np.linspace(a, b, coarse + 1) for a, b in zip(ua, ub, strict=True)]
    cuts = [h * np.expm1(g) for g, h in zip(grids, halves, strict=True)]
    first = _solve(plan, cuts)
    if first is None:
        return None
    refined = []
    for i, (g, h) in enumerate(zip(grids, halves, strict=True)):
        step = (ub[i] - ua[i]) / coarse
        u = float(np.log1p(first[i] / h))
        near = np.linspace(max(u - window * step, ua[i]), min(u + window * step, ub[i]), fine + 1)
        refined.append(h * np.expm1(np.union1d(g, near)))
    second = _solve(plan, refined)
    return None if second is None else second.tolist()
