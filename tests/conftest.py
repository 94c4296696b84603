"""Shared fixtures: small plans and workbooks written with openpyxl."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, settings

from models.domain import Bound, FunctionRule, Kind, Line, Plan, Policy

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Property tests: 60 examples by default; HYPOTHESIS_PROFILE=stress for a deep run.
settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "stress", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "sample_plan.xlsx"

BUDGET_HEADER = ["Line", "Function", "Current"]


def write_book(path: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> Path:
    book = openpyxl.Workbook()
    first = True
    for name, rows in sheets.items():
        sheet = book.active if first else book.create_sheet(name)
        assert sheet is not None
        sheet.title = name
        first = False
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


@pytest.fixture
def make_book(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(sheets: dict[str, Sequence[Sequence[Any]]], name: str | None = None) -> Path:
        return write_book(tmp_path / (name or f"plan{next(counter)}.xlsx"), sheets)

    return make


def infeasible_plan() -> Plan:
    """HR and IT floors (150 and 180) that a budget of 300 cannot both meet."""
    return Plan(
        (
            Line("Payroll", "HR", Kind.INTERNAL, 100.0),
            Line("Servers", "IT", Kind.INTERNAL, 100.0),
            Line("Ads", "Acquisition", Kind.CUSTOMER, 100.0),
        ),
        Policy(
            total_budget=300.0,
            functions=(FunctionRule("HR", floor=Bound(150.0)), FunctionRule("IT", floor=Bound(180.0))),
        ),
    )
