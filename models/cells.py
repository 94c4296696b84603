"""Reading one cell's value as money, a percentage, a yes/no or a name.

Workbooks arrive with money as numbers or as text with currency symbols and
thousands separators, and percentages as ``0.15``, ``15%`` or ``15 %``. Each
reader returns the value or raises :class:`CellError` with a message naming
the value and what is wrong with it; nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Final

__all__ = [
    "EMPTY",
    "CellError",
    "CellValue",
    "is_blank",
    "read_bool",
    "read_fraction",
    "read_money",
    "read_number",
    "read_text",
    "show",
]

CellValue = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None

EMPTY: Final = ""


class CellError(ValueError):
    """The cell's value cannot be read as what the column holds."""


_CURRENCY = re.compile(
    r"^(?:[$€£¥₹₩₽₺₪₫₴₦₱฿]|R\$|US\$|A\$|C\$|NZ\$|HK\$|S\$|CHF|USD|EUR|GBP|JPY|CAD|AUD|"
    r"NZD|SEK|NOK|DKK|PLN|CZK|HUF|INR|CNY|ZAR|BRL|MXN|SGD|HKD|kr\.?|zł|Fr\.?)",
    re.IGNORECASE,
)
_CURRENCY_END = re.compile(
    r"(?:[$€£¥₹₩₽₺₪₫₴₦₱฿]|CHF|USD|EUR|GBP|JPY|CAD|AUD|NZD|SEK|NOK|DKK|PLN|CZK|HUF|INR|CNY|"
    r"ZAR|BRL|MXN|SGD|HKD|kr\.?|zł|Fr\.?)$",
    re.IGNORECASE,
)
_SCALE = {"k": 1e3, "m": 1e6, "mn": 1e6, "mm": 1e6, "bn": 1e9}
_SCALE_END = re.compile(r"(?<=[\d\s.])(k|m|mn|mm|bn)$", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_PLAIN = re.compile(r"^\d+(?:\.\d+)?$")
_COMMA_GROUPS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_DOT_GROUPS = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d{1,2}$")
ERROR_VALUES = frozenset(
    {"#REF!", "#N/A", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
_TRUE = frozenset({"yes", "y", "true", "1", "x", "locked", "on", "ja", "oui", "si", "sí"})
_FALSE = frozenset({"no", "n", "false", "0", "off", "-", "unlocked", "nein", "non"})


def show(value: CellValue) -> str:
    """The value as a message quotes it."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return f"{int(value)}"
    return repr(value) if isinstance(value, str) else str(value)


def is_blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _reject_non_numbers(value: CellValue, what: str) -> None:
    if isinstance(value, bool):
        raise CellError(f"{show(value)} is a TRUE/FALSE value, not {what}")
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        raise CellError(f"{show(value)} is a date or time, not {what}")


def _finite(number: float, text: CellValue, what: str) -> float:
    if not math.isfinite(number):
        raise CellError(f"{show(text)} is not {what}")
    return number


def _parse_digits(core: str, original: str, what: str) -> float:
    if _PLAIN.match(core):
        return float(core)
    if _COMMA_GROUPS.match(core):
        return float(core.replace(",", ""))
    if _DOT_GROUPS.match(core) and (core.count(".") > 1 or "," in core):
        return float(core.replace(".", "").replace(",", "."))
    if _DECIMAL_COMMA.match(core):
        return float(core.replace(",", "."))
    raise CellError(f"{original!r} cannot be read as {what}")


def read_number(value: CellValue, what: str = "a number") -> float:
    """A plain number (weight, factor): a numeric cell or text holding one."""
    _reject_non_numbers(value, what)
    if isinstance(value, int | float):
        return _finite(float(value), value, what)
    text = str(value).strip()
    if text.upper() in ERROR_VALUES:
        raise CellError(f"the cell holds the error {text}, not {what}")
    negative = text.startswith("-")
    core = _SPACES.sub("", text.lstrip("+-"))
    number = _parse_digits(core, text, what)
    return -number if negative else number


def read_money(value: CellValue, what: str = "an amount of money") -> float:
    """Money: a number, or text such as ``$1,200``, ``1.200,50 €``, ``(300)``, ``1.2M``."""
    _reject_non_numbers(value, what)
    if isinstance(value, int | float):
        return _finite(float(value), value, what)
    original = str(value).strip()
    if original.upper() in ERROR_VALUES:
        raise CellError(f"the cell holds the error {original}, not {what}")
    if original.endswith("%"):
        raise CellError(f"{original!r} is a percentage, not {what}")
    text = original
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    if text.startswith(("-", "−")):
        negative, text = True, text[1:].strip()
    text = _CURRENCY.sub("", text, count=1).strip()
    if text.startswith(("-", "−")):
        negative, text = True, text[1:].strip()
    text = _CURRENCY_END.sub("", text).strip()
    if text.endswith(("-", "−")) and not negative:
        negative, text = True, text[:-1].strip()
    scale = 1.0
    found = _SCALE_END.search(text)
    if found:
        scale = _SCALE[found.group(1).lower()]
        text = text[: found.start()].strip()
    core = _SPACES.sub("", text)
    if not core:
        raise CellError(f"{original!r} cannot be read as {what}")
    number = _parse_digits(core, original, what) * scale
    return -number if negative else number


def read_fraction(value: CellValue, what: str = "a percentage", *, percent_format: bool = False) -> float:
    """A percentage as a fraction: ``0.15``, ``15%`` and ``15 %`` all give 0.15.

    A plain number above 1 is ambiguous (15 might mean 15% or 1500%) and is
    refused unless the cell is formatted as a percentage.
    """
    _reject_non_numbers(value, what)
    if isinstance(value, int | float):
        number = _finite(float(value), value, what)
        if number > 1 and not percent_format:
            raise CellError(
                f"{show(value)} is ambiguous as {what}: write {show(value)}% "
                f"or {number / 100:g} for {show(value)} percent"
            )
        return number
    text = str(value).strip()
    if text.upper() in ERROR_VALUES:
        raise CellError(f"the cell holds the error {text}, not {what}")
    if text.endswith("%"):
        return read_number(text[:-1].strip(), what) / 100
    return read_fraction(read_number(text, what), what)


def read_bool(value: CellValue, what: str = "yes or no") -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"{show(value)} is not {what}")


def read_text(value: CellValue, what: str = "a name") -> str:
    """A name: text, or a number used as a name (cost centre 4100)."""
    if isinstance(value, bool | dt.date | dt.time | dt.timedelta):
        raise CellError(f"{show(value)} is not {what}")
    if isinstance(value, float):
        return show(value)
    text = " ".join(str(value).split())
    if text.upper() in ERROR_VALUES:
        raise CellError(f"the cell holds the error {text}, not {what}")
    return text
