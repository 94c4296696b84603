"""A locked line keeps its current spend; a cap below that spend is refused, never replaced."""

from __future__ import annotations

import pytest

from models.domain import Curve, Kind, Line, Plan, Policy
from models.result import Status
from models.validation import validate
from planner.solve import solve


def _plan(cap: float) -> Plan:
    # Linear lines: a (weight 1) is locked at 40 with a cap; b (weight 2) takes the rest of 100.
    return Plan(
        (
            Line(
                "a",
                "P",
                Kind.CUSTOMER,
                40.0,
                cap=cap,
                weight=1.0,
                curve=Curve.LINEAR,
                locked=True,
                source_row=2,
            ),
            Line("b", "S", Kind.CUSTOMER, 10.0, weight=2.0, curve=Curve.LINEAR, source_row=3),
        ),
        Policy(total_budget=100.0),
    )


def test_a_locked_line_under_a_cap_above_its_spend_keeps_its_spend() -> None:
    result = solve(_plan(cap=50.0))
    assert result.status is Status.OPTIMAL
    assert result.allocation == pytest.approx({"a": 40.0, "b": 60.0})
    assert result.impact.total == pytest.approx(40.0 + 120.0)


def test_a_locked_line_whose_cap_is_below_its_spend_is_refused_naming_both() -> None:
    result = solve(_plan(cap=30.0))
    assert result.status is Status.INVALID_INPUT
    assert not result.allocation
    (issue,) = result.issues
    assert "'a' is locked at its current spend 40" in issue.message
    assert "its cap is 30" in issue.message
    assert "raise the cap to at least 40 or unlock the line" in issue.message


def test_the_refusal_names_the_cap_cell() -> None:
    (issue,) = validate(_plan(cap=30.0), {"cap": "F", "current": "D"})
    assert str(issue).startswith("sheet Budget, cell F2: ")


def test_a_cap_equal_to_the_locked_spend_is_accepted() -> None:
    result = solve(_plan(cap=40.0))
    assert result.status is Status.OPTIMAL
    assert result.allocation == pytest.approx({"a": 40.0, "b": 60.0})
