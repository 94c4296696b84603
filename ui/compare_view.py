"""Scenarios side by side: key figures, functions and lines with deltas, and a chart per function."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter
from PySide6.QtWidgets import QDialog, QHBoxLayout, QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget

from models.compare import Comparison, Row
from models.formats import money, percent
from ui.charts import money_bars

__all__ = ["CompareDialog", "ComparisonModel"]

Index = QModelIndex | QPersistentModelIndex
_BOLD = QFont()
_BOLD.setBold(True)
_SECTION = QBrush(QColor("#E8EEF5"))
_NEGATIVE = QBrush(QColor("#B00020"))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_COLOURS = ("#1F3A5F", "#F9A825", "#2E7D32", "#8E24AA", "#00838F", "#6D4C41")


class ComparisonModel(QAbstractTableModel):
    """Rows: status, key figures, then functions, then lines; columns: each scenario, then changes."""

    def __init__(self) -> None:
        super().__init__()
        self._comparison: Comparison | None = None
        self._rows: list[tuple[str, Row | None, bool]] = []  # label or section, row, is percent

    def set_comparison(self, comparison: Comparison) -> None:
        self.beginResetModel()
        self._comparison = comparison
        rows: list[tuple[str, Row | None, bool]] = [("Key figures", None, False)]
        rows += [(row.label, row, False) for row in comparison.figures]
        rows.append((comparison.shares.label, comparison.shares, True))
        rows.append(("Per function", None, False))
        rows += [(row.label, row, False) for row in comparison.functions]
        rows.append(("Per line", None, False))
        rows += [(row.label, row, False) for row in comparison.lines]
        self._rows = rows
        self.endResetModel()

    def _names(self) -> tuple[str, ...]:
        return () if self._comparison is None else self._comparison.names

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows) + (2 if self._comparison else 0)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        n = len(self._names())
        return 0 if parent.isValid() or not n else 2 + n + (n - 1)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        names = self._names()
        headers = ["", "Function", *names, *(f"Change: {n}" for n in names[1:])]
        return headers[section] if section < len(headers) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._comparison is None:
            return None
        column, names = index.column(), self._names()
        if index.row() < 2:  # the status and binding-floor rows
            if role == Qt.ItemDataRole.DisplayRole:
                label, texts = (
                    ("Status", self._comparison.statuses)
                    if index.row() == 0
                    else ("Binding floors", tuple(", ".join(f) or "none" for f in self._comparison.floors))
                )
                if column == 0:
                    return label
                return texts[column - 2] if 2 <= column < 2 + len(names) else ""
            return None
        label, row, is_percent = self._rows[index.row() - 2]
        if row is None:
            if role == Qt.ItemDataRole.DisplayRole:
                return label if column == 0 else ""
            if role == Qt.ItemDataRole.FontRole:
                return _BOLD
            if role == Qt.ItemDataRole.BackgroundRole:
                return _SECTION
            return None
        n = len(names)
        if column < 2:
            return (row.label if column == 0 else row.group) if role == Qt.ItemDataRole.DisplayRole else None
        value = row.values[column - 2] if column < 2 + n else row.deltas[column - 2 - n + 1]
        if role == Qt.ItemDataRole.DisplayRole:
            if value is None:
                return "–"
            return percent(value) if is_percent else money(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column >= 2 + n and value is not None and value < -0.5:
            return _NEGATIVE
        return None


class CompareDialog(QDialog):
    """The comparison of two or more scenarios, with an export to Excel."""

    def __init__(
        self, comparison: Comparison, export: Callable[[], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare scenarios: " + ", ".join(comparison.names))
        self.resize(1200, 720)
        self.model = ComparisonModel()
        self.model.set_comparison(comparison)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setAlternatingRowColors(True)
        self.table.resizeColumnsToContents()
        self.chart = QChartView()
        self.chart.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart.setChart(_function_chart(comparison))
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.chart)
        splitter.setSizes([700, 500])
        self.export_button = QPushButton("Export comparison…")
        self.export_button.clicked.connect(export)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)


def _function_chart(comparison: Comparison) -> QChart:
    chart = QChart()
    chart.setTitle("Allocation per function")
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
    rows = comparison.functions
    sets = [
        (name, QColor(_COLOURS[k % len(_COLOURS)]), [row.values[k] or 0.0 for row in rows])
        for k, name in enumerate(comparison.names)
    ]
    money_bars(chart, [row.label for row in rows], sets)
    return chart
