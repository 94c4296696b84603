"""What the allocation says about the balance between customers and the functions behind them.

The types of the price of balance and of the balance frontier (computed in
:mod:`planner.insight`), and the balance check itself: plain-language
warnings drawn from what goes wrong in customer-first companies, each naming
the lines and figures, with thresholds from the policy (:class:`Checks`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from models.domain import Kind, Plan, function_key
from models.formats import money, percent
from models.functions import ACQUISITION, EXISTING_CUSTOMERS
from models.result import Impact, Result
from models.rules import RuleKey

__all__ = [
    "PRICE_OF_BALANCE_MEANS",
    "BalanceWarning",
    "FloorPrice",
    "Frontier",
    "FrontierPoint",
    "PriceOfBalance",
    "balance_check",
]


@dataclass(frozen=True, slots=True)
class FloorPrice:
    """What one binding internal floor costs, and over which floor values that price holds."""

    key: RuleKey  # the function's floor
    floor: float
    shadow_price: float  # impact lost per extra unit of floor
    range_low: float
    range_high: float
    method: str  # how the range was found

    @property
    def function(self) -> str:
        return self.key.subject


#: What the price of balance is, in the words the window, the export and the README use.
PRICE_OF_BALANCE_MEANS = (
    "the customer impact given up to keep the internal floors and the internal share minimum: "
    "the customer impact of the best allocation without them less that of the best allocation "
    "with them, both found by maximising total impact with every line's own weight, whatever the "
    "plan's objective. A rule that does not bind costs nothing, and the price is never negative "
    "(when the money a rule holds would go to other internal functions, it costs customers nothing)"
)


@dataclass(frozen=True, slots=True)
class PriceOfBalance:
    """Customer and total impact of the best allocation with the balance rules and without them.

    "Best" is the most total impact, with every line's own weight, whatever
    the plan's objective (see :data:`PRICE_OF_BALANCE_MEANS`).
    """

    customer_with: float
    customer_without: float
    total_with: float
    total_without: float
    floors: tuple[FloorPrice, ...]
    relaxed: tuple[str, ...]  # the rules lifted for "without"

    @property
    def price(self) -> float:
        """Customer impact given up for the balance rules (never negative)."""
        return max(self.customer_without - self.customer_with, 0.0)

    @property
    def total_price(self) -> float:
        """Total impact given up for the balance rules (a relaxation: never negative)."""
        return self.total_without - self.total_with

    def describe(self) -> str:
        """The price in a few sentences, with its definition, as the window shows it."""
        lifted = ", ".join(self.relaxed) or "no balance rules (the plan has none)"
        share = percent(self.price / self.customer_without) if self.customer_without > 0 else "0%"
        if self.customer_without < self.customer_with:
            given = "customers give up nothing (the money they hold would go to other internal functions)"
        else:
            given = (
                f"customers give up {money(self.price)} ({share}) so the functions behind them keep working"
            )
        return (
            f"customer impact {money(self.customer_with)} with the balance rules and "
            f"{money(self.customer_without)} without them ({lifted}): {given}. "
            f"Total impact {money(self.total_with)} against {money(self.total_without)}. "
            f"The price of balance is {PRICE_OF_BALANCE_MEANS}."
        )


@dataclass(frozen=True, slots=True)
class FrontierPoint:
    internal_share: float
    status: str
    impact: Impact
    allocation: dict[str, float]


@dataclass(frozen=True, slots=True)
class Frontier:
    """Impact as the internal share is swept from its lowest to its highest feasible value."""

    points: tuple[FrontierPoint, ...]
    knee: float | None  # the internal share at the knee
    plan_share: float | None  # the plan's own optimum's share
    share_min: float | None  # the plan's own share bounds
    share_max: float | None
    method: str


@dataclass(frozen=True, slots=True)
class BalanceWarning:
    code: str
    message: str
    lines: tuple[str, ...] = ()


def balance_check(plan: Plan, result: Result) -> tuple[BalanceWarning, ...]:
    """Warnings about the allocation, silent on a balanced plan; none unless the result is optimal."""
    if not result.is_optimal:
        return ()
    checks = plan.policy.checks
    allocation = result.allocation
    warnings: list[BalanceWarning] = []

    # Internal functions cut hard against what they spend today.
    current = plan.function_current()
    for function in plan.functions():
        lines = [line for line in plan.lines if function_key(line.function) == function_key(function)]
        if not lines or lines[0].kind is not Kind.INTERNAL:
            continue
        now = current.get(function_key(function), 0.0)
        after = sum(allocation.get(line.name, 0.0) for line in lines)
        if now > 0 and (now - after) / now > checks.internal_cut + 1e-9:
            cut = sorted(lines, key=lambda line: allocation.get(line.name, 0.0) - line.current)[:3]
            warnings.append(
                BalanceWarning(
                    "internal-cut",
                    f"{function} is cut by {percent((now - after) / now)} "
                    f"({money(now)} to {money(after)}), more than "
                    f"{percent(checks.internal_cut, 0)}: the work behind the customer suffers first",
                    tuple(line.name for line in cut),
                )
            )

    share = result.internal_share
    if share is not None and share < checks.internal_share - 1e-9:
        warnings.append(
            BalanceWarning(
                "internal-share",
                f"Internal functions get {percent(share)} of the money allocated, under "
                f"{percent(checks.internal_share, 0)}: a company that starves them can fail "
                "from the inside",
            )
        )

    totals = result.totals
    acquisition = sum(v for function, v in totals.items() if function in ACQUISITION)
    existing = sum(v for function, v in totals.items() if function in EXISTING_CUSTOMERS)
    if acquisition > 0 and acquisition > checks.acquisition_multiple * existing + 1e-9:
        names = tuple(line.name for line in plan.lines if line.function in ACQUISITION)
        ratio = "more than any" if existing == 0 else f"{acquisition / existing:.1f} times"
        warnings.append(
            BalanceWarning(
                "acquisition",
                f"Acquisition gets {money(acquisition)}, {ratio} what goes to existing customers "
                f"(service and loyalty: {money(existing)}); the limit is "
                f"{checks.acquisition_multiple:g} times",
                names[:5],
            )
        )

    budget = plan.budget
    if budget > 0:
        big = [
            line for line in plan.lines if allocation.get(line.name, 0.0) > checks.line_share * budget + 1e-9
        ]
        for line in big:
            amount = allocation.get(line.name, 0.0)
            warnings.append(
                BalanceWarning(
                    "line-share",
                    f"{line.name} takes {money(amount)}, {percent(amount / budget)} of the "
                    f"budget, more than {percent(checks.line_share, 0)}",
                    (line.name,),
                )
            )

    ordered = sorted(plan.lines, key=lambda line: -allocation.get(line.name, 0.0))
    total = sum(allocation.values())
    if len(ordered) >= 10 and total > 0:
        top = ordered[: max(1, math.ceil(len(ordered) / 10))]
        rest = ordered[len(top) :]
        top_share = sum(allocation.get(line.name, 0.0) for line in top) / total
        small_cut = [line for line in rest if allocation.get(line.name, 0.0) < line.current - 0.5]
        if top_share > checks.concentration + 1e-9 and len(small_cut) > len(rest) / 2:
            warnings.append(
                BalanceWarning(
                    "concentration",
                    f"The {len(top)} largest lines take {percent(top_share)} of the money while "
                    f"{len(small_cut)} of the other {len(rest)} lines are cut",
                    tuple(line.name for line in top),
                )
            )
    return tuple(warnings)
