"""The Allocation table's tooltips show each line's reduced cost and the bound that holds it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from models.domain import Curve, Kind, Line, Plan, Policy
from planner.solve import solve
from ui.table_models import AllocationModel


def test_allocation_tooltips_show_the_reduced_cost(qtbot: QtBot) -> None:
    plan = Plan(
        (
            Line("A", "Acq", Kind.CUSTOMER, 10.0, weight=3.0, cap=40.0, curve=Curve.LINEAR),
            Line("C", "HR", Kind.INTERNAL, 10.0, weight=1.0, curve=Curve.LINEAR),
        ),
        Policy(total_budget=100.0),
    )
    model = AllocationModel()
    model.set_result(plan, solve(plan))
    rows = {model.data(model.index(r, 0)): r for r in range(model.rowCount())}
    capped = model.data(model.index(rows["A"], 7), Qt.ItemDataRole.ToolTipRole)
    assert "Reduced cost 2.0000: held at its cap" in capped
    shadow = model.data(model.index(rows["A"], 8), Qt.ItemDataRole.ToolTipRole)
    assert "Impact gained per extra unit" in shadow
    assert "Reduced cost 2.0000" in shadow
    free = model.data(model.index(rows["C"], 7), Qt.ItemDataRole.ToolTipRole)
    assert free.startswith("Reduced cost 0: between its bounds")
