"""What a solve returns: status, allocation, impacts, binding rules, explanation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from models.issues import Issue
from models.rules import Family, RuleKey

__all__ = [
    "Explanation",
    "Fix",
    "Impact",
    "Result",
    "RuleReport",
    "Status",
]


class Status(StrEnum):
    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    INVALID_INPUT = "invalid-input"
    TIME_LIMIT = "time-limit"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Impact:
    customer: float = 0.0
    internal: float = 0.0

    @property
    def total(self) -> float:
        return self.customer + self.internal

    def to_json(self) -> dict[str, float]:
        return {"customer": self.customer, "internal": self.internal, "total": self.total}


@dataclass(frozen=True, slots=True)
class RuleReport:
    """One rule of the plan after a solve.

    ``shadow_price`` is the impact gained per currency unit by which the rule
    is relaxed (the budget raised, a floor lowered, a cap raised); it is zero
    for a rule that does not bind. Under ``min-change`` it is the money moved
    saved per unit of relaxation.
    """

    key: RuleKey
    description: str
    activity: float
    limit: float
    slack: float
    shadow_price: float
    binding: bool

    @property
    def family(self) -> Family:
        return self.key.family


@dataclass(frozen=True, slots=True)
class Fix:
    """One change that alone makes an infeasible plan feasible."""

    key: RuleKey
    subject: str  # "the budget", "the IT floor", ...
    current: float
    proposed: float
    text: str  # "raise the budget by 200,000 (to 6,200,000)"
    #: For line floors: each line's name and its proposed floor.
    line_floors: tuple[tuple[str, float], ...] = ()

    @property
    def family(self) -> Family:
        return self.key.family


@dataclass(frozen=True, slots=True)
class Explanation:
    text: str
    fixes: tuple[Fix, ...] = ()


@dataclass(frozen=True, slots=True)
class Result:
    status: Status
    allocation: Mapping[str, float] = field(default_factory=dict)
    totals: Mapping[str, float] = field(default_factory=dict)  # by function
    kind_totals: Mapping[str, float] = field(default_factory=dict)
    impact: Impact = Impact()
    rules: tuple[RuleReport, ...] = ()
    line_binding: Mapping[str, str] = field(default_factory=dict)
    line_shadow: Mapping[str, float] = field(default_factory=dict)
    explanation: Explanation | None = None
    issues: tuple[Issue, ...] = ()
    message: str = ""
    solver: str = ""
    solve_seconds: float = 0.0
    #: Bound on how far the continuous impact may lie below the continuous optimum.
    optimality_gap: float = 0.0

    @property
    def is_optimal(self) -> bool:
        return self.status is Status.OPTIMAL

    @property
    def binding(self) -> tuple[RuleReport, ...]:
        return tuple(rule for rule in self.rules if rule.binding)

    @property
    def internal_share(self) -> float | None:
        total = sum(self.kind_totals.values())
        if total <= 0:
            return None
        return self.kind_totals.get("internal", 0.0) / total
