"""The main window: the plan, its rules, the allocation and why it is what it is.

The window observes its :class:`~ui.session.Session` (the plan, the result,
the insight, the project, the history) and renders it; it keeps only
widgets, dialogs and Qt plumbing.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QByteArray, QCoreApplication, QEventLoop, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from models.domain import Kind, Plan
from models.formats import money, percent
from models.insight import BalanceWarning, Frontier, PriceOfBalance
from models.resubmit import Resubmission
from models.result import Fix, Result, Status
from models.schema import LINE_FIELDS
from models.workbook import ImportReport
from ui.charts import FunctionChart, SplitChart
from ui.delegates import ChoiceDelegate
from ui.import_state import ImportState
from ui.insight_view import FrontierView, InsightPanel
from ui.layouts import clear_layout
from ui.policy_panel import PolicyPanel
from ui.project_controller import ProjectController, untitled_recovery
from ui.scenario_panel import ScenarioPanel
from ui.session import MESSAGES, Session
from ui.table_models import AllocationModel, BudgetModel, IssuesModel, TotalsModel
from ui.worker import QtExecutor

if TYPE_CHECKING:
    from ui.import_preview import ImportPreview

__all__ = ["MESSAGES", "MainWindow"]

SOLVE_DELAY_MS: Final = 250
#: Follow-up steps wait this long, so input and timers are served between them.
FOLLOW_UP_MS: Final = 5
INSIGHT_DELAY_MS: Final = 150
MAX_RECENT: Final = 8


def _table(model: object, *, sorting: bool = False) -> QTableView:
    view = QTableView()
    view.setModel(model)  # type: ignore[arg-type]
    view.setSortingEnabled(sorting)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.verticalHeader().setDefaultSectionSize(22)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row measuring
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


def _prefixed(prefix: str, text: str) -> str:
    """An undo or redo action's text, as Qt's undo stack writes it."""
    return f"{prefix} {text}" if text else prefix


#: The file dialogs' filter for workbooks.
_WORKBOOKS: Final = "Excel workbooks (*.xlsx)"
#: The Budget table's Code column.
_CODE_COLUMN: Final = [f.attr for f in LINE_FIELDS].index("code")


class MainWindow(QMainWindow):
    plan_shown = Signal(object)
    solve_finished = Signal(object)
    insight_finished = Signal(object, object)
    frontier_finished = Signal(object)
    import_finished = Signal(object)
    replace_finished = Signal(object)
    export_finished = Signal(str)
    error_shown = Signal(str)
    #: The import preview opened (the dialog).
    preview_shown = Signal(object)

    def __init__(self, settings: QSettings | None = None, session: Session | None = None) -> None:
        super().__init__()
        # Work threads hand the interpreter back to the window's thread within a
        # millisecond (Python's default is 5 ms): painting a table calls into
        # Python hundreds of times, and each call may wait for a busy worker.
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.001))
        self.settings = settings or QSettings("Fulcrum", "Fulcrum")
        self.setWindowTitle("Fulcrum[*]")
        self.setAcceptDrops(True)
        self.executor = QtExecutor(self)
        self.session = session or Session(self.executor, untitled_recovery=untitled_recovery())
        #: Whether the workbook being opened goes into the recent files.
        self._remember_opened = True
        #: The plan whose frontier the Frontier tab shows or is computing.
        self._frontier_plan: Plan | None = None
        self._solve_timer = QTimer(self)
        self._solve_timer.setSingleShot(True)
        self._solve_timer.setInterval(SOLVE_DELAY_MS)
        self._solve_timer.timeout.connect(self.solve_now)
        self._build_widgets()
        self._build_actions()
        self._connect()
        self._observe(self.session)
        self._build_replace_action()
        self._restore_settings()
        self.projects = ProjectController(self, self.session)
        self._build_import_preview()

    # -- construction --------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.budget_model = BudgetModel()
        self.budget_view = _table(self.budget_model, sorting=True)
        self.budget_view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        for column, field in enumerate(LINE_FIELDS):
            if field.choices:
                self.budget_view.setItemDelegateForColumn(
                    column, ChoiceDelegate(field.choices, self.budget_view)
                )
        self.function_filter = QComboBox()
        self.function_filter.setMinimumContentsLength(14)
        self.function_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.kind_filter = QComboBox()
        self.kind_filter.addItem("All kinds", None)
        self.kind_filter.addItem("Customer", Kind.CUSTOMER)
        self.kind_filter.addItem("Internal", Kind.INTERNAL)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("<b>Budget</b>"))
        filters.addStretch(1)
        filters.addWidget(QLabel("Function"))
        filters.addWidget(self.function_filter)
        filters.addWidget(QLabel("Kind"))
        filters.addWidget(self.kind_filter)
        budget = QWidget()
        budget_layout = QVBoxLayout(budget)
        budget_layout.setContentsMargins(4, 4, 4, 4)
        budget_layout.addLayout(filters)
        budget_layout.addWidget(self.budget_view)

        self.explanation = QFrame()
        self.explanation.setObjectName("explanation")
        self.explanation.setStyleSheet(
            "#explanation { border: 2px solid #B00020; border-radius: 4px; background: #FFF4F4; }"
        )
        explanation_layout = QVBoxLayout(self.explanation)
        self.explanation_text = QLabel()
        self.explanation_text.setWordWrap(True)
        self.explanation_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        explanation_layout.addWidget(self.explanation_text)
        self.fix_buttons = QHBoxLayout()
        explanation_layout.addLayout(self.fix_buttons)
        self.explanation.hide()

        self.allocation_model = AllocationModel()
        self.allocation_view = _table(self.allocation_model, sorting=True)
        self.allocation_view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.totals_model = TotalsModel()
        self.totals_view = _table(self.totals_model)
        self.issues_model = IssuesModel()
        self.issues_view = _table(self.issues_model)
        self.issues_view.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.allocation_view, "Allocation")
        self.tabs.addTab(self.totals_view, "Totals")
        self.tabs.addTab(self.issues_view, "Import report")
        self.insight_panel = InsightPanel()
        self.frontier_view = FrontierView()
        self.tabs.insertTab(2, self.insight_panel, "Price of balance")
        self.tabs.insertTab(3, self.frontier_view, "Frontier")

        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.explanation)
        lower_layout.addWidget(self.tabs)
        self.left = QSplitter(Qt.Orientation.Vertical)
        self.left.addWidget(budget)
        self.left.addWidget(lower)

        self.policy_panel = PolicyPanel()
        self.function_chart = FunctionChart()
        self.split_chart = SplitChart()
        charts = QWidget()
        charts_layout = QVBoxLayout(charts)
        charts_layout.setContentsMargins(0, 0, 0, 0)
        charts_layout.addWidget(self.function_chart, 5)
        charts_layout.addWidget(self.split_chart, 2)
        self.scenario_panel = ScenarioPanel()
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(self.policy_panel, "Rules")
        self.side_tabs.addTab(self.scenario_panel, "Scenarios")
        self.right = QSplitter(Qt.Orientation.Vertical)
        self.right.addWidget(self.side_tabs)
        self.right.addWidget(charts)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)

        self.status_label = QLabel()
        self.impact_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(True)
        self.progress.setFormat("Ready")
        self.progress.setValue(0)
        self.solve_button = QPushButton("Solve (F5)")
        bar = self.statusBar()
        bar.addWidget(self.status_label, 1)
        bar.addPermanentWidget(self.impact_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.solve_button)

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.file_menu = file_menu
        self.open_action = QAction(
            "&Open workbook…", self, shortcut=QKeySequence(QKeySequence.StandardKey.Open)
        )
        self.export_action = QAction("&Export allocation…", self, shortcut=QKeySequence("Ctrl+E"))
        self.quit_action = QAction("&Quit", self, shortcut=QKeySequence(QKeySequence.StandardKey.Quit))
        self.recent_menu = file_menu.addMenu("Open &recent")
        file_menu.insertAction(self.recent_menu.menuAction(), self.open_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = menu.addMenu("&Edit")
        self.undo_action = QAction("&Undo", self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = QAction("&Redo", self)
        self.redo_action.setShortcuts(
            [QKeySequence("Ctrl+Shift+Z"), QKeySequence(QKeySequence.StandardKey.Redo)]
        )
        self._on_session_history_changed()
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        plan_menu = menu.addMenu("&Plan")
        self.solve_action = QAction("&Solve now", self, shortcut=QKeySequence("F5"))
        plan_menu.addAction(self.solve_action)
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        for action in (
            self.open_action,
            self.export_action,
            self.undo_action,
            self.redo_action,
            self.solve_action,
        ):
            toolbar.addAction(action)

    def _connect(self) -> None:
        session = self.session
        self.open_action.triggered.connect(self._on_open_triggered)
        self.export_action.triggered.connect(self._on_export_triggered)
        self.quit_action.triggered.connect(self.close)
        self.solve_action.triggered.connect(self.solve_now)
        self.solve_button.clicked.connect(self.solve_now)
        self.undo_action.triggered.connect(session.undo)
        self.redo_action.triggered.connect(session.redo)
        self.budget_model.edit_made.connect(session.apply_edit)
        self.budget_model.edit_refused.connect(self._on_edit_refused)
        self.policy_panel.edit_made.connect(session.apply_edit)
        self.policy_panel.edit_refused.connect(self._on_edit_refused)
        self.function_filter.activated.connect(self._on_filter_changed)
        self.kind_filter.activated.connect(self._on_filter_changed)
        self.executor.progressed.connect(self._on_work_progressed)
        self.executor.busy_changed.connect(self._on_work_busy_changed)
        self.executor.failed.connect(self.show_error)
        self.frontier_view.compute_requested.connect(self.compute_frontier)
        self.frontier_view.point_chosen.connect(session.fix_internal_share)
        self.frontier_view.export_requested.connect(self._on_export_frontier_requested)

    def _observe(self, session: Session) -> None:
        session.plan_changed.connect(self._on_session_plan_changed)
        session.loaded.connect(self._on_session_loaded)
        session.result_changed.connect(self._on_session_result_changed)
        session.insight_changed.connect(self._on_session_insight_changed)
        session.frontier_changed.connect(self._on_session_frontier_changed)
        session.report_changed.connect(self.issues_model.set_report)
        session.imported.connect(self._on_session_imported)
        session.exported.connect(self.export_finished.emit)
        session.history_changed.connect(self._on_session_history_changed)
        session.dirty_changed.connect(self.setWindowModified)
        session.title_changed.connect(lambda title: self.setWindowTitle(f"{title}[*]"))
        session.message.connect(self.status_label.setText)
        session.notice.connect(lambda text: self.statusBar().showMessage(text, 8000))
        session.error.connect(self.show_error)

    # -- the plan --------------------------------------------------------------------

    def _on_session_loaded(self, _plan: Plan) -> None:
        QTimer.singleShot(FOLLOW_UP_MS, self, lambda: self._fit_columns(self.budget_view))

    def _on_session_plan_changed(self, plan: Plan) -> None:
        """Show the plan and solve it shortly (edits in quick succession give one solve)."""
        self.budget_model.set_plan(plan)
        # The Code column shows only for a plan whose lines have codes.
        self.budget_view.setColumnHidden(_CODE_COLUMN, not any(line.code for line in plan.lines))
        if self._frontier_plan is not None and self._frontier_plan != plan:
            self._frontier_plan = None
            self.frontier_view.mark_stale()
        # The panels follow in a later turn of the event loop, so that no
        # single step keeps the window from responding.
        QTimer.singleShot(FOLLOW_UP_MS, self, self._show_policy)
        self._solve_timer.start()
        self.plan_shown.emit(plan)

    def _show_policy(self) -> None:
        self.policy_panel.set_plan(self.session.plan)
        self._refresh_function_filter()

    def _on_session_history_changed(self) -> None:
        history = self.session.history
        self.undo_action.setText(_prefixed("&Undo", history.undo_text))
        self.undo_action.setEnabled(history.can_undo)
        self.redo_action.setText(_prefixed("&Redo", history.redo_text))
        self.redo_action.setEnabled(history.can_redo)

    def solve_now(self) -> None:
        self._solve_timer.stop()
        self.session.solve()

    def solve_blocking(self) -> None:
        """Solve on this thread (start-up and screenshots)."""
        self._solve_timer.stop()
        self.session.solve_blocking()

    def _on_session_result_changed(self, plan: Plan, result: Result) -> None:
        """Show ``result``, the allocation of ``plan`` (the plan on screen)."""
        self._solve_timer.stop()
        fresh = self.allocation_model.rowCount() == 0
        self.allocation_model.set_result(plan, result)
        if fresh:
            QTimer.singleShot(FOLLOW_UP_MS, self, lambda: self._fit_columns(self.allocation_view))
            QTimer.singleShot(FOLLOW_UP_MS, self, lambda: self._fit_columns(self.totals_view))
        self.totals_model.set_result(plan, result)
        self.policy_panel.show_sensitivity(result)
        self._show_explanation(result)
        self._show_status(result)
        # After the allocation is painted, so the two do not compete.
        QTimer.singleShot(INSIGHT_DELAY_MS, self, lambda: self.session.start_insight(plan, result))
        QTimer.singleShot(FOLLOW_UP_MS, self, lambda: self._show_charts(plan, result))
        self.solve_finished.emit(result)

    def _on_session_insight_changed(
        self, price: PriceOfBalance | None, warnings: tuple[BalanceWarning, ...]
    ) -> None:
        self.insight_panel.show_insight(price, warnings)
        count = len(warnings)
        self.tabs.setTabText(
            self.tabs.indexOf(self.insight_panel),
            f"Price of balance ({count} ⚠)" if count else "Price of balance",
        )
        self.insight_finished.emit(price, warnings)

    def compute_frontier(self) -> None:
        if self.session.compute_frontier():
            self._frontier_plan = self.session.plan
            self.frontier_view.info.setText("Computing the frontier…")

    def _on_session_frontier_changed(self, frontier: Frontier) -> None:
        self.frontier_view.show_frontier(frontier)
        self.frontier_finished.emit(frontier)

    def export_frontier(self, path: str | Path) -> None:
        self.session.export_frontier(path)

    def _on_export_frontier_requested(self) -> None:
        name = self.ask_xlsx_path("Export frontier", "frontier")
        if name:
            self.export_frontier(name)

    def _show_charts(self, plan: Plan, result: Result) -> None:
        if plan == self.session.plan:
            self.function_chart.show_result(plan, result)
            self.split_chart.show_result(plan, result)

    def _show_status(self, result: Result) -> None:
        if result.is_optimal:
            share = result.internal_share
            allocated = money(sum(result.allocation.values()))
            self.status_label.setText(
                f"Optimal · solved in {result.solve_seconds * 1000:,.0f} ms · "
                f"allocated {allocated} of {money(self.session.plan.budget)}"
                + (f" · internal share {percent(share)}" if share is not None else "")
            )
            impact = result.impact
            self.impact_label.setText(
                f"Impact {money(impact.total)} "
                f"(customer {money(impact.customer)}, internal {money(impact.internal)})"
            )
        elif result.status is Status.INFEASIBLE:
            self.status_label.setText(MESSAGES["infeasible"])
            self.impact_label.setText("")
        elif result.status is Status.INVALID_INPUT and result.issues:
            self.status_label.setText(MESSAGES["plan_invalid"].format(count=len(result.issues)))
            self.impact_label.setText("")
            self.tabs.setCurrentWidget(self.issues_view)
        else:
            self.status_label.setText(f"{result.status.value}: {result.message}")
            self.impact_label.setText("")

    def _show_explanation(self, result: Result) -> None:
        clear_layout(self.fix_buttons)
        explanation = result.explanation
        if result.status is not Status.INFEASIBLE or explanation is None:
            self.explanation.hide()
            return
        self.explanation_text.setText(f"<b>This plan cannot be met.</b> {html.escape(explanation.text)}")
        for fix in explanation.fixes:
            button = QPushButton(fix.text[0].upper() + fix.text[1:])
            button.setToolTip("Apply this change (it can be undone) and solve again")
            button.clicked.connect(lambda _checked=False, f=fix: self.apply_fix(f))
            self.fix_buttons.addWidget(button)
        self.fix_buttons.addStretch(1)
        self.explanation.show()

    def apply_fix(self, fix: Fix) -> None:
        self.session.apply_fix(fix)

    def fix_button_texts(self) -> list[str]:
        texts = []
        for i in range(self.fix_buttons.count()):
            item = self.fix_buttons.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QPushButton):
                texts.append(widget.text())
        return texts

    @staticmethod
    def _fit_columns(view: QTableView, sample: int = 30) -> None:
        """Columns as wide as their header and first rows need (measuring every row is slow)."""
        model, header = view.model(), view.horizontalHeader()
        metrics = view.fontMetrics()
        rows = min(model.rowCount(), sample)
        cell_text = getattr(model, "cell_text", None)
        for column in range(model.columnCount()):
            texts = [str(model.headerData(column, Qt.Orientation.Horizontal) or "")]
            if cell_text is not None:
                texts += [cell_text(row, column) for row in range(rows)]
            else:
                texts += [str(model.index(row, column).data() or "") for row in range(rows)]
            width = max(metrics.horizontalAdvance(text) for text in texts) + 18
            header.resizeSection(column, min(max(width, 60), 260))

    # -- opening and exporting ---------------------------------------------------

    def open_workbook(
        self, path: str | Path | list[str], *, wait: bool = False, remember: bool = True
    ) -> None:
        """Open a workbook, or several as one plan (off the window's thread unless ``wait``).

        The plan stays until it is read.
        """
        self._remember_opened = remember
        self.session.open_workbook(path, wait=wait)

    def _on_session_imported(self, report: ImportReport) -> None:
        self.import_finished.emit(report)
        if report.plan is None:
            self.tabs.setCurrentWidget(self.issues_view)
            self.issues_view.resizeColumnsToContents()
        elif self._remember_opened:
            self._remember_recent(report.path)
        self._remember_opened = True

    def ask_workbooks(self, title: str, *, several: bool = True) -> str | list[str] | None:
        """Workbooks to read, asked in the folder of the one open: one path, several, or None."""
        path = self.session.path
        folder = str(path.parent) if path else str(Path.home())
        if not several:
            name, _filter = QFileDialog.getOpenFileName(self, title, folder, _WORKBOOKS)
            return name or None
        names, _filter = QFileDialog.getOpenFileNames(self, title, folder, _WORKBOOKS)
        return None if not names else names if len(names) > 1 else names[0]

    def _on_open_triggered(self) -> None:
        chosen = self.ask_workbooks("Open workbooks (one, or several departments' at once)")
        if chosen:
            self.open_workbook(chosen)

    def export_to(self, path: str | Path) -> None:
        self.session.export_result(path)

    def _on_export_triggered(self) -> None:
        name = self.ask_xlsx_path("Export allocation", "allocation")
        if name:
            self.export_to(name)

    def ask_xlsx_path(self, title: str, what: str) -> str | None:
        """Where to write an export: asked, suggested beside the open workbook; None if cancelled."""
        path = self.session.path
        suggested = path.with_name(f"{path.stem} {what}.xlsx") if path else Path.home() / f"{what}.xlsx"
        name, _filter = QFileDialog.getSaveFileName(self, title, str(suggested), _WORKBOOKS)
        if not name:
            return None
        return name if name.lower().endswith(".xlsx") else f"{name}.xlsx"

    # -- the import preview ------------------------------------------------------

    def _build_import_preview(self) -> None:
        #: The import preview last opened.
        self.import_preview: ImportPreview | None = None
        self.preview_action = QAction("&Import with preview…", self, shortcut=QKeySequence("Ctrl+Shift+I"))
        self.preview_action.setStatusTip("See how workbooks are read, and change it, before they are loaded")
        self.file_menu.insertAction(self.recent_menu.menuAction(), self.preview_action)
        self.preview_action.triggered.connect(self._on_preview_triggered)
        self.session.ask_preview = self._show_import_preview

    def preview_workbook(self, path: str | Path | list[str], *, wait: bool = False) -> None:
        """Read workbooks and show the import preview before anything is loaded."""
        self.session.preview_workbook(path, wait=wait)

    def _on_preview_triggered(self) -> None:
        chosen = self.ask_workbooks("Import with preview (one workbook, or several departments')")
        if chosen:
            self.preview_workbook(chosen)

    def _show_import_preview(self, state: ImportState) -> None:
        """The session asks: Accept loads what the preview shows, Cancel leaves the plan."""
        if self.import_preview is not None:
            self.import_preview.deleteLater()
        from ui.import_preview import ImportPreview  # imported when first needed: not at start

        dialog = ImportPreview(state, self)
        dialog.setObjectName("import-preview")
        dialog.accepted.connect(lambda: self.session.accept_import(state))
        dialog.rejected.connect(lambda: self.session.cancel_import(state))
        self.import_preview = dialog
        dialog.open()
        self.preview_shown.emit(dialog)

    # -- a department's resubmitted workbook -------------------------------------------

    def _build_replace_action(self) -> None:
        """File > Replace a department's lines…, below Open recent."""
        self.replace_action = QAction("Replace a &department's lines…", self)
        self.replace_action.setStatusTip(
            "Replace one department's lines by its resubmitted workbook; the rules and scenarios stay"
        )
        actions = self.file_menu.actions()
        at = actions.index(self.recent_menu.menuAction()) + 1
        if at < len(actions):
            self.file_menu.insertAction(actions[at], self.replace_action)
        else:
            self.file_menu.addAction(self.replace_action)
        self.replace_action.triggered.connect(self._on_replace_triggered)
        self.session.replaced.connect(self._on_session_replaced)

    def replace_department(self, path: str | Path) -> None:
        """Replace a department's lines by its resubmitted workbook (read off the window's thread)."""
        self.session.replace_department(path)

    def _on_replace_triggered(self) -> None:
        chosen = self.ask_workbooks("Replace a department's lines by its resubmitted workbook", several=False)
        if isinstance(chosen, str):
            self.replace_department(chosen)

    def _on_session_replaced(self, outcome: Resubmission) -> None:
        """The notes (lines added, removed, changed) or the problems, in the import report."""
        self.tabs.setCurrentWidget(self.issues_view)
        if not outcome.ok:
            self.issues_view.resizeColumnsToContents()
        self.replace_finished.emit(outcome)

    # -- recent files and settings ------------------------------------------------

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [str(v) for v in value] if isinstance(value, list) else ([str(value)] if value else [])

    def _remember_recent(self, path: Path) -> None:
        name = str(path.resolve())
        recent = [name, *(r for r in self.recent_files() if r != name)][:MAX_RECENT]
        self.settings.setValue("recent", recent)
        self._build_recent_menu()

    def _build_recent_menu(self) -> None:
        self.recent_menu.clear()
        for n, name in enumerate(self.recent_files(), start=1):
            action = self.recent_menu.addAction(f"&{n} {Path(name).name}")
            action.setToolTip(name)
            action.triggered.connect(lambda _checked=False, p=name: self.open_workbook(p))
        self.recent_menu.setEnabled(bool(self.recent_files()))

    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 900)
        for key, splitter in (("splitter", self.splitter), ("left", self.left), ("right", self.right)):
            state = self.settings.value(key)
            if isinstance(state, QByteArray) and not state.isEmpty():
                splitter.restoreState(state)
        if self.settings.value("splitter") is None:
            self.splitter.setSizes([860, 580])
            self.left.setSizes([520, 380])
            self.right.setSizes([330, 570])
        self._build_recent_menu()

    def wait_for_saves(self) -> None:
        """Let the saves under way (and those queued) finish, the window's own events still handled."""
        flags = QEventLoop.ProcessEventsFlag
        while self.session.saving:
            QCoreApplication.processEvents(flags.ExcludeUserInputEvents | flags.WaitForMoreEvents)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.wait_for_saves()  # a save under way ends first: nothing it writes is cut short or lost
        if not self.session.close():
            event.ignore()
            return
        self.session.cancel_solve()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.settings.setValue("left", self.left.saveState())
        self.settings.setValue("right", self.right.saveState())
        self.settings.sync()
        super().closeEvent(event)

    # -- drag and drop ---------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and all(u.isLocalFile() and u.toLocalFile().lower().endswith(".xlsx") for u in urls):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        names = [u.toLocalFile() for u in urls if u.isLocalFile()]
        if names and all(name.lower().endswith(".xlsx") for name in names):
            event.acceptProposedAction()
            self.open_workbook(names if len(names) > 1 else names[0])
        else:
            self.status_label.setText(MESSAGES["drop_only_xlsx"])

    # -- feedback ----------------------------------------------------------------------

    def _on_edit_refused(self, message: str) -> None:
        self.statusBar().showMessage(MESSAGES["not_changed"].format(reason=message), 8000)

    def _on_filter_changed(self) -> None:
        function = self.function_filter.currentData()
        kind = self.kind_filter.currentData()
        self.budget_model.set_filter(function, kind)

    def _refresh_function_filter(self) -> None:
        chosen = self.function_filter.currentData()
        self.function_filter.blockSignals(True)
        self.function_filter.clear()
        self.function_filter.addItem("All functions", None)
        for function in self.session.plan.functions():
            self.function_filter.addItem(function, function)
        index = self.function_filter.findData(chosen)
        self.function_filter.setCurrentIndex(max(index, 0))
        self.function_filter.blockSignals(False)
        if index < 0 and chosen is not None:
            self._on_filter_changed()

    def _on_work_progressed(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(fraction * 100))
        self.progress.setFormat(message)

    def _on_work_busy_changed(self, _busy: bool) -> None:
        # The bar stays in place (showing and hiding it would lay the whole window out again).
        self.progress.setValue(0)
        self.progress.setFormat("Working…" if self.executor.busy else "Ready")

    def show_error(self, message: str, details: str = "") -> None:
        """A problem as a message with expandable details; the plan stays as it was."""
        if details.startswith("ExportError") or message.startswith("ExportError"):
            title, text = MESSAGES["export_failed"], message.removeprefix("ExportError: ")
        else:
            title, text = MESSAGES["error"], message
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        if details and not details.startswith("ExportError"):
            box.setDetailedText(details)
        box.setObjectName("error-box")
        box.open()
        self.status_label.setText(f"{title}: {text}")
        self.error_shown.emit(text)
