"""Hostile workbooks: each is refused with a message naming the file (and the sheet or part), or read.

Every hostile file is read in a child process whose memory is limited to
1 GB, so a reader that tries to allocate far more fails the test (the child
aborts) instead of taking the machine down.
"""

from __future__ import annotations

import io
import json
import re
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from models import xlsx_guard, xlsx_scan
from models.issues import column_letter
from models.workbook import read_plan
from tests.conftest import ROOT

MEMORY_LIMIT = 2**30
SHEET = "xl/worksheets/sheet1.xml"
GOOD = [["Line", "Function", "Current"], ["Payroll", "HR", 100], ["Search ads", "Acquisition", 200]]

_CHILD = """
import json, resource, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from models.workbook import read_plan
for name in sys.argv[2:]:
    print(json.dumps({"started": name}), flush=True)
    report = read_plan(name)
    lines = len(report.plan.lines) if report.plan is not None else None
    issues = [[issue.sheet, issue.message] for issue in report.issues]
    print(json.dumps({"file": name, "lines": lines, "issues": issues}), flush=True)
"""


def read_in_child(paths: Sequence[Path], limit: int = MEMORY_LIMIT) -> dict[str, dict[str, object]]:
    """Each workbook read by ``read_plan`` in one child process limited to ``limit`` bytes of memory.

    Fails (naming the workbook being read) when the child ends otherwise
    than normally: an abort, a traceback, a time-out.
    """
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(limit), *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=300,
    )
    results: dict[str, dict[str, object]] = {}
    started = ""
    for line in done.stdout.splitlines():
        data = json.loads(line)
        if "started" in data:
            started = data["started"]
        else:
            results[data["file"]] = data
    assert done.returncode == 0, (
        f"reading {started} ended with status {done.returncode}: {done.stderr[-2000:]}"
    )
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    return results


def refusal(result: dict[str, object]) -> tuple[str, str]:
    """The one issue of a refused workbook: its sheet and message."""
    assert result["lines"] is None, result
    issues = result["issues"]
    assert isinstance(issues, list) and len(issues) >= 1, result
    sheet, message = issues[0]
    return sheet, message


def good_book(path: Path, rows: Sequence[Sequence[object]] = GOOD) -> Path:
    """A small valid plan written with shared strings (as Excel writes text)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Budget")
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    book.close()
    return path


def rewritten(source: Path, target: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    """``source`` copied to ``target`` with one part's bytes changed."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info.filename, change(data) if info.filename == part else data)
    return target


def with_cells(xml: str) -> Callable[[bytes], bytes]:
    """A change that adds rows (as XML) at the end of the sheet's data."""
    return lambda data: data.replace(b"</sheetData>", xml.encode() + b"</sheetData>")


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return good_book(tmp_path / "base.xlsx")


def test_the_base_workbook_reads(base: Path) -> None:
    report = read_plan(base)
    assert report.plan is not None and len(report.plan.lines) == 2


# -- extents: a far cell would make the reader lay out the whole sheet -------------------------


FAR_CELLS = {
    "xfd": ('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "column XFD", "1,048,576"),
    "past_xfd": ('<row r="4"><c r="XFE99999999"><v>1</v></c></row>', "beyond XFD", "99,999,999"),
    "bz": ('<row r="1048576"><c r="BZ1048576"><v>1</v></c></row>', "column BZ", "1,048,576"),
    "row_only": ('<row r="1048576"><c><v>1</v></c></row>', "column C", "1,048,576"),
    "lower_case": ('<row r="4"><c r="xfd1048576"><v>1</v></c></row>', "column XFD", "1,048,576"),
    "second_reference": ('<row r="4"><c r="A4" r="XFD1048576"><v>1</v></c></row>', "column XFD", "16,384"),
    "single_quotes": ("<row r='4'><c r='XFD1048576'><v>1</v></c></row>", "column XFD", "16,384"),
    "prefixed": (
        '<row r="4"><x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'r="XFD1048576"><x:v>1</x:v></x:c></row>',
        "column XFD",
        "16,384",
    ),
    "no_references": (
        '<row r="5">' + "<c><v>1</v></c>" * 1_200 + "</row>",
        "column ALM",
        "at least 5 rows by 1,001 columns",
    ),
    "inline_string": (
        '<row r="4"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
        "column XFD",
        "16,384",
    ),
}


def test_far_cells_are_refused_naming_the_file_the_sheet_and_the_extent(tmp_path: Path, base: Path) -> None:
    paths = {
        name: rewritten(base, tmp_path / f"{name}.xlsx", SHEET, with_cells(xml))
        for name, (xml, _, _) in FAR_CELLS.items()
    }
    results = read_in_child(list(paths.values()))
    for name, path in paths.items():
        sheet, message = refusal(results[str(path)])
        _, column, extent = FAR_CELLS[name]
        assert sheet == "Budget", name
        assert message.startswith(f"{path.name} is not read: its sheet 'Budget' has cells as far as"), message
        assert column in message and extent in message, (name, message)
        assert "100,000 rows, 1,000 columns and 5,000,000 cells" in message


def test_a_sheet_of_more_rows_than_the_limit_is_refused_at_once(tmp_path: Path, base: Path) -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(4, 100_002))
    path = rewritten(base, tmp_path / "long.xlsx", SHEET, with_cells(rows))
    sheet, message = refusal(read_in_child([path])[str(path)])
    assert sheet == "Budget"
    assert "row 100,001" in message and "read up to 100,000 rows" in message


def test_a_hidden_sheet_beyond_the_limits_is_named(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    budget = book.active
    assert budget is not None
    budget.title = "Budget"
    for row in GOOD:
        budget.append(row)
    draft = book.create_sheet("Old draft")
    draft.sheet_state = "hidden"
    draft["B2"] = 1
    path = tmp_path / "draft.xlsx"
    book.save(path)
    far = tmp_path / "far_draft.xlsx"
    rewritten(
        path, far, "xl/worksheets/sheet2.xml", with_cells('<row r="900000"><c r="C900000"><v>1</v></c></row>')
    )
    sheet, message = refusal(read_in_child([far])[str(far)])
    assert sheet == "Old draft" and "its sheet 'Old draft'" in message


def test_a_lying_dimension_and_far_empty_formatted_cells_are_read(tmp_path: Path, base: Path) -> None:
    """The sheet's ``<dimension>`` is a claim; a cell with a format and nothing in it is not read."""

    def change(data: bytes) -> bytes:
        data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
        return with_cells('<row r="1048576"><c r="XFD1048576" s="0"/></row>')(data)

    path = rewritten(base, tmp_path / "claims.xlsx", SHEET, change)
    result = read_in_child([path])[str(path)]
    assert result["lines"] == 2, result


def test_a_shared_string_count_far_above_the_strings_held_is_refused(tmp_path: Path, base: Path) -> None:
    def claim(data: bytes) -> bytes:
        return re.sub(rb'uniqueCount="\d+"', b'uniqueCount="4000000000"', data)

    unique = rewritten(base, tmp_path / "unique.xlsx", "xl/sharedStrings.xml", claim)
    count = rewritten(
        base,
        tmp_path / "count.xlsx",
        "xl/sharedStrings.xml",
        lambda data: re.sub(rb' count="\d+"', b' count="4000000000"', data),
    )
    results = read_in_child([unique, count])
    _, message = refusal(results[str(unique)])
    assert message.startswith("unique.xlsx is not read: its part xl/sharedStrings.xml claims 4,000,000,000")
    assert "holds 7" in message
    assert results[str(count)]["lines"] == 2  # the total count is not used to reserve anything


def test_the_book_wide_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [["Line", "Function", "Current"]] + [[f"Line {i}", "HR", i] for i in range(1, 40)]
    path = good_book(tmp_path / "wide.xlsx", rows)
    monkeypatch.setattr(xlsx_guard, "MAX_BOOK_CELLS", 100)
    message = read_plan(path).issues[0].message
    assert message.startswith("wide.xlsx is not read: its sheets span 120 cells together")


# -- parts: encodings, declarations, compression and encryption --------------------------------


def test_a_document_type_after_the_first_kilobytes_is_refused(tmp_path: Path, base: Path) -> None:
    doctype = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'

    def late(data: bytes) -> bytes:
        declaration, _, body = data.partition(b"?>")
        return declaration + b"?>" + b"<!--" + b" " * 8_000 + b"-->" + b"\n" * 5_000 + doctype + body

    paths = [
        rewritten(base, tmp_path / "late_sheet.xlsx", SHEET, late),
        rewritten(base, tmp_path / "late_book.xlsx", "xl/workbook.xml", late),
        rewritten(base, tmp_path / "late_strings.xlsx", "xl/sharedStrings.xml", late),
    ]
    results = read_in_child(paths)
    for path, part in zip(paths, (SHEET, "xl/workbook.xml", "xl/sharedStrings.xml"), strict=True):
        _, message = refusal(results[str(path)])
        assert message.startswith(f"{path.name} is not read: its part {part} declares a document type")


def test_a_utf16_part_is_refused(tmp_path: Path, base: Path) -> None:
    def utf16(data: bytes) -> bytes:
        return data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")

    def latin(data: bytes) -> bytes:
        return data.replace(b'encoding="UTF-8"', b'encoding="UTF-7"')

    paths = [
        rewritten(base, tmp_path / "utf16_sheet.xlsx", SHEET, utf16),
        rewritten(base, tmp_path / "utf16_book.xlsx", "xl/workbook.xml", utf16),
        rewritten(base, tmp_path / "utf7.xlsx", SHEET, latin),
    ]
    results = read_in_child(paths)
    for path, part, said in zip(
        paths, (SHEET, "xl/workbook.xml", SHEET), ("UTF-16", "UTF-16", "'UTF-7'"), strict=True
    ):
        _, message = refusal(results[str(path)])
        assert message.startswith(f"{path.name} is not read: its part {part} is in"), message
        assert said in message and "UTF-8" in message


def patched_headers(
    path: Path, target: Path, part: str, *, method: int | None = None, flags: int = 0
) -> Path:
    """``path`` with one entry's compression method or flag bits changed in both of its headers."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    for signature, flag_at, method_at, name_length_at, name_at in (
        (b"PK\x03\x04", 6, 8, 26, 30),
        (b"PK\x01\x02", 8, 10, 28, 46),
    ):
        start = data.find(signature)
        while start >= 0:
            (length,) = struct.unpack_from("<H", data, start + name_length_at)
            if data[start + name_at : start + name_at + length] == name:
                if method is not None:
                    struct.pack_into("<H", data, start + method_at, method)
                (old,) = struct.unpack_from("<H", data, start + flag_at)
                struct.pack_into("<H", data, start + flag_at, old | flags)
            start = data.find(signature, start + 4)
    target.write_bytes(bytes(data))
    return target


def test_a_part_compressed_otherwise_or_encrypted_is_refused(tmp_path: Path, base: Path) -> None:
    deflate64 = patched_headers(base, tmp_path / "deflate64.xlsx", SHEET, method=9)
    encrypted = patched_headers(base, tmp_path / "encrypted.xlsx", SHEET, flags=0x1)
    bzip2 = tmp_path / "bzip2.xlsx"
    with zipfile.ZipFile(base) as old, zipfile.ZipFile(bzip2, "w") as new:
        for info in old.infolist():
            method = zipfile.ZIP_BZIP2 if info.filename == SHEET else zipfile.ZIP_DEFLATED
            new.writestr(info.filename, old.read(info), compress_type=method)
    results = read_in_child([deflate64, encrypted, bzip2])
    _, message = refusal(results[str(deflate64)])
    assert message.startswith(f"deflate64.xlsx holds the part {SHEET} compressed with method 9")
    _, message = refusal(results[str(encrypted)])
    assert message.startswith(f"encrypted.xlsx holds the part {SHEET} encrypted")
    _, message = refusal(results[str(bzip2)])
    assert message.startswith(f"bzip2.xlsx holds the part {SHEET} compressed with method 12")


def test_a_part_listed_twice_is_refused(tmp_path: Path, base: Path) -> None:
    twice = tmp_path / "twice.xlsx"
    with zipfile.ZipFile(base) as old, zipfile.ZipFile(twice, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
        far = with_cells('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')(old.read(SHEET))
        with pytest.warns(UserWarning, match="Duplicate name"):
            new.writestr(SHEET, far)
    _, message = refusal(read_in_child([twice])[str(twice)])
    assert message == f"twice.xlsx holds the part {SHEET} twice; the archive is damaged"


# -- the command line ---------------------------------------------------------------------------


def test_the_command_line_refuses_a_far_cell_with_exit_status_2(tmp_path: Path, base: Path) -> None:
    path = rewritten(base, tmp_path / "far.xlsx", SHEET, with_cells(FAR_CELLS["xfd"][0]))
    code = (
        "import resource, runpy, sys; "
        f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT})); "
        f"sys.argv = ['main.py', 'solve', {str(path)!r}]; "
        "runpy.run_path('main.py', run_name='__main__')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False, timeout=120
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "far.xlsx is not read: its sheet 'Budget' has cells as far as row 1,048,576 and column XFD" in (
        done.stderr
    )


# -- hidden sheets: the visible plan is read, and the report says from which sheet ---------------


def _book_with_sheets(path: Path, sheets: Sequence[tuple[str, Sequence[Sequence[object]], str]]) -> Path:
    book = openpyxl.Workbook()
    for n, (name, rows, state) in enumerate(sheets):
        sheet = book.active if n == 0 else book.create_sheet(name)
        assert sheet is not None
        sheet.title = name
        sheet.sheet_state = state  # type: ignore[assignment]
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


DRAFT = [["Line", "Function", "Current"], ["Old payroll", "HR", 999_999]]


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_budget_sheet_is_not_read_in_place_of_the_visible_plan(tmp_path: Path, state: str) -> None:
    path = _book_with_sheets(
        tmp_path / "plan.xlsx", [("Budget", DRAFT, state), ("Plan 2025", GOOD, "visible")]
    )
    report = read_plan(path)
    assert report.plan is not None
    assert [line.name for line in report.plan.lines] == ["Payroll", "Search ads"]
    assert report.read_from == "Lines were read from sheet 'Plan 2025'"
    assert "The hidden sheet 'Budget' is not read: the lines come from the visible sheet 'Plan 2025'" in (
        report.notes
    )


def test_the_report_names_the_budget_sheet_read_even_when_it_is_called_budget(tmp_path: Path) -> None:
    path = _book_with_sheets(
        tmp_path / "plan.xlsx", [("Budget", GOOD, "visible"), ("Draft", DRAFT, "hidden")]
    )
    report = read_plan(path)
    assert report.plan is not None
    assert report.read_from == "Lines were read from sheet 'Budget'"


def test_a_hidden_budget_beside_department_sheets_names_every_sheet_read(tmp_path: Path) -> None:
    it = [["Line", "Current"], ["Laptops", 5_000]]
    path = _book_with_sheets(
        tmp_path / "pack.xlsx",
        [("Budget", DRAFT, "hidden"), ("HR", GOOD[:2], "visible"), ("IT", it, "visible")],
    )
    report = read_plan(path)
    assert report.plan is not None
    assert {line.name for line in report.plan.lines} == {"Payroll", "Laptops"}
    assert report.read_from == "Lines were read from 2 sheets: HR, IT"
    assert "The hidden sheet 'Budget' is not read: the lines come from the visible sheets 'HR', 'IT'" in (
        report.notes
    )


def test_solve_json_says_which_sheet_the_lines_came_from(tmp_path: Path) -> None:
    path = _book_with_sheets(
        tmp_path / "plan.xlsx", [("Budget", DRAFT, "hidden"), ("Plan 2025", GOOD, "visible")]
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "solve", str(path), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["notes"][0] == "Lines were read from sheet 'Plan 2025'"
    assert {line["source_sheet"] for line in data["plan"]["lines"]} == {"Plan 2025"}


def test_the_xml_a_workbook_may_hold_is_bounded(
    tmp_path: Path, base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader keeps every string of the sheets it reads in memory: their text is bounded."""
    text = "".join(
        f'<row r="{r}"><c r="E{r}" t="inlineStr"><is><t>{"budget " * 3_000}</t></is></c></row>'
        for r in range(10, 40)
    )
    path = rewritten(base, tmp_path / "long_strings.xlsx", SHEET, with_cells(text))
    monkeypatch.setattr(xlsx_guard, "MAX_XML_BYTES", 512 * 1024)
    message = read_plan(path).issues[0].message
    assert message == (
        "long_strings.xlsx holds 0.7 MB of XML (cells and text), more than the 0.5 MB a workbook is read with"
    )


def test_a_wide_sheet_is_read_through_without_a_walk_tag_by_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bounds given to the first rows (any of 1,000 columns) and the exact extent of later ones
    (100 columns, row 8,000) seem past the limits together: the sheet is read again for its extent,
    not walked tag by tag (which takes seconds on a sheet of millions of cells)."""
    letters = [column_letter(c) for c in range(1, 101)]
    rows = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{col}{r}"><v>1</v></c>' for col in letters) + "</row>"
        for r in range(1, 8_001)
    )
    part = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet><sheetData>{rows}</sheetData></worksheet>'.encode()
    )

    def walked(*_args: object) -> bool:
        raise AssertionError("walked tag by tag")

    monkeypatch.setattr(xlsx_scan._Walk, "feed", walked)
    scan = xlsx_scan.scan_part(io.BytesIO(part), len(part), xlsx_guard.SHEET_LIMITS, named_xml=True)
    assert scan == xlsx_scan.PartScan(8_000, 100, formulas=False, stopped=False, exact=True)
