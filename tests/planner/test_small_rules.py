"""Small rules hold in plans with large money, checked on the allocation in money.

A cap of 5 on Internal comms beside lines of up to 10^9: the solver's
tolerances must be those of each rule's own size, not of the plan's money.
"""

from __future__ import annotations

import numpy as np
import pytest

from models.domain import Bound, Curve, FunctionRule, Kind, Line, Objective, Plan, Policy
from models.result import Status
from models.rules import Family, RuleKey
from planner import solvers
from planner.solve import RULE_TOLERANCE, solve

CAP = RuleKey(Family.FUNCTION_CAP, "Internal comms")
SIZES = [1e3, 1e6, 1e7, 1e8, 1e9]


def _plan(size: float, objective: Objective) -> Plan:
    """Money from 1 to ``size`` in one plan; Internal comms spends 10 today and is capped at 5."""
    lines = (
        Line("Service desk", "Customer service", Kind.CUSTOMER, 0.55 * size, weight=1.0),
        Line("Platform", "Product", Kind.CUSTOMER, 0.45 * size, weight=1.5),
        Line("Recruiting", "HR", Kind.INTERNAL, 1000.0, weight=2.0),
        Line("Newsletter", "Internal comms", Kind.INTERNAL, 3.0, weight=40.0, curve=Curve.LINEAR),
        Line("Intranet", "Internal comms", Kind.INTERNAL, 3.0, weight=30.0),
        Line("Town hall", "Internal comms", Kind.INTERNAL, 1.0, weight=20.0),
        Line("Posters", "Internal comms", Kind.INTERNAL, 3.0, weight=10.0),
    )
    policy = Policy(
        total_budget=size + 1010.0,
        spend_whole_budget=True,
        objective=objective,
        functions=(FunctionRule("Internal comms", cap=Bound(5.0)),),
    )
    return Plan(lines, policy)


@pytest.mark.parametrize("objective", list(Objective), ids=[o.value for o in Objective])
@pytest.mark.parametrize("size", SIZES, ids=[f"{s:.0e}" for s in SIZES])
def test_a_cap_of_5_holds_and_binds_whatever_the_plan_s_money(size: float, objective: Objective) -> None:
    result = solve(_plan(size, objective))
    assert result.status is Status.OPTIMAL, result.message
    assert result.totals["Internal comms"] <= 5.0 * (1 + RULE_TOLERANCE)
    cap = next(r for r in result.rules if r.key == CAP)
    assert cap.binding
    assert cap.activity == pytest.approx(5.0, rel=RULE_TOLERANCE)
    # Max-impact: the best Internal comms line's weight, 40, against the budget's price;
    # min-change: each unit more of cap is one unit less cut and one less moved elsewhere.
    expected = 2.0 if objective is Objective.MIN_CHANGE else 39.0
    assert cap.shadow_price == pytest.approx(expected, rel=0.05)
    assert all(r.slack >= 0 for r in result.rules)


def test_a_broken_rule_is_solved_again_with_tighter_tolerances(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without rows scaled to their own size HiGHS holds the cap only to 1e-7 of the plan's money.
    monkeypatch.setattr(solvers, "row_factors", lambda lp: np.ones(lp.num_rows))
    result = solve(_plan(1e9, Objective.MIN_CHANGE))
    assert result.status is Status.OPTIMAL
    assert result.totals["Internal comms"] <= 5.0 * (1 + RULE_TOLERANCE)


def test_a_rule_the_solver_cannot_hold_is_named_never_reported_optimal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(solvers, "row_factors", lambda lp: np.ones(lp.num_rows))
    monkeypatch.setattr(solvers, "TIGHT_TOLERANCE", 1e-7)
    result = solve(_plan(1e9, Objective.MIN_CHANGE))
    assert result.status is Status.ERROR
    assert not result.allocation
    assert "could not hold the rule 'Internal comms cap" in result.message
