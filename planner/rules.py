"""The plan's rules as plain data: per-line bounds and the coupling rows.

Nothing here knows about the solver. Each rule family builds its rows in
:mod:`planner.families`; :mod:`planner.model` turns bounds and rows into LP
variables and constraints; :mod:`planner.explain` relaxes them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from models.domain import Plan, function_key
from models.rules import Family, RuleKey

__all__ = ["LineBounds", "Row", "Sense", "line_bounds"]


class Sense(StrEnum):
    LE = "<="
    GE = ">="
    EQ = "="


@dataclass(frozen=True, slots=True)
class LineBounds:
    """Least and most a line may receive, and which rule sets each."""

    lo: float
    hi: float | None
    lo_source: str  # "floor", "change limit", "locked" or "" (zero)
    hi_source: str  # "cap", "change limit", "locked" or "" (none)
    floor: float  # the line's own floor
    lo_without_floor: float


@dataclass(frozen=True, slots=True)
class Row:
    """A rule over several lines: ``sum(coef * x) <sense> rhs`` (money)."""

    key: RuleKey
    description: str
    sense: Sense
    rhs: float
    coefs: tuple[tuple[int, float], ...]
    #: How far the limit moves per unit of budget: 1 for the budget, the share for a rule
    #: stated as a % of the budget, else 0.
    per_budget: float = 0.0

    @property
    def family(self) -> Family:
        return self.key.family

    @property
    def subject(self) -> str:
        """The function (or line) the rule is about; empty for plan-wide rules."""
        return self.key.subject

    def activity(self, x: list[float]) -> float:
        return math.fsum(c * x[i] for i, c in self.coefs)

    def slack(self, x: list[float]) -> float:
        """How far the row is from binding (>= 0 when it holds)."""
        value = self.activity(x)
        if self.sense is Sense.LE:
            return self.rhs - value
        if self.sense is Sense.GE:
            return value - self.rhs
        return -abs(value - self.rhs)


def line_bounds(plan: Plan) -> list[LineBounds]:
    """Each line's bounds (see :func:`_line_bounds`), computed once per plan."""
    return plan.derived("line_bounds", _line_bounds)


def _line_bounds(plan: Plan) -> list[LineBounds]:
    """Bounds of each line from its floor, cap, lock and change limit.

    ``l_i <= x_i <= u_i``; a locked line has ``x_i = c_i``; a change limit
    ``d`` (the line's own, else the policy's) gives
    ``(1 - d) c_i <= x_i <= (1 + d) c_i`` on lines with ``c_i > 0``.
    """
    result: list[LineBounds] = []
    global_change = plan.policy.max_change
    for line in plan.lines:
        lo, lo_source = line.floor, "floor" if line.floor > 0 else ""
        lo_plain = 0.0
        hi, hi_source = line.cap, "cap" if line.cap is not None else ""
        change = line.max_change if line.max_change is not None else global_change
        if change is not None and line.current > 0:
            low = max(0.0, (1 - change) * line.current)
            high = (1 + change) * line.current
            lo_plain = low
            if low > lo:
                lo, lo_source = low, "change limit"
            if hi is None or high < hi:
                hi, hi_source = high, "change limit"
        if line.locked:
            lo_plain = line.current
            lo, lo_source = max(lo, line.current), "locked"
            if line.floor > line.current:
                lo, lo_source = line.floor, "floor"
            hi, hi_source = line.current, "locked"
        result.append(LineBounds(lo, hi, lo_source, hi_source, line.floor, lo_plain))
    return result


def function_indices(plan: Plan) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for i, line in enumerate(plan.lines):
        groups.setdefault(function_key(line.function), []).append(i)
    return groups
