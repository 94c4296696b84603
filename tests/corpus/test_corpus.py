"""The workbook reader against a corpus of department budgets in the layouts finance teams send.

Each case in :mod:`tests.corpus.workbooks` writes one or more workbooks with
openpyxl at test time (nothing is committed as .xlsx) and says what the
reader must make of them:

* **loads**: the plan has exactly the expected number of lines, the exact
  total of current spend (in full currency units, after any "in $000s",
  "(k€)" or "£m" scaling; compared to the cent), and exactly the expected
  internal lines (HR, IT and Internal comms in any spelling or language,
  and Corporate services, are internal); some cases also check each line's
  floor. A line may be named by its name, by its name beside its cost-centre
  code, or by its code alone;
* **refused**: no plan, and an issue that names the problem (several
  currencies and no exchange rate, formulas with no saved values, units or
  columns that disagree).

The one outcome never acceptable is a plan that loads with a wrong number:
a wrong line count, total, floor or kind.

The layouts: consolidated budgets with subtotal and grand-total rows (values,
SUM and SUBTOTAL formulas with or without saved values, labelled or not, Excel
Tables with a totals row labelled or not, Data > Subtotal output, outlines
with department rows above their lines); formulas saved as 0 or never
calculated; tables side by side; one sheet per department with cover, summary and notes sheets; one file
per department; monthly and quarterly columns with or without a year total;
amounts in thousands or millions; German, French and Spanish headers with
European and Swiss number text; hidden draft sheets and hidden columns;
title rows, headers over two rows, section headings, spacer rows, footnotes
and cost-centre codes; line floors typed as percentages; function names in
other spellings and languages; several currencies in one file; formulas and
error cells; and clean workbooks.

A case the reader gets wrong today carries a strict xfail whose reason says
what goes wrong; when the reader learns the layout, the case passes, strict
xfail reports it, and the mark is removed. Cases spread over several files are
read through ``models.consolidate.read_plans(paths)``; until then
they fail and are marked so.

``uv run python -m tests.corpus.report`` prints each case's outcome (loads
right / refused / WRONG NUMBER IN SILENCE / error, with the numbers), the
marks that no longer match, and the counts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .judge import run
from .workbooks import CASES, Case


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(reason=case.xfail, strict=True)] if case.xfail else []
    return pytest.param(case, id=case.name, marks=marks)


def test_corpus_is_wide() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_reader_on_corpus(case: Case, tmp_path: Path) -> None:
    verdict = run(case, tmp_path)
    assert verdict.as_expected, f"{verdict.status}: {verdict.detail}"
