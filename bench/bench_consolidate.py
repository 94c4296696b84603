"""A folder of department workbooks read as one plan (default 50 files of 100 lines).

    uv run python bench/bench_consolidate.py [FILES] [LINES]

Each file is a department's submission: title rows, Cost centre and Budget
columns, a total row, the department in the file's name. Median of 5 runs in
one process, against reading the same lines from one workbook (the ratio is
what consolidating costs).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.consolidate import read_plans
from models.workbook import read_plan


def write_folder(folder: Path, files: int, lines: int, seed: int = 11) -> Path:
    rng = random.Random(seed)
    one = xlsxwriter.Workbook(str(folder / "one.xlsx"))
    sheet = one.add_worksheet("Budget")
    sheet.write_row(0, 0, ["Line", "Function", "Current"])
    row = 1
    departments = folder / "departments"
    departments.mkdir()
    for n in range(files):
        department = f"Team {chr(65 + n // 26)}{chr(65 + n % 26)}"
        book = xlsxwriter.Workbook(str(departments / f"{department.replace(' ', '_')}_FY25_submission.xlsx"))
        ws = book.add_worksheet("Budget")
        ws.write_row(0, 0, [f"{department}: FY25 submission"])
        ws.write_row(2, 0, ["Cost centre", "Budget"])
        total = 0.0
        for k in range(lines):
            amount = round(rng.uniform(20_000, 900_000), -2)
            total += amount
            ws.write_row(3 + k, 0, [f"{department} cost centre {k}", amount])
            sheet.write_row(row, 0, [f"{department} cost centre {k}", department, amount])
            row += 1
        ws.write_row(3 + lines, 0, ["Total", total])
        book.close()
    one.close()
    return departments


def median_seconds(work: object, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    files = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    lines = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    folder = Path(tempfile.mkdtemp())
    departments = write_folder(folder, files, lines)
    report = read_plans([departments])
    assert report.plan is not None, report.issues[:3]
    assert len(report.plan.lines) == files * lines
    consolidated = median_seconds(lambda: read_plans([departments]))
    single = median_seconds(lambda: read_plan(folder / "one.xlsx"))
    print(
        f"{files} department files of {lines} lines: consolidated in {consolidated:.3f} s; "
        f"the same {files * lines:,} lines in one workbook {single:.3f} s "
        f"(ratio {consolidated / single:.1f}x)"
    )


if __name__ == "__main__":
    main()
