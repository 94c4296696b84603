"""Whether a plan is sound: every problem at once, each naming where it is.

A line's own values are checked against the bounds its fields have in the
schema (:data:`models.schema.LINE_FIELDS`), and its phasing against its current spend
(:func:`models.phasing.phasing_problem`); then the rules that join lines:
names used twice, a floor above a cap, a locked line whose cap is below its
current spend (the lock and the cap cannot both hold), one kind per function, function rules
and ratio rules that name functions the plan has, share bounds.

Limits of what is solved (the README states them): no amount of money (a
line's current spend, floor, cap or half-return, the total budget, a
function's floor or cap) above :data:`MAX_AMOUNT`, and a total budget at most
:data:`MAX_BUDGET_MULTIPLE` times the current spend. Beyond them the solver's
tolerances swallow the differences between lines and an allocation would be
reported as optimal when it is not. No name (of a line or a function) holds
a control character.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Final

from models.cells import unprintable
from models.domain import Basis, Bound, Kind, Line, Plan, Policy, function_key, normalise_name
from models.formats import money
from models.issues import Issue
from models.phasing import phasing_problem
from models.schema import (
    BUDGET_SHEET,
    FUNCTIONS_SHEET,
    LINE_FIELDS,
    NOT_FINITE,
    POLICY_SETTINGS,
    POLICY_SHEET,
    RANGES,
    Unit,
    setting,
)
from models.sheet_rows import TOTAL_HINT, total_label

__all__ = ["MAX_AMOUNT", "MAX_BUDGET_MULTIPLE", "validate"]

#: The largest amount of money solved: a thousand million million (10^15), whatever the currency.
MAX_AMOUNT: Final = 1e15
#: The most the total budget may be, as a multiple of the current spend (when there is any).
MAX_BUDGET_MULTIPLE: Final = 1e6

#: Amounts as validation messages quote them: exact to the cent.
_exact = partial(money, decimals=2, trim=True)
#: The fields whose values have bounds of their own.
_BOUNDED: Final = tuple((f, *RANGES[f.minimum]) for f in LINE_FIELDS if f.minimum is not None)
_BOUNDED_SETTINGS: Final = tuple(s for s in POLICY_SETTINGS if s.minimum is not None)
#: The line fields that are amounts of money.
_AMOUNTS: Final = tuple(f for f in LINE_FIELDS if f.unit is Unit.MONEY)


def _amount(value: float) -> str:
    """An amount as a message quotes it: to the cent, or in powers of ten when it is vast."""
    return _exact(value) if abs(value) < 1e18 else f"{value:.3g}"


def _too_large(value: float) -> str:
    return f"{_amount(value)} is above {_amount(MAX_AMOUNT)}, the largest amount Fulcrum solves"


def _sum(values: Sequence[float]) -> float | None:
    """The sum, or None when it is not a finite number."""
    try:
        total = math.fsum(values)
    except (OverflowError, ValueError):
        return None
    return total if math.isfinite(total) else None


def _line_issues(lines: Sequence[Line], columns: Mapping[str, str]) -> list[Issue]:
    issues: list[Issue] = []
    seen: dict[str, Line] = {}
    functions = {line.function for line in lines}

    def issue(line: Line, column: str, message: str) -> None:
        sheet = line.source_sheet or BUDGET_SHEET
        issues.append(Issue(sheet, line.source_row, columns.get(column), message, line.source_file))

    for line in lines:
        if not line.name.strip():
            issue(line, "name", "The line has no name")
        key = normalise_name(line.name)
        if key in seen:
            first = seen[key]
            where = f" on row {first.source_row}" if first.source_row else ""
            issue(
                line,
                "name",
                f"Line name {line.name.strip()!r} is used twice "
                f"(also as {first.name.strip()!r}{where}); names must be unique",
            )
        else:
            seen[key] = line
        if not line.function.strip():
            issue(line, "function", f"Line {line.name!r} has no function")
        for attr, label in (("name", "Line name"), ("function", "Function")):
            problem = unprintable(getattr(line, attr))
            if problem is not None:
                issue(line, attr, f"{label} {problem}")
        for spec in _AMOUNTS:
            value = getattr(line, spec.attr)
            if type(value) is float and MAX_AMOUNT < value < math.inf:
                issue(line, spec.attr, f"{spec.label} of {line.name!r}: {_too_large(value)}")
        if TOTAL_HINT.search(line.name) and total_label(line.name, functions) is not None:
            issue(
                line,
                "name",
                f"Line name {line.name.strip()!r} reads as a total row in a workbook (where it would be "
                "skipped): give the line another name",
            )
        for spec, least, most in _BOUNDED:
            value = getattr(line, spec.attr)
            if value is None or (type(value) is float and least <= value <= most):
                continue  # the common case, decided without a call
            problem = spec.problem(value)
            if problem is not None:
                shown = "" if problem == NOT_FINITE else f" {spec.edit_text(value)}"
                issue(line, spec.attr, f"{spec.label}{shown} of {line.name!r} {problem}")
        if line.phasing is not None:
            problem = phasing_problem(line.name, line.phasing, line.current)
            if problem is not None:
                issue(line, "current", problem)
        if line.cap is not None and line.floor > line.cap:
            issue(
                line,
                "floor",
                f"Floor {_exact(line.floor)} of {line.name!r} is above its cap {_exact(line.cap)}",
            )
        if line.locked and line.cap is not None and line.cap < line.current:
            issue(
                line,
                "cap",
                f"{line.name!r} is locked at its current spend {_exact(line.current)} but its cap is "
                f"{_exact(line.cap)}: raise the cap to at least {_exact(line.current)} or unlock the line",
            )
    return issues


def _setting_issues(policy: Policy) -> list[Issue]:
    """Each policy setting against the range it has in the schema."""
    issues: list[Issue] = []
    for spec in _BOUNDED_SETTINGS:
        value = spec.get(policy)
        problem = spec.problem(value)
        if problem is not None:
            shown = "" if problem == NOT_FINITE else f" {spec.edit_text(value)}"
            issues.append(Issue(POLICY_SHEET, None, None, f"{spec.label}{shown} {problem}"))
    return issues


def _budget_issues(plan: Plan) -> list[Issue]:
    """The total budget against the largest amount and against the current spend."""
    budget = plan.policy.total_budget
    if budget is None or not math.isfinite(budget) or budget < 0:
        return []
    label = setting("total_budget").label
    if budget > MAX_AMOUNT:
        return [Issue(POLICY_SHEET, None, None, f"{label}: {_too_large(budget)}")]
    current = _sum([line.current for line in plan.lines])
    if current is not None and current > 0 and budget > MAX_BUDGET_MULTIPLE * current:
        return [
            Issue(
                POLICY_SHEET,
                None,
                None,
                f"{label} {_amount(budget)} is more than {MAX_BUDGET_MULTIPLE:,.0f} times the current "
                f"spend ({_amount(current)}): an allocation that large cannot be solved reliably; "
                "check the budget's unit (thousands, millions)",
            )
        ]
    return []


def validate(plan: Plan, columns: Mapping[str, str] | None = None) -> list[Issue]:
    """Every problem with the plan, each naming where it is.

    ``columns`` maps field names (``"current"``, ``"floor"``...) to the Excel
    column letters of the Budget sheet, when the plan came from a workbook.
    A plan is checked once: whether it has problems does not depend on
    ``columns``, only where they are said to be.
    """
    if not columns:
        return list(plan.derived("issues", lambda p: tuple(_validate(p, {}))))
    issues = _validate(plan, columns)
    if not issues:
        plan.derived("issues", lambda _p: ())
    return issues


def _validate(plan: Plan, columns: Mapping[str, str]) -> list[Issue]:
    issues = _line_issues(plan.lines, columns)
    if not plan.lines:
        issues.append(Issue(BUDGET_SHEET, None, None, "The plan has no lines"))
    policy = plan.policy
    issues += _setting_issues(policy)
    issues += _budget_issues(plan)
    smin, smax = policy.internal_share_min, policy.internal_share_max
    if smin is not None and smax is not None and smin > smax:
        low, high = setting("internal_share_min"), setting("internal_share_max")
        issues.append(
            Issue(
                POLICY_SHEET,
                None,
                None,
                f"{low.label} {low.edit_text(smin)} is above {high.label.lower()} {high.edit_text(smax)}",
            )
        )
    issues += _function_issues(plan)
    return issues


def _function_issues(plan: Plan) -> list[Issue]:
    issues: list[Issue] = []
    known = {function_key(line.function) for line in plan.lines}
    kinds: dict[str, tuple[Kind, Line]] = {}
    for line in plan.lines:
        key = function_key(line.function)
        if key in kinds and kinds[key][0] is not line.kind:
            other = kinds[key][1]
            issues.append(
                Issue(
                    BUDGET_SHEET,
                    line.source_row,
                    None,
                    f"Function {line.function!r} is {line.kind} on line {line.name!r} "
                    f"but {other.kind} on line {other.name!r}; a function has one kind",
                )
            )
        kinds.setdefault(key, (line.kind, line))
    current_total = _sum([line.current for line in plan.lines])
    if current_total is None:  # an amount beyond the limit, said on its line
        return issues
    budget = plan.budget
    current = plan.function_current()
    seen: set[str] = set()
    for rule in plan.policy.functions:
        key = function_key(rule.function)
        where = (FUNCTIONS_SHEET, rule.source_row, None)
        if key in seen:
            issues.append(Issue(*where, f"Function {rule.function!r} is listed twice"))
        seen.add(key)
        if key not in known:
            issues.append(Issue(*where, f"Function {rule.function!r} has no lines in the Budget sheet"))
            continue
        for label, bound in (("floor", rule.floor), ("cap", rule.cap)):
            if bound is None:
                continue
            if not math.isfinite(bound.value) or bound.value < 0:
                issues.append(
                    Issue(*where, f"The {label} of {rule.function} ({bound.describe()}) is negative")
                )
            elif bound.basis is Basis.AMOUNT and bound.value > MAX_AMOUNT:
                issues.append(Issue(*where, f"The {label} of {rule.function}: {_too_large(bound.value)}"))
            elif bound.basis is Basis.BUDGET and bound.value > 1:
                issues.append(
                    Issue(
                        *where,
                        f"The {label} of {rule.function} is {bound.describe()} of the budget; "
                        "a share of the budget cannot be above 100%",
                    )
                )
        if rule.floor is not None and rule.cap is not None:
            floor = rule.floor.resolve(budget, current.get(key, 0.0))
            cap = rule.cap.resolve(budget, current.get(key, 0.0))
            if floor > cap + 1e-9 * max(1.0, abs(cap)):

                def shown(bound: Bound, amount: float) -> str:
                    text = bound.describe()
                    return text if bound.basis is Basis.AMOUNT else f"{text} = {_exact(amount)}"

                issues.append(
                    Issue(
                        *where,
                        f"The floor of {rule.function} ({shown(rule.floor, floor)}) "
                        f"is above its cap ({shown(rule.cap, cap)})",
                    )
                )
    for ratio in plan.policy.ratios:
        issues.extend(
            Issue(
                POLICY_SHEET,
                ratio.source_row,
                None,
                f"Ratio rule {ratio.describe()!r} names function {side!r}, which no line has",
            )
            for side in (ratio.left, ratio.right)
            if function_key(side) not in known
        )
        if not math.isfinite(ratio.factor) or ratio.factor < 0:
            issues.append(
                Issue(
                    POLICY_SHEET,
                    ratio.source_row,
                    None,
                    f"Ratio rule {ratio.describe()!r} has a negative factor",
                )
            )
    return issues
