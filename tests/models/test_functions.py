"""One table of function names and kinds, used wherever functions are compared."""

from __future__ import annotations

from typing import Any

import pytest

from models.domain import Basis, Bound, FunctionRule, Kind, Line, Plan, Policy, RatioRule
from models.edits import set_function_bound, set_line_field
from models.functions import (
    ACQUISITION,
    EXISTING_CUSTOMERS,
    KEY_FUNCTIONS,
    canonical,
    default_kind,
    function_key,
)
from models.validation import validate
from models.workbook import read_plan
from planner.solve import solve


def test_other_functions_are_customer_functions() -> None:
    assert canonical("Acquisition") is None
    assert default_kind("Acquisition") is Kind.CUSTOMER
    assert [f.name for f in KEY_FUNCTIONS] == ["HR", "IT", "Internal comms"]


def test_a_workbook_line_in_tech_is_internal(make_book: Any) -> None:
    path = make_book(
        {"Budget": [["Line", "Function", "Current"], ["Cloud", "Tech", 100], ["Ads", "Acq", 50]]}
    )
    report = read_plan(path)
    assert report.plan is not None
    assert [line.kind for line in report.plan.lines] == [Kind.INTERNAL, Kind.CUSTOMER]


def test_function_keys_join_spellings_and_keep_other_names_apart() -> None:
    assert function_key("Human Resources") == function_key("HR") == function_key(" hr ")
    assert function_key("Customer  Service") == function_key("customer service")
    assert function_key("Customer service") != function_key("Customer success")


def _plan(**policy: Any) -> Plan:
    lines = (
        Line("Payroll", "HR", Kind.INTERNAL, 100.0),
        Line("Cloud", "IT", Kind.INTERNAL, 100.0),
        Line("Ads", "Acquisition", Kind.CUSTOMER, 100.0),
        Line("Desk", "Customer service", Kind.CUSTOMER, 100.0),
    )
    return Plan(lines, Policy(total_budget=400.0, spend_whole_budget=True, **policy))


def test_a_function_rule_reaches_the_lines_whatever_the_spelling() -> None:
    plan = _plan(functions=(FunctionRule("Human Resources", floor=Bound(180.0, Basis.AMOUNT)),))
    assert validate(plan) == []
    assert plan.function_rule("HR") is plan.policy.functions[0]
    result = solve(plan)
    assert result.is_optimal
    assert result.allocation["Payroll"] >= 180.0 - 1e-6


def test_a_ratio_rule_reaches_the_lines_whatever_the_spelling() -> None:
    plan = _plan(ratios=(RatioRule("Tech", 2.0, "customer  service"),))
    assert validate(plan) == []
    result = solve(plan)
    assert result.is_optimal
    assert result.allocation["Cloud"] >= 2.0 * result.allocation["Desk"] - 1e-6


def test_the_window_edits_a_function_rule_under_any_spelling() -> None:
    plan = set_function_bound(_plan(), "Information technology", "floor", Bound(150.0))
    plan = set_function_bound(plan, "it", "cap", Bound(300.0))
    assert len(plan.policy.functions) == 1
    rule = plan.function_rule("IT")
    assert rule is not None and rule.floor == Bound(150.0) and rule.cap == Bound(300.0)


def test_a_line_moved_to_another_spelling_of_its_function_keeps_its_kind() -> None:
    plan = set_line_field(_plan(), 2, "function", "People & culture")
    assert plan.lines[2].kind is Kind.INTERNAL
    assert plan.functions() == ["HR", "IT", "Customer service"]


def test_spellings_of_one_function_with_two_kinds_are_refused(make_book: Any) -> None:
    path = make_book(
        {
            "Budget": [
                ["Line", "Function", "Kind", "Current"],
                ["Payroll", "HR", "internal", 100],
                ["Culture", "Human resources", "customer", 50],
            ]
        }
    )
    report = read_plan(path)
    assert report.plan is None
    assert any("a function has one kind" in issue.message for issue in report.issues)


@pytest.mark.parametrize("name", ["People culture", "People/Culture", "People-Culture", "PEOPLE & CULTURE"])
def test_people_and_culture_in_any_punctuation_is_hr(name: str) -> None:
    assert default_kind(name) is Kind.INTERNAL
    assert function_key(name) == function_key("HR")


def test_the_balance_checks_groups_know_their_functions_in_any_punctuation() -> None:
    assert "Customer-service" in EXISTING_CUSTOMERS
    assert "customer  success" in EXISTING_CUSTOMERS
    assert "Demand Generation" in ACQUISITION
    assert "Acquisition" not in EXISTING_CUSTOMERS
    assert "HR" not in ACQUISITION


def test_acquisition_against_existing_customers_whatever_the_spelling() -> None:
    from models.insight import balance_check

    plan = Plan(
        (
            Line("Ads", "Demand-generation", Kind.CUSTOMER, 300.0),
            Line("Desk", "Customer-service", Kind.CUSTOMER, 100.0),
        ),
        Policy(total_budget=400.0, spend_whole_budget=True),
    )
    result = solve(plan)
    assert result.is_optimal
    warned = {w.code: w for w in balance_check(plan, result)}
    assert result.totals["Demand-generation"] > 2 * result.totals["Customer-service"]
    assert warned["acquisition"].lines == ("Ads",)
