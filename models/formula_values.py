"""Whether the values saved for the formulas of a sheet's lines were calculated.

A workbook keeps each formula's last calculated value beside it, and the
reader reads that value. Excel calculates before it saves; some programs
that write workbooks do not: they save no value (the reader refuses the
blank cell), or save 0 for every formula, or ask Excel to calculate every
formula when the workbook is next opened (``fullCalcOnLoad``), leaving the
saved values to chance. An amount read from such a value would be a wrong
number read in silence, so the cells are named and refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from models.xlsx_guard import SheetMarks

__all__ = ["uncalculated"]

_AGAIN: Final = "open the workbook in Excel, let it calculate and save it again"


def uncalculated(
    marks: SheetMarks, cells: Iterable[tuple[int, int]], *, full_calc_on_load: bool
) -> dict[tuple[int, int], str]:
    """The lines' amount cells (0-based row, column) whose formula values cannot be trusted, with why.

    When the workbook asks to be calculated on opening, every formula among
    ``cells``; otherwise the formulas among them when every one was saved as 0
    (a program that saves 0 for each formula; a sheet Excel calculated shows
    some other value).
    """
    formulas = [cell for cell in cells if cell in marks.formulas]
    if full_calc_on_load:
        why = (
            "the cell holds a formula, and the program that saved the workbook did not calculate it "
            "(the workbook asks Excel to calculate every formula when opened), so its saved value may "
            f"not be the formula's; {_AGAIN}"
        )
        return dict.fromkeys(formulas, why)
    if formulas and all(cell in marks.zeros for cell in formulas):
        why = (
            "the cell holds a formula whose saved value is 0, as every formula among the lines' amounts: "
            f"the program that saved the workbook did not calculate them; {_AGAIN}"
        )
        return dict.fromkeys(formulas, why)
    return {}
