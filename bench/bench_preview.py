"""The import preview: from a 5,000-line workbook to the preview on screen.

    uv run python bench/bench_preview.py [LINES]      (default 5000)

The workbook is a department pack the reader is unsure of: title rows, a
unit in a title, FY24 and FY25 budget columns (the preview asks which is
Current), a section heading and a subtotal every 50 lines. Three figures,
median of 9 runs each in one process, taken in turns, offscreen:

- a bare ``read_plan`` of the workbook;
- the preview opened: the workbook read with the mapping, the dialog built,
  shown and painted (what the user waits for after Open), and the dialog
  alone, from a reading already done;
- a choice in the preview: a column's role changed, the workbook read again
  and the dialog painted again.

The ratio is the preview's cost against the bare reading.
"""

from __future__ import annotations

import compileall
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import xlsxwriter
from PySide6.QtWidgets import QApplication

from models.consolidate import read_plans
from models.mapping import ImportMapping
from models.workbook import read_plan
from ui.import_preview import ImportPreview
from ui.import_state import ImportState

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ("HR", "IT", "Internal comms", "Customer service", "Product", "Loyalty", "Acquisition")
SECTION = 50
RUNS = 9


def write_pack(path: Path, lines: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Cover").write(0, 0, "FY25 budget pack")
    sheet = book.add_worksheet("Budget")
    sheet.write(0, 0, "Acme Ltd: FY25 budget submission")
    sheet.write(1, 0, "Amounts in $000s")
    sheet.write_row(3, 0, ["Cost centre", "Department", "FY24 Budget", "FY25 Budget", "Min", "Comment"])
    row = 4
    for start in range(0, lines, SECTION):
        function = FUNCTIONS[(start // SECTION) % len(FUNCTIONS)]
        sheet.write(row, 0, function)
        row += 1
        last, this = 0.0, 0.0
        for i in range(start, min(start + SECTION, lines)):
            fy24, fy25 = round(rng.uniform(20, 2_000), 1), round(rng.uniform(20, 2_000), 1)
            last, this = last + fy24, this + fy25
            sheet.write_row(row, 0, [f"Cost centre {i}", function, fy24, fy25])
            if rng.random() < 0.2:
                sheet.write(row, 4, round(fy25 * 0.5, 1))
            row += 1
        sheet.write_row(row, 0, [f"{function} total", None, last, this])
        row += 1
    book.close()


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    # Python caches compiled modules on a program's first start; where the
    # environment forbids that (PYTHONDONTWRITEBYTECODE), compile them once here.
    for package in ("models", "planner", "ui"):
        compileall.compile_dir(ROOT / package, quiet=1)
    app = QApplication.instance() or QApplication([])
    path = Path(tempfile.mkdtemp()) / "pack.xlsx"
    write_pack(path, lines)
    report = read_plan(path)
    assert report.plan is not None, report.issues[:3]
    assert len(report.plan.lines) == lines
    assert report.unsure, "the pack should leave a question for the preview"

    dialogs: list[ImportPreview] = []

    def show(state: ImportState) -> None:
        dialog = ImportPreview(state)
        dialog.resize(1326, 708)
        dialog.show()
        dialog.repaint()
        app.processEvents()
        dialogs.append(dialog)

    def open_preview() -> None:
        show(ImportState([path], ImportMapping(), read_plans([path], mapping=ImportMapping())))

    def dialog_only() -> None:
        show(ImportState([path], ImportMapping(), report))

    def choose() -> None:
        dialog = dialogs[-1]
        current = dialog.state.role_of("Budget", "FY24 Budget")
        dialog.state.set_role("Budget", "FY24 Budget", "" if current == "current" else "current")
        dialog.repaint()
        app.processEvents()

    # The figures are taken in turns, so that the machine's load weighs on each alike.
    times: dict[str, list[float]] = {"bare": [], "opened": [], "dialog": [], "choice": []}
    work = {"bare": lambda: read_plan(path), "opened": open_preview, "dialog": dialog_only, "choice": choose}
    for _ in range(RUNS):
        for name, run in work.items():
            started = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - started)
    for dialog in dialogs:
        dialog.close()
    bare, opened, alone, choice = (statistics.median(times[name]) for name in work)
    print(
        f"{lines:,} lines: bare read_plan {bare:.3f} s; preview opened (read, built, shown, painted) "
        f"{opened:.3f} s, ratio {opened / bare:.2f}x; the dialog alone {alone:.3f} s; "
        f"a role changed, read again and painted {choice:.3f} s (medians of {RUNS})"
    )


if __name__ == "__main__":
    main()
