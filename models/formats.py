"""How Fulcrum writes money and percentages, everywhere: tables, messages, the command line.

One money formatter and one percentage formatter; their options are the
styles the program uses:

- money in a table or a report: ``1,234,567`` (``decimals`` for cents);
- money in a sentence: ``6.2M`` (``short``), or exact to the cent without
  trailing zeros (``trim``: ``1,200.5``);
- a percentage in a table: ``12.5%``; in a sentence, to ``significant``
  digits: ``40.34%``.
"""

from __future__ import annotations

import math

__all__ = ["money", "percent"]


def money(value: float | None, decimals: int = 0, *, trim: bool = False, short: bool = False) -> str:
    """An amount of money as text; an empty string for no value.

    ``short`` gives sentences' ``6,200,000`` as ``6.2M`` (``B`` for billions);
    ``trim`` drops trailing zeros after the decimal point.
    """
    if value is None or not math.isfinite(value):
        return ""
    if short:
        magnitude = abs(value)
        if magnitude >= 1e12:
            return f"{value:,.0f}"
        if magnitude >= 1e9:
            return f"{value / 1e9:,.3g}B"
        if magnitude >= 1e6:
            return f"{value / 1e6:,.4g}M"
        if magnitude >= 1e4:
            return f"{value:,.0f}"
        decimals, trim = 2, True
    text = f"{value:,.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text.startswith("-") and text.strip("-0.,") == "" else text


def percent(value: float | None, decimals: int = 1, *, significant: int | None = None) -> str:
    """A fraction as a percentage: ``0.125`` is ``12.5%``; an empty string for no value.

    With ``significant``, that many significant digits and no trailing zeros
    (``0.403369`` to 4 digits is ``40.34%``).
    """
    if value is None or not math.isfinite(value):
        return ""
    if significant is not None:
        return f"{value * 100:.{significant}g}%"
    return f"{value * 100:.{decimals}f}%"
