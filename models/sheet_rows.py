"""What a budget sheet's rows and headings say besides its lines: totals, headings, units.

A consolidated budget carries subtotal and grand-total rows, section
headings and footnotes among its lines, and often states its unit once, in
a title ("Amounts in $000s") or in a column's header ("Budget (k€)"). Read
as lines, a subtotal doubles the budget; ignored, a unit makes every figure
a thousand times too small. This module recognises them; the reader skips
such rows with their reason and scales the money it reads.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from itertools import pairwise
from typing import Final

from models.cells import CellValue

__all__ = [
    "CURRENCY_HEADERS",
    "MONTH_LABELS",
    "QUARTER_LABELS",
    "TOTAL_HINT",
    "TOTAL_WORDS",
    "YEAR_TOTAL_LABEL",
    "currency_of",
    "joined_header",
    "period_labels",
    "period_of",
    "side_by_side",
    "total_label",
    "total_of",
    "unit_scale",
    "unit_words",
]

#: Words that make a row a total, in the languages budgets arrive in (compared without case or accents).
TOTAL_WORDS: Final = frozenset(
    {
        "total",
        "totals",
        "subtotal",
        "sub total",
        "sub-total",
        "grand total",
        "overall total",
        "sum",
        "summe",
        "zwischensumme",
        "gesamt",
        "gesamtsumme",
        "insgesamt",
        "total general",
        "sous-total",
        "sous total",
        "totale",
        "subtotale",
        "totale generale",
        "suma",
        "suma total",
    }
)
#: Words that may stand beside a total word and a function's name ("Total for HR", "HR total:").
_FILLERS: Final = frozenset({"for", "of", "all", "de", "des", "du", "la", "le", "für", "fur", "del", "di"})
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)?", re.UNICODE)


def _fold(text: str) -> str:
    """Lower case without accents, punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_WORD.findall(plain))


_TOTALS_FOLDED: Final = frozenset(_fold(word) for word in TOTAL_WORDS)
#: What every total word holds: text without it is never a total (a quick first test).
TOTAL_HINT: Final = re.compile(r"tot|sum|gesamt", re.IGNORECASE)


def total_label(value: CellValue, functions: Iterable[str] = ()) -> str | None:
    """Whether a cell marks its row as a total: the kind of total (``total``, ``HR total``), or None.

    A total word alone ("Total", "Grand total", "Summe") is a total; so is a
    total word beside the name of one of ``functions`` ("HR total", "Total
    IT", "Gesamt Marketing"). A line merely starting with the word ("Total
    rewards programme") is not.
    """
    if not isinstance(value, str) or not TOTAL_HINT.search(value):
        return None
    folded = _fold(value)
    if folded in _TOTALS_FOLDED:
        return value.strip()
    words = folded.split()
    for size in (1, 2, 3):
        for head, tail in ((words[:size], words[size:]), (words[-size:], words[:-size])):
            if " ".join(head) in _TOTALS_FOLDED and tail:
                rest = [w for w in tail if w not in _FILLERS]
                if rest and " ".join(rest) in {_fold(f) for f in functions}:
                    return value.strip()
    return None


def total_of(label: str, functions: Iterable[str]) -> str | None:
    """The function a total row covers ("HR total" covers HR), or None for a total of everything."""
    words = set(_fold(label).split())
    for function in functions:
        folded = _fold(function)
        if folded and set(folded.split()) <= words and folded not in _TOTALS_FOLDED:
            return function
    return None


def joined_header(
    rows: Sequence[Sequence[CellValue]],
    match: Callable[[Sequence[CellValue]], dict[str, list[int]]],
    required: Sequence[str],
) -> tuple[int, list[CellValue], dict[str, list[int]]] | None:
    """A header split over two rows ("Cost" over "centre"), when no row alone names every required field.

    The lower row's index, the two rows' words joined column by column
    ("Cost centre"), and the fields they name; None unless the joined words
    name every required field, the lower row alone does not, both rows hold
    text only, and each word of the upper row has a word below it.
    """
    for r in range(len(rows) - 1):
        top, bottom = rows[r], rows[r + 1]
        width = max(len(top), len(bottom))
        pairs = [
            (top[c] if c < len(top) else None, bottom[c] if c < len(bottom) else None) for c in range(width)
        ]
        if not any(isinstance(a, str) and a.strip() for a, _b in pairs):
            continue
        if any(
            not (a is None or (isinstance(a, str) and (not a.strip() or (isinstance(b, str) and b.strip()))))
            or not (b is None or isinstance(b, str))
            for a, b in pairs
        ):
            continue  # a number, or a word of the upper row with nothing below it: not a split header
        joined: list[CellValue] = [
            " ".join(str(v).strip() for v in (a, b) if isinstance(v, str) and v.strip()) or None
            for a, b in pairs
        ]
        found = match(joined)
        if all(f in found for f in required) and not all(f in match(bottom) for f in required):
            return r + 1, joined, found
    return None


def side_by_side(
    rows: Sequence[Sequence[CellValue]],
    match: Callable[[Sequence[CellValue]], dict[str, list[int]]],
    required: Sequence[str],
    search_rows: int,
) -> list[tuple[int, int]] | None:
    """Tables set side by side on one sheet under the same headers: each one's first and last column.

    None unless a header row holds two or more groups of headers, each
    naming every required field once, all with the same words, and the
    columns between the groups are empty from the header row down. The
    header is looked for in the first ``search_rows`` rows.
    """
    for r, row in enumerate(rows[:search_rows]):
        found = match(row)
        if len(found.get(required[0], ())) < 2:
            continue
        groups: list[tuple[int, int]] = []
        start: int | None = None
        for c, value in enumerate([*row, None]):
            filled = isinstance(value, str) and bool(value.strip())
            if filled and start is None:
                start = c
            elif not filled and start is not None:
                groups.append((start, c - 1))
                start = None
        words = [tuple(_fold(str(row[c])) for c in range(a, b + 1)) for a, b in groups]
        named = [match([v if a <= c <= b else None for c, v in enumerate(row)]) for a, b in groups]
        if (
            len(groups) < 2
            or len(set(words)) != 1
            or any(not all(len(fields.get(f, ())) == 1 for f in required) for fields in named)
        ):
            return None
        between = {c for (_a, b), (a2, _b2) in pairwise(groups) for c in range(b + 1, a2)}
        if any(c < len(line) and not _blank(line[c]) for line in rows[r:] for c in between):
            return None
        return groups
    return None


def _blank(value: CellValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- units ------------------------------------------------------------------------------

_THOUSANDS: Final = re.compile(
    r"(?:\b(?:in|en|x)|\()\s*(?:(?:[$€£]|eur|usd|gbp|chf)\s*)?(?:thousands?|milliers?|miles|tausend|tsd)\b"
    r"|\b(?:thousands?|tsd)\.?\s*(?:[$€£]|eur|usd|gbp|chf)"
    r"|(?<![\w.,])'?000s?(?![\w.,])"
    r"|\(\s*(?:[$€£¥]|chf|eur|usd|gbp)?\s*k\s*(?:[$€£¥]|chf|eur|usd|gbp)?\s*\)"
    r"|(?<!\w)(?:k[$€£]|[$€£]k|keur|kusd|kgbp|kchf|teur|tchf|t€)(?!\w)",
    re.IGNORECASE,
)
_MILLIONS: Final = re.compile(
    r"(?:\b(?:in|en|x)|\()\s*(?:(?:[$€£]|eur|usd|gbp|chf)\s*)?(?:millions?|millones|mio|mn)\b"
    r"|\b(?:mio|mn)\.?\s*(?:[$€£]|eur|usd|gbp|chf)"
    r"|\(\s*(?:[$€£¥]|chf|eur|usd|gbp)?\s*m\s*(?:[$€£¥]|chf|eur|usd|gbp)?\s*\)"
    r"|(?<!\w)(?:m[$€£]|[$€£]m|meur|musd|mgbp|mchf)(?!\w)",
    re.IGNORECASE,
)


def unit_scale(text: CellValue) -> float | None:
    """The money unit a title, note or header states: 1,000 for thousands, 1,000,000 for millions.

    None when the text states no unit. ``Amounts in $000s``, ``(k€)``,
    ``in thousands``, ``TEUR`` are thousands; ``£m``, ``(€m)``, ``in
    millions``, ``Mio`` are millions. A text that states both is ambiguous
    and gives None (the reader reports it).
    """
    if not isinstance(text, str) or not text.strip():
        return None
    thousands = bool(_THOUSANDS.search(text))
    millions = bool(_MILLIONS.search(text))
    if thousands == millions:
        return None
    return 1_000.0 if thousands else 1_000_000.0


def unit_words(scale: float) -> str:
    """A unit in words: ``thousands``, ``millions``, or ``units of 500``."""
    if scale == 1_000.0:
        return "thousands"
    if scale == 1_000_000.0:
        return "millions"
    if scale == 1_000_000_000.0:
        return "billions"
    return f"units of {scale:,g}"


# -- currencies ----------------------------------------------------------------------------

#: Headers of a column that gives each line's currency (compared by ``header_key``).
CURRENCY_HEADERS: Final = frozenset(
    {"currency", "ccy", "cur", "curr", "wahrung", "währung", "devise", "moneda", "divisa"}
)
_SYMBOLS: Final = {
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₺": "TRY",
    "₪": "ILS",
}
_CODE: Final = re.compile(
    r"(?<![A-Za-z])(EUR|USD|GBP|CHF|JPY|CAD|AUD|NZD|SEK|NOK|DKK|PLN|CZK|HUF|INR|CNY|ZAR|BRL|MXN|SGD|HKD)(?![A-Za-z])"
    r"|(US\$|A\$|C\$|NZ\$|HK\$|S\$|R\$)|([$€£¥₹₩₽₺₪])",
)


def currency_of(text: CellValue) -> str | None:
    """The currency an amount's text names (``€1,200`` is EUR, ``1.200 CHF`` is CHF), or None."""
    if not isinstance(text, str):
        return None
    found = _CODE.search(text)
    if found is None:
        return None
    code, dollar, symbol = found.groups()
    if code:
        return code
    if dollar:
        return {"US$": "USD", "A$": "AUD", "C$": "CAD", "NZ$": "NZD", "HK$": "HKD", "S$": "SGD", "R$": "BRL"}[
            dollar
        ]
    return _SYMBOLS.get(symbol, "$" if symbol == "$" else symbol)


# -- months and quarters ------------------------------------------------------------------

_MONTHS: Final = (
    ("jan", "january", "januar", "janvier", "enero", "ene", "janv"),
    ("feb", "february", "februar", "fevrier", "febrero", "fev", "fevr"),
    ("mar", "march", "marz", "mars", "marzo", "maerz"),
    ("apr", "april", "avril", "abril", "abr", "avr"),
    ("may", "mai", "mayo"),
    ("jun", "june", "juni", "juin", "junio"),
    ("jul", "july", "juli", "juillet", "julio", "juil"),
    ("aug", "august", "aout", "agosto", "ago"),
    ("sep", "sept", "september", "septembre", "septiembre"),
    ("oct", "october", "oktober", "okt", "octobre", "octubre"),
    ("nov", "november", "novembre", "noviembre"),
    ("dec", "december", "dezember", "dez", "decembre", "diciembre", "dic"),
)
_MONTH_OF: Final = {word: n for n, words in enumerate(_MONTHS, start=1) for word in words}
_PERIOD: Final = re.compile(r"^([a-z]+)\.?(?:\s*[-/' ]?\s*(?:\d{2}|\d{4}))?$")
_QUARTER: Final = re.compile(
    r"^(?:q|quarter|quartal|trimestre|t)\s*([1-4])(?:\s*[-/' ]?\s*(?:\d{2}|\d{4}))?$"
)
#: Headers of the year's total beside monthly or quarterly columns (compared by ``header_key``).
YEAR_TOTAL_HEADERS: Final = frozenset(
    {"fytotal", "total", "totalfy", "year", "yeartotal", "annual", "annualtotal", "fullyear", "gesamt",
     "jahr", "jahrestotal", "jahressumme", "annee", "totalannee", "anual", "totalanual", "ytotal"}
)  # fmt: skip


#: The headers Fulcrum writes for a year's periods (each read back by :func:`period_of`).
MONTH_LABELS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
QUARTER_LABELS: Final = ("Q1", "Q2", "Q3", "Q4")
#: The header Fulcrum writes for the year's total beside its periods (one of :data:`YEAR_TOTAL_HEADERS`).
YEAR_TOTAL_LABEL: Final = "FY total"


def period_labels(count: int) -> tuple[str, ...]:
    """The headers of a year of ``count`` periods: twelve months or four quarters."""
    if count == len(MONTH_LABELS):
        return MONTH_LABELS
    if count == len(QUARTER_LABELS):
        return QUARTER_LABELS
    raise ValueError(f"a year has 12 months or 4 quarters, not {count} periods")


def period_of(header: CellValue) -> tuple[str, int] | None:
    """The month (``("month", 1..12)``) or quarter (``("quarter", 1..4)``) a column header names, or None.

    ``Jan``, ``January``, ``Jan-25``, ``Januar``, ``janv.``, ``Enero``, a date
    cell; ``Q1``, ``Q1 2025``, ``Quarter 1``, ``T1``.
    """
    if isinstance(header, dt.date):
        return ("month", header.month)
    if not isinstance(header, str):
        return None
    text = _fold(header).replace(" ", "") if len(header) < 3 else _fold(header)
    found = _QUARTER.match(text)
    if found:
        return ("quarter", int(found.group(1)))
    found = _PERIOD.match(text)
    if found and found.group(1) in _MONTH_OF:
        return ("month", _MONTH_OF[found.group(1)])
    return None
