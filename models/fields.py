"""Parsing one value a finance lead types, in a workbook cell or in the window.

Each parser takes the cell's value (text or a number) and returns the typed
value, or raises :class:`~models.cells.CellError` with a message that quotes
the value and says what is wrong.
"""

from __future__ import annotations

import re
from typing import Final

from models import cells
from models.cells import CellError, CellValue, DecimalMark
from models.domain import Basis, Bound, Curve, Kind, Objective, RatioRule
from models.functions import fold_accents

__all__ = [
    "column_key",
    "header_key",
    "parse_amount",
    "parse_bound",
    "parse_change_limit",
    "parse_curve",
    "parse_kind",
    "parse_objective",
    "parse_positive_amount",
    "parse_ratio",
    "parse_share",
    "parse_weight",
]

_BRACKETS = re.compile(r"[\(\[\{][^\)\]\}]*[\)\]\}]")


#: A year or fiscal year in a header: 2025, FY25, FY 2025, FY2025/26, 2024-25, GJ 2025 (Geschäftsjahr);
#: and the French N, N-1, N+1 (this year, last year, next year).
_YEARS = re.compile(
    r"(?<![a-z0-9])(?:fy|gj|wj)\s*'?\s*(?:\d{4}|\d{2})(?:\s*[-/]\s*(?:\d{4}|\d{2}))?(?!\d)"
    r"|(?<!\d)(?:19|20)\d{2}(?:\s*[-/]\s*(?:\d{4}|\d{2}))?(?!\d)"
    r"|(?<![a-z0-9])n\s*[-+]\s*1(?!\d)|(?<![a-z0-9])n\s*$"
)


def header_key(text: str) -> str:
    """How a header or sheet name is compared: no case, accents, units in brackets, spaces or punctuation.

    ``Libellé``, ``LIBELLE`` and ``Libelle (EUR)`` are one header.
    """
    without_units = _BRACKETS.sub("", fold_accents(text.casefold()))
    return "".join(ch for ch in without_units if ch.isalnum())


#: A word of a header that only states a unit or a currency: "£m", "k€", "CHF", "TEUR", "$000s".
_UNIT_TOKEN: Final = re.compile(
    r"^(?:[$€£¥]+(?:k|m|mn|bn|000s?)?|(?:k|m|mn|bn)[$€£¥]+|'?000s?|"
    r"usd|eur|gbp|chf|jpy|cad|aud|sek|nok|dkk|pln|inr|teur|keur|meur|kusd|musd|tchf|tsd\.?)$"
)


def column_key(text: str) -> str:
    """How a column's header is compared: as :func:`header_key`, and years dropped.

    ``Budget 2025``, ``FY25 Budget``, ``Budget FY 2025/26``, ``Réalisé N-1``
    and ``Budget`` are one header. (Sheet names keep their years: sheets
    ``Budget 2024`` and ``Budget 2025`` are two.)
    """
    without_units = _BRACKETS.sub("", fold_accents(text.casefold()))
    if any(not _UNIT_TOKEN.match(word) for word in without_units.split()):
        # "Budget £m", "Budget CHF": the unit or currency is not part of the name.
        without_units = " ".join(w for w in without_units.split() if not _UNIT_TOKEN.match(w))
    if any(ch.isdigit() for ch in without_units) or without_units.rstrip().endswith("n"):
        without_units = _YEARS.sub("", without_units)
    return "".join(ch for ch in without_units if ch.isalnum())


_RATIO = re.compile(
    r"^\s*(?P<left>.+?)\s*(?:>=|≥|=>|at least)\s*(?P<factor>[0-9]*[.,]?[0-9]+)\s*"
    r"(?:x|×|\*|times)?\s*(?P<right>.+?)\s*$",
    re.IGNORECASE,
)


def parse_kind(value: CellValue) -> Kind:
    text = header_key(cells.read_text(value, "customer or internal"))
    if text in ("customer", "customers", "external", "customerfacing", "client", "clients", "c"):
        return Kind.CUSTOMER
    if text in ("internal", "internals", "support", "backoffice", "enabling", "enabler", "i"):
        return Kind.INTERNAL
    raise CellError(f"{cells.show(value)} is not 'customer' or 'internal'")


def parse_curve(value: CellValue) -> Curve:
    text = header_key(cells.read_text(value, "a curve"))
    if text in ("diminishing", "diminishingreturns", "log", "logarithmic", "concave", "dim"):
        return Curve.DIMINISHING
    if text in ("linear", "constant", "flat", "lin"):
        return Curve.LINEAR
    raise CellError(f"{cells.show(value)} is not 'diminishing' or 'linear'")


def parse_amount(value: CellValue, *, mark: DecimalMark | None = None) -> float:
    amount = cells.read_money(value, mark=mark)
    if amount < 0:
        raise CellError(f"{cells.show(value)} is negative; amounts must be 0 or more")
    return amount


def parse_positive_amount(value: CellValue, *, mark: DecimalMark | None = None) -> float:
    amount = cells.read_money(value, mark=mark)
    if amount <= 0:
        raise CellError(f"{cells.show(value)} must be above 0")
    return amount


def parse_weight(value: CellValue) -> float:
    number = cells.read_number(value)
    if number < 0:
        raise CellError(f"{cells.show(value)} is negative; it must be 0 or more")
    return number


def parse_change_limit(value: CellValue, *, percent_format: bool = False) -> float:
    fraction = cells.read_fraction(value, "a change limit", percent_format=percent_format)
    if fraction < 0:
        raise CellError(f"{cells.show(value)} is negative; a change limit is 0% or more")
    return fraction


def parse_share(value: CellValue, *, percent_format: bool = False) -> float:
    fraction = cells.read_fraction(value, "a share", percent_format=percent_format)
    if not 0 <= fraction <= 1:
        raise CellError(f"{cells.show(value)} is a share above 100% or below 0%")
    return fraction


_OF_CURRENT = re.compile(
    r"^(?P<pct>.+?%)\s*(?:of)?\s*(?:the)?\s*(?P<basis>current|budget|total)?\s*(?:total|spend|budget)?$",
    re.IGNORECASE,
)


def parse_bound(value: CellValue, *, percent_format: bool = False) -> Bound:
    """An amount, ``8%`` of the budget, or ``95% of current``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if percent_format:
            return Bound(float(value), Basis.BUDGET)
        if 0 < value < 1:
            raise CellError(
                f"{cells.show(value)} is ambiguous: write it as {value * 100:g}% for a share of "
                f"the budget, or as an amount of money"
            )
        return Bound(parse_amount(value), Basis.AMOUNT)
    text = cells.read_text(value, "an amount or a percentage")
    match = _OF_CURRENT.match(text)
    if match and "%" in text:
        pct = cells.read_fraction(match.group("pct"), "a percentage")
        basis = Basis.CURRENT if (match.group("basis") or "").lower() == "current" else Basis.BUDGET
        if pct < 0:
            raise CellError(f"{text!r} is negative")
        return Bound(pct, basis)
    return Bound(parse_amount(text), Basis.AMOUNT)


def parse_objective(value: CellValue) -> Objective:
    text = header_key(cells.read_text(value, "an objective"))
    if text in ("maximpact", "maximiseimpact", "maximizeimpact", "impact", "max"):
        return Objective.MAX_IMPACT
    if text in ("minchange", "minimisechange", "minimizechange", "leastchange", "change", "min"):
        return Objective.MIN_CHANGE
    raise CellError(f"{cells.show(value)} is not 'max-impact' or 'min-change'")


def parse_ratio(value: CellValue) -> RatioRule:
    text = cells.read_text(value, "a ratio rule")
    match = _RATIO.match(text)
    if not match:
        raise CellError(
            f"{text!r} cannot be read as a ratio rule; write it as 'Customer service >= 0.5 x Acquisition'"
        )
    factor = float(match.group("factor").replace(",", "."))
    return RatioRule(match.group("left").strip(), factor, match.group("right").strip())
