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
from enum import StrEnum
from typing import Final

__all__ = [
    "EMPTY",
    "CellError",
    "CellValue",
    "DecimalMark",
    "decimal_mark",
    "is_blank",
    "read_bool",
    "read_fraction",
    "read_money",
    "read_number",
    "read_text",
    "show",
    "unprintable",
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
_INDIAN_GROUPS = re.compile(r"^\d{1,2}(?:,\d{2})*,\d{3}(?:\.\d+)?$")
_DOT_GROUPS = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_COMMA_DECIMALS = re.compile(r"^\d+,\d+$")
_LONE_GROUP = re.compile(r"^(?!0[.,])\d{1,3}[.,]\d{3}$")  # 0.125 groups nothing
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


class DecimalMark(StrEnum):
    """How a column of amounts writes its decimals (and so its thousands)."""

    POINT = "point"  # 1,234.56; Swiss 1'234.56; Indian 82,00,000.00
    COMMA = "comma"  # 1.234,56; 1 234,56
    #: Both, cell by cell: each amount is read as it is written, and one that cannot tell is refused.
    MIXED = "mixed"


def decimal_mark(value: CellValue) -> DecimalMark | None:
    """What one amount's text says about its column's decimal mark; None if it cannot tell.

    ``1,234.56`` and ``1,234,567`` write decimals with a point, ``1.234,56``,
    ``1.234.567`` and ``12,5`` with a comma. ``820.000`` and ``1,200`` (one
    separator before three digits) and plain digits cannot tell.
    """
    if not isinstance(value, str):
        return None
    core = _SPACES.sub("", value)
    comma, point = core.rfind(","), core.rfind(".")
    if comma >= 0 and point >= 0:
        return DecimalMark.POINT if point > comma else DecimalMark.COMMA
    if comma >= 0:
        if core.count(",") > 1:
            return DecimalMark.POINT
        return None if _groups_thousands(core, comma) else DecimalMark.COMMA
    if point >= 0:
        if core.count(".") > 1:
            return DecimalMark.COMMA
        return None if _groups_thousands(core, point) else DecimalMark.POINT
    return None


def _groups_thousands(core: str, at: int) -> bool:
    """Whether the lone separator at ``at`` could group thousands: three digits after it, not 0 before."""
    after = len(core[at + 1 :]) - len(core[at + 1 :].lstrip("0123456789"))
    before = core[:at][len(core[:at].rstrip("0123456789")) :]
    return after == 3 and before not in ("", "0")


def _parse_digits(core: str, original: str, what: str, mark: DecimalMark | None = None) -> float:
    """The digits of an amount, read with the column's decimal mark where it is known.

    Without one, each text decides for itself, and one separator before three
    digits (``820.000``, ``1,200``) groups thousands.
    """
    if mark is DecimalMark.MIXED:
        if _LONE_GROUP.match(core):
            raise CellError(
                f"{original!r} could be read with its separator grouping thousands or before decimals, "
                "and its column writes amounts both ways: write it without the separator"
            )
        mark = None
    if mark is not DecimalMark.COMMA:
        if _PLAIN.match(core) and not (mark is None and _LONE_GROUP.match(core)):
            return float(core)
        if _COMMA_GROUPS.match(core) or _INDIAN_GROUPS.match(core):
            return float(core.replace(",", ""))
    if mark is not DecimalMark.POINT:
        if _DOT_GROUPS.match(core):
            return float(core.replace(".", "").replace(",", "."))
        if _COMMA_DECIMALS.match(core) and not (mark is None and _LONE_GROUP.match(core)):
            return float(core.replace(",", "."))
        if core.isdigit():
            return float(core)
    if mark is None and _LONE_GROUP.match(core):
        return float(core.replace(",", "").replace(".", ""))
    if mark is not None and (decimal_mark(core) not in (None, mark)):
        other = "a comma" if mark is DecimalMark.POINT else "a point"
        raise CellError(
            f"{original!r} writes its decimals with {other}, unlike the other amounts of its column"
        )
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


def read_money(
    value: CellValue, what: str = "an amount of money", *, mark: DecimalMark | None = None
) -> float:
    """Money: a number, or text such as ``$1,200``, ``1.200,50 €``, ``(300)``, ``1.2M``.

    ``mark`` is the decimal mark of the column the text comes from (see
    :func:`decimal_mark`), when its other cells tell it.
    """
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
    number = _parse_digits(core, original, what, mark) * scale
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


#: Control characters: a workbook cannot hold them and a terminal acts on them (line breaks and
#: tabs in a name are read as spaces before this is asked).
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffe\uffff]")


def unprintable(text: str) -> str | None:
    """What is wrong with a name holding a control character (``\\x01``), or None when it holds none."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    return (
        f"{text!r} holds the control character U+{ord(found.group()):04X}, which no name may hold "
        "(a workbook cannot keep it): remove it"
    )


def read_text(value: CellValue, what: str = "a name") -> str:
    """A name: text, or a number used as a name (cost centre 4100); never one with a control character."""
    if isinstance(value, bool | dt.date | dt.time | dt.timedelta):
        raise CellError(f"{show(value)} is not {what}")
    if isinstance(value, float):
        return show(value)
    text = " ".join(str(value).split())
    if text.upper() in ERROR_VALUES:
        raise CellError(f"the cell holds the error {text}, not {what}")
    problem = unprintable(text)
    if problem is not None:
        raise CellError(problem)
    return text
