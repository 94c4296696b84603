"""The balance frontier on generated plans, against a plain solve of the same plan.

    uv run python bench/bench_frontier.py [LINES...] [--points N] [--repeats R]
    (default 1000 5000 lines, 5 points)

For each size, in one process after start-up: the median time of a plain
solve of the plan (the warm baseline, the window and the command line have
it already), the median time of the whole frontier (the range of shares and
every point) and so the time per point as a ratio to that solve, the
longest wait between two progress reports (the first one counted from the
start), and the peak resident memory of a fresh process that imports and
solves the plan, against one that imports and solves it and then computes the
frontier. 50,000 lines take minutes in all: run that size on its own.

Measured on a 2-core machine, 5 points (6 with the plan's own share):

    5,000 lines: solve 0.092 s; frontier 0.267 s = 0.48 solves a point; longest
                 wait for progress 0.157 s; peak 73 MB solving, 77 MB with the frontier
    50,000 lines: solve 1.057 s; frontier 4.3 s = 0.68 solves a point; longest
                 wait for progress 2.0 s; peak 282 MB solving, 294 MB with the frontier

Before the model was split (the range of shares found by the dual simplex on
the model with four times finer curves, 645,000 columns at 50,000 lines):
5,000 lines 1.38 s = 2.4 solves a point, peak 110 MB; 50,000 lines 174 s, of
which 157 s in the first solve of the range search with no progress shown, about
23 solves a point, and 947 MB at the end in the process that had solved the plan.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import peak_rss_mb, write_plan

from models.workbook import read_plan
from planner.insight import balance_frontier
from planner.solve import solve


def once(path: Path, points: int, frontier: bool) -> None:
    """In a fresh process: import, solve and (with ``frontier``) the frontier; prints the peak memory."""
    plan = read_plan(path).plan
    assert plan is not None
    result = solve(plan)
    if frontier:
        balance_frontier(plan, points, result=result)
    print(f"{peak_rss_mb():.0f}")


def reported(times: list[float], _done: float, _text: str) -> None:
    times.append(time.perf_counter())


def fresh_peak(path: Path, points: int, frontier: bool) -> float:
    command = [sys.executable, __file__, "--once", str(path), str(points), "1" if frontier else "0"]
    return float(subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()[-1])


def bench(lines: int, points: int, repeats: int) -> None:
    path = Path(tempfile.mkdtemp()) / f"plan{lines}.xlsx"
    write_plan(path, lines)
    plan = read_plan(path).plan
    assert plan is not None
    solve_times, frontier_times, waits = [], [], []
    result = solve(plan)
    for _ in range(repeats):
        started = time.perf_counter()
        result = solve(plan)
        solve_times.append(time.perf_counter() - started)
        reports = [time.perf_counter()]
        frontier = balance_frontier(plan, points, result=result, progress=partial(reported, reports))
        frontier_times.append(time.perf_counter() - reports[0])
        waits.append(max(b - a for a, b in itertools.pairwise(reports)))
    solved, whole = statistics.median(solve_times), statistics.median(frontier_times)
    count = len(frontier.points)
    optimal = sum(p.status == "optimal" for p in frontier.points)
    print(
        f"{lines:>6} lines: solve {solved:.3f} s; frontier of {count} points ({optimal} optimal) "
        f"{whole:.3f} s = {whole / count:.3f} s a point = {whole / count / solved:.2f} solves a point; "
        f"longest wait for progress {statistics.median(waits):.3f} s (median of {repeats})",
        flush=True,
    )
    alone, with_frontier = fresh_peak(path, points, False), fresh_peak(path, points, True)
    print(
        f"{lines:>6} lines: peak memory of a fresh process, import and solve {alone:.0f} MB, "
        f"with the frontier {with_frontier:.0f} MB",
        flush=True,
    )


def main() -> None:
    if sys.argv[1:2] == ["--once"]:
        once(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1")
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("lines", nargs="*", type=int, default=[1000, 5000])
    parser.add_argument("--points", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sample = Path(__file__).resolve().parent.parent / "sample_data" / "sample_plan.xlsx"
    warm = read_plan(sample).plan
    assert warm is not None
    balance_frontier(warm, 3, result=solve(warm))
    for lines in args.lines:
        bench(lines, args.points, args.repeats)


if __name__ == "__main__":
    main()
