"""The import preview's tables: a sheet's first rows under a role per column, and plain lists.

The models hold what they are given (immutable rows); an edit (a column's
role, a function's kind) goes to a callback, and the preview reads the
workbooks again and gives the models their new rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from models.issues import column_letter
from models.mapping import NOT_USED, ROLES, SheetLayout
from ui.import_state import role_label

__all__ = ["ROLE_LABELS", "ChoiceEditor", "PreviewModel", "TextTable"]

Index = QModelIndex | QPersistentModelIndex
#: The drop-down's roles, by their labels, in the schema's order ("Not used" last).
ROLE_LABELS: Final = {role_label(role): role for role in ROLES}
_HEADER_ROW = QBrush(QColor("#FFF1C2"))
_ROLE_ROW = QBrush(QColor("#E8F0FE"))
_SKIPPED = QBrush(QColor("#8A8A8A"))
_UNUSED = QBrush(QColor("#8A8A8A"))
_BOLD = QFont()
_BOLD.setBold(True)
_ITALIC = QFont()
_ITALIC.setItalic(True)


class PreviewModel(QAbstractTableModel):
    """A sheet's first rows; row 0 holds each column's role, the header row is marked.

    ``on_role(header, role)`` is called when the user gives a column a role.
    """

    def __init__(self, on_role: Callable[[str, str], None] | None = None) -> None:
        super().__init__()
        self._on_role = on_role
        self._rows: tuple[tuple[str, ...], ...] = ()
        self._headers: list[str] = []
        self._roles: list[str] = []
        self._hidden: set[int] = set()
        self._header_row: int | None = None
        self._skipped: dict[int, str] = {}
        self._columns = 0

    def set_sheet(self, layout: SheetLayout | None, roles: Callable[[str], str] | None = None) -> None:
        """Show ``layout``'s first rows; ``roles(header)`` gives each column's role (the reader's if none)."""
        self.beginResetModel()
        if layout is None:
            self._rows, self._columns, self._header_row = (), 0, None
            self._headers, self._roles, self._hidden, self._skipped = [], [], set(), {}
        else:
            self._rows = layout.preview
            width = max((len(r) for r in layout.preview), default=0)
            width = max(width, *(c.index + 1 for c in layout.columns), 0)
            self._columns = width
            self._headers = [""] * width
            self._roles = [NOT_USED] * width
            self._hidden = {c.index for c in layout.columns if c.hidden}
            for column in layout.columns:
                self._headers[column.index] = column.header
                self._roles[column.index] = roles(column.header) if roles else column.role
            self._header_row = layout.header_row
            self._skipped = {s.row: s.reason for s in layout.skipped}
        self.endResetModel()

    def role(self, column: int) -> str:
        return self._roles[column]

    def header(self, column: int) -> str:
        return self._headers[column]

    def editable(self, column: int) -> bool:
        """A column can be given a role when it has a header: the mapping names it by that header."""
        return bool(self._headers[column])

    # -- Qt ---------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or not self._columns else 1 + len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._columns

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < self._columns:
                return None
            letter = column_letter(section + 1)
            return f"{letter} (hidden)" if section in self._hidden else letter
        return "Role" if section == 0 else str(section)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if row == 0:
            return self._role_data(column, role)
        excel_row = row
        values = self._rows[row - 1]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return values[column] if column < len(values) else ""
        if role == Qt.ItemDataRole.BackgroundRole and excel_row == self._header_row:
            return _HEADER_ROW
        if role == Qt.ItemDataRole.FontRole:
            if excel_row == self._header_row:
                return _BOLD
            if excel_row in self._skipped:
                return _ITALIC
        if role == Qt.ItemDataRole.ForegroundRole and excel_row in self._skipped:
            return _SKIPPED
        if role == Qt.ItemDataRole.ToolTipRole:
            if excel_row == self._header_row:
                return "The header row: each column is named by its text here"
            if excel_row in self._skipped:
                return f"Not read: {self._skipped[excel_row]}"
        return None

    def _role_data(self, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return role_label(self._roles[column]) if self.editable(column) else ""
        if role == Qt.ItemDataRole.BackgroundRole:
            return _ROLE_ROW
        if role == Qt.ItemDataRole.ForegroundRole and self._roles[column] == NOT_USED:
            return _UNUSED
        if role == Qt.ItemDataRole.ToolTipRole:
            if not self.editable(column):
                return "This column has no header, so it is not read; give it a header in the workbook"
            return f"What the column '{self._headers[column]}' holds"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.row() == 0 and self.editable(index.column()):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.row() != 0:
            return False
        column = index.column()
        chosen = ROLE_LABELS.get(str(value), str(value))
        if not self.editable(column) or chosen not in ROLES:
            return False
        if chosen == self._roles[column]:
            return True
        self._roles[column] = chosen
        self.dataChanged.emit(index, index)
        if self._on_role is not None:
            self._on_role(self._headers[column], chosen)
        return True


class TextTable(QAbstractTableModel):
    """Rows of text under titles; ``choices`` makes one column a drop-down, edits go to ``on_edit``."""

    def __init__(
        self,
        columns: Sequence[str],
        *,
        editable: int | None = None,
        on_edit: Callable[[int, str], None] | None = None,
        numbers: Sequence[int] = (),
    ) -> None:
        super().__init__()
        self.columns = tuple(columns)
        #: Columns of numbers and money, aligned right as a spreadsheet aligns them.
        self._numbers = frozenset(numbers)
        self._editable = editable
        self._on_edit = on_edit
        self._rows: list[tuple[str, ...]] = []
        self._marked: set[int] = set()

    def set_rows(self, rows: Sequence[Sequence[str]], marked: Sequence[int] = ()) -> None:
        """The rows to show; ``marked`` rows are written in red (problems)."""
        self.beginResetModel()
        self._rows = [tuple(r) for r in rows]
        self._marked = set(marked)
        self.endResetModel()

    def cell(self, row: int, column: int) -> str:
        return self._rows[row][column]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section] if 0 <= section < len(self.columns) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and index.row() in self._marked:
            return QBrush(QColor("#B00020"))
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self._numbers:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self._editable:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != self._editable:
            return False
        row, text = index.row(), str(value)
        if self._rows[row][index.column()] == text:
            return True
        cells = list(self._rows[row])
        cells[index.column()] = text
        self._rows[row] = tuple(cells)
        self.dataChanged.emit(index, index)
        if self._on_edit is not None:
            self._on_edit(row, text)
        return True


class ChoiceEditor(QStyledItemDelegate):
    """A drop-down of ``choices`` that is always shown and commits as soon as one is picked."""

    def __init__(self, choices: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._choices = list(choices)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QComboBox(parent)
        editor.addItems(self._choices)
        editor.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        editor.activated.connect(lambda _n: self.commitData.emit(editor))
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if isinstance(editor, QComboBox):
            editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole) or ""))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)
