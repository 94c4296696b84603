"""Department workbooks as finance teams send them, for the tests of a resubmission.

Three departments (HR, IT, Customer Service), each its own file: a title
row, a ``Cost centre`` / ``Budget`` header, the lines, a total row. No row
names a function: each file's name gives its department.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_book

HR_LINES = (
    ("Payroll", 600_000.10),
    ("Recruiting", 80_000.0),
    ("Training", 20_000.0),
    ("Salaries", 500_000.0),
)
IT_LINES = (("Servers", 400_000.25), ("Licences", 150_000.0), ("Salaries", 210_000.0))
SERVICE_LINES = (("Call centre", 900_000.99), ("Chat support", 120_000.0))
#: HR's resubmission: Recruiting changed, Training removed, Wellbeing added (1,200,000.10 -> 1,260,000).
HR_V2_LINES = (
    ("Payroll", 600_000.10),
    ("Recruiting", 100_000.0),
    ("Salaries", 500_000.0),
    ("Wellbeing", 59_999.90),
)


def department_file(folder: Path, name: str, lines: tuple[tuple[str, float], ...]) -> Path:
    """A department's workbook: a title, a header, its lines and their total."""
    folder.mkdir(parents=True, exist_ok=True)
    rows: list[list[object]] = [
        [f"{Path(name).stem} submission"],
        ["Cost centre", "Budget"],
        *[[line, amount] for line, amount in lines],
        ["Total", round(sum(amount for _, amount in lines), 2)],
    ]
    return write_book(folder / name, {"Budget": rows})


def three_departments(folder: Path) -> list[Path]:
    """HR, IT and Customer Service, each in its own file."""
    return [
        department_file(folder, "HR_FY25.xlsx", HR_LINES),
        department_file(folder, "IT_FY25.xlsx", IT_LINES),
        department_file(folder, "Customer_Service_FY25.xlsx", SERVICE_LINES),
    ]
