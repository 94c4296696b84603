"""The price of balance from one model kept in HiGHS: as exact as computing it cold, with fewer builds.

The plan's max-impact model is built and solved once; the floors' ranges come
from it, and the best allocation without the balance rules from solving it
again with those rows lifted, starting from its basis. Generated plans whose
balance rules bind are priced both ways: the cold way solves the plan without
the rules from scratch and ranges a model built and solved anew.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import highspy
import pytest

import planner.insight as insight
from models.domain import Basis, Bound, FunctionRule, Kind, Line, Objective, Plan, Policy
from models.rules import Family
from planner.insight import price_of_balance, without_balance_rules
from planner.model import build_problem
from planner.solve import GAP_TARGET, solve
from planner.solvers import new_highs

FUNCTIONS = [
    ("HR", Kind.INTERNAL),
    ("IT", Kind.INTERNAL),
    ("Internal comms", Kind.INTERNAL),
    ("Customer service", Kind.CUSTOMER),
    ("Product", Kind.CUSTOMER),
    ("Acquisition", Kind.CUSTOMER),
]


def generated_plan(n: int, seed: int, *, binding: bool = True) -> Plan:
    """Internal lines weigh less; with ``binding`` their floors and the share minimum hold them up."""
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        function, kind = FUNCTIONS[i % len(FUNCTIONS)]
        current = round(rng.uniform(20_000, 2_000_000), -2)
        lines.append(
            Line(
                f"Line {i}",
                function,
                kind,
                current,
                floor=current * 0.5 if rng.random() < 0.2 else 0.0,
                cap=current * 1.6 if rng.random() < 0.3 else None,
                weight=round(rng.uniform(0.5, 1.6) * (0.6 if kind is Kind.INTERNAL else 1.0), 2),
                max_change=0.2 if rng.random() < 0.3 else None,
            )
        )
    total = sum(line.current for line in lines)
    floors = (
        FunctionRule("HR", floor=Bound(1.05, Basis.CURRENT)),
        FunctionRule("IT", floor=Bound(0.13, Basis.BUDGET)),
        FunctionRule("Internal comms", floor=Bound(0.95, Basis.CURRENT)),
    )
    return Plan(
        tuple(lines),
        Policy(
            total_budget=total * 1.03,
            max_change=0.4,
            internal_share_min=0.45 if binding else None,
            functions=floors if binding else (),
        ),
    )


def cold_price(plan: Plan) -> tuple[float, float, dict[str, tuple[float, float]]]:
    """Customer and total impact of the best allocation without the balance rules, solved from
    scratch, and each rule's range from a model built, solved and ranged anew."""
    free, _ = without_balance_rules(plan)
    best = solve(free, objective=Objective.MAX_IMPACT)
    assert best.is_optimal
    model = build_problem(plan, objective=Objective.MAX_IMPACT)
    highs = new_highs()
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("solver", "simplex")
    highs.passModel(model.prob.to_highs())
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    _status, ranging = highs.getRanging()
    ranges = {}
    for row, index in zip(model.rows, model.constraints, strict=True):
        low = ranging.row_bound_dn.value_[index] * model.scale
        high = ranging.row_bound_up.value_[index] * model.scale
        ranges[row.key.subject] = (max(low, 0.0) if math.isfinite(low) else 0.0, high)
    return best.impact.customer, best.impact.total, ranges


class Counts:
    """Calls of the model builder, of HiGHS and of full solves made by the price of balance."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = {"build_problem": 0, "new_highs": 0, "solve": 0}
        for name in self.calls:
            monkeypatch.setattr(insight, name, self._counted(name, getattr(insight, name)))

    def _counted(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return function(*args, **kwargs)

        return counted


@pytest.mark.parametrize(("lines", "seed"), [(60, 1), (300, 2), (1200, 3), (300, 4)])
def test_the_warm_price_equals_the_cold_one(lines: int, seed: int) -> None:
    plan = generated_plan(lines, seed)
    result = solve(plan)
    price = price_of_balance(plan, result)
    assert price is not None
    customer, total, ranges = cold_price(plan)
    binding = {r.key.subject for r in result.rules if r.binding and r.family is Family.FUNCTION_FLOOR}
    assert binding
    assert {f.key.subject for f in price.floors} == binding
    assert "the internal share minimum" in price.relaxed
    # Both allocations are certified within the gap target of the best without the rules.
    assert price.customer_without == pytest.approx(customer, abs=2 * GAP_TARGET * total)
    assert price.total_without == pytest.approx(total, rel=2 * GAP_TARGET)
    assert price.price > 0
    # The floors' ranges are the continuous optimum's (its sensitivity report), not the
    # piecewise-linear model's LP ranging, which only approximates them.
    report = result.sensitivity
    assert report is not None
    for floor in price.floors:
        reported = report.rule(floor.key)
        assert reported is not None
        down, up = reported.allowable_decrease, reported.allowable_increase
        assert floor.range_low == pytest.approx(
            0.0 if down is None else max(floor.floor - down, 0.0), abs=1e-6
        )
        assert floor.range_high == pytest.approx(math.inf if up is None else floor.floor + up, rel=1e-9)
        assert floor.method == "the continuous optimum's sensitivity report"
        low, high = ranges[floor.key.subject]
        assert low <= floor.floor <= high  # the piecewise model's ranging brackets the floor too


def test_the_price_of_binding_rules_builds_one_model_and_solves_nothing_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = generated_plan(300, 4)
    result = solve(plan)
    counts = Counts(monkeypatch)
    price = price_of_balance(plan, result)
    assert price is not None
    assert price.price > 0
    # One model kept in HiGHS; the plan without the rules is built (never solved) for the polish.
    assert counts.calls == {"build_problem": 2, "new_highs": 1, "solve": 0}


def test_rules_that_do_not_bind_cost_no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = generated_plan(300, 5, binding=False)
    result = solve(plan)
    counts = Counts(monkeypatch)
    price = price_of_balance(plan, result)
    assert price is not None
    assert price.price == 0.0
    assert price.floors == ()
    assert counts.calls == {"build_problem": 0, "new_highs": 0, "solve": 0}


def test_an_uncertified_warm_answer_is_solved_again_from_scratch(monkeypatch: pytest.MonkeyPatch) -> None:
    # With no gap allowed the warm allocation is never certified: the plan without the rules is
    # solved by a plain solve, once, and the price is the cold one.
    plan = generated_plan(300, 6)
    result = solve(plan)
    customer, total, _ranges = cold_price(plan)
    monkeypatch.setattr(insight, "GAP_TARGET", -1.0)
    counts = Counts(monkeypatch)
    price = price_of_balance(plan, result)
    assert price is not None
    assert counts.calls == {"build_problem": 1, "new_highs": 1, "solve": 1}
    assert price.customer_without == pytest.approx(customer, rel=1e-9)
    assert price.total_without == pytest.approx(max(total, result.impact.total), rel=1e-9)


def test_a_cancelled_price_stops_after_the_first_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = generated_plan(300, 7)
    result = solve(plan)
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 2  # true once the kept model has been solved

    counts = Counts(monkeypatch)
    assert price_of_balance(plan, result, cancelled=cancelled) is None
    assert counts.calls["solve"] == 0
