"""Exchange rates: amounts in several currencies brought to the plan's one currency.

A workbook may give a Rates sheet (``Rates``, ``Exchange rates``, ``FX``,
``Wechselkurse``, ``Taux de change``, ``Tipos de cambio``) with a Currency and
a Rate column: what one unit of each currency is worth in the plan's
currency, which is the one whose rate is 1. Without it, amounts in several
currencies are refused, each named; with it, each line's amounts are
converted at its currency's rate and the import report says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from models.cells import CellValue
from models.sheet_rows import currency_of

__all__ = ["RATE_COLUMNS", "RATE_SHEETS", "Rates", "currency_code"]

#: Names of a sheet of exchange rates (compared by ``header_key``).
RATE_SHEETS: Final = (
    "rates", "exchangerates", "exchangerate", "fx", "fxrates", "currencyrates", "currencies", "wechselkurse",
    "kurse", "devises", "tauxdechange", "tiposdecambio", "tipodecambio",
)  # fmt: skip
#: The Rates sheet's columns and the headers they go by.
RATE_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "currency": (
        "Currency", "Ccy", "Code", "Currency code", "Währung", "Devise", "Monnaie", "Moneda", "Divisa",
    ),
    "rate": (
        "Rate", "Exchange rate", "FX rate", "Rate to plan currency", "Conversion rate", "Kurs", "Wechselkurs",
        "Umrechnungskurs", "Taux", "Taux de change", "Tipo de cambio", "Tasa", "Cambio",
    ),
}  # fmt: skip
#: Dollars other than the US dollar, which a bare ``$`` cannot be told from.
_DOLLARS: Final = frozenset({"USD", "CAD", "AUD", "NZD", "HKD", "SGD"})


def currency_code(value: CellValue) -> str | None:
    """The currency a cell names: ``EUR``, ``€``, ``US$``, ``chf``; None for no currency."""
    if not isinstance(value, str) or not value.strip():
        return None
    found = currency_of(value)
    if found is not None:
        return found
    text = value.strip().upper()
    return text if len(text) == 3 and text.isalpha() else None


@dataclass(frozen=True, slots=True)
class Rates:
    """What one unit of each currency is worth in the plan's currency (``base``, rate 1)."""

    base: str
    rates: Mapping[str, float]

    def rate(self, currency: str) -> float | None:
        """The rate of a currency as a workbook names it; a bare ``$`` is the one dollar the rates have."""
        if currency in self.rates:
            return self.rates[currency]
        if currency == "$":
            dollars = [code for code in self.rates if code in _DOLLARS]
            return self.rates[dollars[0]] if len(dollars) == 1 else None
        return None

    def describe(self, used: set[str]) -> str:
        """``CHF 1.05, GBP 1.17``: the rates of the currencies used, as the report names them."""
        shown = sorted(code for code in used if code != self.base)
        return ", ".join(f"{code} {self.rate(code) or 0.0:g}" for code in shown)
