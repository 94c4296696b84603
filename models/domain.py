"""The plan: lines, function rules, policy, and the checks that keep them sound.

Everything here is immutable. A plan is built once (by the importer, or by an
edit that produces a new plan) and validated in one place, :func:`validate`,
which returns every problem at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import partial
from typing import TypeVar

from models.formats import money
from models.functions import Kind, default_kind, function_key, normalise_name
from models.issues import Issue

_T = TypeVar("_T")

__all__ = [
    "Basis",
    "Bound",
    "Curve",
    "FunctionRule",
    "Kind",
    "Line",
    "Objective",
    "Plan",
    "Policy",
    "RatioRule",
    "default_kind",
    "function_key",
    "normalise_name",
    "validate",
]

#: Amounts as validation messages quote them: exact to the cent.
_exact = partial(money, decimals=2, trim=True)


class Curve(StrEnum):
    DIMINISHING = "diminishing"
    LINEAR = "linear"


class Objective(StrEnum):
    MAX_IMPACT = "max-impact"
    MIN_CHANGE = "min-change"


class Basis(StrEnum):
    """What a function floor or cap is measured against."""

    AMOUNT = "amount"
    BUDGET = "% of budget"
    CURRENT = "% of current"


@dataclass(frozen=True, slots=True)
class Bound:
    """A function floor or cap: an amount, or a fraction of the budget or of current spend."""

    value: float
    basis: Basis = Basis.AMOUNT

    def resolve(self, budget: float, current_total: float) -> float:
        """The bound in money for a plan with this budget and function current total."""
        if self.basis is Basis.AMOUNT:
            return self.value
        if self.basis is Basis.BUDGET:
            return self.value * budget
        return self.value * current_total

    def describe(self) -> str:
        if self.basis is Basis.AMOUNT:
            return money(self.value)
        pct = f"{self.value * 100:g}%"
        return pct if self.basis is Basis.BUDGET else f"{pct} of current"


@dataclass(frozen=True, slots=True)
class Line:
    """One row of the budget."""

    name: str
    function: str
    kind: Kind
    current: float
    floor: float = 0.0
    cap: float | None = None
    weight: float = 1.0
    curve: Curve = Curve.DIMINISHING
    half_return: float | None = None
    locked: bool = False
    max_change: float | None = None
    #: Excel row the line came from, for messages; not part of the plan's identity.
    source_row: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class FunctionRule:
    """Kind, floor and cap of one function, as set in the Functions sheet or the window."""

    function: str
    kind: Kind | None = None
    floor: Bound | None = None
    cap: Bound | None = None
    source_row: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class RatioRule:
    """``sum(left) >= factor * sum(right)``, both sides functions."""

    left: str
    factor: float
    right: str
    source_row: int | None = field(default=None, compare=False)

    def describe(self) -> str:
        return f"{self.left} >= {self.factor:g} x {self.right}"


@dataclass(frozen=True, slots=True)
class Checks:
    """Thresholds of the balance check, each a warning the plan can trip."""

    #: An internal function cut by more than this fraction of its current spend.
    internal_cut: float = 0.15
    #: The internal share of the money allocated below this.
    internal_share: float = 0.2
    #: Acquisition getting more than this multiple of what goes to existing customers.
    acquisition_multiple: float = 2.0
    #: One line taking more than this fraction of the budget.
    line_share: float = 0.2
    #: The largest tenth of the lines taking more than this fraction of the money while most others are cut.
    concentration: float = 0.5


@dataclass(frozen=True, slots=True)
class Policy:
    """The rules of one plan."""

    total_budget: float | None = None
    spend_whole_budget: bool = False
    internal_share_min: float | None = None
    internal_share_max: float | None = None
    max_change: float | None = None
    objective: Objective = Objective.MAX_IMPACT
    relative_change: bool = False
    functions: tuple[FunctionRule, ...] = ()
    ratios: tuple[RatioRule, ...] = ()
    #: Balance-check thresholds (see :mod:`models.insight`).
    checks: Checks = field(default_factory=Checks)


@dataclass(frozen=True, slots=True)
class Plan:
    """Lines and policy: everything a solve needs."""

    lines: tuple[Line, ...]
    policy: Policy = Policy()
    name: str = "Plan"
    #: Figures derived from the lines, computed once per plan (never copied by ``replace``).
    _memo: dict[str, object] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    @property
    def current_total(self) -> float:
        return math.fsum(line.current for line in self.lines)

    @property
    def budget(self) -> float:
        """The total budget: the policy's, or today's total spend."""
        budget = self.policy.total_budget
        return self.current_total if budget is None else budget

    def derived(self, key: str, compute: Callable[[Plan], _T]) -> _T:
        """A figure computed from this plan once and kept with it (a plan never changes).

        ``compute`` must not depend on anything but the plan; callers must not
        change what it returns.
        """
        if key not in self._memo:
            self._memo[key] = compute(self)
        return self._memo[key]  # type: ignore[return-value]

    def functions(self) -> list[str]:
        """Function names in order of first appearance."""
        names = self._memo.get("functions")
        if not isinstance(names, tuple):
            seen: dict[str, str] = {}
            for line in self.lines:
                seen.setdefault(function_key(line.function), line.function)
            names = self._memo["functions"] = tuple(seen.values())
        return [str(name) for name in names]

    def function_current(self) -> dict[str, float]:
        """Current spend per function, by normalised function name."""
        memo = self._memo.get("function_current")
        totals: dict[str, float] = memo if isinstance(memo, dict) else {}
        if not isinstance(memo, dict):
            for line in self.lines:
                key = function_key(line.function)
                totals[key] = totals.get(key, 0.0) + line.current
            self._memo["function_current"] = totals
        return dict(totals)

    def function_rule(self, function: str) -> FunctionRule | None:
        key = function_key(function)
        for rule in self.policy.functions:
            if function_key(rule.function) == key:
                return rule
        return None

    def with_policy(self, **changes: object) -> Plan:
        return replace(self, policy=replace(self.policy, **changes))  # type: ignore[arg-type]

    def scaled(self, factor: float) -> Plan:
        """The same plan with every amount multiplied by ``factor`` (shares unchanged)."""

        def scale_bound(bound: Bound | None) -> Bound | None:
            if bound is None or bound.basis is not Basis.AMOUNT:
                return bound
            return Bound(bound.value * factor, bound.basis)

        lines = tuple(
            replace(
                line,
                current=line.current * factor,
                floor=line.floor * factor,
                cap=None if line.cap is None else line.cap * factor,
                half_return=None if line.half_return is None else line.half_return * factor,
            )
            for line in self.lines
        )
        rules = tuple(
            replace(rule, floor=scale_bound(rule.floor), cap=scale_bound(rule.cap))
            for rule in self.policy.functions
        )
        budget = self.policy.total_budget
        policy = replace(
            self.policy,
            total_budget=None if budget is None else budget * factor,
            functions=rules,
        )
        return replace(self, lines=lines, policy=policy)


def _line_issues(lines: Iterable[Line], columns: Mapping[str, str]) -> list[Issue]:
    issues: list[Issue] = []
    seen: dict[str, Line] = {}

    def issue(line: Line, column: str, message: str) -> None:
        issues.append(Issue("Budget", line.source_row, columns.get(column), message))

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
        for column, label, value in (
            ("current", "Current spend", line.current),
            ("floor", "Floor", line.floor),
            ("cap", "Cap", line.cap),
            ("weight", "Weight", line.weight),
        ):
            if value is None:
                continue
            if not math.isfinite(value):
                issue(line, column, f"{label} of {line.name!r} is not a finite number")
            elif value < 0:
                issue(
                    line,
                    column,
                    f"{label} {_exact(value)} of {line.name!r} is negative",
                )
        if line.half_return is not None and not line.half_return > 0:
            issue(
                line,
                "half_return",
                f"Half-return spend {_exact(line.half_return)} of {line.name!r} must be above 0",
            )
        if line.cap is not None and line.floor > line.cap:
            issue(
                line,
                "floor",
                f"Floor {_exact(line.floor)} of {line.name!r} is above its cap {_exact(line.cap)}",
            )
        if line.max_change is not None and not line.max_change >= 0:
            issue(line, "max_change", f"Max change of {line.name!r} must not be negative")
    return issues


def _share_issue(value: float | None, label: str) -> list[Issue]:
    if value is None:
        return []
    if not 0 <= value <= 1:
        return [Issue("Policy", None, None, f"{label} {value * 100:g}% must be between 0% and 100%")]
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
        issues.append(Issue("Budget", None, None, "The plan has no lines"))
    policy = plan.policy
    if policy.total_budget is not None and not (
        math.isfinite(policy.total_budget) and policy.total_budget >= 0
    ):
        issues.append(
            Issue(
                "Policy",
                None,
                None,
                f"Total budget {_exact(policy.total_budget)} is negative",
            )
        )
    if policy.max_change is not None and policy.max_change < 0:
        issues.append(Issue("Policy", None, None, "Max change must not be negative"))
    issues += _share_issue(policy.internal_share_min, "Internal share min")
    issues += _share_issue(policy.internal_share_max, "Internal share max")
    smin, smax = policy.internal_share_min, policy.internal_share_max
    if smin is not None and smax is not None and smin > smax:
        issues.append(
            Issue(
                "Policy",
                None,
                None,
                f"Internal share min {smin * 100:g}% is above internal share max {smax * 100:g}%",
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
                    "Budget",
                    line.source_row,
                    None,
                    f"Function {line.function!r} is {line.kind} on line {line.name!r} "
                    f"but {other.kind} on line {other.name!r}; a function has one kind",
                )
            )
        kinds.setdefault(key, (line.kind, line))
    budget = plan.budget
    current = plan.function_current()
    seen: set[str] = set()
    for rule in plan.policy.functions:
        key = function_key(rule.function)
        where = ("Functions", rule.source_row, None)
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
                "Policy",
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
                    "Policy",
                    ratio.source_row,
                    None,
                    f"Ratio rule {ratio.describe()!r} has a negative factor",
                )
            )
    return issues
