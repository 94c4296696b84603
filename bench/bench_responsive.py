"""Responsiveness: the longest the window's event loop is blocked while a large plan opens and solves.

    uv run python bench/bench_responsive.py [LINES]      (default 5000)

A 2 ms heartbeat timer records the longest gap between its ticks while the
window imports the workbook, solves the plan, shows the allocation and
computes the price of balance and the balance check, all heavy work off its
thread; the gap is the longest time the window could not respond.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import write_plan
from PySide6.QtCore import QEventLoop, QSettings, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication

from ui.main_window import MainWindow

INTERVAL_MS = 2


def measure(path: Path, folder: Path) -> tuple[float, float, str, int]:
    """Seconds to open and solve, the longest gap, the status and the number of heartbeats."""
    app = QApplication.instance() or QApplication([])
    window = MainWindow(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    window.show()
    app.processEvents()

    gaps: list[float] = []
    last = time.perf_counter()

    def tick() -> None:
        nonlocal last
        now = time.perf_counter()
        gaps.append(now - last)
        last = now

    heartbeat = QTimer()
    heartbeat.setInterval(INTERVAL_MS)
    heartbeat.timeout.connect(tick)
    loop = QEventLoop()
    # The last thing the window does after a solve is the price of balance and the balance check.
    window.insight_finished.connect(lambda *_args: loop.quit())
    started = time.perf_counter()
    heartbeat.start()
    last = time.perf_counter()
    window.open_workbook(path)
    loop.exec()
    heartbeat.stop()
    elapsed = time.perf_counter() - started
    result = window.session.result
    status = result.status.value if result else "none"
    window.close()
    window.deleteLater()
    # Work the window started after the solve (the price of balance) ends before the next run.
    QThreadPool.globalInstance().waitForDone()
    app.processEvents()
    return elapsed, max(gaps), status, len(gaps)


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    folder = Path(tempfile.mkdtemp())
    path = folder / f"plan{lines}.xlsx"
    write_plan(path, lines)
    results = [measure(path, folder) for _ in range(runs)]
    gaps = sorted(r[1] * 1000 for r in results)
    print(
        f"{lines} lines opened, solved and priced in {statistics.median(r[0] for r in results):.2f} s "
        f"({results[-1][2]}); longest event-loop gap per run: median {statistics.median(gaps):.0f} ms, "
        f"worst {gaps[-1]:.0f} ms, best {gaps[0]:.0f} ms ({runs} runs; the first, with cold caches, "
        f"{results[0][1] * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
