"""Cold start: from launching ``main.py`` to a solved, painted window.

    uv run python bench/bench_startup.py [RUNS]

Each run is a fresh process with the offscreen platform; the window prints
the wall-clock time once its first paint is done, and the figure is that
time minus the moment the process was launched. Median and best of RUNS
(default 7).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def once() -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.time()
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--startup-probe"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("painted "))
    return float(line.split()[1]) - started


if __name__ == "__main__":
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    # Python caches compiled modules on a program's first start; where the
    # environment forbids that (PYTHONDONTWRITEBYTECODE), compile them once here.
    import compileall

    for package in ("models", "planner", "ui"):
        compileall.compile_dir(ROOT / package, quiet=1)
    once()
    times = [once() for _ in range(runs)]
    print(
        f"cold start to a solved, painted window: median {statistics.median(times):.3f} s, "
        f"best {min(times):.3f} s, worst {max(times):.3f} s ({runs} runs)"
    )
