"""The linear program, built one rule family at a time.

Money is divided by a scale (the average line budget) so the LP's numbers
sit near 1 whatever the currency; every figure leaving this module is in
money again. LP names are generated ids (``x0``, ``s0_1``, ``r3``), never
line names.

Formulation: one total variable ``x_i`` per line carries the line's bounds;
the coupling rules are rows over those totals. A diminishing line adds
segment variables ``s_ik`` in ``[0, len_k]`` with ``x_i - sum_k s_ik = lo_i``
and the chord slopes as objective; concavity makes the LP fill segments in
order, so no integer variables are needed.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from models.domain import Curve, Objective, Plan
from models.rules import RuleKey
from planner.families import FAMILIES
from planner.lp import LinearProgram
from planner.rules import LineBounds, Row, Sense, line_bounds

__all__ = [
    "DU",
    "MAX_SEGMENTS",
    "LpModel",
    "bound_rows",
    "build_problem",
    "build_rules",
    "coupling_rows",
    "half_returns",
    "upper_limits",
]

#: Spacing of breakpoints in ``ln(1 + x/h)``; refinement adds finer points near the optimum.
DU = 0.12
MAX_SEGMENTS = 12


@dataclass(slots=True)
class LpModel:
    """A built problem and the handles needed to read its solution."""

    prob: LinearProgram
    scale: float
    #: The column of each line's total.
    x: list[int]
    rows: list[Row]
    #: The LP row of each coupling row.
    constraints: list[int]
    bounds: list[LineBounds]
    upper: list[float]
    #: Curve segments: the line of each, and its start and end in money.
    segments: tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None
    #: The relaxation column of each relaxed row: the one that loosens it, and
    #: for an equality the one that moves its limit down.
    elastic: dict[RuleKey, int] = field(default_factory=dict)
    elastic_down: dict[RuleKey, int] = field(default_factory=dict)
    objective_constant: float = 0.0
    objective_scale: float = 1.0

    def coupling_matrix(
        self,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The coupling rows over the lines in money, as ``(row, line, coefficient)`` per entry.

        Read from the built program (the rows' coefficients are the rules' own;
        only the columns and right-hand sides carry the scale).
        """
        prob = self.prob
        owner = np.full(prob.num_cols, -1, dtype=np.int64)
        owner[np.asarray(self.x, dtype=np.int64)] = np.arange(len(self.x))
        index: list[int] = []
        value: list[float] = []
        lengths: list[int] = []
        for r in self.constraints:
            start, end = prob.row_start[r], prob.row_start[r + 1]
            index.extend(prob.row_index[start:end])
            value.extend(prob.row_value[start:end])
            lengths.append(end - start)
        line = owner[np.asarray(index, dtype=np.int64)]
        row = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        keep = line >= 0
        return row[keep], line[keep], np.asarray(value, dtype=float)[keep]

    def line_points(self) -> list[list[float]]:
        """Each line's breakpoints in money: ``[lo, hi]`` for a line without segments."""
        result = [[b.lo, hi] for b, hi in zip(self.bounds, self.upper, strict=True)]
        if self.segments is None:
            return result
        owner, p0, p1 = self.segments
        starts: dict[int, list[float]] = {}
        for i, a, b in zip(owner.tolist(), p0.tolist(), p1.tolist(), strict=True):
            pts = starts.get(i)
            if pts is None:
                pts = starts[i] = result[i] = [a]
            pts.append(b)
        return result


def half_returns(plan: Plan) -> list[float]:
    """Each line's half-return spend (see :func:`_half_returns`), computed once per plan."""
    return plan.derived("half_returns", _half_returns)


def _half_returns(plan: Plan) -> list[float]:
    """Each line's half-return spend: its own, else its current spend, else the mean positive current."""
    positive = [line.current for line in plan.lines if line.current > 0]
    fallback = (
        math.fsum(positive) / len(positive) if positive else max(plan.budget, 1.0) / max(len(plan.lines), 1)
    )
    fallback = fallback if fallback > 0 else 1.0
    result = []
    for line in plan.lines:
        if line.half_return is not None and line.half_return > 0:
            result.append(line.half_return)
        elif line.current > 0:
            result.append(line.current)
        else:
            result.append(fallback)
    return result


def upper_limits(plan: Plan, bounds: Sequence[LineBounds]) -> list[float]:
    """A finite upper bound per line: its own, or what the budget leaves after every other floor.

    ``x_i <= B - sum_{j != i} lo_j`` follows from the budget row, so it
    changes nothing but gives the curve a finite range.
    """
    budget = plan.budget
    total_lo = math.fsum(b.lo for b in bounds)
    result = []
    for b in bounds:
        room = max(budget - (total_lo - b.lo), b.lo)
        result.append(room if b.hi is None else min(b.hi, max(room, b.lo)))
    return result


def coupling_rows(plan: Plan) -> list[Row]:
    """Every rule over several lines, as rows in money, each family's built by its own class.

    Listed by family, a function's floor and cap together (see
    :meth:`planner.families.RuleFamily.order`).
    """
    rows = [row for spec in FAMILIES.values() if spec.coupling for row in spec.rows(plan)]
    return sorted(rows, key=lambda row: FAMILIES[row.family].order(plan, row))


def bound_rows(plan: Plan) -> list[Row]:
    """The rules that are the lines' own bounds in the LP (line floors), as rows to relax."""
    return [row for spec in FAMILIES.values() if not spec.coupling for row in spec.rows(plan)]


def _scale(plan: Plan) -> float:
    size = max(plan.budget, plan.current_total) / max(len(plan.lines), 1)
    return size if size > 0 and math.isfinite(size) else 1.0


def add_line_variables(
    prob: LinearProgram,
    bounds: Sequence[LineBounds],
    upper: Sequence[float],
    scale: float,
    *,
    floors_elastic: bool = False,
) -> list[int]:
    """``l_i <= x_i <= u_i`` as the bounds of each line's total variable.

    With ``floors_elastic`` the floor part of the lower bound becomes a row
    (see :func:`bound_rows`) and the variable keeps only the bound from the
    change limit or lock.
    """
    n = len(bounds)
    if floors_elastic:
        lo = np.fromiter((b.lo_without_floor for b in bounds), dtype=float, count=n)
        hi = np.fromiter((math.inf if b.hi is None else b.hi for b in bounds), dtype=float, count=n)
        hi = np.maximum(hi, lo)
    else:
        lo = np.fromiter((b.lo for b in bounds), dtype=float, count=n)
        hi = np.asarray(upper, dtype=float)
    names = [f"x{i}" for i in range(n)]
    columns = prob.add_columns(names, lo / scale, hi / scale, np.zeros(n))
    return [int(j) for j in columns]


def add_coupling_constraints(
    model: LpModel, rows: Sequence[Row], *, elastic: Collection[RuleKey] = ()
) -> None:
    """Each row as a constraint; rows in ``elastic`` get a relaxation variable."""
    prob, x, scale = model.prob, model.x, model.scale
    for n, row in enumerate(rows):
        pairs = [(x[i], c) for i, c in row.coefs if c != 0.0]
        if row.key in elastic:
            # The slack moves the row's limit the way that loosens it: a cap
            # up, a floor down; an equality either way (two slacks).
            slack = prob.add_column(f"e{n}", 0.0, None)
            model.elastic[row.key] = slack
            pairs.append((slack, 1.0 if row.sense is Sense.GE else -1.0))
            if row.sense is Sense.EQ:
                down = prob.add_column(f"g{n}", 0.0, None)
                model.elastic_down[row.key] = down
                pairs.append((down, 1.0))
        model.rows.append(row)
        model.constraints.append(prob.add_row(f"r{n}", pairs, row.sense, row.rhs / scale))


def add_impact_objective(
    model: LpModel, plan: Plan, points: Sequence[Sequence[float]] | None, *, fineness: int = 1
) -> None:
    """Maximise ``sum_i impact_i(x_i)``.

    Linear lines contribute ``w_i x_i``. Diminishing lines contribute the
    chords of ``w h ln(1 + x/h)`` between their breakpoints through segment
    variables ``s_ik`` in ``[0, p_k+1 - p_k]``, linked by
    ``x_i - sum_k s_ik = lo_i``; the chord slopes fall, so the LP fills
    segments in order. Built for all lines at once with array arithmetic.
    """
    prob, scale = model.prob, model.scale
    lines = plan.lines
    n = len(lines)
    halves = np.asarray(half_returns(plan), dtype=float)
    weights = np.fromiter((line.weight for line in lines), dtype=float, count=n)
    lo = np.fromiter((b.lo for b in model.bounds), dtype=float, count=n)
    hi = np.asarray(model.upper, dtype=float)
    curved = np.fromiter((line.curve is not Curve.LINEAR for line in lines), dtype=bool, count=n) & (
        weights != 0
    )
    # Linear lines: the weight is the cost of the line's own column.
    cost = np.zeros(n)
    cost[~curved] = weights[~curved]
    model.objective_constant = float(
        np.sum(weights[curved] * halves[curved] * np.log1p(lo[curved] / halves[curved]))
    )

    if points is None:
        owner, p0, p1 = _grid_segments(np.flatnonzero(curved & (hi > lo)), lo, hi, halves, fineness)
    else:
        owner, p0, p1 = _given_segments(np.flatnonzero(curved), points)
    model.segments = (owner, p0, p1)
    h, w = halves[owner], weights[owner]
    width = p1 - p0
    gain = w * h * (np.log1p(p1 / h) - np.log1p(p0 / h))
    slope = np.where(width > 0, gain / np.where(width > 0, width, 1.0), w / (1.0 + p0 / h))

    # Divide the objective by the largest weight so that the solver's
    # tolerances see coefficients near 1 whatever units the weights use.
    largest = float(np.max(np.abs(weights))) if n else 0.0
    model.objective_scale = largest if largest > 0 else 1.0
    for i in np.flatnonzero(cost):
        prob.cost[model.x[i]] = float(cost[i]) / model.objective_scale
    segments = prob.add_columns(
        [f"s{j}" for j in range(len(owner))],
        np.zeros(len(owner)),
        width / scale,
        slope / model.objective_scale,
    )

    # Link rows, one per line with segments: x_i (coefficient 1), then its segments (-1).
    if not len(owner):
        return
    linked, counts = np.unique(owner, return_counts=True)
    lengths = counts + 1
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    index = np.empty(int(lengths.sum()), dtype=np.int64)
    value = np.full(len(index), -1.0)
    heads = np.zeros(len(index), dtype=bool)
    heads[starts] = True
    x = np.asarray(model.x, dtype=np.int64)
    index[heads] = x[linked]
    value[heads] = 1.0
    index[~heads] = segments  # segments are grouped by line, in order
    names = [f"d{i}" for i in linked.tolist()]
    prob.add_rows(names, lengths, index, value, sense=Sense.EQ, rhs=lo[linked] / scale)


def _grid_segments(
    lines: npt.NDArray[np.int64],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    h: npt.NDArray[np.float64],
    fineness: int = 1,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Segments with breakpoints evenly spaced in ``ln(1 + x/h)``, ``DU / fineness`` apart."""
    ua = np.log1p(lo[lines] / h[lines])
    ub = np.log1p(hi[lines] / h[lines])
    du = DU / fineness
    count = np.clip(np.ceil((ub - ua) / du - 1e-9), 1, MAX_SEGMENTS * fineness).astype(np.int64)
    owner_pos = np.repeat(np.arange(len(lines)), count)
    k = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    step = ((ub - ua) / count)[owner_pos]
    owner = lines[owner_pos]
    p0 = h[owner] * np.expm1(ua[owner_pos] + step * k)
    p1 = h[owner] * np.expm1(ua[owner_pos] + step * (k + 1))
    # Exact ends, free of rounding.
    first, last = k == 0, k == count[owner_pos] - 1
    p0[first] = lo[owner[first]]
    p1[last] = hi[owner[last]]
    return owner, p0, p1


def _given_segments(
    lines: npt.NDArray[np.int64], points: Sequence[Sequence[float]]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    owners: list[int] = []
    p0: list[float] = []
    p1: list[float] = []
    for i in lines.tolist():
        pts = points[i]
        owners.extend([i] * (len(pts) - 1))
        p0.extend(pts[:-1])
        p1.extend(pts[1:])
    return np.asarray(owners, dtype=np.int64), np.asarray(p0, dtype=float), np.asarray(p1, dtype=float)


def add_min_change_objective(model: LpModel, plan: Plan) -> None:
    """Minimise ``sum_i v_i |x_i - c_i|`` through ``x_i - p_i + m_i = c_i``.

    ``v_i = 1``, or ``1 / c_i`` (mean current for lines at zero) when the
    policy asks for relative change.

    As with the impact objective, the LP's objective is the true one divided
    by ``objective_scale * scale`` (money moved in units of the scale): the LP
    weights are ``v_i * scale / objective_scale`` on change variables already
    divided by the scale. Absolute change needs ``objective_scale = 1``;
    relative change, whose weights ``scale / c_i`` sit near 1, takes
    ``objective_scale = 1 / scale``, so that duals times ``objective_scale``
    are the change saved per currency unit of a rule.
    """
    prob, scale = model.prob, model.scale
    model.objective_scale = 1.0 / scale if plan.policy.relative_change else 1.0
    positive = [line.current for line in plan.lines if line.current > 0]
    mean = (math.fsum(positive) / len(positive)) if positive else 1.0
    for i, line in enumerate(plan.lines):
        weight = 1.0
        if plan.policy.relative_change:
            weight = scale / (line.current if line.current > 0 else mean)
        up = prob.add_column(f"p{i}", 0.0, None, weight)
        down = prob.add_column(f"m{i}", 0.0, None, weight)
        prob.add_row(f"c{i}", ((model.x[i], 1.0), (up, -1.0), (down, 1.0)), Sense.EQ, line.current / scale)


def build_problem(
    plan: Plan,
    *,
    objective: Objective | None = None,
    points: Sequence[Sequence[float]] | None = None,
    rows: Sequence[Row] | None = None,
    fineness: int = 1,
) -> LpModel:
    """The LP of a plan: line variables, coupling rules, and the objective.

    ``fineness`` divides the breakpoint spacing of the curves (for a model
    solved once without refinement).
    """
    objective = objective or plan.policy.objective
    model = build_rules(plan, maximise=objective is Objective.MAX_IMPACT, rows=rows)
    if objective is Objective.MAX_IMPACT:
        add_impact_objective(model, plan, points, fineness=fineness)
    else:
        add_min_change_objective(model, plan)
    return model


def build_rules(plan: Plan, *, maximise: bool = False, rows: Sequence[Row] | None = None) -> LpModel:
    """The plan's rules alone: line variables within their bounds and the coupling rows, no objective."""
    prob = LinearProgram("fulcrum", maximise=maximise)
    bounds = line_bounds(plan)
    upper = upper_limits(plan, bounds)
    scale = _scale(plan)
    model = LpModel(prob, scale, add_line_variables(prob, bounds, upper, scale), [], [], bounds, upper)
    add_coupling_constraints(model, coupling_rows(plan) if rows is None else rows)
    return model


def build_elastic_problem(plan: Plan, elastic: Collection[RuleKey]) -> LpModel:
    """The plan's rules with the rows named in ``elastic`` allowed to give.

    When a line floor is among them, every line floor becomes a row
    (``x_i + e_i >= l_i`` for those relaxed) and the line variables keep only
    the bounds from change limits and locks. Minimises the total relaxation
    in money: the smallest change to the rules that makes the plan feasible.
    """
    prob = LinearProgram("fulcrum_elastic", maximise=False)
    bounds = line_bounds(plan)
    scale = _scale(plan)
    upper = [b.hi if b.hi is not None else math.inf for b in bounds]
    line_rows = bound_rows(plan)
    floors_elastic = any(row.key in elastic for row in line_rows)
    x = add_line_variables(prob, bounds, upper, scale, floors_elastic=floors_elastic)
    model = LpModel(prob, scale, x, [], [], bounds, upper)
    rows = [*coupling_rows(plan), *(line_rows if floors_elastic else ())]
    add_coupling_constraints(model, rows, elastic=elastic)
    for j in (*model.elastic.values(), *model.elastic_down.values()):
        prob.cost[j] = 1.0
    return model
