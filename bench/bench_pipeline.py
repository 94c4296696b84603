"""The whole pipeline against a bare one on the same workbook, side by side in one run.

    uv run python bench/bench_pipeline.py [LINES...] [--repeats R]
    (default 1000 10000 30000 lines; median of 3 runs, 1 at 30,000 lines and above)

Fulcrum: ``read_plan``, ``solve``, ``price_of_balance`` and ``write_result``,
as ``fulcrum solve PLAN --out RESULT`` runs them. Bare: python-calamine reads
the Budget, Functions and Policy sheets the generator writes (no checks),
numpy builds the same piecewise-linear LP (the plan's first grid of
breakpoints, the same rows, the same scaling), HiGHS solves it from those
arrays with the dual simplex and presolve off, and xlsxwriter writes one
column of allocations. Each stage is timed and the ratio of the two totals
printed, with the true (continuous) impact of both allocations, so a faster
pipeline that is less exact shows it.

The plan (:func:`write_balanced_plan`) has its internal floors and share
minimum binding, so the price of balance does its whole work; ``--plain``
takes bench_core's plan, where none binds and the price is a check. Measured
on a 2-core machine:

    before (price of balance: a plain solve of the plan without the rules, and
    a model built and solved from scratch for the floors' ranging)
     1,000 lines: 0.110 s against 0.056 s (price of balance 0.032 s)
    10,000 lines: 1.303 s against 0.365 s = 3.57x (solve 0.275, price 0.548)
    30,000 lines: 5.410 s against 2.323 s = 2.33x (solve 0.976, price 2.968)
    after (one model kept in HiGHS: solved, ranged, solved again from its basis)
     1,000 lines: 0.092 s against 0.024 s (price of balance 0.019 s)
    10,000 lines: 1.103 s against 0.414 s = 2.67x (solve 0.290, price 0.346)
    30,000 lines: 3.858 s against 2.269 s = 1.70x (solve 1.007, price 1.235)
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import highspy
import numpy as np
import numpy.typing as npt
import xlsxwriter
from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import FUNCTIONS, write_plan

from models.export import write_result
from models.workbook import read_plan
from planner.insight import price_of_balance
from planner.solve import solve

INTERNAL = {"hr", "it", "internal comms", "training"}
DU, MAX_SEGMENTS = 0.12, 12


@dataclass
class BarePlan:
    names: list[str]
    function: npt.NDArray[np.str_]
    current: npt.NDArray[np.float64]
    floor: npt.NDArray[np.float64]
    cap: npt.NDArray[np.float64]
    weight: npt.NDArray[np.float64]
    change: npt.NDArray[np.float64]
    function_floor: dict[str, str | float]
    function_cap: dict[str, str | float]
    policy: dict[str, str | float]


def write_balanced_plan(path: Path, n: int, seed: int = 7) -> None:
    """A plan like :func:`bench_core.write_plan` whose balance rules bind.

    Internal lines weigh less, the HR floor is above HR's current spend, the IT
    floor and the internal share minimum are higher: the best allocation
    without them moves money to customers, so the price of balance is two
    solves and the floors' ranging, not a check.
    """
    rng = random.Random(seed)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Budget")
    sheet.write_row(0, 0, ["Line", "Function", "Kind", "Current", "Floor", "Cap", "Weight", "Max change"])
    total = 0.0
    for i in range(n):
        function, kind = FUNCTIONS[i % len(FUNCTIONS)]
        current = round(rng.uniform(20_000, 2_000_000), -2)
        total += current
        weight = round(rng.uniform(0.5, 1.6) * (0.6 if kind == "internal" else 1.0), 2)
        row = [
            f"Line {i}",
            function,
            kind,
            current,
            current * 0.5 if rng.random() < 0.2 else None,
            current * 1.6 if rng.random() < 0.3 else None,
            weight,
            0.2 if rng.random() < 0.3 else None,
        ]
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(i + 1, c, value)
    functions = book.add_worksheet("Functions")
    functions.write_row(0, 0, ["Function", "Floor", "Cap"])
    functions.write_row(1, 0, ["HR", "105% of current"])
    functions.write_row(2, 0, ["IT", "13%"])
    functions.write_row(3, 0, ["Internal comms", "95% of current"])
    functions.write_row(4, 0, ["Acquisition", None, "20%"])
    policy = book.add_worksheet("Policy")
    for r, row in enumerate(
        [
            ["Setting", "Value"],
            ["Total budget", total * 1.03],
            ["Internal share min", "49%"],
            ["Max change", "40%"],
            ["Ratio", "Customer service >= 0.6 x Acquisition"],
        ]
    ):
        policy.write_row(r, 0, row)
    book.close()


def _number(value: object, default: float) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _percent(text: str | float) -> float:
    return float(str(text).split("%")[0]) / 100.0


def bare_read(path: Path) -> BarePlan:
    book = CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name("Budget").to_python()[1:]
    n = len(rows)
    column = [list(c) for c in zip(*rows, strict=True)]
    names = [str(v) for v in column[0]]
    functions = book.get_sheet_by_name("Functions").to_python()[1:]
    policy = book.get_sheet_by_name("Policy").to_python()[1:]
    return BarePlan(
        names=names,
        function=np.asarray([str(v) for v in column[1]]),
        current=np.asarray(column[3], dtype=float),
        floor=np.fromiter((_number(v, 0.0) for v in column[4]), dtype=float, count=n),
        cap=np.fromiter((_number(v, math.inf) for v in column[5]), dtype=float, count=n),
        weight=np.fromiter((_number(v, 1.0) for v in column[6]), dtype=float, count=n),
        change=np.fromiter((_number(v, math.nan) for v in column[7]), dtype=float, count=n),
        function_floor={str(r[0]): r[1] for r in functions if r[1] not in ("", None)},
        function_cap={str(r[0]): r[2] for r in functions if len(r) > 2 and r[2] not in ("", None)},
        policy={str(r[0]): r[1] for r in policy},
    )


def bare_solve(p: BarePlan) -> tuple[npt.NDArray[np.float64], float]:
    """The plan's piecewise LP from arrays, solved by HiGHS; the allocation and the solve's seconds."""
    n = len(p.names)
    budget = float(p.policy["Total budget"])
    change = np.where(np.isnan(p.change), _percent(p.policy["Max change"]), p.change)
    lo = np.maximum(p.floor, np.maximum(0.0, (1 - change) * p.current))
    hi = np.minimum(p.cap, (1 + change) * p.current)
    hi = np.minimum(hi, np.maximum(budget - (lo.sum() - lo), lo))
    half = p.current.copy()
    scale = max(budget, float(p.current.sum())) / n
    largest = float(np.max(np.abs(p.weight)))
    # Segments evenly spaced in ln(1 + x/h).
    lines = np.flatnonzero(hi > lo)
    ua, ub = np.log1p(lo[lines] / half[lines]), np.log1p(hi[lines] / half[lines])
    count = np.clip(np.ceil((ub - ua) / DU - 1e-9), 1, MAX_SEGMENTS).astype(np.int64)
    pos = np.repeat(np.arange(len(lines)), count)
    k = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    step = ((ub - ua) / count)[pos]
    owner = lines[pos]
    p0 = half[owner] * np.expm1(ua[pos] + step * k)
    p1 = half[owner] * np.expm1(ua[pos] + step * (k + 1))
    p0[k == 0] = lo[owner[k == 0]]
    last = k == count[pos] - 1
    p1[last] = hi[owner[last]]
    w, h = p.weight[owner], half[owner]
    slope = w * h * (np.log1p(p1 / h) - np.log1p(p0 / h)) / (p1 - p0)
    m = len(owner)
    cost = np.concatenate((np.zeros(n), slope / largest))
    col_lo = np.concatenate((lo / scale, np.zeros(m)))
    col_hi = np.concatenate((hi / scale, (p1 - p0) / scale))
    # Link rows: x_i - sum_k s_ik = lo_i.
    lengths = count + 1
    index = np.empty(int(lengths.sum()), dtype=np.int64)
    value = np.full(len(index), -1.0)
    heads = np.zeros(len(index), dtype=bool)
    heads[np.concatenate(([0], np.cumsum(lengths)[:-1]))] = True
    index[heads], value[heads], index[~heads] = lines, 1.0, n + np.arange(m)
    row_lo, row_hi = [lo[lines] / scale], [lo[lines] / scale]
    indexes, values, row_lengths = [index], [value], [lengths]
    internal = np.isin(np.char.lower(p.function), list(INTERNAL))
    everything = np.ones(n, dtype=bool)

    def coupling(coef: npt.NDArray[np.float64], low: float, high: float) -> None:
        used = np.flatnonzero(coef)
        indexes.append(used)
        values.append(coef[used])
        row_lengths.append(np.asarray([len(used)]))
        row_lo.append(np.asarray([low / scale]))
        row_hi.append(np.asarray([high / scale]))

    coupling(everything.astype(float), -math.inf, budget)
    for name, limit in p.function_floor.items():
        member = p.function == name
        text = str(limit)
        amount = (
            _percent(text) * p.current[member].sum()
            if "of current" in text
            else _percent(text) * budget
            if "%" in text
            else float(limit)
        )
        coupling(member.astype(float), amount, math.inf)
    for name, limit in p.function_cap.items():
        coupling((p.function == name).astype(float), -math.inf, _percent(limit) * budget)
    share = _percent(p.policy["Internal share min"])
    coupling(internal - share * everything, 0.0, math.inf)
    left, right = str(p.policy["Ratio"]).split(">=")
    ratio, other = right.split("x")
    coupling((p.function == left.strip()) - float(ratio) * (p.function == other.strip()), 0.0, math.inf)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n + m, len(np.concatenate(row_lo))
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lo, col_hi
    lp.row_lower_, lp.row_upper_ = np.concatenate(row_lo), np.concatenate(row_hi)
    lp.sense_ = highspy.ObjSense.kMaximize
    matrix = lp.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kRowwise
    matrix.start_ = np.concatenate(([0], np.cumsum(np.concatenate(row_lengths)))).astype(np.int32)
    matrix.index_ = np.concatenate(indexes).astype(np.int32)
    matrix.value_ = np.concatenate(values)
    matrix.num_col_, matrix.num_row_ = lp.num_col_, lp.num_row_
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("solver", "simplex")
    highs.setOptionValue("simplex_strategy", 1)  # dual
    highs.passModel(lp)
    started = time.perf_counter()
    highs.run()
    seconds = time.perf_counter() - started
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    x = np.asarray(highs.getSolution().col_value)[:n] * scale
    return np.minimum(np.maximum(x, lo), hi), seconds


def bare_impact(p: BarePlan, x: npt.NDArray[np.float64]) -> float:
    return float(np.sum(p.weight * p.current * np.log1p(x / p.current)))


def bare_write(path: Path, p: BarePlan, x: npt.NDArray[np.float64]) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Allocation")
    sheet.write_row(0, 0, ["Line", "Allocated"])
    sheet.write_column(1, 0, p.names)
    sheet.write_column(1, 1, x.tolist())
    book.close()


def fulcrum(path: Path, out: Path) -> tuple[dict[str, float], float, float]:
    """The four stages' seconds, the allocation's impact and the price of balance."""
    t: dict[str, float] = {}
    s = time.perf_counter()
    plan = read_plan(path).plan
    t["read"] = time.perf_counter() - s
    assert plan is not None
    s = time.perf_counter()
    result = solve(plan)
    t["solve"] = time.perf_counter() - s
    assert result.is_optimal, result.message
    s = time.perf_counter()
    price = price_of_balance(plan, result)
    t["price"] = time.perf_counter() - s
    assert price is not None
    s = time.perf_counter()
    write_result(out, plan, result, price=price)
    t["write"] = time.perf_counter() - s
    return t, result.impact.total, price.price


def bare(path: Path, out: Path) -> tuple[dict[str, float], float]:
    t: dict[str, float] = {}
    s = time.perf_counter()
    p = bare_read(path)
    t["read"] = time.perf_counter() - s
    s = time.perf_counter()
    x, highs_seconds = bare_solve(p)
    t["solve"] = time.perf_counter() - s
    t["highs"] = highs_seconds
    s = time.perf_counter()
    bare_write(out, p, x)
    t["write"] = time.perf_counter() - s
    return t, bare_impact(p, x)


def bench(lines: int, repeats: int, plain: bool) -> None:
    folder = Path(tempfile.mkdtemp())
    path = folder / f"plan{lines}.xlsx"
    (write_plan if plain else write_balanced_plan)(path, lines)
    ours: list[dict[str, float]] = []
    theirs: list[dict[str, float]] = []
    for _ in range(repeats):
        t, impact, price = fulcrum(path, folder / "fulcrum.xlsx")
        ours.append({**t, "total": sum(t.values())})
        u, bare_value = bare(path, folder / "bare.xlsx")
        theirs.append({**u, "total": u["read"] + u["solve"] + u["write"]})
    f = {k: statistics.median(r[k] for r in ours) for k in ours[0]}
    b = {k: statistics.median(r[k] for r in theirs) for k in theirs[0]}
    print(
        f"{lines:>6} lines  fulcrum {f['total']:.3f} s (read {f['read']:.3f}, solve {f['solve']:.3f}, "
        f"price of balance {f['price']:.3f}, write {f['write']:.3f})  |  bare {b['total']:.3f} s "
        f"(read {b['read']:.3f}, solve {b['solve']:.3f} of which HiGHS {b['highs']:.3f}, "
        f"write {b['write']:.3f})  |  ratio {f['total'] / b['total']:.2f}x",
        flush=True,
    )
    print(
        f"{'':>6}        impact: fulcrum {impact:,.0f}, bare {bare_value:,.0f} "
        f"({(impact - bare_value) / abs(bare_value):+.2e}); price of balance {price:,.0f}  "
        f"(median of {repeats})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("lines", nargs="*", type=int, default=[1000, 10000, 30000])
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument(
        "--plain", action="store_true", help="bench_core's plan, whose balance rules do not bind"
    )
    args = parser.parse_args()
    sample = Path(__file__).resolve().parent.parent / "sample_data" / "sample_plan.xlsx"
    warm = read_plan(sample).plan
    assert warm is not None
    price_of_balance(warm, solve(warm))  # imports and first calls out of the figures
    for lines in args.lines:
        bench(lines, args.repeats or (3 if lines < 30000 else 1), args.plain)


if __name__ == "__main__":
    main()
