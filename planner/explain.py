"""Why a plan is infeasible, and the smallest changes that fix it.

Found by elastic relaxation: each relaxable rule (the budget, function
floors and caps, share bounds, ratio rules, line floors) gets a slack
variable and the LP minimises the total slack in money. Each rule is also
relaxed on its own, which gives the alternatives a finance lead can choose
from: "raise the budget by 0.2M or lower the IT floor by 0.2M".
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import replace
from functools import partial

from models.domain import Basis, Bound, FunctionRule, Kind, Plan, normalise_name
from models.formats import money, percent
from models.result import Explanation, Fix, Status
from planner.model import LpModel, build_elastic_problem, coupling_rows
from planner.rules import Row, Sense, line_bounds
from planner.solvers import SolverName, run

__all__ = ["apply_fix", "explain_infeasible", "line_conflicts"]

#: Amounts and shares as the explanation's sentences say them.
_amount = partial(money, short=True)
_share = partial(percent, significant=4)


RELAXABLE = ("budget", "function-floor", "function-cap", "share-min", "share-max", "ratio")
_LINE_FLOORS = "line-floors"


def line_conflicts(plan: Plan) -> Explanation | None:
    """Lines whose own rules contradict each other (a floor above a change limit or lock)."""
    sentences: list[str] = []
    fixes: list[Fix] = []
    for line, b in zip(plan.lines, line_bounds(plan), strict=True):
        if b.hi is None or b.lo <= b.hi + 1e-9 * max(1.0, abs(b.hi)):
            continue
        what_hi = {
            "cap": "its cap",
            "change limit": "its change limit",
            "locked": "its lock at current spend",
        }
        sentences.append(
            f"Line {line.name!r} needs at least {_amount(b.lo)} ({b.lo_source}) but "
            f"{what_hi.get(b.hi_source, 'its limits')} allows at most {_amount(b.hi)}"
        )
        if b.lo_source == "floor":
            fixes.append(
                Fix(
                    _LINE_FLOORS,
                    "line-floor",
                    f"the floor of {line.name}",
                    line.floor,
                    b.hi,
                    f"lower the floor of {line.name} by {_amount(line.floor - b.hi)} (to {_amount(b.hi)})",
                    line_floors=((line.name, b.hi),),
                )
            )
    if not sentences:
        return None
    text = "; ".join(sentences) + "."
    if fixes:
        text += " Fix: " + "; ".join(f.text for f in fixes) + "."
    return Explanation(text, tuple(fixes))


def _relaxable_rows(rows: Sequence[Row]) -> list[Row]:
    return [row for row in rows if row.family in RELAXABLE]


def _elastic_value(model: LpModel, key: str) -> float:
    column = model.elastic.get(key)
    return 0.0 if column is None else max(float(model.prob.col_value[column]), 0.0) * model.scale


def _share_at(plan: Plan, x: Sequence[float]) -> float:
    total = math.fsum(x)
    internal = math.fsum(v for line, v in zip(plan.lines, x, strict=True) if line.kind is Kind.INTERNAL)
    return internal / total if total > 0 else 0.0


def _fix_for_row(plan: Plan, row: Row, model: LpModel) -> Fix | None:
    up = _elastic_value(model, row.rule_id)
    down = _elastic_value(model, f"{row.rule_id}~down")
    amount = up - down if row.sense is Sense.EQ else up
    tolerance = 1e-7 * max(model.scale, 1.0)
    if abs(amount) <= tolerance:
        return None
    x = [value * model.scale for value in model.prob.column_values(model.x)]
    if row.family == "budget":
        new = row.rhs + amount
        verb = "raise" if amount > 0 else "lower"
        return Fix(
            row.rule_id,
            row.family,
            "the budget",
            row.rhs,
            new,
            f"{verb} the budget by {_amount(abs(amount))} (to {_amount(new)})",
        )
    if row.family == "function-floor":
        new = max(row.rhs - amount, 0.0)
        return Fix(
            row.rule_id,
            row.family,
            f"the {row.subject} floor",
            row.rhs,
            new,
            f"lower the {row.subject} floor by {_amount(amount)} (to {_amount(new)})",
        )
    if row.family == "function-cap":
        new = row.rhs + amount
        return Fix(
            row.rule_id,
            row.family,
            f"the {row.subject} cap",
            row.rhs,
            new,
            f"raise the {row.subject} cap by {_amount(amount)} (to {_amount(new)})",
        )
    share = _share_at(plan, x)
    if row.family == "share-min":
        current = plan.policy.internal_share_min or 0.0
        share = math.floor(min(share, current) * 1e4) / 1e4
        return Fix(
            row.rule_id,
            row.family,
            "the internal share minimum",
            current,
            share,
            f"lower the internal share minimum from {_share(current)} to {_share(share)}",
        )
    if row.family == "share-max":
        current = plan.policy.internal_share_max or 1.0
        share = math.ceil(max(share, current) * 1e4) / 1e4
        return Fix(
            row.rule_id,
            row.family,
            "the internal share maximum",
            current,
            share,
            f"raise the internal share maximum from {_share(current)} to {_share(share)}",
        )
    if row.family == "ratio":
        number = int(row.rule_id.split(":")[1])
        ratio = plan.policy.ratios[number - 1]
        left = math.fsum(x[i] for i, c in row.coefs if c > 0)
        right = math.fsum(-c / ratio.factor * x[i] for i, c in row.coefs if c < 0) if ratio.factor else 0.0
        achieved = min(left / right, ratio.factor) if right > 0 else 0.0
        achieved = math.floor(achieved * 1e4) / 1e4
        return Fix(
            row.rule_id,
            row.family,
            f"the ratio rule {ratio.describe()}",
            ratio.factor,
            achieved,
            f"lower the ratio {ratio.left} >= {ratio.factor:g} x {ratio.right} to {achieved:g} x",
        )
    return None


def _line_floor_fix(plan: Plan, model: LpModel) -> Fix | None:
    changes: list[tuple[str, float, float]] = []
    for i, column in model.line_elastic.items():
        amount = max(float(model.prob.col_value[column]), 0.0) * model.scale
        if amount > 1e-7 * max(model.scale, 1.0):
            line = plan.lines[i]
            changes.append((line.name, amount, max(line.floor - amount, 0.0)))
    if not changes:
        return None
    changes.sort(key=lambda c: -c[1])
    total = math.fsum(c[1] for c in changes)
    named = ", ".join(f"{name} by {_amount(amount)}" for name, amount, _ in changes[:3])
    more = f" and {len(changes) - 3} more" if len(changes) > 3 else ""
    subject = "line floors" if len(changes) > 1 else f"the floor of {changes[0][0]}"
    text = (
        f"lower line floors by {_amount(total)} in all ({named}{more})"
        if len(changes) > 1
        else f"lower the floor of {changes[0][0]} by {_amount(total)} (to {_amount(changes[0][2])})"
    )
    return Fix(
        _LINE_FLOORS,
        "line-floor",
        subject,
        total,
        0.0,
        text,
        line_floors=tuple((name, new) for name, _, new in changes),
    )


def _relax(plan: Plan, elastic: Collection[str], line_floors: bool, solver: SolverName) -> LpModel | None:
    model = build_elastic_problem(plan, elastic, line_floors=line_floors)
    outcome = run(model.prob, solver, 60.0)
    return model if outcome.status is Status.OPTIMAL else None


def explain_infeasible(plan: Plan, *, solver: SolverName = SolverName.HIGHS) -> Explanation:
    """The smallest rule changes that make ``plan`` feasible, in words."""
    conflict = line_conflicts(plan)
    if conflict is not None:
        return conflict
    rows = _relaxable_rows(coupling_rows(plan))
    fixes: list[Fix] = []
    for row in rows:
        model = _relax(plan, {row.rule_id}, False, solver)
        if model is not None:
            fix = _fix_for_row(plan, row, model)
            if fix is not None:
                fixes.append(fix)
    has_line_floors = any(b.lo > b.lo_without_floor for b in line_bounds(plan))
    if has_line_floors:
        model = _relax(plan, (), True, solver)
        if model is not None:
            fix = _line_floor_fix(plan, model)
            if fix is not None:
                fixes.append(fix)
    budget_fix = next((f for f in fixes if f.family == "budget" and f.proposed > f.current), None)
    if budget_fix is not None:
        opening = (
            f"The rules need at least {_amount(budget_fix.proposed)} but the budget is "
            f"{_amount(budget_fix.current)}"
        )
    else:
        opening = "The plan's rules cannot all hold together"
    if fixes:
        return Explanation(f"{opening}: " + " or ".join(f.text for f in fixes) + ".", tuple(fixes))
    model = _relax(plan, {row.rule_id for row in rows}, has_line_floors, solver)
    together: list[Fix] = []
    if model is not None:
        together = [f for row in rows if (f := _fix_for_row(plan, row, model)) is not None]
        line_fix = _line_floor_fix(plan, model) if has_line_floors else None
        if line_fix is not None:
            together.append(line_fix)
    if together:
        return Explanation(
            f"{opening}, and no single change is enough. Together these make it feasible: "
            + "; ".join(f.text for f in together)
            + ".",
            tuple(together),
        )
    return Explanation(
        f"{opening}. The locked lines, caps and change limits contradict each other; "
        "unlock lines or widen the change limits."
    )


def apply_fix(plan: Plan, fix: Fix) -> Plan:
    """The plan with one suggested fix made: the rule it names set to the proposed value.

    A function floor or cap becomes an amount (the proposed figure is money);
    line floors are lowered line by line.
    """
    policy = plan.policy
    if fix.family == "budget":
        return plan.with_policy(total_budget=fix.proposed)
    if fix.family in ("function-floor", "function-cap"):
        function = fix.rule_id.split(":", 1)[1]
        key = normalise_name(function)
        bound = Bound(fix.proposed, Basis.AMOUNT)
        floor = fix.family == "function-floor"

        def fixed(rule: FunctionRule) -> FunctionRule:
            if normalise_name(rule.function) != key:
                return rule
            return replace(rule, floor=bound) if floor else replace(rule, cap=bound)

        rules = tuple(fixed(rule) for rule in policy.functions)
        return plan.with_policy(functions=rules)
    if fix.family == "share-min":
        return plan.with_policy(internal_share_min=fix.proposed)
    if fix.family == "share-max":
        return plan.with_policy(internal_share_max=fix.proposed)
    if fix.family == "ratio":
        number = int(fix.rule_id.split(":")[1])
        ratios = tuple(
            replace(ratio, factor=fix.proposed) if n == number else ratio
            for n, ratio in enumerate(policy.ratios, start=1)
        )
        return plan.with_policy(ratios=ratios)
    if fix.family == "line-floor":
        floors = dict(fix.line_floors)
        lines = tuple(
            replace(line, floor=floors[line.name]) if line.name in floors else line for line in plan.lines
        )
        return replace(plan, lines=lines)
    raise ValueError(f"unknown fix family {fix.family!r}")
