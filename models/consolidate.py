"""One plan from several department workbooks (``fulcrum solve A.xlsx B.xlsx`` or a folder).

Each workbook is read as it would be alone; a line whose row names no
function takes the department the workbook's name gives
(``Human_Resources_FY25_submission.xlsx`` is Human Resources, which the one
table of functions knows as HR). Every line keeps its file, sheet and row.
The rules (Functions and Policy sheets) come from the one workbook that has
them; two workbooks with different rules are refused, never merged by guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Final

from models.domain import Kind, Plan, Policy
from models.issues import Issue
from models.mapping import ImportMapping, Layout
from models.validation import validate
from models.workbook import ImportReport, Progress, distinct_names, read_plan

__all__ = ["function_from_file_name", "read_plans", "workbooks_in"]

#: Words of a file name that say what the file is, not whose: dropped to find the department.
_NOT_DEPARTMENT: Final = frozenset(
    {
        "budget", "budgets", "submission", "submissions", "final", "draft", "revised", "approved", "plan",
        "planning", "forecast", "version", "copy", "dept", "department", "template", "input", "return",
        "haushalt", "budgetplanung", "planung", "entwurf", "presupuesto", "borrador", "soumission", "projet",
    }
)  # fmt: skip
_YEARISH: Final = re.compile(r"^(?:fy|cy|q[1-4]|h[12]|v)?\d{1,4}(?:[-_]?\d{2,4})?$|^(?:fy|v|rev)\d*$", re.I)


def function_from_file_name(path: str | Path) -> str | None:
    """The department a workbook's name gives: ``Human_Resources_FY25_submission.xlsx`` is Human Resources."""
    words = [w for w in re.split(r"[\s_\-.()\[\]]+", Path(path).stem) if w]
    kept = [w for w in words if w.casefold() not in _NOT_DEPARTMENT and not _YEARISH.match(w)]
    return " ".join(kept) or None


def workbooks_in(paths: Sequence[str | Path]) -> list[Path]:
    """The workbooks named, a folder standing for the .xlsx files in it (Excel's lock files left out)."""
    found: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            found.extend(sorted(p for p in item.glob("*.xlsx") if not p.name.startswith("~$")))
        else:
            found.append(item)
    return found


def read_plans(
    paths: Sequence[str | Path], progress: Progress | None = None, mapping: ImportMapping | None = None
) -> ImportReport:
    """One plan from several workbooks (or one); never raises: the report carries every issue."""
    files = workbooks_in(paths)
    if len(files) == 1:
        return read_plan(files[0], progress, mapping=mapping)
    origin = Path(paths[0]) if paths else Path("plan")
    if not files:
        return ImportReport(origin, None, (Issue("", None, None, f"{origin} holds no .xlsx workbook"),))
    reports: list[ImportReport] = []
    for n, path in enumerate(files):
        if progress is not None:
            progress(n / len(files), f"Reading {path.name}")
        reports.append(read_plan(path, function=function_from_file_name(path), mapping=mapping))
    issues = [replace(i, file=r.path.name) for r in reports for i in r.issues]
    notes = [f"Lines were read from {len(files)} workbooks: {', '.join(p.name for p in files)}"]
    notes += [f"{r.path.name}: {note}" for r in reports for note in r.notes]
    lines = [replace(line, source_file=r.path.name) for r in reports if r.plan for line in r.plan.lines]
    named = {code: r.path.name for r in reports for code in r.currencies}
    if len(named) > 1:
        shown = ", ".join(f"{code} ({file})" for code, file in sorted(named.items()))
        issues.append(
            Issue(
                "",
                None,
                None,
                f"The workbooks are in several currencies: {shown}. Fulcrum adds up amounts of one "
                "currency; convert them to one currency (there is no exchange rate to do it with)",
            )
        )
    policy, policy_issue = _one_policy(reports)
    if policy_issue is not None:
        issues.append(policy_issue)
    lines = distinct_names(lines, lambda line: line.source_file, issues, notes)
    name = origin.name if origin.is_dir() else "Consolidated plan"
    plan = Plan(tuple(lines), policy, name=name)
    if not issues:
        issues.extend(validate(plan))
    inferred = {f: k for r in reports for f, k in r.inferred_kinds.items()}
    kinds: dict[str, Kind] = {}
    for line in lines:
        kinds.setdefault(line.function, line.kind)
    layout = Layout(
        tuple(sheet for r in reports for sheet in r.layout.sheets),
        tuple(dict.fromkeys(f"{r.path.name}: {q}" for r in reports for q in r.layout.questions)),
        kinds,
    )
    return ImportReport(
        origin,
        None if issues else plan,
        tuple(issues),
        inferred_kinds=inferred,
        notes=tuple(notes),
        layout=layout,
    )


def _one_policy(reports: Sequence[ImportReport]) -> tuple[Policy, Issue | None]:
    """The rules of the one workbook that states any; an issue when two state different ones."""
    stated = [
        (r.path.name, r.plan.policy) for r in reports if r.plan is not None and r.plan.policy != Policy()
    ]
    if not stated:
        return Policy(), None
    first_file, policy = stated[0]
    for file, other in stated[1:]:
        if other != policy:
            return policy, Issue(
                "",
                None,
                None,
                f"{first_file} and {file} state different rules (Functions or Policy sheets): "
                "keep the rules in one workbook",
                file,
            )
    return policy, None
