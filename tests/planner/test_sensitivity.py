"""The sensitivity report: shadow prices, allowable ranges and reduced costs against re-solves."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from models.domain import Basis, Bound, Curve, FunctionRule, Kind, Line, Objective, Plan, Policy
from models.export import write_result
from models.result import Result, RuleSensitivity, Sensitivity, Status
from models.rules import Family, RuleKey
from models.serial import result_from_data, to_data
from planner.cli import result_json
from planner.model import coupling_rows
from planner.rules import Row, Sense
from planner.solve import solve

LIN = Curve.LINEAR
FUNCTIONS = [("HR", Kind.INTERNAL), ("IT", Kind.INTERNAL), ("Service", Kind.CUSTOMER), ("Acq", Kind.CUSTOMER)]


def generated_plan(seed: int, curve: Curve = Curve.DIMINISHING) -> Plan:
    rng = random.Random(seed)
    lines = []
    for i in range(rng.randint(4, 9)):
        function, kind = FUNCTIONS[i % 4]
        current = rng.uniform(50, 500)
        floor = rng.uniform(0, 0.6) * current if rng.random() < 0.3 else 0.0
        cap = rng.uniform(1.0, 2.0) * current if rng.random() < 0.3 else None
        lines.append(
            Line(
                f"l{i}",
                function,
                kind,
                current,
                floor=floor,
                cap=cap,
                weight=round(rng.uniform(0.2, 2.5), 3),
                curve=curve,
            )
        )
    total = sum(line.current for line in lines)
    rules = []
    for function, _kind in FUNCTIONS:
        floor = Bound(rng.uniform(0.05, 0.3), Basis.BUDGET) if rng.random() < 0.5 else None
        cap = Bound(rng.uniform(0.15, 0.35), Basis.BUDGET) if rng.random() < 0.4 else None
        if floor is not None and cap is not None and cap.value < floor.value:
            floor, cap = cap, floor
        if floor is not None or cap is not None:
            rules.append(FunctionRule(function, floor=floor, cap=cap))
    return Plan(
        tuple(lines),
        Policy(
            total_budget=total * rng.uniform(0.7, 1.3),
            internal_share_min=rng.uniform(0.2, 0.4) if rng.random() < 0.3 else None,
            functions=tuple(rules),
        ),
    )


def report(result: Result) -> Sensitivity:
    assert result.sensitivity is not None
    return result.sensitivity


def moved(rows: list[Row], r: int, by: float) -> list[Row]:
    """The rows with row ``r``'s limit moved by ``by``."""
    return [replace(row, rhs=row.rhs + by) if k == r else row for k, row in enumerate(rows)]


def loosening(row: Row) -> float:
    """+1 when raising the limit loosens the rule, -1 when lowering it does."""
    return -1.0 if row.sense is Sense.GE else 1.0


def active_set(result: Result) -> tuple[frozenset[RuleKey], frozenset[tuple[str, str]]]:
    """The rules that bind and the lines held at a bound (with the bound)."""
    lines = frozenset((item.name, item.bound) for item in report(result).lines if item.bound)
    return frozenset(r.key for r in result.binding if r.key.family is not Family.BUDGET), lines


def close(a: float, b: float, rel: float = 0.01, scale: float = 1.0) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-6 * scale


def test_a_linear_plan_known_by_hand() -> None:
    # A (3) and B (2) fill their caps, C (1) takes the rest: 40 + 50 + 10 = 100.
    plan = Plan(
        (
            Line("A", "Acq", Kind.CUSTOMER, 10.0, weight=3.0, cap=40.0, curve=LIN),
            Line("B", "Service", Kind.CUSTOMER, 10.0, weight=2.0, cap=50.0, curve=LIN),
            Line("C", "HR", Kind.INTERNAL, 10.0, weight=1.0, curve=LIN),
        ),
        Policy(total_budget=100.0),
    )
    result = solve(plan)
    sens = report(result)
    assert result.allocation == pytest.approx({"A": 40.0, "B": 50.0, "C": 10.0})
    budget = sens.rule(RuleKey(Family.BUDGET))
    assert budget is not None
    assert budget.shadow_price == pytest.approx(1.0)
    assert budget.unique
    # More budget all goes to C; less comes out of C until it has nothing.
    assert budget.allowable_increase is None
    assert budget.allowable_decrease == pytest.approx(10.0, rel=1e-6)
    assert sens.budget_price == pytest.approx(1.0)
    costs = {item.name: (item.reduced_cost, item.bound) for item in sens.lines}
    assert costs["A"] == (pytest.approx(2.0), "cap")
    assert costs["B"] == (pytest.approx(1.0), "cap")
    assert costs["C"] == (0.0, "")


def test_a_rule_tight_with_no_price_and_lines_tied_at_the_price_are_flagged() -> None:
    # The Acq floor of 40 is met by A at its cap anyway: tight, but worth nothing to loosen.
    tight = Plan(
        (
            Line("A", "Acq", Kind.CUSTOMER, 10.0, weight=3.0, cap=40.0, curve=LIN),
            Line("C", "HR", Kind.INTERNAL, 10.0, weight=1.0, curve=LIN),
        ),
        Policy(total_budget=100.0, functions=(FunctionRule("Acq", floor=Bound(40.0)),)),
    )
    floor = report(solve(tight)).rule(RuleKey(Family.FUNCTION_FLOOR, "Acq"))
    assert floor is not None
    assert floor.shadow_price == 0.0
    assert not floor.unique
    # Two linear lines worth the same share the money in any proportion.
    tied = Plan(
        (
            Line("A", "Acq", Kind.CUSTOMER, 10.0, weight=1.0, curve=LIN),
            Line("C", "HR", Kind.INTERNAL, 10.0, weight=1.0, curve=LIN),
        ),
        Policy(total_budget=100.0),
    )
    budget = report(solve(tied)).rule(RuleKey(Family.BUDGET))
    assert budget is not None
    assert budget.shadow_price == pytest.approx(1.0)
    assert not budget.unique


def binding_cases(curve: Curve) -> list[tuple[Plan, Result, int, Row, RuleSensitivity]]:
    """(plan, result, row index, row, its sensitivity) for each binding rule but the budget."""
    cases = []
    for seed in range(60):
        plan = generated_plan(seed, curve)
        result = solve(plan)
        if not result.is_optimal:
            continue
        sens = report(result)
        for r, row in enumerate(coupling_rows(plan)):
            item = sens.rules[r]
            assert item.key == row.key
            if row.family is Family.BUDGET or item.shadow_price == 0.0:
                continue
            cases.append((plan, result, r, row, item))
    return cases


def test_shadow_prices_match_finite_differences_of_the_re_solved_optimum() -> None:
    checked = 0
    for plan, result, r, row, item in binding_cases(Curve.DIMINISHING):
        if not item.unique:
            continue
        size = max(abs(row.rhs), 1.0)
        step = 1e-5 * size
        ranges = (item.allowable_increase, item.allowable_decrease)
        if any(reach is not None and reach < 2 * step for reach in ranges):
            continue
        rows = coupling_rows(plan)
        loosened = solve(plan, rows=moved(rows, r, loosening(row) * step))
        assert loosened.is_optimal
        difference = (loosened.impact.total - result.impact.total) / step
        assert close(difference, item.shadow_price, scale=result.impact.total / size), (
            row.description,
            difference,
            item.shadow_price,
        )
        checked += 1
    assert checked >= 15


def test_the_budget_price_matches_finite_differences_with_its_range() -> None:
    checked = 0
    for seed in range(30):
        plan = generated_plan(seed)
        result = solve(plan)
        if not result.is_optimal:
            continue
        budget = report(result).rule(RuleKey(Family.BUDGET))
        assert budget is not None
        assert budget.shadow_price == pytest.approx(report(result).budget_price)
        if not budget.unique or budget.shadow_price == 0.0:
            continue
        step = 1e-5 * plan.budget
        up = solve(plan.with_policy(total_budget=plan.budget + step))
        difference = (up.impact.total - result.impact.total) / step
        assert close(difference, budget.shadow_price, scale=result.impact.total / plan.budget)
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("curve", [Curve.DIMINISHING, LIN])
def test_the_active_set_holds_inside_the_allowable_range_and_changes_past_it(curve: Curve) -> None:
    inside = past = 0
    for plan, result, r, row, item in binding_cases(curve):
        if not item.unique:
            continue
        rows = coupling_rows(plan)
        for side, reach in ((1.0, item.allowable_increase), (-1.0, item.allowable_decrease)):
            if reach is None or reach <= 1e-6 * max(abs(row.rhs), 1.0):
                continue
            near = solve(plan, rows=moved(rows, r, side * 0.9 * reach))
            if not near.is_optimal:
                continue
            assert active_set(near) == active_set(result), (row.description, side, reach)
            price = next(x for x in near.rules if x.key == row.key).shadow_price
            if curve is LIN:
                # Linear lines: the price is the same all along the range.
                assert close(price, item.shadow_price), (row.description, side, price, item.shadow_price)
            inside += 1
            beyond = solve(plan, rows=moved(rows, r, side * 1.1 * reach))
            if beyond.is_optimal:
                changed = active_set(beyond) != active_set(result)
                price_after = next(x for x in beyond.rules if x.key == row.key).shadow_price
                moved_price = not close(price_after, item.shadow_price, rel=1e-4)
                assert changed or (curve is not LIN and moved_price), (row.description, side, reach)
            past += 1
    assert inside >= 8
    assert past >= 8


def test_reduced_costs_match_finite_differences_of_forcing_the_bound() -> None:
    checked = 0
    for seed in range(40):
        plan = generated_plan(seed)
        result = solve(plan)
        if not result.is_optimal:
            continue
        for item in report(result).lines:
            if item.bound not in ("floor", "cap", "zero"):
                continue
            i = next(k for k, line in enumerate(plan.lines) if line.name == item.name)
            line = plan.lines[i]
            step = 1e-5 * max(line.current, 1.0)
            if item.bound == "cap":
                assert line.cap is not None
                changed = replace(line, cap=line.cap + step)
            else:
                changed = replace(line, floor=line.floor + step)
            lines = (*plan.lines[:i], changed, *plan.lines[i + 1 :])
            forced = solve(Plan(lines, plan.policy))
            if not forced.is_optimal:
                continue
            difference = (forced.impact.total - result.impact.total) / step
            assert close(difference, item.reduced_cost, scale=result.impact.total / plan.budget), (
                seed,
                item,
                difference,
            )
            checked += 1
    assert checked >= 10


def test_min_change_plans_have_no_sensitivity_report() -> None:
    plan = generated_plan(1)
    assert solve(plan, objective=Objective.MIN_CHANGE).sensitivity is None


def hand_plan() -> Plan:
    return Plan(
        (
            Line("A", "Acq", Kind.CUSTOMER, 10.0, weight=3.0, cap=40.0, curve=LIN),
            Line("=B", "Service", Kind.CUSTOMER, 10.0, weight=2.0, cap=50.0, curve=LIN),
            Line("C", "HR", Kind.INTERNAL, 10.0, weight=1.0, curve=LIN),
        ),
        Policy(total_budget=100.0),
    )


def test_solve_json_has_the_sensitivity_report_with_no_limit_as_null() -> None:
    plan = hand_plan()
    data = json.loads(json.dumps(result_json(solve(plan))))
    # The keys that were there stay as they were.
    assert data["binding"][0]["rule"] == "budget"
    sens = data["sensitivity"]
    assert sens["budget_price"] == pytest.approx(1.0)
    assert sens["gap"] >= 0
    assert sens["rules"] == [
        {
            "rule": "budget",
            "shadow_price": pytest.approx(1.0),
            "unique": True,
            "allowable_increase": None,
            "allowable_decrease": pytest.approx(10.0),
        }
    ]
    assert sens["lines"] == [
        {"name": "A", "reduced_cost": pytest.approx(2.0), "bound": "cap"},
        {"name": "=B", "reduced_cost": pytest.approx(1.0), "bound": "cap"},
        {"name": "C", "reduced_cost": 0.0, "bound": ""},
    ]
    infeasible = Result(Status.INFEASIBLE)
    assert result_json(infeasible)["sensitivity"] is None


def test_the_export_has_a_sensitivity_sheet_with_every_text_as_text(tmp_path: Path) -> None:
    plan = hand_plan()
    book = openpyxl.load_workbook(write_result(tmp_path / "r.xlsx", plan, solve(plan)))
    sheet = book["Sensitivity"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Rule", "Type", "Shadow price", "Unique", "Allowable increase", "Allowable decrease"]
    assert rows[1][:4] == ["budget", "budget", pytest.approx(1.0), "yes"]
    assert rows[1][4:] == ["no limit", pytest.approx(10.0)]
    assert rows[3][:3] == ["Line", "Held at", "Reduced cost"]
    assert rows[4][:3] == ["A", "cap", pytest.approx(2.0)]
    # A line named like a formula stays text.
    assert rows[5][:3] == ["=B", "cap", pytest.approx(1.0)]
    assert sheet.cell(6, 1).data_type == "s"
    assert rows[6][:3] == ["C", "between its bounds", 0.0]
    assert rows[8][0] == "Budget price"
    assert rows[8][2] == pytest.approx(1.0)


def test_the_report_is_kept_when_a_result_is_stored_and_read_back() -> None:
    result = solve(hand_plan())
    again = result_from_data(json.loads(json.dumps(to_data(result), allow_nan=False)))
    assert again.sensitivity == result.sensitivity
    budget = report(again).rule(RuleKey(Family.BUDGET))
    assert budget is not None
    assert budget.allowable_increase is None
