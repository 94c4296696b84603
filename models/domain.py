"""The plan: lines, function rules, policy, and the checks that keep them sound.

Everything here is immutable. A plan is built once (by the importer, or by an
edit that produces a new plan) and validated in one place, :func:`validate`,
which returns every problem at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TypeVar

from models.formats import money, percent
from models.functions import Kind, default_kind, function_key, normalise_name

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
]


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
        """The bound as typed: ``1,200,000.5``, ``8%`` or ``95% of current``, exact (to 10 digits)."""
        if self.basis is Basis.AMOUNT:
            return money(self.value, 2, trim=True)
        share = percent(self.value, significant=10)
        return share if self.basis is Basis.BUDGET else f"{share} of current"


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
    #: The line's code in the ledger (cost centre or account number), if the workbook gives one.
    code: str | None = None
    #: The current spend over the year as read: twelve months or four quarters, adding up to
    #: ``current``; None for a line read without them (see :mod:`models.phasing`).
    phasing: tuple[float, ...] | None = None
    #: Excel row the line came from, for messages; not part of the plan's identity.
    source_row: int | None = field(default=None, compare=False)
    #: The sheet the line came from, in a workbook of several sheets of lines.
    source_sheet: str | None = field(default=None, compare=False)
    #: The workbook the line came from, in a plan read from several.
    source_file: str | None = field(default=None, compare=False)


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
                phasing=None if line.phasing is None else tuple(v * factor for v in line.phasing),
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
