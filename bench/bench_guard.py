"""The archive check's pass over every part (extents, encodings, declarations) against an import without it.

    uv run python bench/bench_guard.py [LINES]      (default 10000)

Two figures, medians of 15 runs each in one process, taken in turns, on the
workbook the core bench writes (one Budget sheet of LINES lines, a
Functions and a Policy sheet):

- ``read_plan`` as it is: each part read through once before calamine opens
  the workbook, the sheets' extents checked against the limits, and
  whether a sheet holds formulas answered from that same pass;
- ``read_plan`` with the pass left out (no extent check; whether a sheet
  holds formulas found by reading the sheet again, as before the pass).

The ratio is the first against the second; the pass itself is timed alone too.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import write_plan

from models import xlsx_guard
from models.workbook import read_plan

RUNS = 25


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    path = Path(tempfile.mkdtemp()) / "plan.xlsx"
    write_plan(path, lines)
    report = read_plan(path)
    assert report.plan is not None, report.issues[:3]
    assert len(report.plan.lines) == lines

    def without_pass() -> object:
        with (
            mock.patch.object(xlsx_guard, "_scan_parts", return_value={}),
            mock.patch.object(xlsx_guard, "_check_extents", return_value=None),
        ):
            return read_plan(path)

    def scan_only() -> object:
        with zipfile.ZipFile(path) as archive:
            return xlsx_guard._scan_parts(archive, archive.infolist())

    work: dict[str, Callable[[], object]] = {
        "with": lambda: read_plan(path),
        "without": without_pass,
        "pass": scan_only,
    }
    times: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(RUNS):
        for name, run in work.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    with_pass, without, alone = (statistics.median(times[name]) for name in work)
    print(
        f"{lines:,} lines ({path.stat().st_size / 2**20:.1f} MB): import {with_pass:.3f} s with the "
        f"pass, {without:.3f} s without (ratio {with_pass / without:.3f}); the pass alone "
        f"{alone * 1000:.1f} ms (medians of {RUNS})"
    )


if __name__ == "__main__":
    main()
