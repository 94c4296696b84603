"""Writing a plan and its result to an .xlsx workbook.

Sheets: Summary, Allocation, Phasing (each line's allocation over the
months or quarters, in the proportions of its current spend), Functions
(the input columns Function, Kind, Floor, Cap followed by the function
totals), Rules, Sensitivity (each rule's shadow price and allowable range,
each line's reduced cost), Budget and Policy. The Budget, Functions and Policy sheets
are workbook format v1 (the Budget with the lines' months or quarters when
they have them), so an exported workbook imports back to the same plan. Money is written as numbers with
number formats; text that Excel could take for a formula is marked as text.

The file is written to a temporary name beside the target and moved into
place, so a failed export never leaves a half-written workbook. An export
never replaces a file the plan was read from (:func:`refuse_sources`); one
written through a symbolic link replaces the file the link points to; a new
file gets the permissions any new file gets (the umask), and one written over
an existing file keeps that file's.

Every text Fulcrum writes (cells, headers, sheet names, chart titles and
series names) is written as text: a chart's title or series name is a
reference to a cell that holds it, never text xlsxwriter could take for a
formula, and control characters are removed.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import XlsxWriterException
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from models.atomic import replacing
from models.compare import Compared, Comparison, Row
from models.domain import Basis, Bound, Plan, function_key
from models.insight import PRICE_OF_BALANCE_MEANS, BalanceWarning, Frontier, PriceOfBalance
from models.phasing import as_periods, periods_of, phase
from models.result import Result, Sensitivity
from models.schema import (
    BUDGET_SHEET,
    FUNCTIONS_SHEET,
    LINE_FIELDS,
    POLICY_SETTINGS,
    POLICY_SHEET,
    Field,
    Unit,
    line_field,
)
from models.sheet_rows import YEAR_TOTAL_LABEL, period_labels
from models.xlsx_block import FORMULA_START, BlockSheet, Formula

__all__ = [
    "ExportError",
    "refuse_sources",
    "same_file",
    "write_comparison",
    "write_frontier",
    "write_result",
]

MONEY = "#,##0.00;[Red]-#,##0.00"
PERCENT = "0.0%"
PRICE = "0.0000"


class ExportError(Exception):
    """The workbook could not be written; the message says why and where."""


#: Characters no text in a workbook may hold (XML 1.0 refuses most; Excel refuses the file).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def _clean(text: str) -> str:
    """``text`` without control characters (a line break and a tab are kept)."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: one path once links are followed, or one file (a hard link)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return False


def refuse_sources(
    target: str | Path, sources: Iterable[str | Path], failure: Callable[[str], Exception] = ExportError
) -> None:
    """Raise ``failure`` when ``target`` is one of ``sources`` (the files a plan was read from).

    Writing over a source would lose what Fulcrum does not write back (other
    sheets, formulas, formatting): the file is left as it is.
    """
    for source in sources:
        if same_file(target, source):
            shown = "" if Path(source).name == Path(target).name else f" ({Path(source).name})"
            raise failure(
                f"{target} is the file the plan was read from{shown}: it is left as it is; "
                "choose another name for the output"
            )


class _Book:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        header = {
            "bold": True,
            "bg_color": "#1F3A5F",
            "font_color": "#FFFFFF",
            "border": 1,
            "text_wrap": True,
        }
        self.header = book.add_format(header)
        self.header_quoted = book.add_format({**header, "quote_prefix": True})
        self.money = book.add_format({"num_format": MONEY})
        self.percent = book.add_format({"num_format": PERCENT})
        self.price = book.add_format({"num_format": PRICE})
        self.text = book.add_format({})
        self.quoted = book.add_format({"quote_prefix": True})
        self.bold = book.add_format({"bold": True})
        self.bold_money = book.add_format({"bold": True, "num_format": MONEY, "top": 1})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})

    def number_format(self, name: str | None) -> Format | None:
        """The format a schema names for a cell: ``money``, ``percent`` or none."""
        return {"money": self.money, "percent": self.percent}.get(name or "")

    def sheet(
        self, name: str, headers: Sequence[str], widths: Sequence[float], *, block: bool = False
    ) -> Worksheet:
        sheet = self.book.add_worksheet(name, worksheet_class=BlockSheet if block else None)
        for col, (title, width) in enumerate(zip(headers, widths, strict=True)):
            self.head(sheet, 0, col, title)
            sheet.set_column(col, col, width)
        sheet.freeze_panes(1, 0)
        sheet.set_row(0, 30)
        return sheet

    def head(self, sheet: Worksheet, row: int, col: int, title: str) -> None:
        """A header cell: text, marked as text when Excel could take it for a formula."""
        title = _clean(title)
        sheet.write_string(
            row, col, title, self.header_quoted if title.startswith(FORMULA_START) else self.header
        )

    def put(self, sheet: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
        """One cell: text never becomes a formula, numbers keep their format."""
        if value is None:
            return
        if isinstance(value, str):
            value = _clean(value)
            if value.startswith(FORMULA_START):
                sheet.write_string(row, col, value, self.quoted)
            else:
                sheet.write_string(row, col, value, fmt or self.text)
        elif isinstance(value, bool):
            sheet.write_string(row, col, "yes" if value else "no", fmt or self.text)
        else:
            sheet.write_number(row, col, float(value), fmt or self.text)


def _bound_cell(out: _Book, bound: Bound | None) -> tuple[object, Format | None]:
    if bound is None:
        return None, None
    if bound.basis is Basis.AMOUNT:
        # A number between 0 and 1 would read back as ambiguous (a share or an amount?): text is not.
        return (repr(bound.value), None) if 0 < bound.value < 1 else (bound.value, out.money)
    if bound.basis is Basis.BUDGET:
        return bound.value, out.percent
    return f"{bound.value * 100:.10g}% of current", None


def _write_summary(out: _Book, plan: Plan, result: Result | None) -> None:
    sheet = out.book.add_worksheet("Summary")
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 22)
    out.put(sheet, 0, 0, f"Fulcrum plan: {plan.name}", out.title)
    rows: list[tuple[str, object, Format | None]] = [
        ("Exported", dt.datetime.now().strftime("%Y-%m-%d %H:%M"), None),
        ("Lines", float(len(plan.lines)), None),
        ("Total budget", plan.budget, out.money),
        ("Current total", plan.current_total, out.money),
        ("Objective", plan.policy.objective.value, None),
    ]
    if result is not None:
        rows += [
            ("Status", result.status.value, None),
            ("Solver", result.solver, None),
            ("Solve time (s)", round(result.solve_seconds, 4), None),
        ]
        if result.is_optimal:
            allocated = sum(result.allocation.values())
            share = result.internal_share
            rows += [
                ("Allocated", allocated, out.money),
                ("Unallocated", plan.budget - allocated, out.money),
                ("Customer allocation", result.kind_totals.get("customer", 0.0), out.money),
                ("Internal allocation", result.kind_totals.get("internal", 0.0), out.money),
                ("Internal share", share if share is not None else 0.0, out.percent),
                ("Customer impact", result.impact.customer, out.money),
                ("Internal impact", result.impact.internal, out.money),
                ("Total impact", result.impact.total, out.money),
                ("Binding rules", float(len(result.binding)), None),
            ]
    for r, (label, value, fmt) in enumerate(rows, start=2):
        sheet.write_string(r, 0, label, out.bold)
        out.put(sheet, r, 1, value, fmt)
    if result is not None and result.explanation is not None:
        r = len(rows) + 3
        sheet.write_string(r, 0, "Why the plan is infeasible", out.bold)
        sheet.merge_range(r + 1, 0, r + 6, 5, "", out.wrap)
        out.put(sheet, r + 1, 0, result.explanation.text, out.wrap)


#: The Budget sheet's column of current spend.
_CURRENT_COLUMN = [f.attr for f in LINE_FIELDS].index("current")
#: The width of a month's or a quarter's column.
_PERIOD_WIDTH = 13

#: The Budget columns the Allocation sheet starts with.
_ALLOCATION_FIELDS = tuple(
    line_field(attr) for attr in ("name", "function", "kind", "current", "floor", "cap")
)
_LINE_HEADERS = tuple(f.label for f in _ALLOCATION_FIELDS)
_LINE_WIDTHS = tuple(f.width for f in _ALLOCATION_FIELDS)


def _line_cells(plan: Plan, specs: Sequence[Field]) -> list[list[object]]:
    """Each line's cells under the columns of ``specs``, one list per line."""
    values = attrgetter(*(spec.attr for spec in specs))
    # The block writer writes yes/no flags and an enum's words itself.
    converted = [
        (k, spec.to_cell)
        for k, spec in enumerate(specs)
        if spec.to_cell is not None and spec.unit not in (Unit.FLAG, Unit.CHOICE)
    ]
    rows = []
    for line in plan.lines:
        row = list(values(line))
        for k, convert in converted:
            row[k] = convert(row[k])
        rows.append(row)
    return rows


def _formats(out: _Book, specs: Sequence[Field]) -> list[Format | None]:
    """The number format of each field's column."""
    return [out.number_format(spec.number_format) for spec in specs]


def _write_block(
    out: _Book,
    sheet: Worksheet,
    rows: Sequence[Sequence[object]],
    formats: Sequence[Format | None],
    *,
    first_row: int = 1,
) -> None:
    assert isinstance(sheet, BlockSheet)
    sheet.write_block(first_row, rows, formats, text=out.text, quoted=out.quoted)


def _write_allocation(out: _Book, plan: Plan, result: Result) -> None:
    headers = (
        *_LINE_HEADERS,
        "Allocated",
        "Change",
        "Change %",
        "Binding rule",
        "Shadow price",
    )
    sheet = out.sheet("Allocation", headers, (*_LINE_WIDTHS, 15, 15, 10, 16, 12), block=True)
    sums = dict.fromkeys((3, 4, 6, 7), 0.0)  # Current, Floor, Allocated, Change
    rows = _line_cells(plan, _ALLOCATION_FIELDS)
    allocation, binding, shadow = result.allocation, result.line_binding, result.line_shadow
    for line, row in zip(plan.lines, rows, strict=True):
        allocated = allocation.get(line.name, 0.0)
        change = allocated - line.current
        sums[3] += line.current
        sums[4] += line.floor
        sums[6] += allocated
        sums[7] += change
        row.extend(
            [
                allocated,
                change,
                change / line.current if line.current else None,
                binding.get(line.name),
                shadow.get(line.name),
            ]
        )
    formats = [*_formats(out, _ALLOCATION_FIELDS), out.money, out.money, out.percent, None, out.price]
    _write_block(out, sheet, rows, formats)
    total = len(plan.lines) + 1
    sheet.write_string(total, 0, "Total", out.bold)
    for col, value in sums.items():
        letter = chr(ord("A") + col)
        sheet.write_formula(total, col, f"=SUM({letter}2:{letter}{total})", out.bold_money, value)
    sheet.autofilter(0, 0, total - 1, len(headers) - 1)


def _write_phasing(out: _Book, plan: Plan, result: Result) -> None:
    """Each line's allocation over the year, in the proportions of its current phasing (:func:`phase`).

    Columns: Line, Function, how the line is spread, one per period, and the
    line's total (its allocation to the cent); a totals row; then notes that
    say how the money was spread and which lines were spread evenly.
    """
    phased = phase(plan, result.allocation)
    count = len(phased.labels)
    headers = ("Line", "Function", "Spread by", *phased.labels, "Total")
    widths = (30, 20, 24, *([_PERIOD_WIDTH] * count), 15)
    sheet = out.sheet("Phasing", headers, widths, block=True)
    first, last = xl_col_to_name(3), xl_col_to_name(2 + count)
    rows: list[list[object]] = [
        [
            line.name,
            line.function,
            line.how.value,
            *line.periods,
            Formula(f"=SUM({first}{r}:{last}{r})", line.total),
        ]
        for r, line in enumerate(phased.lines, start=2)
    ]
    _write_block(out, sheet, rows, [None, None, None, *([out.money] * (count + 1))])
    total = len(rows) + 1
    sheet.write_string(total, 0, "Total", out.bold)
    for col, value in enumerate((*phased.totals, phased.total), start=3):
        letter = xl_col_to_name(col)
        sheet.write_formula(total, col, f"=SUM({letter}2:{letter}{total})", out.bold_money, value)
    for r, note in enumerate(phased.notes, start=total + 2):
        out.put(sheet, r, 0, note)


def _write_functions(out: _Book, plan: Plan, result: Result | None) -> None:
    headers = ("Function", "Kind", "Floor", "Cap", "Current", "Allocated", "Change", "Change %", "Share")
    sheet = out.sheet(FUNCTIONS_SHEET, headers, (24, 10, 18, 18, 15, 15, 15, 10, 10))
    current = plan.function_current()
    allocated_total = sum(result.allocation.values()) if result and result.is_optimal else 0.0
    for r, function in enumerate(plan.functions(), start=1):
        rule = plan.function_rule(function)
        key = function_key(function)
        out.put(sheet, r, 0, function)
        out.put(sheet, r, 1, rule.kind.value if rule and rule.kind else None)
        for c, bound in ((2, rule.floor if rule else None), (3, rule.cap if rule else None)):
            value, fmt = _bound_cell(out, bound)
            out.put(sheet, r, c, value, fmt)
        now = current.get(key, 0.0)
        out.put(sheet, r, 4, now, out.money)
        if result is not None and result.is_optimal:
            allocated = result.totals.get(function, 0.0)
            out.put(sheet, r, 5, allocated, out.money)
            out.put(sheet, r, 6, allocated - now, out.money)
            out.put(sheet, r, 7, (allocated - now) / now if now else None, out.percent)
            out.put(sheet, r, 8, allocated / allocated_total if allocated_total else None, out.percent)


def _write_rules(out: _Book, result: Result) -> None:
    headers = ("Rule", "Type", "Limit", "Allocated under it", "Slack", "Shadow price", "Binding")
    sheet = out.sheet("Rules", headers, (52, 16, 16, 18, 16, 14, 10))
    for r, rule in enumerate(result.rules, start=1):
        out.put(sheet, r, 0, rule.description)
        out.put(sheet, r, 1, rule.family)
        out.put(sheet, r, 2, rule.limit, out.money)
        out.put(sheet, r, 3, rule.activity, out.money)
        out.put(sheet, r, 4, rule.slack, out.money)
        out.put(sheet, r, 5, rule.shadow_price, out.price)
        out.put(sheet, r, 6, "yes" if rule.binding else "no")
    note = len(result.rules) + 2
    sheet.write_string(note, 0, "Shadow price: impact gained per currency unit the rule is loosened.")


def _write_sensitivity(out: _Book, sensitivity: Sensitivity) -> None:
    """The sensitivity report: each rule's price and range, then each line's reduced cost."""
    headers = ("Rule", "Type", "Shadow price", "Unique", "Allowable increase", "Allowable decrease")
    sheet = out.sheet("Sensitivity", headers, (40, 16, 14, 10, 18, 18), block=True)
    r = 0
    for r, rule in enumerate(sensitivity.rules, start=1):
        out.put(sheet, r, 0, str(rule.key))
        out.put(sheet, r, 1, rule.key.family.value)
        out.put(sheet, r, 2, rule.shadow_price, out.price)
        out.put(sheet, r, 3, "yes" if rule.unique else "no")
        for col, reach in ((4, rule.allowable_increase), (5, rule.allowable_decrease)):
            out.put(sheet, r, col, "no limit" if reach is None else reach, out.money)
    r += 2
    for col, title in enumerate(("Line", "Held at", "Reduced cost")):
        out.head(sheet, r, col, title)
    # Every line, one row each: written as one block (a large plan has tens of thousands).
    rows = [[item.name, item.bound or "between its bounds", item.reduced_cost] for item in sensitivity.lines]
    _write_block(out, sheet, rows, [None, None, out.price], first_row=r + 1)
    r += len(rows) + 2
    out.put(sheet, r, 0, "Budget price")
    out.put(sheet, r, 2, sensitivity.budget_price, out.price)
    out.put(sheet, r + 1, 0, "Certified gap")
    out.put(sheet, r + 1, 2, sensitivity.gap, out.percent)
    notes = (
        "Shadow price: impact gained per currency unit the rule is loosened; it holds while the "
        "rule's limit moves within its allowable increase and decrease (the same rules bind and the "
        "same lines sit at their bounds). Unique 'no': the price differs on either side of the limit.",
        "Reduced cost: a line's marginal impact less its price of money; for a line held at a bound, "
        "the impact gained per currency unit that bound is raised.",
    )
    for k, note in enumerate(notes):
        out.put(sheet, r + 3 + k, 0, note)


def _write_budget(out: _Book, plan: Plan) -> None:
    """Every line field (:data:`models.schema.LINE_FIELDS`), one column each, and the lines' phasing.

    A plan with phased lines gets a column per period after the fields, and
    its Current column is headed as the year's total beside them (as the
    reader takes a total column beside months); an unphased line leaves its
    periods blank. Every phased line quarterly: four quarters; else twelve
    months, a quarterly line's quarters each split evenly over their months.
    """
    headers = [f.label for f in LINE_FIELDS]
    widths = [f.width for f in LINE_FIELDS]
    formats = _formats(out, LINE_FIELDS)
    rows = _line_cells(plan, LINE_FIELDS)
    count = periods_of(plan)
    if count is not None:
        headers[_CURRENT_COLUMN] = YEAR_TOTAL_LABEL
        headers += period_labels(count)
        widths += [_PERIOD_WIDTH] * count
        formats += [out.money] * count
        for line, row in zip(plan.lines, rows, strict=True):
            if line.phasing is not None:
                row.extend(as_periods(line.phasing, count))
    sheet = out.sheet(BUDGET_SHEET, headers, widths, block=True)
    _write_block(out, sheet, rows, formats)


def _write_policy(out: _Book, plan: Plan) -> None:
    """Every policy setting (:data:`models.schema.POLICY_SETTINGS`) that is not at its default."""
    sheet = out.sheet(POLICY_SHEET, ("Setting", "Value"), (26, 44))
    r = 1
    for spec in POLICY_SETTINGS:
        for value in spec.values(plan.policy):
            cell, fmt = spec.cell(value)
            out.put(sheet, r, 0, spec.label)
            out.put(sheet, r, 1, cell, out.number_format(fmt))
            r += 1


def _write_atomically(path: str | Path, fill: Callable[[_Book], None], sources: Iterable[str | Path]) -> Path:
    """Build a workbook with ``fill`` in a temporary file beside ``path``, then move it into place.

    ``path`` must not be one of ``sources``; written through a symbolic
    link, the file the link points to is replaced (the link stays).
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise ExportError(f"{target.name}: the export must be an .xlsx file")
    refuse_sources(target, sources)
    real = Path(os.path.realpath(target)) if target.is_symlink() else target
    try:
        with replacing(real, suffix=".xlsx", failure=ExportError) as temp:
            _take_mode(temp, real)
            book = xlsxwriter.Workbook(
                str(temp),
                {
                    "constant_memory": False,
                    "in_memory": True,
                    "strings_to_formulas": False,
                    "strings_to_numbers": False,
                    "strings_to_urls": False,
                },
            )
            fill(_Book(book))
            book.close()
    except OSError as error:
        raise ExportError(f"{target}: cannot be written ({error.strerror or error})") from None
    except XlsxWriterException as error:  # FileCreateError: the disk is full, the file cannot be made
        cause = error.args[0] if error.args else error
        reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
        raise ExportError(f"{target}: cannot be written ({reason})") from None
    return target


def _take_mode(temp: Path, target: Path) -> None:
    """Give the temporary file the permissions the export should have.

    Over an existing file: that file's. Else those of any new file, as the
    umask (and a folder's default access list) leaves them: the temporary
    file is made again as a plain new file.
    """
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        temp.unlink()
        os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    else:
        os.chmod(temp, mode)


def write_result(
    path: str | Path,
    plan: Plan,
    result: Result | None,
    *,
    price: PriceOfBalance | None = None,
    warnings: Sequence[BalanceWarning] | None = None,
    sources: Iterable[str | Path] = (),
) -> Path:
    """Write the plan (and its result, if any) to ``path``; raise :class:`ExportError` on failure.

    With ``price`` and ``warnings``, the workbook also has the ``Price of
    balance`` and ``Balance check`` sheets. ``sources`` are the files the
    plan was read from, which the export refuses to replace.
    """
    if result is not None and not all(math.isfinite(v) for v in result.allocation.values()):
        raise ExportError(f"{Path(path).name}: the allocation holds a value that is not a finite number")

    def fill(out: _Book) -> None:
        _write_summary(out, plan, result)
        if result is not None and result.is_optimal:
            _write_allocation(out, plan, result)
            _write_phasing(out, plan, result)
        _write_functions(out, plan, result)
        if result is not None and result.rules:
            _write_rules(out, result)
        if result is not None and result.is_optimal and result.sensitivity is not None:
            _write_sensitivity(out, result.sensitivity)
        if price is not None:
            _write_price(out, price)
        if warnings is not None and result is not None and result.is_optimal:
            _write_warnings(out, warnings)
        _write_budget(out, plan)
        _write_policy(out, plan)

    return _write_atomically(path, fill, sources)


def _write_price(out: _Book, price: PriceOfBalance) -> None:
    sheet = out.sheet("Price of balance", ("Figure", "Value"), (58, 20))
    rows: list[tuple[str, object, Format | None]] = [
        ("Customer impact of the best allocation with the balance rules", price.customer_with, out.money),
        ("Customer impact of the best allocation without them", price.customer_without, out.money),
        ("Price of balance (customer impact given up)", price.price, out.money),
        ("Total impact of the plan", price.total_with, out.money),
        ("Total impact without the balance rules", price.total_without, out.money),
        ("Balance rules lifted", ", ".join(price.relaxed) or "none", None),
        ("The price of balance is", PRICE_OF_BALANCE_MEANS, None),
    ]
    for r, (label, value, fmt) in enumerate(rows, start=1):
        out.put(sheet, r, 0, label)
        out.put(sheet, r, 1, value, fmt)
    r = len(rows) + 2
    for c, title in enumerate(
        ("Binding floor", "Floor", "Impact per unit of floor", "Price holds from", "to", "Found by")
    ):
        sheet.write_string(r, c, title, out.header)
    for n, floor in enumerate(price.floors, start=r + 1):
        out.put(sheet, n, 0, floor.function)
        out.put(sheet, n, 1, floor.floor, out.money)
        out.put(sheet, n, 2, floor.shadow_price, out.price)
        out.put(sheet, n, 3, floor.range_low, out.money)
        out.put(sheet, n, 4, floor.range_high if math.isfinite(floor.range_high) else "no limit", out.money)
        out.put(sheet, n, 5, floor.method)
    sheet.set_column(2, 5, 20)


def _write_warnings(out: _Book, warnings: Sequence[BalanceWarning]) -> None:
    sheet = out.sheet("Balance check", ("Check", "Warning", "Lines"), (16, 90, 50))
    if not warnings:
        out.put(sheet, 1, 1, "No warnings: the allocation keeps the balance the checks ask for.")
    for r, warning in enumerate(warnings, start=1):
        out.put(sheet, r, 0, warning.code)
        out.put(sheet, r, 1, warning.message, out.wrap)
        out.put(sheet, r, 2, ", ".join(warning.lines), out.wrap)


def write_frontier(
    path: str | Path, plan: Plan, frontier: Frontier, *, sources: Iterable[str | Path] = ()
) -> Path:
    """The balance frontier's points and a native chart of impact against internal share.

    ``sources``: the files the plan was read from, which the export refuses to replace.
    """

    def fill(out: _Book) -> None:
        headers = ("Internal share", "Status", "Customer impact", "Internal impact", "Total impact", "Note")
        sheet = out.sheet("Frontier", headers, (14, 12, 18, 18, 18, 30))
        for r, point in enumerate(frontier.points, start=1):
            out.put(sheet, r, 0, point.internal_share, out.percent)
            out.put(sheet, r, 1, point.status)
            out.put(sheet, r, 2, point.impact.customer, out.money)
            out.put(sheet, r, 3, point.impact.internal, out.money)
            out.put(sheet, r, 4, point.impact.total, out.money)
            if frontier.knee is not None and point.internal_share == frontier.knee:
                out.put(sheet, r, 5, "knee")
        last = len(frontier.points)
        note = last + 2
        out.put(sheet, note, 0, "The plan's own internal share")
        out.put(sheet, note, 2, frontier.plan_share, out.percent)
        out.put(sheet, note + 1, 0, "Internal share bounds of the plan")
        out.put(sheet, note + 1, 2, frontier.share_min, out.percent)
        out.put(sheet, note + 1, 3, frontier.share_max, out.percent)
        out.put(
            sheet, note + 2, 0, "Knee: the point farthest from the line joining the two ends of the curve"
        )
        # The chart's title is the text of a cell, so a plan's name is never read as a formula.
        title = note + 4
        out.put(sheet, title, 0, f"Balance frontier: {plan.name}", out.bold)
        if last:
            chart = out.book.add_chart({"type": "scatter", "subtype": "straight_with_markers"})
            for column in (2, 4):
                chart.add_series(
                    {
                        "name": ["Frontier", 0, column],
                        "categories": ["Frontier", 1, 0, last, 0],
                        "values": ["Frontier", 1, column, last, column],
                    }
                )
            chart.set_title({"name": ["Frontier", title, 0]})
            chart.set_x_axis({"name": "Internal share", "num_format": "0%"})
            chart.set_y_axis({"name": "Impact", "num_format": "#,##0"})
            chart.set_size({"width": 760, "height": 420})
            sheet.insert_chart(1, 7, chart)

    return _write_atomically(path, fill, sources)


_SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\\\", "_"))


def _sheet_names(names: Sequence[str], reserved: Sequence[str]) -> list[str]:
    """Excel-safe, unique sheet names (at most 31 characters, no []:*?/\\)."""
    used = {r.casefold() for r in reserved}
    result = []
    for name in names:
        base = (_clean(name).translate(_SHEET_FORBIDDEN).strip("' ") or "Scenario")[:31]
        candidate, n = base, 2
        while candidate.casefold() in used:
            suffix = f" ({n})"
            candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
        used.add(candidate.casefold())
        result.append(candidate)
    return result


def write_comparison(
    path: str | Path,
    scenarios: Sequence[Compared],
    comparison: Comparison,
    *,
    sources: Iterable[str | Path] = (),
) -> Path:
    """Scenarios side by side with deltas and a chart, then one sheet per scenario.

    ``sources``: the files the plans were read from, which the export refuses to replace.
    """

    def fill(out: _Book) -> None:
        sheets = _sheet_names(comparison.names, ["Side by side"])
        _write_side_by_side(out, comparison)
        for sheet_name, item in zip(sheets, scenarios, strict=True):
            _write_scenario_sheet(out, sheet_name, item)

    return _write_atomically(path, fill, sources)


def _write_side_by_side(out: _Book, comparison: Comparison) -> None:
    names = comparison.names
    n = len(names)
    headers = ["", "Function", *names, *(f"Change: {name}" for name in names[1:])]
    sheet = out.sheet("Side by side", headers, [34, 18, *([16] * n), *([18] * (n - 1))])

    def row_cells(row: Row, fmt: Format) -> list[tuple[object, Format | None]]:
        return [
            (row.label, None),
            (row.group or None, None),
            *((v, fmt) for v in row.values),
            *((d, fmt) for d in row.deltas[1:]),
        ]

    r = 1
    sheet.write_string(r, 0, "Key figures", out.bold)
    r += 1
    out.put(sheet, r, 0, "Status")
    for k, status in enumerate(comparison.statuses):
        out.put(sheet, r, 2 + k, status)
    r += 1
    for row in (*comparison.figures, comparison.shares):
        fmt = out.percent if row is comparison.shares else out.money
        for c, (value, cell_format) in enumerate(row_cells(row, fmt)):
            out.put(sheet, r, c, value, cell_format)
        r += 1
    out.put(sheet, r, 0, "Binding rules")
    for k, rules in enumerate(comparison.binding):
        out.put(sheet, r, 2 + k, float(len(rules)))
    r += 1
    out.put(sheet, r, 0, "Binding floors")
    for k, floors in enumerate(comparison.floors):
        out.put(sheet, r, 2 + k, ", ".join(floors) or "none")
    r += 2
    sheet.write_string(r, 0, "Per function", out.bold)
    r += 1
    first_function = r
    for row in comparison.functions:
        for c, (value, cell_format) in enumerate(row_cells(row, out.money)):
            out.put(sheet, r, c, value, cell_format)
        r += 1
    last_function = r - 1
    r += 1
    sheet.write_string(r, 0, "Per line", out.bold)
    r += 1
    for row in comparison.lines:
        for c, (value, cell_format) in enumerate(row_cells(row, out.money)):
            out.put(sheet, r, c, value, cell_format)
        r += 1
    if comparison.functions:
        chart = out.book.add_chart({"type": "column"})
        for k in range(n):
            # The series' name is the scenario's header cell, so a name is never read as a formula.
            chart.add_series(
                {
                    "name": ["Side by side", 0, 2 + k],
                    "categories": ["Side by side", first_function, 0, last_function, 0],
                    "values": ["Side by side", first_function, 2 + k, last_function, 2 + k],
                }
            )
        chart.set_title({"name": "Allocation per function"})
        chart.set_y_axis({"num_format": "#,##0"})
        chart.set_size({"width": 760, "height": 380})
        sheet.insert_chart(1, 3 + 2 * n, chart)


def _write_scenario_sheet(out: _Book, sheet_name: str, item: Compared) -> None:
    headers = ("Line", "Function", "Kind", "Current", "Allocated", "Change")
    sheet = out.sheet(sheet_name, headers, (30, 20, 10, 15, 15, 15))
    result = item.result
    for r, line in enumerate(item.plan.lines, start=1):
        out.put(sheet, r, 0, line.name)
        out.put(sheet, r, 1, line.function)
        out.put(sheet, r, 2, line.kind.value)
        out.put(sheet, r, 3, line.current, out.money)
        if result.is_optimal:
            allocated = result.allocation.get(line.name, 0.0)
            out.put(sheet, r, 4, allocated, out.money)
            out.put(sheet, r, 5, allocated - line.current, out.money)
    if not result.is_optimal:
        note = len(item.plan.lines) + 2
        out.put(sheet, note, 0, f"Status: {result.status.value}")
        if result.explanation is not None:
            out.put(sheet, note + 1, 0, result.explanation.text)
