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
    "LineSensitivity",
    "Result",
    "RuleReport",
    "RuleSensitivity",
    "Sensitivity",
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
class LineSensitivity:
    """One line's reduced cost: its marginal impact at its allocation minus its price of money.

    Zero for a line between its bounds. For a line held at a bound it is the
    impact gained per currency unit the line is pushed past that bound (its
    floor raised: usually a loss; its cap raised: a gain). ``bound`` names
    what holds the line: ``floor``, ``cap``, ``change limit``, ``locked``,
    ``zero`` (a line given nothing), ``budget`` (a line given all the budget
    leaves), or empty between its bounds.
    """

    name: str
    reduced_cost: float
    bound: str


@dataclass(frozen=True, slots=True)
class RuleSensitivity:
    """How far one rule's limit may move while the same rules and line bounds hold the plan.

    ``shadow_price`` is the rule's report's (impact per unit the rule is
    loosened); ``unique`` is false when the plan is degenerate there (the
    price differs on either side of the limit, or the plan's prices are not
    determined by its rules), so the price holds in one direction only.
    ``allowable_increase`` and ``allowable_decrease`` are in money, None
    where nothing limits the move.
    """

    key: RuleKey
    shadow_price: float
    unique: bool
    allowable_increase: float | None
    allowable_decrease: float | None


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """The plan's sensitivity report (max-impact): lines, rules, the budget's price, and its accuracy."""

    #: Each line's reduced cost and the bound that holds it ("" between its bounds), by line name.
    reduced_costs: Mapping[str, float] = field(default_factory=dict)
    bounds: Mapping[str, str] = field(default_factory=dict)
    rules: tuple[RuleSensitivity, ...] = ()
    #: Impact gained per unit of budget, rules stated as a % of the budget moving with it.
    budget_price: float = 0.0
    #: The optimum's certified gap: how far the figures may be from the exact continuous ones.
    gap: float = 0.0

    @property
    def lines(self) -> tuple[LineSensitivity, ...]:
        """Every line's reduced cost, in the plan's order."""
        return tuple(
            LineSensitivity(name, cost, self.bounds.get(name, ""))
            for name, cost in self.reduced_costs.items()
        )

    def line(self, name: str) -> LineSensitivity | None:
        cost = self.reduced_costs.get(name)
        return None if cost is None else LineSensitivity(name, cost, self.bounds.get(name, ""))

    def rule(self, key: RuleKey) -> RuleSensitivity | None:
        return next((item for item in self.rules if item.key == key), None)


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
    #: The sensitivity report of a max-impact optimum; None otherwise.
    sensitivity: Sensitivity | None = None

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
