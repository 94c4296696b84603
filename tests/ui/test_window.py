"""The window, driven as a finance lead would, offscreen."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from models.domain import Basis, Bound, Kind, Plan
from models.result import Result, Status
from models.schema import LINE_FIELDS
from models.workbook import read_plan
from tests.conftest import ROOT, SAMPLE, infeasible_plan, write_book
from tests.ui.conftest import NewWindow, drop_files
from ui.main_window import MESSAGES, MainWindow
from ui.table_models import AllocationModel, BudgetModel, IssuesModel, TotalsModel

#: Each line field's column in the Budget table.
COLUMN = {f.attr: i for i, f in enumerate(LINE_FIELDS)}

TIMEOUT = 20_000


@pytest.fixture
def window(new_window: NewWindow) -> MainWindow:
    return new_window()


def load_and_solve(qtbot: QtBot, window: MainWindow, plan: Plan) -> Result:
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT) as blocker:
        window.session.load(plan, None)
    result = blocker.args[0]
    assert isinstance(result, Result)
    return result


def sample_plan() -> Plan:
    plan = read_plan(SAMPLE).plan
    assert plan is not None
    return plan


def test_opening_a_workbook_shows_and_solves_it(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT) as solved:
        window.open_workbook(SAMPLE)
    result = solved.args[0]
    assert result.status is Status.OPTIMAL
    assert window.budget_model.rowCount() == len(window.session.plan.lines) + 1  # lines and the totals row
    assert window.allocation_model.rowCount() == len(window.session.plan.lines)
    assert window.status_label.text().startswith("Optimal")
    assert str(SAMPLE.resolve()) in window.recent_files()
    assert window.recent_menu.actions()[0].text().endswith(SAMPLE.name)


def test_an_invalid_workbook_leaves_the_plan_on_screen(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    plan = sample_plan()
    load_and_solve(qtbot, window, plan)
    bad = write_book(
        tmp_path / "bad.xlsx", {"Budget": [["Line", "Function", "Current"], ["Payroll", "HR", "TBD"]]}
    )
    with qtbot.waitSignal(window.import_finished, timeout=TIMEOUT):
        window.open_workbook(bad)
    assert window.session.plan == plan
    assert window.issues_model.rowCount() == 1
    cells = [window.issues_model.index(0, c).data() for c in range(4)]
    assert cells[:3] == ["Budget", "2", "C"]
    assert "TBD" in cells[3]
    assert window.tabs.currentWidget() is window.issues_view
    assert window.status_label.text() == MESSAGES["invalid"].format(name="bad.xlsx", count=1)


def test_editing_a_floor_changes_the_allocation_and_undo_restores_it(
    qtbot: QtBot, window: MainWindow
) -> None:
    plan = sample_plan()
    before = load_and_solve(qtbot, window, plan)
    row = next(i for i, line in enumerate(plan.lines) if line.name == "Cloud hosting")
    index = window.budget_model.index(window.budget_model.row_of(row), COLUMN["floor"])
    # Raised 100,000 above the optimum (1.25M), still under the line's change limit (1.4M).
    wanted = before.allocation["Cloud hosting"] + 100_000
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT) as solved:
        assert window.budget_model.setData(index, f"{wanted:,.0f}")
    after = solved.args[0]
    assert window.session.plan.lines[row].floor == pytest.approx(round(wanted))
    assert after.allocation["Cloud hosting"] >= round(wanted) - 1e-6
    assert after.impact.total <= before.impact.total + 1e-6  # a new floor can only cost impact
    assert window.undo_action.text() == f"&Undo Set floor of Cloud hosting to {round(wanted):,.0f}"
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT) as undone:
        window.undo_action.trigger()
    assert window.session.plan == plan
    assert undone.args[0].allocation == pytest.approx(before.allocation)
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        window.redo_action.trigger()
    assert window.session.plan.lines[row].floor == pytest.approx(round(wanted))


def test_an_invalid_cell_edit_is_refused_with_the_reason(qtbot: QtBot, window: MainWindow) -> None:
    plan = sample_plan()
    load_and_solve(qtbot, window, plan)
    index = window.budget_model.index(0, COLUMN["current"])
    with qtbot.waitSignal(window.budget_model.edit_refused) as refused:
        assert not window.budget_model.setData(index, "TBD")
    assert "'TBD' cannot be read as an amount of money" in refused.args[0]
    assert window.session.plan == plan
    assert len(window.session.history) == 0
    assert "Not changed" in window.statusBar().currentMessage()


def test_policy_floor_typed_as_percent_of_budget(qtbot: QtBot, window: MainWindow) -> None:
    plan = sample_plan()
    load_and_solve(qtbot, window, plan)
    field = window.policy_panel.key_field("IT", "floor")
    field.setText("16%")
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT) as solved:
        field.editingFinished.emit()
    rule = window.session.plan.function_rule("IT")
    assert rule is not None
    assert rule.floor == Bound(0.16, Basis.BUDGET)
    result = solved.args[0]
    assert result.status is Status.OPTIMAL
    assert result.totals["IT"] >= 0.16 * window.session.plan.budget - 1e-6
    field.setText("lots")
    with qtbot.waitSignal(window.policy_panel.edit_refused) as refused:
        field.editingFinished.emit()
    assert "'lots'" in refused.args[0]
    assert window.policy_panel.message.isVisibleTo(window.policy_panel)
    assert field.text() == "16%"  # the plan's value is shown again


def test_an_infeasible_plan_is_explained_and_a_fix_makes_it_optimal(qtbot: QtBot, window: MainWindow) -> None:
    result = load_and_solve(qtbot, window, infeasible_plan())
    assert result.status is Status.INFEASIBLE
    assert window.explanation.isVisibleTo(window)
    assert "cannot be met" in window.explanation_text.text()
    texts = window.fix_button_texts()
    assert any(text.startswith("Raise the budget by 30") for text in texts), texts
    assert window.status_label.text() == MESSAGES["infeasible"]
    assert window.allocation_model.rowCount() == 0
    fix = next(f for f in result.explanation.fixes if f.family == "budget")  # type: ignore[union-attr]
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT) as fixed:
        window.apply_fix(fix)
    assert fixed.args[0].status is Status.OPTIMAL
    assert window.session.plan.policy.total_budget == pytest.approx(330.0)
    assert not window.explanation.isVisibleTo(window)
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT) as undone:
        window.undo_action.trigger()
    assert undone.args[0].status is Status.INFEASIBLE


def test_export_writes_a_workbook_the_core_reads_back(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    plan = sample_plan()
    result = load_and_solve(qtbot, window, plan)
    target = tmp_path / "allocation.xlsx"
    with qtbot.waitSignal(window.export_finished, timeout=TIMEOUT):
        window.export_to(target)
    report = read_plan(target)
    assert report.plan is not None, report.issues
    assert report.plan.lines == plan.lines
    sheets = openpyxl.load_workbook(target, read_only=True).sheetnames
    assert {"Price of balance", "Balance check"} <= set(sheets)
    assert window.status_label.text() == MESSAGES["exported"].format(path=target)
    assert result.is_optimal


def test_an_export_that_cannot_be_written_is_a_message(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    plan = sample_plan()
    load_and_solve(qtbot, window, plan)
    with qtbot.waitSignal(window.error_shown, timeout=TIMEOUT) as shown:
        window.export_to(tmp_path / "missing" / "allocation.xlsx")
    assert "does not exist" in shown.args[0]
    box = window.findChild(QMessageBox, "error-box")
    assert box is not None
    assert box.windowTitle() == MESSAGES["export_failed"]
    assert window.session.plan == plan


def test_a_failure_in_work_shows_details_and_keeps_the_plan(qtbot: QtBot, window: MainWindow) -> None:
    plan = sample_plan()
    load_and_solve(qtbot, window, plan)

    def broken(_progress: object) -> object:
        raise RuntimeError("disk on fire")

    with qtbot.waitSignal(window.error_shown, timeout=TIMEOUT):
        window.executor.runner("solve").start(broken)
    box = window.findChild(QMessageBox, "error-box")
    assert box is not None
    assert "disk on fire" in box.text()
    assert "Traceback" in box.detailedText()
    assert window.session.plan == plan


def test_a_newer_edit_supersedes_a_running_solve(qtbot: QtBot, window: MainWindow) -> None:
    plan = sample_plan()
    load_and_solve(qtbot, window, plan)
    seen: list[Result] = []
    window.solve_finished.connect(seen.append)
    smaller = plan.with_policy(total_budget=30_000_000)
    window.session.show_plan(smaller)
    window.solve_now()
    window.session.show_plan(plan.with_policy(total_budget=35_000_000))
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        window.solve_now()
    QThreadPool.globalInstance().waitForDone(TIMEOUT)
    qtbot.wait(50)
    assert window.session.result is not None
    assert sum(window.session.result.allocation.values()) == pytest.approx(35_000_000, rel=1e-6)
    assert all(sum(r.allocation.values()) == pytest.approx(35_000_000, rel=1e-6) for r in seen)


def test_filter_and_totals_row(qtbot: QtBot, window: MainWindow) -> None:
    plan = sample_plan()
    load_and_solve(qtbot, window, plan)
    window.function_filter.setCurrentIndex(window.function_filter.findData("IT"))
    window._on_filter_changed()
    model = window.budget_model
    it_lines = [line for line in plan.lines if line.function == "IT"]
    assert model.rowCount() == len(it_lines) + 1
    last = model.index(model.rowCount() - 1, COLUMN["current"])
    assert last.data() == f"{sum(line.current for line in it_lines):,.0f}"
    window.budget_view.sortByColumn(COLUMN["current"], Qt.SortOrder.DescendingOrder)
    shown = [model.index(r, COLUMN["current"]).data() for r in range(model.rowCount() - 1)]
    expected = sorted(it_lines, key=lambda line: -line.current)
    assert shown == [f"{line.current:,.0f}" for line in expected]
    assert model.index(model.rowCount() - 1, 0).data().startswith("Total")
    # An edit while sorted keeps the order and the edited line selected.
    top = model.index(0, 0)
    window.budget_view.setCurrentIndex(top)
    name = top.data()
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        assert model.setData(model.index(0, COLUMN["current"]), "1")  # the largest becomes the smallest
    assert model.index(model.rowCount() - 2, 0).data() == name
    assert window.budget_view.currentIndex().data() == name


def test_settings_are_remembered(new_window: NewWindow) -> None:
    first = new_window("shared.ini")
    first.resize(760, 560)  # within the offscreen screen, which bounds a restored geometry
    first.splitter.setSizes([400, 300])
    sizes = first.splitter.sizes()
    first.close()
    second = new_window("shared.ini")
    assert (second.size().width(), second.size().height()) == (760, 560)
    assert second.splitter.sizes() == sizes


@pytest.mark.parametrize("model_class", [BudgetModel, AllocationModel, TotalsModel, IssuesModel])
def test_table_models_pass_the_model_tester(qtmodeltester: object, model_class: type) -> None:
    plan = sample_plan()
    from planner.solve import solve

    result = solve(plan)
    model = model_class()
    if isinstance(model, BudgetModel):
        model.set_plan(plan)
    elif isinstance(model, IssuesModel):
        report = read_plan(SAMPLE)
        model.set_report(report.issues, report.notes)
    else:
        model.set_result(plan, result)
    assert model.rowCount() > 0
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_screenshot_is_a_real_window(tmp_path: Path) -> None:
    target = tmp_path / "window.png"
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--screenshot", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    image = QImage(str(target))
    assert image.width() >= 1280
    assert image.height() >= 800
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 50


def test_ratio_rules_are_added_and_removed_from_the_panel(qtbot: QtBot, window: MainWindow) -> None:
    plan = sample_plan()
    load_and_solve(qtbot, window, plan)
    panel = window.policy_panel
    before = len(window.session.plan.policy.ratios)
    panel.ratio_left.setCurrentText("Loyalty")
    panel.ratio_right.setCurrentText("Acquisition")
    panel.ratio_factor.setValue(0.4)
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT) as solved:
        panel._on_add_ratio_clicked()
    ratios = window.session.plan.policy.ratios
    assert len(ratios) == before + 1
    assert ratios[-1].describe() == "Loyalty >= 0.4 x Acquisition"
    result = solved.args[0]
    assert result.totals["Loyalty"] >= 0.4 * result.totals["Acquisition"] - 1e-6
    assert window.undo_action.text() == "&Undo Add ratio Loyalty >= 0.4 x Acquisition"
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        window.undo_action.trigger()
    assert window.session.plan.policy.ratios == plan.policy.ratios


def test_a_dropped_workbook_is_opened(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        drop_files(window, [SAMPLE])
    assert window.session.path == SAMPLE
    assert len(window.session.plan.lines) == 57


def test_an_exception_in_a_slot_becomes_a_message(qtbot: QtBot, window: MainWindow) -> None:
    from ui.app import _install_error_hook

    plan = sample_plan()
    load_and_solve(qtbot, window, plan)
    saved = sys.excepthook
    try:
        _install_error_hook(window)
        try:
            raise KeyError("no such line")
        except KeyError as error:
            sys.excepthook(type(error), error, error.__traceback__)
    finally:
        sys.excepthook = saved
    box = window.findChild(QMessageBox, "error-box")
    assert box is not None
    assert box.text() == "KeyError: 'no such line'"
    assert "Traceback" in box.detailedText()
    assert window.session.plan == plan


def test_kind_is_chosen_from_a_list_and_moves_the_function(qtbot: QtBot, window: MainWindow) -> None:
    from PySide6.QtWidgets import QComboBox, QStyleOptionViewItem

    plan = sample_plan()
    load_and_solve(qtbot, window, plan)
    row = next(i for i, line in enumerate(plan.lines) if line.function == "Training")
    index = window.budget_model.index(window.budget_model.row_of(row), COLUMN["kind"])
    delegate = window.budget_view.itemDelegateForIndex(index)
    editor = delegate.createEditor(window.budget_view.viewport(), QStyleOptionViewItem(), index)
    assert isinstance(editor, QComboBox)
    assert [editor.itemText(i) for i in range(editor.count())] == ["customer", "internal"]
    delegate.setEditorData(editor, index)
    assert editor.currentText() == "internal"
    editor.setCurrentText("customer")
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        delegate.setModelData(editor, window.budget_model, index)
    assert {line.kind for line in window.session.plan.lines if line.function == "Training"} == {Kind.CUSTOMER}
