"""The corpus: department-budget workbooks in many layouts, each with the outcome a reader must give.

Every case writes its workbook(s) with openpyxl into a directory it is given
and returns the paths with the expected outcome. The expected numbers come
from the budget lines the case renders (:class:`Item`), never from the
workbook, so a layout cannot change what is expected of it.

An outcome is either :class:`Loads` (the exact line count, the exact total of
current spend in full currency units after any unit scaling, the exact set of
internal lines, and for some cases the line floors) or :class:`Refused` (no
plan, and an issue that names the problem by one of a few words).

``xfail`` on a case says what the reader gets wrong today; the test module
turns it into a strict xfail mark.
"""

from __future__ import annotations

import random
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

# -- the budget lines ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One budget line as the case means it: its amounts in full currency units."""

    name: str
    function: str  # as written in the workbook
    current: float
    internal: bool
    code: str = ""
    floor: float | None = None
    cap: float | None = None


#: Departments in each language: (function as written, internal, line names).
DEPARTMENTS: dict[str, list[tuple[str, bool, list[str]]]] = {
    "en": [
        ("HR", True, ["Recruitment", "Payroll administration", "Learning and development"]),
        ("IT", True, ["Service desk", "Cloud hosting", "End-user devices"]),
        ("Internal comms", True, ["Intranet", "Town halls"]),
        ("Customer service", False, ["Call centre", "Chat support", "Complaints desk"]),
        ("Acquisition", False, ["Paid search", "Trade shows"]),
        ("Retention", False, ["Loyalty programme"]),
    ],
    "de": [
        ("Personal", True, ["Recruiting", "Lohnbuchhaltung", "Weiterbildung"]),
        ("IT", True, ["Servicedesk", "Rechenzentrum", "Arbeitsplatzrechner"]),
        ("Interne Kommunikation", True, ["Mitarbeiterzeitung"]),
        ("Kundenservice", False, ["Callcenter", "Beschwerdemanagement"]),
        ("Vertrieb", False, ["Messen", "Onlinewerbung"]),
    ],
    "fr": [
        ("Ressources humaines", True, ["Recrutement", "Paie", "Formation"]),
        ("Informatique", True, ["Support utilisateurs", "Hébergement", "Postes de travail"]),
        ("Communication interne", True, ["Journal interne"]),
        ("Service client", False, ["Centre d'appels", "Réclamations"]),
        ("Marketing", False, ["Salons professionnels"]),
    ],
    "es": [
        ("Recursos Humanos", True, ["Selección", "Nóminas", "Formación"]),
        ("Informática", True, ["Soporte", "Alojamiento en la nube"]),
        ("Comunicación interna", True, ["Revista interna"]),
        ("Atención al cliente", False, ["Centro de llamadas", "Reclamaciones"]),
        ("Ventas", False, ["Ferias"]),
    ],
}


def _rng(name: str) -> random.Random:
    return random.Random(zlib.crc32(name.encode()))


def budget(
    name: str,
    lang: str = "en",
    *,
    step: float = 1000.0,
    cents: bool = False,
    spellings: dict[str, str] | None = None,
    functions: Iterable[str] | None = None,
) -> list[Item]:
    """A department budget in ``lang``; amounts drawn from the case's name, in multiples of ``step``.

    ``spellings`` writes a function under another name; ``functions`` keeps only those.
    """
    rng = _rng(name)
    items: list[Item] = []
    code = 4100
    for function, internal, lines in DEPARTMENTS[lang]:
        if functions is not None and function not in functions:
            continue
        written = (spellings or {}).get(function, function)
        for line in lines:
            amount = rng.randrange(20, 2500) * step
            if cents:
                amount += rng.randrange(0, 100) / 100
            items.append(Item(line, written, amount, internal, code=str(code)))
            code += 10
        code = (code // 100 + 1) * 100
    return items


def grouped(items: Sequence[Item]) -> list[tuple[str, list[Item]]]:
    """The items by function, in order of first appearance."""
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.function, []).append(item)
    return list(groups.items())


# -- expected outcomes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Loads:
    """The workbook loads as these lines: count, total current, internal lines (and floors)."""

    count: int
    total: float
    internal: frozenset[str]
    floors: dict[str, float] | None = None
    #: Each line's cost-centre code: a line may be named by its code instead of its name.
    codes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, items: Sequence[Item], *, floors: bool = False) -> Loads:
        return cls(
            len(items),
            round(sum(i.current for i in items), 2),
            frozenset(i.name for i in items if i.internal),
            {i.name: i.floor or 0.0 for i in items} if floors else None,
            {i.name: i.code for i in items if i.code},
        )

    def describe(self) -> str:
        return f"{self.count} lines, total {self.total:,.2f}, {len(self.internal)} internal"


@dataclass(frozen=True)
class Refused:
    """The workbook is refused: no plan, and an issue naming the problem by one of ``words``."""

    words: tuple[str, ...]

    def describe(self) -> str:
        return f"refused, an issue naming {' / '.join(self.words)}"


Expected = Loads | Refused


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], tuple[list[Path], Expected]]
    xfail: str | None = None  # what the reader gets wrong today

    @property
    def several_files(self) -> bool:
        return self.name.startswith("files_")


CASES: list[Case] = []


def case(name: str, xfail: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(build: Callable[[Path], tuple[list[Path], Expected]]) -> Callable[..., Any]:
        CASES.append(Case(name, build, xfail))
        return build

    return register


# -- writing workbooks --------------------------------------------------------------------------


class Book:
    """An openpyxl workbook being written: sheets appended row by row."""

    def __init__(self) -> None:
        self.wb = openpyxl.Workbook()
        self._fresh = True

    def sheet(self, title: str, rows: Iterable[Sequence[Any]] = (), *, hidden: bool = False) -> Worksheet:
        if self._fresh:
            ws = self.wb.active
            assert isinstance(ws, Worksheet)
            ws.title = title
            self._fresh = False
        else:
            ws = self.wb.create_sheet(title)
        for row in rows:
            ws.append(list(row))
        if hidden:
            ws.sheet_state = "hidden"
        return ws

    def save(self, path: Path) -> Path:
        self.wb.save(path)
        return path


_FORMULA_CELL = re.compile(r'<c r="([A-Z]+)(\d+)"([^>]*)><f>([^<]*)</f><v ?/>')
_A1_RANGE = re.compile(r"([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?")


def _evaluate(cells: dict[tuple[str, int], Any], text: str, seen: frozenset[tuple[str, int]]) -> float:
    """What Excel computes for the corpus's own formulas: SUM, SUBTOTAL (skipping nested SUBTOTALs),
    ``+`` chains of cells, and a product of two cells."""
    nested_subtotals_skipped = text.upper().startswith("=SUBTOTAL")
    body = text[1:]
    if re.fullmatch(r"[A-Z]+\d+\*[A-Z]+\d+", body):
        left, right = (_value(cells, (m[0], int(m[1])), seen) for m in re.findall(r"([A-Z]+)(\d+)", body))
        return left * right
    total = 0.0
    for first_col, first_row, last_col, last_row in _A1_RANGE.findall(re.sub(r"^\w+\(\d+,", "(", body)):
        cols = range(_col(first_col), _col(last_col or first_col) + 1)
        for row in range(int(first_row), int(last_row or first_row) + 1):
            for c in cols:
                key = (get_column_letter(c), row)
                raw = cells.get(key)
                if isinstance(raw, str) and raw.upper().startswith("=SUBTOTAL") and nested_subtotals_skipped:
                    continue
                total += _value(cells, key, seen)
    return total


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _value(
    cells: dict[tuple[str, int], Any], key: tuple[str, int], seen: frozenset[tuple[str, int]]
) -> float:
    raw = cells.get(key)
    if isinstance(raw, str) and raw.startswith("="):
        assert key not in seen, f"circular formula at {key}"
        return _evaluate(cells, raw, seen | {key})
    return float(raw) if isinstance(raw, int | float) else 0.0


def saved_by(path: Path, *, calculated: bool = True) -> Path:
    """Give the formulas of an openpyxl workbook saved values, as the program that saves it would.

    ``calculated``: Excel's way, each formula's value, and no request to
    recalculate on opening; otherwise a tool's that saves every formula's
    value as 0 (and no request to recalculate either).
    """
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    book = openpyxl.load_workbook(path)
    for name in [n for n in parts if n.startswith("xl/worksheets/sheet")]:
        sheet = book.worksheets[int(re.sub(r"\D", "", name.rsplit("/", 1)[1])) - 1]
        cells = {(c.column_letter, c.row): c.value for row in sheet.iter_rows() for c in row}

        def valued(found: re.Match[str], cells: dict[tuple[str, int], Any] = cells) -> str:
            col, row, rest, formula = found.groups()
            value = _value(cells, (col, int(row)), frozenset()) if calculated else 0
            return f'<c r="{col}{row}"{rest}><f>{formula}</f><v>{float(value)!r}</v>'

        parts[name] = _FORMULA_CELL.sub(valued, parts[name].decode()).encode()
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b' fullCalcOnLoad="1"', b"")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def one_sheet(path: Path, title: str, rows: Iterable[Sequence[Any]]) -> Path:
    book = Book()
    book.sheet(title, rows)
    return book.save(path)


def us(amount: float) -> str:
    return f"${amount:,.2f}" if amount % 1 else f"${amount:,.0f}"


def de(amount: float, symbol: str = " €") -> str:
    """German text: ``1.234.567,00 €``."""
    return f"{amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") + symbol


def fr(amount: float, space: str = "\u202f") -> str:
    """French text: ``1 234 567,00`` (a narrow no-break space groups thousands)."""
    return f"{amount:,.2f}".replace(",", space).replace(".", ",")


def es(amount: float) -> str:
    """Spanish text with no decimals: ``820.000 €``."""
    return f"{amount:,.0f}".replace(",", ".") + " €"


def ch(amount: float) -> str:
    """Swiss text: ``1'234.56``."""
    return f"{amount:,.2f}".replace(",", "'")


def plain_rows(items: Sequence[Item], amount: Callable[[float], Any] = lambda x: x) -> list[list[Any]]:
    return [[i.name, i.function, amount(i.current)] for i in items]


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def months(amount: float) -> list[float]:
    """Twelve monthly amounts (whole units and cents) adding up to ``amount`` exactly."""
    cents = round(amount * 100)
    base, rest = divmod(cents, 12)
    return [(base + (1 if m < rest else 0)) / 100 for m in range(12)]


# -- clean workbooks ----------------------------------------------------------------------------


@case("clean_minimal")
def _clean_minimal(d: Path) -> tuple[list[Path], Expected]:
    items = budget("clean_minimal")
    path = one_sheet(d / "budget.xlsx", "Budget", [["Line", "Function", "Current"], *plain_rows(items)])
    return [path], Loads.of(items)


@case("clean_all_columns")
def _clean_all_columns(d: Path) -> tuple[list[Path], Expected]:
    items = [
        replace(i, floor=round(i.current * 0.8), cap=i.current * 1.5)
        for i in budget("clean_all_columns", cents=True)
    ]
    rows = [["Line", "Function", "Kind", "Current", "Floor", "Cap", "Weight", "Locked"]]
    for i in items:
        kind = "internal" if i.internal else "customer"
        rows.append([i.name, i.function, kind, i.current, i.floor, i.cap, 1.2, "no"])
    path = one_sheet(d / "plan.xlsx", "Budget", rows)
    return [path], Loads.of(items, floors=True)


@case("clean_synonyms")
def _clean_synonyms(d: Path) -> tuple[list[Path], Expected]:
    items = budget("clean_synonyms")
    rows = [["Department", "Business function", "Actual spend"], *plain_rows(items)]
    return [one_sheet(d / "actuals.xlsx", "Lines", rows)], Loads.of(items)


@case("clean_money_text")
def _clean_money_text(d: Path) -> tuple[list[Path], Expected]:
    items = budget("clean_money_text", cents=True)
    rows = [["Cost centre", "Function", "Budget (USD)"], *plain_rows(items, us)]
    return [one_sheet(d / "budget_usd.xlsx", "Budget", rows)], Loads.of(items)


@case("clean_functions_and_policy")
def _clean_functions_and_policy(d: Path) -> tuple[list[Path], Expected]:
    items = budget("clean_functions_and_policy")
    book = Book()
    book.sheet("Budget", [["Line", "Function", "Current"], *plain_rows(items)])
    book.sheet("Functions", [["Function", "Kind", "Floor"], ["HR", "internal", "90% of current"]])
    book.sheet("Policy", [["Setting", "Value"], ["Max change", "20%"], ["Internal share min", "15%"]])
    return [book.save(d / "with_policy.xlsx")], Loads.of(items)


@case("clean_kinds_from_functions_sheet")
def _clean_kinds_from_functions_sheet(d: Path) -> tuple[list[Path], Expected]:
    spellings = {"Internal comms": "Back office", "Retention": "Loyalty"}
    items = budget("clean_kinds_from_functions_sheet", spellings=spellings)
    book = Book()
    book.sheet("Budget", [["Line", "Function", "Current"], *plain_rows(items)])
    book.sheet("Functions", [["Function", "Kind"], ["Back office", "internal"], ["Loyalty", "customer"]])
    return [book.save(d / "kinds.xlsx")], Loads.of(items)


@case("clean_title_rows_and_total")
def _clean_title_rows_and_total(d: Path) -> tuple[list[Path], Expected]:
    items = budget("clean_title_rows_and_total")
    total = sum(i.current for i in items)
    rows = [
        ["Northwind Ltd: FY25 operating budget"],
        ["Prepared by Group Finance"],
        [],
        ["Line", "Function", "Current"],
        *plain_rows(items),
        ["Total", None, total],
    ]
    return [one_sheet(d / "northwind.xlsx", "Budget", rows)], Loads.of(items)


@case("clean_spacer_rows_and_offset")
def _clean_spacer_rows_and_offset(d: Path) -> tuple[list[Path], Expected]:
    items = budget("clean_spacer_rows_and_offset")
    rows: list[list[Any]] = [[None, "FY25 budget"], [], [None, "Line", "Function", "Current"]]
    for _, group in grouped(items):
        rows += [[None, *r] for r in plain_rows(group)]
        rows.append([])
    return [one_sheet(d / "spaced.xlsx", "Budget", rows)], Loads.of(items)


@case("clean_monthly_with_budget_column")
def _clean_monthly_with_budget_column(d: Path) -> tuple[list[Path], Expected]:
    items = budget("clean_monthly_with_budget_column", cents=True)
    rows: list[list[Any]] = [["Line", "Function", *MONTHS, "Budget"]]
    rows += [[i.name, i.function, *months(i.current), i.current] for i in items]
    return [one_sheet(d / "monthly.xlsx", "Budget", rows)], Loads.of(items)


# -- consolidated budgets: subtotals, grand totals, formulas, Excel Tables ------------------------


def _with_subtotals(
    items: Sequence[Item],
    subtotal: Callable[[str, int, int, float], list[Any]],
    grand: Callable[[list[int], float], list[Any]],
    *,
    first_row: int = 2,
    amount_col: str = "C",
) -> list[list[Any]]:
    """Lines grouped by function, a subtotal row after each group, a grand total at the end.

    ``subtotal(function, first, last, amount)`` and ``grand(subtotal_rows, amount)``
    give the total rows (``first``/``last``: the group's Excel rows).
    """
    rows: list[list[Any]] = []
    row = first_row
    subtotal_rows: list[int] = []
    for function, group in grouped(items):
        rows += plain_rows(group)
        rows.append(subtotal(function, row, row + len(group) - 1, sum(i.current for i in group)))
        row += len(group)
        subtotal_rows.append(row)
        row += 1
    rows.append(grand(subtotal_rows, sum(i.current for i in items)))
    return rows


@case("subtotals_function_total_values")
def _subtotals_function_total_values(d: Path) -> tuple[list[Path], Expected]:
    items = budget("subtotals_function_total_values")
    rows = _with_subtotals(
        items,
        lambda f, a, b, total: [None, f"{f} total", total],
        lambda s, total: [None, "Grand total", total],
    )
    path = one_sheet(d / "consolidated.xlsx", "Budget", [["Line", "Function", "Current"], *rows])
    return [path], Loads.of(items)


@case("subtotals_total_prefix_in_line")
def _subtotals_total_prefix_in_line(d: Path) -> tuple[list[Path], Expected]:
    items = budget("subtotals_total_prefix_in_line")
    rows = _with_subtotals(
        items, lambda f, a, b, total: [f"Total {f}", None, total], lambda s, total: ["TOTAL", None, total]
    )
    path = one_sheet(d / "consolidated.xlsx", "Budget", [["Line", "Function", "Current"], *rows])
    return [path], Loads.of(items)


@case("subtotals_sum_formulas")
def _subtotals_sum_formulas(d: Path) -> tuple[list[Path], Expected]:
    items = budget("subtotals_sum_formulas")
    rows = _with_subtotals(
        items,
        lambda f, a, b, total: [None, f"{f} total", f"=SUM(C{a}:C{b})"],
        lambda s, total: [None, "Grand total", "=" + "+".join(f"C{r}" for r in s)],
    )
    path = one_sheet(d / "consolidated.xlsx", "Budget", [["Line", "Function", "Current"], *rows])
    return [path], Loads.of(items)


@case("subtotals_subtotal_formulas_function_filled")
def _subtotals_subtotal_formulas_function_filled(d: Path) -> tuple[list[Path], Expected]:
    items = budget("subtotals_subtotal_formulas_function_filled")
    last = 1 + len(items) + len(grouped(items))
    rows = _with_subtotals(
        items,
        lambda f, a, b, total: ["Subtotal", f, f"=SUBTOTAL(9,C{a}:C{b})"],
        lambda s, total: ["Total", None, f"=SUBTOTAL(9,C2:C{last})"],
    )
    path = one_sheet(d / "consolidated.xlsx", "Budget", [["Line", "Function", "Budget"], *rows])
    return [path], Loads.of(items)


@case("subtotals_heading_and_total_per_department")
def _subtotals_heading_and_total_per_department(d: Path) -> tuple[list[Path], Expected]:
    spellings = {"HR": "Human Resources", "IT": "Information Technology"}
    items = budget("subtotals_heading_and_total_per_department", spellings=spellings)
    rows: list[list[Any]] = [["FY25 budget by department"], [], ["Cost centre", "Function", "Amount"]]
    row = len(rows) + 1
    totals: list[int] = []
    for function, group in grouped(items):
        rows.append([function.upper()])
        row += 1
        rows += [[f"   {i.name}", i.function, i.current] for i in group]
        rows.append([f"Total {function}", None, f"=SUM(C{row}:C{row + len(group) - 1})"])
        row += len(group)
        totals.append(row)
        rows.append([])
        row += 2
    rows.append(["Total company", None, "=" + "+".join(f"C{r}" for r in totals)])
    return [one_sheet(d / "by_department.xlsx", "Budget", rows)], Loads.of(items)


@case("subtotals_grand_total_in_function_column")
def _subtotals_grand_total_in_function_column(d: Path) -> tuple[list[Path], Expected]:
    items = budget("subtotals_grand_total_in_function_column", cents=True)
    rows = [
        ["Initiative", "Function", "Baseline"],
        *plain_rows(items),
        [None, "Total", sum(i.current for i in items)],
    ]
    return [one_sheet(d / "initiatives.xlsx", "Initiatives", rows)], Loads.of(items)


def _table(ws: Worksheet, name: str, headers: Sequence[str], first_row: int, n: int, totals: bool) -> None:
    """An Excel Table over the header at ``first_row`` and ``n`` lines, with a totals row if asked."""
    last_col = get_column_letter(len(headers))
    last_row = first_row + n + (1 if totals else 0)
    table = Table(displayName=name, ref=f"A{first_row}:{last_col}{last_row}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    if totals:
        table.totalsRowCount = 1
        table.tableColumns = [
            TableColumn(id=c + 1, name=h, totalsRowLabel="Total" if c == 0 else None)
            for c, h in enumerate(headers)
        ]
        table.tableColumns[-1].totalsRowFunction = "sum"
    ws.add_table(table)


@case("table_with_totals_row")
def _table_with_totals_row(d: Path) -> tuple[list[Path], Expected]:
    items = budget("table_with_totals_row")
    headers = ["Line", "Function", "Current"]
    book = Book()
    ws = book.sheet(
        "Budget", [headers, *plain_rows(items), ["Total", None, "=SUBTOTAL(109,tblBudget[Current])"]]
    )
    _table(ws, "tblBudget", headers, 1, len(items), totals=True)
    return [book.save(d / "table.xlsx")], Loads.of(items)


@case("table_with_totals_row_in_thousands")
def _table_with_totals_row_in_thousands(d: Path) -> tuple[list[Path], Expected]:
    items = budget("table_with_totals_row_in_thousands", step=100.0)
    headers = ["Cost centre", "Function", "Budget"]
    book = Book()
    rows = [
        ["Contoso: budget submission FY25"],
        ["Amounts in $000s"],
        headers,
        *plain_rows(items, lambda x: x / 1000),
        ["Total", None, "=SUBTOTAL(109,Submission[Budget])"],
    ]
    ws = book.sheet("Submission", rows)
    _table(ws, "Submission", headers, 3, len(items), totals=True)
    return [book.save(d / "contoso.xlsx")], Loads.of(items)


@case("table_without_totals_row")
def _table_without_totals_row(d: Path) -> tuple[list[Path], Expected]:
    items = budget("table_without_totals_row", cents=True)
    headers = ["Line", "Function", "Kind", "Current"]
    book = Book()
    rows = [[i.name, i.function, "internal" if i.internal else "customer", i.current] for i in items]
    ws = book.sheet("Plan", [headers, *rows])
    _table(ws, "Lines", headers, 1, len(items), totals=False)
    return [book.save(d / "table_plain.xlsx")], Loads.of(items)


@case("section_heading_rows")
def _section_heading_rows(d: Path) -> tuple[list[Path], Expected]:
    items = budget("section_heading_rows")
    internal = [i for i in items if i.internal]
    customer = [i for i in items if not i.internal]
    rows = [
        ["Line", "Function", "Current"],
        ["Internal functions"],
        *plain_rows(internal),
        [],
        ["Customer-facing functions"],
        *plain_rows(customer),
    ]
    return [one_sheet(d / "sections.xlsx", "Budget", rows)], Loads.of(items)


# -- one sheet per department ----------------------------------------------------------------------


def _department_sheet(book: Book, title: str, group: Sequence[Item], amount_header: str = "Budget") -> int:
    """A department's sheet: title rows, Line and amount columns, a SUM total; its total's row."""
    header_row = 4
    ws = book.sheet(title)
    ws.append([f"Department: {title}"])
    ws.append(["FY25 budget submission"])
    ws.append([])
    ws.append(["Cost centre", amount_header])
    for i in group:
        ws.append([i.name, i.current])
    total_row = header_row + len(group) + 1
    ws.append(["Total", f"=SUM(B{header_row + 1}:B{total_row - 1})"])
    return total_row


def _cover(book: Book) -> None:
    book.sheet(
        "Cover",
        [["Fabrikam Group"], ["FY25 budget pack"], [], ["Version 3, approved by the CFO"], ["Confidential"]],
    )


@case("sheets_per_department_with_cover_summary_notes")
def _sheets_per_department(d: Path) -> tuple[list[Path], Expected]:
    items = budget("sheets_per_department_with_cover_summary_notes")
    book = Book()
    _cover(book)
    summary = book.sheet("Summary", [["Department", "FY25 budget"]])
    for function, group in grouped(items):
        total_row = _department_sheet(book, function, group)
        summary.append([function, f"='{function}'!B{total_row}"])
    summary.append(["Total", f"=SUM(B2:B{summary.max_row})"])
    book.sheet("Notes", [["Notes"], ["1. Amounts exclude VAT."], ["2. Headcount costs are fully loaded."]])
    return [book.save(d / "budget_pack.xlsx")], Loads.of(items)


@case("sheets_per_department_summary_with_values")
def _sheets_per_department_summary_with_values(d: Path) -> tuple[list[Path], Expected]:
    items = budget("sheets_per_department_summary_with_values")
    book = Book()
    summary = book.sheet("Summary", [["Department", "Function", "Budget"]])
    for function, group in grouped(items):
        summary.append([f"{function} department", function, sum(i.current for i in group)])
        _department_sheet(book, function, group)
    return [book.save(d / "summary_first.xlsx")], Loads.of(items)


@case("sheets_per_department_long_names_hidden_draft")
def _sheets_per_department_long_names_hidden_draft(d: Path) -> tuple[list[Path], Expected]:
    spellings = {
        "HR": "Human Resources",
        "IT": "Information Technology",
        "Internal comms": "Internal communications",
    }
    items = budget("sheets_per_department_long_names_hidden_draft", spellings=spellings)
    book = Book()
    book.sheet("Draft", [["Line", "Function", "Current"], ["Old line", "HR", 1.0]], hidden=True)
    for function, group in grouped(items):
        _department_sheet(book, function, group, amount_header="Amount")
    return [book.save(d / "departments.xlsx")], Loads.of(items)


@case("hidden_draft_budget_sheet")
def _hidden_draft_budget_sheet(d: Path) -> tuple[list[Path], Expected]:
    items = budget("hidden_draft_budget_sheet")
    draft = budget("hidden_draft_budget_sheet draft")[:-2]
    book = Book()
    book.sheet("Budget (draft)", [["Line", "Function", "Current"], *plain_rows(draft)], hidden=True)
    book.sheet("Budget FY25", [["Line", "Function", "Current"], *plain_rows(items)])
    return [book.save(d / "with_draft.xlsx")], Loads.of(items)


@case("hidden_draft_first_sheet")
def _hidden_draft_first_sheet(d: Path) -> tuple[list[Path], Expected]:
    items = budget("hidden_draft_first_sheet")
    book = Book()
    book.sheet("Scratch", [["Line", "Function", "Current"], ["Test", "IT", 5]], hidden=True)
    book.sheet("FY25", [["Line", "Function", "Current"], *plain_rows(items)])
    return [book.save(d / "fy25.xlsx")], Loads.of(items)


@case("readme_sheet_first")
def _readme_sheet_first(d: Path) -> tuple[list[Path], Expected]:
    items = budget("readme_sheet_first")
    book = Book()
    book.sheet("Read me", [["How to fill in this template"], ["Enter one row per cost centre."], ["Do not"]])
    book.sheet("FY25 submission", [["Line", "Function", "Current"], *plain_rows(items)])
    return [book.save(d / "submission.xlsx")], Loads.of(items)


# -- one file per department -----------------------------------------------------------------------

_FILE_NAMES = {
    "HR": "Human_Resources",
    "IT": "Information_Technology",
    "Internal comms": "Internal_Communications",
    "Customer service": "Customer_Service",
    "Acquisition": "Marketing_Acquisition",
    "Retention": "Customer_Retention",
}


@case("files_per_department")
def _files_per_department(d: Path) -> tuple[list[Path], Expected]:
    items = budget("files_per_department")
    paths = []
    for function, group in grouped(items):
        book = Book()
        _department_sheet(book, function, group)
        paths.append(book.save(d / f"{_FILE_NAMES[function]}_FY25_submission.xlsx"))
    return paths, Loads.of(items)


@case("files_per_department_mixed_layouts")
def _files_per_department_mixed_layouts(d: Path) -> tuple[list[Path], Expected]:
    items = budget(
        "files_per_department_mixed_layouts", step=100.0, functions=("HR", "IT", "Customer service")
    )
    groups = dict(grouped(items))
    hr = Book()
    _department_sheet(hr, "HR", groups["HR"])
    rows: list[list[Any]] = [["IT budget FY25"], ["Line", "Function", *MONTHS, "FY total"]]
    rows += [[i.name, i.function, *months(i.current), i.current] for i in groups["IT"]]
    service = [
        ["Customer service"],
        ["Line", "Budget (k€)"],
        *[[i.name, i.current / 1000] for i in groups["Customer service"]],
    ]
    paths = [
        hr.save(d / "Human_Resources_FY25_submission.xlsx"),
        one_sheet(d / "IT_budget_FY25_v2.xlsx", "IT", rows),
        one_sheet(d / "Customer service FY25 (final).xlsx", "Customer service", service),
    ]
    return paths, Loads.of(items)


# -- monthly columns ---------------------------------------------------------------------------------


@case("monthly_with_fy_total")
def _monthly_with_fy_total(d: Path) -> tuple[list[Path], Expected]:
    items = budget("monthly_with_fy_total", cents=True)
    rows: list[list[Any]] = [["Line", "Function", *MONTHS, "FY total"]]
    rows += [[i.name, i.function, *months(i.current), i.current] for i in items]
    return [one_sheet(d / "monthly.xlsx", "Budget", rows)], Loads.of(items)


@case("monthly_without_total")
def _monthly_without_total(d: Path) -> tuple[list[Path], Expected]:
    items = budget("monthly_without_total", cents=True)
    rows: list[list[Any]] = [["FY25 phasing"], ["Line", "Function", *(f"{m}-25" for m in MONTHS)]]
    rows += [[i.name, i.function, *months(i.current)] for i in items]
    return [one_sheet(d / "phasing.xlsx", "Budget", rows)], Loads.of(items)


@case("monthly_quarters_with_total")
def _monthly_quarters_with_total(d: Path) -> tuple[list[Path], Expected]:
    items = budget("monthly_quarters_with_total")
    rows: list[list[Any]] = [["Cost centre", "Function", "Q1", "Q2", "Q3", "Q4", "Total"]]
    for i in items:
        q = [i.current / 4] * 4
        rows.append([i.name, i.function, *q, i.current])
    return [one_sheet(d / "quarters.xlsx", "Budget", rows)], Loads.of(items)


@case("monthly_budget_is_formula_without_value")
def _monthly_budget_is_formula_without_value(d: Path) -> tuple[list[Path], Expected]:
    items = budget("monthly_budget_is_formula_without_value", cents=True)
    rows: list[list[Any]] = [["Line", "Function", *MONTHS, "Budget"]]
    for r, i in enumerate(items, start=2):
        rows.append([i.name, i.function, *months(i.current), f"=SUM(C{r}:N{r})"])
    return [one_sheet(d / "script_saved.xlsx", "Budget", rows)], Refused(("formula",))


# -- units --------------------------------------------------------------------------------------------


@case("thousands_title_row")
def _thousands_title_row(d: Path) -> tuple[list[Path], Expected]:
    items = budget("thousands_title_row", step=100.0)
    rows = [
        ["FY25 budget"],
        ["Amounts in $000s"],
        [],
        ["Line", "Function", "Current"],
        *plain_rows(items, lambda x: x / 1000),
    ]
    return [one_sheet(d / "thousands.xlsx", "Budget", rows)], Loads.of(items)


@case("thousands_in_header_keur")
def _thousands_in_header_keur(d: Path) -> tuple[list[Path], Expected]:
    items = budget("thousands_in_header_keur", step=10.0)
    rows = [["Line", "Function", "Budget (k€)"], *plain_rows(items, lambda x: x / 1000)]
    return [one_sheet(d / "keur.xlsx", "Budget", rows)], Loads.of(items)


@case("millions_gbp_header")
def _millions_gbp_header(d: Path) -> tuple[list[Path], Expected]:
    items = budget("millions_gbp_header", step=10_000.0)
    rows = [["Line", "Function", "Budget £m"], *plain_rows(items, lambda x: x / 1_000_000)]
    return [one_sheet(d / "gbp_m.xlsx", "Budget", rows)], Loads.of(items)


@case("thousands_with_floors_and_caps")
def _thousands_with_floors_and_caps(d: Path) -> tuple[list[Path], Expected]:
    items = [
        replace(i, floor=i.current - 10_000 if i.current > 10_000 else 0.0)
        for i in budget("thousands_with_floors_and_caps", step=1000.0)
    ]
    rows: list[list[Any]] = [
        ["All figures in EUR thousands"],
        ["Line", "Function", "Current", "Floor", "Cap"],
    ]
    rows += [
        [i.name, i.function, i.current / 1000, (i.floor or 0) / 1000, i.current * 2 / 1000] for i in items
    ]
    return [one_sheet(d / "bounds_k.xlsx", "Budget", rows)], Loads.of(items, floors=True)


@case("units_disagree")
def _units_disagree(d: Path) -> tuple[list[Path], Expected]:
    items = budget("units_disagree", step=100.0)
    rows = [
        ["Amounts in thousands"],
        ["Line", "Function", "Budget (€m)"],
        *plain_rows(items, lambda x: x / 1000),
    ]
    return [one_sheet(d / "unclear_unit.xlsx", "Budget", rows)], Refused(("unit", "thousand", "million"))


# -- other languages and number text ---------------------------------------------------------------


@case("german_headers_and_number_text")
def _german_headers_and_number_text(d: Path) -> tuple[list[Path], Expected]:
    items = budget("german_headers_and_number_text", "de", cents=True)
    rows: list[list[Any]] = [
        ["Budgetplanung 2025"],
        [],
        ["Kostenstelle", "Bezeichnung", "Abteilung", "Betrag"],
    ]
    rows += [[int(i.code), i.name, i.function, de(i.current)] for i in items]
    rows.append([None, "Summe", None, de(sum(i.current for i in items))])
    return [one_sheet(d / "Budget_2025.xlsx", "Budget 2025", rows)], Loads.of(items)


@case("german_thousands_teur")
def _german_thousands_teur(d: Path) -> tuple[list[Path], Expected]:
    items = budget("german_thousands_teur", "de", step=100.0)
    rows: list[list[Any]] = [["Abteilung", "Kostenstelle", "Betrag (T€)"]]
    rows += [[i.function, i.name, de(i.current / 1000, "")] for i in items]
    return [one_sheet(d / "plan_teur.xlsx", "Plan", rows)], Loads.of(items)


@case("french_headers_and_number_text")
def _french_headers_and_number_text(d: Path) -> tuple[list[Path], Expected]:
    items = budget("french_headers_and_number_text", "fr", cents=True)
    rows: list[list[Any]] = [["Budget 2025 par service"], ["Service", "Poste", "Libellé", "Montant (€)"]]
    rows += [[i.function, f"P-{i.code}", i.name, fr(i.current)] for i in items]
    return [one_sheet(d / "budget_services.xlsx", "Budget", rows)], Loads.of(items)


@case("spanish_headers_whole_euros")
def _spanish_headers_whole_euros(d: Path) -> tuple[list[Path], Expected]:
    items = budget("spanish_headers_whole_euros", "es", step=10_000.0)
    rows: list[list[Any]] = [["Presupuesto 2025"], ["Departamento", "Concepto", "Importe"]]
    rows += [[i.function, i.name, es(i.current)] for i in items]
    return [one_sheet(d / "presupuesto.xlsx", "Presupuesto", rows)], Loads.of(items)


@case("swiss_apostrophe_thousands")
def _swiss_apostrophe_thousands(d: Path) -> tuple[list[Path], Expected]:
    items = budget("swiss_apostrophe_thousands", cents=True)
    rows = [["Cost centre", "Function", "Budget CHF"], *plain_rows(items, ch)]
    return [one_sheet(d / "budget_chf.xlsx", "Budget", rows)], Loads.of(items)


@case("french_space_thousands_no_decimals")
def _french_space_thousands_no_decimals(d: Path) -> tuple[list[Path], Expected]:
    items = budget("french_space_thousands_no_decimals", "fr", step=1000.0)
    rows: list[list[Any]] = [["Service", "Poste", "Montant"]]
    rows += [[i.function, i.name, f"{i.current:,.0f} €".replace(",", "\u00a0")] for i in items]
    return [one_sheet(d / "budget.xlsx", "Feuil1", rows)], Loads.of(items)


# -- function names in other spellings -----------------------------------------------------------------


@case("function_spellings_english")
def _function_spellings_english(d: Path) -> tuple[list[Path], Expected]:
    spellings = {
        "HR": "Human Resources",
        "IT": "Information Technology (IT)",
        "Internal comms": "Employee Communications",
        "Customer service": "Customer Care",
    }
    items = budget("function_spellings_english", spellings=spellings)
    return [
        one_sheet(d / "spellings.xlsx", "Budget", [["Line", "Function", "Current"], *plain_rows(items)])
    ], Loads.of(items)


@case("function_spellings_mixed_languages")
def _function_spellings_mixed_languages(d: Path) -> tuple[list[Path], Expected]:
    spellings = {"HR": "Ressources humaines", "IT": "Informatique", "Internal comms": "Interne Kommunikation"}
    items = budget("function_spellings_mixed_languages", spellings=spellings)
    return [
        one_sheet(d / "mixed.xlsx", "Budget", [["Line", "Function", "Current"], *plain_rows(items)])
    ], Loads.of(items)


@case("function_corporate_services")
def _function_corporate_services(d: Path) -> tuple[list[Path], Expected]:
    spellings = {"HR": "Corporate services", "IT": "People & Culture", "Internal comms": "Tech"}
    items = budget("function_corporate_services", spellings=spellings)
    return [
        one_sheet(d / "corporate.xlsx", "Budget", [["Line", "Function", "Current"], *plain_rows(items)])
    ], Loads.of(items)


# -- line floors typed as percentages ---------------------------------------------------------------------


@case("floors_percent_formatted")
def _floors_percent_formatted(d: Path) -> tuple[list[Path], Expected]:
    items = [replace(i, floor=i.current * 0.9) for i in budget("floors_percent_formatted")]
    book = Book()
    ws = book.sheet("Budget", [["Line", "Function", "Current", "Floor"]])
    for i in items:
        ws.append([i.name, i.function, i.current, 0.9])
        ws.cell(ws.max_row, 4).number_format = "0%"
    return [book.save(d / "floors.xlsx")], Loads.of(items, floors=True)


@case("floors_percent_text")
def _floors_percent_text(d: Path) -> tuple[list[Path], Expected]:
    base = budget("floors_percent_text")
    shares = [0.9 if n % 2 else 0.85 for n in range(len(base))]
    items = [replace(i, floor=i.current * s) for i, s in zip(base, shares, strict=True)]
    rows: list[list[Any]] = [["Line", "Function", "Current", "Minimum"]]
    rows += [
        [i.name, i.function, i.current, "90%" if s == 0.9 else "85 %"]
        for i, s in zip(items, shares, strict=True)
    ]
    return [one_sheet(d / "floors_text.xlsx", "Budget", rows)], Loads.of(items, floors=True)


# -- currencies -------------------------------------------------------------------------------------------


@case("several_currencies_column")
def _several_currencies_column(d: Path) -> tuple[list[Path], Expected]:
    items = budget("several_currencies_column")
    currencies = ["EUR", "USD", "GBP"]
    rows: list[list[Any]] = [["Line", "Function", "Currency", "Budget"]]
    rows += [[i.name, i.function, currencies[n % 3], i.current] for n, i in enumerate(items)]
    return [one_sheet(d / "group.xlsx", "Budget", rows)], Refused(("currenc", "exchange"))


@case("several_currencies_in_text")
def _several_currencies_in_text(d: Path) -> tuple[list[Path], Expected]:
    items = budget("several_currencies_in_text")
    symbols = ["€", "$", "£"]
    rows: list[list[Any]] = [["Line", "Function", "Current"]]
    rows += [[i.name, i.function, f"{symbols[n % 3]}{i.current:,.0f}"] for n, i in enumerate(items)]
    return [one_sheet(d / "regions.xlsx", "Budget", rows)], Refused(("currenc", "exchange"))


@case("several_currencies_code_suffix")
def _several_currencies_code_suffix(d: Path) -> tuple[list[Path], Expected]:
    items = budget("several_currencies_code_suffix")
    rows: list[list[Any]] = [["Line", "Function", "Current"]]
    rows += [
        [i.name, i.function, f"{i.current:,.0f} {'CHF' if n % 2 else 'EUR'}"] for n, i in enumerate(items)
    ]
    return [one_sheet(d / "dach.xlsx", "Budget", rows)], Refused(("currenc", "exchange"))


# -- formulas and errors ----------------------------------------------------------------------------------


@case("line_amounts_formulas_without_values")
def _line_amounts_formulas_without_values(d: Path) -> tuple[list[Path], Expected]:
    items = budget("line_amounts_formulas_without_values")
    rows: list[list[Any]] = [["Line", "Function", "Headcount", "Cost per head", "Current"]]
    for r, i in enumerate(items, start=2):
        rows.append([i.name, i.function, 4, i.current / 4, f"=C{r}*D{r}"])
    return [one_sheet(d / "script_saved.xlsx", "Budget", rows)], Refused(("formula",))


@case("line_amounts_referencing_other_sheet")
def _line_amounts_referencing_other_sheet(d: Path) -> tuple[list[Path], Expected]:
    items = budget("line_amounts_referencing_other_sheet")
    book = Book()
    ws = book.sheet("Budget", [["Line", "Function", "Current"]])
    for r, i in enumerate(items, start=2):
        ws.append([i.name, i.function, f"=Monthly!N{r}"])
    monthly = book.sheet("Monthly", [["Line", *MONTHS, "Total"]])
    for r, i in enumerate(items, start=2):
        monthly.append([i.name, *months(i.current), f"=SUM(B{r}:M{r})"])
    return [book.save(d / "linked.xlsx")], Refused(("formula",))


@case("error_cell_in_amount")
def _error_cell_in_amount(d: Path) -> tuple[list[Path], Expected]:
    items = budget("error_cell_in_amount")
    rows: list[list[Any]] = [["Line", "Function", "Current"], *plain_rows(items)]
    rows[3][2] = "#REF!"
    return [one_sheet(d / "broken.xlsx", "Budget", rows)], Refused(("#ref",))


# -- hidden columns, headers over two rows, footnotes, codes ---------------------------------------------------


@case("hidden_budget_beside_revised_budget")
def _hidden_budget_beside_revised_budget(d: Path) -> tuple[list[Path], Expected]:
    items = budget("hidden_budget_beside_revised_budget")
    original = budget("hidden_budget_beside_revised_budget original")
    book = Book()
    ws = book.sheet("Budget", [["Line", "Function", "Budget", "Revised budget"]])
    for i, o in zip(items, original, strict=True):
        ws.append([i.name, i.function, o.current, i.current])
    ws.column_dimensions["C"].hidden = True
    return [book.save(d / "revised.xlsx")], Loads.of(items)


@case("two_row_header_split_words")
def _two_row_header_split_words(d: Path) -> tuple[list[Path], Expected]:
    items = budget("two_row_header_split_words")
    rows = [["Cost", "Business", "Current"], ["centre", "function", "spend"], *plain_rows(items)]
    return [one_sheet(d / "two_rows.xlsx", "Budget", rows)], Loads.of(items)


@case("two_row_header_unit_below")
def _two_row_header_unit_below(d: Path) -> tuple[list[Path], Expected]:
    items = budget("two_row_header_unit_below", step=100.0)
    rows = [
        ["FY25 submission"],
        ["Cost", "Business", "Budget"],
        ["centre", "function", "(k€)"],
        *plain_rows(items, lambda x: x / 1000),
    ]
    return [one_sheet(d / "two_rows_unit.xlsx", "Budget", rows)], Loads.of(items)


@case("two_row_header_year_over_measure")
def _two_row_header_year_over_measure(d: Path) -> tuple[list[Path], Expected]:
    items = budget("two_row_header_year_over_measure")
    last_year = budget("two_row_header_year_over_measure last year")
    rows: list[list[Any]] = [
        [None, None, "FY2024", "FY2025"],
        ["Cost centre", "Function", "Actual", "Budget"],
    ]
    rows += [[i.name, i.function, o.current, i.current] for i, o in zip(items, last_year, strict=True)]
    return [one_sheet(d / "years.xlsx", "Budget", rows)], Refused(("current", "actual", "budget"))


@case("footnotes_below_table")
def _footnotes_below_table(d: Path) -> tuple[list[Path], Expected]:
    items = budget("footnotes_below_table")
    rows = [
        ["Line", "Function", "Current"],
        *plain_rows(items),
        ["Total", None, sum(i.current for i in items)],
        [],
        ["* Includes contractors and temporary staff."],
        ["Source: Group Finance, March 2025"],
        ["Prepared by", "J. Okafor", "2025-03-14"],
        ["Approved by", "CFO"],
    ]
    return [one_sheet(d / "footnotes.xlsx", "Budget", rows)], Loads.of(items)


@case("cost_centre_code_beside_name")
def _cost_centre_code_beside_name(d: Path) -> tuple[list[Path], Expected]:
    items = budget("cost_centre_code_beside_name")
    rows: list[list[Any]] = [["CC", "Cost centre name", "Function", "FY25 budget"]]
    rows += [[i.code, i.name, i.function, i.current] for i in items]
    return [one_sheet(d / "codes.xlsx", "Budget", rows)], Loads.of(items)


@case("cost_centre_code_with_description")
def _cost_centre_code_with_description(d: Path) -> tuple[list[Path], Expected]:
    items = budget("cost_centre_code_with_description")
    rows: list[list[Any]] = [["Cost centre", "Description", "Function", "Amount"]]
    rows += [[int(i.code), i.name, i.function, i.current] for i in items]
    return [one_sheet(d / "codes.xlsx", "Budget", rows)], Loads.of(items)


# -- more consolidated layouts -----------------------------------------------------------------------------


@case("subtotals_outline_department_rows")
def _subtotals_outline_department_rows(d: Path) -> tuple[list[Path], Expected]:
    items = budget("subtotals_outline_department_rows")
    rows: list[list[Any]] = [["Line", "Function", "Current"]]
    for function, group in grouped(items):
        rows.append([function, None, sum(i.current for i in group)])
        rows += [[f"    {i.name}", i.function, i.current] for i in group]
    return [one_sheet(d / "outline.xlsx", "Budget", rows)], Loads.of(items)


@case("subtotals_outline_blank_function")
def _subtotals_outline_blank_function(d: Path) -> tuple[list[Path], Expected]:
    # The department row names the function once; its indented lines leave Function blank.
    items = budget("subtotals_outline_blank_function", cents=True)
    rows: list[list[Any]] = [["FY25 budget"], ["Line", "Function", "Current"]]
    for function, group in grouped(items):
        rows.append([function, None, round(sum(i.current for i in group), 2)])
        rows += [[f"  {i.name}", None, i.current] for i in group]
    return [one_sheet(d / "outline.xlsx", "Budget", rows)], Loads.of(items)


@case("subtotals_outline_sum_formulas_below")
def _subtotals_outline_sum_formulas_below(d: Path) -> tuple[list[Path], Expected]:
    # Department rows above their lines, each with =SUM of the lines below it, saved by Excel.
    items = budget("subtotals_outline_sum_formulas_below")
    rows: list[list[Any]] = [["Line", "Function", "Current"]]
    for function, group in grouped(items):
        top = len(rows) + 1
        rows.append([function, None, f"=SUM(C{top + 1}:C{top + len(group)})"])
        rows += [[i.name, None, i.current] for i in group]
    return [saved_by(one_sheet(d / "outline_sums.xlsx", "Budget", rows))], Loads.of(items)


@case("subtotals_hyphen_and_colon_labels")
def _subtotals_hyphen_and_colon_labels(d: Path) -> tuple[list[Path], Expected]:
    items = budget("subtotals_hyphen_and_colon_labels", cents=True)
    labels = iter(
        ["{f} - Total", "Sub-total: {f}", "Total for {f}", "{f} (total)", "Subtotal {f}", "{f} Total"]
    )
    rows = _with_subtotals(
        items,
        lambda f, a, b, total: [next(labels).format(f=f), None, total],
        lambda s, total: ["Grand Total (all departments)", None, total],
    )
    path = one_sheet(d / "labels.xlsx", "Budget", [["Line", "Function", "Current"], *rows])
    return [path], Loads.of(items)


@case("grand_total_first_row")
def _grand_total_first_row(d: Path) -> tuple[list[Path], Expected]:
    items = budget("grand_total_first_row")
    rows = [
        ["Line", "Function", "Current"],
        ["All departments", "Total", f"=SUM(C3:C{2 + len(items)})"],
        *plain_rows(items),
    ]
    return [one_sheet(d / "total_first.xlsx", "Budget", rows)], Loads.of(items)


@case("table_with_calculated_column")
def _table_with_calculated_column(d: Path) -> tuple[list[Path], Expected]:
    items = budget("table_with_calculated_column")
    headers = ["Line", "Function", "Current", "Share of total"]
    share = "=[@Current]/SUBTOTAL(109,[Current])"
    rows: list[list[Any]] = [headers, *([i.name, i.function, i.current, share] for i in items)]
    rows.append(["Total", None, "=SUBTOTAL(109,Plan[Current])", None])
    book = Book()
    ws = book.sheet("Budget", rows)
    for r in range(2, len(items) + 2):
        ws.cell(r, 4).number_format = "0.0%"
    _table(ws, "Plan", headers, 1, len(items), totals=True)
    return [book.save(d / "calculated.xlsx")], Loads.of(items)


@case("side_by_side_blocks")
def _side_by_side_blocks(d: Path) -> tuple[list[Path], Expected]:
    items = budget("side_by_side_blocks")
    internal = [i for i in items if i.internal]
    customer = [i for i in items if not i.internal]
    header = ["Line", "Function", "Current"]
    rows: list[list[Any]] = [
        ["Internal functions", None, None, None, "Customer functions"],
        [*header, None, *header],
    ]
    left, right = plain_rows(internal), plain_rows(customer)
    for n in range(max(len(left), len(right))):
        a = left[n] if n < len(left) else [None] * 3
        b = right[n] if n < len(right) else [None] * 3
        rows.append([*a, None, *b])
    return [one_sheet(d / "two_blocks.xlsx", "Budget", rows)], Loads.of(items)


def _two_blocks(name: str, gap: Callable[[int], Any]) -> tuple[list[list[Any]], list[Item]]:
    """Internal and customer lines side by side, each block closed by its own total; ``gap(n)`` in column D."""
    items = budget(name, cents=True)
    header = ["Cost centre", "Function", "Budget"]
    blocks = [
        [*plain_rows(part), ["Total", None, round(sum(i.current for i in part), 2)]]
        for part in ([i for i in items if i.internal], [i for i in items if not i.internal])
    ]
    rows: list[list[Any]] = [["FY25 budget"], [*header, None, *header]]
    left, right = blocks
    for n in range(max(len(left), len(right))):
        a = left[n] if n < len(left) else [None] * 3
        b = right[n] if n < len(right) else [None] * 3
        rows.append([*a, gap(n), *b])
    return rows, items


@case("side_by_side_blocks_with_totals")
def _side_by_side_blocks_with_totals(d: Path) -> tuple[list[Path], Expected]:
    rows, items = _two_blocks("side_by_side_blocks_with_totals", lambda n: None)
    return [one_sheet(d / "two_blocks.xlsx", "Budget", rows)], Loads.of(items)


@case("side_by_side_blocks_joined_by_a_column")
def _side_by_side_blocks_joined_by_a_column(d: Path) -> tuple[list[Path], Expected]:
    # Something stands between the two blocks: which block a row belongs to is not certain.
    rows, _items = _two_blocks("side_by_side_blocks_joined_by_a_column", lambda n: "x" if n == 3 else None)
    return [one_sheet(d / "two_blocks.xlsx", "Budget", rows)], Refused(("duplicate",))


# -- more sheets, files and currencies -------------------------------------------------------------------------


@case("sheets_per_department_full_columns")
def _sheets_per_department_full_columns(d: Path) -> tuple[list[Path], Expected]:
    items = budget("sheets_per_department_full_columns")
    book = Book()
    for function, group in grouped(items):
        book.sheet(function, [["Line", "Function", "Current"], *plain_rows(group)])
    return [book.save(d / "by_sheet.xlsx")], Loads.of(items)


@case("sheets_per_country_currencies")
def _sheets_per_country_currencies(d: Path) -> tuple[list[Path], Expected]:
    uk = budget("sheets_per_country_currencies uk", functions=("HR", "IT", "Customer service"))
    de_items = budget("sheets_per_country_currencies de", "de", functions=("Personal", "IT", "Kundenservice"))
    book = Book()
    book.sheet("UK (GBP)", [["Line", "Function", "Current (£)"], *plain_rows(uk)])
    book.sheet("Germany (EUR)", [["Line", "Function", "Current (€)"], *plain_rows(de_items)])
    return [book.save(d / "countries.xlsx")], Refused(("currenc", "exchange"))


@case("several_currencies_with_rates_sheet")
def _several_currencies_with_rates_sheet(d: Path) -> tuple[list[Path], Expected]:
    items = budget("several_currencies_with_rates_sheet")
    rows: list[list[Any]] = [["Line", "Function", "Current"]]
    rows += [
        [i.name, i.function, f"{i.current:,.0f} {'CHF' if n % 2 else 'EUR'}"] for n, i in enumerate(items)
    ]
    book = Book()
    book.sheet("Budget", rows)
    book.sheet("Rates", [["Currency", "Rate"], ["EUR", 1], ["CHF", 0.875]])
    converted = [replace(i, current=i.current * (0.875 if n % 2 else 1)) for n, i in enumerate(items)]
    return [book.save(d / "dach_rates.xlsx")], Loads.of(converted)


@case("sheets_per_country_with_fx_sheet")
def _sheets_per_country_with_fx_sheet(d: Path) -> tuple[list[Path], Expected]:
    uk = budget("sheets_per_country_with_fx_sheet uk", functions=("HR", "IT", "Customer service"))
    de_items = budget(
        "sheets_per_country_with_fx_sheet de", "de", functions=("Personal", "IT", "Kundenservice")
    )
    book = Book()
    book.sheet("UK (GBP)", [["Line", "Function", "Current (£)"], *plain_rows(uk)])
    book.sheet("Germany (EUR)", [["Line", "Function", "Current (€)"], *plain_rows(de_items)])
    book.sheet("FX rates", [["Währung", "Kurs"], ["GBP", 1.25], ["EUR", 1]])
    converted = [replace(i, current=i.current * 1.25) for i in uk] + de_items
    # The IT lines of both countries are two departments' lines by the same name: distinct by sheet.
    return [book.save(d / "countries_fx.xlsx")], Loads.of(converted)


@case("files_department_submissions_full_columns")
def _files_department_submissions_full_columns(d: Path) -> tuple[list[Path], Expected]:
    items = budget("files_department_submissions_full_columns", cents=True)
    paths = []
    for function, group in grouped(items):
        rows = [[f"{function}: FY25 submission"], ["Line", "Function", "Current"], *plain_rows(group, us)]
        paths.append(one_sheet(d / f"{_FILE_NAMES[function]}_FY25_submission.xlsx", "Budget", rows))
    return paths, Loads.of(items)


# -- more cells ----------------------------------------------------------------------------------------------


@case("negative_recharge_line")
def _negative_recharge_line(d: Path) -> tuple[list[Path], Expected]:
    items = budget("negative_recharge_line")
    rows: list[list[Any]] = [["Line", "Function", "Current"], *plain_rows(items)]
    rows.append(["IT recharge to business units", "IT", -250_000])
    return [one_sheet(d / "recharges.xlsx", "Budget", rows)], Refused(("negative", "below 0", "less than 0"))


@case("amounts_with_k_and_m_suffix")
def _amounts_with_k_and_m_suffix(d: Path) -> tuple[list[Path], Expected]:
    items = budget("amounts_with_k_and_m_suffix", step=10_000.0)

    def short(amount: float) -> str:
        return f"${amount / 1e6:g}M" if amount >= 1_000_000 else f"${amount / 1000:g}k"

    rows = [["Line", "Function", "Current"], *plain_rows(items, short)]
    return [one_sheet(d / "short.xlsx", "Budget", rows)], Loads.of(items)


@case("unknown_extra_columns")
def _unknown_extra_columns(d: Path) -> tuple[list[Path], Expected]:
    items = budget("unknown_extra_columns")
    total = sum(i.current for i in items)
    book = Book()
    ws = book.sheet(
        "Budget", [["Line", "Function", "Current", "% of total", "Variance vs LY", "Owner", "Comment"]]
    )
    for n, i in enumerate(items):
        ws.append(
            [
                i.name,
                i.function,
                i.current,
                i.current / total,
                (n - 5) * 1000,
                "A. Diaz",
                "flat" if n % 3 else None,
            ]
        )
        ws.cell(ws.max_row, 4).number_format = "0.0%"
    return [book.save(d / "extra.xlsx")], Loads.of(items)


@case("duplicate_line_names_across_departments")
def _duplicate_line_names_across_departments(d: Path) -> tuple[list[Path], Expected]:
    items = budget("duplicate_line_names_across_departments")
    rows: list[list[Any]] = [["Line", "Function", "Current"], *plain_rows(items)]
    rows += [["Training", "HR", 120_000], ["Training", "Customer service", 90_000]]
    path = one_sheet(d / "training.xlsx", "Budget", rows)
    return [path], Refused(("unique", "duplicate", "twice", "more than once", "training"))


@case("amounts_to_be_confirmed")
def _amounts_to_be_confirmed(d: Path) -> tuple[list[Path], Expected]:
    items = budget("amounts_to_be_confirmed")
    rows: list[list[Any]] = [["Line", "Function", "Current"], *plain_rows(items)]
    rows[5][2] = "TBC"
    rows[9][2] = "n/a"
    return [one_sheet(d / "tbc.xlsx", "Budget", rows)], Refused(("tbc",))


@case("floors_fraction_under_percent_header")
def _floors_fraction_under_percent_header(d: Path) -> tuple[list[Path], Expected]:
    items = [replace(i, floor=i.current * 0.8) for i in budget("floors_fraction_under_percent_header")]
    rows: list[list[Any]] = [["Line", "Function", "Current", "Floor (% of current)"]]
    rows += [[i.name, i.function, i.current, 0.8] for i in items]
    return [one_sheet(d / "floor_share.xlsx", "Budget", rows)], Loads.of(items, floors=True)


@case("headers_with_line_breaks_and_units")
def _headers_with_line_breaks_and_units(d: Path) -> tuple[list[Path], Expected]:
    items = budget("headers_with_line_breaks_and_units", cents=True)
    rows = [["Cost centre\n(name)", "Business\nfunction", "Current spend\n(in €)"], *plain_rows(items)]
    return [one_sheet(d / "wrapped.xlsx", "Budget", rows)], Loads.of(items)


@case("european_number_text_english_headers")
def _european_number_text_english_headers(d: Path) -> tuple[list[Path], Expected]:
    items = budget("european_number_text_english_headers", cents=True)
    rows = [["Line", "Function", "Current"], *plain_rows(items, de)]
    return [one_sheet(d / "eu_numbers.xlsx", "Budget", rows)], Loads.of(items)


@case("european_whole_euros_single_group")
def _european_whole_euros_single_group(d: Path) -> tuple[list[Path], Expected]:
    items = budget("european_whole_euros_single_group", step=100.0)
    rows = [["Line", "Function", "Budget"], *plain_rows(items, es)]
    return [one_sheet(d / "whole_euros.xlsx", "Budget", rows)], Loads.of(items)


@case("numbers_as_text_with_spaces")
def _numbers_as_text_with_spaces(d: Path) -> tuple[list[Path], Expected]:
    items = budget("numbers_as_text_with_spaces", cents=True)
    rows = [["Line", "Function", "Current"], *plain_rows(items, lambda x: f"  {x:.2f} ")]
    return [one_sheet(d / "text_numbers.xlsx", "Budget", rows)], Loads.of(items)


# -- total rows known by the sheet's tables and formulas ---------------------------------------------------------


def _table_totals(
    d: Path, name: str, totals: Callable[[int, float], list[Any]], *, calculated: bool = True
) -> tuple[list[Path], Expected]:
    """A Table of lines whose totals row (by the table's definition) is ``totals(last_line_row, sum)``."""
    items = budget(name)
    headers = ["Line", "Function", "Current"]
    book = Book()
    rows = [headers, *plain_rows(items), totals(len(items) + 1, sum(i.current for i in items))]
    ws = book.sheet("Budget", rows)
    _table(ws, "Budget", headers, 1, len(items), totals=True)
    for column in ws.tables["Budget"].tableColumns:
        column.totalsRowLabel = None
    path = book.save(d / f"{name}.xlsx")
    return [saved_by(path, calculated=calculated)], Loads.of(items)


@case("table_totals_row_unlabelled_typed_total")
def _table_totals_row_unlabelled_typed_total(d: Path) -> tuple[list[Path], Expected]:
    return _table_totals(
        d, "table_totals_row_unlabelled_typed_total", lambda last, total: [None, None, total]
    )


@case("table_totals_row_sigma_formula")
def _table_totals_row_sigma_formula(d: Path) -> tuple[list[Path], Expected]:
    return _table_totals(
        d, "table_totals_row_sigma_formula", lambda last, total: ["Σ", None, f"=SUBTOTAL(109,C2:C{last})"]
    )


@case("table_totals_row_labelled_with_department")
def _table_totals_row_labelled_with_department(d: Path) -> tuple[list[Path], Expected]:
    # The totals row names a department in both columns and holds a typed figure: only the table says.
    return _table_totals(
        d,
        "table_totals_row_labelled_with_department",
        lambda last, total: ["Customer service", "Customer service", total],
    )


def _sum_rows(
    items: Sequence[Item], label: Callable[[str], list[Any]], grand: list[Any], *, chain: bool = False
) -> list[list[Any]]:
    """Lines by function, each group closed by a row ``label(function)`` + ``=SUM`` of the group's
    amounts above it; then ``grand`` + the sum of those rows (``=SUM(C7,C12)`` or ``=C7+C12``)."""
    rows: list[list[Any]] = [["Line", "Function", "Current"]]
    sums: list[int] = []
    for function, group in grouped(items):
        first = len(rows) + 1
        rows += plain_rows(group)
        rows.append([*label(function), f"=SUM(C{first}:C{len(rows)})"])
        sums.append(len(rows))
    cells = [f"C{r}" for r in sums]
    rows.append([*grand, "=" + "+".join(cells) if chain else f"=SUM({','.join(cells)})"])
    return rows


@case("subtotals_unlabelled_sum_rows")
def _subtotals_unlabelled_sum_rows(d: Path) -> tuple[list[Path], Expected]:
    items = budget("subtotals_unlabelled_sum_rows", cents=True)
    rows = _sum_rows(items, lambda f: [None, None], [None, None])
    return [saved_by(one_sheet(d / "hand_made.xlsx", "Budget", rows))], Loads.of(items)


@case("subtotals_sum_rows_named_by_department")
def _subtotals_sum_rows_named_by_department(d: Path) -> tuple[list[Path], Expected]:
    # Each subtotal row names its department in both columns, like a line; the grand total adds them up.
    items = budget("subtotals_sum_rows_named_by_department")
    rows = _sum_rows(items, lambda f: [f, f], ["Company", None], chain=True)
    return [saved_by(one_sheet(d / "by_department.xlsx", "Budget", rows))], Loads.of(items)


@case("subtotals_sum_rows_without_saved_values")
def _subtotals_sum_rows_without_saved_values(d: Path) -> tuple[list[Path], Expected]:
    # Written by a script: the SUM rows have no saved value, and the lines are typed numbers.
    items = budget("subtotals_sum_rows_without_saved_values")
    rows = _sum_rows(items, lambda f: [f"{f} department", f], [None, None])
    return [one_sheet(d / "script.xlsx", "Budget", rows)], Loads.of(items)


@case("data_subtotal_output")
def _data_subtotal_output(d: Path) -> tuple[list[Path], Expected]:
    # Excel's Data > Subtotal: "<group> Total" in the grouped column, SUBTOTAL(9,...), a Grand Total.
    items = budget("data_subtotal_output", cents=True)
    rows: list[list[Any]] = [["Line", "Function", "Current"]]
    for function, group in grouped(items):
        first = len(rows) + 1
        rows += plain_rows(group)
        rows.append([None, f"{function} Total", f"=SUBTOTAL(9,C{first}:C{len(rows)})"])
    rows.append([None, "Grand Total", f"=SUBTOTAL(9,C2:C{len(rows)})"])
    return [saved_by(one_sheet(d / "data_subtotal.xlsx", "Budget", rows))], Loads.of(items)


@case("line_equal_to_sum_above_is_typed")
def _line_equal_to_sum_above_is_typed(d: Path) -> tuple[list[Path], Expected]:
    # A real line whose typed amount happens to be the sum of the two lines above it stays a line.
    items = budget("line_equal_to_sum_above_is_typed")
    items.insert(2, Item("Shared HR services", "HR", items[0].current + items[1].current, True))
    last = len(items) + 1
    rows = [["Line", "Function", "Current"], *plain_rows(items), ["Total", None, f"=SUM(C2:C{last})"]]
    return [saved_by(one_sheet(d / "typed.xlsx", "Budget", rows))], Loads.of(items)


@case("line_amounts_formulas_calculated")
def _line_amounts_formulas_calculated(d: Path) -> tuple[list[Path], Expected]:
    # Lines computed by formulas (headcount times cost, a year from its months) saved by Excel: read.
    items = budget("line_amounts_formulas_calculated")
    rows: list[list[Any]] = [["Line", "Function", "Headcount", "Cost per head", "Current"]]
    for r, i in enumerate(items, start=2):
        rows.append([i.name, i.function, 4, i.current / 4, f"=C{r}*D{r}"])
    rows.append(["Total", None, None, None, f"=SUM(E2:E{len(items) + 1})"])
    return [saved_by(one_sheet(d / "calculated.xlsx", "Budget", rows))], Loads.of(items)


# -- formulas whose saved values were not calculated ---------------------------------------------------------


def _headcount_rows(items: Sequence[Item]) -> list[list[Any]]:
    rows: list[list[Any]] = [["Line", "Function", "Headcount", "Cost per head", "Current"]]
    for r, i in enumerate(items, start=2):
        rows.append([i.name, i.function, 4 if i.current else 0, i.current / 4 or 85_000, f"=C{r}*D{r}"])
    rows.append([None, None, None, None, f"=SUM(E2:E{len(items) + 1})"])
    return rows


@case("line_amounts_formulas_saved_as_zero")
def _line_amounts_formulas_saved_as_zero(d: Path) -> tuple[list[Path], Expected]:
    # A program that saves 0 for every formula and does not ask Excel to recalculate.
    items = budget("line_amounts_formulas_saved_as_zero")
    path = one_sheet(d / "zeros.xlsx", "Budget", _headcount_rows(items))
    return [saved_by(path, calculated=False)], Refused(("saved value is 0",))


@case("line_amounts_formulas_zero_recalculate_on_open")
def _line_amounts_formulas_zero_recalculate_on_open(d: Path) -> tuple[list[Path], Expected]:
    # xlsxwriter's way: each formula saved with the value 0, and Excel asked to calculate on opening.
    import xlsxwriter

    items = budget("line_amounts_formulas_zero_recalculate_on_open")
    path = d / "recalculate.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Budget")
    for r, row in enumerate(_headcount_rows(items)):
        for c, value in enumerate(row):
            if isinstance(value, str) and value.startswith("="):
                sheet.write_formula(r, c, value, None, 0)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return [path], Refused(("calculate",))


@case("line_amounts_formulas_one_is_zero")
def _line_amounts_formulas_one_is_zero(d: Path) -> tuple[list[Path], Expected]:
    # Calculated by Excel: one line's formula is truly 0 (no headcount yet) among others that are not.
    items = budget("line_amounts_formulas_one_is_zero")
    items[4] = replace(items[4], current=0.0)
    path = one_sheet(d / "one_zero.xlsx", "Budget", _headcount_rows(items))
    return [saved_by(path)], Loads.of(items)
