"""Scenarios side by side: allocations per line and per function, deltas, key figures.

Lines are matched by name (case and spacing ignored); a line present in only
some scenarios is shown, with no value where it is absent. Deltas are
against the first scenario.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from models.domain import Kind, Plan, function_key, normalise_name
from models.result import Result
from models.rules import Family

__all__ = ["Compared", "Comparison", "Row", "compare"]


@dataclass(frozen=True, slots=True)
class Compared:
    """One scenario in a comparison."""

    name: str
    plan: Plan
    result: Result


@dataclass(frozen=True, slots=True)
class Row:
    """One line, function or figure across the scenarios."""

    label: str
    group: str  # a line's function; empty for functions and figures
    values: tuple[float | None, ...]

    @property
    def deltas(self) -> tuple[float | None, ...]:
        """Each value against the first scenario's (None where either is missing)."""
        first = self.values[0]
        return tuple(None if v is None or first is None else v - first for v in self.values)


@dataclass(frozen=True, slots=True)
class Comparison:
    names: tuple[str, ...]
    statuses: tuple[str, ...]
    lines: tuple[Row, ...]
    functions: tuple[Row, ...]
    figures: tuple[Row, ...]  # money and impact figures
    shares: Row  # internal share of the money allocated
    binding: tuple[tuple[str, ...], ...]  # binding rules of each scenario
    floors: tuple[tuple[str, ...], ...]  # functions whose floor binds, per scenario


def compare(scenarios: Sequence[Compared]) -> Comparison:
    if not scenarios:
        raise ValueError("nothing to compare")
    n = len(scenarios)
    line_rows: dict[str, tuple[str, str, list[float | None]]] = {}
    function_rows: dict[str, tuple[str, list[float | None]]] = {}
    for k, item in enumerate(scenarios):
        optimal = item.result.is_optimal
        for line in item.plan.lines:
            key = normalise_name(line.name)
            row = line_rows.setdefault(key, (line.name, line.function, [None] * n))
            row[2][k] = item.result.allocation.get(line.name, 0.0) if optimal else None
        for function in item.plan.functions():
            entry = function_rows.setdefault(function_key(function), (function, [None] * n))
            entry[1][k] = item.result.totals.get(function, 0.0) if optimal else None

    def figure(label: str, values: list[float | None]) -> Row:
        return Row(label, "", tuple(values))

    results = [s.result for s in scenarios]

    def solved(value: Callable[[Result], float | None]) -> list[float | None]:
        return [value(r) if r.is_optimal else None for r in results]

    figures = (
        figure("Total budget", [s.plan.budget for s in scenarios]),
        figure("Allocated", solved(lambda r: sum(r.allocation.values()))),
        figure("Customer allocation", solved(lambda r: r.kind_totals.get(Kind.CUSTOMER.value, 0.0))),
        figure("Internal allocation", solved(lambda r: r.kind_totals.get(Kind.INTERNAL.value, 0.0))),
        figure("Customer impact", solved(lambda r: r.impact.customer)),
        figure("Internal impact", solved(lambda r: r.impact.internal)),
        figure("Total impact", solved(lambda r: r.impact.total)),
    )
    shares = figure("Internal share", solved(lambda r: r.internal_share))
    return Comparison(
        names=tuple(s.name for s in scenarios),
        statuses=tuple(r.status.value for r in results),
        lines=tuple(Row(name, function, tuple(values)) for name, function, values in line_rows.values()),
        functions=tuple(Row(name, "", tuple(values)) for name, values in function_rows.values()),
        figures=figures,
        shares=shares,
        binding=tuple(tuple(rule.description for rule in r.binding) for r in results),
        floors=tuple(
            tuple(rule.key.subject for rule in r.binding if rule.family is Family.FUNCTION_FLOOR)
            for r in results
        ),
    )
