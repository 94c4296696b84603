"""Print how the reader does on the corpus: ``uv run python -m tests.corpus.report``.

One line a case (loads right / refused / WRONG NUMBER IN SILENCE / error, with
the numbers), whether its xfail mark still matches, and the counts.
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

from .judge import STATUSES, WRONG, run
from .workbooks import CASES


def main() -> int:
    counts: Counter[str] = Counter()
    stale: list[str] = []
    width = max(len(case.name) for case in CASES)
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            directory = Path(tmp) / case.name
            directory.mkdir()
            verdict = run(case, directory)
            counts[verdict.status] += 1
            right = "as expected" if verdict.as_expected else "NOT as expected"
            print(f"{case.name:<{width}}  {verdict.status:<24} {right:<15} {verdict.detail}")
            if verdict.as_expected == (case.xfail is not None):
                stale.append(case.name)
    print()
    print(", ".join(f"{status}: {counts[status]}" for status in STATUSES), f"(of {len(CASES)} cases)")
    if stale:
        print("xfail marks that no longer match the reader:", ", ".join(stale))
    return 1 if counts[WRONG] else 0


if __name__ == "__main__":
    sys.exit(main())
