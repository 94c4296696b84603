"""Edits from the window: parsed like workbook cells, refused when they would break the plan."""

from __future__ import annotations

import pytest

from models.domain import Basis, Bound, Curve, FunctionRule, Kind, Line, Plan, Policy
from models.edits import (
    EditError,
    add_ratio,
    parse_bound,
    parse_line_field,
    remove_ratio,
    set_function_bound,
    set_line_field,
    set_policy,
)

PLAN = Plan(
    (
        Line("Payroll", "HR", Kind.INTERNAL, 100.0, floor=10.0, cap=200.0),
        Line("Laptops", "IT", Kind.INTERNAL, 50.0),
        Line("Ads", "Acquisition", Kind.CUSTOMER, 80.0),
    ),
    Policy(total_budget=230.0),
)


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("current", "$1,200.50", 1200.5),
        ("floor", "", 0.0),
        ("cap", "", None),
        ("cap", "1.5M", 1_500_000.0),
        ("weight", "1.25", 1.25),
        ("curve", "linear", Curve.LINEAR),
        ("locked", "yes", True),
        ("max_change", "150%", 1.5),
        ("kind", "internal", Kind.INTERNAL),
        ("name", "  Cloud   hosting ", "Cloud hosting"),
    ],
)
def test_typed_values_parse_like_workbook_cells(field: str, text: str, expected: object) -> None:
    assert parse_line_field(field, text) == expected


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("current", "TBD", "Current: 'TBD' cannot be read as an amount of money"),
        ("current", "", "Current cannot be blank"),
        ("floor", "-5", "Floor: '-5' is negative; amounts must be 0 or more"),
        ("max_change", "1.5", "ambiguous"),
        ("kind", "maybe", "is not 'customer' or 'internal'"),
    ],
)
def test_bad_text_is_refused_with_the_reason(field: str, text: str, message: str) -> None:
    with pytest.raises(EditError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_line_field(field, text)


def test_an_edit_that_breaks_a_rule_is_refused_and_the_plan_kept() -> None:
    with pytest.raises(EditError, match="Floor 300 of 'Payroll' is above its cap 200"):
        set_line_field(PLAN, 0, "floor", 300.0)
    with pytest.raises(EditError, match="used twice"):
        set_line_field(PLAN, 1, "name", "payroll ")
    assert PLAN.lines[0].floor == 10.0


def test_moving_a_line_to_another_function_takes_that_functions_kind() -> None:
    moved = set_line_field(PLAN, 2, "function", "it")
    assert moved.lines[2].kind is Kind.INTERNAL
    new = set_line_field(PLAN, 1, "function", "Loyalty")
    assert new.lines[1].kind is Kind.CUSTOMER


def test_changing_a_kind_moves_the_whole_function() -> None:
    plan = Plan((*PLAN.lines, Line("Search", "Acquisition", Kind.CUSTOMER, 5.0)), PLAN.policy)
    changed = set_line_field(plan, 2, "kind", Kind.INTERNAL)
    assert [line.kind for line in changed.lines if line.function == "Acquisition"] == [Kind.INTERNAL] * 2


def test_function_bounds_added_changed_and_cleared() -> None:
    plan = set_function_bound(PLAN, "IT", "floor", parse_bound("8%"))
    rule = plan.function_rule("IT")
    assert rule is not None
    assert rule.floor == Bound(0.08, Basis.BUDGET)
    plan = set_function_bound(plan, "it", "cap", parse_bound("95% of current"))
    rule = plan.function_rule("IT")
    assert rule == FunctionRule("IT", floor=Bound(0.08, Basis.BUDGET), cap=Bound(0.95, Basis.CURRENT))
    plan = set_function_bound(plan, "IT", "floor", None)
    plan = set_function_bound(plan, "IT", "cap", None)
    assert plan.policy.functions == ()
    with pytest.raises(EditError, match="above its cap"):
        set_function_bound(set_function_bound(PLAN, "HR", "cap", Bound(10)), "HR", "floor", Bound(20))


def test_policy_edits_validate() -> None:
    with pytest.raises(EditError, match="above internal share max"):
        set_policy(set_policy(PLAN, internal_share_max=0.4), internal_share_min=0.6)
    plan = add_ratio(PLAN, "Acquisition", 0.5, "HR")
    assert plan.policy.ratios[0].describe() == "Acquisition >= 0.5 x HR"
    assert remove_ratio(plan, 0).policy.ratios == ()
    with pytest.raises(EditError, match="no line has"):
        add_ratio(PLAN, "Loyalty", 1.0, "HR")


def test_derived_figures_follow_the_edited_plan() -> None:
    assert PLAN.functions() == ["HR", "IT", "Acquisition"]
    moved = set_line_field(PLAN, 2, "function", "Loyalty")
    assert moved.functions() == ["HR", "IT", "Loyalty"]
    assert moved.function_current()["loyalty"] == 80.0
    assert "acquisition" not in moved.function_current()
