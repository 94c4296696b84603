"""Times opening and saving a large project against SQLite moving the same bytes.

    uv run python bench/bench_project.py [SCENARIOS LINES]      (default 200 500)

The project: SCENARIOS scenarios of a plan of LINES lines (each line with a
code, a source and, for half of them, twelve months of phasing), each with
its solved result. Each figure is the median of several runs in one process.

"bare write" is sqlite3 writing the very rows the save writes (their text
already made) to a new file, flushed to disk, and moved into place; "bare
read" is sqlite3 reading those rows back. The ratios say how much the project
code adds to moving the bytes: encoding and decoding every field, the
checksum, the backup, the check of the existing file.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from models.domain import Kind, Line, Plan
from models.project import Project, Scenario, _scenario_rows, open_project, save_project
from models.serial import to_data
from planner.solve import solve

FUNCTIONS = [
    ("HR", Kind.INTERNAL),
    ("IT", Kind.INTERNAL),
    ("Internal comms", Kind.INTERNAL),
    ("Customer service", Kind.CUSTOMER),
    ("Product", Kind.CUSTOMER),
    ("Loyalty", Kind.CUSTOMER),
]


def months(current: float) -> tuple[float, ...]:
    month = round(current / 12, 2)
    return (*[month] * 11, round(current - 11 * month, 2))


def big_project(scenarios: int, lines: int, seed: int = 3) -> Project:
    rng = random.Random(seed)
    made = []
    for i in range(lines):
        function, kind = FUNCTIONS[i % len(FUNCTIONS)]
        current = round(rng.uniform(20_000, 2_000_000), -2)
        made.append(
            Line(
                f"Line {i}",
                function,
                kind,
                current,
                floor=round(current * 0.5, 2) if rng.random() < 0.3 else 0.0,
                weight=round(rng.uniform(0.5, 1.6), 2),
                code=f"CC{i:05d}",
                phasing=months(current) if i % 2 else None,
                source_row=i + 2,
                source_sheet="Budget",
                source_file="budget.xlsx",
            )
        )
    plan = Plan(tuple(made))
    result = solve(plan)
    budget = plan.current_total
    return Project(
        plan,
        tuple(
            Scenario(f"Scenario {j}", plan.with_policy(total_budget=budget * (1 + j / 1000)), result)
            for j in range(scenarios)
        ),
    )


def bare_write(path: Path, rows: list[tuple[object, ...]], plan_document: str) -> None:
    temp = path.with_name(path.name + ".bare-tmp")
    connection = sqlite3.connect(temp)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("CREATE TABLE plan (id INTEGER PRIMARY KEY, document TEXT)")
    connection.execute(
        "CREATE TABLE scenarios (id INTEGER PRIMARY KEY, position INTEGER, name TEXT, notes TEXT, "
        "parent TEXT, created TEXT, modified TEXT, approved INTEGER, plan TEXT, result TEXT)"
    )
    connection.execute("INSERT INTO plan VALUES (1, ?)", (plan_document,))
    connection.executemany(
        "INSERT INTO scenarios (position, name, notes, parent, created, modified, approved, plan, result) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.commit()
    connection.close()
    with temp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temp, path)


def bare_read(path: Path, *, decode: bool = False) -> int:
    """The stored texts read back (and, ``decode``, parsed as JSON into plain lists and dicts)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    total = 0
    for plan, result in connection.execute("SELECT plan, result FROM scenarios"):
        total += len(json.loads(plan)) + len(json.loads(result)) if decode else len(plan) + len(result)
    connection.close()
    return total


def timed(work: object, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(scenarios: int, lines: int, repeats: int = 3) -> None:
    folder = Path(tempfile.mkdtemp())
    started = time.perf_counter()
    project = big_project(scenarios, lines)
    print(f"{scenarios} scenarios x {lines} lines made in {time.perf_counter() - started:.1f} s")
    rows = _scenario_rows(project)

    plan_document = json.dumps(to_data(project.plan))
    bare = folder / "bare.db"
    target = folder / "big.fulcrum"

    def save_new() -> None:
        target.unlink(missing_ok=True)
        save_project(target, project)

    t_bare_write = timed(lambda: bare_write(bare, rows, plan_document), repeats)
    t_save_new = timed(save_new, repeats)
    t_save_over = timed(lambda: save_project(target, project), repeats)
    t_bare_read = timed(lambda: bare_read(bare), repeats)
    t_bare_decode = timed(lambda: bare_read(bare, decode=True), repeats)
    t_open = timed(lambda: open_project(target), repeats)
    assert open_project(target) == project
    size = target.stat().st_size / 1e6
    print(f"project file {size:.1f} MB (bare file {bare.stat().st_size / 1e6:.1f} MB)")
    print(f"bare write  {t_bare_write:6.3f} s")
    print(f"save (new)  {t_save_new:6.3f} s   {t_save_new / t_bare_write:5.1f}x bare write")
    print(
        f"save (over) {t_save_over:6.3f} s   {t_save_over / t_bare_write:5.1f}x bare write  (backup, check)"
    )
    print(f"bare read   {t_bare_read:6.3f} s")
    print(f"bare read + json.loads {t_bare_decode:6.3f} s")
    print(
        f"open        {t_open:6.3f} s   {t_open / t_bare_read:5.1f}x bare read, "
        f"{t_open / t_bare_decode:4.1f}x bare read + json.loads"
    )


if __name__ == "__main__":
    numbers = [int(a) for a in sys.argv[1:3]] or [200, 500]
    main(*numbers)
