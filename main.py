"""Fulcrum: a budget-allocation planner.

``python main.py solve PLAN.xlsx ...`` runs the command line (the same as
``fulcrum solve ...``); with no arguments it prints the commands.
"""

from __future__ import annotations

import sys

from planner.cli import main

if __name__ == "__main__":
    sys.exit(main())
