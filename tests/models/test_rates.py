"""Amounts in several currencies: refused without exchange rates, converted with a Rates sheet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from models.domain import Plan
from models.mapping import SheetStatus
from models.workbook import ImportReport, read_plan

MakeBook = Callable[..., Path]
RATES = [["Currency", "Rate"], ["EUR", 1], ["CHF", 1.05], ["GBP", 1.17]]


def _plan(report: ImportReport) -> Plan:
    assert report.ok, report.issues
    assert report.plan is not None
    return report.plan


def _currents(plan: Plan) -> dict[str, float]:
    return {line.name: line.current for line in plan.lines}


def test_amounts_with_their_currency_are_converted_at_the_rates(make_book: MakeBook) -> None:
    budget: list[list[Any]] = [
        ["Line", "Function", "Current", "Floor"],
        ["Payroll Zurich", "HR", "1,000,000 CHF", "500,000 CHF"],
        ["Payroll Paris", "HR", "800,000 EUR", None],
        ["Servers London", "IT", "£200,000", "90%"],
    ]
    without = read_plan(make_book({"Budget": budget}))
    assert without.plan is None
    assert "several currencies" in without.issues[0].message
    report = read_plan(make_book({"Budget": budget, "Rates": RATES}))
    plan = _plan(report)
    assert _currents(plan) == pytest.approx(
        {"Payroll Zurich": 1_050_000, "Payroll Paris": 800_000, "Servers London": 234_000}
    )
    floors = {line.name: line.floor for line in plan.lines}
    # A floor in money is converted; a floor of 90% is 90% of the converted current.
    assert floors == pytest.approx({"Payroll Zurich": 525_000, "Payroll Paris": 0, "Servers London": 210_600})
    assert any("converted to EUR at the Rates sheet's rates (CHF 1.05, GBP 1.17)" in n for n in report.notes)
    assert {s.sheet: s.status for s in report.layout.sheets}["Rates"] == SheetStatus.RATES


def test_a_currency_column_gives_each_lines_currency(make_book: MakeBook) -> None:
    budget: list[list[Any]] = [
        ["Line", "Function", "Currency", "Current"],
        ["Payroll", "HR", "chf", 100],
        ["Ads", "Acquisition", "EUR", 50],
        ["Servers", "IT", None, 10],  # no currency: the plan's own, as nothing else on the row says
    ]
    plan = _plan(read_plan(make_book({"Budget": budget, "Exchange rates": RATES})))
    assert _currents(plan) == pytest.approx({"Payroll": 105, "Ads": 50, "Servers": 10})


def test_sheets_per_country_are_converted_each_at_its_rate(make_book: MakeBook) -> None:
    report = read_plan(
        make_book(
            {
                "Germany (EUR)": [["Line", "Function", "Current"], ["Payroll DE", "HR", 400]],
                "UK (GBP)": [["Line", "Function", "Current"], ["Payroll UK", "HR", 100]],
                "Switzerland": [["Line", "Function", "Current (CHF)"], ["Payroll CH", "HR", 200]],
                "FX": RATES,
            }
        )
    )
    plan = _plan(report)
    assert _currents(plan) == pytest.approx({"Payroll DE": 400, "Payroll UK": 117, "Payroll CH": 210})
    assert plan.current_total == pytest.approx(727)


@pytest.mark.parametrize(
    ("rows", "rates", "said"),
    [
        (
            [["Payroll", "HR", "100 CHF"], ["Ads", "Acquisition", "50 USD"]],
            RATES,
            "The amounts in USD have no exchange rate: the Rates sheet gives CHF, EUR, GBP; add USD to it",
        ),
        (
            [["Payroll", "HR", "100 CHF"], ["Ads", "Acquisition", 50]],
            RATES,
            "The amount's currency is not stated, and the sheet has amounts in CHF",
        ),
        (
            [["Payroll", "HR", "100 CHF"], ["Ads", "Acquisition", "50 EUR"]],
            [["Currency", "Rate"], ["EUR", 0.95], ["CHF", 1.05]],
            "The plan's currency is the one whose rate is 1, and none has rate 1",
        ),
        (
            [["Payroll", "HR", "100 CHF"]],
            [["Currency", "Rate"], ["EUR", 1], ["CHF", "-1"]],
            "Rate: -1 must be above 0",
        ),
        (
            [["Payroll", "HR", "100 CHF"]],
            [["Currency", "Rate"], ["EUR", 1], ["Swiss money", 1.05]],
            "Currency: 'Swiss money' is not a currency",
        ),
    ],
)
def test_what_cannot_be_converted_with_certainty_is_refused(
    make_book: MakeBook, rows: list[list[Any]], rates: list[list[Any]], said: str
) -> None:
    report = read_plan(make_book({"Budget": [["Line", "Function", "Current"], *rows], "Rates": rates}))
    assert report.plan is None
    assert any(said in issue.message for issue in report.issues), report.issues


def test_months_in_another_currency_are_converted_with_their_year(make_book: MakeBook) -> None:
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    budget: list[list[Any]] = [
        ["Line", "Function", "Currency", *months],
        ["Payroll", "HR", "GBP", *[100] * 11, 900],
        ["Ads", "Acquisition", "EUR", *[10] * 12],
    ]
    report = read_plan(make_book({"Budget": budget, "Rates": RATES}))
    plan = _plan(report)
    payroll, ads = plan.lines
    assert payroll.current == pytest.approx(2000 * 1.17)
    assert payroll.phasing == pytest.approx((117.0,) * 11 + (1053.0,))
    assert ads.phasing == pytest.approx((10.0,) * 12)
    assert not any("'Jan') is not used" in note for note in report.notes)
