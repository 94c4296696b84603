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

from models.domain import Basis, Curve, Kind, Objective, Plan, normalise_name
from planner.curves import breakpoints, diminishing
from planner.lp import LinearProgram
from planner.rules import LineBounds, Row, Sense, function_indices, line_bounds, money

__all__ = [
    "DU",
    "MAX_SEGMENTS",
    "LpModel",
    "build_problem",
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
    points: list[list[float]] = field(default_factory=list)
    elastic: dict[str, int] = field(default_factory=dict)
    line_elastic: dict[int, int] = field(default_factory=dict)
    objective_constant: float = 0.0
    objective_scale: float = 1.0


def half_returns(plan: Plan) -> list[float]:
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
    """Every rule over several lines, as rows in money."""
    rows: list[Row] = []
    for family in (_budget_rows, _function_rows, _share_rows, _ratio_rows):
        rows.extend(family(plan))
    return rows


def _budget_rows(plan: Plan) -> list[Row]:
    """``sum_i x_i <= B``, or ``= B`` when the whole budget must be spent."""
    sense = Sense.EQ if plan.policy.spend_whole_budget else Sense.LE
    coefs = tuple((i, 1.0) for i in range(len(plan.lines)))
    text = f"Spend {'exactly' if sense is Sense.EQ else 'at most'} the budget of {money(plan.budget)}"
    return [Row("budget", "budget", text, sense, plan.budget, coefs)]


def _function_rows(plan: Plan) -> list[Row]:
    """``sum_{f(i)=F} x_i >= L_F`` and ``<= U_F``.

    ``L_F`` and ``U_F`` are amounts, a share of the budget ``B``, or a share
    of the function's current total.
    """
    rows: list[Row] = []
    groups = function_indices(plan)
    current = plan.function_current()
    for rule in plan.policy.functions:
        key = normalise_name(rule.function)
        members = groups.get(key)
        if not members:
            continue
        name = plan.lines[members[0]].function
        coefs = tuple((i, 1.0) for i in members)
        for family, bound, sense, word in (
            ("function-floor", rule.floor, Sense.GE, "floor"),
            ("function-cap", rule.cap, Sense.LE, "cap"),
        ):
            if bound is None:
                continue
            amount = bound.resolve(plan.budget, current.get(key, 0.0))
            detail = "" if bound.basis is Basis.AMOUNT else f" ({bound.describe()})"
            text = f"{name} {word} of {money(amount)}{detail}"
            rows.append(Row(f"{family}:{name}", family, text, sense, amount, coefs, subject=name))
    return rows


def _share_rows(plan: Plan) -> list[Row]:
    """``sum_{internal} x_i >= s_min * sum_i x_i`` and ``<= s_max * sum_i x_i``.

    Written as ``sum_i (delta_i - s) x_i >= 0`` with ``delta_i = 1`` on
    internal lines.
    """
    rows: list[Row] = []
    policy = plan.policy
    for family, share, sense, word in (
        ("share-min", policy.internal_share_min, Sense.GE, "at least"),
        ("share-max", policy.internal_share_max, Sense.LE, "at most"),
    ):
        if share is None:
            continue
        coefs = tuple(
            (i, (1.0 if line.kind is Kind.INTERNAL else 0.0) - share) for i, line in enumerate(plan.lines)
        )
        text = f"Internal functions get {word} {share * 100:g}% of the money allocated"
        rows.append(Row(family, family, text, sense, 0.0, coefs))
    return rows


def _ratio_rows(plan: Plan) -> list[Row]:
    """``sum_{f(i)=A} x_i >= r * sum_{f(i)=C} x_i``."""
    rows: list[Row] = []
    groups = function_indices(plan)
    for n, ratio in enumerate(plan.policy.ratios, start=1):
        left = groups.get(normalise_name(ratio.left), [])
        right = groups.get(normalise_name(ratio.right), [])
        coefs: dict[int, float] = {}
        for i in left:
            coefs[i] = coefs.get(i, 0.0) + 1.0
        for i in right:
            coefs[i] = coefs.get(i, 0.0) - ratio.factor
        text = f"{ratio.left} gets at least {ratio.factor:g} x {ratio.right}"
        rows.append(Row(f"ratio:{n}", "ratio", text, Sense.GE, 0.0, tuple(coefs.items())))
    return rows


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
    (see :func:`add_line_floor_rows`) and the variable keeps only the bound
    from the change limit or lock.
    """
    variables = []
    for i, b in enumerate(bounds):
        lo = b.lo_without_floor if floors_elastic else b.lo
        hi: float | None = upper[i] if math.isfinite(upper[i]) else None
        if floors_elastic:
            hi = None if b.hi is None else max(b.hi, lo)
        variables.append(prob.add_column(f"x{i}", lo / scale, None if hi is None else hi / scale))
    return variables


def add_coupling_constraints(model: LpModel, rows: Sequence[Row], *, elastic: Collection[str] = ()) -> None:
    """Each coupling row as a constraint; rows in ``elastic`` get a relaxation variable."""
    prob, x, scale = model.prob, model.x, model.scale
    for n, row in enumerate(rows):
        pairs = [(x[i], c) for i, c in row.coefs if c != 0.0]
        if row.rule_id in elastic:
            # The slack moves the row's limit the way that loosens it: a cap
            # up, a floor down; an equality either way (two slacks).
            slack = prob.add_column(f"e{n}", 0.0, None)
            model.elastic[row.rule_id] = slack
            pairs.append((slack, 1.0 if row.sense is Sense.GE else -1.0))
            if row.sense is Sense.EQ:
                down = prob.add_column(f"g{n}", 0.0, None)
                model.elastic[f"{row.rule_id}~down"] = down
                pairs.append((down, 1.0))
        model.rows.append(row)
        model.constraints.append(prob.add_row(f"r{n}", pairs, row.sense, row.rhs / scale))


def add_line_floor_rows(model: LpModel) -> None:
    """``x_i + e_i >= l_i`` for lines whose floor is above their other lower bounds."""
    for i, b in enumerate(model.bounds):
        if b.lo > b.lo_without_floor:
            slack = model.prob.add_column(f"f{i}", 0.0, None)
            model.line_elastic[i] = slack
            model.prob.add_row(f"lf{i}", ((model.x[i], 1.0), (slack, 1.0)), Sense.GE, b.lo / model.scale)


def add_impact_objective(model: LpModel, plan: Plan, points: Sequence[Sequence[float]] | None) -> None:
    """Maximise ``sum_i impact_i(x_i)``.

    Linear lines contribute ``w_i x_i``. Diminishing lines contribute the
    chords of ``w h ln(1 + x/h)`` between their breakpoints through segment
    variables; the chord slopes fall, so the LP fills segments in order.
    """
    prob, scale = model.prob, model.scale
    halves = half_returns(plan)
    terms: list[tuple[int, float]] = []
    constant = 0.0
    model.points = []
    for i, line in enumerate(plan.lines):
        lo, hi = model.bounds[i].lo, model.upper[i]
        if line.curve is Curve.LINEAR or line.weight == 0.0:
            if line.weight:
                terms.append((model.x[i], line.weight))
            model.points.append([lo, hi])
            continue
        h = halves[i]
        pts = list(points[i]) if points is not None else breakpoints(lo, hi, h, DU, MAX_SEGMENTS)
        model.points.append(pts)
        constant += diminishing(lo, line.weight, h)
        if len(pts) < 2:
            continue
        link = [(model.x[i], 1.0)]
        values = [diminishing(p, line.weight, h) for p in pts]
        for k in range(len(pts) - 1):
            width = pts[k + 1] - pts[k]
            seg = prob.add_column(f"s{i}_{k}", 0.0, width / scale)
            terms.append((seg, (values[k + 1] - values[k]) / width))
            link.append((seg, -1.0))
        prob.add_row(f"d{i}", link, Sense.EQ, lo / scale)
    model.objective_constant = constant
    # Divide the objective by the largest weight so that the solver's
    # tolerances see coefficients near 1 whatever units the weights use.
    largest = max((abs(line.weight) for line in plan.lines), default=0.0)
    model.objective_scale = largest if largest > 0 else 1.0
    for j, c in terms:
        prob.cost[j] = c / model.objective_scale


def add_min_change_objective(model: LpModel, plan: Plan) -> None:
    """Minimise ``sum_i v_i |x_i - c_i|`` through ``x_i - p_i + m_i = c_i``.

    ``v_i = 1``, or ``1 / c_i`` (mean current for lines at zero) when the
    policy asks for relative change.
    """
    prob, scale = model.prob, model.scale
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
) -> LpModel:
    """The LP of a plan: line variables, coupling rules, and the objective."""
    objective = objective or plan.policy.objective
    prob = LinearProgram("fulcrum", maximise=objective is Objective.MAX_IMPACT)
    bounds = line_bounds(plan)
    upper = upper_limits(plan, bounds)
    scale = _scale(plan)
    model = LpModel(prob, scale, add_line_variables(prob, bounds, upper, scale), [], [], bounds, upper)
    add_coupling_constraints(model, coupling_rows(plan) if rows is None else rows)
    if objective is Objective.MAX_IMPACT:
        add_impact_objective(model, plan, points)
    else:
        add_min_change_objective(model, plan)
    return model


def build_elastic_problem(plan: Plan, elastic: Collection[str], *, line_floors: bool) -> LpModel:
    """The plan's rules with ``elastic`` rows (and line floors) allowed to give.

    Minimises the total relaxation in money: the smallest change to the rules
    that makes the plan feasible.
    """
    prob = LinearProgram("fulcrum_elastic", maximise=False)
    bounds = line_bounds(plan)
    scale = _scale(plan)
    upper = [b.hi if b.hi is not None else math.inf for b in bounds]
    x = add_line_variables(prob, bounds, upper, scale, floors_elastic=line_floors)
    model = LpModel(prob, scale, x, [], [], bounds, upper)
    add_coupling_constraints(model, coupling_rows(plan), elastic=elastic)
    if line_floors:
        add_line_floor_rows(model)
    for j in (*model.elastic.values(), *model.line_elastic.values()):
        prob.cost[j] = 1.0
    return model
