"""The one money formatter and the one percentage formatter, in each of their styles."""

from __future__ import annotations

import math

import pytest

from models.formats import money, percent


def test_money_in_tables() -> None:
    assert money(1234567.891) == "1,234,568"
    assert money(-0.2) == "0"
    assert money(-1234.5) == "-1,234"
    assert money(1234.5, 2) == "1,234.50"
    assert money(0.0, 2) == "0.00"
    assert money(None) == ""
    assert money(math.nan) == ""
    assert money(math.inf) == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (6_200_000, "6.2M"),
        (-250_000_000, "-250M"),
        (1_500_000_000, "1.5B"),
        (2e12, "2,000,000,000,000"),
        (12_345, "12,345"),
        (1_200.5, "1,200.5"),
        (5.0, "5"),
        (0.25, "0.25"),
    ],
)
def test_money_in_sentences(value: float, text: str) -> None:
    assert money(value, short=True) == text


def test_money_exact_to_the_cent_without_trailing_zeros() -> None:
    assert money(1200.5, 2, trim=True) == "1,200.5"
    assert money(1200.0, 2, trim=True) == "1,200"
    assert money(0.129, 2, trim=True) == "0.13"


def test_percentages() -> None:
    assert percent(0.1234) == "12.3%"
    assert percent(0.15, 0) == "15%"
    assert percent(0.403369, significant=4) == "40.34%"
    assert percent(0.5, significant=4) == "50%"
    assert percent(None) == ""
