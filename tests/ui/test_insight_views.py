"""The price of balance, the balance check and the frontier in the window."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF
from pytestqt.qtbot import QtBot

from models.insight import Frontier
from models.workbook import read_plan
from tests.conftest import SAMPLE
from tests.ui.conftest import NewWindow, load_sample
from ui.insight_view import FloorPriceModel
from ui.main_window import MainWindow

TIMEOUT = 20_000


@pytest.fixture
def window(qtbot: QtBot, new_window: NewWindow) -> MainWindow:
    return load_sample(qtbot, new_window(), until="insight_finished")


def test_price_of_balance_and_warnings_follow_the_solve(
    qtbot: QtBot, window: MainWindow, qtmodeltester: object
) -> None:
    price = window.session.price
    assert price is not None and price.floors
    summary = window.insight_panel.summary.text()
    assert f"{price.customer_with:,.0f}" in summary
    assert (
        "the customer impact given up to keep the internal floors and the internal share minimum" in summary
    )
    model = window.insight_panel.floors
    assert model.rowCount() == len(price.floors) >= 1
    assert model.index(0, 0).data() == price.floors[0].function
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert (
        "Finance &amp; legal is cut by" in window.insight_panel.warning_texts()
        or "Finance & legal is cut by" in window.insight_panel.warning_texts()
    )
    assert window.tabs.tabText(window.tabs.indexOf(window.insight_panel)) == "Price of balance (1 ⚠)"


def test_frontier_computed_shown_and_a_point_loaded(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    with qtbot.waitSignal(window.frontier_finished, timeout=TIMEOUT) as done:
        window.compute_frontier()
    frontier = done.args[0]
    assert isinstance(frontier, Frontier)
    view = window.frontier_view
    chart = view.chart_view.chart()
    names = [series.name() for series in chart.series()]
    assert names[:2] == ["Customer impact", "Total impact"]
    assert "The plan" in names and "Knee" in names
    assert any(name.startswith("Share min 30") for name in names)
    assert view.export_button.isEnabled()
    target = tmp_path / "frontier.xlsx"
    with qtbot.waitSignal(window.export_finished, timeout=TIMEOUT):
        window.export_frontier(target)
    import openpyxl

    sheet = openpyxl.load_workbook(target)["Frontier"]
    assert sheet.max_row >= len(frontier.points) + 1
    point = frontier.points[-1]
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT) as solved:
        view._on_series_clicked(QPointF(point.internal_share * 100, 0.0))
    assert window.session.plan.policy.internal_share_min == pytest.approx(point.internal_share)
    assert window.undo_action.text().startswith("&Undo Fix the internal share at")
    result = solved.args[0]
    assert result.internal_share == pytest.approx(point.internal_share, abs=1e-6)
    assert result.impact.total == pytest.approx(point.impact.total, rel=1e-3)
    # The frontier on screen is the old plan's now: said, and not exported as this plan's.
    assert "has changed" in view.info.text()
    assert not view.export_button.isEnabled()
    window.export_frontier(tmp_path / "stale.xlsx")
    assert not (tmp_path / "stale.xlsx").exists()
    assert "compute it again" in window.status_label.text()


def test_floor_price_model_alone(qtmodeltester: object) -> None:
    from planner.insight import price_of_balance

    plan = read_plan(SAMPLE).plan
    assert plan is not None
    price = price_of_balance(plan)
    assert price is not None
    model = FloorPriceModel()
    model.set_floors(price.floors)
    qtmodeltester.check(model)  # type: ignore[attr-defined]
