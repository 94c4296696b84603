"""Charts of the allocation: current against allocated per function, and the customer/internal split."""

from __future__ import annotations

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QHorizontalStackedBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from models.domain import Kind, Plan, function_key
from models.result import Result

__all__ = ["FunctionChart", "SplitChart", "money_bars", "money_unit"]

CURRENT = QColor("#9AA7B8")
ALLOCATED = QColor("#1F3A5F")
CUSTOMER = QColor("#2E7D32")
INTERNAL = QColor("#F9A825")


def money_unit(largest: float) -> tuple[float, str]:
    """A divisor and its name so axis labels stay short: (1e6, "millions")."""
    for divisor, name in ((1e9, "billions"), (1e6, "millions"), (1e3, "thousands")):
        if largest >= divisor:
            return divisor, name
    return 1.0, "units"


def money_bars(chart: QChart, categories: list[str], sets: list[tuple[str, QColor, list[float]]]) -> None:
    """Horizontal bars, one set per ``(name, colour, values)``, the first category on top."""
    divisor, unit = money_unit(max((v for _n, _c, values in sets for v in values), default=0.0))
    series = QHorizontalBarSeries()
    for name, colour, values in sets:
        bars = QBarSet(name)
        bars.setColor(colour)
        bars.append([v / divisor for v in values[::-1]])
        series.append(bars)
    chart.addSeries(series)
    axis_categories = QBarCategoryAxis()
    axis_categories.append(categories[::-1])
    chart.addAxis(axis_categories, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_categories)
    axis = QValueAxis()
    axis.setTitleText(unit)
    axis.setLabelFormat("%.1f")
    axis.setMin(0.0)
    chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis)
    axis.applyNiceNumbers()


class FunctionChart(QChartView):
    """Current and allocated spend per function, side by side."""

    def __init__(self) -> None:
        super().__init__()
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(220)
        self.chart().setTitle("Current and allocated spend per function")
        self.chart().legend().setAlignment(Qt.AlignmentFlag.AlignBottom)

    def show_result(self, plan: Plan, result: Result | None) -> None:
        chart = QChart()
        chart.setTitle("Current and allocated spend per function")
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        chart.setMargins(QMargins(4, 4, 4, 4))
        functions = plan.functions()
        current = plan.function_current()
        values_now = [current.get(function_key(f), 0.0) for f in functions]
        sets = [("Current", CURRENT, values_now)]
        if result is not None and result.is_optimal:
            sets.append(("Allocated", ALLOCATED, [result.totals.get(f, 0.0) for f in functions]))
        money_bars(chart, functions, sets)
        self.setChart(chart)


class SplitChart(QChartView):
    """The customer/internal split of current and allocated spend, with the plan's share bounds."""

    def __init__(self) -> None:
        super().__init__()
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(170)

    def show_result(self, plan: Plan, result: Result | None) -> None:
        chart = QChart()
        chart.setTitle("Customer and internal share")
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        rows = [
            (
                "Current",
                sum(line.current for line in plan.lines if line.kind is Kind.INTERNAL),
                plan.current_total,
            )
        ]
        if result is not None and result.is_optimal:
            rows.append(
                (
                    "Allocated",
                    result.kind_totals.get(Kind.INTERNAL.value, 0.0),
                    sum(result.allocation.values()),
                )
            )
        series = QHorizontalStackedBarSeries()
        customer, internal = QBarSet("Customer"), QBarSet("Internal")
        customer.setColor(CUSTOMER)
        internal.setColor(INTERNAL)
        for _label, inside, total in rows:
            share = round(inside / total * 100, 1) if total else 0.0
            internal.append(share)
            customer.append(round(100.0 - share, 1) if total else 0.0)
        series.append(internal)
        series.append(customer)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value%")
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        categories.append([label for label, _i, _t in rows])
        chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(categories)
        percent = QValueAxis()
        percent.setRange(0.0, 100.0)
        percent.setLabelFormat("%.0f%%")
        percent.setTickCount(6)
        chart.addAxis(percent, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(percent)
        # The share bounds as dashed vertical lines over both bars.
        height = QValueAxis()
        height.setRange(0.0, 1.0)
        height.setVisible(False)
        chart.addAxis(height, Qt.AlignmentFlag.AlignRight)
        for label, bound in (
            ("Internal share min", plan.policy.internal_share_min),
            ("Internal share max", plan.policy.internal_share_max),
        ):
            if bound is None:
                continue
            line = QLineSeries()
            line.setName(f"{label} {bound * 100:g}%")
            pen = QPen(QColor("#B00020"))
            pen.setWidth(2)
            pen.setStyle(Qt.PenStyle.DashLine)
            line.setPen(pen)
            line.append([QPointF(bound * 100, 0.0), QPointF(bound * 100, 1.0)])
            chart.addSeries(line)
            line.attachAxis(percent)
            line.attachAxis(height)
        self.setChart(chart)
