"""A line's phasing: its current spend over the year's months or quarters, and an allocation spread alike.

A line read from monthly (or quarterly) columns keeps the amounts as read,
twelve months or four quarters (:attr:`models.domain.Line.phasing`); they add
up to its current spend. The result export spreads each line's allocation
over the year in the same proportions, to the cent: each period gets its
share rounded down to the cent, and the cents left over go to the periods
with the largest remainders, so a line's periods add up exactly to its
allocation at two decimals.

A plan may mix lines phased by month and by quarter (one monthly workbook,
one quarterly). Spread over months, a quarter's share is split evenly over
its three months. A line without a phasing, or whose current spend is 0, is
spread evenly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import partial
from typing import Final

from models.domain import Line, Plan
from models.formats import money
from models.sheet_rows import MONTH_LABELS, QUARTER_LABELS, period_labels

__all__ = [
    "MONTHS",
    "QUARTERS",
    "Phased",
    "PhasedLine",
    "Spread",
    "as_periods",
    "periods_of",
    "phase",
    "phasing_problem",
    "rescaled",
    "spread",
    "sums_to",
]

MONTHS: Final = len(MONTH_LABELS)
QUARTERS: Final = len(QUARTER_LABELS)
_MONTHS_PER_QUARTER: Final = MONTHS // QUARTERS
#: Amounts as messages quote them: exact to the cent.
_exact = partial(money, decimals=2, trim=True)


def sums_to(amounts: Sequence[float], total: float) -> bool:
    """Whether periods add up to a year's total, within rounding (half a currency unit)."""
    return math.isclose(math.fsum(amounts), total, rel_tol=1e-9, abs_tol=0.5)


def phasing_problem(name: str, phasing: Sequence[float], current: float) -> str | None:
    """What is wrong with the phasing of line ``name`` for its current spend, as a message; or None."""
    if len(phasing) not in (MONTHS, QUARTERS):
        return (
            f"The phasing of {name!r} has {len(phasing)} periods; a year has {MONTHS} months or "
            f"{QUARTERS} quarters"
        )
    labels = period_labels(len(phasing))
    for label, amount in zip(labels, phasing, strict=True):
        if not math.isfinite(amount):
            return f"{label} of {name!r} is not a finite number"
        if amount < 0:
            return f"{label} {_exact(amount)} of {name!r} is negative"
    if math.isfinite(current) and not sums_to(phasing, current):
        year = "months" if len(phasing) == MONTHS else "quarters"
        return (
            f"The {year} of {name!r} add up to {_exact(math.fsum(phasing))}, not to its current spend "
            f"{_exact(current)}"
        )
    return None


def rescaled(phasing: tuple[float, ...] | None, old: float, new: float) -> tuple[float, ...] | None:
    """A phasing for a current spend changed from ``old`` to ``new``: the same proportions.

    None when there are no proportions to keep (no phasing, or ``old`` is 0).
    """
    if phasing is None or not old > 0 or not math.isfinite(new):
        return None
    if new == old:
        return phasing
    factor = new / old
    return tuple(amount * factor for amount in phasing)


def periods_of(plan: Plan) -> int | None:
    """The periods a sheet of the plan's phased lines has: 4 when every one is quarterly, else 12.

    None when no line is phased.
    """
    counts = {len(line.phasing) for line in plan.lines if line.phasing is not None}
    if not counts:
        return None
    return QUARTERS if counts == {QUARTERS} else MONTHS


def as_periods(phasing: tuple[float, ...], count: int) -> tuple[float, ...]:
    """A phasing over ``count`` periods: quarters over months are each split evenly over three months."""
    if len(phasing) == count:
        return phasing
    if len(phasing) == QUARTERS and count == MONTHS:
        return tuple(q / _MONTHS_PER_QUARTER for q in phasing for _ in range(_MONTHS_PER_QUARTER))
    raise ValueError(f"a phasing of {len(phasing)} periods cannot be written over {count}")


def _cents(amount: float) -> int:
    """An amount in whole cents, rounded half away from zero (as a sheet shows it at two decimals)."""
    return int((Decimal(amount) * 100).to_integral_value(ROUND_HALF_UP))


def spread(amount: float, weights: Sequence[float]) -> tuple[float, ...]:
    """``amount``, to the cent, spread over periods in proportion to ``weights`` (evenly when they are all 0).

    Each period gets its exact share rounded down to the cent; the cents left
    over go one each to the periods with the largest remainders (the earlier
    period on a tie). The periods add up exactly to the amount rounded to the
    cent. The arithmetic is on whole numbers, so no rounding error creeps in.
    """
    return tuple(share / 100 for share in _spread_cents(_cents(amount), weights))


def _spread_cents(cents: int, weights: Sequence[float]) -> list[int]:
    if not weights:
        raise ValueError("an amount is spread over at least one period")
    if all(w == weights[0] for w in weights) and weights[0] > 0:
        # Even weights (a line without phasing): equal remainders, the cents left to the earliest periods.
        whole, left = divmod(cents, len(weights))
        return [whole + 1] * left + [whole] * (len(weights) - left)
    ratios = [float(w).as_integer_ratio() for w in weights]
    # Finite floats are fractions over powers of two: the largest denominator is a common one.
    common = max(den for _num, den in ratios)
    scaled = [num * (common // den) for num, den in ratios]
    total = sum(scaled)
    if total <= 0:
        scaled, total = [1] * len(weights), len(weights)
    parts = [divmod(cents * w, total) for w in scaled]
    shares = [whole for whole, _rest in parts]
    left = cents - sum(shares)
    for k in sorted(range(len(parts)), key=lambda k: (-parts[k][1], k))[:left]:
        shares[k] += 1
    return shares


class Spread(StrEnum):
    """How a line's allocation is spread over the year, as the Phasing sheet says it."""

    MONTHS = "months"
    QUARTERS = "quarters"
    QUARTERS_OVER_MONTHS = "quarters, each split evenly over its months"
    NO_PHASING = "evenly: no phasing"
    NOTHING_CURRENT = "evenly: current is 0"


@dataclass(frozen=True, slots=True)
class PhasedLine:
    """One line's allocation over the year."""

    name: str
    function: str
    how: Spread
    periods: tuple[float, ...]  # to the cent
    total: float  # the allocation to the cent: the sum of the periods


@dataclass(frozen=True, slots=True)
class Phased:
    """Every line's allocation over the year, the totals per period, and what the sheet must say."""

    labels: tuple[str, ...]
    lines: tuple[PhasedLine, ...]
    totals: tuple[float, ...]  # per period
    total: float
    notes: tuple[str, ...]


def _how(line: Line, count: int) -> Spread:
    if line.phasing is None:
        return Spread.NO_PHASING
    if not any(amount > 0 for amount in line.phasing):
        return Spread.NOTHING_CURRENT
    if len(line.phasing) == count:
        return Spread.MONTHS if count == MONTHS else Spread.QUARTERS
    return Spread.QUARTERS_OVER_MONTHS


def _named(lines: Sequence[PhasedLine], limit: int = 5) -> str:
    names = [line.name for line in lines[:limit]]
    more = len(lines) - len(names)
    return ", ".join(names) + (f" and {more} more" if more else "")


def phase(plan: Plan, allocation: Mapping[str, float]) -> Phased:
    """Each line's allocation spread over the year in the proportions of its current phasing.

    The year is twelve months, or four quarters when every phased line is
    quarterly. A line without a phasing, or whose phasing is all 0, is
    spread evenly; a quarterly line among monthly ones has each quarter's
    share split evenly over its three months.
    """
    count = periods_of(plan) or MONTHS
    labels = period_labels(count)
    lines = []
    column_cents = [0] * count
    all_cents = 0
    for line in plan.lines:
        how = _how(line, count)
        weights = as_periods(line.phasing, count) if line.phasing is not None else (1.0,) * count
        cents = _cents(allocation.get(line.name, 0.0))
        shares = _spread_cents(cents, weights)
        column_cents = [a + b for a, b in zip(column_cents, shares, strict=True)]
        all_cents += cents
        periods = tuple(share / 100 for share in shares)
        lines.append(PhasedLine(line.name, line.function, how, periods, cents / 100))
    totals = tuple(c / 100 for c in column_cents)
    year = "months" if count == MONTHS else "quarters"
    notes = [
        f"Each line's allocation is spread over the {year} in the proportions of its current spend "
        f"{'month by month' if count == MONTHS else 'quarter by quarter'}, to the cent: each period "
        "gets its share rounded down to the cent and the cents left over go to the periods with the "
        "largest remainders, so each line adds up exactly to its allocation."
    ]
    by_how = {how: [line for line in lines if line.how is how] for how in Spread}
    if by_how[Spread.QUARTERS_OVER_MONTHS]:
        notes.append(
            f"Lines read by quarter ({_named(by_how[Spread.QUARTERS_OVER_MONTHS])}): each quarter's share "
            "is split evenly over its three months."
        )
    if by_how[Spread.NO_PHASING]:
        what = "No line has" if len(by_how[Spread.NO_PHASING]) == len(lines) else "Lines without"
        notes.append(
            f"{what} a phasing (read without months or quarters): spread evenly over the {year}"
            + ("." if what == "No line has" else f" ({_named(by_how[Spread.NO_PHASING])}).")
        )
    if by_how[Spread.NOTHING_CURRENT]:
        notes.append(
            f"Lines whose current spend is 0 ({_named(by_how[Spread.NOTHING_CURRENT])}) have no proportions "
            f"to keep: spread evenly over the {year}."
        )
    return Phased(labels, tuple(lines), totals, all_cents / 100, tuple(notes))
