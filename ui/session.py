"""One window's work, without Qt: the plan, its result and insight, the project, the history.

The :class:`Session` owns the state and the decisions (what a stale result
means, what opening a workbook or a project does, when to autosave, whether
to offer recovered work); the window observes its :class:`Event` s and
renders. Long work goes through an injected :class:`~ui.events.Executor`:
:class:`~ui.events.SyncExecutor` runs it at once (tests, start-up), the
window's runs it on the thread pool. Nothing here imports Qt, so a test drives a whole
session as a user would, without a window.

Every change (an edit of the plan, a change of the scenario list) is a
:class:`~ui.history.Command` on the :class:`~ui.history.History`; the project is unsaved while the
history is not at its clean mark.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Final, TypeVar

from models.compare import Compared, Comparison, compare
from models.consolidate import read_plans
from models.domain import Plan
from models.formats import percent
from models.insight import BalanceWarning, Frontier, PriceOfBalance, balance_check
from models.issues import Issue
from models.mapping import ImportMapping
from models.project import (
    LockError,
    Project,
    ProjectError,
    ProjectLock,
    open_project,
    save_project,
    save_recovery,
)
from models.recovery import (
    RECOVERY_SUFFIX,
    claim,
    discard,
    new_session_id,
    orphans,
    read_writer,
    recovery_file,
    release,
    write_owner,
    writer_alive,
)
from models.resubmit import Resubmission, read_resubmission, replace_lines
from models.result import Fix, Result, Status
from models.scenarios import (
    ScenarioError,
    add_scenario,
    delete_scenario,
    duplicate_scenario,
    rename_scenario,
    set_approved,
    set_notes,
    update_scenario,
)
from models.workbook import ImportReport
from planner.explain import apply_fix
from planner.insight import balance_frontier, price_of_balance
from planner.solve import solve, was_cancelled
from ui.events import Event, Executor, Progress, SyncExecutor
from ui.history import Command, History, Opened, Position
from ui.import_state import ImportState

__all__ = [
    "MESSAGES",
    "RECOVERY_SUFFIX",
    "Answer",
    "Session",
    "recovery_path",
]

#: Every message the session gives the status line, in one place.
MESSAGES: Final = {
    "opening": "Opening {name}…",
    "opened": "Opened {name}: {lines} lines",
    "invalid": (
        "{name} was not opened: {count} problem(s); see the import report. The plan on screen is unchanged."
    ),
    "exported": "Exported to {path}",
    "export_failed": "The allocation could not be exported",
    "no_result": "There is no allocation to export yet; the plan is being solved",
    "stale_frontier": "The plan has changed since the frontier was computed: compute it again to export it",
    "solving": "Solving…",
    "infeasible": "The plan's rules cannot all hold: see why, and choose a fix",
    "plan_invalid": "The plan cannot be solved as it stands: {count} problem(s); see the import report",
    "error": "Something went wrong",
    "drop_only_xlsx": "Only .xlsx workbooks can be opened",
    "new_project": "New project: open a workbook (Ctrl+O) to start",
    "saved": "Saved {name}",
    "saving": "Saving {name}…",
    "restored": "Unsaved work restored; save it to keep it",
    "not_changed": "Not changed: {reason}",
    "autosave_failed": "Autosave failed: {reason}",
    "recovery_unreadable": "The recovered work cannot be read: {reason}",
    "unsure": "{name} needs a look before it is loaded: the import preview shows how it was read",
    "import_cancelled": "Import cancelled: the plan on screen is unchanged",
    "import_refused": "The workbooks cannot be loaded as chosen: {count} problem(s); see the preview",
    "already_open": (
        "{name} is open in another Fulcrum window (process {pid} on {host}, since {since}). "
        "It is open read-only here: use Save as to keep changes under another name."
    ),
    "held_elsewhere": (
        "{name} is open in another Fulcrum window (process {pid} on {host}): it is not saved. "
        "Use Save as to keep the changes under another name."
    ),
    "not_locked": "{name} is open read-only: {reason}",
    "replacing": "Reading {name} to replace its department's lines…",
    "not_replaced": (
        "{name} replaced no lines: {count} problem(s); see the import report. "
        "The plan on screen is unchanged."
    ),
    "replaced_nothing": "{name} changes nothing: its department's lines are as they were",
    "not_opened": "{name} was not opened: the plan on screen is unchanged",
}

_Outcome = TypeVar("_Outcome")
#: What to do with unsaved changes: "save", "discard" or "cancel".
Answer = str


def recovery_path(project: Path, session: str) -> Path:
    """Where the window of ``session`` writes its unsaved work of ``project``."""
    return recovery_file(project, session)


def _untitled_base(template: Path) -> Path:
    """The name the recovery files of projects never saved are made from (``untitled.fulcrum``)."""
    return template.with_name(template.name.removesuffix(RECOVERY_SUFFIX))


def _capitalised(text: str) -> str:
    return text[0].upper() + text[1:] if text else text


class Session:
    """The plan being worked on, what is known about it, and the project around it."""

    def __init__(self, executor: Executor | None = None, *, untitled_recovery: Path | None = None) -> None:
        self.executor: Executor = executor or SyncExecutor()
        #: Names this window's recovery files; no other window writes or deletes them while it is open.
        self.session_id = new_session_id()
        claim(self.session_id)
        weakref.finalize(self, release, self.session_id)
        #: Unsaved work of a project never saved goes beside this path, named by the session.
        self._untitled_base = _untitled_base(
            untitled_recovery or Path.home() / f"untitled.fulcrum{RECOVERY_SUFFIX}"
        )
        #: The recovery files this window wrote, and those of windows gone whose work it restored.
        self._written: set[Path] = set()
        self._adopted: set[Path] = set()
        self.plan = Plan(())
        self.result: Result | None = None
        #: The plan ``result`` belongs to.
        self.result_plan: Plan | None = None
        self.price: PriceOfBalance | None = None
        self.warnings: tuple[BalanceWarning, ...] = ()
        #: The plan ``price`` and ``warnings`` belong to.
        self.insight_plan: Plan | None = None
        self.frontier: Frontier | None = None
        #: The plan ``frontier`` belongs to.
        self.frontier_plan: Plan | None = None
        #: The import report shown: its issues and notes.
        self.issues: tuple[Issue, ...] = ()
        self.notes: tuple[str, ...] = ()
        self.project = Project(Plan(()))
        #: The scenario the plan came from, if any (the parent of a scenario saved from it).
        self.scenario_origin: str | None = None
        #: The workbook the plan was opened from.
        self.path: Path | None = None
        #: The project file, once opened or saved.
        self.project_path: Path | None = None
        self.lock: ProjectLock | None = None
        self.title = "Fulcrum"
        self.history = History()
        #: Asked when unsaved changes would be lost; whether to restore recovered work; where to save.
        self.ask_unsaved: Callable[[], Answer] = lambda: "save"
        self.ask_restore: Callable[[], bool] = lambda: True
        self.ask_save_path: Callable[[], str | Path | None] = lambda: None
        #: Shows an import preview; the answer comes back as accept_import or cancel_import.
        #: None (no window): an import that can be loaded is loaded at once.
        self.ask_preview: Callable[[ImportState], None] | None = None
        #: The stop flag of the work under way for the current plan, by kind (solve, insight, frontier).
        self._stops: dict[str, threading.Event] = {}
        #: Resubmitted workbooks waiting to be read, in the order given (the first is being read).
        self._resubmissions: list[Path] = []
        #: A save runs through the executor; the saves asked for meanwhile (None: where the project is then).
        self._save_running = False
        self._save_queue: list[Path | None] = []
        #: The lock a save under way took for its file (Save as), until the save is done.
        self._save_lock: ProjectLock | None = None
        #: One write of the project at a time; a save asked for later than one written is not undone by it.
        self._write_lock = threading.Lock()
        self._save_serial = 0
        self._serial_written: dict[Path, int] = {}
        self._serial_marked = 0

        self.plan_changed: Event[[Plan]] = Event()
        #: A plan was opened (a workbook, a project, a new project).
        self.loaded: Event[[Plan]] = Event()
        #: A result shown: (plan, result).
        self.result_changed: Event[[Plan, Result]] = Event()
        self.insight_changed: Event[[PriceOfBalance | None, tuple[BalanceWarning, ...]]] = Event()
        self.frontier_changed: Event[[Frontier]] = Event()
        self.project_changed: Event[[Project]] = Event()
        self.report_changed: Event[[tuple[Issue, ...], tuple[str, ...]]] = Event()
        #: A workbook was read (whether or not it gave a plan).
        self.imported: Event[[ImportReport]] = Event()
        self.exported: Event[[str]] = Event()
        self.comparison_ready: Event[[list[Compared], Comparison]] = Event()
        self.history_changed: Event[[]] = Event()
        self.dirty_changed: Event[[bool]] = Event()
        self.title_changed: Event[[str]] = Event()
        self.project_saved: Event[[str]] = Event()
        self.project_opened: Event[[str]] = Event()
        #: The status line's text.
        self.message: Event[[str]] = Event()
        #: A passing remark (a change refused, an autosave that failed).
        self.notice: Event[[str]] = Event()
        #: A problem the user must see; the state is unchanged.
        self.error: Event[[str]] = Event()
        #: The project just opened is open in another window too.
        self.already_open: Event[[str]] = Event()
        #: A department's resubmitted workbook was read: its lines replaced, or why not.
        self.replaced: Event[[Resubmission]] = Event()

    # -- state ---------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """Whether there are changes not saved."""
        return not self.history.clean

    @property
    def current_result(self) -> Result | None:
        """The result of the plan as it is now; None while it is stale or unsolved."""
        return self.result if self.result_plan == self.plan else None

    def current_project(self) -> Project:
        return replace(self.project, plan=self.plan)

    def _set_title(self, title: str) -> None:
        self.title = title
        self.title_changed.emit(title)

    def _history_step(self, step: Callable[[], None]) -> None:
        """Change the history, then say so, and whether the project became (un)saved."""
        was_dirty = self.dirty
        step()
        self.history_changed.emit()
        if self.dirty != was_dirty:
            self.dirty_changed.emit(self.dirty)

    # -- the plan ------------------------------------------------------------------------

    def show_plan(self, plan: Plan) -> None:
        """Make ``plan`` the plan (not undoable); the solve under way for an older plan is stopped."""
        if plan != self.plan:
            self.cancel_solve()
        self.plan = plan
        self.plan_changed.emit(plan)
        self.message.emit(MESSAGES["solving"])

    def load(self, plan: Plan, path: Path | None, report: ImportReport | None = None) -> None:
        """A newly opened plan: the history starts again, at a clean mark."""
        self._history_step(self.history.clear)
        self.path = path
        self._set_title(f"Fulcrum — {path.name}" if path else "Fulcrum")
        if report is not None:
            self._set_report(report.issues, report.notes)
        self.show_plan(plan)
        self.loaded.emit(plan)

    def _may_replace(self, report: ImportReport) -> bool:
        """Whether the plan may be replaced by the one read: unsaved changes are asked about first."""
        if self.maybe_keep_changes():
            return True
        self.message.emit(MESSAGES["not_opened"].format(name=report.path.name))
        return False

    def _load_undoably(self, plan: Plan, report: ImportReport) -> None:
        """A workbook read into the open window: one undoable step; the history stays.

        Undo brings the previous plan back; the project is unsaved until saved
        (or until undone back to the state last saved).
        """
        path = report.path
        before = Opened(self.plan, self.path, self.title)
        self._set_report(report.issues, report.notes)
        self._push(Command(before, Opened(plan, path, f"Fulcrum — {path.name}"), f"Open {path.name}"))
        self.loaded.emit(plan)

    def _set_report(self, issues: tuple[Issue, ...], notes: tuple[str, ...]) -> None:
        self.issues, self.notes = issues, notes
        self.report_changed.emit(issues, notes)

    def apply_edit(self, plan: Plan, text: str) -> None:
        """An undoable edit of the plan; nothing happens if it changes nothing."""
        if plan != self.plan:
            self._push(Command(self.plan, plan, text))

    def apply_fix(self, fix: Fix) -> None:
        """Make one suggested fix of an infeasible plan (undoable)."""
        self.apply_edit(apply_fix(self.plan, fix), _capitalised(fix.text))

    def fix_internal_share(self, share: float) -> None:
        """A point of the frontier as the plan: the internal share fixed there (undoable)."""
        plan = self.plan.with_policy(internal_share_min=share, internal_share_max=share)
        self.apply_edit(plan, f"Fix the internal share at {percent(share, 2)}")

    # -- history -------------------------------------------------------------------------

    def _push(self, command: Command) -> None:
        self._history_step(lambda: self.history.push(command))
        self._apply(command.after)

    def _apply(self, state: Plan | Project | Opened) -> None:
        if isinstance(state, Plan):
            self.show_plan(state)
        elif isinstance(state, Opened):
            self.path = state.path
            self._set_title(state.title)
            self.show_plan(state.plan)
        else:
            self._set_project(state)

    def undo(self) -> None:
        command: list[Command | None] = [None]
        self._history_step(lambda: command.__setitem__(0, self.history.undo()))
        if command[0] is not None:
            self._apply(command[0].before)

    def redo(self) -> None:
        command: list[Command | None] = [None]
        self._history_step(lambda: command.__setitem__(0, self.history.redo()))
        if command[0] is not None:
            self._apply(command[0].after)

    def set_clean(self) -> None:
        self._history_step(self.history.set_clean)

    # -- solving -------------------------------------------------------------------------

    def cancel_solve(self) -> None:
        """Stop the work under way for the plan (its solve, price of balance and frontier): it is stale."""
        for stop in self._stops.values():
            stop.set()
        self._stops.clear()

    @staticmethod
    def _unless(stop: threading.Event, done: Callable[[_Outcome], None]) -> Callable[[_Outcome], None]:
        """``done``, skipped for work that was stopped (what it returns is incomplete or stale)."""

        def finish(outcome: _Outcome) -> None:
            if not stop.is_set():
                done(outcome)

        return finish

    def _stop_flag(self, kind: str) -> threading.Event:
        """A new stop flag for work of ``kind``; the previous one of that kind is raised."""
        previous = self._stops.pop(kind, None)
        if previous is not None:
            previous.set()
        stop = self._stops[kind] = threading.Event()
        return stop

    def solve(self) -> None:
        """Solve the plan through the executor; work still running for an older plan is stopped."""
        plan = self.plan
        if not plan.lines:
            return
        stop = self._stop_flag("solve")
        self.message.emit(MESSAGES["solving"])
        self.executor.submit(
            lambda _progress: (plan, solve(plan, cancelled=stop.is_set)), self._on_solved, kind="solve"
        )

    def solve_blocking(self) -> None:
        """Solve on the caller's thread (start-up and screenshots)."""
        self.cancel_solve()
        self._on_solved((self.plan, solve(self.plan)))

    def _on_solved(self, outcome: tuple[Plan, Result]) -> None:
        plan, result = outcome
        if plan != self.plan or was_cancelled(result):
            return  # stale: a newer plan is on its way
        self.show_result(plan, result)

    def show_result(self, plan: Plan, result: Result) -> None:
        """``result``, the allocation of ``plan`` (the plan as it is), becomes the result.

        A plan that cannot be solved as it stands (a project saved by an
        earlier version whose kinds now disagree, say) puts its problems in
        the import report, each with its place.
        """
        self.result, self.result_plan = result, plan
        if result.status is Status.INVALID_INPUT and result.issues:
            self._set_report(result.issues, self.notes)
        self.result_changed.emit(plan, result)

    def start_insight(self, plan: Plan, result: Result) -> None:
        """The price of balance and the balance check of a shown result."""
        if plan != self.plan:
            return  # a newer edit: its own solve will start it
        if not result.is_optimal:
            self._on_insight((plan, None, ()))
            return

        stop = self._stop_flag("insight")

        def work(_progress: Progress) -> tuple[Plan, PriceOfBalance | None, tuple[BalanceWarning, ...]]:
            return plan, price_of_balance(plan, result, cancelled=stop.is_set), balance_check(plan, result)

        self.executor.submit(work, self._unless(stop, self._on_insight), kind="insight")

    def _on_insight(self, outcome: tuple[Plan, PriceOfBalance | None, tuple[BalanceWarning, ...]]) -> None:
        plan, price, warnings = outcome
        if plan != self.plan:
            return
        self.price, self.warnings, self.insight_plan = price, warnings, plan
        self.insight_changed.emit(price, warnings)

    def compute_frontier(self) -> bool:
        """Start the balance frontier of the solved plan; False if there is no current result."""
        plan, result = self.plan, self.current_result
        if not plan.lines or result is None:
            return False
        stop = self._stop_flag("frontier")
        self.executor.submit(
            lambda progress: (
                plan,
                balance_frontier(plan, result=result, progress=progress, cancelled=stop.is_set),
            ),
            self._unless(stop, self._on_frontier),
            kind="frontier",
        )
        return True

    def _on_frontier(self, outcome: tuple[Plan, Frontier]) -> None:
        plan, frontier = outcome
        if plan != self.plan:
            return
        self.frontier, self.frontier_plan = frontier, plan
        self.frontier_changed.emit(frontier)

    # -- workbooks and exports -----------------------------------------------------------

    def open_workbook(self, path: str | Path | Sequence[str | Path], *, wait: bool = False) -> None:
        """Read a workbook, or several department workbooks as one plan (on this thread if ``wait``).

        The plan stays as it is until the reading is done.
        """
        self._read_workbooks(path, wait=wait, preview=False)

    # -- the import preview ------------------------------------------------------------

    @property
    def mapping(self) -> ImportMapping:
        """How workbooks are read: the choices of the last preview accepted, kept in the project."""
        return self.project.mapping

    def preview_workbook(self, path: str | Path | Sequence[str | Path], *, wait: bool = False) -> None:
        """Read workbooks and show the import preview whatever the reading (Import with preview)."""
        self._read_workbooks(path, wait=wait, preview=True)

    def _read_workbooks(self, path: str | Path | Sequence[str | Path], *, wait: bool, preview: bool) -> None:
        paths = [path] if isinstance(path, str | Path) else list(path)
        shown = Path(paths[0]).name if len(paths) == 1 else f"{len(paths)} workbooks"
        self.message.emit(MESSAGES["opening"].format(name=shown))
        mapping = self.mapping

        def done(report: ImportReport) -> None:
            self._on_read(paths, mapping, report, preview=preview)

        if wait:
            done(read_plans(paths, mapping=mapping))
            return
        self.executor.submit(
            lambda progress: read_plans(paths, progress=progress, mapping=mapping), done, kind="import"
        )

    def _on_read(
        self, paths: list[str | Path], mapping: ImportMapping, report: ImportReport, *, preview: bool
    ) -> None:
        """A clean reading loads; an unsure one (or any, when asked) goes to the preview first."""
        ask = self.ask_preview
        if ask is None or not (preview or report.unsure):
            self._on_imported(report)
            return
        if report.plan is None:
            self._on_imported(report)  # the problems in the import report, as without a preview
        else:
            self.message.emit(MESSAGES["unsure"].format(name=report.path.name))
        ask(ImportState(paths, mapping, report, executor=self.executor))

    def accept_import(self, state: ImportState) -> bool:
        """Load what the preview shows and keep its choices in the project; False if it cannot load.

        With unsaved changes the user is asked first; cancelled, nothing changes.
        """
        accepted = state.accept()
        if accepted is None:
            self.notice.emit(MESSAGES["import_refused"].format(count=len(state.report.issues)))
            return False
        if accepted.report.plan is not None and not self._may_replace(accepted.report):
            return False
        if accepted.mapping != self.mapping:
            self._set_project(replace(self.project, mapping=accepted.mapping))
        self._on_imported(accepted.report, asked=True)
        return True

    def cancel_import(self, _state: ImportState) -> None:
        """The preview closed without loading: the plan and the choices stay as they were."""
        self.message.emit(MESSAGES["import_cancelled"])

    def _on_imported(self, report: ImportReport, *, asked: bool = False) -> None:
        if report.plan is None:
            self._set_report(report.issues, report.notes)
            self.imported.emit(report)
            self.message.emit(MESSAGES["invalid"].format(name=report.path.name, count=len(report.issues)))
            return
        if not asked and not self._may_replace(report):
            return
        if self.plan.lines or len(self.history):
            self._load_undoably(report.plan, report)
        else:
            self.load(report.plan, report.path, report)
            if self.project_path is not None:
                self._history_step(self.history.reset_clean)  # the project's plan was replaced: unsaved
        self.imported.emit(report)
        self.message.emit(MESSAGES["opened"].format(name=report.path.name, lines=len(report.plan.lines)))

    # -- a department's resubmitted workbook -----------------------------------------

    def replace_department(self, path: str | Path, *, wait: bool = False) -> None:
        """Replace a department's lines by its resubmitted workbook, as one undoable edit.

        The workbook is read off the window's thread (on this one if
        ``wait``); its lines replace those of its department(s) in the plan as
        it is when the reading is done. Workbooks given one after another are
        read and applied in that order. The policy and the scenarios stay as
        they are; the notes (lines added, removed, changed) or the problems go
        to the import report.
        """
        target = Path(path)
        self.message.emit(MESSAGES["replacing"].format(name=target.name))
        if wait:
            self._apply_resubmission(read_resubmission(target))
            return
        self._resubmissions.append(target)
        if len(self._resubmissions) == 1:
            self._read_next_resubmission()

    def _read_next_resubmission(self) -> None:
        target = self._resubmissions[0]

        def work(progress: Progress) -> ImportReport:
            try:
                return read_resubmission(target, progress)
            except Exception as error:  # the queue must go on: a failure is a refused workbook
                issue = Issue(
                    "", None, None, f"cannot be read ({type(error).__name__}: {error})", target.name
                )
                return ImportReport(target, None, (issue,))

        self.executor.submit(work, self._on_resubmission_read, kind="resubmit")

    def _on_resubmission_read(self, report: ImportReport) -> None:
        self._resubmissions.pop(0)
        try:
            self._apply_resubmission(report)
        finally:
            if self._resubmissions:
                self._read_next_resubmission()

    def _apply_resubmission(self, report: ImportReport) -> None:
        outcome = replace_lines(self.plan, report)
        name = outcome.path.name
        self._set_report(outcome.issues, outcome.notes)
        if outcome.plan is None:
            self.message.emit(MESSAGES["not_replaced"].format(name=name, count=len(outcome.issues)))
        elif outcome.plan == self.plan:
            self.message.emit(MESSAGES["replaced_nothing"].format(name=name))
        else:
            departments = ", ".join(d.function for d in outcome.departments)
            self.apply_edit(outcome.plan, f"Replace the lines of {departments} from {name}")
            self.message.emit(outcome.summary)
        self.replaced.emit(outcome)

    def export_result(self, path: str | Path) -> bool:
        """Write the allocation, with the price of balance and the balance check; False if unsolved."""
        result = self.current_result
        if result is None:
            self.message.emit(MESSAGES["no_result"])
            return False
        plan, target = self.plan, Path(path)
        known = (self.price, self.warnings) if self.insight_plan == plan else None
        sources = self.sources()

        def export(_progress: Progress) -> str:
            from models.export import write_result

            price, warnings = known or (
                price_of_balance(plan, result) if result.is_optimal else None,
                balance_check(plan, result),
            )
            return str(write_result(target, plan, result, price=price, warnings=warnings, sources=sources))

        self.executor.submit(export, self._on_exported, kind="export")
        return True

    def sources(self) -> tuple[Path, ...]:
        """The files the plan was read from (and the project), which no export may write over."""
        found = [p for p in (self.path, self.project_path) if p is not None]
        if self.path is not None:
            folder = self.path if self.path.is_dir() else self.path.parent
            found += [
                folder / name for name in {line.source_file for line in self.plan.lines if line.source_file}
            ]
        return tuple(found)

    def export_frontier(self, path: str | Path) -> bool:
        frontier, plan = self.frontier, self.plan
        if frontier is None or self.frontier_plan != plan:
            self.message.emit(MESSAGES["stale_frontier"])
            return False
        target, sources = Path(path), self.sources()

        def export(_progress: Progress) -> str:
            from models.export import write_frontier

            return str(write_frontier(target, plan, frontier, sources=sources))

        self.executor.submit(export, self._on_exported, kind="export")
        return True

    def export_comparison(self, path: str | Path, items: list[Compared], comparison: Comparison) -> None:
        target, sources = Path(path), self.sources()

        def work(_progress: Progress) -> str:
            from models.export import write_comparison

            return str(write_comparison(target, items, comparison, sources=sources))

        self.executor.submit(work, self._on_exported)

    def _on_exported(self, path: str) -> None:
        self.message.emit(MESSAGES["exported"].format(path=path))
        self.exported.emit(path)

    # -- scenarios -----------------------------------------------------------------------

    def _set_project(self, project: Project) -> None:
        self.project = project
        self.project_changed.emit(project)

    def change_project(self, make: Callable[[Project], Project], text: str) -> bool:
        """An undoable change of the scenario list; a refused change is a notice, and False."""
        try:
            after = make(self.project)
        except ScenarioError as error:
            self.notice.emit(MESSAGES["not_changed"].format(reason=error))
            return False
        if after != self.project:
            self._push(Command(self.project, after, text))
        return True

    def save_plan_as_scenario(self, name: str) -> None:
        plan, result, parent = self.plan, self.current_result, self.scenario_origin
        self.change_project(
            lambda p: add_scenario(p, name, plan, result, parent=parent), f"Save scenario {name}"
        )
        self.scenario_origin = name

    def update_scenario(self, name: str) -> None:
        plan, result = self.plan, self.current_result
        self.change_project(lambda p: update_scenario(p, name, plan, result), f"Update scenario {name}")

    def duplicate_scenario(self, name: str) -> None:
        self.change_project(lambda p: duplicate_scenario(p, name), f"Duplicate {name}")

    def rename_scenario(self, name: str, new: str) -> None:
        self.change_project(lambda p: rename_scenario(p, name, new), f"Rename {name} to {new.strip()}")

    def delete_scenario(self, name: str) -> None:
        self.change_project(lambda p: delete_scenario(p, name), f"Delete scenario {name}")

    def set_approved(self, name: str, approved: bool) -> None:
        self.change_project(
            lambda p: set_approved(p, name, approved), f"{'Approve' if approved else 'Unapprove'} {name}"
        )

    def set_notes(self, name: str, notes: str) -> None:
        self.change_project(lambda p: set_notes(p, name, notes), f"Notes of {name}")

    def show_scenario(self, name: str) -> None:
        """A scenario's plan as the plan (undoably); its stored result is shown at once."""
        scenario = self.project.scenario(name)
        if scenario is None:
            return
        self.apply_edit(scenario.plan, f"Show scenario {name}")
        self.scenario_origin = name
        if scenario.result is not None and scenario.plan == self.plan:
            self.show_result(scenario.plan, scenario.result)

    def compare_scenarios(self, names: list[str]) -> None:
        """Solve any unsolved scenario through the executor, then offer the comparison."""
        chosen = [s for s in self.project.scenarios if s.name in names]
        if len(chosen) < 2:
            return

        def work(_progress: Progress) -> tuple[list[Compared], Comparison]:
            items = [Compared(s.name, s.plan, s.result or solve(s.plan)) for s in chosen]
            return items, compare(items)

        self.executor.submit(work, lambda outcome: self.comparison_ready.emit(*outcome))

    # -- the project file ----------------------------------------------------------------

    def _project_title(self) -> None:
        name = self.project_path.name if self.project_path else "Untitled project"
        self._set_title(f"Fulcrum — {name}")

    def _release(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def maybe_keep_changes(self) -> bool:
        """Ask about unsaved changes (save, discard or cancel); False when cancelled or not saved."""
        if not self.dirty:
            return True
        answer = self.ask_unsaved()
        if answer == "cancel":
            return False
        if answer == "save":
            return self.save(wait=True)
        return True

    def new_project(self) -> bool:
        if not self.maybe_keep_changes():
            return False
        self._release()
        self.project_path = None
        self.load(Plan(()), None)
        self._set_project(Project(Plan(())))
        self._project_title()
        self.message.emit(MESSAGES["new_project"])
        return True

    def open_project(self, path: str | Path, *, wait: bool = False) -> bool:
        """Open a project: read off the window's thread (on this one if ``wait``), then ask and apply.

        Unsaved changes are asked about only once the project is read, just
        before the plan changes; a project that cannot be read, or a question
        cancelled, changes nothing. Returns False when it is known not to be
        opened (at once if ``wait`` or the executor ran it), True otherwise.
        """
        target = Path(path)
        message = MESSAGES["opening"].format(name=target.name)
        self.message.emit(message)
        opened: list[bool] = []

        def work(progress: Progress) -> Project | str:
            progress(0.0, message)
            try:
                return open_project(target)
            except ProjectError as error:
                return str(error)
            except Exception as error:  # anything else unreadable: said, and nothing changes
                return f"{target.name} cannot be opened ({type(error).__name__}: {error})"

        def done(outcome: Project | str) -> None:
            opened.append(self._on_project_read(target, outcome))

        if wait:
            done(work(lambda _fraction, _message: None))
        else:
            self.executor.submit(work, done, kind="open")
        return opened[0] if opened else True

    def _on_project_read(self, target: Path, outcome: Project | str) -> bool:
        """A project read (or why not): unsaved changes asked about, then the lock taken and it applied."""
        if isinstance(outcome, str):
            self.error.emit(outcome)
            self.message.emit(MESSAGES["not_opened"].format(name=target.name))
            return False
        if not self.maybe_keep_changes():
            self.message.emit(MESSAGES["not_opened"].format(name=target.name))
            return False
        self._apply_project(target, outcome)
        return True

    def _apply_project(self, target: Path, project: Project) -> None:
        self._release()
        lock = ProjectLock(target)
        try:
            other = lock.acquire()
        except LockError as error:
            other = None
            self.already_open.emit(MESSAGES["not_locked"].format(name=target.name, reason=error.strerror))
        if other is not None:
            self.already_open.emit(
                MESSAGES["already_open"].format(
                    name=target.name, pid=other.get("pid"), host=other.get("host"), since=other.get("since")
                )
            )
        self.lock = lock if lock.held else None
        self.project_path = target
        self.load(project.plan, None)
        self._set_project(project)
        self._project_title()
        self.project_opened.emit(str(target))
        self.recover()

    @property
    def saving(self) -> bool:
        """Whether a save runs off the window's thread (or waits its turn)."""
        return self._save_running

    def save(self, *, wait: bool = False) -> bool:
        """Save the project where it is, or where the user says if it never was.

        While a save runs, another is queued and saves where the project is then.
        """
        if self._save_running and not wait:
            return self._queue_save(None)
        if self.project_path is not None:
            return self.save_to(self.project_path, wait=wait)
        path = self.ask_save_path()
        return path is not None and self.save_to(path, wait=wait)

    def _queue_save(self, target: Path | None) -> bool:
        if not self._save_queue or self._save_queue[-1] != target:
            self._save_queue.append(target)
        return True

    def save_to(self, path: str | Path, *, wait: bool = False) -> bool:
        """Save to ``path``, which this window must hold: a project open in another window is not saved.

        A snapshot of the project is written off the window's thread (on this
        one if ``wait``); edits made meanwhile stay unsaved. One save at a
        time: a save asked for while one runs waits its turn. Returns False
        when it is known not to be saved (refused, or failed at once), True
        otherwise.
        """
        target = Path(path)
        target = target if target.suffix == ".fulcrum" else target.with_name(target.name + ".fulcrum")
        if self._save_running and not wait:
            return self._queue_save(target)
        lock = self._saving_lock(target)
        if lock is None:
            return False
        project, position = self.current_project(), self.history.position()
        self._save_serial += 1
        serial = self._save_serial
        message = MESSAGES["saving"].format(name=target.name)
        self.message.emit(message)
        saved: list[bool] = []

        def work(progress: Progress) -> Path | str | None:
            progress(0.0, message)
            return self._write_project(target, project, serial)

        def done(outcome: Path | str | None) -> None:
            saved.append(self._on_project_written(target, outcome, lock, position, serial, wait=wait))

        if wait:
            done(work(lambda _fraction, _message: None))
        else:
            self._save_running, self._save_lock = True, lock
            self.executor.submit(work, done, kind="save")
        return saved[0] if saved else True

    def _saving_lock(self, target: Path) -> ProjectLock | None:
        """The lock of ``target``, held by this window (taken now if need be); None (said why) if not."""
        lock = ProjectLock(target)
        for held in (self.lock, self._save_lock):
            if held is not None and held.lock_path == lock.lock_path:
                lock = held
        try:
            other = lock.acquire()
        except LockError as error:
            self.error.emit(f"{target.name} cannot be saved: {error.strerror}")
            return None
        if other is not None:
            self.error.emit(
                MESSAGES["held_elsewhere"].format(
                    name=target.name, pid=other.get("pid"), host=other.get("host")
                )
            )
            return None
        return lock

    def _write_project(self, target: Path, project: Project, serial: int) -> Path | str | None:
        """Write ``project`` (any thread): the path written, why not, or None if a newer save wrote first."""
        with self._write_lock:
            if self._serial_written.get(target, 0) > serial:
                return None  # a save asked for later is already written there: this one is older
            try:
                written = save_project(target, project)
            except ProjectError as error:
                return str(error)
            except Exception as error:  # said, and the mark stays where it was
                return f"{target}: cannot be saved ({type(error).__name__}: {error})"
            self._serial_written[target] = serial
            return written

    def _on_project_written(
        self,
        target: Path,
        outcome: Path | str | None,
        lock: ProjectLock,
        position: Position,
        serial: int,
        *,
        wait: bool,
    ) -> bool:
        """A save done: the clean mark goes to the state written; a failure leaves it as it was."""
        if not wait:
            self._save_running, self._save_lock = False, None
        try:
            return self._take_written(target, outcome, lock, position, serial)
        finally:
            if not wait and self._save_queue:
                self._start_queued_save()

    def _take_written(
        self, target: Path, outcome: Path | str | None, lock: ProjectLock, position: Position, serial: int
    ) -> bool:
        if not isinstance(outcome, Path) or serial < self._serial_marked:
            if lock is not self.lock and lock is not self._save_lock:
                lock.release()
            if isinstance(outcome, str):
                self.error.emit(outcome)
            return outcome is None or isinstance(outcome, Path)
        self._serial_marked = serial
        if position.epoch != self.history.epoch:
            # Another plan was loaded meanwhile: the file is written, the window is on other work.
            if lock is not self.lock and lock is not self._save_lock:
                lock.release()
            self.message.emit(MESSAGES["saved"].format(name=outcome.name))
            self.project_saved.emit(str(outcome))
            return True
        if lock is not self.lock:
            self._release()
            self.lock = lock
        self.project_path = outcome
        self._history_step(lambda: self.history.set_clean_at(position))
        self._project_title()
        if not self.dirty:
            self._discard_own_recovery()  # with edits made during the save, the recovery files stay
        self.message.emit(MESSAGES["saved"].format(name=outcome.name))
        self.project_saved.emit(str(outcome))
        return True

    def _start_queued_save(self) -> None:
        target = self._save_queue.pop(0)
        if target is None:
            if self.project_path is None:
                return  # the save before it failed: its error is shown, and no dialog pops up unasked
            target = self.project_path
        self.save_to(target)

    def close(self) -> bool:
        """Whether the work may be closed (unsaved changes saved or discarded)."""
        if not self.maybe_keep_changes():
            return False
        self._release()
        if not self.dirty:
            self._discard_own_recovery()
        # What is left (changes discarded, not saved) is offered at the next opening.
        release(self.session_id)
        return True

    # -- autosave and recovery -----------------------------------------------------------

    @property
    def untitled_recovery(self) -> Path:
        """Where this window writes unsaved work of a project never saved."""
        return recovery_path(self._untitled_base, self.session_id)

    def _recovery_base(self) -> Path:
        return self.project_path or self._untitled_base

    def _recovery_target(self) -> Path:
        return recovery_path(self._recovery_base(), self.session_id)

    def _discard_own_recovery(self) -> None:
        """The work is saved: this window's recovery files, and those it restored, go."""
        for recovery in (*self._written, *self._adopted):
            discard(recovery)
        self._written.clear()
        self._adopted.clear()

    def autosave(self) -> Path | None:
        """Write unsaved work to this window's recovery file (never to the project); keep the lock fresh."""
        if self.lock is not None:
            self.lock.refresh()
        if not self.dirty or not self.plan.lines or self._save_running:
            return None  # while a save runs, the recovery files stay as they are until it is done
        target = self._recovery_target()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            claim(self.session_id)
            write_owner(target, self.session_id)
            save_recovery(target, self.current_project())
        except (OSError, ProjectError) as error:
            self.notice.emit(MESSAGES["autosave_failed"].format(reason=error))
            return None
        self._written.add(target)
        # The work restored from windows gone is in this window's file now.
        for recovery in self._adopted - {target}:
            discard(recovery)
        self._adopted.clear()
        return target

    def recover(self) -> bool:
        """Offer the unsaved work that windows now gone left of this project, the newest first.

        Untitled: the work they left of projects never saved. The files of
        windows still open are theirs and are not offered. The first one
        restored ends the offers (the others are offered at the next opening);
        one refused is deleted.
        """
        base = self._recovery_base()
        newer_than = None
        if self.project_path is not None:
            try:
                newer_than = self.project_path.stat().st_mtime
            except OSError:
                newer_than = None
        for recovery in orphans(base, newer_than=newer_than):
            if recovery not in self._adopted and self.offer_recovery(recovery):
                return True
        return False

    def offer_recovery(self, recovery: Path) -> bool:
        """Ask whether to restore recovered work; refused, the recovery file goes.

        The file of a window still open is its own: it is neither offered nor deleted.
        """
        if not recovery.exists() or writer_alive(read_writer(recovery)):
            return False
        if not self.ask_restore():
            discard(recovery)
            return False
        if not self.restore(recovery):
            return False
        self._adopted.add(recovery)
        return True

    def restore(self, recovery: Path) -> bool:
        """Recovered work as undoable changes of the plan and the scenarios."""
        try:
            project = open_project(recovery)
        except ProjectError as error:
            self.error.emit(MESSAGES["recovery_unreadable"].format(reason=error))
            return False
        self.apply_edit(project.plan, "Restore unsaved work")
        if project.scenarios != self.project.scenarios or project.mapping != self.project.mapping:
            after = replace(self.project, scenarios=project.scenarios, mapping=project.mapping)
            self._push(Command(self.project, after, "Restore unsaved scenarios"))
        self.message.emit(MESSAGES["restored"])
        return True
