"""A problem with the user's input, named by where it is."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Issue", "column_letter"]


def column_letter(number: int) -> str:
    """Excel's letters for a 1-based column number: 1 is A, 27 is AA."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with the input, placed as Excel shows it."""

    sheet: str
    row: int | None  # 1-based, as Excel shows it
    column: str | None  # "C", as Excel shows it
    message: str  # "Floor 120,000 is above cap 100,000"
    #: The workbook, when a plan is read from several.
    file: str | None = None

    def where(self) -> str:
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.column and self.row:
            parts.append(f"cell {self.column}{self.row}")
        elif self.row:
            parts.append(f"row {self.row}")
        elif self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"file": self.file} if self.file else {}
        return {**data, "sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}
