"""The command line: ``fulcrum solve PLAN.xlsx [--out RESULT.xlsx] [--json]``.

Exit status: 0 for an optimal plan, 1 for an infeasible one, 2 for bad
input, 3 when the solver fails or runs out of time or the output cannot be
written.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from models.domain import Objective, Plan, normalise_name
from models.export import ExportError, write_result
from models.issues import Issue
from models.result import Result, Status
from models.workbook import ImportReport, read_plan
from planner.solve import solve
from planner.solvers import SolverName

__all__ = ["EXIT_CODES", "main", "result_json"]

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
                    "rule": f.rule_id,
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
                "rule": r.rule_id,
                "type": r.family,
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
        "solver": result.solver,
        "solve_seconds": round(result.solve_seconds, 6),
        "message": result.message,
    }


def _print_issues(issues: Sequence[Issue], source: str, out: TextIO) -> None:
    print(f"{source}: the plan cannot be read ({len(issues)} problem{'s' * (len(issues) != 1)}):", file=out)
    for issue in issues:
        print(f"  - {issue}", file=out)


def _fmt(value: float) -> str:
    return f"{value:,.0f}"


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
            f"{line.name:<{width}}  {line.function:<{fwidth}}  {_fmt(line.current):>14}  {_fmt(x):>14}  "
            f"{_fmt(x - line.current):>13}  {pct:>7}  {result.line_binding.get(line.name, '')}",
            file=out,
        )
    print("", file=out)
    current = plan.function_current()
    print(f"{'Function':<{fwidth}}  {'Current':>14}  {'Allocated':>14}", file=out)
    for function, total in result.totals.items():
        print(
            f"{function:<{fwidth}}  {_fmt(current.get(normalise_name(function), 0.0)):>14}  "
            f"{_fmt(total):>14}",
            file=out,
        )
    share = result.internal_share
    print("", file=out)
    print(
        f"Budget {_fmt(plan.budget)}, allocated {_fmt(sum(result.allocation.values()))}"
        + (f", internal share {share * 100:.1f}%" if share is not None else ""),
        file=out,
    )
    impact = result.impact
    print(
        f"Impact: customer {_fmt(impact.customer)}, internal {_fmt(impact.internal)}, "
        f"total {_fmt(impact.total)}",
        file=out,
    )
    if result.binding:
        print("Binding rules (impact per unit loosened):", file=out)
        for rule in result.binding:
            print(f"  - {rule.description}: {rule.shadow_price:.4f}", file=out)


def _solve_command(args: argparse.Namespace) -> int:
    report = read_plan(args.plan)
    if not report.ok or report.plan is None:
        result = Result(
            Status.INVALID_INPUT, issues=report.issues, message="The workbook has problems to fix"
        )
        if args.json:
            print(json.dumps(result_json(result, report)))
        else:
            _print_issues(report.issues, args.plan, sys.stderr)
        return EXIT_CODES[Status.INVALID_INPUT]
    plan = report.plan
    objective = Objective(args.objective) if args.objective else None
    result = solve(plan, objective=objective, solver=SolverName(args.solver), time_limit=args.time_limit)
    code = EXIT_CODES[result.status]
    if args.out:
        try:
            write_result(args.out, plan, result)
        except ExportError as error:
            print(f"Export failed: {error}", file=sys.stderr)
            code = 3
    if args.json:
        print(json.dumps(result_json(result, report)))
    else:
        _print_summary(plan, result, sys.stdout)
        if args.out and code != 3:
            print(f"Written to {args.out}", file=sys.stdout)
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
    solve_cmd.add_argument("plan", metavar="PLAN.xlsx")
    solve_cmd.add_argument("--out", metavar="RESULT.xlsx", help="write the result workbook here")
    solve_cmd.add_argument("--json", action="store_true", help="print the result as one JSON object")
    solve_cmd.add_argument(
        "--objective", choices=[o.value for o in Objective], help="override the plan's objective"
    )
    solve_cmd.add_argument("--solver", choices=[s.value for s in SolverName], default=SolverName.HIGHS.value)
    solve_cmd.add_argument("--time-limit", type=float, default=120.0, metavar="SECONDS")
    solve_cmd.set_defaults(handler=_solve_command)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser().print_help()
        return 0
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
