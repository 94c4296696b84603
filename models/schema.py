"""The plan's vocabulary: every line field and every policy setting, described once.

Each entry says what a field or setting is called (its attribute, its label,
the header words finance people use for it), how a typed value is read
(the same parser for a workbook cell and for what is typed in the window),
how it is shown, its default, its unit, whether the window edits it, and a
one-line help text, and the range a number may hold. The workbook reader and
writer, the plan's validation, the window's Budget table, its editors,
drop-downs and totals row, the Rules panel's tooltips, ``solve --json`` and
the README's workbook tables all follow these tables.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from enum import Enum, StrEnum
from functools import partial
from typing import Any, Final

from models import cells
from models import fields as parsers
from models.cells import CellValue
from models.domain import Checks, Curve, Kind, Line, Objective, Plan, Policy, RatioRule
from models.fields import column_key
from models.formats import money, percent
from models.functions import fold_accents

__all__ = [
    "BUDGET_COLUMNS",
    "BUDGET_SHEET",
    "FUNCTIONS_SHEET",
    "FUNCTION_COLUMNS",
    "LINE_FIELDS",
    "NOT_FINITE",
    "POLICY_SETTINGS",
    "POLICY_SHEET",
    "RANGES",
    "Fallback",
    "Field",
    "HeaderWords",
    "Minimum",
    "Reading",
    "Setting",
    "Unit",
    "is_code_header",
    "line_field",
    "line_json",
    "markdown_budget_table",
    "markdown_settings_table",
    "plan_json",
    "policy_from_settings",
    "setting",
]


class Unit(StrEnum):
    """What a value is, which decides how it is shown, written and aligned."""

    TEXT = "text"
    MONEY = "money"
    NUMBER = "number"
    SHARE = "share"  # a fraction shown as a percentage
    CHOICE = "choice"  # one of a few words (an enum)
    FLAG = "flag"  # yes or no
    RULE = "rule"  # a ratio rule, written as text


class Reading(StrEnum):
    """How the workbook reader takes a field's cells (each with a fast path for the common cell)."""

    TEXT = "text"  # a name: plain text is taken as it is
    AMOUNT = "amount"  # a number of 0 or more is taken as it is
    WORD = "word"  # text read once per distinct value
    FRACTION = "fraction"  # a number in [0, 1] is taken as it is; above 1 its percent format decides


class Minimum(StrEnum):
    """The range a number field or setting may hold."""

    ZERO = "zero"  # 0 or more
    POSITIVE = "positive"  # above 0
    FRACTION = "fraction"  # from 0 to 1 (0% to 100%)


#: The numbers each range holds, as (least, most): every finite number in them is sound.
RANGES: Final = {
    Minimum.ZERO: (0.0, sys.float_info.max),
    Minimum.POSITIVE: (math.nextafter(0.0, 1.0), sys.float_info.max),
    Minimum.FRACTION: (0.0, 1.0),
}


def _problem(minimum: Minimum | None, value: object) -> str | None:
    """What is wrong with a number for a field or setting with this range, or None."""
    if minimum is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value):
        return NOT_FINITE
    if minimum is Minimum.POSITIVE and not value > 0:
        return "must be above 0"
    if minimum is Minimum.FRACTION and not 0 <= value <= 1:
        return "must be between 0% and 100%"
    return "is negative" if value < 0 else None


#: What a value that is not a finite number is said to be.
NOT_FINITE: Final = "is not a finite number"


def _show_number(value: object) -> str:
    return "" if value is None else f"{value:g}"


def _show_share(value: object) -> str:
    return percent(value, 0) if isinstance(value, int | float) else ""


def _show_money(value: object) -> str:
    return money(value) if isinstance(value, int | float) else ""


def _show_flag(value: object) -> str:
    return "yes" if value else "no"


def _show_text(value: object) -> str:
    if value is None:
        return ""
    return str(value.value) if isinstance(value, Enum) else str(value)


_SHOW: Final[dict[Unit, Callable[[object], str]]] = {
    Unit.TEXT: _show_text,
    Unit.MONEY: _show_money,
    Unit.NUMBER: _show_number,
    Unit.SHARE: _show_share,
    Unit.CHOICE: _show_text,
    Unit.FLAG: _show_flag,
    Unit.RULE: lambda value: value.describe() if isinstance(value, RatioRule) else "",
}


def _edit_text(unit: Unit, value: object) -> str:
    """A value as the editor starts from: money to the cent, numbers and shares to 15 digits.

    What the editor starts from is taken as no change when committed as it is
    (see :meth:`ui.table_models.BudgetModel.setData`), so a value with more
    decimals than shown is never rounded by opening its editor.
    """
    if value is None:
        return ""
    if unit is Unit.MONEY and isinstance(value, int | float):
        return money(value, 2, trim=True)
    if unit is Unit.SHARE and isinstance(value, int | float):
        return f"{value * 100:.15g}%"
    if unit is Unit.NUMBER and isinstance(value, int | float):
        return f"{value:.15g}"
    return _SHOW[unit](value)


def _share_cell(value: object) -> object:
    # A share above 100% is written as text: a number above 1 reads back as ambiguous.
    if isinstance(value, int | float) and value > 1:
        return f"{value * 100:.10g}%"
    return value


def _flag_cell(value: object) -> object:
    return None if value is None else ("yes" if value else "no")


def _rule_cell(value: object) -> object:
    if isinstance(value, RatioRule):
        return f"{value.left} >= {value.factor:.10g} x {value.right}"
    return value


def _word_cell(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


#: How a value of each unit becomes a cell's content (none: the value itself).
_TO_CELL: Final[dict[Unit, Callable[[object], object]]] = {
    Unit.SHARE: _share_cell,
    Unit.FLAG: _flag_cell,
    Unit.RULE: _rule_cell,
    Unit.CHOICE: _word_cell,
}


def _cell(unit: Unit, value: object) -> tuple[object, str | None]:
    """A value as a workbook cell: the cell's content and its number format (``money``, ``percent``)."""
    convert = _TO_CELL.get(unit)
    content = value if convert is None else convert(value)
    return content, _COLUMN_FORMATS.get(unit) if isinstance(content, int | float) else None


_COLUMN_FORMATS: Final = {Unit.MONEY: "money", Unit.SHARE: "percent"}


def _json(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, RatioRule):
        return value.describe()
    return value


@dataclass(frozen=True, slots=True)
class Fallback:
    """Headers that name a field only when no column of the header row is headed by the field's headers.

    When another column names the field, a column so headed names ``otherwise``
    if no column names that either (a Department column beside a Description
    column is the Function), and is not used else.
    """

    headers: tuple[str, ...]
    otherwise: str | None = None


@dataclass(frozen=True, slots=True)
class Field:
    """One column of the Budget sheet: one attribute of :class:`~models.domain.Line`."""

    attr: str  # "half_return"
    label: str  # "Half-return": the header written and the window's column
    #: The headers finance teams give the column, as written (compared by :func:`models.fields.column_key`);
    #: the first few are named when the column is missing.
    headers: tuple[str, ...]
    parse: Callable[..., Any]  # a cell's value (or typed text) to the typed value; raises CellError
    unit: Unit
    default: object  # for a blank optional cell
    reading: Reading
    help: str  # the tooltip and the README's description, in a finance lead's words
    required: bool = False
    #: Blank means "work it out" (a line's kind from its function); the window refuses blank.
    inferred: bool = False
    editable: bool = True
    choices: tuple[str, ...] = ()  # the drop-down's words
    width: float = 12  # column width in an exported workbook
    #: The least a number may be (checked on every plan, however it was made).
    minimum: Minimum | None = None
    #: Its values add up to a meaningful total (money a line has, gets or may get).
    additive: bool = False
    #: The field a percentage in this column is a share of (a line's floor of 90% is 90% of its current).
    share_of: str | None = None
    #: Headers that name the column only when no column of the header row is headed by ``headers``.
    fallbacks: tuple[Fallback, ...] = ()
    #: The headers' keys, as :func:`models.fields.column_key` gives them.
    synonyms: tuple[str, ...] = dc_field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "synonyms", tuple(dict.fromkeys(map(column_key, self.headers))))

    def text(self, value: object) -> str:
        """The value as the window's table shows it."""
        return _SHOW[self.unit](value)

    def problem(self, value: object) -> str | None:
        """What is wrong with a value of this field (``is negative``), or None."""
        return _problem(self.minimum, value)

    def edit_text(self, value: object) -> str:
        return _edit_text(self.unit, value)

    @property
    def to_cell(self) -> Callable[[object], object] | None:
        """How a value becomes a cell's content; None when it is written as it is."""
        return _TO_CELL.get(self.unit)

    @property
    def number_format(self) -> str | None:
        """The number format of the field's column in a workbook: ``money``, ``percent`` or none."""
        return _COLUMN_FORMATS.get(self.unit)

    @property
    def numeric(self) -> bool:
        return self.unit in (Unit.MONEY, Unit.NUMBER, Unit.SHARE)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _headers(text: str) -> tuple[str, ...]:
    """Headers as written, separated by commas."""
    return tuple(header.strip() for header in text.split(","))


def _choices(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


#: Every attribute of a line but its phasing: a phasing is a year of columns (twelve months or four
#: quarters), not one, and :mod:`models.phasing` describes it (the headers: :mod:`models.sheet_rows`).
LINE_FIELDS: Final = (
    Field(
        "name",
        "Line",
        _headers(
            "Line, Name, Description, Bezeichnung, Libellé, Concepto, Cost centre name, Lines, Line name, "
            "Line item, Budget line, Initiative, Project, Programme, Program, Cost center name, "
            "Cost centre description, Cost center description, Account name, Account description, "
            # German
            "Kostenstellenbezeichnung, Kostenstellenname, Kontobezeichnung, Beschreibung, Projekt, Maßnahme, "
            # French
            "Désignation, Intitulé, Nom, Projet, "
            # Spanish
            "Descripción, Nombre, Proyecto, Iniciativa"
        ),
        cells.read_text,
        Unit.TEXT,
        None,
        Reading.TEXT,
        "The line's name: a department, cost centre or initiative; unique in the plan",
        required=True,
        width=30,
        fallbacks=(
            Fallback(
                _headers(
                    "Item, Position, Budgetposition, Poste, Poste budgétaire, Partida, Partida presupuestaria"
                )
            ),
            Fallback(
                _headers(
                    "Cost centre, Cost center, Cost centres, Cost centers, Kostenstelle, Kostenstellen, "
                    "Centre de coûts, Centre de coût, Centre de frais, Centro de coste, Centro de costes, "
                    "Centro de costo, Centro de costos, CeCo"
                )
            ),
            Fallback(
                _headers(
                    "Account, GL account, Ledger account, Konto, Sachkonto, Compte, Compte comptable, "
                    "Cuenta, Cuenta contable"
                )
            ),
            Fallback(
                _headers(
                    "Department, Dept, Departments, Department name, Abteilung, Service, Département, "
                    "Departamento"
                ),
                otherwise="function",
            ),
        ),
    ),
    Field(
        "code",
        "Code",
        _headers(
            "Code, Line code, Cost centre code, Cost center code, CC code, Cost centre number, "
            "Cost center number, Account code, Account number, Account no, GL code, GL account code, "
            "Project code, Kostenstellennummer, Kostenstellen-Nr, Kontonummer, Code analytique, "
            "Numéro de compte, Code centre de coûts, Código, Código de cuenta, Código centro de coste"
        ),
        cells.read_text,
        Unit.TEXT,
        None,
        Reading.TEXT,
        "The line's code in the ledger (cost centre or account number), kept and shown beside its name",
        width=12,
    ),
    Field(
        "function",
        "Function",
        _headers(
            "Function, Division, Business unit, Funktion, Fonction, Función, Business function, Group, Area, "
            "Category, Function area, Unit, Pillar, "
            # German
            "Bereich, Geschäftsbereich, Unternehmensbereich, Funktionsbereich, Sparte, "
            # French
            "Direction, Pôle, Catégorie, "
            # Spanish
            "Unidad de negocio, Categoría"
        ),
        cells.read_text,
        Unit.TEXT,
        None,
        Reading.TEXT,
        "The group the line belongs to, such as HR, IT, Internal comms or Customer service",
        required=True,
        width=20,
    ),
    Field(
        "kind",
        "Kind",
        _headers("Kind, Type, Line type, Focus, Customer or internal, Customer/internal"),
        parsers.parse_kind,
        Unit.CHOICE,
        None,
        Reading.WORD,
        "customer or internal: customer lines serve customers, internal lines keep the company running "
        "(default from the Functions sheet, else HR, IT and Internal comms are internal)",
        inferred=True,
        choices=_choices(Kind),
        width=10,
    ),
    Field(
        "current",
        "Current",
        _headers(
            "Current, Actual, Budget, Amount, Betrag, Montant, Importe, Ist, Réalisé, Presupuesto, "
            "Current spend, Current budget, Actuals, Actual spend, Last year, Last year spend, Prior year, "
            "Prior year spend, Baseline, Baseline spend, Spend, Cost, Costs, Current amount, "
            "Revised budget, Proposed budget, Approved budget, Annual budget, Budget amount, "
            # German
            "Vorjahr, Ist Vorjahr, Istkosten, Kosten, Budgetbetrag, "
            # French
            "Réel, Coût, Coûts, Dépenses, Budget actuel, Budget révisé, Budget proposé, "
            # Spanish
            "Real, Gasto, Gastos, Coste, Costo, Monto, Año anterior, Presupuesto actual"
        ),
        parsers.parse_amount,
        Unit.MONEY,
        None,
        Reading.AMOUNT,
        "Today's spend on the line (0 or more)",
        required=True,
        width=15,
        minimum=Minimum.ZERO,
        additive=True,
    ),
    Field(
        "floor",
        "Floor",
        _headers(
            "Floor, Min, Minimum, Min spend, Minimum spend, Lower bound, Min amount, Untergrenze, Plancher, "
            "Mínimo"
        ),
        parsers.parse_amount,
        Unit.MONEY,
        0.0,
        Reading.AMOUNT,
        "The least the line may receive (default 0)",
        width=15,
        minimum=Minimum.ZERO,
        additive=True,
        share_of="current",
    ),
    Field(
        "cap",
        "Cap",
        _headers(
            "Cap, Max, Maximum, Max spend, Maximum spend, Ceiling, Upper bound, Max amount, Obergrenze, "
            "Plafond, Máximo"
        ),
        parsers.parse_amount,
        Unit.MONEY,
        None,
        Reading.AMOUNT,
        "The most the line may receive (default: no cap)",
        width=15,
        minimum=Minimum.ZERO,
        additive=True,
        share_of="current",
    ),
    Field(
        "weight",
        "Weight",
        _headers(
            "Weight, Value, Value weight, Marginal value, Value per unit, Priority, Priority weight, "
            "Impact weight, ROI, Return, Gewichtung, Poids, Peso"
        ),
        parsers.parse_weight,
        Unit.NUMBER,
        1.0,
        Reading.AMOUNT,
        "Value of one unit of money spent on the line, before it saturates (default 1)",
        width=8,
        minimum=Minimum.ZERO,
    ),
    Field(
        "curve",
        "Curve",
        _headers("Curve, Returns, Return curve, Response curve, Shape"),
        parsers.parse_curve,
        Unit.CHOICE,
        Curve.DIMINISHING,
        Reading.WORD,
        "diminishing (default): each extra unit is worth less; linear: every unit is worth the weight",
        choices=_choices(Curve),
        width=12,
    ),
    Field(
        "half_return",
        "Half-return",
        _headers(
            "Half-return, Half-return spend, Half-return point, Half returns, Saturation, Half saturation, "
            "Half-value spend"
        ),
        parsers.parse_positive_amount,
        Unit.MONEY,
        None,
        Reading.AMOUNT,
        "Spend at which the line's marginal value has halved (default: its current spend)",
        width=15,
        minimum=Minimum.POSITIVE,
    ),
    Field(
        "locked",
        "Locked",
        _headers("Locked, Lock, Fixed, Keep, Frozen, Keep current"),
        cells.read_bool,
        Unit.FLAG,
        False,
        Reading.WORD,
        "yes keeps the line at its current spend",
        choices=("no", "yes"),
        width=8,
    ),
    Field(
        "max_change",
        "Max change",
        _headers(
            "Max change, Maximum change, Change limit, Max change pct, Max variance, Max change percent, "
            "Change cap"
        ),
        parsers.parse_change_limit,
        Unit.SHARE,
        None,
        Reading.FRACTION,
        "The most the line may move against its current spend, e.g. 15% (overrides the plan's change limit)",
        width=11,
        minimum=Minimum.ZERO,
    ),
)
_FIELDS_BY_ATTR: Final = {f.attr: f for f in LINE_FIELDS}


#: Words of a header that names a code or number column (``Cost centre code``, ``Account no.``,
#: ``Kostenstelle (Nr.)``, ``Code analytique``, ``Código``): such a column is never a line's name.
_CODE_WORDS: Final = frozenset(
    {"code", "codes", "cod", "codigo", "id", "nr", "num", "number", "numero", "nummer", "ref"}
)
_CODE_ENDINGS: Final = ("code", "nr", "nummer", "number")
#: Words beside which "no" is the answer, not a number (``Locked (yes/no)``).
_YES: Final = frozenset({"yes", "y", "ja", "oui", "si"})
_WORD: Final = re.compile(r"[^\W_]+")


def is_code_header(text: str) -> bool:
    """Whether a header names a column of codes or numbers rather than of names."""
    folded = fold_accents(text.casefold())
    if "#" in folded or "n°" in folded:
        return True
    words = _WORD.findall(folded)
    if "no" in words and _YES.isdisjoint(words):
        return True
    return any(word in _CODE_WORDS or word.endswith(_CODE_ENDINGS) for word in words)


class HeaderWords:
    """The headers a sheet's columns go by, and how a header row's columns are matched to fields.

    A column headed by a field's headers names that field. A column headed by a
    field's fallback names it only when no column is headed by the field's own
    headers, the fallbacks taken in order (a Cost centre column before a
    Department column); a fallback column that does not name its field names
    the fallback's ``otherwise`` field when no column names that (a Department
    column beside a Description column is the Function). A column whose header
    names codes or numbers (``Cost centre code``, ``Konto Nr.``) names no field.
    """

    def __init__(
        self,
        headers: Mapping[str, Sequence[str]],
        fallbacks: Mapping[str, Sequence[Fallback]] | None = None,
    ) -> None:
        self.headers: Final = {attr: tuple(words) for attr, words in headers.items()}
        self.fallbacks: Final = {attr: tuple(groups) for attr, groups in (fallbacks or {}).items()}
        self._field = {column_key(word): attr for attr, words in self.headers.items() for word in words}
        #: Each fallback group's field and otherwise, and the group of each fallback header's key.
        self._groups: list[tuple[str, str | None]] = []
        self._group: dict[str, int] = {}
        for attr, groups in self.fallbacks.items():
            for group in groups:
                self._group.update(dict.fromkeys(map(column_key, group.headers), len(self._groups)))
                self._groups.append((attr, group.otherwise))

    @classmethod
    def of_fields(cls, specs: Sequence[Field], **more: Sequence[str]) -> HeaderWords:
        """The headers of these fields, each with more headers if given."""
        return cls(
            {f.attr: (*f.headers, *more.get(f.attr, ())) for f in specs},
            {f.attr: f.fallbacks for f in specs if f.fallbacks},
        )

    def match(self, row: Sequence[object]) -> dict[str, list[int]]:
        """The columns of a header row each field's header names (two or more when repeated)."""
        found: dict[str, list[int]] = {}
        pending: dict[int, list[int]] = {}
        codes: list[int] = []
        for c, value in enumerate(row):
            if not isinstance(value, str) or not value.strip():
                continue
            key = column_key(value)
            attr = self._field.get(key)
            group = None if attr is not None else self._group.get(key)
            if attr != "code" and is_code_header(value):
                if attr is None and "code" in self.headers and not codes:
                    codes.append(c)  # the first column of codes: Cost centre code, Konto Nr.
                continue
            if attr is None and group is None:
                continue
            if attr is not None:
                found.setdefault(attr, []).append(c)
            elif group is not None:
                pending.setdefault(group, []).append(c)
        if codes and "code" not in found:
            found["code"] = codes
        for group in sorted(pending):
            attr, otherwise = self._groups[group]
            if attr not in found:
                found[attr] = pending[group]
            elif otherwise is not None and otherwise not in found:
                found[otherwise] = pending[group]
        return found

    def accepted(self, attr: str, label: str, count: int = 7) -> str:
        """How a field's column may be headed, for a message: its label and a few headers, then '...'."""
        words = [label, *self.headers.get(attr, ())[:count]]
        words += [group.headers[0] for group in self.fallbacks.get(attr, ())]
        shown: dict[str, str] = {}
        for word in words:
            shown.setdefault(column_key(word), word)
        return ", ".join(shown.values()) + ", ..."


#: How the Budget sheet's columns are found.
BUDGET_COLUMNS: Final = HeaderWords.of_fields(LINE_FIELDS)
#: Columns of the Functions sheet: a function's kind, floor and cap, named like the Budget's.
FUNCTION_COLUMNS: Final = HeaderWords(
    {
        "function": (*_FIELDS_BY_ATTR["function"].headers, "Name"),
        "kind": _FIELDS_BY_ATTR["kind"].headers,
        "floor": (*_FIELDS_BY_ATTR["floor"].headers, "Function floor"),
        "cap": (*_FIELDS_BY_ATTR["cap"].headers, "Function cap"),
    }
)
BUDGET_SHEET: Final = "Budget"
FUNCTIONS_SHEET: Final = "Functions"
POLICY_SHEET: Final = "Policy"


def line_field(attr: str) -> Field:
    return _FIELDS_BY_ATTR[attr]


# -- policy settings -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Setting:
    """One row of the Policy sheet: an attribute of :class:`~models.domain.Policy` (or of its checks)."""

    attr: str  # "internal_share_min"; a balance check is "check_<name>"
    label: str  # "Internal share min": the setting's name as written
    synonyms: tuple[str, ...]
    parse: Callable[..., Any]
    unit: Unit
    default: object
    help: str
    #: The parser takes ``percent_format`` (a number's meaning depends on its cell's format).
    percent_format: bool = False
    #: Written even at its default (so the exported sheet shows the choice made).
    always: bool = False
    #: Any number of rows (ratio rules).
    repeated: bool = False
    #: The range a number may hold (checked on every plan, however it was made).
    minimum: Minimum | None = None

    @property
    def check(self) -> str | None:
        """The :class:`Checks` attribute this setting sets, if it is a balance-check threshold."""
        return self.attr.removeprefix("check_") if self.attr.startswith("check_") else None

    def get(self, policy: Policy) -> object:
        check = self.check
        if check is not None:
            return getattr(policy.checks, check)
        if self.repeated:
            return policy.ratios
        return getattr(policy, self.attr)

    def values(self, policy: Policy) -> list[object]:
        """The values the Policy sheet holds for this setting (none when at its default)."""
        value = self.get(policy)
        if self.repeated:
            return list(value) if isinstance(value, tuple) else []
        if value is None or (value == self.default and not self.always):
            return []
        return [value]

    def problem(self, value: object) -> str | None:
        """What is wrong with a value of this setting (``is negative``), or None."""
        return _problem(self.minimum, value)

    def edit_text(self, value: object) -> str:
        return _edit_text(self.unit, value)

    def cell(self, value: object) -> tuple[object, str | None]:
        return _cell(self.unit, value)

    def reader(self, *, percent_format: bool = False) -> Callable[[CellValue], Any]:
        return partial(self.parse, percent_format=percent_format) if self.percent_format else self.parse


_DEFAULT_CHECKS = Checks()
POLICY_SETTINGS: Final = (
    Setting(
        "total_budget",
        "Total budget",
        ("totalbudget", "budget", "total", "budgettotal", "totalspend"),
        parsers.parse_amount,
        Unit.MONEY,
        None,
        "The money to allocate (default: the sum of current spend)",
        minimum=Minimum.ZERO,
    ),
    Setting(
        "spend_whole_budget",
        "Spend whole budget",
        _words(
            "spendwholebudget spendthewholebudget spendentirebudget spendallbudget spendall usewholebudget "
            "spendfullbudget"
        ),
        cells.read_bool,
        Unit.FLAG,
        False,
        "yes: every unit of the budget is allocated; no (default): money may be left unspent",
        always=True,
    ),
    Setting(
        "internal_share_min",
        "Internal share min",
        ("internalsharemin", "mininternalshare", "minimuminternalshare", "internalshareminimum"),
        parsers.parse_share,
        Unit.SHARE,
        None,
        "The smallest share of the money allocated that must go to internal functions, e.g. 25%",
        percent_format=True,
        minimum=Minimum.FRACTION,
    ),
    Setting(
        "internal_share_max",
        "Internal share max",
        ("internalsharemax", "maxinternalshare", "maximuminternalshare", "internalsharemaximum"),
        parsers.parse_share,
        Unit.SHARE,
        None,
        "The largest share of the money allocated that may go to internal functions",
        percent_format=True,
        minimum=Minimum.FRACTION,
    ),
    Setting(
        "max_change",
        "Max change",
        ("maxchange", "maximumchange", "changelimit", "globalmaxchange"),
        parsers.parse_change_limit,
        Unit.SHARE,
        None,
        "The most any line may move against its current spend, e.g. 25%",
        percent_format=True,
        minimum=Minimum.ZERO,
    ),
    Setting(
        "objective",
        "Objective",
        ("objective", "goal", "optimise", "optimize"),
        parsers.parse_objective,
        Unit.CHOICE,
        Objective.MAX_IMPACT,
        "max-impact (default): the most impact; min-change: move as little money as possible",
        always=True,
    ),
    Setting(
        "relative_change",
        "Relative change",
        ("relativechange", "minchangerelative", "changeisrelative"),
        cells.read_bool,
        Unit.FLAG,
        False,
        "yes: min-change counts each line's change relative to its current spend",
    ),
    Setting(
        "ratio",
        "Ratio",
        ("ratio", "ratiorule", "ratios"),
        parsers.parse_ratio,
        Unit.RULE,
        None,
        "One row per rule, e.g. Customer service >= 0.5 x Acquisition",
        repeated=True,
    ),
    Setting(
        "check_internal_cut",
        "Warn internal cut",
        ("warninternalcut", "checkinternalcut", "internalcutwarning"),
        parsers.parse_share,
        Unit.SHARE,
        _DEFAULT_CHECKS.internal_cut,
        "Warn when an internal function is cut by more than this share of its current spend",
        percent_format=True,
        minimum=Minimum.FRACTION,
    ),
    Setting(
        "check_internal_share",
        "Warn internal share",
        ("warninternalshare", "checkinternalshare", "internalsharewarning"),
        parsers.parse_share,
        Unit.SHARE,
        _DEFAULT_CHECKS.internal_share,
        "Warn when the internal share of the money allocated falls under this",
        percent_format=True,
        minimum=Minimum.FRACTION,
    ),
    Setting(
        "check_acquisition_multiple",
        "Warn acquisition multiple",
        ("warnacquisitionmultiple", "checkacquisitionmultiple", "acquisitionmultiple"),
        parsers.parse_weight,
        Unit.NUMBER,
        _DEFAULT_CHECKS.acquisition_multiple,
        "Warn when acquisition gets more than this multiple of what goes to existing customers",
        minimum=Minimum.ZERO,
    ),
    Setting(
        "check_line_share",
        "Warn line share",
        ("warnlineshare", "checklineshare", "lineshare"),
        parsers.parse_share,
        Unit.SHARE,
        _DEFAULT_CHECKS.line_share,
        "Warn when one line takes more than this share of the budget",
        percent_format=True,
        minimum=Minimum.FRACTION,
    ),
    Setting(
        "check_concentration",
        "Warn concentration",
        ("warnconcentration", "checkconcentration", "concentrationwarning"),
        parsers.parse_share,
        Unit.SHARE,
        _DEFAULT_CHECKS.concentration,
        "Warn when the largest tenth of the lines take more than this share while most others are cut",
        percent_format=True,
        minimum=Minimum.FRACTION,
    ),
)
_SETTINGS_BY_ATTR: Final = {s.attr: s for s in POLICY_SETTINGS}


def setting(attr: str) -> Setting:
    return _SETTINGS_BY_ATTR[attr]


def policy_from_settings(values: Mapping[str, object], **others: Any) -> Policy:
    """A policy from settings by attribute (ratio rules as a sequence under ``"ratio"``)."""
    policy_values: dict[str, Any] = {}
    checks: dict[str, Any] = {}
    for attr, value in values.items():
        spec = _SETTINGS_BY_ATTR[attr]
        if spec.check is not None:
            checks[spec.check] = value
        elif spec.repeated:
            policy_values["ratios"] = tuple(value) if isinstance(value, Sequence) else ()
        else:
            policy_values[attr] = value
    return Policy(checks=Checks(**checks), **policy_values, **others)


# -- the JSON and the README -------------------------------------------------------------


def line_json(line: Line) -> dict[str, object]:
    """One line as ``solve --json`` gives it: every field, its phasing, and the row it came from."""
    data = {f.attr: _json(getattr(line, f.attr)) for f in LINE_FIELDS}
    # Twelve months or four quarters as read (see models.phasing), or None.
    data["phasing"] = None if line.phasing is None else [_json(v) for v in line.phasing]
    data["source_row"] = line.source_row
    data["source_sheet"] = line.source_sheet
    data["source_file"] = line.source_file
    return data


def plan_json(plan: Plan) -> dict[str, object]:
    """The plan as read: its lines and its settings."""
    policy = plan.policy
    settings: dict[str, object] = {}
    for spec in POLICY_SETTINGS:
        value = spec.get(policy)
        settings[spec.attr] = [_json(v) for v in value] if isinstance(value, tuple) else _json(value)
    return {
        "name": plan.name,
        "budget": plan.budget,
        "lines": [line_json(line) for line in plan.lines],
        "settings": settings,
        "functions": [
            {
                "function": rule.function,
                "kind": _json(rule.kind),
                "floor": None if rule.floor is None else rule.floor.describe(),
                "cap": None if rule.cap is None else rule.cap.describe(),
            }
            for rule in policy.functions
        ],
    }


def _markdown_rows(rows: Iterator[tuple[str, ...]]) -> str:
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def markdown_budget_table() -> str:
    """The README's table of Budget columns."""
    header = iter([("column", "required", "meaning"), ("---", "---", "---")])
    body = ((f.label, "yes" if f.required else "no", f.help) for f in LINE_FIELDS)
    return _markdown_rows(iter([*header, *body]))


def markdown_settings_table() -> str:
    """The README's table of Policy settings."""
    header = iter([("setting", "meaning"), ("---", "---")])
    body = ((s.label, s.help) for s in POLICY_SETTINGS)
    return _markdown_rows(iter([*header, *body]))
