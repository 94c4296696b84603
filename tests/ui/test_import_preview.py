"""The import preview, driven as a finance lead would: what it shows, each choice, Accept and Cancel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QTreeWidgetItem
from pytestqt.qtbot import QtBot

from models.consolidate import read_plans
from models.domain import Plan
from models.formats import money
from models.mapping import ImportMapping
from models.schema import LINE_FIELDS
from tests.conftest import SAMPLE, write_book
from tests.ui.conftest import NewWindow, drop_files, load_sample
from ui.import_models import PreviewModel, TextTable
from ui.import_preview import MESSAGES, ImportPreview
from ui.import_state import ImportState
from ui.main_window import MainWindow
from ui.session import MESSAGES as SESSION_MESSAGES

TIMEOUT = 20_000
TWO_YEARS = [
    ["Budget pack FY25"],
    [],
    ["Line", "Function", "FY24 Budget", "FY25 Budget"],
    ["Payroll", "HR", 100, 110],
    ["Servers", "IT", 200, 220],
    ["Ads", "Acquisition", 300, 330],
    ["Total", None, 600, 660],
]
TWO_CURRENTS = [
    ["Line", "Function", "Actual", "Budget"],
    ["Payroll", "HR", 100, 110],
    ["Servers", "IT", 200, 220],
]
CLEAN = [["Line", "Function", "Current"], ["Payroll", "HR", 100], ["Servers", "IT", 200]]


@pytest.fixture
def window(new_window: NewWindow) -> MainWindow:
    return new_window()


@pytest.fixture
def book(tmp_path: Path) -> Callable[..., Path]:
    def make(rows: Any, name: str = "plan.xlsx") -> Path:
        return write_book(tmp_path / name, rows if isinstance(rows, dict) else {"Budget": rows})

    return make


def open_preview(qtbot: QtBot, window: MainWindow, path: Path, *, always: bool = False) -> ImportPreview:
    with qtbot.waitSignal(window.preview_shown, timeout=TIMEOUT) as shown:
        if always:
            window.preview_workbook(path)
        else:
            window.open_workbook(path)
    dialog = shown.args[0]
    assert isinstance(dialog, ImportPreview)
    assert dialog.isVisible()
    return dialog


def budget_total(window: MainWindow) -> str:
    """The Current column of the Budget table's totals row, as the user reads it."""
    model = window.budget_model
    last = model.index(model.rowCount() - 1, [f.attr for f in LINE_FIELDS].index("current"))
    assert str(model.index(model.rowCount() - 1, 0).data()).startswith("Total")
    return str(last.data())


def import_report(window: MainWindow) -> str:
    model = window.issues_model
    return "\n".join(str(model.index(r, 3).data()) for r in range(model.rowCount()))


def column_of(dialog: ImportPreview, header: str) -> int:
    model = dialog.preview_model
    return next(c for c in range(model.columnCount()) if model.header(c) == header)


def choose_role(qtbot: QtBot, dialog: ImportPreview, header: str, label: str) -> None:
    """Pick a role from the drop-down above a column, as a click does."""
    combo = dialog.role_editor(column_of(dialog, header))
    assert combo is not None
    index = combo.findText(label)
    assert index >= 0, label
    with qtbot.waitSignal(dialog.refreshed, timeout=TIMEOUT):
        combo.setCurrentIndex(index)
        combo.activated.emit(index)


def rows(model: TextTable) -> list[tuple[str, ...]]:
    return [tuple(model.cell(r, c) for c in range(model.columnCount())) for r in range(model.rowCount())]


def test_an_unsure_workbook_opens_the_preview_and_accept_loads_the_users_choice(
    qtbot: QtBot, window: MainWindow, book: Callable[..., Path]
) -> None:
    path = book(TWO_YEARS)
    dialog = open_preview(qtbot, window, path)
    assert window.session.plan.lines == ()  # nothing loaded yet
    assert window.status_label.text() == SESSION_MESSAGES["unsure"].format(name="plan.xlsx")

    # What the reader settled is said, the header row found under the title is marked.
    assert dialog.tabs.currentWidget() is dialog.questions_view
    assert "FY25 Budget" in rows(dialog.questions_model)[0][0]
    assert dialog.header_row.value() == 3
    model = dialog.preview_model
    assert model.headerData(0, Qt.Orientation.Vertical, Qt.ItemDataRole.DisplayRole) == "Role"
    assert model.index(3, 0).data(Qt.ItemDataRole.FontRole).bold()  # row 3, the header row
    assert model.index(0, column_of(dialog, "FY25 Budget")).data() == "Current"
    assert model.index(0, column_of(dialog, "FY24 Budget")).data() == "Not used"
    assert rows(dialog.skipped_model)[0][:3] == ("plan.xlsx", "Budget", "7")  # the total row
    assert dialog.summary.text() == MESSAGES["loads"].format(lines="3", sheets="1 sheet", total=money(660))

    choose_role(qtbot, dialog, "FY24 Budget", "Current")

    assert model.index(0, column_of(dialog, "FY25 Budget")).data() == "Not used"
    assert dialog.summary.text() == MESSAGES["loads"].format(lines="3", sheets="1 sheet", total=money(600))
    assert dialog.accept_button.isEnabled()
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert budget_total(window) == money(600)
    assert window.session.mapping.sheet("Budget").columns == {"FY24 Budget": "current", "FY25 Budget": ""}
    assert str(path.resolve()) in window.recent_files()


def test_cancel_leaves_the_plan_on_screen(
    qtbot: QtBot, window: MainWindow, book: Callable[..., Path]
) -> None:
    load_sample(qtbot, window)
    plan, total = window.session.plan, budget_total(window)
    dialog = open_preview(qtbot, window, book(TWO_YEARS))
    choose_role(qtbot, dialog, "FY24 Budget", "Current")

    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    assert not dialog.isVisible()
    assert window.session.plan == plan and budget_total(window) == total
    assert window.session.mapping == ImportMapping()
    assert window.status_label.text() == SESSION_MESSAGES["import_cancelled"]


def test_a_refused_workbook_can_be_put_right_in_the_preview(
    qtbot: QtBot, window: MainWindow, book: Callable[..., Path]
) -> None:
    dialog = open_preview(qtbot, window, book(TWO_CURRENTS))
    assert not dialog.accept_button.isEnabled()
    assert dialog.tabs.currentWidget() is dialog.problems_view
    problem = rows(dialog.problems_model)[0]
    assert problem[1:4] == ("Budget", "1", "D") and "Duplicate header" in problem[4]
    assert dialog.summary.text().endswith(MESSAGES["refused"].format(count=1) + "</span>")
    assert "Duplicate header" in import_report(window)  # the import report says it too

    choose_role(qtbot, dialog, "Actual", "Not used")

    assert dialog.problems_model.rowCount() == 0 and dialog.accept_button.isEnabled()
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    assert budget_total(window) == money(330)
    assert "Duplicate header" not in import_report(window)


def test_unit_header_row_sheets_and_kinds_are_chosen_in_the_preview(
    qtbot: QtBot, window: MainWindow, book: Callable[..., Path]
) -> None:
    path = book(
        {
            "HR": [["Cost centre", "Budget"], ["Payroll", 100], ["Recruiting", 50]],
            "IT": [["Cost centre", "Budget"], ["Servers", 200]],
            "Notes": [["Prepared by finance"]],
        }
    )
    dialog = open_preview(qtbot, window, path, always=True)
    tree = dialog.tree
    top = tree.topLevelItem(0)
    assert top is not None and top.text(0) == "plan.xlsx"
    sheets: dict[str, QTreeWidgetItem] = {}
    for k in range(top.childCount()):
        item = top.child(k)
        assert item is not None
        sheets[item.text(0)] = item
    assert [(name, item.text(1)) for name, item in sheets.items()] == [
        ("HR", "2 lines"),
        ("IT", "1 line"),
        ("Notes", "skipped"),
    ]
    assert sheets["Notes"].checkState(0) == Qt.CheckState.Unchecked
    assert "holds no budget lines" in sheets["Notes"].toolTip(1)

    # The IT sheet ticked off.
    with qtbot.waitSignal(dialog.refreshed, timeout=TIMEOUT):
        sheets["IT"].setCheckState(0, Qt.CheckState.Unchecked)
    assert dialog.summary.text() == MESSAGES["loads"].format(lines="2", sheets="1 sheet", total=money(150))

    # Thousands on the HR sheet.
    dialog.select_sheet("HR")
    assert dialog.current == ("plan.xlsx", "HR")
    index = dialog.unit.findText("Thousands")
    with qtbot.waitSignal(dialog.refreshed, timeout=TIMEOUT):
        dialog.unit.setCurrentIndex(index)
        dialog.unit.activated.emit(index)
    assert dialog.summary.text() == MESSAGES["loads"].format(
        lines="2", sheets="1 sheet", total=money(150_000)
    )
    assert dialog.unit.currentText() == "Thousands"

    # HR made a customer function.
    functions = dialog.functions_model
    assert rows(functions) == [("HR", "internal", "2", money(150_000))]
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert (
        functions.index(0, 3).data(Qt.ItemDataRole.TextAlignmentRole) == right
    )  # money, as a sheet aligns it
    kind = dialog.functions_view.indexWidget(functions.index(0, 1))
    assert kind is not None
    with qtbot.waitSignal(dialog.refreshed, timeout=TIMEOUT):
        kind.setCurrentIndex(kind.findText("customer"))  # type: ignore[attr-defined]
        kind.activated.emit(kind.currentIndex())  # type: ignore[attr-defined]
    assert rows(dialog.functions_model)[0][1] == "customer"

    # A header row with nothing under it: refused until it is found again.
    with qtbot.waitSignal(dialog.refreshed, timeout=TIMEOUT):
        dialog.header_row.setValue(3)
    assert not dialog.accept_button.isEnabled()
    with qtbot.waitSignal(dialog.refreshed, timeout=TIMEOUT):
        dialog.header_row.setValue(0)
    assert dialog.header_row.value() == 1  # found by Fulcrum again
    assert dialog.accept_button.isEnabled()

    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    plan = window.session.plan
    assert [(line.name, line.current, line.kind.value) for line in plan.lines] == [
        ("Payroll", 100_000, "customer"),
        ("Recruiting", 50_000, "customer"),
    ]
    assert budget_total(window) == money(150_000)


def test_a_clean_workbook_loads_without_a_preview(
    qtbot: QtBot, window: MainWindow, book: Callable[..., Path]
) -> None:
    shown: list[object] = []
    window.preview_shown.connect(shown.append)
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        drop_files(window, [book(CLEAN)])
    assert shown == [] and window.import_preview is None
    assert budget_total(window) == money(300)


def test_a_dropped_unsure_workbook_opens_the_preview(
    qtbot: QtBot, window: MainWindow, book: Callable[..., Path]
) -> None:
    with qtbot.waitSignal(window.preview_shown, timeout=TIMEOUT):
        drop_files(window, [book(TWO_YEARS)])
    assert window.import_preview is not None and window.import_preview.isVisible()


def test_import_with_preview_is_in_the_file_menu(window: MainWindow) -> None:
    assert window.preview_action in window.file_menu.actions()
    assert window.preview_action.shortcut() == QKeySequence("Ctrl+Shift+I")
    shortcuts = [
        a.shortcut() for a in window.findChildren(type(window.preview_action)) if not a.shortcut().isEmpty()
    ]
    assert shortcuts.count(window.preview_action.shortcut()) == 1  # no other action takes the keys


def test_the_mapping_saved_reads_back_equal(
    qtbot: QtBot,
    window: MainWindow,
    book: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dialog = open_preview(qtbot, window, book(TWO_CURRENTS))
    choose_role(qtbot, dialog, "Actual", "Not used")
    target = tmp_path / "submissions.toml"
    monkeypatch.setattr(dialog, "ask_mapping_path", lambda saving: str(target) if saving else None)
    with qtbot.waitSignal(dialog.mapping_saved, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert ImportMapping.load(target) == dialog.state.mapping
    assert dialog.summary.text() == MESSAGES["saved"].format(path=target)

    # Loaded into a preview of the same workbook, it reads it the same way.
    fresh = ImportPreview(ImportState(dialog.state.paths))
    qtbot.addWidget(fresh)
    assert not fresh.accept_button.isEnabled()
    with qtbot.waitSignal(fresh.refreshed, timeout=TIMEOUT):
        assert fresh.load_mapping(target)
    assert fresh.accept_button.isEnabled()


def test_a_mapping_file_that_cannot_be_read_is_said(
    qtbot: QtBot, book: Callable[..., Path], tmp_path: Path
) -> None:
    dialog = ImportPreview(ImportState([book(CLEAN)]))
    qtbot.addWidget(dialog)
    bad = tmp_path / "bad.toml"
    bad.write_text("[sheets.Budget]\nunit = 'lots'\n", encoding="utf-8")
    assert not dialog.load_mapping(bad)
    assert "unit must be a number above 0" in dialog.summary.text()


def test_several_workbooks_are_ticked_one_by_one(qtbot: QtBot, book: Callable[..., Path]) -> None:
    hr = book([["Cost centre", "Budget"], ["Payroll", 100]], "HR_FY25.xlsx")
    it = book([["Cost centre", "Budget"], ["Servers", 200]], "IT_FY25.xlsx")
    dialog = ImportPreview(ImportState([hr, it]))
    qtbot.addWidget(dialog)
    assert dialog.summary.text() == MESSAGES["loads"].format(
        lines="2", sheets="2 sheets of 2 workbooks", total=money(300)
    )
    # The mapping names sheets by name: a choice on one Budget sheet is one on both.
    assert dialog.current == ("HR_FY25.xlsx", "Budget")
    assert dialog.sheet_label.text().endswith(MESSAGES["shared"].format(sheet="Budget"))
    second = dialog.tree.topLevelItem(1)
    assert second is not None and second.text(0) == "IT_FY25.xlsx"
    with qtbot.waitSignal(dialog.refreshed, timeout=TIMEOUT):
        second.setCheckState(0, Qt.CheckState.Unchecked)
    second = dialog.tree.topLevelItem(1)
    assert second is not None and second.text(1) == MESSAGES["file_off"]
    child = second.child(0)
    assert child is not None and child.isDisabled()  # its sheets still listed, greyed
    assert dialog.summary.text() == MESSAGES["loads"].format(lines="1", sheets="1 sheet", total=money(100))


def test_the_preview_fits_a_1366_by_768_screen(qtbot: QtBot) -> None:
    state = ImportState([SAMPLE], report=read_plans([SAMPLE]))
    dialog = ImportPreview(state)
    qtbot.addWidget(dialog)
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1366 - 40 and hint.height() <= 768 - 60
    dialog.resize(1326, 708)
    dialog.show()
    assert dialog.preview_view.height() > 250  # the sheet's rows get the room
    plan = state.report.plan
    assert isinstance(plan, Plan)
    assert dialog.summary.text().endswith(money(sum(line.current for line in plan.lines)))


def test_the_preview_models_pass_the_model_tester(qtmodeltester: object, book: Callable[..., Path]) -> None:
    state = ImportState([book(TWO_YEARS)])
    preview = PreviewModel()
    preview.set_sheet(state.sheet("Budget"))
    assert preview.rowCount() == 1 + 7
    qtmodeltester.check(preview)  # type: ignore[attr-defined]
    table = TextTable(["Function", "Kind"], editable=1)
    table.set_rows([("HR", "internal"), ("IT", "internal")])
    qtmodeltester.check(table)  # type: ignore[attr-defined]


def test_a_choice_that_changes_nothing_leaves_accept_on(qtbot: QtBot, book: Callable[..., Path]) -> None:
    dialog = ImportPreview(ImportState([book(CLEAN)]))
    qtbot.addWidget(dialog)
    summary = dialog.summary.text()
    dialog.select_sheet("Budget")
    index = dialog.unit.findText("Units")
    with qtbot.waitSignal(dialog.refreshed, timeout=TIMEOUT):
        dialog.unit.activated.emit(index)  # units, as the sheet already is: read again with unit = 1
    dialog.unit.activated.emit(index)  # the same again: nothing to read
    qtbot.waitUntil(lambda: dialog.summary.text() == summary, timeout=TIMEOUT)
    assert dialog.accept_button.isEnabled()


def test_import_with_preview_from_the_menu_shows_even_a_clean_workbook(
    qtbot: QtBot, window: MainWindow, book: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    path = book(CLEAN)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *_args: ([str(path)], ""))
    with qtbot.waitSignal(window.preview_shown, timeout=TIMEOUT) as shown:
        window.preview_action.trigger()
    dialog = shown.args[0]
    assert dialog.accept_button.isEnabled() and window.session.plan.lines == ()
    with qtbot.waitSignal(window.solve_finished, timeout=TIMEOUT):
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    assert budget_total(window) == money(300)
