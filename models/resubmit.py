"""One department's resubmitted workbook in place of that department's lines in a plan.

A department sends its budget again (``HR_FY25_v2.xlsx``): its lines in the
plan are replaced by the workbook's lines and nothing else changes. The
workbook is read as it would be among the others
(:func:`models.consolidate.read_plans`): a line whose row names no function
takes the department the file's name gives. The departments replaced are the
functions of the workbook's lines, compared by
:func:`~models.functions.function_key` (HR, Human resources and RH are one).

- Every line of the other departments stays exactly as it was, name included.
- A new line whose name a line of another department has (``Salaries``) is
  named with its function (``HR / Salaries``), as when the workbooks are read
  together; the other department's line keeps its name. Old and new lines
  are matched without that prefix, so ``HR / Salaries`` and ``Salaries`` are
  one line whose name changed.
- The plan's policy, function rules and ratio rules are kept. Rules stated in
  the resubmitted workbook (Functions or Policy sheets) are not taken; a note
  says so.
- A function whose kind the workbook does not state keeps the kind it has in
  the plan (a kind corrected in the window stays corrected).
- A workbook with lines of a function the plan does not have is refused: a
  new department is not a resubmission. Taking it would keep the old lines of
  a department whose name is misspelt in the new file beside its new lines,
  counting its money twice. A new department is added by opening its
  workbook together with the others.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from models.consolidate import function_from_file_name
from models.domain import Kind, Line, Plan, Policy, function_key, normalise_name
from models.formats import money
from models.issues import Issue
from models.mapping import ImportMapping
from models.schema import LINE_FIELDS
from models.validation import validate
from models.workbook import ImportReport, Progress, read_plan

__all__ = ["DepartmentChange", "Resubmission", "read_resubmission", "replace_department", "replace_lines"]

#: The fields whose changes a note lists (the name is how lines are matched).
_COMPARED: Final = tuple(f for f in LINE_FIELDS if f.attr != "name")


def _amount(value: float) -> str:
    """Money in a note: exact to the cent, without trailing zeros."""
    return money(value, 2, trim=True)


def _lines(count: int) -> str:
    return f"{count} line{'s' * (count != 1)}"


@dataclass(frozen=True, slots=True)
class DepartmentChange:
    """One department's lines before and after a resubmission, matched by name."""

    #: The department as the plan names it.
    function: str
    before: tuple[Line, ...]
    after: tuple[Line, ...]
    #: Names (as in the new plan) of lines the workbook adds.
    added: tuple[str, ...] = ()
    #: Names (as in the old plan) of lines the workbook no longer has.
    removed: tuple[str, ...] = ()
    #: Lines in both whose values changed, each as ``Salaries: Current 300,000 -> 340,000``.
    changed: tuple[str, ...] = ()
    #: Lines in both whose name changed: (old name, new name).
    renamed: tuple[tuple[str, str], ...] = ()

    @property
    def current_before(self) -> float:
        return math.fsum(line.current for line in self.before)

    @property
    def current_after(self) -> float:
        return math.fsum(line.current for line in self.after)

    def headline(self, file: str) -> str:
        """``HR: 4 lines replaced by 5 from HR_FY25_v2.xlsx; current 1,200,000 -> 1,260,000``."""
        return (
            f"{self.function}: {_lines(len(self.before))} replaced by {len(self.after)} from {file}; "
            f"current {_amount(self.current_before)} -> {_amount(self.current_after)}"
        )


@dataclass(frozen=True, slots=True)
class Resubmission:
    """What replacing departments' lines by a workbook gave: the new plan, or why not."""

    path: Path
    #: The plan with the departments' lines replaced; None when refused.
    plan: Plan | None
    issues: tuple[Issue, ...] = ()
    #: What a finance lead reads: each department's lines replaced, added, removed, changed.
    notes: tuple[str, ...] = ()
    departments: tuple[DepartmentChange, ...] = ()

    @property
    def ok(self) -> bool:
        return self.plan is not None and not self.issues

    @property
    def summary(self) -> str:
        """One sentence for a status line: each department's headline."""
        return "; ".join(d.headline(self.path.name) for d in self.departments)


def read_resubmission(
    path: str | Path, progress: Progress | None = None, mapping: ImportMapping | None = None
) -> ImportReport:
    """The workbook read as among the department workbooks of a plan; never raises.

    A line whose row names no function takes the department the file's name
    gives; every line and issue names the file.
    """
    path = Path(path)
    try:
        report = read_plan(path, progress, function=function_from_file_name(path), mapping=mapping)
    except OSError as error:  # a file that cannot be opened (no permission, gone while read)
        return ImportReport(path, None, (Issue("", None, None, f"cannot be read ({error})", path.name),))
    plan = report.plan
    if plan is not None:
        plan = replace(plan, lines=tuple(replace(line, source_file=path.name) for line in plan.lines))
    issues = tuple(replace(issue, file=path.name) for issue in report.issues)
    return replace(report, plan=plan, issues=issues)


def replace_department(
    plan: Plan, path: str | Path, progress: Progress | None = None, mapping: ImportMapping | None = None
) -> Resubmission:
    """``plan`` with the lines of the departments in workbook ``path`` replaced by the workbook's."""
    return replace_lines(plan, read_resubmission(path, progress, mapping))


def _base(line: Line) -> str:
    """The line's name without the ``<function> / `` a plan of several departments may give it."""
    prefix = f"{normalise_name(line.function)} / "
    name = " ".join(line.name.split())
    return name[len(prefix) :] if name.casefold().startswith(prefix) and len(name) > len(prefix) else name


def _named(line: Line) -> str:
    """The line's name with its function in front (``HR / Salaries``), as distinct names are made."""
    return line.name if _base(line) != " ".join(line.name.split()) else f"{line.function} / {line.name}"


def _refused(path: Path, issues: Sequence[Issue], notes: Sequence[str] = ()) -> Resubmission:
    return Resubmission(
        path, None, tuple(issues), (f"{path.name} replaced no lines: the plan is unchanged", *notes)
    )


def replace_lines(plan: Plan, report: ImportReport) -> Resubmission:
    """``plan`` with the departments of ``report`` (a resubmitted workbook, read) replaced by its lines.

    Refused, with every issue naming the file, sheet and row: a workbook that
    could not be read; lines of a function the plan does not have; a plan
    that would not be valid (a problem the plan had already does not stop it).
    """
    path, file = report.path, report.path.name
    read_notes = tuple(f"{file}: {note}" for note in report.notes)
    if report.plan is None or report.issues:
        issues = report.issues or (Issue("", None, None, "cannot be read", file),)
        return _refused(path, [i if i.file else replace(i, file=file) for i in issues], read_notes)
    incoming = report.plan.lines
    if not plan.lines:
        issue = Issue(
            "", None, None, "The plan has no lines to replace: open the department workbooks first", file
        )
        return _refused(path, [issue], read_notes)

    spelled: dict[str, str] = {}
    kinds: dict[str, Kind] = {}
    for line in plan.lines:
        key = function_key(line.function)
        spelled.setdefault(key, line.function)
        kinds.setdefault(key, line.kind)
    arriving: dict[str, list[Line]] = {}
    for line in incoming:
        arriving.setdefault(function_key(line.function), []).append(line)
    unknown = [key for key in arriving if key not in spelled]
    if unknown:
        departments = list(spelled.values())
        return _refused(
            path, [_unknown(report, arriving[key][0], departments) for key in unknown], read_notes
        )

    notes: list[str] = []
    inferred = {function_key(function) for function in report.inferred_kinds}
    kept = [line for line in plan.lines if function_key(line.function) not in arriving]
    other_names = {normalise_name(_base(line)) for line in kept} | {
        normalise_name(line.name) for line in kept
    }
    old_names = {normalise_name(line.name) for line in plan.lines if function_key(line.function) in arriving}
    prefixed: list[str] = []
    new_lines: dict[str, list[Line]] = {}
    for key, lines in arriving.items():
        old_kind = kinds[key]
        for line in lines:
            made = line
            if made.kind is not old_kind and key in inferred:
                made = replace(made, kind=old_kind)
            if normalise_name(_base(made)) in other_names:
                made = replace(made, name=_named(made))
                if made.name != line.name and normalise_name(made.name) not in old_names:
                    prefixed.append(made.name)  # a name the department's lines did not have
            new_lines.setdefault(key, []).append(made)
        new_kind = new_lines[key][0].kind
        if new_kind is not old_kind:
            notes.append(
                f"{spelled[key]} is now {new_kind} (it was {old_kind}), as the Kind column of {file} says"
            )
        elif key in inferred and lines[0].kind is not old_kind:
            notes.append(f"{file} gives no kind for {spelled[key]}: it stays {old_kind}, as in the plan")

    lines_out: list[Line] = []
    placed: set[str] = set()
    for line in plan.lines:
        key = function_key(line.function)
        if key not in arriving:
            lines_out.append(line)
        elif key not in placed:
            placed.add(key)
            lines_out.extend(new_lines[key])  # the department's new lines where its first line was
    new_plan = replace(plan, lines=tuple(lines_out))

    changes = tuple(
        _change(
            spelled[key], [line for line in plan.lines if function_key(line.function) == key], new_lines[key]
        )
        for key in arriving
    )
    headlines = [change.headline(file) for change in changes]
    for change in changes:
        notes.extend(_change_notes(change, file))
    if prefixed:
        notes.append(
            "Named with their function, as another department has a line of the same name: "
            f"{', '.join(prefixed)} (the other departments' lines keep their names)"
        )
    if report.plan.policy != Policy():
        notes.append(
            f"{file} states rules (Functions or Policy sheets): they are not taken; "
            "the plan's policy, function rules and ratio rules are kept"
        )
    # A problem the plan had already is not the workbook's (edits are checked the same way).
    known = {issue.message for issue in validate(plan)}
    problems = [issue for issue in validate(new_plan) if issue.message not in known]
    if problems:
        return _refused(path, problems, (*notes, *read_notes))
    return Resubmission(path, new_plan, (), (*headlines, *notes, *read_notes), changes)


def _unknown(report: ImportReport, line: Line, departments: Sequence[str]) -> Issue:
    """Why a line of a function the plan does not have stops the resubmission."""
    file, known = report.path.name, ", ".join(departments)
    if "function" not in report.columns and line.function == function_from_file_name(report.path):
        said = f"Department {line.function!r}, which the file's name gives lines that name no function,"
        example = departments[0].replace(" ", "_")
        advice = f"name the file after the department it replaces ({example}_v2.xlsx for {departments[0]})"
    elif "function" not in report.columns and line.function == line.source_sheet:
        said = f"Department {line.function!r}, which the sheet's name gives lines that name no function,"
        advice = "name the sheet after the department it replaces"
    else:
        said = f"Line {line.name!r} is of function {line.function!r}, which"
        advice = "correct the function if it is misspelt"
    return Issue(
        line.source_sheet or "",
        line.source_row,
        report.columns.get("function"),
        f"{said} is not in the plan (its departments are {known}): a resubmitted workbook "
        f"replaces the lines of a department the plan has; {advice}, or add a new department by opening "
        "its workbook together with the others",
        file,
    )


def _change(function: str, before: Sequence[Line], after: Sequence[Line]) -> DepartmentChange:
    """How a department's lines changed, matched by name without a ``<function> / `` prefix."""
    old: dict[str, list[Line]] = {}
    for line in before:
        old.setdefault(normalise_name(_base(line)), []).append(line)
    added: list[str] = []
    changed: list[str] = []
    renamed: list[tuple[str, str]] = []
    for line in after:
        matches = old.get(normalise_name(_base(line)))
        if not matches:
            added.append(line.name)
            continue
        was = matches.pop(0)
        if was.name != line.name:
            renamed.append((was.name, line.name))
        differences = [
            f"{f.label} {f.edit_text(old_value) or 'none'} -> {f.edit_text(new_value) or 'none'}"
            for f in _COMPARED
            if (old_value := getattr(was, f.attr)) != (new_value := getattr(line, f.attr))
        ]
        if differences:
            changed.append(f"{line.name}: {'; '.join(differences)}")
    removed = [line.name for lines in old.values() for line in lines]
    return DepartmentChange(
        function, tuple(before), tuple(after), tuple(added), tuple(removed), tuple(changed), tuple(renamed)
    )


def _change_notes(change: DepartmentChange, file: str) -> list[str]:
    def listed(names: Sequence[str], lines: Sequence[Line]) -> str:
        current = {line.name: line.current for line in lines}
        return ", ".join(f"{name} ({_amount(current[name])})" for name in names)

    notes: list[str] = []
    if change.added:
        notes.append(f"{change.function}: added {listed(change.added, change.after)}")
    if change.removed:
        notes.append(f"{change.function}: removed {listed(change.removed, change.before)}")
    notes.extend(f"{change.function}: changed {text}" for text in change.changed)
    notes.extend(f"{change.function}: {old!r} is now named {new!r}" for old, new in change.renamed)
    if not (change.added or change.removed or change.changed or change.renamed):
        notes.append(f"{change.function}: the lines of {file} are the lines the plan has; nothing changed")
    sources = sorted(
        {line.source_file for line in change.before if line.source_file and line.source_file != file}
    )
    if sources:
        notes.append(f"{change.function}: the lines replaced were read from {', '.join(sources)}")
    return notes
