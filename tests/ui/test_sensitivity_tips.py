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


def test_the_rules_panel_says_what_each_binding_floor_is_worth_and_how_far(qtbot: QtBot) -> None:
    from models.domain import Bound, FunctionRule
    from ui.policy_panel import BOUND_HINT, PolicyPanel

    plan = Plan(
        (
            Line("Payroll", "HR", Kind.INTERNAL, 100.0, weight=0.5, curve=Curve.LINEAR),
            Line("Ads", "Acquisition", Kind.CUSTOMER, 100.0, weight=2.0, curve=Curve.LINEAR),
        ),
        Policy(total_budget=200.0, functions=(FunctionRule("HR", floor=Bound(80.0)),)),
    )
    result = solve(plan)
    assert result.sensitivity is not None
    panel = PolicyPanel()
    qtbot.addWidget(panel)
    panel.set_plan(plan)
    panel.show_sensitivity(result)
    _label, floor, cap = panel.key_fields["HR"]
    # The HR floor holds 80 where Ads is worth 2 and Payroll 0.5: each unit of floor costs 1.5.
    assert floor.toolTip().startswith(BOUND_HINT)
    # Lowered to 0 or raised to 200 (the whole budget), the floor still holds the plan the same way.
    assert floor.toolTip().endswith(
        "Binding. Impact per unit loosened: 1.5000. The same rules hold the plan for a limit from 0 to 200."
    )
    assert cap.toolTip() == BOUND_HINT  # no cap: nothing to say
    panel.show_sensitivity(None)
    assert floor.toolTip() == BOUND_HINT
