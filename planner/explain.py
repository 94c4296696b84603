"""Why a plan is infeasible, and the smallest changes that fix it.

Found by elastic relaxation: each relaxable rule (the budget, function
floors and caps, share bounds, ratio rules, line floors) gets a slack
variable and the LP minimises the total slack in money. Each rule is also
relaxed on its own (line floors all together), which gives the alternatives
a finance lead can choose from: "raise the budget by 0.2M or lower the IT
floor by 0.2M". What a relaxation means in words, and how a chosen fix
changes the plan, belong to each rule family (:mod:`planner.families`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import partial

from models.domain import Plan
from models.formats import money
from models.result import Explanation, Fix, Status
from models.rules import Family, RuleKey
from planner.families import FAMILIES, LINE_FLOORS, Relaxation, Relaxed
from planner.model import LpModel, bound_rows, build_elastic_problem, coupling_rows
from planner.rules import Row, Sense, line_bounds
from planner.solvers import Cancelled, SolverName, run

__all__ = ["apply_fix", "explain_infeasible", "line_conflicts", "relaxable_rows"]

#: Amounts as the explanation's sentences say them.
_amount = partial(money, short=True)


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
            fixes.append(LINE_FLOORS.conflict_fix(line, b.hi))
    if not sentences:
        return None
    text = "; ".join(sentences) + "."
    if fixes:
        text += " Fix: " + "; ".join(f.text for f in fixes) + "."
    return Explanation(text, tuple(fixes))


def relaxable_rows(plan: Plan) -> list[Row]:
    """The rows that may give to explain an infeasible plan: the coupling rules, then the line floors."""
    rows = [*coupling_rows(plan), *bound_rows(plan)]
    return [row for row in rows if FAMILIES[row.family].relaxation is not Relaxation.NEVER]


def _groups(rows: Sequence[Row]) -> list[list[Row]]:
    """The rows relaxed at once: each row alone, or all of a family relaxed together."""
    groups: list[list[Row]] = []
    together: dict[Family, list[Row]] = {}
    for row in rows:
        if FAMILIES[row.family].relaxation is Relaxation.TOGETHER:
            if row.family not in together:
                together[row.family] = []
                groups.append(together[row.family])
            together[row.family].append(row)
        else:
            groups.append([row])
    return groups


def _elastic_value(model: LpModel, column: int | None) -> float:
    return 0.0 if column is None else max(float(model.prob.col_value[column]), 0.0) * model.scale


def _relaxation(model: LpModel, row: Row) -> float:
    """How far the relaxation moved the row's limit (for an equality: up, or down if negative)."""
    up = _elastic_value(model, model.elastic.get(row.key))
    if row.sense is not Sense.EQ:
        return up
    return up - _elastic_value(model, model.elastic_down.get(row.key))


def _fixes(plan: Plan, model: LpModel, groups: Sequence[Sequence[Row]]) -> list[Fix]:
    """The fix each group of rows calls for in a solved relaxation, in order."""
    tolerance = 1e-7 * max(model.scale, 1.0)
    x = [value * model.scale for value in model.prob.column_values(model.x)]
    fixes: list[Fix] = []
    for group in groups:
        moved = [Relaxed(row, amount) for row in group if abs(amount := _relaxation(model, row)) > tolerance]
        if moved:
            fix = FAMILIES[group[0].family].fix(plan, moved, x)
            if fix is not None:
                fixes.append(fix)
    return fixes


def _relax(
    plan: Plan, elastic: Collection[RuleKey], solver: SolverName, cancelled: Cancelled | None
) -> LpModel | None:
    model = build_elastic_problem(plan, elastic)
    outcome = run(model.prob, solver, 60.0, cancelled=cancelled)
    return model if outcome.status is Status.OPTIMAL else None


def explain_infeasible(
    plan: Plan, *, solver: SolverName = SolverName.HIGHS, cancelled: Cancelled | None = None
) -> Explanation:
    """The smallest rule changes that make ``plan`` feasible, in words.

    Once ``cancelled()`` is true every remaining relaxation returns at once;
    the caller drops what is returned.
    """
    conflict = line_conflicts(plan)
    if conflict is not None:
        return conflict
    rows = relaxable_rows(plan)
    groups = _groups(rows)
    fixes: list[Fix] = []
    for group in groups:
        model = _relax(plan, {row.key for row in group}, solver, cancelled)
        if model is not None:
            fixes.extend(_fixes(plan, model, [group]))
    headlines = (FAMILIES[fix.family].headline(fix) for fix in fixes)
    opening = next((h for h in headlines if h is not None), "The plan's rules cannot all hold together")
    if fixes:
        return Explanation(f"{opening}: " + " or ".join(f.text for f in fixes) + ".", tuple(fixes))
    model = _relax(plan, {row.key for row in rows}, solver, cancelled)
    together = _fixes(plan, model, groups) if model is not None else []
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
    return FAMILIES[fix.family].apply(plan, fix)
