"""The command line.

    fulcrum solve PLAN.xlsx [--out RESULT.xlsx] [--json] [--objective ...] [--mapping MAPPING.toml]
    fulcrum inspect PLAN.xlsx [--mapping MAPPING.toml] [--save-mapping MAPPING.toml] [--json]
    fulcrum compare A.xlsx B.xlsx [...] [--out COMPARE.xlsx] [--json]
    fulcrum project FILE.fulcrum [--list] [--export NAME --out X.xlsx]
    fulcrum solve PLAN.xlsx... --replace DEPT.xlsx [--replace ...]
    fulcrum project FILE.fulcrum --replace DEPT.xlsx [--replace ...]

Exit status: 0 for an optimal plan, 1 for an infeasible one, 2 for bad
input (an output that names one of the input files included), 3 when the
solver fails or runs out of time, the output cannot be written (a full
disk, a pipe closed early), or anything else goes wrong; never a traceback.
Control characters in what is printed are shown escaped (``\x1b``).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from models.compare import Compared, Comparison, compare
from models.consolidate import read_plans, workbooks_in
from models.domain import Objective, Plan, function_key
from models.export import ExportError, refuse_sources, write_comparison, write_frontier, write_result
from models.formats import money, percent
from models.insight import BalanceWarning, Frontier, PriceOfBalance, balance_check
from models.issues import Issue
from models.mapping import PERIOD, ImportMapping, MappingError, SheetStatus, pinned
from models.project import LockError, Project, ProjectError, ProjectLock, open_project, save_project
from models.resubmit import Resubmission, replace_department
from models.result import Result, Sensitivity, Status
from models.schema import LINE_FIELDS, plan_json
from models.sheet_rows import unit_words
from models.workbook import ImportReport
from planner.insight import balance_frontier, price_of_balance
from planner.solve import solve
from planner.solvers import SolverName

__all__ = ["EXIT_CODES", "main", "result_json"]

LABELS = {f.attr: f.label for f in LINE_FIELDS}
EXIT_CODES = {
    Status.OPTIMAL: 0,
    Status.INFEASIBLE: 1,
    Status.INVALID_INPUT: 2,
    Status.TIME_LIMIT: 3,
    Status.ERROR: 3,
}


def _number(value: float) -> float:
    rounded = round(value, 6)
    return 0.0 if rounded == 0 or not math.isfinite(rounded) else rounded


def result_json(result: Result, report: ImportReport | None = None) -> dict[str, Any]:
    """The result as one JSON-ready object (``solve --json``)."""
    optimal = result.is_optimal
    explanation = None
    if result.explanation is not None:
        explanation = {
            "text": result.explanation.text,
            "fixes": [
                {
                    "rule": str(f.key),
                    "subject": f.subject,
                    "current": f.current,
                    "proposed": f.proposed,
                    "text": f.text,
                    "line_floors": dict(f.line_floors),
                }
                for f in result.explanation.fixes
            ],
        }
    return {
        "status": result.status.value,
        "allocation": {k: _number(v) for k, v in result.allocation.items()} if optimal else {},
        "totals": {
            "functions": {k: _number(v) for k, v in result.totals.items()},
            "kinds": {k: _number(v) for k, v in result.kind_totals.items()},
        }
        if optimal
        else {},
        "impact": {k: _number(v) for k, v in result.impact.to_json().items()} if optimal else {},
        "internal_share": result.internal_share if optimal else None,
        "binding": [
            {
                "rule": str(r.key),
                "type": r.family.value,
                "description": r.description,
                "shadow_price": _number(r.shadow_price),
                "limit": _number(r.limit),
            }
            for r in result.binding
        ],
        "line_binding": dict(result.line_binding),
        "explanation": explanation,
        "issues": [i.to_json() for i in result.issues],
        "notes": list(report.notes) if report else [],
        "plan": plan_json(report.plan) if report is not None and report.plan is not None else None,
        "solver": result.solver,
        "solve_seconds": round(result.solve_seconds, 6),
        "message": result.message,
        "sensitivity": sensitivity_json(result.sensitivity) if optimal else None,
    }


def _range(value: float | None) -> float | None:
    """An allowable increase or decrease: null in JSON where nothing limits it."""
    return None if value is None else _number(value)


def sensitivity_json(sensitivity: Sensitivity | None) -> dict[str, Any] | None:
    """The sensitivity report (max-impact optima) as JSON: lines, rules, budget price, gap."""
    if sensitivity is None:
        return None
    return {
        "lines": [
            {"name": item.name, "reduced_cost": _number(item.reduced_cost), "bound": item.bound}
            for item in sensitivity.lines
        ],
        "rules": [
            {
                "rule": str(item.key),
                "shadow_price": _number(item.shadow_price),
                "unique": item.unique,
                "allowable_increase": _range(item.allowable_increase),
                "allowable_decrease": _range(item.allowable_decrease),
            }
            for item in sensitivity.rules
        ],
        "budget_price": _number(sensitivity.budget_price),
        "gap": sensitivity.gap,
    }


def _print_issues(issues: Sequence[Issue], source: str, out: TextIO) -> None:
    print(f"{source}: the plan cannot be read ({len(issues)} problem{'s' * (len(issues) != 1)}):", file=out)
    for issue in issues:
        print(f"  - {issue}", file=out)


def _print_summary(plan: Plan, result: Result, out: TextIO) -> None:
    print(f"{plan.name}: {result.status.value} ({result.solver}, {result.solve_seconds:.3f} s)", file=out)
    if result.explanation is not None:
        print(result.explanation.text, file=out)
    if not result.is_optimal:
        if result.message and result.explanation is None:
            print(result.message, file=out)
        return
    width = max([len(line.name) for line in plan.lines] + [4])
    fwidth = max([len(line.function) for line in plan.lines] + [8])
    header = (
        f"{'Line':<{width}}  {'Function':<{fwidth}}  {'Current':>14}  {'Allocated':>14}  "
        f"{'Change':>13}  {'Chg %':>7}  Binding"
    )
    print(header, file=out)
    print("-" * len(header), file=out)
    for line in plan.lines:
        x = result.allocation[line.name]
        pct = f"{(x - line.current) / line.current * 100:+.1f}%" if line.current else ""
        print(
            f"{line.name:<{width}}  {line.function:<{fwidth}}  {money(line.current):>14}  {money(x):>14}  "
            f"{money(x - line.current):>13}  {pct:>7}  {result.line_binding.get(line.name, '')}",
            file=out,
        )
    print("", file=out)
    current = plan.function_current()
    print(f"{'Function':<{fwidth}}  {'Current':>14}  {'Allocated':>14}", file=out)
    for function, total in result.totals.items():
        print(
            f"{function:<{fwidth}}  {money(current.get(function_key(function), 0.0)):>14}  "
            f"{money(total):>14}",
            file=out,
        )
    share = result.internal_share
    print("", file=out)
    print(
        f"Budget {money(plan.budget)}, allocated {money(sum(result.allocation.values()))}"
        + (f", internal share {percent(share)}" if share is not None else ""),
        file=out,
    )
    impact = result.impact
    print(
        f"Impact: customer {money(impact.customer)}, internal {money(impact.internal)}, "
        f"total {money(impact.total)}",
        file=out,
    )
    if result.binding:
        print("Binding rules (impact per unit loosened):", file=out)
        for rule in result.binding:
            print(f"  - {rule.description}: {rule.shadow_price:.4f}", file=out)


def _print_reading(report: ImportReport, out: TextIO) -> None:
    """Where the lines were read from, and what the reader settled that the user should check."""
    read = [sheet for sheet in report.layout.sheets if sheet.status == SheetStatus.LINES and sheet.lines]
    files = {sheet.file for sheet in read}
    for sheet in read:
        where = f"{sheet.file}, " if len(files) > 1 else ""
        hidden = " (a hidden sheet)" if sheet.hidden else ""
        print(f"Read {sheet.lines:,} lines from {where}sheet {sheet.sheet!r}{hidden}", file=out)
    for question in report.layout.questions:
        print(f"Check: {question}", file=out)


def _solve_command(args: argparse.Namespace) -> int:
    sources = _sources(args.plan, args.replace, [args.mapping])
    if not _output_allowed(args.out, sources, args.json):
        return EXIT_CODES[Status.INVALID_INPUT]
    plan, report = _read_or_report(args.plan, args.json, args.mapping)
    if plan is not None and args.replace:
        plan, report = _replaced_or_report(plan, report, args.replace, args.json)
    if plan is None:
        return EXIT_CODES[Status.INVALID_INPUT]
    objective = Objective(args.objective) if args.objective else None
    result = solve(plan, objective=objective, solver=SolverName(args.solver), time_limit=args.time_limit)
    code = EXIT_CODES[result.status]
    price = (
        price_of_balance(plan, result, objective=objective, solver=SolverName(args.solver))
        if result.is_optimal
        else None
    )
    warnings = balance_check(plan, result)
    if args.out and not _exported(
        lambda: write_result(args.out, plan, result, price=price, warnings=warnings, sources=sources)
    ):
        code = 3
    if args.json:
        data = result_json(result, report)
        data["price_of_balance"] = price_json(price)
        data["warnings"] = warnings_json(warnings)
        print(json.dumps(data))
    else:
        _print_reading(report, sys.stderr)
        _print_summary(plan, result, sys.stdout)
        if price is not None:
            print(
                f"Price of balance: customers give up {money(price.price)} impact to keep "
                f"{', '.join(price.relaxed) or 'the balance rules'}",
                file=sys.stdout,
            )
        for warning in warnings:
            print(f"Warning: {warning.message}", file=sys.stdout)
        if args.out and code != 3:
            print(f"Written to {args.out}", file=sys.stdout)
    return code


def price_json(price: PriceOfBalance | None) -> dict[str, Any] | None:
    if price is None:
        return None
    return {
        "customer_impact_with": _number(price.customer_with),
        "customer_impact_without": _number(price.customer_without),
        "price": _number(price.price),
        "total_impact_with": _number(price.total_with),
        "total_impact_without": _number(price.total_without),
        "relaxed": list(price.relaxed),
        "floors": [
            {
                "function": f.function,
                "floor": _number(f.floor),
                "shadow_price": _number(f.shadow_price),
                "range": [_number(f.range_low), None if math.isinf(f.range_high) else _number(f.range_high)],
                "method": f.method,
            }
            for f in price.floors
        ],
    }


def warnings_json(warnings: Sequence[BalanceWarning]) -> list[dict[str, Any]]:
    return [{"code": w.code, "message": w.message, "lines": list(w.lines)} for w in warnings]


def frontier_json(frontier: Frontier) -> dict[str, Any]:
    return {
        "points": [
            {
                "internal_share": _number(p.internal_share),
                "status": p.status,
                "impact": {k: _number(v) for k, v in p.impact.to_json().items()},
            }
            for p in frontier.points
        ],
        "knee": frontier.knee,
        "plan_share": frontier.plan_share,
        "share_min": frontier.share_min,
        "share_max": frontier.share_max,
    }


def _frontier_command(args: argparse.Namespace) -> int:
    sources = _sources(args.plan, [args.mapping])
    if not _output_allowed(args.out, sources, args.json):
        return EXIT_CODES[Status.INVALID_INPUT]
    plan, _report = _read_or_report(args.plan, args.json, args.mapping)
    if plan is None:
        return EXIT_CODES[Status.INVALID_INPUT]
    frontier = balance_frontier(plan, args.points)
    code = 0 if frontier.points else EXIT_CODES[Status.INFEASIBLE]
    if args.out and not _exported(lambda: write_frontier(args.out, plan, frontier, sources=sources)):
        code = 3
    if args.json:
        print(json.dumps(frontier_json(frontier)))
        return code
    if not frontier.points:
        print("No internal share is feasible: the plan's other rules cannot all hold.")
        return code
    print(f"{'Internal share':>15} {'Customer impact':>18} {'Internal impact':>18} {'Total impact':>18}")
    for point in frontier.points:
        mark = (
            "  <- knee"
            if frontier.knee is not None and abs(point.internal_share - frontier.knee) < 1e-12
            else ""
        )
        impact = point.impact
        print(
            f"{point.internal_share * 100:>14.2f}% {impact.customer:>18,.0f} {impact.internal:>18,.0f} "
            f"{impact.total:>18,.0f}{mark}"
        )
    if frontier.plan_share is not None:
        print(f"The plan's own allocation: internal share {frontier.plan_share * 100:.2f}%")
    if args.out and code == 0:
        print(f"Written to {args.out}")
    return code


def _mapping(path: str | None) -> ImportMapping:
    """The import mapping a ``--mapping`` file gives (none: the reader's own choices)."""
    return ImportMapping() if path is None else ImportMapping.load(path)


def _read_or_report(
    paths: Sequence[str], as_json: bool, mapping: str | None = None, **extra: object
) -> tuple[Plan | None, ImportReport]:
    """The plan in ``paths`` (one workbook, or several consolidated), or None after printing its problems.

    Problems are printed as JSON with ``extra``, or readably. ``mapping`` is
    an import mapping file (``--mapping``).
    """
    try:
        chosen = _mapping(mapping)
    except MappingError as error:
        report = ImportReport(Path(mapping or ""), None, (Issue("", None, None, str(error)),))
        failed = Result(
            Status.INVALID_INPUT, issues=report.issues, message="The import mapping cannot be used"
        )
        if as_json:
            print(json.dumps({**extra, **result_json(failed, report)}))
        else:
            print(f"error: {error}", file=sys.stderr)
        return None, report
    report = read_plans(paths, mapping=chosen)
    path = ", ".join(paths)
    if report.ok and report.plan is not None:
        return report.plan, report
    failed = Result(Status.INVALID_INPUT, issues=report.issues, message="The workbook has problems to fix")
    if as_json:
        print(json.dumps({**extra, **result_json(failed, report)}))
    else:
        _print_issues(report.issues, path, sys.stderr)
    return None, report


def _print_refusal(outcome: Resubmission, out: TextIO) -> None:
    count = len(outcome.issues)
    print(f"{outcome.path}: replaces no lines ({count} problem{'s' * (count != 1)}):", file=out)
    for issue in outcome.issues:
        print(f"  - {issue}", file=out)


def _replaced_or_report(
    plan: Plan, report: ImportReport, workbooks: Sequence[str], as_json: bool
) -> tuple[Plan | None, ImportReport]:
    """``plan`` with each department's lines replaced by its resubmitted workbook, in order.

    The notes (lines replaced, added, removed, changed) are printed, or
    added to the JSON's; a workbook refused is printed as bad input and
    gives None.
    """
    notes = list(report.notes)
    for workbook in workbooks:
        outcome = replace_department(plan, workbook)
        notes.extend(outcome.notes)
        if outcome.plan is None:
            refused = replace(report, plan=None, issues=outcome.issues, notes=tuple(notes))
            if as_json:
                failed = Result(Status.INVALID_INPUT, issues=outcome.issues, message=outcome.notes[0])
                print(json.dumps(result_json(failed, refused)))
            else:
                _print_refusal(outcome, sys.stderr)
            return None, refused
        plan = outcome.plan
        if not as_json:
            for note in outcome.notes:
                print(note, file=sys.stdout)
    if not as_json:
        print("", file=sys.stdout)
    return plan, replace(report, plan=plan, notes=tuple(notes))


def _replace_in_project(path: Path, project: Project, workbooks: Sequence[str], as_json: bool) -> int:
    """Replace departments' lines in a project's plan and save the project; its scenarios are kept.

    Exit status 0 when saved (or nothing changed), 2 when a workbook is
    refused or the project is open in a window, 3 when it cannot be saved.
    """

    def said(status: str, notes: Sequence[str], issues: Sequence[Issue] = ()) -> None:
        if as_json:
            data = {"project": str(path), "status": status, "notes": list(notes)}
            print(json.dumps({**data, "issues": [issue.to_json() for issue in issues]}))
        else:
            for note in notes:
                print(note, file=sys.stdout)

    lock = ProjectLock(path)
    try:
        other = lock.acquire()
    except LockError as error:
        print(
            f"{path.name} cannot be locked for the change: {error.strerror}; it is unchanged", file=sys.stderr
        )
        return 3
    if other is not None:
        print(
            f"{path.name} is open in a Fulcrum window (process {other.get('pid')} on {other.get('host')}): "
            "replace the lines in that window, or close it and try again; the project is unchanged",
            file=sys.stderr,
        )
        return 2
    try:
        plan = project.plan
        notes: list[str] = []
        for workbook in workbooks:
            outcome = replace_department(plan, workbook)
            notes.extend(outcome.notes)
            if outcome.plan is None:
                said("invalid-input", notes, outcome.issues)
                if not as_json:
                    _print_refusal(outcome, sys.stderr)
                    print(f"{path.name} is unchanged", file=sys.stderr)
                return 2
            plan = outcome.plan
        if plan == project.plan:
            said("unchanged", [*notes, f"{path.name} is unchanged: the workbooks change none of its lines"])
            return 0
        try:
            target = save_project(path, replace(project, plan=plan))
        except ProjectError as error:
            said("error", notes)
            print(f"Cannot save the project: {error}", file=sys.stderr)
            return 3
    finally:
        lock.release()
    kept = len(project.scenarios)
    said("replaced", [*notes, f"Saved {target} ({kept} scenario{'s' * (kept != 1)} kept as they were)"])
    return 0


def _exported(write: Callable[[], object]) -> bool:
    """Run an export; an export that fails is a message on standard error."""
    try:
        write()
    except ExportError as error:
        print(f"Export failed: {error}", file=sys.stderr)
        return False
    except OSError as error:  # a file written directly (an import mapping): a full disk, no permission
        where = f"{error.filename}: " if error.filename else ""
        print(f"Export failed: {where}cannot be written ({error.strerror or error})", file=sys.stderr)
        return False
    return True


def _sources(*groups: Iterable[str | None]) -> list[Path]:
    """The files a command reads: the workbooks named (a folder: its workbooks), mappings, projects."""
    named = [Path(item) for group in groups for item in group if item]
    return [*named, *workbooks_in([p for p in named if p.is_dir()])]


def _output_allowed(out: str | None, sources: Sequence[Path], as_json: bool = False) -> bool:
    """Whether ``out`` may be written: not one of the files read (said on standard error, and as JSON)."""
    if not out:
        return True
    try:
        refuse_sources(out, sources)
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        if as_json:
            issue = Issue("", None, None, str(error))
            print(json.dumps(result_json(Result(Status.INVALID_INPUT, issues=(issue,), message=str(error)))))
        return False
    return True


def _compare_command(args: argparse.Namespace) -> int:
    sources = _sources(args.plans)
    if not _output_allowed(args.out, sources, args.json):
        return EXIT_CODES[Status.INVALID_INPUT]
    items: list[Compared] = []
    names: set[str] = set()
    for path in args.plans:
        plan, _report = _read_or_report([path], args.json, file=path)
        if plan is None:
            return EXIT_CODES[Status.INVALID_INPUT]
        name, n = Path(path).stem, 2
        while name in names:
            name, n = f"{Path(path).stem} ({n})", n + 1
        names.add(name)
        items.append(Compared(name, plan, solve(plan, solver=SolverName(args.solver))))
    comparison = compare(items)
    code = 0
    if args.out and not _exported(lambda: write_comparison(args.out, items, comparison, sources=sources)):
        code = 3
    if args.json:
        print(json.dumps({"scenarios": [_scenario_json(item) for item in items]}))
    else:
        _print_comparison(comparison, sys.stdout)
        if args.out and code == 0:
            print(f"Written to {args.out}")
    return code


def _scenario_json(item: Compared) -> dict[str, Any]:
    data = result_json(item.result)
    return {
        "name": item.name,
        "status": data["status"],
        "impact": data["impact"],
        "totals": data["totals"],
        "allocation": data["allocation"],
    }


def _print_comparison(comparison: Comparison, out: TextIO) -> None:
    width = max(14, *(len(n) for n in comparison.names))
    out.write(f"{'':<28}" + "".join(f"{n:>{width + 2}}" for n in comparison.names) + "\n")
    out.write(f"{'Status':<28}" + "".join(f"{s:>{width + 2}}" for s in comparison.statuses) + "\n")

    def money_or_dash(value: float | None) -> str:
        return "-" if value is None else money(value)

    for row in (*comparison.figures, *comparison.functions):
        out.write(
            f"{row.label[:28]:<28}" + "".join(f"{money_or_dash(v):>{width + 2}}" for v in row.values) + "\n"
        )
    shares = ["-" if v is None else percent(v) for v in comparison.shares.values]
    out.write(f"{'Internal share':<28}" + "".join(f"{s:>{width + 2}}" for s in shares) + "\n")


def _project_command(args: argparse.Namespace) -> int:
    sources = _sources([args.project], args.replace)
    if args.export and not _output_allowed(args.out, sources, args.json):
        return EXIT_CODES[Status.INVALID_INPUT]
    try:
        project = open_project(args.project)
    except ProjectError as error:
        print(f"Cannot open the project: {error}", file=sys.stderr)
        return 2
    if args.replace:
        return _replace_in_project(Path(args.project), project, args.replace, args.json)
    if args.export:
        scenario = project.scenario(args.export)
        if scenario is None:
            known = ", ".join(repr(s.name) for s in project.scenarios) or "none"
            print(f"No scenario named {args.export!r}; the scenarios are: {known}", file=sys.stderr)
            return 2
        if not args.out:
            print("--export needs --out FILE.xlsx", file=sys.stderr)
            return 2
        result = scenario.result if scenario.result is not None else solve(scenario.plan)
        if not _exported(lambda: write_result(args.out, scenario.plan, result, sources=sources)):
            return 3
        print(f"Scenario {scenario.name!r} written to {args.out}")
        return 0
    if args.json:
        print(
            json.dumps(
                {
                    "scenarios": [
                        {
                            "name": s.name,
                            "parent": s.parent,
                            "approved": s.approved,
                            "created": s.created,
                            "modified": s.modified,
                            "notes": s.notes,
                            "status": None if s.result is None else s.result.status.value,
                        }
                        for s in project.scenarios
                    ]
                }
            )
        )
        return 0
    if not project.scenarios:
        print("The project has no scenarios.")
    for s in project.scenarios:
        status = "not solved" if s.result is None else s.result.status.value
        flags = " [approved]" if s.approved else ""
        parent = f", from {s.parent}" if s.parent else ""
        note = f" - {s.notes.splitlines()[0]}" if s.notes else ""
        print(f"{s.name}{flags}: {status}{parent}, modified {s.modified}{note}")
    return 0


_PLAN_HELP = "a plan workbook, or several department workbooks (or a folder of them) read as one plan"
_REPLACE_HELP = (
    "a department's resubmitted workbook: its lines replace that department's (repeatable, applied in order)"
)


_MAPPING_HELP = (
    "an import mapping (TOML): sheets to read or skip, header rows, column roles, units, "
    "function names and kinds (see `fulcrum inspect --save-mapping`)"
)


def layout_json(report: ImportReport) -> dict[str, Any]:
    """How the workbooks were read, as ``inspect --json`` prints it."""
    return {
        "sheets": [
            {
                "file": sheet.file,
                "sheet": sheet.sheet,
                "status": sheet.status,
                "reason": sheet.reason,
                "hidden": sheet.hidden,
                "header_row": sheet.header_row,
                "unit": sheet.unit,
                "lines": sheet.lines,
                "columns": [
                    {"column": c.letter, "header": c.header, "role": c.role, "hidden": c.hidden}
                    for c in sheet.columns
                ],
                "skipped": [{"row": s.row, "reason": s.reason} for s in sheet.skipped],
            }
            for sheet in report.layout.sheets
        ],
        "questions": list(report.layout.questions),
        "kinds": {function: kind.value for function, kind in report.layout.kinds.items()},
        "issues": [i.to_json() for i in report.issues],
        "notes": list(report.notes),
    }


def _inspect_command(args: argparse.Namespace) -> int:
    if not _output_allowed(args.save_mapping, _sources(args.plan, [args.mapping]), args.json):
        return EXIT_CODES[Status.INVALID_INPUT]
    try:
        chosen = _mapping(args.mapping)
    except MappingError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CODES[Status.INVALID_INPUT]
    report = read_plans(args.plan, mapping=chosen)
    code = 0 if report.ok else EXIT_CODES[Status.INVALID_INPUT]
    if args.save_mapping and not _exported(lambda: pinned(report.layout, chosen).save(args.save_mapping)):
        code = 3
    if args.json:
        print(json.dumps(layout_json(report)))
        return code
    out = sys.stdout
    for sheet in report.layout.sheets:
        where = f"{sheet.file}, sheet {sheet.sheet!r}" + (" (hidden)" if sheet.hidden else "")
        if sheet.status != SheetStatus.LINES:
            print(f"{where}: {sheet.status}: {sheet.reason}", file=out)
            continue
        unit = "" if sheet.unit == 1 else f", amounts in {unit_words(sheet.unit)}"
        header = "no header row" if sheet.header_row is None else f"header row {sheet.header_row}"
        print(f"{where}: {sheet.lines} lines, {header}{unit}", file=out)
        for c in sheet.columns:
            role = LABELS.get(c.role, "month or quarter" if c.role == PERIOD else "not used")
            print(f"  {c.letter} {c.header!r}: {role}" + (" (hidden)" if c.hidden else ""), file=out)
        for skipped in sheet.skipped:
            print(f"  row {skipped.row} skipped: {skipped.reason}", file=out)
    for question in report.layout.questions:
        print(f"Check: {question}", file=out)
    if report.issues:
        _print_issues(report.issues, ", ".join(args.plan), sys.stderr)
    elif report.plan is not None:
        total = sum(line.current for line in report.plan.lines)
        print(f"Read {len(report.plan.lines)} lines, current {money(total)}", file=out)
    if args.save_mapping and code != 3:
        print(f"Mapping written to {args.save_mapping}", file=out)
    return code


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="fulcrum",
        description=(
            "Fulcrum: split a budget between customer initiatives and the internal functions behind them."
        ),
    )
    commands = root.add_subparsers(dest="command", metavar="COMMAND")
    solve_cmd = commands.add_parser("solve", help="solve a plan workbook and show or export the allocation")
    solve_cmd.add_argument("plan", nargs="+", metavar="PLAN.xlsx", help=_PLAN_HELP)
    solve_cmd.add_argument("--out", metavar="RESULT.xlsx", help="write the result workbook here")
    solve_cmd.add_argument("--json", action="store_true", help="print the result as one JSON object")
    solve_cmd.add_argument(
        "--objective", choices=[o.value for o in Objective], help="override the plan's objective"
    )
    solve_cmd.add_argument("--solver", choices=[s.value for s in SolverName], default=SolverName.HIGHS.value)
    solve_cmd.add_argument("--time-limit", type=float, default=120.0, metavar="SECONDS")
    solve_cmd.add_argument("--mapping", metavar="MAPPING.toml", help=_MAPPING_HELP)
    solve_cmd.add_argument("--replace", action="append", default=[], metavar="DEPT.xlsx", help=_REPLACE_HELP)
    solve_cmd.set_defaults(handler=_solve_command)

    compare_cmd = commands.add_parser("compare", help="solve several plan workbooks and compare them")
    compare_cmd.add_argument("plans", nargs="+", metavar="PLAN.xlsx")
    compare_cmd.add_argument("--out", metavar="COMPARE.xlsx", help="write the comparison workbook here")
    compare_cmd.add_argument("--json", action="store_true", help="print the scenarios as one JSON object")
    compare_cmd.add_argument(
        "--solver", choices=[s.value for s in SolverName], default=SolverName.HIGHS.value
    )
    compare_cmd.set_defaults(handler=_compare_command)

    frontier_cmd = commands.add_parser("frontier", help="impact across the feasible internal shares")
    frontier_cmd.add_argument("plan", nargs="+", metavar="PLAN.xlsx", help=_PLAN_HELP)
    frontier_cmd.add_argument("--points", type=int, default=21, metavar="N", help="points on the curve (21)")
    frontier_cmd.add_argument("--out", metavar="FRONTIER.xlsx", help="write the points and a chart here")
    frontier_cmd.add_argument("--json", action="store_true", help="print the frontier as one JSON object")
    frontier_cmd.add_argument("--mapping", metavar="MAPPING.toml", help=_MAPPING_HELP)
    frontier_cmd.set_defaults(handler=_frontier_command)

    inspect_cmd = commands.add_parser(
        "inspect", help="show how workbooks are read: sheets, header rows, columns, units, skipped rows"
    )
    inspect_cmd.add_argument("plan", nargs="+", metavar="PLAN.xlsx", help=_PLAN_HELP)
    inspect_cmd.add_argument("--mapping", metavar="MAPPING.toml", help=_MAPPING_HELP)
    inspect_cmd.add_argument(
        "--save-mapping",
        metavar="MAPPING.toml",
        help="write a mapping that reads the workbooks as they were read here, to edit and reuse",
    )
    inspect_cmd.add_argument("--json", action="store_true", help="print the layout as one JSON object")
    inspect_cmd.set_defaults(handler=_inspect_command)

    project_cmd = commands.add_parser("project", help="list the scenarios of a project or export one")
    project_cmd.add_argument("project", metavar="FILE.fulcrum")
    project_cmd.add_argument("--list", action="store_true", help="list the scenarios (the default)")
    project_cmd.add_argument("--export", metavar="NAME", help="export this scenario")
    project_cmd.add_argument("--out", metavar="X.xlsx", help="where --export writes")
    project_cmd.add_argument("--json", action="store_true", help="list the scenarios as JSON")
    project_cmd.add_argument(
        "--replace",
        action="append",
        default=[],
        metavar="DEPT.xlsx",
        help=f"{_REPLACE_HELP}; the project's plan is replaced and saved, its scenarios kept",
    )
    project_cmd.set_defaults(handler=_project_command)
    return root


#: Characters a terminal would act on rather than show: controls (but a tab and a line break), bidi overrides.
_UNSHOWN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """``text`` with every character a terminal would act on written as an escape (``\\x1b``)."""
    return _UNSHOWN.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class _Shown(io.TextIOBase):
    """A text stream that writes through to another, with :func:`shown` applied."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(shown(text))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def fileno(self) -> int:
        return self.stream.fileno()

    def isatty(self) -> bool:
        return self.stream.isatty()


def _failed(args: argparse.Namespace, message: str) -> int:
    """An unexpected failure: a message on standard error (and a JSON object with ``--json``), exit 3."""
    print(f"fulcrum: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        if args.command == "solve":
            data = result_json(Result(Status.ERROR, message=message))
        else:
            data = {"status": Status.ERROR.value, "message": message}
        print(json.dumps(data))
    return EXIT_CODES[Status.ERROR]


def _quiet(stream: TextIO) -> None:
    """Send what is left of ``stream`` nowhere (its reader is gone), so exiting stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, stream.fileno())
        finally:
            os.close(devnull)
    except (OSError, ValueError):  # a stream with no file behind it
        pass


def main(argv: Sequence[str] | None = None) -> int:
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Shown(sys.stdout), _Shown(sys.stderr)
    try:
        code = _run(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _quiet(streams[0])
        print(
            "fulcrum: the output was cut short: whatever reads it stopped reading (a pipe closed early)",
            file=sys.stderr,
        )
        return EXIT_CODES[Status.ERROR]
    finally:
        sys.stdout, sys.stderr = streams


def _run(argv: Sequence[str] | None) -> int:
    args = parser().parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser().print_help()
        return 0
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        raise
    except Exception as error:  # the last line of defence: a message and exit 3, never a traceback
        return _failed(args, f"an unexpected error stopped the command ({type(error).__name__}: {error})")


if __name__ == "__main__":
    sys.exit(main())
