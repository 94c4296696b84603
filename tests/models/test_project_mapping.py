"""The import mapping kept in the project: saved, read back, and absent from older projects."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from models.domain import Kind, Line, Plan
from models.mapping import ImportMapping, SheetChoice
from models.project import Project, ProjectError, digest, open_project, save_project

PLAN = Plan((Line("Payroll", "HR", Kind.INTERNAL, 100.0),))
MAPPING = ImportMapping(
    {
        "Budget": SheetChoice(header_row=3, columns={"FY24 Actual": "", "FY25 Budget": "current"}, unit=1000),
        "Notes": SheetChoice(read=False),
    },
    functions={"Personalwesen": "HR"},
    kinds={"Facilities": Kind.INTERNAL},
)


def stored_mapping(path: Path) -> str | None:
    connection = sqlite3.connect(path)
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'import_mapping'").fetchone()
    finally:
        connection.close()
    return None if row is None else str(row[0])


def test_the_mapping_survives_save_and_open_as_a_mapping_files_text(tmp_path: Path) -> None:
    path = save_project(tmp_path / "plan.fulcrum", Project(PLAN, mapping=MAPPING))
    again = open_project(path)
    assert again.mapping == MAPPING
    assert again.mapping.sheet("budget").unit == 1000
    assert stored_mapping(path) == MAPPING.to_toml()


def test_a_project_without_a_mapping_stores_none_and_reads_with_none(tmp_path: Path) -> None:
    path = save_project(tmp_path / "plan.fulcrum", Project(PLAN))
    assert stored_mapping(path) is None
    assert open_project(path).mapping == ImportMapping()


def resealed(connection: sqlite3.Connection) -> None:
    """The checksum made again for contents changed on purpose (so what is checked is what follows it)."""
    meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    (plan,) = connection.execute("SELECT document FROM plan").fetchone()
    rows = connection.execute(
        "SELECT position, name, notes, parent, created, modified, approved, plan, result "
        "FROM scenarios ORDER BY position"
    ).fetchall()
    connection.execute("UPDATE meta SET value = ? WHERE key = 'checksum'", (digest(meta, plan, rows),))


def test_a_project_saved_before_mappings_existed_still_opens(tmp_path: Path) -> None:
    path = save_project(tmp_path / "old.fulcrum", Project(PLAN, mapping=MAPPING))
    connection = sqlite3.connect(path)
    connection.execute("DELETE FROM meta WHERE key IN ('import_mapping', 'checksum')")
    connection.commit()
    connection.close()
    opened = open_project(path)
    assert opened.plan == PLAN and opened.mapping == ImportMapping()


def test_a_damaged_mapping_is_refused_and_named(tmp_path: Path) -> None:
    path = save_project(tmp_path / "plan.fulcrum", Project(PLAN, mapping=MAPPING))
    connection = sqlite3.connect(path)
    connection.execute("UPDATE meta SET value = '[sheets.Budget]\nunit = -5' WHERE key = 'import_mapping'")
    resealed(connection)
    connection.commit()
    connection.close()
    with pytest.raises(ProjectError, match=r"plan.fulcrum is damaged: its import mapping, sheet 'Budget'"):
        open_project(path)
