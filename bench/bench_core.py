"""Times the core on generated plans: import, build, solve, export, end to end.

    uv run python bench/bench_core.py [SIZES...]      (default 50 500 1000 5000 10000 20000 50000)

Each figure is the median of several runs in one process. "bare" is HiGHS
solving the very same LP passed as arrays (the floor to aim at). "peak" is
the peak resident memory of a fresh process that imports the plan, solves it
and exports the result once.
"""

from __future__ import annotations

import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import highspy
import xlsxwriter

from models.export import write_result
from models.workbook import read_plan
from planner.lp import LinearProgram
from planner.model import build_problem
from planner.solve import solve
from planner.solvers import IPM_COLUMNS, SolverName, run

FUNCTIONS = [
    ("HR", "internal"),
    ("IT", "internal"),
    ("Internal comms", "internal"),
    ("Customer service", "customer"),
    ("Product", "customer"),
    ("Loyalty", "customer"),
    ("Acquisition", "customer"),
    ("Training", "internal"),
]


def write_plan(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Budget")
    sheet.write_row(0, 0, ["Line", "Function", "Kind", "Current", "Floor", "Cap", "Weight", "Max change"])
    total = 0.0
    for i in range(n):
        function, kind = FUNCTIONS[i % len(FUNCTIONS)]
        current = round(rng.uniform(20_000, 2_000_000), -2)
        total += current
        row = [
            f"Line {i}",
            function,
            kind,
            current,
            current * 0.5 if rng.random() < 0.2 else None,
            current * 1.6 if rng.random() < 0.3 else None,
            round(rng.uniform(0.5, 1.6), 2),
            0.2 if rng.random() < 0.3 else None,
        ]
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(i + 1, c, value)
    functions = book.add_worksheet("Functions")
    functions.write_row(0, 0, ["Function", "Floor", "Cap"])
    functions.write_row(1, 0, ["HR", total * 0.06])
    functions.write_row(2, 0, ["IT", "12%"])
    functions.write_row(3, 0, ["Internal comms", "95% of current"])
    functions.write_row(4, 0, ["Acquisition", None, "20%"])
    policy = book.add_worksheet("Policy")
    for r, row in enumerate(
        [
            ["Setting", "Value"],
            ["Total budget", total * 1.03],
            ["Internal share min", "30%"],
            ["Max change", "40%"],
            ["Ratio", "Customer service >= 0.6 x Acquisition"],
        ]
    ):
        policy.write_row(r, 0, row)
    book.close()


def bare_highs(lp: LinearProgram) -> float:
    again = highspy.Highs()
    again.setOptionValue("output_flag", False)
    again.setOptionValue("presolve", "off")
    again.setOptionValue("solver", "ipm" if lp.num_cols >= IPM_COLUMNS else "simplex")
    again.passModel(lp.to_highs())
    started = time.perf_counter()
    again.run()
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    return statistics.median(values)


def bench(n: int, repeats: int) -> None:
    folder = Path(tempfile.mkdtemp())
    path = folder / f"plan{n}.xlsx"
    write_plan(path, n)
    t = {k: [] for k in ("import", "build", "solve", "bare", "solve_api", "export", "end")}
    for _ in range(repeats):
        s = time.perf_counter()
        report = read_plan(path)
        t["import"].append(time.perf_counter() - s)
        plan = report.plan
        assert plan is not None, report.issues[:3]
        s = time.perf_counter()
        model = build_problem(plan)
        t["build"].append(time.perf_counter() - s)
        s = time.perf_counter()
        outcome = run(model.prob, SolverName.HIGHS)
        t["solve"].append(time.perf_counter() - s)
        t["bare"].append(bare_highs(model.prob))
        s = time.perf_counter()
        result = solve(plan)
        t["solve_api"].append(time.perf_counter() - s)
        s = time.perf_counter()
        write_result(folder / "out.xlsx", plan, result)
        t["export"].append(time.perf_counter() - s)
        s = time.perf_counter()
        plan2 = read_plan(path).plan
        assert plan2 is not None
        write_result(folder / "out2.xlsx", plan2, solve(plan2))
        t["end"].append(time.perf_counter() - s)
    m = {k: median(v) for k, v in t.items()}
    print(
        f"{n:>6} lines  import {m['import']:.3f}  build {m['build']:.3f}  solve {m['solve']:.3f}  "
        f"bare-highs {m['bare']:.3f}  (build+solve)/bare {(m['build'] + m['solve']) / m['bare']:.1f}x  "
        f"solve() {m['solve_api']:.3f} [{result.status}, gap {result.optimality_gap:.1e}]  "
        f"export {m['export']:.3f}  end-to-end {m['end']:.3f} s   ({outcome.status})"
    )


def end_to_end_once(path: Path) -> None:
    """One import, solve and export in this process; prints seconds and peak memory."""
    started = time.perf_counter()
    plan = read_plan(path).plan
    assert plan is not None
    result = solve(plan)
    write_result(path.with_name("once.xlsx"), plan, result)
    seconds = time.perf_counter() - started
    print(f"{seconds:.3f} {peak_rss_mb():.0f} {result.status}")


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_memory(n: int) -> None:
    folder = Path(tempfile.mkdtemp())
    path = folder / f"plan{n}.xlsx"
    write_plan(path, n)
    done = subprocess.run(
        [sys.executable, __file__, "--once", str(path)], capture_output=True, text=True, check=True
    )
    seconds, peak, status = done.stdout.split()
    print(f"{n:>6} lines  fresh process: end-to-end {float(seconds):.3f} s, peak memory {peak} MB ({status})")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--once"]:
        end_to_end_once(Path(sys.argv[2]))
        sys.exit(0)
    sizes = [int(a) for a in sys.argv[1:]] or [50, 500, 1000, 5000, 10000, 20000, 50000]
    solve(read_plan(Path(__file__).resolve().parent.parent / "sample_data" / "sample_plan.xlsx").plan)  # type: ignore[arg-type]
    for size in sizes:
        bench(size, 5 if size <= 5000 else 3)
    for size in sizes:
        peak_memory(size)
