"""Starting the window: ``python main.py [PLAN.xlsx]`` or ``--screenshot PATH [PLAN.xlsx]``."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from pathlib import Path
from types import TracebackType

__all__ = ["SAMPLE_PLAN", "main"]

SAMPLE_PLAN = Path(__file__).resolve().parent.parent / "sample_data" / "sample_plan.xlsx"
SCREENSHOT_SIZE = (1440, 900)


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fulcrum", description="Fulcrum: the budget-allocation planner.")
    parser.add_argument("plan", nargs="?", type=Path, help="workbook to open (default: the sample plan)")
    parser.add_argument("--screenshot", type=Path, metavar="PATH", help="render the window to a PNG and exit")
    parser.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(sys.argv[1:] if argv is None else argv)
    if args.screenshot is not None or args.startup_probe:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    # The session (the core, numpy, the solvers) before Qt: once PySide6 is
    # loaded every later import goes through its import hook (about 40 ms
    # of a cold start).
    importlib.import_module("ui.session")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Fulcrum")
    app.setOrganizationName("Fulcrum")
    window = MainWindow()
    _install_error_hook(window)

    # Opened as the window opens any workbook, on this thread so the first paint shows it solved.
    window.open_workbook(args.plan or SAMPLE_PLAN, wait=True, remember=False)
    if window.session.plan.lines:
        window.solve_blocking()

    if args.screenshot is None and not args.startup_probe:
        window.session.recover()  # unsaved work of untitled windows gone (a crash)
    if args.screenshot is not None:
        window.resize(*SCREENSHOT_SIZE)
        window.show()
        app.processEvents()
        return 0 if _save_screenshot(window, args.screenshot) else 1
    window.show()
    if args.startup_probe:

        def painted() -> None:
            print(f"painted {time.time():.6f}", flush=True)
            window.close()
            app.quit()

        QTimer.singleShot(0, painted)
    return int(app.exec())


def _save_screenshot(window: object, target: Path) -> bool:
    from PySide6.QtWidgets import QApplication, QWidget

    assert isinstance(window, QWidget)
    for _ in range(3):
        QApplication.processEvents()
    image = window.grab()
    target.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(target), "PNG"):
        print(f"Could not write the screenshot {target}", file=sys.stderr)
        return False
    print(f"Screenshot written to {target} ({image.width()}x{image.height()})")
    return True


def _install_error_hook(window: object) -> None:
    """An exception in a slot becomes a message with details; the plan stays on screen."""

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        details = "".join(traceback.format_exception(kind, error, trace))
        try:
            window.show_error(f"{kind.__name__}: {error}", details)  # type: ignore[attr-defined]
        except Exception:  # the hook must never raise
            sys.__excepthook__(kind, error, trace)

    sys.excepthook = hook
