"""Exports that keep what the user had: never over the plan's own workbook, permissions as for
any new file, through a link to its target, a full disk said; and every text written as text."""

from __future__ import annotations

import errno
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest

from models.compare import Compared, compare
from models.domain import Kind, Line, Plan, Policy
from models.export import ExportError, write_comparison, write_frontier, write_result
from models.xlsx_block import FORMULA_START
from planner.insight import balance_frontier
from planner.solve import solve
from tests.conftest import SAMPLE

_CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
#: A chart's reference to cells: 'Sheet name'!$A$1 or 'Sheet name'!$A$1:$B$9.
_REFERENCE = re.compile(r"^(?:'((?:[^']|'')+)'|([A-Za-z0-9_.]+))!\$([A-Z]+)\$(\d+)(?::\$[A-Z]+\$\d+)?$")

#: The chart titles Fulcrum writes itself.
_FIXED_TITLES = {"Allocation per function", "Internal share", "Impact"}

#: Names Excel or xlsxwriter could take for a formula, a DDE call or a cell reference.
HOSTILE = ("+cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")', "Sheet2!A1", "@SUM(1)", "-2+3")


def _plan(name: str = "Plan", *names: str) -> Plan:
    lines = names or ("Service desk", "Payroll")
    return Plan(
        tuple(
            Line(
                line,
                "Customer service" if k % 2 == 0 else "HR",
                Kind.CUSTOMER if k % 2 == 0 else Kind.INTERNAL,
                100.0 * (k + 1),
            )
            for k, line in enumerate(lines)
        ),
        Policy(),
        name=name,
    )


def _export(tmp_path: Path, name: str = "out.xlsx") -> Path:
    plan = _plan()
    return write_result(tmp_path / name, plan, solve(plan))


# -- the file the plan was read from ------------------------------------------------------------


@pytest.mark.parametrize("link", ["same", "symlink", "hardlink", "spelled"])
def test_an_export_never_replaces_the_workbook_the_plan_was_read_from(tmp_path: Path, link: str) -> None:
    source = SAMPLE.read_bytes()
    plan_file = tmp_path / "plan.xlsx"
    plan_file.write_bytes(source)
    target = {
        "same": plan_file,
        "symlink": tmp_path / "link.xlsx",
        "hardlink": tmp_path / "hard.xlsx",
        "spelled": tmp_path / "sub" / ".." / "plan.xlsx",
    }[link]
    (tmp_path / "sub").mkdir()
    if link == "symlink":
        target.symlink_to(plan_file)
    elif link == "hardlink":
        os.link(plan_file, target)
    plan = _plan()
    result = solve(plan)
    with pytest.raises(ExportError, match="is the file the plan was read from"):
        write_result(target, plan, result, sources=[plan_file])
    with pytest.raises(ExportError, match="read from"):
        write_frontier(target, plan, balance_frontier(plan, 3), sources=[plan_file])
    items = [Compared("a", plan, result), Compared("b", plan, result)]
    with pytest.raises(ExportError, match="read from"):
        write_comparison(target, items, compare(items), sources=[plan_file])
    assert plan_file.read_bytes() == source
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        {"plan.xlsx", "sub", *([target.name] if link in ("symlink", "hardlink") else [])}
    )


# -- permissions and links ------------------------------------------------------------------------


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("umask")
def test_a_new_export_gets_the_permissions_of_any_new_file(tmp_path: Path) -> None:
    made = tmp_path / "made.txt"
    made.write_text("")
    assert _mode(_export(tmp_path)) == _mode(made) == 0o640


@pytest.mark.usefixtures("umask")
def test_an_export_over_a_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")
    target.chmod(0o664)
    _export(tmp_path)
    assert _mode(target) == 0o664
    assert zipfile.is_zipfile(target)


def test_an_export_through_a_link_writes_the_file_it_points_to(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "result.xlsx"
    real.write_bytes(b"old")
    real.chmod(0o600)
    link = tmp_path / "out.xlsx"
    link.symlink_to(real)
    _export(tmp_path)
    assert link.is_symlink()
    assert os.readlink(link) == str(real)
    assert zipfile.is_zipfile(real)
    assert _mode(real) == 0o600
    assert [p.name for p in (tmp_path / "real").iterdir()] == ["result.xlsx"]


# -- a full disk ------------------------------------------------------------------------------------


def test_a_full_disk_is_an_export_error_and_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xlsxwriter.workbook

    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")

    class FullDisk(zipfile.ZipFile):
        def writestr(self, *args: object, **kwargs: object) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", FullDisk)
    with pytest.raises(ExportError, match=re.escape("out.xlsx: cannot be written (No space left on device)")):
        _export(tmp_path)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


# -- text stays text --------------------------------------------------------------------------------


def _formulas_and_charts(path: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """Every formula in the cells, and every chart reference with the text of the cell it names.

    Every XML part must parse; every text cell Excel could take for a formula must be marked as text.
    """
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist() if name.endswith((".xml", ".rels"))}
    for data in parts.values():
        ElementTree.fromstring(data)  # raises on a part Excel could not open
    book = openpyxl.load_workbook(path)
    formulas = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    formulas.append(str(cell.value))
                elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    assert cell.quotePrefix, (
                        f"{sheet.title}!{cell.coordinate} {cell.value!r} is not marked as text"
                    )
                if isinstance(cell.value, str):
                    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", cell.value)
    references = []
    for name, data in parts.items():
        if not name.startswith("xl/charts/"):
            continue
        root = ElementTree.fromstring(data)
        for tx in root.iter(f"{_CHART}tx"):
            formula = tx.find(f".//{_CHART}f")
            if formula is None:  # rich text: only Fulcrum's own words
                words = "".join(
                    t.text or "" for t in tx.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}t")
                )
                assert words in _FIXED_TITLES, f"{name}: {words!r} is written into the chart as it is"
                continue
            text = formula.text or ""
            match = _REFERENCE.match(text)
            assert match, f"{name}: {text!r} is not a reference to a cell"
            sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
            cell = book[sheet][f"{match.group(3)}{match.group(4)}"]
            references.append((text, str(cell.value)))
        for formula in root.iter(f"{_CHART}f"):
            assert _REFERENCE.match(formula.text or ""), f"{name}: {formula.text!r} is not a reference"
    return formulas, references


def test_the_comparison_writes_scenario_names_as_text_in_cells_sheets_and_chart(tmp_path: Path) -> None:
    plan = _plan("Plan", *HOSTILE)
    result = solve(plan)
    names = [*HOSTILE, "Tab\there", "Bell\x07and\x01null\x00"]
    items = [Compared(name, plan, result) for name in names]
    out = write_comparison(tmp_path / "c.xlsx", items, compare(items))
    formulas, references = _formulas_and_charts(out)
    assert all(f.startswith("=SUM(") for f in formulas)
    series = [text for _ref, text in references]
    assert series == [*HOSTILE, "Tab\there", "Bellandnull"]
    book = openpyxl.load_workbook(out)
    assert [c.value for c in book["Side by side"][1]][2 : 2 + len(names)] == series
    assert book.sheetnames[0] == "Side by side"
    assert all(not re.search(r"[\x00-\x1f]", s) for s in book.sheetnames)


def test_the_frontier_chart_title_is_the_plan_name_as_text(tmp_path: Path) -> None:
    for name in ("Sheet2!A1", "+cmd|' /C calc'!A0", "Ctrl\x01name"):
        plan = _plan(name)
        out = write_frontier(tmp_path / "f.xlsx", plan, balance_frontier(plan, 3))
        formulas, references = _formulas_and_charts(out)
        assert formulas == []
        texts = [text for _ref, text in references]
        assert f"Balance frontier: {name.replace(chr(1), '')}" in texts
        assert {"Customer impact", "Total impact"} <= set(texts)


def test_the_result_export_writes_every_name_as_text(tmp_path: Path) -> None:
    plan = _plan("=cmd|' /C calc'!A0", *HOSTILE, "Nul\x00l")
    result = solve(plan)
    out = write_result(tmp_path / "r.xlsx", plan, result)
    formulas, _references = _formulas_and_charts(out)
    assert all(f.startswith("=SUM(") for f in formulas), formulas
    summary = openpyxl.load_workbook(out)["Summary"]
    assert summary["A1"].value == "Fulcrum plan: =cmd|' /C calc'!A0"
