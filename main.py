"""Fulcrum: a budget-allocation planner.

``python main.py`` opens the window on the sample plan; ``python main.py
PLAN.xlsx`` on a plan; ``python main.py --screenshot PATH [PLAN.xlsx]``
renders the window to a PNG. ``python main.py solve PLAN.xlsx ...`` runs the
command line, the same as ``fulcrum solve ...``.
"""

from __future__ import annotations

import sys

COMMANDS = {"solve", "compare", "frontier", "project", "inspect", "-h", "--help", "--version"}

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in COMMANDS:
        from planner.cli import main as cli

        sys.exit(cli())
    from ui.app import main as window

    sys.exit(window())
