"""The balance frontier: 21 points on a generated plan (default 1,000 lines).

    uv run python bench/bench_frontier.py [LINES] [POINTS]

Median of 5 runs, in one process after start-up; the plan's own solve is
done once beforehand and not counted (the window and the command line have
it already).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import write_plan

from models.workbook import read_plan
from planner.insight import balance_frontier, price_of_balance
from planner.solve import solve


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    points = int(sys.argv[2]) if len(sys.argv) > 2 else 21
    path = Path(tempfile.mkdtemp()) / f"plan{lines}.xlsx"
    write_plan(path, lines)
    plan = read_plan(path).plan
    assert plan is not None
    result = solve(plan)
    frontier_times, price_times = [], []
    for _ in range(5):
        started = time.perf_counter()
        frontier = balance_frontier(plan, points, result=result)
        frontier_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        price_of_balance(plan, result)
        price_times.append(time.perf_counter() - started)
    optimal = sum(p.status == "optimal" for p in frontier.points)
    print(
        f"{lines} lines: frontier of {len(frontier.points)} points ({optimal} optimal) in "
        f"{statistics.median(frontier_times):.3f} s (median of 5); price of balance in "
        f"{statistics.median(price_times):.3f} s"
    )


if __name__ == "__main__":
    main()
