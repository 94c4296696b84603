"""The window follows the schema: every field a column, choices from the schema, one vocabulary of functions."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from models.domain import Basis, Bound, FunctionRule, Kind, Line, Plan, Policy
from models.schema import LINE_FIELDS, POLICY_SETTINGS
from tests.ui.conftest import TIMEOUT, NewWindow, drop_files
from ui.delegates import ChoiceDelegate
from ui.main_window import MainWindow


@pytest.fixture
def window(new_window: NewWindow) -> MainWindow:
    return new_window()


def _show(qtbot: QtBot, window: MainWindow, plan: Plan) -> None:
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        window.session.load(plan, None)


PLAN = Plan(
    (
        Line("Payroll", "People ops", Kind.INTERNAL, 400_000.0, half_return=250_000.0),
        Line("Cloud", "Tech", Kind.INTERNAL, 300_000.0),
        Line("Ads", "Acquisition", Kind.CUSTOMER, 500_000.0),
    ),
    Policy(internal_share_min=0.403369),
)


def test_every_field_is_a_column_with_its_help(qtbot: QtBot, window: MainWindow) -> None:
    _show(qtbot, window, PLAN)
    model = window.budget_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == [f.label for f in LINE_FIELDS]
    column = headers.index("Half-return")
    assert model.index(0, column).data() == "250,000"
    assert model.index(0, column).data(Qt.ItemDataRole.ToolTipRole) == LINE_FIELDS[column].help
    for c, field in enumerate(LINE_FIELDS):
        delegate = window.budget_view.itemDelegateForColumn(c)
        assert isinstance(delegate, ChoiceDelegate) == bool(field.choices)


def test_half_return_is_edited_in_place_and_undone(qtbot: QtBot, window: MainWindow) -> None:
    _show(qtbot, window, PLAN)
    model = window.budget_model
    column = [f.attr for f in LINE_FIELDS].index("half_return")
    row = model.row_of(1)
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        assert model.setData(model.index(row, column), "$120k")
    assert window.session.plan.lines[1].half_return == 120_000.0
    assert model.index(row, column).data() == "120,000"
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        window.undo_action.trigger()
    assert window.session.plan.lines[1].half_return is None
    assert model.index(row, column).data() == ""


def test_key_functions_are_found_under_their_other_names(qtbot: QtBot, window: MainWindow) -> None:
    _show(qtbot, window, PLAN)
    panel = window.policy_panel
    labels = {name: fields[0].text() for name, fields in panel.key_fields.items()}
    assert labels == {"HR": "People ops", "IT": "Tech", "Internal comms": "Internal comms (no lines)"}
    field = panel.key_field("HR", "floor")
    field.setText("450,000")
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT) as solved:
        field.editingFinished.emit()
    rule = window.session.plan.function_rule("HR")
    assert rule is not None and rule.floor == Bound(450_000.0, Basis.AMOUNT)
    assert solved.args[0].allocation["Payroll"] >= 450_000.0 - 1e-3


def test_the_rules_panel_shows_the_value_in_force(qtbot: QtBot, window: MainWindow) -> None:
    rules = (
        FunctionRule("People ops", floor=Bound(400_000.5)),
        FunctionRule("Tech", floor=Bound(0.123456789, Basis.BUDGET), cap=Bound(1.05, Basis.CURRENT)),
    )
    _show(qtbot, window, PLAN.with_policy(functions=rules))
    panel = window.policy_panel
    assert panel.key_field("HR", "floor").text() == "400,000.5"
    assert panel.key_field("IT", "floor").text() == "12.3456789%"
    assert panel.key_field("IT", "cap").text() == "105% of current"
    assert panel.share_min.text() == "40.3369%"
    tips = {s.attr: s.help for s in POLICY_SETTINGS}
    assert panel.share_min.toolTip() == tips["internal_share_min"]
    # The setting's help, then (the budget binds once solved) what loosening it is worth.
    assert panel.total_budget.toolTip().startswith(tips["total_budget"])


def test_opening_an_editor_and_pressing_enter_changes_nothing(qtbot: QtBot, window: MainWindow) -> None:
    precise = Plan(
        (
            Line("Payroll", "HR", Kind.INTERNAL, 1234.5678, weight=1.23456789, max_change=0.123456789),
            Line("Ads", "Acquisition", Kind.CUSTOMER, 500.0),
        )
    )
    _show(qtbot, window, precise)
    model = window.budget_model
    row = model.row_of(0)
    for column, field in enumerate(LINE_FIELDS):
        index = model.index(row, column)
        assert not model.setData(index, index.data(Qt.ItemDataRole.EditRole)), field.attr
    assert window.session.plan == precise
    assert len(window.session.history) == 0
    column = [f.attr for f in LINE_FIELDS].index("weight")
    assert model.index(row, column).data(Qt.ItemDataRole.EditRole) == "1.23456789"


def test_a_plan_that_cannot_be_solved_shows_its_problems(qtbot: QtBot, window: MainWindow) -> None:
    clashing = Plan(
        (
            Line("Servers", "IT", Kind.INTERNAL, 100.0, source_row=2),
            Line("Laptops", "Tech", Kind.CUSTOMER, 50.0, source_row=3),
        )
    )
    _show(qtbot, window, clashing)
    assert "cannot be solved as it stands: 1 problem" in window.status_label.text()
    assert window.tabs.currentWidget() is window.issues_view
    texts = [window.issues_model.index(r, 3).data() for r in range(window.issues_model.rowCount())]
    assert any("a function has one kind" in str(text) for text in texts)


def test_dropping_department_workbooks_opens_them_as_one_plan(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    from tests.conftest import write_book

    paths = [
        write_book(
            tmp_path / "Human_Resources_FY25.xlsx", {"Budget": [["Cost centre", "Budget"], ["Payroll", 600]]}
        ),
        write_book(tmp_path / "Marketing_FY25.xlsx", {"Budget": [["Cost centre", "Budget"], ["Ads", 400]]}),
    ]
    # Marketing is customer by no rule the reader knows: the import preview asks first.
    with qtbot.waitSignal(window.preview_shown, timeout=TIMEOUT) as shown:
        drop_files(window, paths)
    assert window.session.plan.lines == ()
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        shown.args[0].accept()
    plan = window.session.plan
    assert [(line.name, line.function, line.kind) for line in plan.lines] == [
        ("Payroll", "Human Resources", Kind.INTERNAL),
        ("Ads", "Marketing", Kind.CUSTOMER),
    ]
    assert "Opened" in window.status_label.text() or "Optimal" in window.status_label.text()
