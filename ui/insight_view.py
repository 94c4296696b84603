"""The price of balance, the balance check and the balance frontier, in the window."""

from __future__ import annotations

import html
import math
from typing import Any

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QScatterSeries, QValueAxis
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QPainter, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from models.formats import money, percent
from models.insight import BalanceWarning, FloorPrice, Frontier, PriceOfBalance
from ui.charts import money_unit
from ui.table_models import HeaderedTable

__all__ = ["FloorPriceModel", "FrontierView", "InsightPanel"]

Index = QModelIndex | QPersistentModelIndex
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class FloorPriceModel(HeaderedTable):
    """Each binding internal floor: its price and the range of floors over which the price holds."""

    COLUMNS = ("Binding floor", "Floor", "Impact per unit", "Price holds from", "to")

    def __init__(self) -> None:
        super().__init__()
        self._floors: tuple[FloorPrice, ...] = ()

    def set_floors(self, floors: tuple[FloorPrice, ...]) -> None:
        self.beginResetModel()
        self._floors = floors
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._floors)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        floor = self._floors[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            high = "no limit" if math.isinf(floor.range_high) else money(floor.range_high)
            return (
                floor.function,
                money(floor.floor),
                f"{floor.shadow_price:.4f}",
                money(floor.range_low),
                high,
            )[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"{floor.method}. One more unit of the {floor.function} floor costs "
                f"{floor.shadow_price:.4f} of impact."
            )
        return None


class InsightPanel(QWidget):
    """What the balance rules cost customers, and the warnings of the balance check."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.summary = QLabel("Solving…")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.summary)
        self.floors = FloorPriceModel()
        self.floor_view = QTableView()
        self.floor_view.setModel(self.floors)
        self.floor_view.verticalHeader().hide()
        self.floor_view.horizontalHeader().setStretchLastSection(True)
        self.floor_view.setMaximumHeight(150)
        layout.addWidget(self.floor_view)
        title = QLabel("<b>Balance check</b>")
        layout.addWidget(title)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setTextFormat(Qt.TextFormat.RichText)
        self.warnings.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.warnings, 1)

    def show_insight(self, price: PriceOfBalance | None, warnings: tuple[BalanceWarning, ...]) -> None:
        if price is None:
            self.summary.setText("The price of balance needs an optimal plan.")
            self.floors.set_floors(())
        else:
            self.summary.setText(f"<b>Price of balance:</b> {html.escape(price.describe())}")
            self.floors.set_floors(price.floors)
            self.floor_view.resizeColumnsToContents()
        if not warnings:
            self.warnings.setText("No warnings: the allocation keeps the balance the checks ask for.")
        else:
            items = "".join(
                f"<li>{w.message}" + (f" <i>({', '.join(w.lines)})</i>" if w.lines else "") + "</li>"
                for w in warnings
            )
            self.warnings.setText(f"<ul style='margin-left: -20px'>{items}</ul>")

    def warning_texts(self) -> str:
        return self.warnings.text()


class FrontierView(QWidget):
    """Customer impact against internal share; hover for the figures, click to load a point."""

    compute_requested = Signal()
    export_requested = Signal()
    #: A point clicked: the internal share to fix.
    point_chosen = Signal(float)

    def __init__(self) -> None:
        super().__init__()
        self.frontier: Frontier | None = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.info = QLabel("The frontier shows what each internal share would cost customers.")
        self.info.setWordWrap(True)
        self.compute_button = QPushButton("Compute frontier")
        self.compute_button.clicked.connect(self.compute_requested)
        self.export_button = QPushButton("Export frontier…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.export_requested)
        bar.addWidget(self.info, 1)
        bar.addWidget(self.compute_button)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        self.chart_view = QChartView()
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(200)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.chart_view)
        layout.addWidget(splitter, 1)

    def mark_stale(self) -> None:
        """The plan changed: the frontier shown (or being computed) is not this plan's."""
        self.export_button.setEnabled(False)
        self.info.setText(
            "The plan has changed since this frontier was computed: compute it again for the plan as it is."
        )

    def show_frontier(self, frontier: Frontier) -> None:
        self.frontier = frontier
        self.export_button.setEnabled(bool(frontier.points))
        chart = QChart()
        chart.setTitle("Balance frontier: impact at each internal share")
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        optimal = [p for p in frontier.points if p.status == "optimal"]
        if not optimal:
            self.info.setText("No internal share is feasible: the plan's other rules cannot all hold.")
            self.chart_view.setChart(chart)
            return
        largest = max(*(p.impact.total for p in optimal), 1.0)
        divisor, unit = money_unit(largest)
        x_axis = QValueAxis()
        x_axis.setTitleText("Internal share of the money allocated (%)")
        x_axis.setLabelFormat("%.0f%%")
        y_axis = QValueAxis()
        y_axis.setTitleText(f"Impact ({unit})")
        y_axis.setLabelFormat("%.1f")
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)

        def add(series: QLineSeries | QScatterSeries) -> None:
            chart.addSeries(series)
            series.attachAxis(x_axis)
            series.attachAxis(y_axis)

        for name, colour, values in (
            ("Customer impact", "#2E7D32", [p.impact.customer for p in optimal]),
            ("Total impact", "#1F3A5F", [p.impact.total for p in optimal]),
        ):
            line = QLineSeries()
            line.setName(name)
            line.setPen(QPen(QColor(colour), 2))
            line.append(
                [QPointF(p.internal_share * 100, v / divisor) for p, v in zip(optimal, values, strict=True)]
            )
            line.setPointsVisible(True)
            line.hovered.connect(self._on_series_hovered)
            line.clicked.connect(self._on_series_clicked)
            add(line)
        low = min(p.impact.customer for p in optimal) / divisor
        high = max(p.impact.total for p in optimal) / divisor
        margin = (high - low) * 0.08 or 1.0
        y_axis.setRange(low - margin, high + margin)
        x_low, x_high = optimal[0].internal_share * 100, optimal[-1].internal_share * 100
        x_axis.setRange(max(x_low - 2, 0), min(x_high + 2, 100))
        marks = QScatterSeries()
        marks.setName("The plan")
        marks.setColor(QColor("#B00020"))
        marks.setMarkerSize(12)
        if frontier.plan_share is not None:
            plan_point = min(optimal, key=lambda p: abs(p.internal_share - frontier.plan_share))  # type: ignore[operator]
            marks.append(QPointF(plan_point.internal_share * 100, plan_point.impact.customer / divisor))
            add(marks)
        if frontier.knee is not None:
            knee = QScatterSeries()
            knee.setName("Knee")
            knee.setColor(QColor("#F9A825"))
            knee.setMarkerSize(12)
            point = min(optimal, key=lambda p: abs(p.internal_share - frontier.knee))  # type: ignore[operator]
            knee.append(QPointF(point.internal_share * 100, point.impact.customer / divisor))
            add(knee)
        for label, bound in (("Share min", frontier.share_min), ("Share max", frontier.share_max)):
            if bound is None:
                continue
            edge = QLineSeries()
            edge.setName(f"{label} {bound * 100:g}%")
            pen = QPen(QColor("#B00020"), 1.5)
            pen.setStyle(Qt.PenStyle.DashLine)
            edge.setPen(pen)
            edge.append([QPointF(bound * 100, low - margin), QPointF(bound * 100, high + margin)])
            add(edge)
        self.info.setText(
            f"Internal share from {percent(optimal[0].internal_share)} to "
            f"{percent(optimal[-1].internal_share)}"
            + (f"; knee at {percent(frontier.knee)}" if frontier.knee is not None else "")
            + ". Hover a point for its figures; click it to load that allocation as the plan."
        )
        self.chart_view.setChart(chart)

    def point_near(self, share_percent: float) -> Any:
        if self.frontier is None:
            return None
        optimal = [p for p in self.frontier.points if p.status == "optimal"]
        if not optimal:
            return None
        return min(optimal, key=lambda p: abs(p.internal_share * 100 - share_percent))

    def _on_series_hovered(self, point: QPointF, state: bool) -> None:
        found = self.point_near(point.x()) if state else None
        if found is None:
            QToolTip.hideText()
            return
        impact = found.impact
        QToolTip.showText(
            QCursor.pos(),
            f"Internal share {percent(found.internal_share)}\n"
            f"Customer impact {money(impact.customer)}\n"
            f"Internal impact {money(impact.internal)}\n"
            f"Total impact {money(impact.total)}",
        )

    def _on_series_clicked(self, point: QPointF) -> None:
        found = self.point_near(point.x())
        if found is not None:
            self.point_chosen.emit(found.internal_share)
