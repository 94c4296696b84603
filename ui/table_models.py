"""Table models over the immutable plan and result; edits go through :mod:`models.edits`."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from enum import Enum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from models.domain import Kind, Line, Plan, function_key
from models.edits import (
    EditError,
    parse_line_field,
    set_line_field,
)
from models.formats import money, percent
from models.issues import Issue
from models.result import Result
from models.schema import LINE_FIELDS, Field

__all__ = ["AllocationModel", "BudgetModel", "HeaderedTable", "IssuesModel", "OrderedModel", "TotalsModel"]

Index = QModelIndex | QPersistentModelIndex
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_D = Qt.ItemDataRole
#: The roles the models answer; views ask for many more, and those get None at once.
_ROLES = frozenset(
    {
        _D.DisplayRole,
        _D.EditRole,
        _D.TextAlignmentRole,
        _D.ToolTipRole,
        _D.FontRole,
        _D.BackgroundRole,
        _D.ForegroundRole,
    }
)
_BOLD = QFont()
_BOLD.setBold(True)
_TOTAL_BACKGROUND = QBrush(QColor("#E8EEF5"))
_NEGATIVE = QBrush(QColor("#B00020"))


def _line_sort_key(line: Line, field: Field) -> Any:
    value = getattr(line, field.attr)
    if value is None:
        return -1.0
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str):
        return value.casefold()
    return value


class HeaderedTable(QAbstractTableModel):
    """A flat table whose columns are the titles in ``COLUMNS``."""

    COLUMNS: tuple[str, ...] = ()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None


class _TextCells:
    """Display text of a cell without building a model index from outside (slow through the bindings)."""

    def cell_text(self, row: int, column: int) -> str:
        model = typing.cast(QAbstractTableModel, self)
        value = model.data(model.createIndex(row, column), Qt.ItemDataRole.DisplayRole)
        return "" if value is None else str(value)


class OrderedModel(_TextCells, QAbstractTableModel):
    """A table of items shown filtered and sorted by the model itself.

    Sorting is one ``list.sort`` with a key per item, so tens of thousands of
    lines sort in milliseconds (a sort proxy calls back into Python for every
    comparison). Subclasses give the item count, the sort key and the filter.
    """

    def __init__(self) -> None:
        super().__init__()
        self._order: list[int] = []
        self._sort_column = -1
        self._descending = False

    # -- for subclasses ------------------------------------------------------------
    def _item_count(self) -> int:
        raise NotImplementedError

    def _sort_key(self, item: int, column: int) -> Any:
        raise NotImplementedError

    def _accepts(self, item: int) -> bool:
        return True

    # -- ordering ----------------------------------------------------------------------
    def row_of(self, item: int) -> int:
        """The row showing ``item``, or -1 when it is filtered out."""
        try:
            return self._order.index(item)
        except ValueError:
            return -1

    def _reorder(self) -> None:
        order = [i for i in range(self._item_count()) if self._accepts(i)]
        if self._sort_column >= 0:
            column = self._sort_column
            order.sort(key=lambda i: self._sort_key(i, column), reverse=self._descending)
        self._order = order

    def _relayout(self) -> None:
        """Reorder, keeping selections and the current cell on the same items."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        items = [self._order[i.row()] if 0 <= i.row() < len(self._order) else None for i in old]
        self._reorder()
        positions = {item: row for row, item in enumerate(self._order)}
        new = []
        for index, item in zip(old, items, strict=True):
            row = positions.get(item) if item is not None else index.row()
            new.append(self.index(row, index.column()) if row is not None else QModelIndex())
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column = column
        self._descending = order == Qt.SortOrder.DescendingOrder
        self._relayout()


class BudgetModel(OrderedModel):
    """Every line of the plan, editable, filterable and sortable, and a totals row for the lines shown."""

    #: A valid edit: the new plan and a description for the undo menu.
    edit_made = Signal(object, str)
    #: An edit refused, with the reason.
    edit_refused = Signal(str)

    def __init__(self, plan: Plan | None = None) -> None:
        super().__init__()
        self._plan = plan or Plan(())
        self._function: str | None = None
        self._kind: Kind | None = None
        self._reorder()

    @property
    def plan(self) -> Plan:
        return self._plan

    def _item_count(self) -> int:
        return len(self._plan.lines)

    def _sort_key(self, item: int, column: int) -> Any:
        return _line_sort_key(self._plan.lines[item], LINE_FIELDS[column])

    def _accepts(self, item: int) -> bool:
        return self.accepts_line(self._plan.lines[item])

    def accepts_line(self, line: Line) -> bool:
        if self._function is not None and function_key(line.function) != self._function:
            return False
        return self._kind is None or line.kind is self._kind

    def set_plan(self, plan: Plan) -> None:
        if len(plan.lines) == len(self._plan.lines) and self._order:
            self._plan = plan
            self._relayout()
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))
        else:
            self.beginResetModel()
            self._plan = plan
            self._reorder()
            self.endResetModel()

    def set_filter(self, function: str | None, kind: Kind | None) -> None:
        """Show only the lines of one function and/or kind; the totals row adds up those."""
        self.beginResetModel()
        self._function = function_key(function) if function else None
        self._kind = kind
        self._reorder()
        self.endResetModel()

    def is_total(self, row: int) -> bool:
        return row == len(self._order)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or not self._plan.lines else len(self._order) + 1

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LINE_FIELDS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return LINE_FIELDS[section].label
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            return LINE_FIELDS[section].help
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.is_total(index.row()) or not LINE_FIELDS[index.column()].editable:
            return base
        return base | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():
            return None
        row, field = index.row(), LINE_FIELDS[index.column()]
        if self.is_total(row):
            return self._total_data(field, role)
        line = self._plan.lines[self._order[row]]
        if role == Qt.ItemDataRole.DisplayRole:
            return field.text(getattr(line, field.attr))
        if role == Qt.ItemDataRole.EditRole:
            return field.edit_text(getattr(line, field.attr))
        if role == Qt.ItemDataRole.TextAlignmentRole and field.numeric:
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return field.help
        return None

    def _total_data(self, spec: Field, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole:
            return _BOLD
        if role == Qt.ItemDataRole.BackgroundRole:
            return _TOTAL_BACKGROUND
        if role == Qt.ItemDataRole.TextAlignmentRole and spec.additive:
            return _RIGHT
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        lines = self._plan.lines
        shown = [lines[i] for i in self._order]
        if spec is LINE_FIELDS[0]:
            return f"Total ({len(shown)} lines)"
        if not spec.additive:
            return ""
        values = [getattr(line, spec.attr) for line in shown]
        present = [value for value in values if value is not None]
        # A column with blanks (a line without a cap) has no total.
        return money(sum(present)) if present and len(present) == len(values) else ""

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.is_total(index.row()):
            return False
        field = LINE_FIELDS[index.column()]
        item = self._order[index.row()]
        line = self._plan.lines[item]
        if str(value) == field.edit_text(getattr(line, field.attr)):
            return False  # the editor committed what it was given: no change, nothing rounded
        try:
            typed = parse_line_field(field.attr, str(value))
            new = set_line_field(self._plan, item, field.attr, typed)
        except EditError as error:
            self.edit_refused.emit(f"{line.name}: {error}")
            return False
        if new is self._plan:
            return False
        shown = field.text(getattr(new.lines[item], field.attr))
        self.edit_made.emit(new, f"Set {field.label.lower()} of {line.name} to {shown or 'blank'}")
        return True


_ALLOCATION_COLUMNS = (
    "Line",
    "Function",
    "Kind",
    "Current",
    "Allocated",
    "Change",
    "Change %",
    "Binding rule",
    "Shadow price",
)


class AllocationModel(OrderedModel, HeaderedTable):
    """Current against allocated spend per line, with the rule that binds each; sortable."""

    COLUMNS = _ALLOCATION_COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self._plan = Plan(())
        self._result: Result | None = None

    def set_result(self, plan: Plan, result: Result | None) -> None:
        self.beginResetModel()
        self._plan, self._result = plan, result
        self._reorder()
        self.endResetModel()

    def _item_count(self) -> int:
        if self._result is None or not self._result.is_optimal:
            return 0
        return len(self._plan.lines)

    def _sort_key(self, item: int, column: int) -> Any:
        value = self._raw(item)[column]
        if value is None:
            return -1e300
        return value.casefold() if isinstance(value, str) else value

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._order)

    def _raw(self, item: int) -> tuple[Any, ...]:
        """Line, Function, Kind, Current, Allocated, Change, Change %, Binding rule, Shadow price."""
        assert self._result is not None
        line = self._plan.lines[item]
        allocated = self._result.allocation.get(line.name, 0.0)
        change = allocated - line.current
        return (
            line.name,
            line.function,
            line.kind.value,
            line.current,
            allocated,
            change,
            change / line.current if line.current else None,
            self._result.line_binding.get(line.name) or "",
            self._result.line_shadow.get(line.name),
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid() or self._result is None:
            return None
        raw = self._raw(self._order[index.row()])
        column = index.column()
        change, pct, shadow = raw[5], raw[6], raw[8]
        if role == Qt.ItemDataRole.DisplayRole:
            if column in (3, 4, 5):
                return money(raw[column])
            if column == 6:
                return percent(pct)
            if column == 8:
                return f"{shadow:.4f}" if shadow else ""
            return raw[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (3, 4, 5, 6, 8):
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column in (5, 6) and change < -0.5:
            return _NEGATIVE
        if role == Qt.ItemDataRole.ToolTipRole and column in (7, 8):
            return self._sensitivity_tip(raw[0], shadow if column == 8 else None)
        return None

    def _sensitivity_tip(self, name: str, shadow: float | None) -> str | None:
        """The line's reduced cost (and, on the shadow price, what the price means)."""
        assert self._result is not None
        lines = []
        if shadow:
            lines.append(
                f"Impact gained per extra unit of money this line's binding rule gives it: {shadow:.6f}"
            )
        report = self._result.sensitivity
        item = report.line(name) if report is not None else None
        if item is not None:
            if item.bound:
                lines.append(
                    f"Reduced cost {item.reduced_cost:.4f}: held at its {item.bound}; each unit the "
                    f"bound is raised changes the impact by {item.reduced_cost:.4f}"
                )
            else:
                lines.append(
                    "Reduced cost 0: between its bounds, its marginal impact equals its price of money"
                )
        return "\n".join(lines) or None


_TOTAL_COLUMNS = ("Group", "Current", "Allocated", "Change", "Change %", "Share")


class TotalsModel(_TextCells, HeaderedTable):
    """Totals per function, then per kind, then for the whole plan."""

    COLUMNS = _TOTAL_COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[tuple[str, float, float | None, bool]] = []
        self._allocated_total = 0.0

    def set_result(self, plan: Plan, result: Result | None) -> None:
        self.beginResetModel()
        optimal = result is not None and result.is_optimal
        current = plan.function_current()
        rows: list[tuple[str, float, float | None, bool]] = []
        for function in plan.functions():
            allocated = result.totals.get(function, 0.0) if optimal and result is not None else None
            rows.append((function, current.get(function_key(function), 0.0), allocated, False))
        for kind in (Kind.CUSTOMER, Kind.INTERNAL):
            now = sum(line.current for line in plan.lines if line.kind is kind)
            allocated = result.kind_totals.get(kind.value, 0.0) if optimal and result is not None else None
            rows.append((f"All {kind.value}", now, allocated, True))
        total_allocated = sum(result.allocation.values()) if optimal and result is not None else None
        rows.append(("Whole plan", plan.current_total, total_allocated, True))
        self._rows = rows
        self._allocated_total = total_allocated or 0.0
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():
            return None
        name, current, allocated, summary = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.FontRole and summary:
            return _BOLD
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return _RIGHT
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        change = None if allocated is None else allocated - current
        values: Sequence[str] = (
            name,
            money(current),
            money(allocated),
            money(change),
            percent(change / current) if change is not None and current else "",
            percent(allocated / self._allocated_total)
            if allocated is not None and self._allocated_total
            else "",
        )
        return values[column]


_ISSUE_COLUMNS = ("Sheet", "Row", "Column", "Message")


class IssuesModel(_TextCells, HeaderedTable):
    """The import report: every issue with its place, then notes."""

    COLUMNS = _ISSUE_COLUMNS

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[tuple[str, str, str, str, bool]] = []

    def set_report(self, issues: Sequence[Issue], notes: Sequence[str]) -> None:
        self.beginResetModel()
        self._rows = [
            (i.sheet, "" if i.row is None else str(i.row), i.column or "", i.message, True) for i in issues
        ] + [("", "", "", note, False) for note in notes]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and row[4]:
            return _NEGATIVE
        return None
